//! Election and TPS API.

use axum::Json;
use axum::extract::State;
use crate::platform::http::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::{self, TpsRecord};
use super::{ELECTIONS, ElectionDef, ElectionKind, TpsCode, TpsInput};
use crate::agencies::{AgencyKind, Role};
use crate::platform::auth::{Rule, authorize};
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::http::{Write, idempotent_write, page_limit, parse_json};
use crate::regions::{self, NATIONAL, RegionCode};
use crate::platform::state::AppState;

/// The TPS registry is KPU's: its operators (and above) keep it, within their region.
pub const TPS_WRITE: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Kpu], action: ("mengubah daftar TPS", "change the TPS registry") };

pub fn election_or_404(id: &str) -> Result<&'static ElectionDef, AppError> {
    super::election(id).ok_or_else(|| AppError::not_found(crate::tr!("pemilihan \"{id}\" tidak ada", "no election {id:?}")))
}

#[derive(Serialize, ToSchema)]
pub struct ContestView {
    key: &'static str,
    name: &'static str,
    name_en: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ElectionView {
    id: &'static str,
    name: &'static str,
    kind: ElectionKind,
    voting_day: &'static str,
    max_voters_per_tps: i64,
    contests: Vec<ContestView>,
    source: &'static str,
}

fn contest_views(cs: &[&'static super::ContestDef]) -> Vec<ContestView> {
    cs.iter().map(|c| ContestView { key: c.key, name: c.name, name_en: c.name_en }).collect()
}

#[derive(Serialize, ToSchema)]
pub struct ElectionList {
    items: Vec<ElectionView>,
}

#[utoipa::path(get, path = "/api/v1/elections", tag = "elections", responses((status = 200, body = ElectionList)))]
pub async fn list_elections() -> Json<ElectionList> {
    Json(ElectionList {
        items: ELECTIONS
            .iter()
            .map(|e| ElectionView {
                id: e.id,
                name: e.name,
                kind: e.kind,
                voting_day: e.voting_day,
                max_voters_per_tps: e.max_voters_per_tps,
                contests: contest_views(&e.contests.iter().collect::<Vec<_>>()),
                source: e.source,
            })
            .collect(),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct TpsListQuery {
    /// Any region code (province to village), or `ID` for the nation (default).
    region: Option<String>,
    /// How many items (1–1000, default 100).
    limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    after: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TpsList {
    election: String,
    region: String,
    /// TPS in the region, over all pages.
    total: i64,
    items: Vec<TpsRecord>,
    /// Pass as `after` for the next page; null on the last page.
    next: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/elections/{id}/tps", tag = "tps",
    params(("id" = String, Path, description = "Election id, e.g. pilkada-2024"), TpsListQuery),
    responses((status = 200, body = TpsList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_tps(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<TpsListQuery>) -> Result<Json<TpsList>, AppError> {
    let election = election_or_404(&id)?;
    let limit = page_limit(q.limit)?;
    let region = match q.region.as_deref() {
        None | Some(NATIONAL) => NATIONAL.to_string(),
        Some(r) => RegionCode::parse(r).map_err(|m| AppError::invalid("region", m))?.as_str().to_string(),
    };
    let r = region.clone();
    let after = q.after.as_deref().map(|a| crate::platform::text::line("after", a, 64, false)).transpose()?;
    let index = state.module_arc::<crate::regions::index::RegionIndex>();
    let (items, total) = state
        .db
        .read(move |c| {
            if r != NATIONAL && index.get(&r).is_none() {
                return Err(AppError::not_found(crate::tr!("wilayah {r} tidak ada", "no region {r}")));
            }
            let items = store::list_tps(c, election.id, &r, after.as_deref(), limit)?;
            let (total, _) = store::stats(c, election.id, &r)?;
            Ok((items, total))
        })
        .await?;
    let next = if items.len() as i64 == limit { items.last().map(|t| t.code.clone()) } else { None };
    Ok(Json(TpsList { election: election.id.to_string(), region, total, items, next }))
}

#[derive(Serialize, ToSchema)]
pub struct TpsDetail {
    election: &'static str,
    #[serde(flatten)]
    tps: TpsRecord,
    /// The contests this TPS votes in.
    contests: Vec<ContestView>,
    path: Vec<regions::store::PathItem>,
}

#[utoipa::path(get, path = "/api/v1/elections/{id}/tps/{code}", tag = "tps",
    params(("id" = String, Path), ("code" = String, Path, description = "TPS code, e.g. 35.76.02.1008.001")),
    responses((status = 200, body = TpsDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_tps(State(state): State<AppState>, Path((id, code)): Path<(String, String)>) -> Result<Json<TpsDetail>, AppError> {
    let election = election_or_404(&id)?;
    let code = TpsCode::parse(&code).map_err(|m| AppError::invalid("code", m))?;
    let c = code.as_str().to_string();
    let tps = state
        .db
        .read(move |conn| {
            store::get_tps(conn, election.id, &c)?.ok_or_else(|| {
                let e = election.name;
                AppError::not_found(crate::tr!("TPS {c} tidak terdaftar pada {e}", "no TPS {c} in {e}"))
            })
        })
        .await?;
    let path = crate::regions::index_of(&state).path(&tps.village);
    Ok(Json(TpsDetail { election: election.id, contests: contest_views(&election.contests_at(&tps.code)), tps, path }))
}

/// Creates a TPS or updates the one with the same code. KPU operators and above, within
/// their region. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/elections/{id}/tps", tag = "tps",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body = TpsInput,
    responses((status = 201, description = "Created", body = TpsRecord), (status = 200, description = "Updated", body = TpsRecord),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_tps(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Response, AppError> {
    let election = election_or_404(&id)?;
    let input: TpsInput = parse_json(&w.body)?;
    let tps = input.parse(election).map_err(|(f, m)| AppError::invalid(f, m))?;
    let permit = authorize(&w.user.user, TPS_WRITE, tps.code.as_str())?;
    idempotent_write(&state.db, w.request, move |c| {
        let (record, created) = store::upsert_tps(c, &permit, election, tps)?;
        let status = if created { StatusCode::CREATED } else { StatusCode::OK };
        Ok((status, record))
    })
    .await
}
