//! The map of a region: its child areas (TPS at village level) coloured by one layer read
//! from the modules — logistics readiness, vulnerability, open reports, results in — drawn by
//! `platform::map`. [`component`] is what a page embeds; [`page`] is `/peta/{region}`.
//!
//! Scope: the component itself asks `authorize` whether the viewer's unit covers the region,
//! so no page that embeds it can show an area outside the viewer's scope, and every figure
//! it shows is an aggregate of TPS within that region. Per-TPS vulnerability grades are
//! security data: only the agencies that may read the security plan see TPS coloured by grade.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::elections::{ContestDef, ElectionDef};
use crate::platform::auth::{Rule, authorize};
use crate::platform::db::{Conn, DbError};
use crate::platform::error::AppError;
use crate::platform::http::{Path, Query};
use crate::platform::identity::{Role, User};
use crate::platform::map::{Area, Atlas, Legend, MapView, Point, draw};
use crate::platform::state::AppState;
use crate::platform::web::{Lang, OrPage, Page, PageError, PageUser, layout, number};
use crate::regions::index::RegionIndex;
use crate::regions::NATIONAL;
use crate::tr;

/// Reading a region's map: every agency, any role, within its unit's region (the Pemda
/// included: the map shows counts, never a case file or a reporter).
pub const MAP_READ: Rule = Rule { min_role: Role::Viewer, agencies: &[], action: ("membaca peta situasi wilayah", "read a region's situation map") };

/// What colours the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
pub enum Layer {
    #[serde(rename = "kesiapan")]
    Readiness,
    #[default]
    #[serde(rename = "kerawanan")]
    Vulnerability,
    #[serde(rename = "laporan")]
    Reports,
    #[serde(rename = "hasil")]
    Results,
}

impl Layer {
    pub const ALL: [Layer; 4] = [Layer::Readiness, Layer::Vulnerability, Layer::Reports, Layer::Results];

    /// The `lapis` parameter.
    pub fn key(self) -> &'static str {
        match self {
            Layer::Readiness => "kesiapan",
            Layer::Vulnerability => "kerawanan",
            Layer::Reports => "laporan",
            Layer::Results => "hasil",
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Layer::Readiness => lang.pick("Kesiapan logistik", "Logistics readiness"),
            Layer::Vulnerability => lang.pick("Kerawanan TPS", "TPS vulnerability"),
            Layer::Reports => lang.pick("Laporan berjalan", "Open reports"),
            Layer::Results => lang.pick("Hasil masuk", "Results in"),
        }
    }
}

/// One map to draw.
pub struct MapRequest {
    /// A region code, or `ID` for the nation.
    pub region: String,
    pub layer: Layer,
    pub election: &'static ElectionDef,
    /// The contest whose results colour the `hasil` layer (the first held in the region if none).
    pub contest: Option<&'static ContestDef>,
}

impl MapRequest {
    fn contest(&self) -> Option<&'static ContestDef> {
        self.contest.or_else(|| self.election.contests_at(&self.region).into_iter().next())
    }
}

/// Length of the codes of a region's children (TPS for a village).
pub(super) fn child_width(region: &str) -> usize {
    match region.len() {
        _ if region == NATIONAL => 2,
        2 => 5,
        5 => 8,
        8 => 13,
        _ => 17,
    }
}

/// The figures of one map, read in one go on a database thread.
struct Figures {
    /// Per child: the layer's counts (see [`classify`]) and its TPS.
    counts: BTreeMap<String, [i64; 2]>,
    totals: BTreeMap<String, i64>,
    /// Mean TPS position of the children without an outline.
    positions: BTreeMap<String, (f64, f64)>,
    /// At village level: its TPS and where they are.
    tps: Vec<(String, Option<(f64, f64)>)>,
}

fn widen<const N: usize>(m: BTreeMap<String, [i64; N]>) -> BTreeMap<String, [i64; 2]> {
    m.into_iter().map(|(k, v)| (k, [v[0], if N > 1 { v[N - 1] } else { 0 }])).collect()
}

