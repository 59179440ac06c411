//! Public results pages: a region and contest with its totals, the share of TPS in, the
//! discrepancies, and a drill-down to its children down to every TPS; a permalink per TPS with
//! its sources side by side. Numbers refresh without reloading (a small script asks the
//! summary API every 20 s); without JavaScript the page is complete as served.

use axum::extract::State;
use crate::platform::http::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::store::{self, Summary};
use crate::elections::{ContestDef, ElectionDef};
use crate::platform::auth::CurrentUser;
use crate::platform::error::AppError;
use crate::platform::web::{Lang, Page, layout, number, t};
use crate::regions::NATIONAL;
use crate::regions::pages::election_or_default;
use crate::platform::state::AppState;
use crate::platform::web::{OrPage, PageError};

#[derive(Deserialize, Default)]
pub struct HasilQuery {
    pemilu: Option<String>,
    kontes: Option<String>,
    wilayah: Option<String>,
}

fn contest_or_first(e: &'static ElectionDef, key: Option<&str>, region: &str) -> &'static ContestDef {
    let held = e.contests_at(region);
    key.and_then(|k| held.iter().copied().find(|c| c.key == k)).or_else(|| held.first().copied()).unwrap_or(&e.contests[0])
}

/// Two places, rounded down as the live script does (the `%` sign is beside it on the page).
fn percent(lang: Lang, part: i64, whole: i64) -> String {
    crate::platform::web::decimal(lang, crate::platform::web::share(part, whole, 2), 2)
}

fn status_label(lang: Lang, status: &str) -> &'static str {
    t(lang, &format!("hasil.status.{status}"))
}

/// Totals per candidate with a bar each; `data-*` attributes let the script update them.
fn candidate_table(lang: Lang, s: &Summary) -> Markup {
    html! {
        table #candidates {
            thead { tr { th { "No." } th { (t(lang, "hasil.candidate")) } th.num { (t(lang, "hasil.votes")) } th.num { "%" } th.opt.barcell { } } }
            tbody {
                @for c in &s.candidates {
                    tr data-candidate=(c.id) {
                        td { (c.number) }
                        td { (c.name) }
                        td.num data-field="votes" { (number(lang, c.votes)) }
                        td.num data-field="share" { (percent(lang, c.votes, s.valid)) }
                        td.opt.barcell { span.bar style={ "width:" (if s.valid > 0 { c.votes * 100 / s.valid } else { 0 }) "%" } {} }
                    }
                }
            }
        }
    }
}

