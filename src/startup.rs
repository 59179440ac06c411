//! Start-up: open and prepare the database, build the router (whose API routes are also the
//! OpenAPI document), bind the listener and serve until Ctrl-C or SIGTERM.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::platform::db::{Db, DbError};
use crate::platform::error::{AppError, ErrorBody};
use crate::{agencies, coordination, elections, field, logistics, platform, regions, reports, results, situation, vulnerability};

pub use crate::platform::state::AppState;

/// The server's state with every module's registered state.
pub fn state(db: Db, blobs: Arc<platform::blob::BlobStore>, index: regions::index::RegionIndex, channels: platform::notify::Channels, log_key: platform::tlog::checkpoint::PublicKey) -> AppState {
    let index = Arc::new(index);
    let modules = platform::state::Modules::default()
        .with_shared(index.clone())
        .with(platform::i18n::PlaceNames(index))
        .with(results::CandidateCache::default())
        .with(results::snapshot::Snapshots::new(std::time::Duration::from_secs(platform::settings::get().export_secs)))
        .with(vulnerability::plan::GapsCache::default())
        .with(reports::store::Holidays::default())
        .with(channels)
        .with(log_key)
        .with(situation::atlas())
        // Who may open a kept photo at /foto: one rule per module that shows photos.
        .with(platform::blob::PhotoRules(vec![results::store::photo_rule as platform::blob::PhotoRule, logistics::shipments::photo_rule]));
    AppState::new(db, blobs, platform::limit::RateLimit::intake(), modules)
}

/// Opens the database (creating and migrating it) and makes sure the built-in data — the
/// national regions and the 2024 elections — is there.
pub async fn open_db(url: &str) -> Result<Db, DbError> {
    let url = url.to_string();
    let db = tokio::task::spawn_blocking(move || Db::open(&url))
        .await
        .map_err(|e| DbError::Other(format!("opening the database failed: {e}")))??;
    db.write(|c| {
        // Servers started together on an empty PostgreSQL database load the built-in data one
        // after another: the later ones then find it there.
        c.lock_keys(["startup: built-in data"])?;
        regions::store::ensure_loaded(c)?;
        elections::store::ensure_builtin(c)?;
        logistics::store::ensure_builtin(c)?;
        reports::store::ensure_builtin(c)?;
        coordination::store::ensure_builtin(c)?;
        for e in elections::ELECTIONS {
            if let Some(n) = results::store::repair_aggregates(c, e).map_err(|e| DbError::Other(e.to_string()))? {
                tracing::warn!("the result totals of {} held numbers that were not whole; recomputed from {n} TPS results", e.id);
            }
        }
        for (e, n) in vulnerability::counts::recount_marked(c)? {
            tracing::info!("kerawanan counts of {e} recomputed from {n} mapped TPS");
        }
        Ok::<_, DbError>(())
    })
    .await?;
    Ok(db)
}

/// Opens the blob store the environment names (`platform::blob::BlobStore::from_env`) for the
/// database at `url`.
pub async fn open_blobs(url: &str, db: &Db) -> Result<Arc<platform::blob::BlobStore>, AppError> {
    let store = platform::blob::BlobStore::from_env(url)?;
    tracing::info!("blobs kept in {}", store.describe());
    // Evidence that older versions kept in the database moves to the store (once; a row moved
    // is skipped the next time).
    let moved = reports::store::move_evidence_to_blobs(db, &store).await?;
    if moved > 0 {
        tracing::info!("moved {moved} evidence file(s) from the database into {}", store.describe());
    }
    Ok(Arc::new(store))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Sinergi API", version = "1", description = "Shared operating picture for Indonesian elections. Errors are {\"error\": {\"code\", \"message\", \"field\"}}."),
    modifiers(&BearerAuth),
    paths(platform::tlog::http::get_tile),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    status: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 500, body = ErrorBody)))]
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Result<Json<Health>, AppError> {
    state.db.read(|c| c.query_one("SELECT 1", &[])).await?;
    Ok(Json(Health { status: "ok" }))
}

