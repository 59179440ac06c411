//! Laporan pages: the public report form (a plain multipart form, no JavaScript), the receipt
//! tracking page, Bawaslu's case board sorted by days left with its CSV (no identities), the
//! case page with its timeline and the moves the reader may make, the Gakkumdu board for
//! police and prosecutors, and the dispute page.

use crate::tr;

use axum::extract::State;
use crate::platform::http::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::api::{PageUpload, ReportInput, ReporterInput, board_filter, public_status, report_view};
use crate::platform::http::Anonymous;
use super::store::{self, ReportFilter, ReportSummary, Stage};
use super::{EXTEND, state_label};
use crate::elections::ELECTIONS;
use crate::platform::auth::CurrentUser;
use crate::platform::clock;
use crate::platform::error::AppError;
use crate::platform::form::{FormBody, Refusal, Refused, above, beside, chosen, invalid, typed, unshown};
use crate::platform::sheet::{self, Cell};
use crate::platform::web::{Lang, OrPage, Page, PageError, PageUser, layout, login_first, t, urlencode, when};
use crate::platform::state::AppState;

fn days_left_cell(lang: Lang, s: &Stage) -> Markup {
    html! {
        @match s.days_left {
            None => span.muted { "—" },
            Some(d) if s.overdue => strong.late data-overdue="1" { (t(lang, "lap.late_by")) " " (d.unsigned_abs().max(1)) " " (t(lang, "lap.days")) },
            Some(d) => span { (d) " " (t(lang, "lap.days")) },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public form

use crate::platform::field::PickLevel;

/// The public form's place lists: province down to TPS.
const PICK_LEVELS: [PickLevel; 5] = [PickLevel::Province, PickLevel::Regency, PickLevel::District, PickLevel::Village, PickLevel::Tps];

/// The public form's element id, which a [`Refusal`] names.
const REPORT_FORM: &str = "report-form";

/// Each form field with the request field a refusal names it by (the reporter's fields are
/// `reporter.*` in the shared input; a witness is `witnesses[i]`).
const REPORT_FIELDS: &[&str] =
    &["election", "region", "reporter.name", "reporter.address", "reporter.contact", "reported", "event_at", "known_at", "place", "description", "witnesses", "file"];

/// The public form: `v` holds the values shown (the query's village and election on a first
/// visit, what was typed after a refusal); a refusal's message sits beside its field, and one
/// line at the head says the report was not saved and which field to correct.
fn form(lang: Lang, v: &FormBody, refused: Refused<'_>) -> Markup {
    const F: &str = REPORT_FORM;
    let at = |field: &str| invalid(refused, F, field);
    let named = refused.and_then(|r| r.error.field()).and_then(|f| REPORT_FIELDS.iter().any(|k| f == *k || f.starts_with(&format!("{k}[")) || f.starts_with(&format!("{k}."))).then(|| field_label(lang, f)).flatten());
    html! {
        h1 { (t(lang, "lap.form.title")) }
        p.muted { (t(lang, "lap.form.intro")) }
        // Where signal is weak: the field app keeps the report on the phone and sends it once
        // when the network returns (src/reports/field.rs).
        p.muted #lapor-offline { a href="/lapangan/lapor" { (crate::tr!("Sinyal lemah? Tulis laporan di aplikasi lapangan: tersimpan di ponsel dan terkirim sendiri saat ada sinyal.", "Weak signal? Write the report in the field app: it is kept on the phone and sent by itself when there is signal.").get(lang)) } }
        @if let Some(r) = refused {
            p.error #form-error role="alert" {
                (t(lang, "lap.form.error")) " "
                @match named {
                    Some(label) => strong { (label) },
                    None => (r.error.to_string()),
                }
            }
        }
        form.report #report-form method="post" action="/lapor" enctype="multipart/form-data" {
            label for="election" { (t(lang, "region.election")) }
            select #election name="election" {
                @for e in ELECTIONS {
                    option value=(e.id) selected[v.get("election") == e.id] { (e.name) }
                }
            }
            (beside(refused, F, "election"))
            // A citizen finds the place by name (picker.js); the code field stays the one sent.
            (crate::platform::field::picker(
                crate::platform::field::Picker {
                    lang, id: "region", name: "region", label: t(lang, "lap.form.region"), value: v.get("region"), within: crate::regions::NATIONAL,
                    election: v.get("election"), levels: &PICK_LEVELS, accept: &[PickLevel::Village, PickLevel::Tps], election_from: Some("election"), required: true,
                },
                at("region").is_some(),
            ))
            (beside(refused, F, "region"))
            small.muted { (t(lang, "lap.form.region_hint")) " " a href="/cari" { (t(lang, "nav.search")) } }
            fieldset {
                legend { (t(lang, "lap.form.reporter")) }
                label for="name" { (t(lang, "lap.form.name")) }
                input #name name="name" value=(v.get("name")) autocomplete="name" aria-invalid=[at("reporter.name")];
                (beside(refused, F, "reporter.name"))
                label for="address" { (t(lang, "lap.form.address")) }
                input #address name="address" value=(v.get("address")) autocomplete="street-address" aria-invalid=[at("reporter.address")];
                (beside(refused, F, "reporter.address"))
                label for="contact" { (t(lang, "lap.form.contact")) }
                input #contact name="contact" value=(v.get("contact")) autocomplete="tel" aria-invalid=[at("reporter.contact")];
                (beside(refused, F, "reporter.contact"))
                label.check { input #anonymous type="checkbox" name="anonymous" value="1" checked[!v.get("anonymous").is_empty()]; " " (t(lang, "lap.form.anonymous")) }
            }
            label for="reported" { (t(lang, "lap.form.reported")) }
            input #reported name="reported" required value=(v.get("reported")) aria-invalid=[at("reported")];
            (beside(refused, F, "reported"))
            label for="event_at" { (t(lang, "lap.form.event_at")) }
            input #event_at type="datetime-local" name="event_at" required value=(v.get("event_at")) aria-invalid=[at("event_at")];
            (beside(refused, F, "event_at"))
            label for="known_at" { (t(lang, "lap.form.known_at")) }
            input #known_at type="datetime-local" name="known_at" required value=(v.get("known_at")) aria-invalid=[at("known_at")];
            (beside(refused, F, "known_at"))
            label for="place" { (t(lang, "lap.form.place")) }
            input #place name="place" required value=(v.get("place")) aria-invalid=[at("place")];
            (beside(refused, F, "place"))
            label for="description" { (t(lang, "lap.form.description")) }
            textarea #description name="description" required rows="6" aria-invalid=[at("description")] { (v.get("description")) }
            (beside(refused, F, "description"))
            label for="witnesses" { (t(lang, "lap.form.witnesses")) }
            textarea #witnesses name="witnesses" rows="3" aria-invalid=[at("witnesses")] { (v.get("witnesses")) }
            (beside(refused, F, "witnesses"))
            label for="file" { (t(lang, "lap.form.files")) }
            input #file type="file" name="file" accept="image/jpeg,image/png,image/webp,image/gif,application/pdf" aria-invalid=[at("file")];
            input type="file" name="file" accept="image/jpeg,image/png,image/webp,image/gif,application/pdf";
            input type="file" name="file" accept="image/jpeg,image/png,image/webp,image/gif,application/pdf";
            (beside(refused, F, "file"))
            button #submit-report type="submit" { (t(lang, "lap.form.submit")) }
        }
        (crate::platform::field::picker_script())
    }
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    wilayah: Option<String>,
    pemilu: Option<String>,
}

/// The form, with the village (or TPS) and election filled in when it is opened from a region
/// page: a citizen finds their village by name, not by code.
/// The form's label of an API field, so that a refusal names what the citizen sees.
fn field_label(lang: Lang, field: &str) -> Option<&'static str> {
    let key = match field.split(['.', '[']).collect::<Vec<_>>().as_slice() {
        ["reporter", f, ..] => match *f {
            "name" => "lap.form.name",
            "address" => "lap.form.address",
            _ => "lap.form.contact",
        },
        ["election", ..] => "region.election",
        ["region", ..] => "lap.form.region",
        ["reported", ..] => "lap.form.reported",
        ["event_at", ..] => "lap.form.event_at",
        ["known_at", ..] => "lap.form.known_at",
        ["place", ..] => "lap.form.place",
        ["description", ..] => "lap.form.description",
        ["witnesses", ..] => "lap.witnesses",
        ["file", ..] => "lap.evidence",
        _ => return None,
    };
    Some(t(lang, key))
}

