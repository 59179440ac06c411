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
use crate::platform::db::Conn;
use crate::platform::field::{PickLevel, Picker, Task, picker};
use crate::platform::identity::User;
use crate::platform::web::{Lang, OrPage, PageError, PageUser};
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

/// The place of a finding or report, picked by name with the shell's picker (village or TPS)
/// within `within`; a code typed by hand still works.
fn place_picker(lang: Lang, within: &str, election: &str, chosen: &str) -> Markup {
    let label = tr!("Desa/kelurahan atau TPS", "Village or TPS").get(lang).to_string();
    let levels = crate::vulnerability::field::levels_below(within);
    // Below a village the cascade is its TPS; a finding may also name the village itself.
    let levels: &[PickLevel] = if levels == [PickLevel::Tps] && TpsCode::parse(within).is_err() { &[PickLevel::Village, PickLevel::Tps] } else { levels };
    picker(Picker { lang, id: "region", name: "region", label: &label, value: chosen, within, election, levels, accept: &[PickLevel::Village, PickLevel::Tps], election_from: Some("election"), required: true }, false)
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
    let chosen = q.wilayah.clone().unwrap_or_default();
    let title = tr!("Temuan pengawasan", "Supervision finding").get(lang).to_string();
    let here = name_of(&state, &scope);
    let body = html! {
        h1 { (title) }
        p.muted { (user.user.unit.name) " · " (here) }
        (field_form("temuan", "/api/v1/findings", "POST", tr!("Temuan di {here}", "Finding in {here}").get(lang), html! {
            (election_select(lang, e.id))
            (place_picker(lang, &scope, e.id, &chosen))
            (case_fields(lang, &scope))
            button type="submit" { (tr!("Simpan temuan", "Save the finding").get(lang)) }
        }))
    };
    Ok(crate::platform::field::layout(lang, &title, Some(&user.user), body).into_response())
}

/// `/lapangan/lapor`: a citizen's report from the app, anonymous if they wish. Queued like any
/// field form: a voter at a TPS without signal writes it there and it goes out once, when the
/// phone is back online (the API answers the receipt number, which the queue keeps). Evidence
/// files go through the public `/lapor` page or, later, `/lacak` with the receipt.
pub async fn report_page(State(_state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    // A logged-in officer picks from the places of their area; anyone else types or picks
    // from the village given in the link, else types the code.
    let scope = user.as_ref().map(|u| u.user.unit.region.clone()).filter(|r| {
        crate::regions::RegionCode::parse(r).ok().is_some_and(|c| matches!(c.level(), Level::Village | Level::District)) || TpsCode::parse(r).is_ok()
    });
    let chosen = q.wilayah.clone().unwrap_or_default();
    let within = scope.clone().unwrap_or_else(|| crate::regions::NATIONAL.to_string());
    let zone_of = scope.clone().unwrap_or_else(|| if chosen.is_empty() { "35".into() } else { chosen.clone() });
    let title = tr!("Laporkan pelanggaran", "Report a violation").get(lang).to_string();
    let body = html! {
        h1 { (title) }
        p.muted #lapor-note {
            (tr!("Laporan ini tersimpan di ponsel dan terkirim ke Bawaslu begitu ada sinyal. Perlu nomor tanda terima untuk melacaknya, atau ingin melampirkan foto/dokumen bukti? Kirim lewat ",
                "This report is kept on the phone and reaches Bawaslu as soon as there is signal. Need a receipt number to track it, or want to attach photos or documents? Send it through ").get(lang))
            a href="/lapor" { "/lapor" }
            (tr!(" saat ada sinyal.", " while there is signal.").get(lang))
        }
        (field_form("lapor", "/api/v1/reports", "POST", &title, html! {
            (election_select(lang, e.id))
            (place_picker(lang, &within, e.id, &chosen))
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
    Ok(crate::platform::field::layout(lang, &title, user.as_ref().map(|u| &u.user), body).into_response())
}

/// The field home's finding line for a Bawaslu supervisor in the field (Panwascam, PKD, PTPS).
pub fn field_tasks(_c: &mut Conn, user: &User, names: &crate::regions::index::RegionIndex) -> Result<Vec<Task>, AppError> {
    let region = user.unit.region.as_str();
    if region == crate::regions::NATIONAL || region.split('.').count() < 3 || authorize(user, super::api::FINDING, region).is_err() {
        return Ok(Vec::new());
    }
    Ok(vec![Task { section: tr!("Temuan", "Findings"), title: "Catat temuan".to_string(), detail: names.place(region), href: "/lapangan/temuan".to_string() }])
}
