//! Region API: provinces, one region with its path and counts, its children, name search.

use axum::Json;
use axum::extract::State;
use crate::platform::http::{Path, Query};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::RegionCode;
use super::store::{self, RegionDetail, RegionSummary, SearchHit};
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct RegionQuery {
    /// Case-insensitive name search; without it, the 38 provinces.
    q: Option<String>,
    /// Most hits for a search (1–200, default 50).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum RegionItem {
    Hit(SearchHit),
    Region(RegionSummary),
}

#[derive(Serialize, ToSchema)]
pub struct RegionList {
    items: Vec<RegionItem>,
}

/// Provinces, or regions whose name matches `q`, each with its full path.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(RegionQuery),
    responses((status = 200, body = RegionList), (status = 422, body = ErrorBody)))]
pub async fn list_regions(State(state): State<AppState>, Query(q): Query<RegionQuery>) -> Result<Json<RegionList>, AppError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", crate::tr!("limit {limit} di luar 1–200", "limit {limit} is outside 1–200")));
    }
    let items = match q.q {
        Some(text) if !text.trim().is_empty() => {
            if text.chars().count() > 100 {
                return Err(AppError::invalid("q", crate::tr!("teks pencarian lebih dari 100 karakter", "search text is longer than 100 characters")));
            }
            crate::regions::index_of(&state).search(&text, limit as usize).into_iter().map(RegionItem::Hit).collect()
        }
        _ => state.db.read(|c| store::children(c, None)).await?.into_iter().map(RegionItem::Region).collect(),
    };
    Ok(Json(RegionList { items }))
}

pub fn parse_code(code: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(code).map_err(|m| AppError::invalid("code", m))
}

/// One region: level, parent, time zone, path of ancestors, counts of children and TPS.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "Kemendagri code, e.g. 35.76.02.1008")),
    responses((status = 200, body = RegionDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_region(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<RegionDetail>, AppError> {
    let code = parse_code(&code)?;
    let c = code.as_str().to_string();
    let index = state.module_arc::<crate::regions::index::RegionIndex>();
    state
        .db
        .read(move |conn| store::detail(conn, &index, &c))
        .await?
        .map(Json)
        .ok_or_else(|| {
            let c = code.as_str();
            AppError::not_found(crate::tr!("wilayah {c} tidak ada", "no region {c}"))
        })
}

#[derive(Serialize, ToSchema)]
pub struct Children {
    region: String,
    items: Vec<RegionSummary>,
}

/// The regions directly below a region (none below a village: its TPS are per election).
#[utoipa::path(get, path = "/api/v1/regions/{code}/children", tag = "regions",
    params(("code" = String, Path, description = "Kemendagri code")),
    responses((status = 200, body = Children), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn region_children(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Children>, AppError> {
    let code = parse_code(&code)?.as_str().to_string();
    let c = code.clone();
    let index = state.module_arc::<crate::regions::index::RegionIndex>();
    let items = state
        .db
        .read(move |conn| {
            if index.get(&c).is_none() {
                return Err(AppError::not_found(crate::tr!("wilayah {c} tidak ada", "no region {c}")));
            }
            Ok(store::children(conn, Some(&c))?)
        })
        .await?;
    Ok(Json(Children { region: code, items }))
}
