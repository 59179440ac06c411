//! Printed and public faces of a shipment: the berita acara serah terima (PDF, with a QR code)
//! and the public page that QR code opens, which says whether the record is unchanged.

use crate::platform::sheet::{self, Cell};
use axum::extract::State;
use crate::platform::http::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::shipments::{self, Shipment, SignAs};
use crate::elections::api::election_or_404;
use crate::platform::auth::CurrentUser;
use crate::platform::error::AppError;
use crate::platform::pdf::Page as PdfPage;
use crate::platform::web::{Lang, Page, layout, t};
use crate::platform::state::AppState;
use crate::platform::form::{FormBody, Refusal, Refused, above, beside, invalid, is_refused, typed, unshown};
use crate::platform::web::{OrPage, PageError};

/// "13 November 2024 09.05 WIB" in the time zone of `region`.
fn local(at: &str, region: &str) -> String {
    let tz = crate::regions::time_zone(region).unwrap_or(crate::regions::TimeZone::Wib);
    crate::platform::i18n::moment_in(at, tz.offset())
}

/// The time zone of a region's clocks (WIB where unknown).
fn zone(region: &str) -> time::UtcOffset {
    crate::regions::time_zone(region).unwrap_or(crate::regions::TimeZone::Wib).offset()
}

/// The same, always in Bahasa Indonesia: the berita acara is an Indonesian official record
/// whatever the language of the request that printed it.
fn local_id(at: &str, region: &str) -> String {
    let tz = crate::regions::time_zone(region).unwrap_or(crate::regions::TimeZone::Wib);
    crate::platform::i18n::moment_at(crate::platform::i18n::Lang::Id, at, tz.offset())
}

/// A location as people name it: "Magersari (35.76.02)", "TPS 001 Balongsari (35.76.02.1008.001)".
fn place(state: &AppState, code: &str) -> String {
    crate::regions::index_of(state).place(code)
}

/// The four parties as the berita acara labels them; the same order as `shipments::SIGNERS`.
const SIGNERS: [(&str, &str); 4] = [
    ("sender", "Yang menyerahkan (KPU)"),
    ("receiver", "Yang menerima (KPU)"),
    ("supervisor", "Pengawas (Bawaslu)"),
    ("escort", "Pengawal (Polri)"),
];

/// The absolute address of the verification page, from the request's host.
fn verify_url(headers: &HeaderMap, s: &Shipment) -> String {
    format!("{}{}", crate::platform::guard::request_origin(headers), s.verification)
}