pub async fn form_page(lang: Lang, user: Option<CurrentUser>, Query(q): Query<FormQuery>) -> Response {
    let election = q.pemilu.filter(|p| crate::elections::election(p).is_some()).unwrap_or_else(|| "pilkada-2024".into());
    let v = FormBody(vec![("election".into(), election), ("region".into(), q.wilayah.unwrap_or_default())]);
    let title = t(lang, "lap.form.title");
    layout(Page::new(lang, title, user.as_ref().map(|u| &u.user), "/lapor"), form(lang, &v, None)).into_response()
}

/// A `datetime-local` value ("2024-11-20T09:30") read in the region's time zone.
fn local_input(field: &str, value: &str, region: &str) -> Result<String, AppError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let fmt_s = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let v = value.trim();
    let naive = time::PrimitiveDateTime::parse(v, &fmt)
        .or_else(|_| time::PrimitiveDateTime::parse(v, &fmt_s))
        .map_err(|_| AppError::invalid(field, tr!("isi tanggal dan jam, mis. 2024-11-20T09:30", "give the date and time, e.g. 2024-11-20T09:30")))?;
    let t = naive.assume_offset(store::offset_of(region));
    Ok(clock::rfc3339(t))
}

/// The public form's post, through the one door of anonymous writes (`Anonymous`: the
/// per-client limit, the public's permit); a refusal there or of what was typed shows the form
/// again.
pub async fn form_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, sent: Result<Anonymous<PageUpload>, AppError>) -> Result<Response, PageError> {
    // What was typed, in the form's own field names, to show again after a refusal.
    let mut typed = FormBody::default();
    let result = async {
        let Anonymous { permit, body: PageUpload(up), .. } = sent?;
        typed = FormBody(
            ["election", "region", "anonymous", "name", "address", "contact", "reported", "event_at", "known_at", "place", "description", "witnesses"]
                .iter()
                .filter_map(|k| up.fields.get(*k).map(|v| ((*k).to_string(), v.clone())))
                .collect(),
        );
        let up = up.checked()?;
        let get = |k: &str| typed.get(k).to_string();
        let region = get("region").trim().to_string();
        let input = ReportInput {
            election: get("election"),
            region: region.clone(),
            reporter: typed.get("anonymous").is_empty().then(|| ReporterInput { name: get("name"), address: get("address"), contact: get("contact") }),
            reported: get("reported"),
            event_at: local_input("event_at", typed.get("event_at"), &region)?,
            known_at: local_input("known_at", typed.get("known_at"), &region)?,
            place: get("place"),
            description: get("description"),
            witnesses: typed.get("witnesses").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        };
        let report = super::api::parse_report(&state, input, None, clock::now())?;
        let hol = super::api::holidays(&state);
        let db = state.db.clone();
        let receipt = state
            .blobs
            .keep_for(super::api::bytes_of(&up.files), async move {
                db.write(move |c| store::create_report(c, &hol, &permit, "publik", &report, &up.files, clock::now()).map(|f| f.receipt)).await
            })
            .await?;
        Ok::<_, AppError>(receipt)
    }
    .await;
    match result {
        Ok(receipt) => Ok(Redirect::to(&format!("/lacak/{receipt}?baru=1")).into_response()),
        Err(err) if err.status().is_client_error() => {
            let refusal = Refusal::new(REPORT_FORM, typed, err);
            let title = t(lang, "lap.form.title");
            Ok((refusal.status(), layout(Page::new(lang, title, user.as_ref().map(|u| &u.user), "/lapor"), form(lang, &refusal.typed, Some(&refusal)))).into_response())
        }
        Err(err) => Err(PageError::new(err, user.as_ref())),
    }
}