fn load(conn: &mut Conn, req: &MapRequest, children: &[String], loose: bool) -> Result<Figures, DbError> {
    let (e, region) = (req.election, req.region.as_str());
    let width = child_width(region);
    let contest = req.contest();
    let counts = match req.layer {
        Layer::Vulnerability => crate::vulnerability::store::grades_by_area(conn, e.id, region, width)?,
        Layer::Readiness => crate::logistics::store::readiness_by_area(conn, e, region, width)?,
        Layer::Reports => widen(crate::reports::store::open_by_area(conn, e.id, region, width)?),
        Layer::Results => match contest {
            Some(c) => widen(crate::results::store::tps_in_by_area(conn, e.id, c.key, region, width)?),
            None => BTreeMap::new(),
        },
    };
    let mut totals = BTreeMap::new();
    let mut tps = Vec::new();
    if width == 17 {
        for t in crate::elections::store::list_tps(conn, e.id, region, None, 10_000)? {
            let held = req.layer != Layer::Results || contest.is_some_and(|c| c.coverage.holds_at(&t.code));
            totals.insert(t.code.clone(), i64::from(held));
            tps.push((t.code.clone(), t.lat.zip(t.lon).map(|(lat, lon)| (lon, lat))));
        }
    } else if let (Layer::Results, Some(c)) = (req.layer, contest) {
        for child in children {
            totals.insert(child.clone(), crate::results::store::tps_total(conn, e, c, child)?);
        }
    } else {
        let parent = (region != NATIONAL).then_some(region);
        for s in crate::regions::store::children_with_stats(conn, parent, e.id)? {
            totals.insert(s.region.code, s.tps);
        }
    }
    let positions = if loose { crate::elections::store::positions_by_area(conn, e.id, region, width)? } else { BTreeMap::new() };
    Ok(Figures { counts, totals, positions, tps })
}

fn percent(n: i64, total: i64) -> i64 {
    // Whole numbers, rounded down by the shared rule: "100 %" means every one.
    crate::platform::web::share(n, total, 0) as i64
}

/// An area's class (`k0` all is well … `k4` needs attention) and what it stands for in words.
/// `counts` is per layer: vulnerability [rawan, sangat rawan], readiness [ready, partial],
/// reports [open], results [TPS in].
fn classify(lang: Lang, layer: Layer, counts: [i64; 2], total: i64, tps_level: bool) -> (Option<usize>, String) {
    let n = |v: i64| number(lang, v);
    let (a, b) = (counts[0], counts[1]);
    match layer {
        Layer::Vulnerability if tps_level => match (a, b) {
            (_, 1..) => (Some(4), lang.pick("sangat rawan", "highly vulnerable").into()),
            (1.., _) => (Some(2), lang.pick("rawan", "vulnerable").into()),
            _ => (Some(0), lang.pick("kurang rawan", "less vulnerable").into()),
        },
        Layer::Vulnerability => {
            if total == 0 {
                return (None, lang.pick("tidak ada TPS", "no TPS").into());
            }
            let p = percent(a + b, total);
            let class = match p {
                _ if a + b == 0 => 0,
                0..5 => 1,
                5..15 => 2,
                15..30 => 3,
                _ => 4,
            };
            let (v, t) = (n(a + b), n(total));
            (Some(class), tr!("{p}% TPS rawan atau sangat rawan ({v} dari {t})", "{p}% of TPS vulnerable or highly vulnerable ({v} of {t})").get(lang).to_string())
        }
        Layer::Readiness if tps_level => match (a, b) {
            (1.., _) => (Some(0), lang.pick("siap", "ready").into()),
            (_, 1..) => (Some(2), lang.pick("sebagian", "partly supplied").into()),
            _ => (Some(4), lang.pick("belum ada logistik", "nothing yet").into()),
        },
        Layer::Readiness => {
            if total == 0 {
                return (None, lang.pick("tidak ada TPS", "no TPS").into());
            }
            let p = percent(a, total);
            let class = match p {
                _ if a == total => 0,
                90.. => 1,
                50..90 => 2,
                _ if a > 0 => 3,
                _ => 4,
            };
            let (r, t, part) = (n(a), n(total), n(b));
            (Some(class), tr!("{p}% TPS siap ({r} dari {t}; {part} sebagian)", "{p}% of TPS ready ({r} of {t}; {part} partly)").get(lang).to_string())
        }
        Layer::Reports => {
            let class = match a {
                0 => 0,
                1 => 1,
                2..5 => 2,
                5..10 => 3,
                _ => 4,
            };
            let v = n(a);
            (Some(class), tr!("{v} laporan berjalan", "{v} open reports").get(lang).to_string())
        }
        Layer::Results if tps_level => match (total, a) {
            (0, _) => (None, lang.pick("tidak ada pemilihan ini", "contest not held here").into()),
            (_, 1..) => (Some(0), lang.pick("sudah masuk", "in").into()),
            _ => (None, lang.pick("belum masuk", "not in yet").into()),
        },
        Layer::Results => {
            if total == 0 || a == 0 {
                let t = n(total);
                return (None, tr!("0 dari {t} TPS masuk", "0 of {t} TPS in").get(lang).to_string());
            }
            let p = percent(a, total);
            let class = match p {
                _ if a >= total => 0,
                75.. => 1,
                50..75 => 2,
                25..50 => 3,
                _ => 4,
            };
            let (v, t) = (n(a), n(total));
            (Some(class), tr!("{v} dari {t} TPS masuk ({p}%)", "{v} of {t} TPS in ({p}%)").get(lang).to_string())
        }
    }
}