/// `names`: item key → the catalogue's name for it.
/// `planner`: the unit that planned the shipment (never the account name).
pub fn berita_acara_pdf(state: &AppState, s: &Shipment, names: &[super::ItemRule], planner: &str, election_name: &str, url: &str) -> Result<Vec<u8>, AppError> {
    let mut p = PdfPage::new();
    let x = 50.0;
    let mut y = 790.0;
    p.text(x, y, 15.0, true, "BERITA ACARA SERAH TERIMA LOGISTIK");
    y -= 18.0;
    p.text(x, y, 11.0, false, &format!("{election_name} — Nomor BA-{}/{}/LOG", s.id, s.election));
    y -= 8.0;
    p.line(x, y, 545.0, y);
    y -= 20.0;
    let rows = [
        ("Pihak yang menyerahkan", place(state, &s.from)),
        ("Pihak yang menerima", place(state, &s.to)),
        ("Kendaraan / pengemudi", format!("{} / {}", if s.vehicle.is_empty() { "-" } else { &s.vehicle }, if s.driver.is_empty() { "-" } else { &s.driver })),
        ("Nomor segel", if s.seals.is_empty() { "-".to_string() } else { s.seals.join(", ") }),
        ("Status", t(Lang::Id, &format!("status.{}", s.handover)).to_string()),
        ("Tanda tangan", shipments::signature_summary(&s.signatures).id().to_string()),
        ("Batas tiba", local_id(&s.due_at, &s.to)),
        ("Direncanakan", format!("{} oleh {planner}", local_id(&s.planned_at, &s.from))),
        ("Dikirim", s.dispatched_at.as_deref().map_or("-".into(), |t| local_id(t, &s.from))),
        ("Diterima", s.received_at.as_deref().map_or("-".into(), |t| local_id(t, &s.to))),
    ];
    for (k, v) in rows {
        p.text(x, y, 10.0, false, k);
        p.text(x + 140.0, y, 10.0, false, &format!(": {v}"));
        y -= 15.0;
    }
    y -= 10.0;
    let cols = [x, x + 230.0, x + 300.0, x + 370.0, x + 430.0];
    for (c, h) in cols.iter().zip(["Barang", "Dikirim", "Diterima", "Rusak", "Selisih"]) {
        p.text(*c, y, 10.0, true, h);
    }
    y -= 5.0;
    p.line(x, y, 545.0, y);
    y -= 14.0;
    for i in &s.items {
        let opt = |v: Option<i64>| v.map_or("-".to_string(), |n| n.to_string());
        let name = names.iter().find(|r| r.key == i.item).map_or(i.item.as_str(), |r| r.name.as_str());
        let cells = [name.to_string(), i.sent.to_string(), opt(i.received), opt(i.damaged), i.difference.map_or("-".into(), |d| format!("{d:+}"))];
        for (c, v) in cols.iter().zip(cells) {
            p.text(*c, y, 10.0, false, &v);
        }
        y -= 14.0;
    }
    p.line(x, y + 8.0, 545.0, y + 8.0);
    y -= 6.0;
    let flags: Vec<String> = s.flags.iter().map(|f| shipments::flag_text(f).id().to_string()).collect();
    p.text(x, y, 10.0, true, &format!("Selisih: {}", if flags.is_empty() { "tidak ada".to_string() } else { flags.join(", ") }));
    y -= 14.0;
    if !s.note.is_empty() {
        p.text(x, y, 10.0, false, &format!("Catatan: {}", s.note));
        y -= 14.0;
    }
    y -= 16.0;
    for (n, (role, label)) in SIGNERS.iter().enumerate() {
        let cx = x + n as f32 * 125.0;
        p.text(cx, y, 9.0, true, label);
        match s.signatures.iter().find(|g| g.role == *role) {
            // The signer as the record names them: their unit, as signed for (the account
            // name is half of a login and means nothing on paper).
            Some(g) => {
                p.text(cx, y - 30.0, 9.0, false, &g.unit);
                p.text(cx, y - 42.0, 8.0, false, "ditandatangani");
                p.text(cx, y - 54.0, 8.0, false, &local_id(&g.signed_at, &s.to));
            }
            None => p.text(cx, y - 30.0, 9.0, false, "(belum menandatangani)"),
        }
    }
    // Say on paper what the page will say: an unsigned or partly signed record is not yet a
    // valid handover, however genuine its fingerprint.
    if !s.complete {
        p.text(x, y - 84.0, 9.0, true, "BELUM LENGKAP: berita acara ini belum ditandatangani semua pihak atau barang belum diterima;");
        p.text(x, y - 96.0, 9.0, true, "belum berlaku sebagai serah terima yang sah.");
    }
    p.qr(430.0, 60.0, 115.0, url).map_err(AppError::Internal)?;
    p.text(x, 150.0, 9.0, true, "Pindai kode QR untuk memeriksa catatan dan tanda tangan berita acara ini:");
    p.text(x, 136.0, 8.0, false, url);
    p.text(x, 118.0, 8.0, false, &format!("Sidik catatan (SHA-256): {}", &s.record_hash[..s.record_hash.len().min(32)]));
    p.text(x, 106.0, 8.0, false, &s.record_hash[s.record_hash.len().min(32)..]);
    p.text(x, 60.0, 7.0, false, "Dibuat oleh Sinergi. Catatan lengkap dan jejak audit tersimpan di sistem.");
    Ok(p.finish(&format!("Berita acara serah terima BA-{}", s.id)))
}

/// The berita acara of a shipment as a one-page PDF (for logged-in users), with a QR code to
/// its public verification page.
#[utoipa::path(get, path = "/api/v1/elections/{id}/logistics/shipments/{sid}/berita-acara.pdf", tag = "logistik",
    params(("id" = String, Path), ("sid" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "One-page berita acara serah terima"),
              (status = 401, body = crate::platform::error::ErrorBody), (status = 404, body = crate::platform::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn berita_acara(
    State(state): State<AppState>,
    Path((id, sid)): Path<(String, i64)>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let (s, rules, planner) = state
        .db
        .read(move |c| {
            let s = shipments::get(c, e.id, sid)?.ok_or_else(|| AppError::not_found(crate::tr!("pengiriman {sid} tidak ada", "no shipment {sid}")))?;
            let planner = crate::agencies::store::public_names(c, &[s.planned_by.as_str()])?.remove(&s.planned_by).unwrap_or_default();
            Ok::<_, AppError>((s, super::store::rules(c, e.id)?, planner))
        })
        .await?;
    shipments::may_read(&user.user, &s)?;
    let pdf = berita_acara_pdf(&state, &s, &rules, &planner, e.name, &verify_url(&headers, &s))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"berita-acara-{}.pdf\"", s.id)),
        ],
        pdf,
    )
        .into_response())
}

