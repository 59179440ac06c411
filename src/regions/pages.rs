//! Region browser pages: Indonesia → province → regency → district → village and its TPS,
//! with the counts for the chosen election, a name search and CSV downloads.

use axum::extract::State;
use crate::platform::http::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::store::{self, ChildStats, RegionDetail, SearchHit};
use super::{Level, RegionCode};
use crate::elections::{self, ElectionDef, store::TpsRecord};
use crate::platform::auth::CurrentUser;
use crate::platform::error::AppError;
use crate::platform::sheet::{self, Cell};
use crate::platform::web::{Lang, OrPage, Page, PageError, layout, number, t, urlencode};
use crate::platform::state::AppState;

#[derive(Deserialize)]
pub struct BrowseQuery {
    pemilu: Option<String>,
    after: Option<String>,
}

const DEFAULT_ELECTION: &str = "pilkada-2024";
const TPS_PAGE: i64 = 200;

fn chosen(q: &BrowseQuery) -> &'static ElectionDef {
    election_or_default(q.pemilu.as_deref())
}

/// The election a page shows: the one asked for, else Pilkada 2024.
pub fn election_or_default(id: Option<&str>) -> &'static ElectionDef {
    id.and_then(elections::election).or_else(|| elections::election(DEFAULT_ELECTION)).unwrap_or(&elections::ELECTIONS[0])
}

/// The region a module page shows: the one asked for when it is known, else the viewer's own
/// (a unit at a TPS: its village), else the nation for the public. Nobody lands on a national
/// table of zeros for a region they do not work in.
pub fn region_or_own(state: &AppState, asked: Option<&str>, user: Option<&CurrentUser>) -> String {
    let index = super::index_of(state);
    let known = |c: &str| c == super::NATIONAL || index.get(c).is_some();
    if let Some(a) = asked.map(str::trim).filter(|a| known(a)) {
        return a.to_string();
    }
    match user.map(|u| u.user.unit.region.as_str()) {
        Some(own) if known(own) => own.to_string(),
        Some(own) => own.rsplit_once('.').map(|(village, _)| village).filter(|v| known(v)).unwrap_or(super::NATIONAL).to_string(),
        None => super::NATIONAL.to_string(),
    }
}

fn level_label(lang: Lang, level: Level) -> &'static str {
    t(lang, &format!("level.{}", level.as_str()))
}

pub use crate::platform::web::error_page;

pub fn election_picker(lang: Lang, action: &str, current: &ElectionDef) -> Markup {
    html! {
        form.tools method="get" action=(action) {
            label for="pemilu" { (t(lang, "region.election")) }
            select #pemilu name="pemilu" {
                @for e in elections::ELECTIONS {
                    option value=(e.id) selected[e.id == current.id] { (e.name) }
                }
            }
            button type="submit" { (t(lang, "region.show")) }
        }
    }
}

fn children_table(lang: Lang, rows: &[ChildStats], election: &ElectionDef) -> Markup {
    html! {
        table #children {
            thead { tr {
                th.opt { (t(lang, "region.code")) }
                th { (t(lang, "region.name")) }
                th.num.opt { (t(lang, "region.children")) }
                th.num { (t(lang, "region.tps")) }
                th.num { (t(lang, "region.dpt")) }
            } }
            tbody {
                @for c in rows {
                    tr {
                        td.opt { (c.region.code) }
                        td { a href={ "/wilayah/" (c.region.code) "?pemilu=" (election.id) } { (c.region.name) } }
                        td.num.opt { (number(lang, c.region.children_count)) }
                        td.num { (number(lang, c.tps)) }
                        td.num { (number(lang, c.dpt)) }
                    }
                }
            }
        }
    }
}

