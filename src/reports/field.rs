//! Laporan in the field app: a Bawaslu supervisor's finding (`/lapangan/temuan`, PKD /
//! Panwascam / PTPS) and a citizen's report from the same app (`/lapangan/lapor`). Both are
//! field forms (FIELD.md): app.js queues their JSON with its Idempotency-Key and sends it to
//! `POST /api/v1/findings` or `POST /api/v1/reports` when there is signal, so a report
//! written where there is none is not lost and never filed twice. Times are the phone's
//! `datetime-local` values, which the API reads in the region's time zone.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use crate::elections::{ELECTIONS, TpsCode};
use crate::logistics::field::{field_form, name_of};
use crate::platform::auth::{CurrentUser, authorize};
use crate::platform::error::AppError;
use crate::platform::http::Query;
use crate::platform::state::AppState;
use crate::platform::web::{Lang, OrPage, Page, PageError, PageUser, layout};
use crate::regions::Level;
use crate::regions::pages::election_or_default;
use crate::tr;

#[derive(serde::Deserialize)]
pub struct FieldQuery {
    pemilu: Option<String>,
    /// A village or TPS to start from (a link from a TPS page).
    wilayah: Option<String>,
}

/// "2024-11-27T09:30" now, in the region's local time: the default of a `datetime-local`.
fn local_now(region: &str) -> String {
    let now = crate::platform::clock::now().to_offset(super::store::offset_of(region));
    format!("{:04}-{:02}-{:02}T{:02}:{:02}", now.year(), u8::from(now.month()), now.day(), now.hour(), now.minute())
}

/// The villages and TPS of a scope, by name, for a place select: each village as a choice of
/// its own, followed by its TPS. A scope above a district lists its villages only (a regency's
/// thousands of TPS are no list to scroll on a phone; its code can still be typed).
async fn places(state: &AppState, election: &'static str, scope: &str) -> Result<Vec<(String, String)>, AppError> {
    if TpsCode::parse(scope).is_ok() {
        return Ok(vec![(scope.to_string(), name_of(state, scope))]);
    }
    let level = crate::regions::RegionCode::parse(scope).ok().map(|c| c.level());
    let index = crate::regions::index_of(state);
    let villages: Vec<String> = match level {
        Some(Level::Village) => vec![scope.to_string()],
        Some(Level::District) => index.children_codes(scope),
        Some(Level::Regency) => index.children_codes(scope).iter().flat_map(|d| index.children_codes(d)).collect(),
        _ => Vec::new(),
    };
    let with_tps = matches!(level, Some(Level::Village | Level::District));
    let s = scope.to_string();
    let tps: Vec<String> = if with_tps {
        state.db.read(move |c| crate::elections::store::list_tps(c, election, &s, None, 2000)).await?.into_iter().map(|t| t.code).collect()
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for v in villages {
        out.push((v.clone(), name_of(state, &v)));
        for t in tps.iter().filter(|t| t.starts_with(&format!("{v}."))) {
            out.push((t.clone(), format!("· {}", name_of(state, t))));
        }
    }
    Ok(out)
}

fn place_select(lang: Lang, places: &[(String, String)], chosen: &str) -> Markup {
    html! {
        label for="region" { (tr!("Desa/kelurahan atau TPS", "Village or TPS").get(lang)) }
        @if places.is_empty() {
            input #region name="region" value=(chosen) inputmode="decimal" placeholder="35.76.02.1008" required;
        } @else {
            select #region name="region" required {
                @for (code, name) in places { option value=(code) selected[code == chosen] { (name) } }
            }
        }
    }
}

fn election_select(lang: Lang, chosen: &str) -> Markup {
    html! {
        label for="election" { (tr!("Pemilihan", "Election").get(lang)) }
        select #election name="election" {
            @for e in ELECTIONS { option value=(e.id) selected[e.id == chosen] { (e.name) } }
        }
    }
}