pub async fn region_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<HasilQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    // The viewer's own region by default, and a contest held there.
    let region = crate::regions::pages::region_or_own(&state, q.wilayah.as_deref(), user.as_ref());
    let contest = contest_or_first(e, q.kontes.as_deref(), &region);
    let children: Vec<String> = crate::regions::index_of(&state).children_codes(&region).into_iter().filter(|c| contest.coverage.holds_at(c)).collect();
    let is_village = region.len() == 13;
    let (r, kids) = (region.clone(), children.clone());
    let data = super::read_results(&state, user.is_none(), move |c| {
            let summary = store::summary(c, e, contest, &r)?;
            let totals = store::totals_of(c, e.id, contest.key, &kids)?;
            let tps = if is_village { store::village_tps(c, e.id, contest.key, &r)? } else { vec![] };
            Ok::<_, AppError>((summary, totals, tps))
        })
        .await;
    let (s, totals, tps) = data.or_page(user.as_ref())?;
    let name = if region == NATIONAL { "Indonesia".to_string() } else { crate::regions::index_of(&state).get(&region).map_or(region.clone(), |r| r.name.clone()) };
    let title = format!("{} · {name}", contest.name);
    let path = format!("/hasil?pemilu={}&kontes={}&wilayah={region}", e.id, contest.key);
    let link = |code: &str| format!("/hasil?pemilu={}&kontes={}&wilayah={code}", e.id, contest.key);
    let summary_url = format!("/api/v1/elections/{}/results/summary?contest={}&region={region}&children=true", e.id, contest.key);
    let n = |v: i64| number(lang, v);
    let body = html! {
        nav.crumbs {
            a href=(link(NATIONAL)) { "Indonesia" }
            @for p in crate::regions::index_of(&state).path(&region) { " › " a href=(link(&p.code)) { (p.name) } }
        }
        h1 { (t(lang, "hasil.title")) " " (title) }
        form.tools method="get" action="/hasil" {
            input type="hidden" name="wilayah" value=(region);
            select name="pemilu" { @for x in crate::elections::ELECTIONS { option value=(x.id) selected[x.id == e.id] { (x.name) } } }
            select name="kontes" { @for k in e.contests_at(&region) { option value=(k.key) selected[k.key == contest.key] { (k.name) } } }
            button type="submit" { (t(lang, "region.show")) }
        }
        ul.facts #summary data-url=(summary_url) {
            li { (t(lang, "hasil.tps_in")) b { span data-field="tps_in" { (n(s.tps_in)) } " / " span data-field="tps_total" { (n(s.tps_total)) } " (" span data-field="share_in" { (percent(lang, s.tps_in, s.tps_total)) } "%)" } }
            li { (t(lang, "hasil.valid")) b data-field="valid" { (n(s.valid)) } }
            li { (t(lang, "hasil.invalid")) b data-field="invalid" { (n(s.invalid)) } }
            li { (t(lang, "hasil.users")) b data-field="users" { (n(s.users)) } }
            li { (t(lang, "hasil.discrepancies")) b data-field="discrepancies" { (n(s.discrepancies)) } }
            li { (t(lang, "hasil.anomalies")) b data-field="anomalies" { (n(s.anomalies)) } }
        }
        (candidate_table(lang, &s))
        p.tools {
            a href={ "/api/v1/elections/" (e.id) "/results/export?region=" (region) } { (t(lang, "hasil.download_csv")) }
            a href={ "/api/v1/elections/" (e.id) "/results/export?format=json&region=" (region) } { (t(lang, "hasil.download_json")) }
            @if region != NATIONAL && region.len() <= 8 {
                a #recap-link href={ "/hasil/rekap/" (region) "?pemilu=" (e.id) "&kontes=" (contest.key) } { (t(lang, "hasil.recap")) }
            }
        }
        @if !children.is_empty() {
            h2 { (t(lang, "region.children")) }
            table #children {
                thead { tr {
                    th { (t(lang, "nav.regions")) }
                    th.num { (t(lang, "hasil.tps_in")) }
                    @for c in &s.candidates { th.num { (c.number) } }
                    th.num { (t(lang, "hasil.discrepancies")) }
                } }
                tbody {
                    @for code in &children {
                        @let tot = totals.get(code).cloned().unwrap_or_default();
                        tr data-code=(code) {
                            td { a href=(link(code)) { (crate::regions::index_of(&state).get(code).map_or(code.as_str(), |r| r.name.as_str())) } }
                            td.num data-field="tps_in" { (n(tot.tps_in)) }
                            @for c in &s.candidates { td.num data-candidate=(c.id) { (n(tot.votes.get(&c.id).copied().unwrap_or(0))) } }
                            td.num data-field="discrepancies" { (n(tot.discrepancies)) }
                        }
                    }
                }
            }
        }
        @if is_village {
            h2 { "TPS" }
            table #tps {
                thead { tr { th { "TPS" } th { (t(lang, "log.status")) } @for c in &s.candidates { th.num { (c.number) } } th { (t(lang, "hasil.flags")) } } }
                tbody {
                    @for row in &tps {
                        tr data-tps=(row.tps) data-status=(row.status) {
                            td { a href={ "/hasil/tps/" (row.tps) "?kontes=" (contest.key) "&pemilu=" (e.id) } { "TPS " (&row.tps[14..]) } }
                            td { (status_label(lang, &row.status)) }
                            @for c in &s.candidates { td.num { (row.counted.as_ref().and_then(|x| x.votes.get(&c.id)).map(|v| n(*v)).unwrap_or_default()) } }
                            td {
                                @if row.discrepancy { span.late { (t(lang, "hasil.sources_differ")) } " " }
                                (super::anomaly_labels(lang, &row.anomalies.split(',').collect::<Vec<_>>()))
                            }
                        }
                    }
                }
            }
        }
        @let zone = crate::platform::i18n::zone_name(crate::reports::store::offset_of(&region));
        // The script writes the time of the last refresh as "19.00 WIB", in the region's zone.
        p.muted #updated { (t(lang, "hasil.live")) " " span #last-update data-zone=(zone) data-tz=(match zone.as_str() { "WITA" => "Asia/Makassar", "WIT" => "Asia/Jayapura", _ => "Asia/Jakarta" }) {} }
        // From this site, not inline: the Content-Security-Policy allows no inline script.
        script src="/assets/hasil.js" {}
    };
    // Public, and live: readers of the next few seconds share this rendering.
    Ok(crate::platform::pubcache::public(crate::platform::pubcache::LIVE, layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), &path), body)))
}