fn legend(lang: Lang, layer: Layer, contest: Option<&ContestDef>, tps_level: bool) -> Legend {
    let l = |v: [&str; 5], none: &str| (v.iter().map(|s| s.to_string()).collect::<Vec<_>>(), none.to_string());
    let (title, (classes, none)) = match (layer, tps_level) {
        (Layer::Vulnerability, true) => (
            lang.pick("Tingkat kerawanan TPS", "TPS vulnerability grade").to_string(),
            l(lang.pick(["kurang rawan", "", "rawan", "", "sangat rawan"], ["less vulnerable", "", "vulnerable", "", "highly vulnerable"]), lang.pick("tidak ditampilkan: hanya untuk pengamanan", "not shown: for security agencies only")),
        ),
        (Layer::Vulnerability, false) => (
            lang.pick("TPS rawan atau sangat rawan", "TPS vulnerable or highly vulnerable").to_string(),
            l(lang.pick(["tidak ada", "di bawah 5%", "5–15%", "15–30%", "30% atau lebih"], ["none", "under 5%", "5–15%", "15–30%", "30% or more"]), lang.pick("tidak ada TPS", "no TPS")),
        ),
        (Layer::Readiness, true) => (
            lang.pick("Logistik di TPS", "Materials at the TPS").to_string(),
            l(lang.pick(["siap", "", "sebagian", "", "belum ada"], ["ready", "", "partly supplied", "", "nothing yet"]), "—"),
        ),
        (Layer::Readiness, false) => (
            lang.pick("TPS yang logistiknya siap", "TPS with all materials").to_string(),
            l(lang.pick(["semua siap", "90% atau lebih", "50–90%", "di bawah 50%", "belum ada yang siap"], ["all ready", "90% or more", "50–90%", "under 50%", "none ready"]), lang.pick("tidak ada TPS", "no TPS")),
        ),
        (Layer::Reports, _) => (
            lang.pick("Laporan pelanggaran yang masih berjalan", "Violation reports still open").to_string(),
            l(lang.pick(["tidak ada", "1", "2–4", "5–9", "10 atau lebih"], ["none", "1", "2–4", "5–9", "10 or more"]), "—"),
        ),
        (Layer::Results, _) => {
            let name = contest.map_or("", |c| if lang == Lang::En { c.name_en } else { c.name });
            (
                tr!("TPS yang hasilnya sudah masuk: {name}", "TPS whose results are in: {name}").get(lang).to_string(),
                if tps_level {
                    l(lang.pick(["sudah masuk", "", "", "", ""], ["in", "", "", "", ""]), lang.pick("belum masuk", "not in yet"))
                } else {
                    l(lang.pick(["semua", "75% atau lebih", "50–75%", "25–50%", "di bawah 25%"], ["all", "75% or more", "50–75%", "25–50%", "under 25%"]), lang.pick("belum ada yang masuk", "none in yet"))
                },
            )
        }
    };
    Legend { title, classes, none }
}

/// A map read and classified: the view to draw, and the codes of its TPS points in order.
struct Drawn {
    view: MapView,
    tps: Vec<String>,
    /// TPS without coordinates, not on the map.
    unplaced: usize,
}

/// Which children of `req.region` the map shows, and whether any of them lacks an outline (so
/// that the positions of their TPS are read).
fn areas_of(index: &RegionIndex, atlas: &Atlas, region: &str) -> (Vec<String>, bool) {
    let children: Vec<String> = if child_width(region) == 17 { Vec::new() } else { index.children_codes(region) };
    let outlined = atlas.frame(region).map(|f| f.children.iter().map(|s| s.code.clone()).collect::<std::collections::HashSet<_>>()).unwrap_or_default();
    let loose = children.iter().any(|c| !outlined.contains(c));
    (children, loose)
}