async fn not_found(uri: Uri, lang: platform::web::Lang) -> Response {
    if uri.path().starts_with("/api/") {
        let path = uri.path();
        AppError::not_found(crate::tr!("alamat {path} tidak ada di API", "no endpoint {path}")).into_response()
    } else {
        let path = uri.path();
        regions::pages::error_page(lang, None, AppError::not_found(crate::tr!("halaman {path} tidak ada", "no page {path}")))
    }
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    AppError::Internal("a request handler panicked".into()).into_response()
}

/// The largest request body: a public report with its evidence files.
const UPLOAD_LIMIT: usize = 26 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(agencies::api::login))
        .routes(routes!(agencies::api::logout))
        .routes(routes!(agencies::api::me))
        .routes(routes!(agencies::api::disable_user))
        .routes(routes!(agencies::api::enable_user))
        .routes(routes!(agencies::api::reset_password))
        .routes(routes!(agencies::api::revoke_sessions))
        .routes(routes!(regions::api::list_regions))
        .routes(routes!(regions::api::get_region))
        .routes(routes!(regions::api::region_children))
        .routes(routes!(field::places::places))
        .routes(routes!(field::places::nearest))
        .routes(routes!(elections::api::list_elections))
        .routes(routes!(elections::api::list_tps, elections::api::put_tps))
        .routes(routes!(elections::api::get_tps))
        .routes(routes!(platform::audit::list_audit))
        .routes(routes!(platform::alerts::list_alerts))
        .routes(routes!(platform::alerts::ack_alert))
        .routes(routes!(platform::notify::web::list_subscriptions, platform::notify::web::create_subscription))
        .routes(routes!(platform::notify::web::delete_subscription))
        .routes(routes!(platform::notify::web::deliveries))
        .routes(routes!(logistics::api::list_items))
        .routes(routes!(logistics::api::update_item))
        .routes(routes!(logistics::api::requirements))
        .routes(routes!(logistics::api::stock))
        .routes(routes!(logistics::api::receipt))
        .routes(routes!(logistics::api::list_shipments, logistics::api::plan_shipment))
        .routes(routes!(logistics::api::get_shipment))
        .routes(routes!(logistics::api::dispatch))
        .routes(routes!(logistics::api::receive))
        .routes(routes!(logistics::api::sign))
        .routes(routes!(logistics::api::readiness))
        .routes(routes!(logistics::pages::berita_acara))
        .routes(routes!(vulnerability::api::indicators))
        .routes(routes!(vulnerability::api::put_indicator))
        .routes(routes!(vulnerability::api::get_tps, vulnerability::api::put_tps))
        .routes(routes!(vulnerability::api::summary))
        .routes(routes!(vulnerability::api::list_tps))
        .routes(routes!(vulnerability::api::put_grade))
        .routes(routes!(vulnerability::api::get_ikp, vulnerability::api::put_ikp))
        .routes(routes!(vulnerability::api::get_rule, vulnerability::api::put_rule))
        .routes(routes!(vulnerability::api::put_personnel))
        .routes(routes!(vulnerability::api::put_pattern))
        .routes(routes!(vulnerability::api::plan))
        .merge(
            // Evidence uploads carry up to 25 MB; every other body keeps axum's 2 MB limit.
            OpenApiRouter::new()
                .routes(routes!(reports::api::create_report, reports::api::list_reports))
                .routes(routes!(reports::api::add_evidence))
                .routes(routes!(reports::api::complete_report))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .routes(routes!(reports::api::receipt_status))
        .routes(routes!(reports::api::create_finding))
        .routes(routes!(reports::api::get_report))
        .routes(routes!(reports::api::get_evidence))
        .routes(routes!(reports::api::transition))
        .routes(routes!(reports::api::create_dispute, reports::api::list_disputes))
        .routes(routes!(reports::api::get_dispute))
        .routes(routes!(reports::api::dispute_transition))
        .routes(routes!(results::api::contests))
        .routes(routes!(results::api::form_rules))
        .routes(routes!(results::api::put_candidates))
        .routes(routes!(results::api::summary))
        .routes(routes!(results::api::export))
        .routes(routes!(results::api::put_result, results::api::get_result))
        .routes(routes!(results::api::put_recap, results::api::get_recap))
        .routes(routes!(results::api::result_proof))
        .routes(routes!(platform::tlog::http::get_checkpoint))
        .routes(routes!(platform::tlog::http::get_key))
        .routes(routes!(platform::tlog::http::get_consistency))
        .routes(routes!(coordination::api::list_stages, coordination::api::add_stage))
        .routes(routes!(coordination::api::stages_ics))
        .routes(routes!(coordination::api::list_units))
        .routes(routes!(coordination::api::create_meeting, coordination::api::list_meetings))
        .routes(routes!(coordination::api::get_meeting, coordination::api::patch_meeting))
        .routes(routes!(coordination::api::add_speaker))
        .routes(routes!(coordination::api::put_attendance))
        .routes(routes!(coordination::api::add_decision))
        .routes(routes!(coordination::api::add_action))
        .routes(routes!(coordination::api::minutes_pdf))
        .routes(routes!(coordination::api::list_actions))
        .routes(routes!(coordination::api::patch_action))
        .routes(routes!(coordination::api::add_line))
        .routes(routes!(coordination::api::add_realisation))
        .routes(routes!(coordination::api::create_grant))
        .routes(routes!(coordination::api::add_disbursement))
        .routes(routes!(coordination::api::budget_summary))
        .routes(routes!(coordination::api::budget_export))
        .routes(routes!(agencies::devices::issue_code, agencies::devices::list_devices))
        .routes(routes!(agencies::devices::revoke_device))
        .routes(routes!(agencies::devices::enrol_device))
        .routes(routes!(reports::api::deadline))
        .routes(routes!(reports::api::list_holidays))
        .routes(routes!(reports::api::put_holiday, reports::api::delete_holiday))
        .routes(routes!(situation::api::situation))
        .split_for_parts();
    let openapi = Arc::new(openapi);
    api.route("/api/v1/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .route("/", get(|user: Option<platform::auth::CurrentUser>| async move { Redirect::to(if user.is_some() { "/situasi" } else { "/wilayah" }) }))
        .route("/situasi", get(situation::pages::own))
        .route("/situasi/{code}", get(situation::pages::region))
        .route("/situasi/{code}/laporan", get(situation::pages::report_list))
        .route("/situasi/{code}/langsung", get(situation::pages::live))
        .route("/assets/situasi.js", get(situation::pages::live_script))
        .route("/situasi/{code}/laporan.pdf", get(situation::pages::report_pdf))
        .route("/laporan-situasi/{token}", get(situation::pages::report_verify))
        .route("/assets/app.css", get(platform::web::stylesheet))
        .route("/assets/hasil.js", get(results::pages::live_script))
        .route("/assets/bukti-log.js", get(results::pages::proof_script))
        .route("/assets/picker.js", get(platform::field::picker_js))
        .route("/lapangan", get(field::home))
        .route("/lapangan/antrean", get(field::queue))
        .route(field::LOGGED_OUT, get(field::logged_out).post(agencies::api::logout_submit))
        .route("/lapangan/app.js", get(platform::field::app_js))
        .route("/lapangan/sw.js", get(platform::field::service_worker))
        .route("/lapangan/manifest.webmanifest", get(platform::field::manifest))
        .route("/lapangan/icon-192.png", get(platform::field::icon_192))
        .route("/lapangan/icon-512.png", get(platform::field::icon_512))
        .route("/masuk", get(agencies::api::login_page).post(agencies::api::login_submit))
        .route("/keluar", post(agencies::api::logout_submit))
        .route("/bahasa", get(agencies::api::switch_language))
        .route("/pengguna", get(agencies::pages::accounts_page))
        .route("/pengguna/{username}/nonaktifkan", post(agencies::pages::disable_submit))
        .route("/pengguna/{username}/aktifkan", post(agencies::pages::enable_submit))
        .route("/pengguna/{username}/sandi", post(agencies::pages::password_submit))
        .route("/pengguna/{username}/sesi", post(agencies::pages::revoke_submit))
        .route("/pengguna/{username}/perangkat", get(agencies::devices::devices_page).post(agencies::devices::issue_submit))
        .route("/pengguna/{username}/perangkat/{id}/cabut", post(agencies::devices::revoke_submit))
        .route(agencies::devices::ENROL_PAGE, get(agencies::devices::enrol_page).post(agencies::devices::enrol_submit))
        .route("/wilayah", get(regions::pages::indonesia))
        .route("/wilayah/{code}", get(regions::pages::region))
        .route("/wilayah/{code}/unduh.csv", get(regions::pages::children_csv))
        .route("/wilayah/{code}/tps.csv", get(regions::pages::tps_csv))
        .route("/cari", get(regions::pages::search))
        .route("/verifikasi/{token}", get(logistics::pages::verify))
        .route("/peringatan", get(platform::alerts::alerts_page))
        .route("/peringatan/{id}/baca", post(platform::alerts::ack_submit))
        .route("/peringatan/saluran", get(platform::notify::web::channels_page).post(platform::notify::web::subscribe_submit))
        .route("/peringatan/saluran/{id}/hapus", post(platform::notify::web::unsubscribe_submit))
        .route("/peringatan/pengiriman", get(platform::notify::web::log_page))
        .route("/kerawanan", get(vulnerability::pages::page))
        .route("/kerawanan/tps", get(vulnerability::pages::tps_list))
        .route("/pengamanan", get(vulnerability::pages::plan_page))
        .route("/peta/{code}", get(situation::map::page))
        .route("/logistik", get(logistics::pages::overview))
        .route("/logistik/pengiriman", get(logistics::pages::board))
        .route("/logistik/pengiriman/{sid}", get(logistics::pages::shipment_page))
        .route("/logistik/pengiriman/{sid}/tandatangan", post(logistics::pages::sign_submit))
        .route("/logistik/kesiapan", get(logistics::pages::readiness_page))
        .route("/lapangan/logistik", get(logistics::field::home))
        .route("/lapangan/logistik/rencana", get(logistics::field::plan_page))
        .route("/lapangan/logistik/tps/{code}", get(logistics::field::tps_page))
        .route("/lapangan/logistik/{sid}", get(logistics::field::shipment_page))
        .route("/lapangan/rawan", get(vulnerability::field::rawan_pick))
        .route("/lapangan/rawan/{tps}", get(vulnerability::field::rawan_page))
        .route("/lapangan/personel", get(vulnerability::field::personnel_page))
        .route("/lapangan/personel/{code}", get(vulnerability::field::personnel_page_at))
        .route("/lapangan/temuan", get(reports::field::finding_page))
        .route("/lapangan/lapor", get(reports::field::report_page))
        .route("/hasil", get(results::pages::region_page))
        .route("/hasil/tps/{code}", get(results::pages::tps_page))
        .route("/foto/{sha256}", get(platform::blob::photo))
        // Documented in ApiDoc (utoipa cannot route a wildcard path).
        .route("/log/tile/{*tile}", get(platform::tlog::http::get_tile))
        .route("/foto/{sha256}/kecil", get(platform::blob::photo_small))
        .route("/hasil/rekap/{code}", get(results::pages::recap_page))
        .route("/lapangan/hasil/{tps}", get(results::field::tps_page))
        .route("/lapangan/hasil/{tps}/{contest}", get(results::field::form_page))
        .route("/lapangan/chasil.js", get(results::field::chasil_script))
        .route("/lapor", get(reports::pages::form_page).post(reports::pages::form_submit).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/lacak", get(reports::pages::track_lookup))
        .route("/lacak/{receipt}", get(reports::pages::track_page))
        .route("/lacak/{receipt}/lengkapi", post(reports::pages::complete_submit).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/laporan", get(reports::pages::board))
        .route("/laporan/unduh.csv", get(reports::pages::board_csv))
        .route("/laporan/{id}", get(reports::pages::case_page))
        .route("/laporan/{id}/langkah", post(reports::pages::move_submit))
        .route("/gakkumdu", get(reports::pages::gakkumdu_board))
        .route("/sengketa/{id}", get(reports::pages::dispute_page))
        .route("/sengketa/{id}/langkah", post(reports::pages::dispute_move_submit))
        .route("/tahapan", get(coordination::pages::stages_page))
        .route("/rapat", get(coordination::pages::meetings_page))
        .route("/rapat/baru", get(coordination::pages::schedule_page).post(coordination::pages::schedule_submit))
        .route("/rapat/{id}", get(coordination::pages::meeting_page))
        .route("/rapat/{id}/kehadiran", post(coordination::pages::attendance_submit))
        .route("/rapat/{id}/narasumber", post(coordination::pages::speaker_submit))
        .route("/rapat/{id}/notulen", post(coordination::pages::minutes_submit))
        .route("/rapat/{id}/tindak-lanjut", post(coordination::pages::action_submit))
        .route("/tindak-lanjut", get(coordination::pages::owed_page))
        .route("/tindak-lanjut/{id}", post(coordination::pages::owed_submit))
        .route("/anggaran", get(coordination::pages::budget_page))
        .route("/anggaran/pagu", post(coordination::pages::line_submit))
        .route("/anggaran/pagu/{id}/realisasi", post(coordination::pages::realisation_submit))
        .route("/anggaran/hibah", post(coordination::pages::grant_submit))
        .route("/anggaran/hibah/{id}/pencairan", post(coordination::pages::disbursement_submit))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), platform::alerts::unread_scope))
        .layer(axum::middleware::from_fn(platform::guard::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), platform::i18n::scope))
        // A panic anywhere in a handler answers 500 in the usual error shape instead of dropping
        // the connection without a word; the hostile-input tests make sure none is reachable.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(tower_http::compression::CompressionLayer::new())
        // Outside compression: what it keeps for the public is already compressed.
        .layer(axum::middleware::from_fn_with_state(Arc::new(platform::pubcache::PublicCache::new(state.db.clone())), platform::pubcache::layer))
        .with_state(state)
}

