//! The C.Hasil in the field app: `/lapangan/hasil/{tps}` (the contests held at a TPS and how far
//! this user's copy of each has got) and `/lapangan/hasil/{tps}/{contest}` (the form laid out as
//! the paper is, in its order). The page posts nothing itself: the field app's script turns the
//! form into the JSON body of `PUT …/results/{tps}/{contest}` and queues it, and
//! `/lapangan/chasil.js` checks every identity live with the table `GET …/form-rules` serves —
//! the table the server gates with.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::Source;
use super::form::{self, TOTAL_ROW};
use super::store::{self, Candidate};
use crate::elections::{ContestDef, ElectionDef, TpsCode};
use crate::platform::auth::{CurrentUser, authorize};
use crate::platform::error::AppError;
use crate::platform::http::{Path, Query};
use crate::platform::identity::{AgencyKind, User};
use crate::platform::state::AppState;
use crate::platform::field;
use crate::platform::web::{Lang, PageError};
use crate::regions::pages::election_or_default;
use crate::tr;

#[derive(Deserialize, Default)]
pub struct FieldQuery {
    pemilu: Option<String>,
}

/// Which source a user's copy is: KPU's own (a KPPS, or a PPS keying for it), Bawaslu's (a
/// PTPS), a witness's for anyone else logged in, the public's without a login.
pub fn source_of(user: Option<&User>) -> Source {
    match user.map(|u| u.unit.agency) {
        Some(AgencyKind::Kpu) => Source::Kpu,
        Some(AgencyKind::Bawaslu) => Source::Bawaslu,
        Some(_) => Source::Saksi,
        None => Source::Publik,
    }
}

/// The TPS as the page names it: "TPS 001 Balongsari".
fn tps_name(state: &AppState, code: &str) -> String {
    let village = code.get(..13).unwrap_or(code);
    let name = crate::regions::index_of(state).get(village).map_or(String::new(), |r| r.name.clone());
    format!("TPS {} {name}", code.get(14..).unwrap_or(code))
}

/// The TPS of the register, and the user's right to enter their source's copy there: a KPU or
/// Bawaslu officer outside their area is refused (in the words of `authorize`).
async fn checked(state: &AppState, e: &'static ElectionDef, tps: &str, user: Option<&User>) -> Result<(TpsCode, Source), AppError> {
    let code = TpsCode::parse(tps).map_err(|m| AppError::invalid("tps", m))?;
    let source = source_of(user);
    if let (Some(rule), Some(u)) = (super::api::rule_for(source), user) {
        authorize(u, rule, code.as_str())?;
    }
    let c2 = code.as_str().to_string();
    let known = state.db.read(move |c| crate::elections::store::get_tps(c, e.id, &c2)).await?;
    if known.is_none() {
        let (name, code) = (e.name, code.as_str());
        return Err(AppError::not_found(tr!("TPS {code} tidak terdaftar pada {name}", "no TPS {code} in {name}")));
    }
    Ok((code, source))
}

/// How far this user's copy of a contest has got, as the server knows it.
fn progress(view: &store::ResultView, source: Source, username: Option<&str>) -> &'static str {
    let mine = |h: &store::HistoryItem| h.source == source.as_str() && Some(h.entered_by.as_str()) == username;
    match source {
        Source::Kpu if view.status == "sah" => "diterima",
        Source::Kpu if view.history.iter().any(|h| mine(h) && h.revision == view.revision) => "terkirim",
        Source::Kpu | Source::Publik => "belum",
        _ if view.history.iter().any(mine) => "diterima",
        _ => "belum",
    }
}

fn progress_label(lang: Lang, p: &str) -> String {
    match p {
        "diterima" => tr!("diterima", "accepted"),
        "terkirim" => tr!("terkirim, menunggu entri kedua", "sent, awaiting the second entry"),
        _ => tr!("belum dikirim", "not sent yet"),
    }
    .get(lang)
    .to_string()
}