/// The view of one map from its figures: each area classified and named (its link left to the
/// caller), TPS as points.
fn assemble(index: &RegionIndex, lang: Lang, req: &MapRequest, children: &[String], figures: Figures, grades_visible: bool) -> Drawn {
    let (layer, region) = (req.layer, req.region.as_str());
    let tps_level = child_width(region) == 17;
    let mut areas = Vec::with_capacity(children.len());
    for code in children {
        let counts = figures.counts.get(code).copied().unwrap_or([0, 0]);
        let total = figures.totals.get(code).copied().unwrap_or(0);
        let (class, note) = classify(lang, layer, counts, total, false);
        let name = index.get(code).map_or_else(|| code.clone(), |r| r.name.clone());
        areas.push(Area { code: code.clone(), name, href: String::new(), class, note, at: figures.positions.get(code).copied() });
    }
    let mut points = Vec::new();
    let mut tps = Vec::new();
    let mut unplaced = 0;
    for (code, at) in &figures.tps {
        let counts = figures.counts.get(code).copied().unwrap_or([0, 0]);
        let (class, note) = if grades_visible { classify(lang, layer, counts, figures.totals.get(code).copied().unwrap_or(0), true) } else { (None, String::new()) };
        let number = code.rsplit('.').next().unwrap_or(code);
        let title = if note.is_empty() { format!("TPS {number}") } else { format!("TPS {number} — {note}") };
        match at {
            Some(at) => {
                points.push(Point { at: *at, class, title });
                tps.push(code.clone());
            }
            None => unplaced += 1,
        }
    }
    let name = if region == NATIONAL { "Indonesia".to_string() } else { index.get(region).map_or_else(|| region.to_string(), |r| r.name.clone()) };
    let view = MapView {
        region: region.to_string(),
        label: format!("{} · {name}", layer.name(lang)),
        areas,
        points,
        legend: legend(lang, layer, req.contest(), tps_level),
        credit: super::CREDIT,
        empty: if tps_level {
            lang.pick("Belum ada TPS dengan koordinat di wilayah ini.", "No TPS with coordinates in this region yet.").to_string()
        } else {
            lang.pick("Belum ada batas wilayah atau TPS berkoordinat untuk peta wilayah ini.", "No outlines or located TPS to map this region yet.").to_string()
        },
    };
    Drawn { view, tps, unplaced }
}

/// The map of `req.region` for `user`, each area linking to `link(code)`. Refused (403) when
/// the region lies outside the user's scope.
pub async fn component(state: &AppState, lang: Lang, user: &User, req: MapRequest, link: impl Fn(&str) -> String) -> Result<Markup, AppError> {
    authorize(user, MAP_READ, &req.region)?;
    let grades_visible = req.layer != Layer::Vulnerability || authorize(user, crate::vulnerability::api::SECURITY_READ, &req.region).is_ok();
    let index = crate::regions::index_of(state);
    let atlas = super::atlas_of(state);
    let (children, loose) = areas_of(index, atlas, &req.region);
    let st = state.clone();
    let Drawn { mut view, tps, unplaced } = state
        .db
        .read(move |c| {
            let figures = load(c, &req, &children, loose)?;
            Ok::<_, DbError>(assemble(crate::regions::index_of(&st), lang, &req, &children, figures, grades_visible))
        })
        .await?;
    for a in &mut view.areas {
        a.href = link(&a.code);
    }
    let tps_level = child_width(&view.region) == 17;
    let total_tps = tps.len() + unplaced;
    Ok(html! {
        (draw(atlas, &view))
        @if tps_level && total_tps > 0 {
            ol.peta-daftar #peta-tps {
                @for (p, code) in view.points.iter().zip(&tps) {
                    li data-code=(code) { span class={ "kotak " (p.class.map_or("kn".to_string(), |k| format!("k{k}"))) } {} (p.title) }
                }
            }
            @if unplaced > 0 { p.muted { (tr!("{unplaced} TPS belum punya koordinat dan tidak tampil di peta.", "{unplaced} TPS have no coordinates and are not on the map.").get(lang)) } }
        }
    })
}

/// The map of a region as the daily report prints it, read on the report's database thread:
/// the areas below coloured by `layer` for the whole region (aggregates only, as every agency
/// in scope may read them; no link, no per-TPS vulnerability grade).
pub fn for_report(conn: &mut Conn, index: &RegionIndex, atlas: &Atlas, election: &'static ElectionDef, region: &str, layer: Layer) -> Result<MapView, DbError> {
    let req = MapRequest { region: region.to_string(), layer, election, contest: None };
    let (children, loose) = areas_of(index, atlas, region);
    let figures = load(conn, &req, &children, loose)?;
    Ok(assemble(index, Lang::Id, &req, &children, figures, layer != Layer::Vulnerability).view)
}