/// The live refresh of the results page, served as `/assets/hasil.js`.
pub async fn live_script() -> Response {
    use axum::http::{HeaderValue, header};
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        LIVE_SCRIPT,
    )
        .into_response()
}

/// Refreshes the numbers from the summary API every 20 seconds; nothing else depends on it.
const LIVE_SCRIPT: &str = r#"(function(){var el=document.getElementById('summary');if(!el||!window.fetch)return;
var fmt=function(v){return Number(v).toLocaleString('id-ID')};
var pct=function(a,b){return b>0?(Math.floor(a*10000/b)/100).toFixed(2).replace('.',','):'0,00'};
function tick(){fetch(el.dataset.url).then(function(r){return r.json()}).then(function(s){
['tps_in','tps_total','valid','invalid','users','discrepancies','anomalies'].forEach(function(k){var x=el.querySelector('[data-field='+k+']');if(x)x.textContent=fmt(s[k])});
var sh=el.querySelector('[data-field=share_in]');if(sh)sh.textContent=pct(s.tps_in,s.tps_total);
(s.candidates||[]).forEach(function(c){var row=document.querySelector('tr[data-candidate="'+c.id+'"]');if(!row)return;
row.querySelector('[data-field=votes]').textContent=fmt(c.votes);row.querySelector('[data-field=share]').textContent=pct(c.votes,s.valid);
var bar=row.querySelector('.bar');if(bar)bar.style.width=(s.valid>0?Math.floor(c.votes*100/s.valid):0)+'%'});
(s.children||[]).forEach(function(k){var row=document.querySelector('#children tr[data-code="'+k.region+'"]');if(!row)return;
var a=row.querySelector('[data-field=tps_in]');if(a)a.textContent=fmt(k.tps_in);var d=row.querySelector('[data-field=discrepancies]');if(d)d.textContent=fmt(k.discrepancies);
row.querySelectorAll('[data-candidate]').forEach(function(c){c.textContent=fmt(k.votes[c.dataset.candidate]||0)})});
var u=document.getElementById('updated');if(u){var now=new Date();u.dataset.at=now.toISOString();var l=document.getElementById('last-update');if(l){var p={};new Intl.DateTimeFormat('en-GB',{hour:'2-digit',minute:'2-digit',hourCycle:'h23',timeZone:l.dataset.tz}).formatToParts(now).forEach(function(x){p[x.type]=x.value});l.textContent=p.hour+'.'+p.minute+' '+l.dataset.zone}}}).catch(function(){})}
setInterval(tick,20000);window.sinergiRefresh=tick;})();"#;

#[derive(Deserialize, Default)]
pub struct TpsQuery {
    pemilu: Option<String>,
    kontes: Option<String>,
}

