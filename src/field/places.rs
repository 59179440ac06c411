//! Places by name for the place picker (`assets/picker.js`): the places of one level within a
//! region or TPS (the cascading lists), a name search over regions and TPS, one place by its
//! code, and the TPS nearest to a phone's position. Names and paths come from the in-memory
//! region index; TPS from the elections' TPS table.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::elections::{self, ElectionDef};
use crate::platform::db::Backend;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::http::Query;
use crate::platform::state::AppState;
use crate::regions::index::RegionIndex;
use crate::regions::{self, NATIONAL, within};
use crate::tr;

/// The picker's levels, from the top.
const LEVELS: [&str; 5] = ["province", "regency", "district", "village", "tps"];

fn depth(level: &str) -> usize {
    LEVELS.iter().position(|l| *l == level).map_or(0, |i| i + 1)
}

fn code_depth(code: &str) -> usize {
    if code == NATIONAL { 0 } else { code.split('.').count() }
}

/// `code`'s ancestor with `depth` parts (`35.76.02.1008.001`, 3 → `35.76.02`).
fn ancestor(code: &str, depth: usize) -> String {
    code.split('.').take(depth).collect::<Vec<_>>().join(".")
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Place {
    /// Kemendagri code, or a TPS code (village code and a three-digit number).
    pub code: String,
    /// The name people use: `Balongsari`, `TPS 001`.
    pub name: String,
    /// province, regency, district, village or tps.
    pub level: String,
    /// The full path by name: `Jawa Timur › Kota Mojokerto › Magersari › Balongsari › TPS 001`.
    pub path: String,
    /// Metres from the given position (nearest TPS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct PlaceList {
    pub items: Vec<Place>,
}

fn region_place(index: &RegionIndex, code: &str) -> Option<Place> {
    let r = index.get(code)?;
    let path = index.path(code).into_iter().map(|p| p.name).collect::<Vec<_>>().join(" › ");
    Some(Place { code: r.code.clone(), name: r.name.clone(), level: r.level.as_str().to_string(), path, distance_m: None })
}

fn tps_place(index: &RegionIndex, code: &str) -> Place {
    let number = code.rsplit('.').next().and_then(|n| n.parse::<u16>().ok()).unwrap_or(0);
    let name = format!("TPS {number:03}");
    let village = ancestor(code, 4);
    let mut path: Vec<String> = index.path(&village).into_iter().map(|p| p.name).collect();
    path.push(name.clone());
    Place { code: code.to_string(), name, level: "tps".into(), path: path.join(" › "), distance_m: None }
}

#[derive(Deserialize, IntoParams)]
pub struct PlacesQuery {
    /// Region or TPS code the places lie within (the user's scope); `ID` (default) for the nation.
    within: Option<String>,
    /// Text to find in names (2–100 characters); `tps 3 balongsari` finds that TPS.
    q: Option<String>,
    /// Levels, comma-separated: province, regency, district, village, tps. A list without `q`
    /// gives the places of the first level.
    level: Option<String>,
    /// One place by its code (a region or a TPS).
    code: Option<String>,
    /// The election whose TPS are meant (default pilkada-2024).
    election: Option<String>,
    /// Most places answered (1–1000, default 100).
    limit: Option<usize>,
}

fn election_of(id: Option<&str>) -> Result<&'static ElectionDef, AppError> {
    let id = id.unwrap_or("pilkada-2024");
    elections::election(id).ok_or_else(|| AppError::invalid("election", tr!("pemilihan {id} tidak dikenal", "unknown election {id}")))
}

fn scope_of(index: &RegionIndex, within: Option<&str>) -> Result<String, AppError> {
    let w = within.map(str::trim).filter(|w| !w.is_empty()).unwrap_or(NATIONAL);
    let known = w == NATIONAL || index.get(w).is_some() || (w.split('.').count() == 5 && index.get(&ancestor(w, 4)).is_some());
    if !known {
        return Err(AppError::invalid("within", tr!("wilayah {w} tidak dikenal", "unknown region {w}")));
    }
    Ok(w.to_string())
}

/// A search text's TPS part: `tps 3 balongsari` → (3, "balongsari"); `TPS 001` → (1, "").
fn tps_query(q: &str) -> Option<(u16, String)> {
    let lower = q.trim().to_lowercase();
    let rest = lower.strip_prefix("tps").map(str::trim_start);
    let had_prefix = rest.is_some();
    let rest = rest.unwrap_or(&lower);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    let after = rest[digits.len()..].trim().to_string();
    // A bare number is a TPS only when asked as one ("tps 3") or with a village ("3 balongsari").
    if !had_prefix && after.is_empty() {
        return None;
    }
    Some((digits.parse().ok()?, after))
}