// ---------------------------------------------------------------------------------------------
// Receipt tracking

#[derive(Deserialize)]
pub struct LookupQuery {
    kode: Option<String>,
}

pub async fn track_lookup(lang: Lang, user: Option<CurrentUser>, Query(q): Query<LookupQuery>) -> Response {
    if let Some(k) = q.kode.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        return Redirect::to(&format!("/lacak/{}", urlencode(&k.to_uppercase()))).into_response();
    }
    let title = t(lang, "lap.track.title");
    let body = html! {
        h1 { (title) }
        form.card method="get" action="/lacak" {
            label for="kode" { (t(lang, "lap.track.code")) }
            input #kode name="kode" required placeholder="LP-XXXX-XXXX-XXXX";
            button type="submit" { (t(lang, "lap.track.submit")) }
        }
    };
    layout(Page::new(lang, title, user.as_ref().map(|u| &u.user), "/lacak"), body).into_response()
}

#[derive(Deserialize)]
pub struct TrackQuery {
    baru: Option<String>,
    lengkap: Option<String>,
}

/// The completion form's element id, which a [`Refusal`] names.
const COMPLETION_FORM: &str = "complete-form";

pub async fn track_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(receipt): Path<String>, Query(q): Query<TrackQuery>) -> Result<Response, PageError> {
    let hol = super::api::holidays(&state);
    let status = state.db.read(move |c| public_status(c, &hol, &receipt, clock::now())).await.or_page(user.as_ref())?;
    Ok(track_view(lang, user.as_ref(), &status, q.baru.is_some(), q.lengkap.is_some(), None).into_response())
}