/// One TPS: every source's numbers side by side, the differences marked, and the history.
pub async fn tps_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(code): Path<String>, Query(q): Query<TpsQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    let parsed = crate::elections::TpsCode::parse(&code).map_err(|m| AppError::invalid("tps", m)).or_page(user.as_ref())?;
    let tps = parsed.as_str().to_string();
    let contest = contest_or_first(e, q.kontes.as_deref(), &tps);
    let code2 = tps.clone();
    // Who entered each revision is shown by unit ("KPU Kota Mojokerto"), to officials and the
    // public alike: a username is half of a login.
    let view = super::read_results(&state, user.is_none(), move |c| {
            if crate::elections::store::get_tps(c, e.id, &code2)?.is_none() {
                return Err(AppError::not_found(crate::tr!("TPS {code2} tidak terdaftar", "no TPS {code2}")));
            }
            let view = store::view(c, e.id, contest.key, &parsed)?.with_unit_names(c)?;
            let places = store::log_places(c, e.id, contest.key, parsed.as_str(), view.counted_revision.zip(view.counted.as_ref()))?;
            Ok((view, places))
        })
        .await
        .or_page(user.as_ref())?;
    let (view, places) = view;
    // The entries behind each column shown, in the column order: for KPU the agreeing entries
    // of the counted revision, for every other source its latest entry.
    let mut logged: Vec<(String, i64, Vec<u64>)> = vec![];
    if view.counted.is_some() {
        logged.push(("kpu".into(), view.counted_revision.unwrap_or(0), places.counted.clone()));
    }
    for s in &view.sources {
        let last = view.history.iter().rev().find(|h| h.source == s.source);
        logged.push((s.source.clone(), s.revision, last.and_then(|h| places.by_entry.get(&h.id)).copied().into_iter().collect()));
    }
    let proof_url = format!("/api/v1/elections/{}/results/{tps}/{}/proof", e.id, contest.key);
    let mut columns: Vec<(String, Vec<(String, i64)>)> = vec![];
    // Each source's photos of the form, in the same order as its column.
    let mut photos: Vec<(String, Vec<String>, Option<String>)> = vec![];
    if let Some(c) = &view.counted {
        columns.push(("kpu".into(), c.fields()));
        photos.push(("kpu".into(), view.counted_photos.clone(), None));
    }
    for s in &view.sources {
        columns.push((s.source.clone(), s.tally.fields()));
        photos.push((s.source.clone(), s.photos.clone(), s.photo_sha256.clone().filter(|_| s.photos.is_empty())));
    }
    let any_photo = photos.iter().any(|(_, p, old)| !p.is_empty() || old.is_some());
    let mut fields: Vec<String> = vec![];
    for (_, f) in &columns {
        for (k, _) in f {
            if !fields.contains(k) {
                fields.push(k.clone());
            }
        }
    }
    let differing: Vec<&str> = view.differences.iter().map(|d| d.field.as_str()).collect();
    let t2 = tps.clone();
    let candidates = state.db.read(move |c| store::candidates_at(c, e, contest.key, &t2)).await.unwrap_or_default();
    let label = |f: &str| field_label(lang, f, &candidates);
    let local = |at: &str| crate::platform::i18n::moment_at(lang, at, crate::reports::store::offset_of(&tps));
    let village = &tps[..13];
    let title = format!("TPS {} {} · {}", &tps[14..], crate::regions::index_of(&state).get(village).map_or("", |r| r.name.as_str()), contest.name);
    let path = format!("/hasil/tps/{tps}?kontes={}&pemilu={}", contest.key, e.id);
    let body = html! {
        nav.crumbs {
            a href={ "/hasil?pemilu=" (e.id) "&kontes=" (contest.key) } { "Indonesia" }
            @for p in crate::regions::index_of(&state).path(village) { " › " a href={ "/hasil?pemilu=" (e.id) "&kontes=" (contest.key) "&wilayah=" (p.code) } { (p.name) } }
        }
        h1 { (title) }
        ul.facts {
            li { (t(lang, "log.status")) b #status data-status=(view.status) { (status_label(lang, &view.status)) } }
            li { (t(lang, "hasil.revision")) b { (view.counted_revision.map(|r| r.to_string()).unwrap_or_else(|| "—".into())) } }
            li { (t(lang, "hasil.discrepancies")) b #discrepancy { (if view.discrepancy { t(lang, "hasil.sources_differ") } else { "—" }) } }
            @if !view.anomalies.is_empty() { li { (t(lang, "hasil.anomalies")) b { (super::anomaly_labels(lang, &view.anomalies.iter().map(String::as_str).collect::<Vec<_>>())) } } }
        }
        @if columns.is_empty() {
            p.muted { (t(lang, "hasil.none_yet")) }
        } @else {
            // A phone scrolls the table sideways rather than the whole page.
            div.scroll { table #sources {
                thead { tr { th { (t(lang, "hasil.field")) } @for (s, _) in &columns { th.num data-source=(s) { (t(lang, &format!("hasil.source.{s}"))) } } } }
                tbody {
                    @if any_photo {
                        tr.photos {
                            td { (t(lang, "hasil.photos")) }
                            @for (source, shas, _) in &photos {
                                td.photo { @for (i, sha) in shas.iter().enumerate() {
                                    a.thumb href={ "/foto/" (sha) } { img src={ "/foto/" (sha) "/kecil" } loading="lazy" width="64" alt={ (t(lang, "hasil.photos")) " " (t(lang, &format!("hasil.source.{source}"))) ", " (t(lang, "hasil.page")) " " (i + 1) }; }
                                } }
                            }
                        }
                    }
                    @for f in &fields {
                        tr data-field=(f) class=[differing.contains(&f.as_str()).then_some("differs")] {
                            td title=(f) { (label(f)) }
                            @for (_, vals) in &columns {
                                td.num { (vals.iter().find(|(k, _)| k == f).map(|(_, v)| number(lang, *v)).unwrap_or_default()) }
                            }
                        }
                    }
                }
            } }
        }
        @if !logged.is_empty() {
            (log_section(lang, &logged, &proof_url, e.id, &tps, contest.key))
        }
        @if any_photo {
            h2 { (t(lang, "hasil.photos")) }
            p.muted { (t(lang, "hasil.photos_note")) }
            @for (source, shas, old) in &photos {
                @if !shas.is_empty() || old.is_some() {
                    h3 { (t(lang, &format!("hasil.source.{source}"))) }
                    ul.photos data-source=(source) {
                        @for (i, sha) in shas.iter().enumerate() {
                            li {
                                a.thumb href={ "/foto/" (sha) } { img src={ "/foto/" (sha) "/kecil" } loading="lazy" width="120" alt={ (t(lang, "hasil.page")) " " (i + 1) }; }
                                " " (t(lang, "hasil.page")) " " (i + 1) ": SHA-256 " code.sha { (sha) }
                            }
                        }
                        @if let Some(sha) = old {
                            li { (t(lang, "hasil.photo_not_kept")) " SHA-256 " code.sha { (sha) } }
                        }
                    }
                }
            }
        }
        h2 { (t(lang, "hasil.history")) }
        div.scroll { table #history {
            thead { tr { th { (t(lang, "lap.when")) } th { (t(lang, "hasil.source")) } th.num { (t(lang, "hasil.revision")) } th.num { (t(lang, "hasil.log.column")) } th { (t(lang, "lap.by")) } th { (t(lang, "lap.reason")) } } }
            tbody { @for h in &view.history { tr {
                td { (local(&h.entered_at)) } td { (t(lang, &format!("hasil.source.{}", h.source))) } td.num { (h.revision) }
                td.num { (places.by_entry.get(&h.id).map_or_else(|| "—".to_string(), |i| format!("#{i}"))) }
                td { (h.entered_by) }
                td { (h.reason) }
            } } }
        } }
        p.muted { (t(lang, "hasil.permalink")) " " code { (path) } }
    };
    // Public, and live: readers of the next few seconds share this rendering.
    Ok(crate::platform::pubcache::public(crate::platform::pubcache::LIVE, layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), &path), body)))
}