/// Public: what the QR code on a berita acara opens. Shows the essentials and whether the
/// stored record still matches the hash the application wrote; never who reported anything.
pub async fn verify(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(token): Path<String>) -> Result<Response, PageError> {
    let clean = token.len() <= 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let tok = token.clone();
    let found = if clean {
        state
            .db
            .read(move |c| {
                let found = shipments::by_token(c, &tok)?;
                let rules = match &found {
                    Some((s, _)) => super::store::rules(c, &s.election)?,
                    None => Vec::new(),
                };
                Ok::<_, crate::platform::db::DbError>(found.map(|(s, ok)| (s, ok, rules)))
            })
            .await
    } else {
        Ok(None)
    };
    let viewer = user.as_ref().map(|u| &u.user);
    let Some((s, intact, rules)) = found.or_page(user.as_ref())? else {
        let body = html! { h1 { (t(lang, "log.verify.title")) } p.error #verdict { (t(lang, "log.verify.unknown")) } };
        return Ok((StatusCode::NOT_FOUND, layout(Page::new(lang, t(lang, "log.verify.title"), viewer, "/"), body)).into_response());
    };
    let verdict = shipments::verdict(&s, intact);
    let body = html! {
        h1 { (t(lang, "log.verify.heading")) }
        @match verdict {
            shipments::Verdict::Complete => p.ok #verdict data-verdict="complete" { (t(lang, "log.verify.complete")) },
            shipments::Verdict::Incomplete => p.warn #verdict data-verdict="incomplete" { (t(lang, "log.verify.incomplete")) },
            shipments::Verdict::Altered => p.error #verdict data-verdict="altered" { (t(lang, "log.verify.altered")) },
        }
        ul.facts {
            li { (t(lang, "log.verify.fingerprint")) b #fingerprint data-intact=(intact) {
                @if intact { (t(lang, "log.verify.fp_ok")) } @else { (t(lang, "log.verify.fp_bad")) }
            } }
            li { (t(lang, "log.signatures")) b #signed data-signed=(4 - s.unsigned.len()) { (shipments::signature_summary(&s.signatures).get(lang)) } }
        }
        ul.facts {
            li { (t(lang, "log.number")) b { "BA-" (s.id) "/" (s.election) } }
            li { "Status" b #status data-status=(s.handover) { (t(lang, &format!("status.{}", s.handover))) } }
            li { (t(lang, "log.from")) b { (place(&state, &s.from)) } }
            li { (t(lang, "log.to")) b { (place(&state, &s.to)) } }
        }
        table #items {
            thead { tr { th { (t(lang, "log.item")) } th.num { (t(lang, "log.sent")) } th.num { (t(lang, "log.received")) } th.num { (t(lang, "log.damaged")) } } }
            tbody { @for i in &s.items { tr {
                td { (rules.iter().find(|r| r.key == i.item).map_or(i.item.as_str(), |r| r.name.as_str())) }
                td.num { (crate::platform::web::number(lang, i.sent)) }
                td.num { (i.received.map_or("-".to_string(), |v| crate::platform::web::number(lang, v))) }
                td.num { (i.damaged.map_or("-".to_string(), |v| crate::platform::web::number(lang, v))) }
            } } }
        }
        h2 { (t(lang, "log.signatures")) }
        ul {
            @for (role, _) in SIGNERS {
                li { (t(lang, &format!("role.{}", if role == "supervisor" { "supervisor_sig" } else { role }))) ": "
                    @match s.signatures.iter().find(|g| g.role == role) {
                        Some(g) => { (g.unit) ", " (local(&g.signed_at, &s.to)) }
                        None => { (t(lang, "log.not_yet")) }
                    }
                }
            }
        }
        p.muted { (t(lang, "log.verify.fp_note")) " SHA-256: " code { (s.record_hash) } }
    };
    let path = format!("/verifikasi/{token}");
    Ok(layout(Page::new(lang, t(lang, "log.verify.title"), viewer, &path), body).into_response())
}

// ---- logistics pages: requirements and stock, the shipment board, a shipment, readiness ----

#[derive(serde::Deserialize)]
pub struct LogistikQuery {
    pemilu: Option<String>,
    wilayah: Option<String>,
    status: Option<String>,
}

fn region_of(state: &AppState, q: &LogistikQuery, user: Option<&CurrentUser>) -> String {
    crate::regions::pages::region_or_own(state, q.wilayah.as_deref(), user)
}

fn region_title(state: &AppState, code: &str) -> String {
    if code == crate::regions::NATIONAL { "Indonesia".to_string() } else { place(state, code) }
}

fn logistics_nav(lang: Lang, e: &ElectionDef, region: &str) -> maud::Markup {
    html! {
        p.tools {
            a href={ "/logistik?pemilu=" (e.id) "&wilayah=" (region) } { (t(lang, "log.nav.needs")) }
            a href={ "/logistik/pengiriman?pemilu=" (e.id) "&wilayah=" (region) } { (t(lang, "log.nav.board")) }
            a href={ "/logistik/kesiapan?pemilu=" (e.id) "&wilayah=" (region) } { (t(lang, "log.nav.readiness")) }
        }
    }
}

use crate::elections::ElectionDef;
use crate::regions::pages::election_or_default;

/// Requirements of a region beside the stock held there (CSV with `&format=csv`).
pub async fn overview(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, crate::platform::http::Query(q): crate::platform::http::Query<LogistikQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    let region = region_of(&state, &q, user.as_ref());
    let r = region.clone();
    let data = state
        .db
        .read(move |c| {
            let (tps, needs) = super::store::requirements(c, e, &r)?;
            let stock = super::store::stock_at(c, e.id, &r)?;
            let rules = super::store::rules(c, e.id)?;
            Ok::<_, AppError>((tps, needs, stock, rules))
        })
        .await;
    let (tps, needs, stock, rules) = data.or_page(user.as_ref())?;
    let rows: Vec<(String, String, i64, i64, i64)> = needs
        .iter()
        .map(|(item, qty)| {
            let name = rules.iter().find(|r| &r.key == item).map_or(item.clone(), |r| r.name.clone());
            let (good, damaged) = stock.get(item).copied().unwrap_or((0, 0));
            (item.clone(), name, *qty, good, damaged)
        })
        .collect();
    if q.status.as_deref() == Some("csv") {
        let csv_rows = rows.iter().map(|(k, n, need, good, dmg)| vec![k.into(), n.into(), Cell::Int(*need), Cell::Int(*good), Cell::Int(*dmg)]).collect();
        return Ok(sheet::download(&format!("logistik-{region}-{}.csv", e.id), &["barang", "nama", "kebutuhan", "stok_baik", "stok_rusak"], csv_rows));
    }
    let title = format!("{} {}", t(lang, "log.title"), region_title(&state, &region));
    let body = html! {
        h1 { (title) }
        (crate::regions::pages::election_picker(lang, "/logistik", e))
        (logistics_nav(lang, e, &region))
        ul.facts { li { "TPS" b { (tps) } } li { (t(lang, "log.election")) b { (e.name) } } }
        p.tools { a href={ "/logistik?pemilu=" (e.id) "&wilayah=" (region) "&status=csv" } { (t(lang, "region.download")) } }
        table #kebutuhan {
            thead { tr { th { (t(lang, "log.item")) } th.num { (t(lang, "log.tps_needs")) } th.num { (t(lang, "log.stock_here")) } th.num { (t(lang, "log.damaged")) } } }
            tbody { @for (_, name, need, good, damaged) in &rows { tr {
                td { (name) } td.num { (crate::platform::web::number(lang, *need)) }
                td.num { (crate::platform::web::number(lang, *good)) } td.num { (crate::platform::web::number(lang, *damaged)) }
            } } }
        }
        p.muted { (t(lang, "log.needs_note")) }
    };
    Ok(layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), "/logistik"), body).into_response())
}