fn track_view(lang: Lang, user: Option<&CurrentUser>, status: &super::api::PublicStatus, new: bool, completed: bool, refused: Refused<'_>) -> Markup {
    const F: &str = COMPLETION_FORM;
    let title = t(lang, "lap.track.title");
    let path = format!("/lacak/{}", status.receipt);
    let waiting = status.status == super::PERBAIKAN;
    let body = html! {
        h1 { (title) }
        @if new {
            p.ok #new-receipt { (t(lang, "lap.track.saved")) " " strong { (status.receipt) } }
        }
        @if completed {
            p.ok #completed { (t(lang, "lap.complete.done")) }
        }
        @if let Some(n) = &status.notice {
            p.warn #notice { (n.get(lang)) }
        }
        ul.facts {
            li { (t(lang, "lap.track.code")) b #receipt { (status.receipt) } }
            li { (t(lang, "log.status")) b #status data-status=(status.status) { (state_label(&status.status, lang)) } }
            li { (t(lang, "lap.received")) b { (when(&status.received_at)) } }
            @if let Some(d) = &status.stage.deadline {
                li { (t(lang, if waiting { "lap.complete_by" } else { "lap.deadline" })) b #deadline { (when(d)) } }
            }
        }
        @if waiting {
            h2 { (t(lang, "lap.missing")) }
            ul #missing {
                @for k in &status.missing {
                    li data-key=(k) { (super::REQUIREMENT_LABELS.iter().find(|(key, _, _)| key == k).map_or(k.as_str(), |(_, id, en)| if lang == Lang::En { *en } else { *id })) }
                }
            }
            h2 { (t(lang, "lap.complete.title")) }
            form.report #complete-form method="post" action={ "/lacak/" (status.receipt) "/lengkapi" } enctype="multipart/form-data" {
                (above(refused, F, &["witnesses", "note", "file"]))
                p.muted { (t(lang, "lap.complete.intro")) }
                label for="witnesses" { (t(lang, "lap.form.witnesses")) }
                textarea #witnesses name="witnesses" rows="3" aria-invalid=[invalid(refused, F, "witnesses")] { (typed(refused, F, "witnesses", "")) }
                (beside(refused, F, "witnesses"))
                label for="note" { (t(lang, "lap.complete.note")) }
                textarea #note name="note" rows="4" aria-invalid=[invalid(refused, F, "note")] { (typed(refused, F, "note", "")) }
                (beside(refused, F, "note"))
                label for="file" { (t(lang, "lap.form.files")) }
                input #file type="file" name="file" accept="image/jpeg,image/png,image/webp,image/gif,application/pdf" aria-invalid=[invalid(refused, F, "file")];
                input type="file" name="file" accept="image/jpeg,image/png,image/webp,image/gif,application/pdf";
                (beside(refused, F, "file"))
                button #submit-completion type="submit" { (t(lang, "lap.complete.submit")) }
            }
        }
        // A refusal whose form is no longer on the page (the report left perbaikan meanwhile).
        (unshown(refused))
        @if status.kind == "informasi_awal" && status.notice.is_none() {
            p.muted { (t(lang, "lap.track.anonymous")) }
        }
        h2 { (t(lang, "lap.timeline")) }
        table #steps {
            thead { tr { th { (t(lang, "log.status")) } th { (t(lang, "lap.when")) } } }
            tbody { @for s in &status.steps { tr { td { (state_label(&s.state, lang)) } td { (when(&s.at)) } } } }
        }
        @if !status.evidence.is_empty() {
            h2 { (t(lang, "lap.evidence")) }
            ul #evidence { @for h in &status.evidence { li { code { "SHA-256 " (h) } } } }
        }
        p.muted { (t(lang, "lap.track.privacy")) }
    };
    layout(Page::new(lang, title, user.map(|u| &u.user), &path), body)
}

/// The completion form on the receipt page: the same checks and store function as the API.
pub async fn complete_submit(
    State(state): State<AppState>,
    lang: Lang,
    user: Option<CurrentUser>,
    Path(receipt): Path<String>,
    sent: Result<Anonymous<PageUpload>, AppError>,
) -> Result<Response, PageError> {
    let receipt = receipt.trim().to_uppercase();
    let mut typed = FormBody::default();
    let r = receipt.clone();
    let result = async {
        let Anonymous { permit, body: PageUpload(up), .. } = sent?;
        typed = FormBody(["witnesses", "note"].iter().filter_map(|k| up.fields.get(*k).map(|v| ((*k).to_string(), v.clone()))).collect());
        let up = up.checked()?;
        let completion = super::api::parse_completion(super::api::CompletionInput {
            witnesses: typed.get("witnesses").lines().map(str::to_string).collect(),
            note: typed.get("note").to_string(),
        })?;
        let hol = super::api::holidays(&state);
        let db = state.db.clone();
        state
            .blobs
            .keep_for(super::api::bytes_of(&up.files), async move {
                db.write(move |c| store::complete_report(c, &hol, &permit, &r, &completion, &up.files, clock::now())).await
            })
            .await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/lacak/{}?lengkap=1", urlencode(&receipt))).into_response()),
        Err(err) if err.status().is_client_error() && err.status() != axum::http::StatusCode::NOT_FOUND => {
            let refusal = Refusal::new(COMPLETION_FORM, typed, err);
            let r = receipt.clone();
            let hol = super::api::holidays(&state);
            let status = state.db.read(move |c| public_status(c, &hol, &r, clock::now())).await.or_page(user.as_ref())?;
            Ok((refusal.status(), track_view(lang, user.as_ref(), &status, false, false, Some(&refusal))).into_response())
        }
        Err(err) => Err(PageError::new(err, user.as_ref())),
    }
}

// ---------------------------------------------------------------------------------------------
// Boards

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    status: Option<String>,
    terlambat: Option<String>,
}