/// Where the entries behind the numbers shown are in the public log, with the proof and the
/// checkpoint to check them by; `bukti-log.js` checks them in the page. Without script it is
/// text and links.
fn log_section(lang: Lang, logged: &[(String, i64, Vec<u64>)], proof_url: &str, election: &str, tps: &str, contest: &str) -> Markup {
    html! {
        section #log-proof data-proof=(proof_url) data-election=(election) data-tps=(tps) data-contest=(contest) {
            h2 { (t(lang, "hasil.log.title")) }
            ul #log-entries {
                @for (source, revision, leaves) in logged {
                    li data-source=(source) data-revision=(revision) data-leaves=(leaves.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")) {
                        span.who { (t(lang, &format!("hasil.source.{source}"))) ", " (t(lang, "hasil.revision").to_lowercase()) " " (revision) } ": "
                        @if leaves.is_empty() {
                            (t(lang, "hasil.log.not_yet"))
                        } @else {
                            b { (t(lang, "hasil.log.recorded")) " " (leaves.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")) }
                        }
                        " " span.check {}
                    }
                }
            }
            p #log-verdict role="status" { (t(lang, "hasil.log.noscript")) }
            p.tools {
                a #proof-link href=(proof_url) { (t(lang, "hasil.log.proof")) }
                a #checkpoint-link href="/log/checkpoint" { (t(lang, "hasil.log.checkpoint")) }
                a #key-link href="/log/key" { (t(lang, "hasil.log.key")) }
            }
            p.muted { (t(lang, "hasil.log.how")) " " code { "sinergi log watch" } " " (t(lang, "hasil.log.how_key")) }
            script src={ "/assets/bukti-log.js?v=" (proof_script_version()) } defer {}
        }
    }
}

/// The check of the log in the permalink, served as `/assets/bukti-log.js`.
const PROOF_SCRIPT: &str = include_str!("../../assets/bukti-log.js");

fn proof_script_version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| crate::platform::field::digest(PROOF_SCRIPT))
}

pub async fn proof_script(uri: axum::http::Uri) -> Response {
    crate::platform::field::script(uri.query(), PROOF_SCRIPT)
}