/// The fields a finding and a report share (FIELD.md names; the API's JSON keys).
fn case_fields(lang: Lang, region: &str) -> Markup {
    let now = local_now(region);
    html! {
        label for="reported" { (tr!("Terlapor (siapa yang diduga melanggar)", "Reported party (who is said to have broken the rules)").get(lang)) }
        input #reported name="reported" required;
        label for="event_at" { (tr!("Waktu kejadian", "When it happened").get(lang)) }
        input #event_at name="event_at" type="datetime-local" value=(now) required;
        label for="known_at" { (tr!("Waktu diketahui", "When it became known").get(lang)) }
        input #known_at name="known_at" type="datetime-local" value=(now) required;
        label for="place" { (tr!("Tempat kejadian", "Where it happened").get(lang)) }
        input #place name="place" required;
        label for="description" { (tr!("Uraian kejadian", "What happened").get(lang)) }
        textarea #description name="description" rows="6" required {}
        fieldset {
            legend { (tr!("Saksi (boleh kosong)", "Witnesses (may be left empty)").get(lang)) }
            @for i in 0..3 {
                input name={ "witnesses." (i) } aria-label={ (tr!("Saksi", "Witness").get(lang)) " " (i + 1) };
            }
        }
    }
}

/// `/lapangan/temuan`: a supervisor's finding (Bawaslu operators, within their scope), the
/// place picked from the villages and TPS of the user's area.
pub async fn finding_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    let scope = user.user.unit.region.clone();
    authorize(&user.user, super::api::FINDING, &scope).or_page(Some(&user))?;
    let list = places(&state, e.id, &scope).await.or_page(Some(&user))?;
    let chosen = q.wilayah.clone().unwrap_or_default();
    let title = tr!("Temuan pengawasan", "Supervision finding").get(lang).to_string();
    let here = name_of(&state, &scope);
    let body = html! {
        h1 { (title) }
        p.muted { (user.user.unit.name) " · " (here) }
        (field_form("temuan", "/api/v1/findings", "POST", &tr!("Temuan di {here}", "Finding in {here}").get(lang).to_string(), html! {
            (election_select(lang, e.id))
            (place_select(lang, &list, &chosen))
            (case_fields(lang, &scope))
            button type="submit" { (tr!("Simpan temuan", "Save the finding").get(lang)) }
        }))
    };
    Ok(layout(Page::new(lang, &title, Some(&user.user), "/lapangan/temuan"), body).into_response())
}

/// `/lapangan/lapor`: a citizen's report from the app, anonymous if they wish. Queued like any
/// field form: a voter at a TPS without signal writes it there and it goes out once, when the
/// phone is back online (the API answers the receipt number, which the queue keeps). Evidence
/// files go through the public `/lapor` page or, later, `/lacak` with the receipt.
pub async fn report_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    // A logged-in officer picks from the places of their area; anyone else types or picks
    // from the village given in the link, else types the code.
    let scope = user.as_ref().map(|u| u.user.unit.region.clone()).filter(|r| {
        crate::regions::RegionCode::parse(r).ok().is_some_and(|c| matches!(c.level(), Level::Village | Level::District)) || TpsCode::parse(r).is_ok()
    });
    let chosen = q.wilayah.clone().unwrap_or_default();
    let list = match &scope {
        Some(s) => places(&state, e.id, s).await.or_page(user.as_ref())?,
        None => Vec::new(),
    };
    let zone_of = scope.clone().unwrap_or_else(|| if chosen.is_empty() { "35".into() } else { chosen.clone() });
    let title = tr!("Laporkan pelanggaran", "Report a violation").get(lang).to_string();
    let body = html! {
        h1 { (title) }
        p.muted { (tr!("Laporan terkirim ke Bawaslu begitu ada sinyal. Bukti foto atau dokumen dapat diunggah lewat ", "The report reaches Bawaslu as soon as there is signal. Photos or documents can be uploaded through ").get(lang)) a href="/lapor" { "/lapor" } "." }
        (field_form("lapor", "/api/v1/reports", "POST", &title, html! {
            (election_select(lang, e.id))
            (place_select(lang, &list, &chosen))
            fieldset {
                legend { (tr!("Pelapor (kosongkan bila tanpa nama)", "Reporter (leave empty to stay anonymous)").get(lang)) }
                label for="reporter-name" { (tr!("Nama", "Name").get(lang)) }
                input #reporter-name name="reporter.name" autocomplete="name";
                label for="reporter-address" { (tr!("Alamat", "Address").get(lang)) }
                input #reporter-address name="reporter.address" autocomplete="street-address";
                label for="reporter-contact" { (tr!("Telepon atau surel", "Phone or e-mail").get(lang)) }
                input #reporter-contact name="reporter.contact" autocomplete="tel";
            }
            (case_fields(lang, &zone_of))
            button type="submit" { (tr!("Kirim laporan", "Send the report").get(lang)) }
        }))
    };
    Ok(layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), "/lapangan/lapor"), body).into_response())
}