async fn board_rows(state: &AppState, user: &CurrentUser, q: &BoardQuery, gakkumdu: bool) -> Result<Vec<ReportSummary>, AppError> {
    let class = if gakkumdu { Some("pidana") } else { board_filter(&user.user)? };
    if gakkumdu && !matches!(user.user.unit.agency, crate::agencies::AgencyKind::Bawaslu | crate::agencies::AgencyKind::Polri | crate::agencies::AgencyKind::Kejaksaan) {
        return Err(AppError::forbidden(tr!("papan Sentra Gakkumdu untuk Bawaslu, Polri dan Kejaksaan", "the Sentra Gakkumdu board is for Bawaslu, Polri and Kejaksaan")));
    }
    let status = q.status.clone().filter(|s| !s.is_empty());
    if let Some(s) = &status
        && !super::STATE_LABELS.iter().any(|(k, _, _)| k == s)
    {
        return Err(AppError::invalid("status", tr!("status {s:?} tidak dikenal", "unknown status {s:?}")));
    }
    let filter = ReportFilter { status, overdue: q.terlambat.is_some(), class, limit: 1000, ..ReportFilter::default() };
    let scope = user.user.unit.region.clone();
    Ok(state.db.read(move |c| store::list_reports(c, &scope, &filter, clock::now())).await?)
}

fn board_table(lang: Lang, state: &AppState, rows: &[ReportSummary]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted #no-reports { (t(lang, "lap.board.empty")) }
        } @else {
            table #reports {
                thead { tr {
                    th { "No." } th { (t(lang, "lap.kind")) } th { (t(lang, "nav.regions")) } th.opt { (t(lang, "lap.form.reported")) }
                    th { (t(lang, "log.status")) } th { (t(lang, "lap.deadline")) } th.num { (t(lang, "lap.days_left")) }
                } }
                tbody {
                    @for r in rows {
                        tr data-id=(r.id) data-overdue=(if r.stage.overdue { "1" } else { "0" }) {
                            td { a href={ "/laporan/" (r.id) } { "#" (r.id) } }
                            td { (kind_label(lang, &r.kind)) }
                            td { (region_name(state, &r.region)) }
                            td.opt { (r.reported) }
                            td { (state_label(&r.status, lang)) }
                            td { (r.stage.deadline.as_deref().map(when).unwrap_or_default()) }
                            td.num { (days_left_cell(lang, &r.stage)) }
                        }
                    }
                }
            }
        }
    }
}

fn agency_name(a: crate::agencies::AgencyKind) -> &'static str {
    use crate::agencies::AgencyKind::*;
    match a {
        Kpu => "KPU",
        Bawaslu => "Bawaslu",
        Polri => "Polri",
        Tni => "TNI",
        Kejaksaan => "Kejaksaan",
        Pemda => "Pemda",
        Dkpp => "DKPP",
    }
}

fn kind_label(lang: Lang, kind: &str) -> &'static str {
    t(lang, &format!("lap.kind.{kind}"))
}

fn region_name(state: &AppState, code: &str) -> String {
    if let Ok(tps) = crate::elections::TpsCode::parse(code) {
        let v = crate::regions::index_of(&state).get(tps.village()).map_or("", |r| r.name.as_str());
        return format!("TPS {:03} {v}", tps.number());
    }
    crate::regions::index_of(&state).get(code).map_or_else(|| code.to_string(), |r| r.name.clone())
}

fn board_tools(lang: Lang, action: &str, q: &BoardQuery, csv: &str) -> Markup {
    html! {
        form.tools method="get" action=(action) {
            label { (t(lang, "log.status")) " "
                select name="status" {
                    option value="" { (t(lang, "lap.all")) }
                    @for (k, _, _) in super::STATE_LABELS.iter().filter(|(k, _, _)| *k != EXTEND && *k != super::TAKE_UP) {
                        option value=(k) selected[q.status.as_deref() == Some(*k)] { (state_label(k, lang)) }
                    }
                }
            }
            label { input type="checkbox" name="terlambat" value="1" checked[q.terlambat.is_some()]; " " (t(lang, "lap.only_overdue")) }
            button type="submit" { (t(lang, "region.show")) }
            a href=(csv) { (t(lang, "region.download")) }
        }
    }
}