#[derive(Deserialize)]
pub struct MapQuery {
    lapis: Option<Layer>,
    pemilu: Option<String>,
    kontes: Option<String>,
}

/// `/peta/{region}?lapis=…&pemilu=…&kontes=…`: the map alone, with the layer and election to
/// choose, the way up, and every area a link to its own map.
pub async fn page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(region): Path<String>, Query(q): Query<MapQuery>) -> Result<Response, PageError> {
    let index = crate::regions::index_of(&state);
    if region != NATIONAL && index.get(&region).is_none() {
        let place = region.clone();
        return Err(PageError::new(AppError::not_found(tr!("wilayah {place} tidak dikenal", "region {place} is unknown")), Some(&user)));
    }
    let e = crate::regions::pages::election_or_default(q.pemilu.as_deref());
    let contest = q.kontes.as_deref().and_then(|k| e.contests.iter().find(|c| c.key == k));
    let layer = q.lapis.unwrap_or_default();
    let query = |l: Layer| {
        let mut s = format!("?lapis={}&pemilu={}", l.key(), e.id);
        if let (Layer::Results, Some(c)) = (l, contest) {
            s.push_str(&format!("&kontes={}", c.key));
        }
        s
    };
    let here = query(layer);
    let map = component(&state, lang, &user.user, MapRequest { region: region.clone(), layer, election: e, contest }, |c| format!("/peta/{c}{here}")).await.or_page(Some(&user))?;
    let name = if region == NATIONAL { "Indonesia".to_string() } else { index.get(&region).map_or_else(|| region.clone(), |r| r.name.clone()) };
    let title = format!("{} {name}", lang.pick("Peta", "Map of"));
    let path = format!("/peta/{region}{here}");
    let up: Vec<(String, String)> = std::iter::once((NATIONAL.to_string(), "Indonesia".to_string()))
        .chain(index.path(&region).into_iter().map(|p| (p.code, p.name)))
        .filter(|(c, _)| *c != region && crate::regions::within(&user.user.unit.region, c))
        .collect();
    let contests = e.contests_at(&region);
    let body = html! {
        @if !up.is_empty() {
            nav.crumbs { @for (c, n) in &up { a href={ "/peta/" (c) (here) } { (n) } " › " } (name) }
        }
        h1 { (title) }
        ul.peta-lapis {
            @for l in Layer::ALL {
                li { a href={ "/peta/" (region) (query(l)) } aria-current=[(l == layer).then_some("page")] data-layer=(l.key()) { (l.name(lang)) } }
            }
        }
        @if layer == Layer::Results && contests.len() > 1 {
            ul.peta-lapis #kontes {
                @for c in &contests {
                    li { a href={ "/peta/" (region) "?lapis=hasil&pemilu=" (e.id) "&kontes=" (c.key) } aria-current=[(contest.map_or(contests[0].key, |x| x.key) == c.key).then_some("page")] { (if lang == Lang::En { c.name_en } else { c.name }) } }
                }
            }
        }
        (crate::regions::pages::election_picker(lang, &format!("/peta/{region}"), e))
        (map)
    };
    Ok(layout(Page::new(lang, &title, Some(&user.user), &path), body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_layer() {
        let l = Lang::Id;
        assert_eq!(classify(l, Layer::Vulnerability, [0, 0], 100, false).0, Some(0));
        assert_eq!(classify(l, Layer::Vulnerability, [30, 5], 100, false).0, Some(4));
        assert_eq!(classify(l, Layer::Vulnerability, [0, 0], 0, false).0, None);
        assert_eq!(classify(l, Layer::Readiness, [100, 0], 100, false).0, Some(0));
        assert_eq!(classify(l, Layer::Readiness, [99, 1], 100, false).0, Some(1), "99 % is not all");
        assert_eq!(classify(l, Layer::Readiness, [0, 50], 100, false).0, Some(4));
        assert_eq!(classify(l, Layer::Reports, [12, 0], 0, false).0, Some(4));
        assert_eq!(classify(l, Layer::Results, [0, 0], 10, false).0, None);
        assert_eq!(classify(l, Layer::Results, [10, 0], 10, false), (Some(0), "10 dari 10 TPS masuk (100%)".to_string()));
        assert_eq!(classify(Lang::En, Layer::Vulnerability, [1, 0], 1, true), (Some(2), "vulnerable".to_string()));
        assert_eq!(classify(l, Layer::Vulnerability, [1, 1], 3000, false).1, "0% TPS rawan atau sangat rawan (2 dari 3.000)");
    }
}