/// A form field as the C.Hasil names it, in the reader's language.
fn field_label(lang: Lang, field: &str, candidates: &[store::Candidate]) -> String {
    let parts: Vec<&str> = field.split('.').collect();
    let sex = |x: &str| match x {
        "l" => " L",
        "p" => " P",
        _ => " (jumlah)",
    };
    match parts.as_slice() {
        ["voters", cat, x] => format!("{} {}{}", t(lang, "hasil.f.voters"), cat.to_uppercase(), sex(x)),
        ["users", cat, x] => format!("{} {}{}", t(lang, "hasil.f.users"), cat.to_uppercase(), sex(x)),
        ["disabled", "voters"] => t(lang, "hasil.f.disabled_voters").into(),
        ["disabled", "users"] => t(lang, "hasil.f.disabled_users").into(),
        ["ballots", k] => t(lang, &format!("hasil.f.ballots_{k}")).into(),
        ["votes", id] => match candidates.iter().find(|c| c.id == *id) {
            Some(c) => format!("{} {} {}", t(lang, "hasil.votes"), c.number, c.name),
            None => format!("{} {id}", t(lang, "hasil.votes")),
        },
        ["valid"] => t(lang, "hasil.valid").into(),
        ["invalid"] => t(lang, "hasil.invalid").into(),
        _ => field.to_string(),
    }
}

/// The plenary recap of a district, regency or province beside the sum of its children.
pub async fn recap_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(code): Path<String>, Query(q): Query<HasilQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    if crate::regions::index_of(&state).get(&code).is_none() || code.len() > 8 {
        return Err(PageError::new(AppError::not_found(crate::tr!("tidak ada rekapitulasi untuk {code}", "no recap level {code}")), user.as_ref()));
    }
    let contest = contest_or_first(e, q.kontes.as_deref(), &code);
    let children: Vec<String> = crate::regions::index_of(&state).children_codes(&code).into_iter().filter(|c| contest.coverage.holds_at(c)).collect();
    let c2 = code.clone();
    let data = super::read_results(&state, user.is_none(), move |c| Ok((store::recap_view(c, e, contest, &c2, &children)?, store::candidates_at(c, e, contest.key, &c2)?))).await;
    let (v, candidates) = data.or_page(user.as_ref())?;
    let name = crate::regions::index_of(&state).get(&code).map_or(code.clone(), |r| r.name.clone());
    let title = format!("{} · {} · {name}", t(lang, "hasil.recap"), contest.name);
    let path = format!("/hasil/rekap/{code}?pemilu={}&kontes={}", e.id, contest.key);
    let mut fields: Vec<(String, Option<i64>, i64)> = vec![];
    let entered = v.entered.as_ref().map(|x| x.tally.fields()).unwrap_or_default();
    for (f, sum) in v.children_sum.fields() {
        fields.push((f.clone(), entered.iter().find(|(k, _)| *k == f).map(|(_, x)| *x), sum));
    }
    let body = html! {
        nav.crumbs { a href={ "/hasil?pemilu=" (e.id) "&kontes=" (contest.key) "&wilayah=" (code) } { (t(lang, "hasil.title")) " " (name) } }
        h1 { (title) }
        ul.facts {
            li { (t(lang, "hasil.recap_children")) b #children-in { (v.children_in) " / " (v.children_total) } }
            li { (t(lang, "hasil.recap_entered")) b #entered { @match &v.entered { Some(x) => { (t(lang, "hasil.revision")) " " (x.revision) }, None => "—" } } }
            li { (t(lang, "hasil.recap_mismatch")) b #mismatch { (v.discrepancies.len()) } }
        }
        table #recap {
            thead { tr { th { (t(lang, "hasil.field")) } th.num { (t(lang, "hasil.recap_plenary")) } th.num { (t(lang, "hasil.recap_sum")) } } }
            tbody { @for (f, plenary, sum) in &fields {
                tr data-field=(f) class=[(plenary.is_some_and(|p| p != *sum)).then_some("differs")] {
                    td title=(f) { (field_label(lang, f, &candidates)) }
                    td.num { (plenary.map(|p| number(lang, p)).unwrap_or_default()) }
                    td.num { (number(lang, *sum)) }
                }
            } }
        }
        @if !v.missing.is_empty() {
            h2 { (t(lang, "hasil.recap_missing")) " (" (v.missing.len()) ")" }
            ul #missing { @for m in v.missing.iter().take(200) { li data-code=(m) { (crate::regions::index_of(&state).place(m)) } } }
        }
    };
    // Public, and live: readers of the next few seconds share this rendering.
    Ok(crate::platform::pubcache::public(crate::platform::pubcache::LIVE, layout(Page::new(lang, &title, user.as_ref().map(|u| &u.user), &path), body)))
}