pub async fn board(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(q): Query<BoardQuery>) -> Result<Response, PageError> {
    let rows = board_rows(&state, &user, &q, false).await.or_page(Some(&user))?;
    let scope = user.user.unit.region.clone();
    let disputes = if user.user.unit.agency == crate::agencies::AgencyKind::Bawaslu || user.user.unit.agency == crate::agencies::AgencyKind::Kpu {
        state.db.read(move |c| store::list_disputes(c, &scope, false, clock::now(), 200)).await.unwrap_or_default()
    } else {
        vec![]
    };
    let title = t(lang, "lap.board.title");
    let csv = format!("/laporan/unduh.csv?status={}{}", q.status.as_deref().unwrap_or(""), if q.terlambat.is_some() { "&terlambat=1" } else { "" });
    let overdue = rows.iter().filter(|r| r.stage.overdue).count();
    let body = html! {
        h1 { (title) }
        ul.facts {
            li { (t(lang, "lap.board.count")) b #count { (rows.len()) } }
            li { (t(lang, "lap.overdue")) b #overdue-count { (overdue) } }
        }
        p.tools { a href="/gakkumdu" { "Sentra Gakkumdu" } a href="/lapor" { (t(lang, "lap.form.title")) } }
        (board_tools(lang, "/laporan", &q, &csv))
        (board_table(lang, &state, &rows))
        @if !disputes.is_empty() {
            h2 { (t(lang, "lap.disputes")) }
            table #disputes {
                thead { tr { th { "No." } th { (t(lang, "lap.petitioner")) } th { (t(lang, "lap.kpu_decision")) } th { (t(lang, "log.status")) } th { (t(lang, "lap.deadline")) } th.num { (t(lang, "lap.days_left")) } } }
                tbody { @for d in &disputes { tr data-id=(d.id) {
                    td { a href={ "/sengketa/" (d.id) } { "#" (d.id) } }
                    td { (d.petitioner) } td { (d.kpu_decision) } td { (state_label(&d.status, lang)) }
                    td { (d.stage.deadline.as_deref().map(when).unwrap_or_default()) }
                    td.num { (days_left_cell(lang, &d.stage)) }
                } } }
            }
        }
    };
    Ok(layout(Page::new(lang, title, Some(&user.user), "/laporan"), body).into_response())
}

pub async fn gakkumdu_board(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(q): Query<BoardQuery>) -> Result<Response, PageError> {
    let rows = board_rows(&state, &user, &q, true).await.or_page(Some(&user))?;
    let title = t(lang, "lap.gakkumdu.title");
    let csv = format!("/laporan/unduh.csv?status={}&gakkumdu=1", q.status.as_deref().unwrap_or(""));
    let body = html! {
        h1 { (title) }
        p.muted { (t(lang, "lap.gakkumdu.intro")) }
        (board_tools(lang, "/gakkumdu", &q, &csv))
        (board_table(lang, &state, &rows))
    };
    Ok(layout(Page::new(lang, title, Some(&user.user), "/gakkumdu"), body).into_response())
}

#[derive(Deserialize, Default)]
pub struct CsvQuery {
    status: Option<String>,
    terlambat: Option<String>,
    gakkumdu: Option<String>,
}

/// The board as CSV: case facts and clocks, never the reporter's identity. States,
/// classifications and deadline stages in words (the reader's language), dates as
/// "27 November 2024 19.00 WIB" in the case's region.
pub async fn board_csv(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(q): Query<CsvQuery>) -> Result<Response, PageError> {
    let bq = BoardQuery { status: q.status, terlambat: q.terlambat };
    let rows = board_rows(&state, &user, &bq, q.gakkumdu.is_some()).await.or_page(Some(&user))?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let election = crate::elections::election(&r.election).map_or(r.election.clone(), |e| e.name.to_string());
            let offset = store::offset_of(&r.region);
            let moment = |s: &str| crate::platform::i18n::moment_at(lang, s, offset);
            vec![
                Cell::Int(r.id),
                election.into(),
                kind_label(lang, &r.kind).into(),
                r.region.as_str().into(),
                region_name(&state, &r.region).into(),
                r.reported.into(),
                state_label(&r.status, lang).into(),
                r.classification.as_deref().map_or("", |c| state_label(c, lang)).into(),
                moment(&r.received_at).into(),
                r.stage.rule.as_deref().map_or("", |k| super::deadlines::rule_label(k, lang)).into(),
                r.stage.deadline.as_deref().map(moment).into(),
                r.stage.days_left.into(),
                if r.stage.overdue { tr!("ya", "yes") } else { tr!("tidak", "no") }.get(lang).into(),
            ]
        })
        .collect();
    Ok(sheet::download(
        &format!("laporan-{}.csv", user.user.unit.region),
        &["nomor", "pemilihan", "jenis", "kode_wilayah", "wilayah", "terlapor", "status", "klasifikasi", "diterima", "tahap_tenggat", "tenggat", "sisa_hari", "terlambat"],
        rows,
    ))
}

// ---------------------------------------------------------------------------------------------
// Case pages

/// The move form; after a refused move it comes back with the message beside the field at
/// fault and the chosen step and typed reason kept.
fn actions_form(lang: Lang, action: &str, actions: &[String], refused: Refused<'_>) -> Markup {
    const FORM: &str = "move-form";
    html! {
        @if !actions.is_empty() {
            h2 { (t(lang, "lap.actions")) }
            form.move #move-form method="post" action=(action) {
                (above(refused, FORM, &["to", "reason"]))
                label for="to" { (t(lang, "lap.next")) }
                select #to name="to" aria-invalid=[invalid(refused, FORM, "to")] {
                    @for a in actions { option value=(a) selected[chosen(refused, FORM, "to", a, false)] { (action_label(a, lang)) } }
                }
                (beside(refused, FORM, "to"))
                label for="reason" { (t(lang, "lap.reason")) }
                textarea #reason name="reason" rows="3" aria-invalid=[invalid(refused, FORM, "reason")] { (typed(refused, FORM, "reason", "")) }
                (beside(refused, FORM, "reason"))
                button #move-submit type="submit" { (t(lang, "lap.move")) }
            }
        }
    }
}