/// Shipments from or to a region, grouped by status.
pub async fn board(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, uri: axum::http::Uri, crate::platform::http::Query(q): crate::platform::http::Query<LogistikQuery>) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(crate::platform::web::login_first(&uri.to_string())) };
    let e = election_or_default(q.pemilu.as_deref());
    let region = region_of(&state, &q, Some(&user));
    crate::platform::auth::authorize(&user.user, shipments::READ, &region).or_page(Some(&user))?;
    let user = Some(user);
    let r = region.clone();
    let list = state.db.read(move |c| shipments::list(c, e.id, &r, None, None, 500)).await.or_page(user.as_ref())?;
    if q.status.as_deref() == Some("csv") {
        let rows = list
            .iter()
            .map(|s| {
                vec![
                    format!("BA-{}", s.id).into(),
                    s.from.as_str().into(),
                    region_title(&state, &s.from).into(),
                    s.to.as_str().into(),
                    region_title(&state, &s.to).into(),
                    t(lang, &format!("status.{}", s.handover)).into(),
                    sheet::waktu_at(&s.due_at, zone(&s.to)).into(),
                    s.dispatched_at.as_deref().map(|t| sheet::waktu_at(t, zone(&s.to))).into(),
                    s.received_at.as_deref().map(|t| sheet::waktu_at(t, zone(&s.to))).into(),
                    Cell::Int(s.signatures.len() as i64),
                    s.flags.iter().map(|f| shipments::flag_text(f).to_string()).collect::<Vec<_>>().join(" ").into(),
                ]
            })
            .collect();
        return Ok(sheet::download(
            &format!("pengiriman-{region}-{}.csv", e.id),
            &["nomor", "kode_asal", "dari", "kode_tujuan", "kepada", "status", "batas_tiba", "dikirim", "diterima", "tanda_tangan", "selisih"],
            rows,
        ));
    }
    let title = format!("{} {}", t(lang, "log.nav.board"), region_title(&state, &region));
    let body = html! {
        h1 { (title) }
        (logistics_nav(lang, e, &region))
        p.tools { a href={ "/logistik/pengiriman?pemilu=" (e.id) "&wilayah=" (region) "&status=csv" } { (t(lang, "region.download")) } }
        @for status in [shipments::PLANNED, shipments::DISPATCHED, "menunggu_tanda_tangan_penerima", shipments::RECEIVED] {
            h2 { (t(lang, &format!("status.{status}"))) }
            table.board data-status=(status) {
                thead { tr { th { "No." } th { (t(lang, "log.from")) } th { (t(lang, "log.to")) } th { (t(lang, "log.due")) } th { (t(lang, "log.signatures")) } th { (t(lang, "log.difference")) } } }
                tbody { @for s in list.iter().filter(|s| s.handover == status) { tr {
                    td { a href={ "/logistik/pengiriman/" (s.id) "?pemilu=" (e.id) } { "BA-" (s.id) } }
                    td { (place(&state, &s.from)) } td { (place(&state, &s.to)) }
                    td { (local(&s.due_at, &s.to)) } td { (s.signatures.len()) "/4" }
                    td { (s.flags.iter().map(|f| t(lang, &format!("flag.{f}"))).collect::<Vec<_>>().join(", ")) }
                } } }
            }
        }
    };
    Ok(layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), "/logistik/pengiriman"), body).into_response())
}