/// Places for the picker: one place by `code`; names matching `q` (regions of the asked levels
/// within `within`, and TPS when `tps` is asked and the text names a TPS number); else every
/// place of the first asked level within `within`.
#[utoipa::path(get, path = "/api/v1/places", tag = "regions", params(PlacesQuery),
    responses((status = 200, body = PlaceList), (status = 422, body = ErrorBody)))]
pub async fn places(State(state): State<AppState>, Query(q): Query<PlacesQuery>) -> Result<Json<PlaceList>, AppError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", tr!("limit {limit} di luar 1–1000", "limit {limit} is outside 1–1000")));
    }
    let election = election_of(q.election.as_deref())?;
    let levels: Vec<String> = match q.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => LEVELS.iter().map(|l| l.to_string()).collect(),
        Some(list) => {
            let levels: Vec<String> = list.split(',').map(|l| l.trim().to_string()).collect();
            if let Some(bad) = levels.iter().find(|l| depth(l) == 0) {
                return Err(AppError::invalid(
                    "level",
                    tr!("tingkat \"{bad}\" tidak dikenal; pilih province, regency, district, village atau tps", "unknown level {bad:?}: one of province, regency, district, village, tps"),
                ));
            }
            levels
        }
    };
    let index = regions::index_of(&state);

    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let items = if code.split('.').count() == 5 {
            let (c, e) = (code.to_string(), election.id);
            let found = state.db.read(move |conn| elections::store::get_tps(conn, e, &c)).await?;
            found.map(|t| tps_place(index, &t.code)).into_iter().collect()
        } else {
            region_place(index, code).into_iter().collect()
        };
        return Ok(Json(PlaceList { items }));
    }
    let scope = scope_of(index, q.within.as_deref())?;

    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let chars = text.chars().count();
        if !(2..=100).contains(&chars) {
            return Err(AppError::invalid("q", tr!("teks pencarian harus 2 sampai 100 karakter", "the search text must be 2 to 100 characters")));
        }
        let mut items = Vec::new();
        if levels.iter().any(|l| l == "tps")
            && let Some((number, village_text)) = tps_query(text)
        {
            let villages: Vec<String> = if village_text.is_empty() {
                (code_depth(&scope) == 4).then(|| scope.clone()).into_iter().collect()
            } else {
                index
                    .search(&village_text, 200)
                    .into_iter()
                    .filter(|h| h.region.level == regions::Level::Village && within(&scope, &h.region.code))
                    .map(|h| h.region.code)
                    .take(20)
                    .collect()
            };
            let codes: Vec<String> = villages.iter().map(|v| format!("{v}.{number:03}")).filter(|c| within(&scope, c)).collect();
            let e = election.id;
            let found = state
                .db
                .read(move |conn| {
                    let mut out = Vec::new();
                    for c in codes {
                        if elections::store::get_tps(conn, e, &c)?.is_some() {
                            out.push(c);
                        }
                    }
                    Ok::<_, AppError>(out)
                })
                .await?;
            items.extend(found.iter().map(|c| tps_place(index, c)));
        }
        for hit in index.search(text, 2000) {
            if items.len() >= limit {
                break;
            }
            if within(&scope, &hit.region.code) && levels.iter().any(|l| l == hit.region.level.as_str()) {
                items.push(Place { code: hit.region.code, name: hit.region.name, level: hit.region.level.as_str().to_string(), path: hit.path_text, distance_m: None });
            }
        }
        items.truncate(limit);
        return Ok(Json(PlaceList { items }));
    }

    // The places of one level within the scope: the scope's own ancestor when the scope lies
    // below that level (a KPPS asking for districts gets its own district).
    let level = levels.first().map_or("province", String::as_str);
    let want = depth(level);
    let items = if code_depth(&scope) >= want {
        let own = ancestor(&scope, want);
        if want == 5 {
            let (c, e) = (own.clone(), election.id);
            let found = state.db.read(move |conn| elections::store::get_tps(conn, e, &c)).await?;
            found.map(|t| tps_place(index, &t.code)).into_iter().collect()
        } else {
            region_place(index, &own).into_iter().collect()
        }
    } else if want == 5 {
        let (s, e) = (scope.clone(), election.id);
        let limit = limit as i64;
        let tps = state.db.read(move |conn| elections::store::list_tps(conn, e, &s, None, limit)).await?;
        tps.iter().map(|t| tps_place(index, &t.code)).collect()
    } else {
        let mut codes = vec![scope.clone()];
        for _ in code_depth(&scope)..want {
            codes = codes.iter().flat_map(|c| index.children_codes(c)).collect();
            if codes.len() > 20_000 {
                return Err(AppError::invalid("within", tr!("terlalu banyak tempat; pilih wilayah yang lebih kecil", "too many places; choose a smaller region")));
            }
        }
        codes.iter().take(limit).filter_map(|c| region_place(index, c)).collect()
    };
    Ok(Json(PlaceList { items }))
}