fn source_label(lang: Lang, s: Source) -> String {
    match s {
        Source::Kpu => tr!("KPU (KPPS/PPS)", "KPU (KPPS/PPS)"),
        Source::Bawaslu => tr!("Bawaslu (PTPS)", "Bawaslu (PTPS)"),
        Source::Saksi => tr!("saksi", "witness"),
        Source::Publik => tr!("publik", "public"),
    }
    .get(lang)
    .to_string()
}

/// `/lapangan/hasil/{tps}`: the contests held at the TPS in every election whose register has
/// it (or the one `?pemilu=` names), each with this user's progress. Its links (and the form
/// script and tables) are what the field app keeps on the phone for use without signal.
pub async fn tps_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(tps): Path<String>, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let fail = |err: AppError| PageError::new(err, user.as_ref());
    let u = user.as_ref().map(|u| &u.user);
    let code = TpsCode::parse(&tps).map_err(|m| fail(AppError::invalid("tps", m)))?;
    let source = source_of(u);
    if let (Some(rule), Some(u)) = (super::api::rule_for(source), u) {
        authorize(u, rule, code.as_str()).map_err(fail)?;
    }
    let wanted: Vec<&'static ElectionDef> = match q.pemilu.as_deref() {
        Some(id) => vec![election_or_default(Some(id))],
        None => crate::elections::ELECTIONS.iter().collect(),
    };
    let c2 = code.clone();
    let found = state
        .db
        .read(move |c| {
            let mut out = vec![];
            for e in wanted {
                if crate::elections::store::get_tps(c, e.id, c2.as_str())?.is_none() {
                    continue;
                }
                let views = e.contests_at(c2.as_str()).into_iter().map(|k| Ok::<_, AppError>((k, store::view(c, e.id, k.key, &c2)?))).collect::<Result<Vec<_>, _>>()?;
                out.push((e, views));
            }
            Ok::<_, AppError>(out)
        })
        .await
        .map_err(fail)?;
    if found.is_empty() {
        let code = code.as_str();
        return Err(fail(AppError::not_found(tr!("TPS {code} tidak terdaftar pada pemilihan mana pun", "no election has a TPS {code}"))));
    }
    let username = u.map(|u| u.username.as_str());
    let title = tps_name(&state, code.as_str());
    let body = html! {
        h1 { (title) }
        p.muted { (tr!("isian sebagai", "entering as").get(lang)) " " b #sumber { (source_label(lang, source)) } }
        link rel="prefetch" data-offline href="/lapangan/chasil.js";
        @for (e, views) in &found {
            link rel="prefetch" data-offline href={ "/api/v1/elections/" (e.id) "/form-rules" };
            h2 { (e.name) }
            ul.tasks.contests data-election=(e.id) {
                @for (k, v) in views {
                    @let p = progress(v, source, username);
                    li data-contest=(k.key) data-state=(p) {
                        a data-offline href={ "/lapangan/hasil/" (code.as_str()) "/" (k.key) "?pemilu=" (e.id) } { strong { "C.Hasil " (contest_name(lang, k)) } }
                        br; small.state { (progress_label(lang, p)) }
                    }
                }
            }
            p { a href={ "/hasil/tps/" (code.as_str()) "?pemilu=" (e.id) } { (tr!("Lihat hasil TPS ini", "See this TPS's results").get(lang)) " (" (e.name) ")" } }
        }
    };
    Ok(field::layout(lang, &title, u, body).into_response())
}

fn contest_name(lang: Lang, k: &ContestDef) -> &'static str {
    if lang == Lang::En { k.name_en } else { k.name }
}

/// One number of the form as the field app reads it: an integer by its dot path.
fn num(name: &str, label: &str, required: bool, max: i64) -> Markup {
    html! {
        input name=(name) inputmode="numeric" pattern="[0-9]*" data-type="int" aria-label=(label) data-max=(max) required[required] autocomplete="off";
    }
}