/// One shipment, with the co-sign buttons this user may press.
pub async fn shipment_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, uri: axum::http::Uri, Path(sid): Path<i64>, crate::platform::http::Query(q): crate::platform::http::Query<LogistikQuery>) -> Result<Response, PageError> {
    let Some(viewer) = user else { return Ok(crate::platform::web::login_first(&uri.to_string())) };
    let e = election_or_default(q.pemilu.as_deref());
    shipment_view(&state, lang, viewer, e, sid, None).await
}

/// The form id of the co-sign button for `role`.
fn sign_form_id(role: SignAs) -> String {
    format!("sign-{}", role.as_str())
}

/// The shipment page; after a refused co-signature, answered with the refusal's status and that
/// form shown again with the message in it (a dead end before: the bare error page).
async fn shipment_view(state: &AppState, lang: Lang, viewer: CurrentUser, e: &'static ElectionDef, sid: i64, refused: Refused<'_>) -> Result<Response, PageError> {
    let s = state
        .db
        .read(move |c| shipments::get(c, e.id, sid))
        .await
        .or_page(Some(&viewer))?
        .ok_or_else(|| AppError::not_found(crate::tr!("pengiriman {sid} tidak ada", "no shipment {sid}")))
        .or_page(Some(&viewer))?;
    shipments::may_read(&viewer.user, &s).or_page(Some(&viewer))?;
    let user = Some(viewer);
    let can_sign: Vec<SignAs> = match &user {
        Some(u) => SIGN_BUTTONS
            .iter()
            .filter(|(role, _)| {
                // The refused form stays on the page, whatever changed, so the message is read
                // where the button was pressed.
                is_refused(refused, &sign_form_id(*role))
                    || (shipments::open_to_sign(&s, *role) && !s.signatures.iter().any(|g| g.role == role.as_str()) && {
                        let (rule, scope) = shipments::sign_rule(&s, *role);
                        crate::platform::auth::authorize(&u.user, rule, scope).is_ok()
                    })
            })
            .map(|(role, _)| *role)
            .collect(),
        None => Vec::new(),
    };
    let rules = state.db.read(move |c| super::store::rules(c, e.id)).await.unwrap_or_default();
    let name = |key: &str| rules.iter().find(|r| r.key == key).map_or(key.to_string(), |r| r.name.clone());
    let n = |v: i64| crate::platform::web::number(lang, v);
    let title = format!("{} BA-{}", t(lang, "log.shipment"), s.id);
    let body = html! {
        h1 { (title) }
        (logistics_nav(lang, e, &s.from))
        ul.facts {
            li { "Status" b #status data-status=(s.handover) { (t(lang, &format!("status.{}", s.handover))) } }
            li { (t(lang, "log.signatures")) b #signed { (shipments::signature_summary(&s.signatures).get(lang)) } }
            li { (t(lang, "log.from")) b { (place(&state, &s.from)) } }
            li { (t(lang, "log.to")) b { (place(&state, &s.to)) } }
            li { (t(lang, "log.due")) b { (local(&s.due_at, &s.to)) } }
        }
        @if !s.flags.is_empty() { p.error #flags { (t(lang, "log.discrepancy")) (s.flags.iter().map(|f| t(lang, &format!("flag.{f}"))).collect::<Vec<_>>().join(", ")) } }
        table #items {
            thead { tr { th { (t(lang, "log.item")) } th.num { (t(lang, "log.sent")) } th.num { (t(lang, "log.received")) } th.num { (t(lang, "log.damaged")) } th.num { (t(lang, "log.difference")) } } }
            tbody { @for i in &s.items { tr {
                td { (name(&i.item)) } td.num { (n(i.sent)) }
                td.num { (i.received.map_or("-".into(), n)) }
                td.num { (i.damaged.map_or("-".into(), n)) }
                td.num { (i.difference.map_or("-".into(), |v| format!("{v:+}"))) }
            } } }
        }
        @if let Some(sha) = &s.photo_sha256 {
            h2 { (t(lang, "log.photo")) }
            p #photo {
                a.thumb href={ "/foto/" (sha) } { img src={ "/foto/" (sha) "/kecil" } loading="lazy" width="160" alt=(t(lang, "log.photo")); }
                br; "SHA-256 " code.sha { (sha) }
            }
        }
        h2 { (t(lang, "log.signatures")) }
        table #signatures {
            tbody { @for (role, _) in SIGNERS { tr {
                td { (t(lang, &format!("role.{}", if role == "supervisor" { "supervisor_sig" } else { role }))) }
                @match s.signatures.iter().find(|g| g.role == role) {
                    Some(g) => { td { (g.unit) } td { (local(&g.signed_at, &s.to)) } }
                    None => { td.muted { (t(lang, "log.not_yet")) } td {} }
                }
            } } }
        }
        @for role in &can_sign {
            @let f = sign_form_id(*role);
            form.sign-form id=(f) method="post" action={ "/logistik/pengiriman/" (s.id) "/tandatangan?pemilu=" (e.id) } style="display:inline-block;margin:.5rem .5rem 0 0" {
                (above(refused, &f, &["as"]))
                input type="hidden" name="as" value=(typed(refused, &f, "as", role.as_str()));
                button.sign type="submit" data-role=(role.as_str()) aria-invalid=[invalid(refused, &f, "as")] { (t(lang, "log.sign_as")) (t(lang, &format!("sign.{}", role.as_str()))) }
                (beside(refused, &f, "as"))
            }
        }
        p.tools {
            a href={ "/api/v1/elections/" (e.id) "/logistics/shipments/" (s.id) "/berita-acara.pdf" } { (t(lang, "log.print")) }
            a href=(s.verification) { (t(lang, "log.verify_page")) }
        }
    };
    let body = html! { (unshown(refused)) (body) };
    let status = refused.map_or(StatusCode::OK, Refusal::status);
    Ok((status, layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), "/logistik/pengiriman"), body)).into_response())
}