/// A move as the officer choosing it reads it: asking for completion and taking initial
/// information up are actions, not states.
fn action_label(to: &str, lang: Lang) -> &'static str {
    match to {
        super::PERBAIKAN => t(lang, "lap.action.perbaikan"),
        super::TAKE_UP => t(lang, "lap.action.jadikan_temuan"),
        _ => state_label(to, lang),
    }
}

fn timeline_table(lang: Lang, events: &[store::Event]) -> Markup {
    html! {
        h2 { (t(lang, "lap.timeline")) }
        table #timeline {
            thead { tr { th { (t(lang, "lap.when")) } th { (t(lang, "log.status")) } th { (t(lang, "lap.by")) } th { (t(lang, "lap.reason")) } th { (t(lang, "lap.deadline")) } } }
            tbody {
                @for e in events {
                    tr {
                        td { (when(&e.at)) }
                        td { (state_label(&e.to, lang)) }
                        td { (e.unit) " (" (e.by) ")" }
                        td { (e.reason) }
                        td { (e.deadline.as_deref().map(when).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

fn stage_facts(lang: Lang, s: &Stage) -> Markup {
    html! {
        li { (t(lang, "log.status")) b #status data-status=(s.state) { (state_label(&s.state, lang)) } }
        @if let Some(d) = &s.deadline {
            li { (t(lang, "lap.deadline")) b #deadline { (when(d)) } }
            li { (t(lang, "lap.days_left")) b #days-left { (days_left_cell(lang, s)) } }
        }
        @if !s.owners.is_empty() {
            li { (t(lang, "lap.owner")) b #owners { (s.owners.iter().map(|a| agency_name(*a)).collect::<Vec<_>>().join(", ")) } }
        }
    }
}

pub async fn case_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    case_response(&state, lang, &user, id, None).await
}

/// The case page, with a refused move shown again in its form.
async fn case_response(state: &AppState, lang: Lang, user: &CurrentUser, id: i64, refused: Refused<'_>) -> Result<Response, PageError> {
    let u = user.user.clone();
    let hol = super::api::holidays(state);
    let r = state.db.read(move |c| report_view(c, &hol, &u, id)).await.or_page(Some(user))?;
    let status = refused.map_or(axum::http::StatusCode::OK, Refusal::status);
    let title = format!("{} #{}", t(lang, "lap.case"), r.id);
    let path = format!("/laporan/{id}");
    let body = html! {
        nav.crumbs { a href="/laporan" { (t(lang, "lap.board.title")) } " › #" (r.id) }
        h1 { (title) " · " (kind_label(lang, &r.kind)) }
        ul.facts {
            (stage_facts(lang, &r.stage))
            li { (t(lang, "lap.received")) b { (when(&r.received_at)) } }
            @if let Some(c) = &r.classification { li { (t(lang, "lap.class")) b #classification { (state_label(c, lang)) } } }
        }
        table.kv #case-facts {
            tr { th { (t(lang, "region.election")) } td { (crate::elections::election(&r.election).map_or(r.election.as_str(), |e| e.name)) } }
            tr { th { (t(lang, "nav.regions")) } td { (region_name(state, &r.region)) " (" (r.region) ")" } }
            tr { th { (t(lang, "lap.form.reporter")) } td #reporter {
                @match &r.reporter {
                    Some(p) => { (p.name) " · " (p.address) @if !p.contact.is_empty() { " · " (p.contact) } },
                    None => span.muted { (t(lang, "lap.reporter_hidden")) },
                }
            } }
            tr { th { (t(lang, "lap.form.reported")) } td #reported { (r.reported) } }
            tr { th { (t(lang, "lap.form.event_at")) } td { (when(&r.event_at)) } }
            tr { th { (t(lang, "lap.form.known_at")) } td { (when(&r.known_at)) } }
            tr { th { (t(lang, "lap.form.place")) } td { (r.place) } }
            tr { th { (t(lang, "lap.form.description")) } td #description { (r.description) } }
            tr { th { (t(lang, "lap.witnesses")) } td { (r.witnesses.join(", ")) } }
        }
        h2 { (t(lang, "lap.requirements")) }
        ul #requirements {
            @for q in &r.requirements {
                li data-key=(q.key) data-met=(if q.met { "1" } else { "0" }) {
                    (if q.met { "✓ " } else { "✗ " })
                    (super::REQUIREMENT_LABELS.iter().find(|(k, _, _)| *k == q.key).map_or(q.label, |(_, id, en)| if lang == Lang::En { *en } else { *id }))
                    " (" (q.kind) ")"
                }
            }
        }
        @if r.requirements.iter().any(|q| !q.met) && r.actions.iter().any(|a| a == "diregistrasi") {
            p.warn #requirements-note { (t(lang, "lap.requirements.unmet")) }
        }
        @if !r.evidence.is_empty() {
            h2 { (t(lang, "lap.evidence")) }
            table #evidence {
                thead { tr { th { (t(lang, "lap.file")) } th { (t(lang, "lap.kind")) } th.num { (t(lang, "lap.size")) } th { "SHA-256" } } }
                tbody { @for e in &r.evidence { tr {
                    td { a href={ "/api/v1/reports/" (r.id) "/evidence/" (e.id) } { (e.name) } }
                    td { (e.content_type) } td.num { (e.size) } td { code { (e.sha256) } }
                } } }
            }
        }
        (actions_form(lang, &format!("/laporan/{id}/langkah"), &r.actions, refused))
        // A refused move whose form is gone (the case moved on meanwhile).
        (unshown(refused))
        (timeline_table(lang, &r.timeline))
    };
    Ok((status, layout(Page::new(lang, &title, Some(&user.user), &path), body)).into_response())
}

/// A refused move is shown again on its case page; a case that is gone (404) or a failure of
/// the service is the error page.
/// A case step posted from its page (a report's or a dispute's): the typed reason checked, then
/// `step` — the API's own move, which authorises — in the writer.
async fn run_step(
    state: &AppState,
    user: &CurrentUser,
    typed: &FormBody,
    step: impl FnOnce(&mut crate::platform::db::Conn, &store::Holidays, &crate::platform::identity::User, &str, &str) -> Result<(), AppError> + Send + 'static,
) -> Result<(), AppError> {
    let to = typed.get("to").to_string();
    let reason = crate::platform::text::free_text("reason", typed.get("reason"), crate::platform::text::NOTE_MAX, false)?;
    let (hol, u) = (super::api::holidays(state), user.user.clone());
    state.db.write(move |c| step(c, &hol, &u, &to, &reason)).await
}

fn shown_again(err: &AppError) -> bool {
    err.status().is_client_error() && err.status() != axum::http::StatusCode::NOT_FOUND
}

/// The case page's move: the same function as the API's transition (`api::move_report`); a
/// refused move (a missing reason, a step no longer allowed) shows the case page again with the
/// message beside the field at fault and what was typed kept. A POST without a session goes to
/// the login page with the case page (not this POST address) as where to return.
pub async fn move_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first(&format!("/laporan/{id}"))) };
    let typed = FormBody::parse(&body);
    let result = run_step(&state, &user, &typed, move |c, hol, u, to, reason| super::api::move_report(c, hol, u, id, to, reason, clock::now()).map(|_| ())).await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/laporan/{id}")).into_response()),
        Err(err) if shown_again(&err) => {
            let refusal = Refusal::new("move-form", typed, err);
            case_response(&state, lang, &user, id, Some(&refusal)).await
        }
        Err(err) => Err(PageError::new(err, Some(&user))),
    }
}

pub async fn dispute_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    dispute_response(&state, lang, &user, id, None).await
}

/// The dispute page, with a refused step shown again in its form.
async fn dispute_response(state: &AppState, lang: Lang, user: &CurrentUser, id: i64, refused: Refused<'_>) -> Result<Response, PageError> {
    let u = user.user.clone();
    let d = state.db.read(move |c| store::dispute_view(c, &u, id, clock::now())).await.or_page(Some(user))?;
    let status = refused.map_or(axum::http::StatusCode::OK, Refusal::status);
    let title = format!("{} #{}", t(lang, "lap.dispute"), d.id);
    let path = format!("/sengketa/{id}");
    let body = html! {
        nav.crumbs { a href="/laporan" { (t(lang, "lap.board.title")) } " › " (t(lang, "lap.dispute")) " #" (d.id) }
        h1 { (title) }
        ul.facts { (stage_facts(lang, &d.stage)) }
        table.kv {
            tr { th { (t(lang, "lap.petitioner")) } td { (d.petitioner) } }
            tr { th { (t(lang, "lap.kpu_decision")) } td { (d.kpu_decision) " (" (crate::platform::i18n::day_at(lang, &d.decided_on)) ")" } }
            tr { th { (t(lang, "nav.regions")) } td { (region_name(state, &d.region)) } }
            tr { th { (t(lang, "lap.form.description")) } td { (d.description) } }
        }
        (actions_form(lang, &format!("/sengketa/{id}/langkah"), &d.actions, refused))
        (unshown(refused))
        (timeline_table(lang, &d.timeline))
    };
    Ok((status, layout(Page::new(lang, &title, Some(&user.user), &path), body)).into_response())
}

/// The dispute page's step: the same function as the API's (`api::move_dispute`). A refused
/// step (a missing reason, a step no longer allowed) used to dead-end on an error page and lose
/// the reason typed; it now shows the dispute page again with the message beside its field.
pub async fn dispute_move_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first(&format!("/sengketa/{id}"))) };
    let typed = FormBody::parse(&body);
    let result = run_step(&state, &user, &typed, move |c, hol, u, to, reason| super::api::move_dispute(c, hol, u, id, to, reason, clock::now())).await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/sengketa/{id}")).into_response()),
        Err(err) if shown_again(&err) => {
            let refusal = Refusal::new("move-form", typed, err);
            dispute_response(&state, lang, &user, id, Some(&refusal)).await
        }
        Err(err) => Err(PageError::new(err, Some(&user))),
    }
}
