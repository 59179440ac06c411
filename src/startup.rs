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

use crate::platform::auth::LoginThrottle;
use crate::platform::db::{Db, DbError};
use crate::platform::error::{AppError, ErrorBody};
use crate::{agencies, elections, logistics, platform, regions, vulnerability};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub throttle: Arc<LoginThrottle>,
    pub regions: Arc<regions::index::RegionIndex>,
}

/// Opens the database (creating and migrating it) and makes sure the built-in data — the
/// national regions and the 2024 elections — is there.
pub async fn open_db(url: &str) -> Result<Db, DbError> {
    let url = url.to_string();
    let db = tokio::task::spawn_blocking(move || Db::open(&url))
        .await
        .map_err(|e| DbError::Other(format!("opening the database failed: {e}")))??;
    db.write(|c| {
        regions::store::ensure_loaded(c)?;
        elections::store::ensure_builtin(c)?;
        logistics::store::ensure_builtin(c)?;
        Ok::<_, DbError>(())
    })
    .await?;
    Ok(db)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Sinergi API", version = "1", description = "Shared operating picture for Indonesian elections. Errors are {\"error\": {\"code\", \"message\", \"field\"}}."),
    modifiers(&BearerAuth),
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
        AppError::not_found(format!("no endpoint {}", uri.path())).into_response()
    } else {
        regions::pages::error_page(lang, None, AppError::not_found(uri.path().to_string()))
    }
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(agencies::api::login))
        .routes(routes!(agencies::api::logout))
        .routes(routes!(agencies::api::me))
        .routes(routes!(regions::api::list_regions))
        .routes(routes!(regions::api::get_region))
        .routes(routes!(regions::api::region_children))
        .routes(routes!(elections::api::list_elections))
        .routes(routes!(elections::api::list_tps, elections::api::put_tps))
        .routes(routes!(elections::api::get_tps))
        .routes(routes!(platform::audit::list_audit))
        .routes(routes!(platform::alerts::list_alerts))
        .routes(routes!(platform::alerts::ack_alert))
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
        .routes(routes!(vulnerability::api::put_grade))
        .routes(routes!(vulnerability::api::get_ikp, vulnerability::api::put_ikp))
        .routes(routes!(vulnerability::api::get_rule, vulnerability::api::put_rule))
        .routes(routes!(vulnerability::api::put_personnel))
        .routes(routes!(vulnerability::api::put_pattern))
        .routes(routes!(vulnerability::api::plan))
        .split_for_parts();
    let openapi = Arc::new(openapi);
    api.route("/api/v1/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .route("/", get(|| async { Redirect::to("/wilayah") }))
        .route("/assets/app.css", get(platform::web::stylesheet))
        .route("/masuk", get(agencies::api::login_page).post(agencies::api::login_submit))
        .route("/keluar", post(agencies::api::logout_submit))
        .route("/bahasa", get(agencies::api::switch_language))
        .route("/wilayah", get(regions::pages::indonesia))
        .route("/wilayah/{code}", get(regions::pages::region))
        .route("/wilayah/{code}/unduh.csv", get(regions::pages::children_csv))
        .route("/wilayah/{code}/tps.csv", get(regions::pages::tps_csv))
        .route("/cari", get(regions::pages::search))
        .route("/verifikasi/{token}", get(logistics::pages::verify))
        .route("/peringatan", get(platform::alerts::alerts_page))
        .route("/peringatan/{id}/baca", post(platform::alerts::ack_submit))
        .route("/kerawanan", get(vulnerability::pages::page))
        .route("/pengamanan", get(vulnerability::pages::plan_page))
        .route("/logistik", get(logistics::pages::overview))
        .route("/logistik/pengiriman", get(logistics::pages::board))
        .route("/logistik/pengiriman/{sid}", get(logistics::pages::shipment_page))
        .route("/logistik/pengiriman/{sid}/tandatangan", post(logistics::pages::sign_submit))
        .route("/logistik/kesiapan", get(logistics::pages::readiness_page))
        .fallback(not_found)
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

pub async fn serve(db: Db, listen: &str) -> std::io::Result<()> {
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
    let state = AppState { db, throttle: Arc::new(LoginThrottle::default()), regions: Arc::new(index) };
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
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