const SIGN_BUTTONS: [(SignAs, &str); 4] = [
    (SignAs::Sender, "pengirim"),
    (SignAs::Receiver, "penerima"),
    (SignAs::Supervisor, "pengawas"),
    (SignAs::Escort, "pengawal"),
];

/// The co-sign button: signs with the logged-in user, then shows the shipment again; a refusal
/// shows the shipment page with that form and the reason in it.
pub async fn sign_submit(
    State(state): State<AppState>,
    lang: Lang,
    user: Option<CurrentUser>,
    Path(sid): Path<i64>,
    crate::platform::http::Query(q): crate::platform::http::Query<LogistikQuery>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(axum::response::Redirect::to("/masuk").into_response()) };
    let e = election_or_default(q.pemilu.as_deref());
    let form = FormBody::parse(&body);
    let role = SIGN_BUTTONS.iter().map(|(r, _)| *r).find(|r| r.as_str() == form.get("as"));
    let result = async {
        let role = role.ok_or_else(|| {
            AppError::invalid("as", crate::tr!("pilih sebagai apa menandatangani: sender, receiver, supervisor atau escort", "choose what to sign as: sender, receiver, supervisor or escort"))
        })?;
        let s = state.db.read(move |c| shipments::get(c, e.id, sid)).await?.ok_or_else(|| AppError::not_found(crate::tr!("pengiriman {sid} tidak ada", "no shipment {sid}")))?;
        let (rule, scope) = shipments::sign_rule(&s, role);
        let permit = crate::platform::auth::authorize(&user.user, rule, scope)?;
        let signer = user.user.clone();
        state.db.write(move |c| shipments::sign(c, &signer, &permit, e.id, sid, role, &crate::platform::clock::now_rfc3339())).await
    }
    .await;
    match result {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/logistik/pengiriman/{sid}?pemilu={}", e.id)).into_response()),
        Err(err) => {
            // A role that is none of the four has no form of its own: the message heads the page.
            let id = role.map_or_else(|| "sign".to_string(), sign_form_id);
            let refusal = Refusal::new(id, form, err);
            shipment_view(&state, lang, user, e, sid, Some(&refusal)).await
        }
    }
}