/// A group of rows (voters or users) as the paper has it: L / P / Jumlah per category, then
/// the Jumlah row; each Jumlah cell shows the running total beside what the paper says.
fn lp_table(lang: Lang, kind: crate::elections::ElectionKind, group: &str, max: i64) -> Markup {
    let cats = form::category_labels(kind);
    html! {
        table.chasil data-group=(group) {
            thead { tr { th { (tr!("Uraian", "Item").get(lang)) } th.num { "L" } th.num { "P" } th.num { (tr!("Jumlah", "Total").get(lang)) } } }
            tbody {
                @for c in cats {
                    @let label = if lang == Lang::En { c.label_en } else { c.label_id };
                    tr data-row=(c.key) {
                        th scope="row" { (label) }
                        td { (num(&format!("{group}.{}.l", c.key), &format!("{label} L"), true, max)) }
                        td { (num(&format!("{group}.{}.p", c.key), &format!("{label} P"), true, max)) }
                        td { (num(&format!("{group}.{}.total", c.key), &format!("{label} {}", tr!("jumlah", "total").get(lang)), false, max))
                             output data-term={ "lp:" (group) "." (c.key) } {} }
                    }
                }
                tr.jumlah data-row=(TOTAL_ROW) {
                    th scope="row" { (tr!("Jumlah", "Total").get(lang)) " (" (cats.iter().map(|c| c.short).collect::<Vec<_>>().join(" + ")) ")" }
                    td { (num(&format!("{group}.{TOTAL_ROW}.l"), "Jumlah L", false, max)) output data-term={ "sum:" (group) ".*.l" } {} }
                    td { (num(&format!("{group}.{TOTAL_ROW}.p"), "Jumlah P", false, max)) output data-term={ "sum:" (group) ".*.p" } {} }
                    td { (num(&format!("{group}.{TOTAL_ROW}.total"), "Jumlah", false, max)) output data-term={ "sum:" (group) ".*" } {} }
                }
            }
        }
    }
}