pub async fn serve(db: Db, blobs: Arc<platform::blob::BlobStore>, log_key: platform::tlog::checkpoint::LogKey, listen: &str) -> std::io::Result<()> {
    // Settings are checked before the port opens: a half-configured SMTP stops the start.
    let channels = platform::notify::Channels::from_env().map_err(std::io::Error::other)?;
    tracing::info!("{}", channels.describe());
    let report_hour = situation::report::report_hour();
    // The public's reads from a hot standby, while it keeps up (PostgreSQL).
    let settings = platform::settings::get();
    if let Some(url) = &settings.replica_url {
        db.use_replica(url, std::time::Duration::from_secs(settings.replica_max_lag_secs)).map_err(|e| std::io::Error::other(format!("--replica-url: {e}")))?;
        tracing::info!("the public's reads may use the replica while it is at most {} s behind", settings.replica_max_lag_secs);
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to find the port when listening on port 0.
    println!("Sinergi listening on http://{addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let index = db
        .read(regions::index::RegionIndex::load)
        .await
        .map_err(|e| std::io::Error::other(format!("loading the region index failed: {e}")))?;
    let state = state(db.clone(), blobs, index, channels, log_key.public());
    // Caches another server's edit makes stale (PostgreSQL: several servers, one database).
    let (candidates, holidays) = (state.module_arc::<results::CandidateCache>(), state.module_arc::<reports::store::Holidays>());
    platform::cache::forget_on_notice(
        &db,
        vec![(results::CandidateCache::NAME, Arc::new(move || candidates.forget())), (reports::store::Holidays::NAME, Arc::new(move || holidays.forget()))],
    );
    // The national open-data exports, made ahead for the public's downloads.
    tokio::spawn(results::snapshot::keep(db.clone(), state.module_arc::<results::snapshot::Snapshots>()));
    // The maps' projected outlines, built once while the server already answers.
    let atlas = state.module_arc::<platform::map::Atlas>();
    tokio::task::spawn_blocking(move || atlas.warm());
    // The minute sweeps (deadline alerts, the morning's daily reports) run on one server of a
    // deployment at a time: the holder of the `sweeps` lease, renewed every second, which
    // another server takes over within seconds of the holder's death.
    let every = sweep_every();
    let sweeps = Arc::new(platform::lease::Lease::new("sweeps", SWEEPS_LEASE_TTL));
    tokio::spawn(deadline_sweeper(db.clone(), state.module_arc::<reports::store::Holidays>(), sweeps.clone(), every));
    // The results log: its sequencer, and its checkpoints (at most one a second, when the
    // tree grew).
    tracing::info!("transparency log {} signed with the key in {}", log_key.origin(), log_key.path().display());
    // Both run on the one server holding the log's lease (PostgreSQL: several may share it).
    let log_lease = Arc::new(platform::lease::Lease::new("tlog", platform::tlog::LEASE_TTL));
    tokio::spawn(platform::tlog::sequencer(db.clone(), log_lease.clone()));
    tokio::spawn(platform::tlog::checkpoint::signer(db.clone(), Arc::new(log_key), log_lease));
    // Alerts that leave the app: the outbox's sender, every few seconds.
    tokio::spawn(platform::notify::sender(db.clone(), state.module_arc::<platform::notify::Channels>(), state.module::<platform::i18n::PlaceNames>().0.clone()));
    if let Some(hour) = report_hour {
        let base = platform::guard::public_url().map_or_else(|| format!("http://{addr}"), str::to_string);
        tokio::spawn(situation::report::morning(state.clone(), base, hour, sweeps.clone(), every));
    }
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // Stopped on purpose (a restart, a deploy): another server takes the sweeps over at once
    // instead of after the lease's time to live.
    if let Err(e) = db.write_apart(move |c| sweeps.release(c)).await {
        tracing::warn!("cannot release the sweeps' lease: {e}");
    }
    Ok(())
}

/// How often the minute sweeps run (`--sweep-secs`).
fn sweep_every() -> std::time::Duration {
    std::time::Duration::from_secs(platform::settings::get().sweep_secs)
}

/// How long the `sweeps` lease outlives its holder's last renewal (every second).
const SWEEPS_LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Raises the deadline alerts of violation cases: at start (or when this server takes the
/// `sweeps` lease over), then every `every`, while it holds the lease. The lease is renewed
/// every second, and again in the sweep's own transaction.
async fn deadline_sweeper(db: Db, holidays: Arc<reports::store::Holidays>, lease: Arc<platform::lease::Lease>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut last: Option<std::time::Instant> = None;
    loop {
        tick.tick().await;
        if !platform::lease::renew(&db, &lease).await {
            last = None;
            continue;
        }
        if last.is_some_and(|t| t.elapsed() < every) {
            continue;
        }
        last = Some(std::time::Instant::now());
        // Report and dispute deadlines, then late action items, late grant tranches and stages
        // starting tomorrow.
        let (hol, l) = (holidays.clone(), lease.clone());
        let swept = db.write(move |c| {
            if !l.hold(c)? {
                return Ok::<_, DbError>(0);
            }
            Ok(reports::store::sweep(c, &hol, platform::clock::now())? + coordination::store::sweep(c, platform::clock::now())?)
        });
        match swept.await {
            Ok(n) if n > 0 => tracing::info!("deadline sweep raised {n} alert(s)"),
            Ok(_) => {}
            Err(e) => {
                lease.forget();
                tracing::warn!("deadline sweep failed: {e}");
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