/// Which TPS are ready, partly supplied or empty; the list of those not ready (CSV with `&status=csv`).
pub async fn readiness_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, crate::platform::http::Query(q): crate::platform::http::Query<LogistikQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    let region = region_of(&state, &q, user.as_ref());
    let r = region.clone();
    let ready = state.db.read(move |c| super::store::readiness(c, e, &r)).await.or_page(user.as_ref())?;
    if q.status.as_deref() == Some("csv") {
        let rows = ready.not_ready.iter().map(|c| vec![c.into(), region_title(&state, c).into()]).collect();
        return Ok(sheet::download(&format!("tps-belum-siap-{region}-{}.csv", e.id), &["tps", "nama"], rows));
    }
    let title = format!("{} {}", t(lang, "log.nav.readiness"), region_title(&state, &region));
    let n = |v: i64| crate::platform::web::number(lang, v);
    let body = html! {
        h1 { (title) }
        (crate::regions::pages::election_picker(lang, "/logistik/kesiapan", e))
        (logistics_nav(lang, e, &region))
        ul.facts #readiness {
            li { "TPS" b { (n(ready.tps_total)) } }
            li { (t(lang, "log.ready")) b #ready { (n(ready.ready)) } }
            li { (t(lang, "log.partial")) b #partial { (n(ready.partial)) } }
            li { (t(lang, "log.none")) b #none { (n(ready.none)) } }
        }
        @if !ready.not_ready.is_empty() {
            h2 { (t(lang, "log.not_ready")) }
            p.tools { a href={ "/logistik/kesiapan?pemilu=" (e.id) "&wilayah=" (region) "&status=csv" } { (t(lang, "region.download")) } }
            table #not-ready { tbody { @for c in ready.not_ready.iter().take(500) { tr { td { (place(&state, c)) } } } } }
            @if ready.not_ready.len() > 500 {
                @let more = ready.not_ready.len() - 500;
                p.muted { (crate::tr!("… dan {more} TPS lagi (lihat CSV).", "… and {more} more TPS (see the CSV).")) }
            }
        }
    };
    Ok(layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), "/logistik/kesiapan"), body).into_response())
}