/// `/lapangan/hasil/{tps}/{contest}`: the C.Hasil of one contest, laid out as the paper.
pub async fn form_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path((tps, contest)): Path<(String, String)>, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let fail = |err: AppError| PageError::new(err, user.as_ref());
    let e = election_or_default(q.pemilu.as_deref());
    let u = user.as_ref().map(|u| &u.user);
    let (code, source) = checked(&state, e, &tps, u).await.map_err(fail)?;
    let Some(k) = e.contests_at(code.as_str()).into_iter().find(|k| k.key == contest) else {
        let name = e.name;
        return Err(fail(AppError::not_found(tr!("pemilihan {contest} tidak diselenggarakan di TPS ini pada {name}", "{contest} is not held at this TPS in {name}"))));
    };
    let c2 = code.as_str().to_string();
    let candidates: Vec<Candidate> = state.db.read(move |c| store::candidates_at(c, e, k.key, &c2)).await.map_err(|err| fail(AppError::from(err)))?;
    let table = form::table(e);
    let max = table.constants.get("max_count").copied().unwrap_or(0);
    let rules_json = serde_json::to_string(&table).map_err(|err| fail(AppError::Internal(err.to_string())))?;
    let place = tps_name(&state, code.as_str());
    let title = format!("C.Hasil {} · {place}", contest_name(lang, k));
    let api = format!("/api/v1/elections/{}/results/{}/{}", e.id, code.as_str(), k.key);
    let label = |path: &str| table.fields.iter().find(|f| f.path == path).map_or(String::new(), |f| if lang == Lang::En { f.label_en.clone() } else { f.label_id.clone() });
    let body = html! {
        nav.crumbs { a href={ "/lapangan/hasil/" (code.as_str()) "?pemilu=" (e.id) } { (place) } }
        h1 { (title) }
        p.muted { (e.name) " · " (tr!("isian sebagai", "entering as").get(lang)) " " b { (source_label(lang, source)) } }
        @if candidates.is_empty() {
            p.refusal role="alert" { (tr!("Calon pemilihan ini belum didaftarkan KPU untuk wilayah ini; formulir belum dapat diisi.", "KPU has not registered this contest's candidates for this area yet; the form cannot be filled in.").get(lang)) }
        }
        (field::form(&api, "PUT", &format!("C.Hasil {} · {place}", k.name), html! {
            input type="hidden" name="source" value=(source.as_str());
            fieldset {
                legend { "I. " (tr!("Data pemilih", "Voters").get(lang)) }
                (lp_table(lang, e.kind, "voters", max))
            }
            fieldset {
                legend { "II. " (tr!("Pengguna hak pilih", "Voters who voted").get(lang)) }
                (lp_table(lang, e.kind, "users", max))
            }
            fieldset {
                legend { "III. " (tr!("Pemilih disabilitas", "Disabled voters").get(lang)) }
                @for f in ["disabled.voters", "disabled.users"] {
                    label.row { span { (label(f)) } (num(f, &label(f), true, max)) }
                }
            }
            fieldset {
                legend { "IV. " (tr!("Surat suara", "Ballots").get(lang)) }
                @for f in ["ballots.received", "ballots.used", "ballots.spoiled", "ballots.unused"] {
                    label.row { span { (label(f)) } (num(f, &label(f), true, max)) }
                }
            }
            fieldset {
                legend { "V. " (tr!("Perolehan suara", "Votes").get(lang)) }
                @for c in &candidates {
                    // `[…]`: the ballot number is a key, not a list index (FIELD.md paths).
                    @let f = format!("votes.[{}]", c.id);
                    label.row data-candidate=(c.id) { span { b { (format!("{:02}", c.number)) } " " (c.name) } (num(&f, &format!("{:02} {}", c.number, c.name), true, max)) }
                }
                p.sum { (tr!("Jumlah suara semua calon", "Votes for all candidates").get(lang)) ": " output data-term="sum:votes.*" {} }
                label.row { span { (label("valid")) } (num("valid", &label("valid"), true, max)) }
                label.row { span { (label("invalid")) } (num("invalid", &label("invalid"), true, max)) }
            }
            fieldset {
                legend { "VI. " (tr!("Foto formulir", "Photos of the form").get(lang)) }
                // One input per page of the paper; the field app sends them in this order.
                @for (n, id, en) in [(1, "Halaman 1: data pemilih, pengguna hak pilih, surat suara", "Page 1: voters, voters who voted, ballots"), (2, "Halaman 2: perolehan suara", "Page 2: votes")] {
                    label.row data-page=(n) {
                        span { (if lang == Lang::En { en } else { id }) }
                        input type="file" accept="image/*" capture="environment" data-photo="photos";
                    }
                }
                label.row data-page="lain" {
                    span { (tr!("Halaman lain, bila ada", "Other pages, if any").get(lang)) }
                    input type="file" accept="image/*" capture="environment" data-photo="photos" multiple;
                }
                label.row {
                    span { (tr!("Alasan, bila mengoreksi hasil yang sudah sah", "Reason, when correcting an agreed result").get(lang)) }
                    textarea name="reason" rows="2" maxlength="2000" {}
                }
            }
            section #cek aria-live="polite" {
                h2 { (tr!("Pemeriksaan", "Checks").get(lang)) }
                p #cek-status.muted { (tr!("Pemeriksaan berjalan saat angka diisi.", "Checks run as the numbers are entered.").get(lang)) }
                ul #cek-daftar {}
            }
            button type="submit" disabled[candidates.is_empty()] { (tr!("Simpan dan kirim", "Save and send").get(lang)) }
        }))
        // The same table the endpoint serves (`data-src`), for a page opened from the cache
        // before the table itself was fetched; data, never run, so the CSP allows it.
        script type="application/json" #form-rules data-src={ "/api/v1/elections/" (e.id) "/form-rules" } { (maud::PreEscaped(rules_json.replace("</", "<\\/"))) }
        script src="/lapangan/chasil.js" defer {}
    };
    Ok(field::layout(lang, &title, u, body).into_response())
}

/// The live checker of the C.Hasil page (embedded).
const CHASIL_SCRIPT: &str = include_str!("../../assets/chasil.js");

pub async fn chasil_script() -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))], CHASIL_SCRIPT).into_response()
}
