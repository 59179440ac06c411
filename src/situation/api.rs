//! `GET /api/v1/situation`: the situation of a region as data (the page draws the same).

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::picture::{self, Situation};
use crate::platform::auth::CurrentUser;
use crate::elections::ElectionDef;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::i18n::Lang;
use crate::platform::state::AppState;
use crate::regions::{NATIONAL, RegionCode};

#[derive(Deserialize, IntoParams)]
pub struct SituationQuery {
    /// A region code (`35.76`), or `ID` for the nation; the viewer's own region by default.
    region: Option<String>,
    /// The election (`pilkada-2024`, `pemilu-2024`); the one held in the region by default.
    election: Option<String>,
}

/// The region a viewer asked for, checked: a known code within the viewer's scope.
pub fn region_for(state: &AppState, user: &CurrentUser, asked: Option<&str>) -> Result<String, AppError> {
    let own = user.user.unit.region.clone();
    let region = match asked.map(str::trim).filter(|r| !r.is_empty()) {
        None => own.clone(),
        Some(NATIONAL) => NATIONAL.to_string(),
        Some(r) => {
            let code = RegionCode::parse(r).map_err(|m| AppError::invalid("region", m))?;
            if crate::regions::index_of(state).get(code.as_str()).is_none() {
                return Err(AppError::not_found(crate::tr!("tidak ada wilayah dengan kode {r}", "no region has the code {r}")));
            }
            code.as_str().to_string()
        }
    };
    if !crate::regions::within(&own, &region) {
        let names = crate::regions::index_of(state);
        let (asked, yours) = (picture::place(names, &region).name, picture::place(names, &own).name);
        return Err(AppError::forbidden(crate::tr!(
            "situasi {asked} di luar wilayah Anda ({yours})",
            "the situation of {asked} is outside your area ({yours})"
        )));
    }
    Ok(region)
}

/// The election asked for, else the one held in the region (Pilkada where it is held).
pub fn election_for(asked: Option<&str>, region: &str) -> Result<&'static ElectionDef, AppError> {
    match asked.map(str::trim).filter(|e| !e.is_empty()) {
        Some(id) => crate::elections::api::election_or_404(id),
        None => {
            let default = crate::regions::pages::election_or_default(None);
            let held = |e: &ElectionDef| region == NATIONAL || e.contests.iter().any(|k| k.coverage.holds_at(region));
            Ok(if held(default) { default } else { crate::elections::ELECTIONS.iter().find(|e| held(e)).unwrap_or(default) })
        }
    }
}

/// Gathers the situation of `region` for the viewer, with the areas directly below.
pub async fn situation_of(state: &AppState, lang: Lang, user: &CurrentUser, e: &'static ElectionDef, region: String) -> Result<Situation, AppError> {
    let viewer = user.user.clone();
    let st = state.clone();
    let now = crate::platform::clock::now();
    state
        .db
        .read(move |c| {
            let names = crate::regions::index_of(&st);
            Ok::<_, AppError>(picture::gather(c, names, st.module(), lang, Some(&viewer), e, &region, now)?)
        })
        .await
}

/// One region's whole situation as of now: stage, logistics, security, violations, results,
/// coordination, budget and the viewer's alerts, with the same figures per area below. Counts
/// only: every agency in scope may read it, the Pemda included; case files stay in their module.
#[utoipa::path(get, path = "/api/v1/situation", tag = "situasi", params(SituationQuery),
    responses((status = 200, body = Situation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn situation(State(state): State<AppState>, lang: Lang, user: CurrentUser, Query(q): Query<SituationQuery>) -> Result<Json<Situation>, AppError> {
    let region = region_for(&state, &user, q.region.as_deref())?;
    let e = election_for(q.election.as_deref(), &region)?;
    Ok(Json(situation_of(&state, lang, &user, e, region).await?))
}