#[derive(Deserialize, IntoParams)]
pub struct NearestQuery {
    /// The election whose TPS are meant (default pilkada-2024).
    election: Option<String>,
    /// Latitude in degrees (−90 to 90).
    lat: f64,
    /// Longitude in degrees (−180 to 180).
    lon: f64,
    /// Only TPS within this region or TPS (the user's scope); default the nation.
    within: Option<String>,
}

/// Great-circle distance in metres.
fn metres(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6_371_000.0 * 2.0 * a.sqrt().asin()
}

/// The five TPS with coordinates nearest to a position ("TPS terdekat"), nearest first, within
/// about 20 km.
#[utoipa::path(get, path = "/api/v1/places/nearest", tag = "regions", params(NearestQuery),
    responses((status = 200, body = PlaceList), (status = 422, body = ErrorBody)))]
pub async fn nearest(State(state): State<AppState>, Query(q): Query<NearestQuery>) -> Result<Json<PlaceList>, AppError> {
    if !(-90.0..=90.0).contains(&q.lat) {
        return Err(AppError::invalid("lat", tr!("lintang harus antara -90 dan 90", "latitude must lie between -90 and 90")));
    }
    if !(-180.0..=180.0).contains(&q.lon) {
        return Err(AppError::invalid("lon", tr!("bujur harus antara -180 dan 180", "longitude must lie between -180 and 180")));
    }
    let election = election_of(q.election.as_deref())?;
    let index = regions::index_of(&state);
    let scope = scope_of(index, q.within.as_deref())?;
    let (lat, lon, e) = (q.lat, q.lon, election.id);
    // A box of ±0.2° (about 22 km) first; the exact distance sorts what it holds. The box is
    // asked of the index `tps_near` (migration 0012) by its cells of 0.1°, written exactly as
    // the index writes them: the box's five latitude cells, and within each a range of
    // longitude cells. Each engine computes the cells of the box as it computed those of the
    // rows (SQLite truncates, PostgreSQL rounds), so the two always agree. The bounds are cast
    // to DOUBLE PRECISION where they are multiplied, or PostgreSQL would take them for integers.
    let cell = |v: &str, offset: u32| format!("CAST({v} * 10 + {offset} AS INTEGER)");
    let lat_lo = cell("CAST($2 AS DOUBLE PRECISION)", 1000);
    // SQLite, without statistics, prefers the primary key's `election_id = ?` (every TPS of
    // the election) to this index: it is named there. PostgreSQL plans from its statistics.
    let sql = move |backend: Backend| format!(
        "SELECT code, lat, lon FROM tps {hint} WHERE election_id = $1 AND {lat_cell} IN ({lat_lo}, {lat_lo} + 1, {lat_lo} + 2, {lat_lo} + 3, {lat_lo} + 4) \
         AND {lon_cell} BETWEEN {lon_lo} AND {lon_hi} AND lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5",
        lat_cell = cell("lat", 1000),
        lon_cell = cell("lon", 2000),
        lon_lo = cell("CAST($4 AS DOUBLE PRECISION)", 2000),
        lon_hi = cell("CAST($5 AS DOUBLE PRECISION)", 2000),
        hint = if backend == Backend::Sqlite { "INDEXED BY tps_near" } else { "" },
    );
    let found = state
        .db
        .read(move |conn| {
            let rows = conn.query(
                &sql(conn.backend()),
                crate::params![e, lat - 0.2, lat + 0.2, lon - 0.2, lon + 0.2],
            )?;
            rows.iter().map(|r| Ok::<_, AppError>((r.get::<String>(0)?, r.get::<f64>(1)?, r.get::<f64>(2)?))).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let mut near: Vec<(f64, String)> = found.into_iter().filter(|(c, _, _)| within(&scope, c)).map(|(c, la, lo)| (metres(lat, lon, la, lo), c)).collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    let items = near
        .into_iter()
        .take(5)
        .map(|(d, c)| Place { distance_m: Some(d.round()), ..tps_place(index, &c) })
        .collect();
    Ok(Json(PlaceList { items }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_names_a_tps_by_number_and_village() {
        assert_eq!(tps_query("tps 3 balongsari"), Some((3, "balongsari".into())));
        assert_eq!(tps_query("TPS 001"), Some((1, String::new())));
        assert_eq!(tps_query("12 kauman"), Some((12, "kauman".into())));
        assert_eq!(tps_query("balongsari"), None);
        assert_eq!(tps_query("2024"), None);
        assert_eq!(tps_query("35"), None, "a bare number is not a TPS");
    }

    #[test]
    fn distances_are_in_metres() {
        // One degree of latitude is about 111 km.
        let d = metres(-7.47, 112.43, -6.47, 112.43);
        assert!((110_000.0..112_500.0).contains(&d), "{d}");
        assert_eq!(metres(1.0, 1.0, 1.0, 1.0), 0.0);
    }
}