pub async fn indonesia(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<BrowseQuery>) -> Result<Response, PageError> {
    let election = chosen(&q);
    let rows = state.db.read(move |c| store::children_with_stats(c, None, election.id)).await.or_page(user.as_ref())?;
    let (tps, dpt) = state.db.read(move |c| elections::store::stats(c, election.id, super::NATIONAL)).await.unwrap_or((0, 0));
    let body = html! {
        nav.crumbs { (t(lang, "region.indonesia")) }
        h1 { (t(lang, "region.indonesia")) }
        ul.facts {
            li { (t(lang, "level.province")) b { (rows.len()) } }
            li { (t(lang, "region.tps")) " " (election.name) b #tps-total { (number(lang, tps)) } }
            li { (t(lang, "region.dpt")) b { (number(lang, dpt)) } }
        }
        (election_picker(lang, "/wilayah", election))
        p.tools { a href={ "/wilayah/ID/unduh.csv?pemilu=" (election.id) } { (t(lang, "region.download")) } }
        (children_table(lang, &rows, election))
    };
    let page = Page::new(lang, t(lang, "region.indonesia"), user.as_ref().map(|u| &u.user), "/wilayah");
    Ok(layout(page, body).into_response())
}

struct RegionView {
    /// Bawaslu's IKP for a province or regency, when recorded.
    ikp: Option<crate::vulnerability::store::Ikp>,
    detail: RegionDetail,
    children: Vec<ChildStats>,
    tps: Vec<TpsRecord>,
}

async fn load(state: &AppState, code: &str, election: &'static ElectionDef, after: Option<String>) -> Result<RegionView, AppError> {
    let code = RegionCode::parse(code).map_err(|m| AppError::invalid("code", m))?;
    let c = code.as_str().to_string();
    let index = state.module_arc::<crate::regions::index::RegionIndex>();
    state
        .db
        .read(move |conn| {
            let detail = store::detail(conn, &index, &c)?.ok_or_else(|| AppError::not_found(crate::tr!("wilayah {c} tidak ada", "no region {c}")))?;
            let (children, tps) = if detail.region.level == Level::Village {
                (Vec::new(), elections::store::list_tps(conn, election.id, &c, after.as_deref(), TPS_PAGE)?)
            } else {
                (store::children_with_stats(conn, Some(&c), election.id)?, Vec::new())
            };
            let ikp = if matches!(detail.region.level, Level::Province | Level::Regency) {
                crate::vulnerability::store::get_ikp(conn, election.id, &c)?
            } else {
                None
            };
            Ok(RegionView { ikp, detail, children, tps })
        })
        .await
}

pub async fn region(
    State(state): State<AppState>,
    lang: Lang,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    Query(q): Query<BrowseQuery>,
) -> Result<Response, PageError> {
    if code == super::NATIONAL {
        return Ok(axum::response::Redirect::to("/wilayah").into_response());
    }
    let election = chosen(&q);
    let view = load(&state, &code, election, q.after.clone()).await.or_page(user.as_ref())?;
    let d = &view.detail;
    let r = &d.region;
    let tps_count = d.tps_count.get(election.id).copied().unwrap_or(0);
    let dpt_total = d.dpt_total.get(election.id).copied().unwrap_or(0);
    let contests: Vec<&str> = election.contests_at(&r.code).iter().map(|c| if lang == Lang::En { c.name_en } else { c.name }).collect();
    let path = format!("/wilayah/{}", r.code);
    let body = html! {
        nav.crumbs {
            a href={ "/wilayah?pemilu=" (election.id) } { (t(lang, "region.indonesia")) }
            @for p in &d.path[..d.path.len().saturating_sub(1)] {
                " › " a href={ "/wilayah/" (p.code) "?pemilu=" (election.id) } { (p.name) }
            }
        }
        h1 { span.muted { (level_label(lang, r.level)) " " } (r.name) }
        ul.facts {
            li { (t(lang, "region.code")) b { (r.code) } }
            li { (t(lang, "region.timezone")) b { (r.timezone.as_str()) " (UTC" (d.utc_offset) ")" } }
            li { (t(lang, "region.tps")) " " (election.name) b #tps-total { (number(lang, tps_count)) } }
            li { (t(lang, "region.dpt")) b { (number(lang, dpt_total)) } }
            li { (t(lang, "region.contests")) b { (contests.join(", ")) } }
            @if let Some(ikp) = &view.ikp {
                li #ikp { "IKP" b { (format!("{:.2}", ikp.scores.total).replace('.', if lang == Lang::En { "." } else { "," })) " (" (crate::platform::web::label(lang, "ikp", &ikp.band)) ")" } }
            }
        }
        (election_picker(lang, &path, election))
        @if r.level == Level::Village {
            p.tools { a #report-here href={ "/lapor?wilayah=" (r.code) "&pemilu=" (election.id) } { (t(lang, "lap.form.here")) } }
            h2 { (t(lang, "region.tps_list")) }
            @if view.tps.is_empty() {
                p.muted { (t(lang, "region.no_tps")) }
            } @else {
                p.tools { a href={ (path) "/tps.csv?pemilu=" (election.id) } { (t(lang, "region.download")) } }
                table #tps {
                    thead { tr {
                        th { "TPS" }
                        th.opt { (t(lang, "region.code")) }
                        th { (t(lang, "region.address")) }
                        th.num { (t(lang, "region.dpt")) }
                    } }
                    tbody {
                        @for tps in &view.tps {
                            tr {
                                td { (format!("{:03}", tps.number)) }
                                td.opt { (tps.code) }
                                td { (tps.address) }
                                td.num { (number(lang, tps.dpt)) }
                            }
                        }
                    }
                }
                @if view.tps.len() as i64 == TPS_PAGE {
                    @if let Some(last) = view.tps.last() {
                        p { a href={ (path) "?pemilu=" (election.id) "&after=" (urlencode(&last.code)) } { (t(lang, "region.more")) " →" } }
                    }
                }
            }
        } @else {
            p.tools { a href={ (path) "/unduh.csv?pemilu=" (election.id) } { (t(lang, "region.download")) } }
            (children_table(lang, &view.children, election))
        }
    };
    let page = Page::new(lang, &r.name, user.as_ref().map(|u| &u.user), &path);
    Ok(layout(page, body).into_response())
}

/// The children table of a region (or of Indonesia, code `ID`) as CSV.
pub async fn children_csv(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<BrowseQuery>) -> Result<Response, PageError> {
    let election = chosen(&q);
    let parent = if code == super::NATIONAL {
        None
    } else {
        match RegionCode::parse(&code) {
            Ok(c) => Some(c.as_str().to_string()),
            Err(m) => return Err(PageError::new(AppError::invalid("code", m), None)),
        }
    };
    let p = parent.clone();
    let rows = state.db.read(move |c| store::children_with_stats(c, p.as_deref(), election.id)).await.or_page(None)?;
    let rows = rows
        .into_iter()
        .map(|c| {
            let level = t(Lang::Id, &format!("level.{}", c.region.level.as_str()));
            vec![c.region.code.into(), c.region.name.into(), level.into(), Cell::Int(c.region.children_count), Cell::Int(c.tps), Cell::Int(c.dpt)]
        })
        .collect();
    Ok(sheet::download(
        &format!("wilayah-{}-{}.csv", parent.as_deref().unwrap_or("ID"), election.id),
        &["kode", "nama", "tingkat", "jumlah_wilayah", "jumlah_tps", "dpt"],
        rows,
    ))
}

/// The TPS of a region as CSV, in the import format (it can be edited and imported back).
pub async fn tps_csv(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<BrowseQuery>) -> Result<Response, PageError> {
    let election = chosen(&q);
    let code = match RegionCode::parse(&code) {
        Ok(c) => c.as_str().to_string(),
        Err(m) => return Err(PageError::new(AppError::invalid("code", m), None)),
    };
    let c = code.clone();
    let bytes = state
        .db
        .read(move |conn| {
            let mut out = Vec::new();
            elections::store::export_tps_csv(conn, election.id, &c, &mut out).map(|_| out)
        })
        .await
        .or_page(None)?;
    Ok(sheet::respond(&format!("tps-{code}-{}.csv", election.id), bytes))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn search(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<SearchQuery>) -> Response {
    let text: String = q.q.unwrap_or_default().chars().take(100).collect();
    let needle = text.clone();
    let hits: Vec<SearchHit> = crate::regions::index_of(&state).search(&needle, 100);
    let body = html! {
        h1 { (t(lang, "search.title")) ": " (text) }
        @if hits.is_empty() {
            p.muted { (t(lang, "search.none")) }
        } @else {
            table #results {
                thead { tr { th { (t(lang, "region.name")) } th { (t(lang, "region.level")) } th.opt { (t(lang, "region.code")) } } }
                tbody {
                    @for h in &hits {
                        tr {
                            td { a href={ "/wilayah/" (h.region.code) } { (h.region.name) } br; span.muted { (h.path_text) } }
                            td { (level_label(lang, h.region.level)) }
                            td.opt { (h.region.code) }
                        }
                    }
                }
            }
        }
    };
    let path = format!("/cari?q={}", urlencode(&text));
    let page = Page { query: &text, ..Page::new(lang, t(lang, "search.title"), user.as_ref().map(|u| &u.user), &path) };
    layout(page, body).into_response()
}
