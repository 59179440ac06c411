//! Logistics API: the catalogue, requirements, warehouse receipts, shipments and their
//! handovers, readiness.

use crate::tr;
use axum::Json;
use axum::extract::State;
use crate::platform::http::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::shipments::{self, PlanInput, ReceiveInput, Shipment, SignAs};
use super::store::{self, Readiness};
use super::{ItemRule, days_before};
use crate::agencies::{AgencyKind, Role};
use crate::elections::api::election_or_404;
use crate::elections::{ElectionDef, TpsCode};
use crate::platform::auth::{CurrentUser, Rule, authorize};
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::http::{Write, idempotent_write, page_limit, parse_json};
use crate::regions::{Level, NATIONAL, RegionCode};
use crate::platform::state::AppState;

const KPU_LOGISTICS: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Kpu], action: ("mengelola logistik", "manage logistics") };
const CATALOGUE: Rule = Rule { min_role: Role::Admin, agencies: &[AgencyKind::Kpu], action: ("mengubah katalog logistik", "edit the logistics catalogue") };

/// A region or TPS code of the query string, or the nation.
fn region_param(state: &AppState, region: Option<&str>) -> Result<String, AppError> {
    match region {
        None | Some(NATIONAL) => Ok(NATIONAL.to_string()),
        Some(r) if TpsCode::parse(r).is_ok() => Ok(r.to_string()),
        Some(r) => {
            let code = RegionCode::parse(r).map_err(|m| AppError::invalid("region", m))?;
            crate::regions::index_of(state).get(code.as_str()).ok_or_else(|| AppError::not_found(tr!("wilayah {r} tidak ada", "no region {r}")))?;
            Ok(code.as_str().to_string())
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemList {
    items: Vec<ItemRule>,
}

/// The item catalogue of an election, with each rule's basis, quantity and legal source.
#[utoipa::path(get, path = "/api/v1/elections/{id}/logistics/items", tag = "logistik", params(("id" = String, Path)),
    responses((status = 200, body = ItemList), (status = 404, body = ErrorBody)))]
pub async fn list_items(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ItemList>, AppError> {
    let e = election_or_404(&id)?;
    Ok(Json(ItemList { items: state.db.read(move |c| store::rules(c, e.id)).await? }))
}

#[derive(Deserialize, ToSchema)]
pub struct ItemUpdate {
    name: Option<crate::platform::text::Name>,
    qty: Option<i64>,
    reserve_bp: Option<i64>,
    source: Option<String>,
}

/// Edits one rule of the catalogue (national KPU administrators).
#[utoipa::path(put, path = "/api/v1/elections/{id}/logistics/items/{key}", tag = "logistik",
    params(("id" = String, Path), ("key" = String, Path)), request_body = ItemUpdate,
    responses((status = 200, body = ItemRule), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_item(
    State(state): State<AppState>,
    Path((id, key)): Path<(String, String)>,
    w: Write,
) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let upd: ItemUpdate = parse_json(&w.body)?;
    if upd.qty.is_some_and(|q| !(0..=super::MAX_RULE_QTY).contains(&q)) {
        let max = super::MAX_RULE_QTY;
        return Err(AppError::invalid("qty", crate::tr!("jumlah per TPS harus 0 sampai {max}", "quantity must be 0 to {max}")));
    }
    if upd.reserve_bp.is_some_and(|b| !(0..=5_000).contains(&b)) {
        return Err(AppError::invalid("reserve_bp", tr!("cadangan harus 0 sampai 5000 basis poin (0–50 %)", "reserve must be 0 to 5000 basis points (0–50 %)")));
    }
    let permit = authorize(&w.user.user, CATALOGUE, NATIONAL)?;
    idempotent_write(&state.db, w.request, move |c| {
        let rules = store::rules(c, e.id)?;
        let mut rule = rules.into_iter().find(|r| r.key == key).ok_or_else(|| AppError::not_found(tr!("barang {key} tidak ada dalam katalog logistik", "no item {key}")))?;
        let before = rule.clone();
        if let Some(n) = upd.name.filter(|n| !n.trim().is_empty()) {
            rule.name = n.trim().to_string();
        }
        rule.qty = upd.qty.unwrap_or(rule.qty);
        rule.reserve_bp = upd.reserve_bp.unwrap_or(rule.reserve_bp);
        if let Some(s) = upd.source.filter(|s| !s.trim().is_empty()) {
            rule.source = s.trim().to_string();
        }
        c.execute(
            "UPDATE logistics_items SET name = $1, qty = $2, reserve_bp = $3, source = $4 WHERE election_id = $5 AND key = $6",
            crate::params![rule.name.as_str(), rule.qty, rule.reserve_bp, rule.source.as_str(), e.id, rule.key.as_str()],
        )?;
        crate::platform::audit::record(
            c,
            &permit,
            crate::platform::audit::Change {
                action: "logistics.item.update",
                entity_type: "logistics_item",
                entity_id: &format!("{}/{}", e.id, rule.key),
                region: None,
                detail: serde_json::json!({"before": before, "after": &rule}),
            },
        )?;
        Ok((StatusCode::OK, rule))
    })
    .await
}

#[derive(Deserialize, IntoParams)]
pub struct RegionQuery {
    /// A region code, a TPS code, or `ID` for the nation (default).
    region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemQtyView {
    item: String,
    qty: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Requirements {
    region: String,
    tps_count: i64,
    items: Vec<ItemQtyView>,
}

/// What the TPS of a region (or one TPS) need, summed per item.
#[utoipa::path(get, path = "/api/v1/elections/{id}/logistics/requirements", tag = "logistik", params(("id" = String, Path), RegionQuery),
    responses((status = 200, body = Requirements), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn requirements(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<RegionQuery>) -> Result<Json<Requirements>, AppError> {
    let e = election_or_404(&id)?;
    let region = region_param(&state, q.region.as_deref())?;
    let r = region.clone();
    let (tps_count, items) = state.db.read(move |c| store::requirements(c, e, &r)).await?;
    Ok(Json(Requirements { region, tps_count, items: items.into_iter().map(|(item, qty)| ItemQtyView { item, qty }).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct StockLine {
    item: String,
    good: i64,
    damaged: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Stock {
    location: String,
    items: Vec<StockLine>,
}

/// Stock held at one location (a regency warehouse, PPK, PPS or TPS).
#[utoipa::path(get, path = "/api/v1/elections/{id}/logistics/stock", tag = "logistik", params(("id" = String, Path), RegionQuery),
    responses((status = 200, body = Stock), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stock(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<RegionQuery>) -> Result<Json<Stock>, AppError> {
    let e = election_or_404(&id)?;
    let location = region_param(&state, q.region.as_deref())?;
    let l = location.clone();
    let lines = state.db.read(move |c| store::stock_at(c, e.id, &l)).await?;
    Ok(Json(Stock { location, items: lines.into_iter().map(|(item, (good, damaged))| StockLine { item, good, damaged }).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct ReceiptInput {
    /// The regency (KPU kab/kota) whose warehouse received the goods, or a TPS whose KPPS
    /// counted goods that arrived without a recorded shipment.
    region: String,
    item: String,
    /// Received, damaged ones included.
    qty: i64,
    #[serde(default)]
    damaged: i64,
}

/// Records goods arriving at a regency warehouse (from the printer, or damaged in sorting), or
/// at a TPS without a recorded shipment (what the KPPS counted at H-1, feeding readiness).
#[utoipa::path(post, path = "/api/v1/elections/{id}/logistics/receipts", tag = "logistik", params(("id" = String, Path)),
    request_body = ReceiptInput,
    responses((status = 201, body = StockLine), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn receipt(State(state): State<AppState>, Path(id): Path<String>, w: Write) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let input: ReceiptInput = parse_json(&w.body)?;
    // At a TPS: goods the KPPS counted on arrival that no recorded shipment carried (the H-1
    // readiness form); the TPS must be registered for the election.
    let tps = TpsCode::parse(input.region.trim()).ok();
    let code = RegionCode::parse(tps.as_ref().map_or(input.region.as_str(), |t| t.village())).map_err(|m| AppError::invalid("region", m))?;
    let at_tps = tps.map(|t| t.as_str().to_string());
    if at_tps.is_none() && (code.level() != Level::Regency || crate::regions::index_of(&state).get(code.as_str()).is_none()) {
        let r = &input.region;
        return Err(AppError::invalid(
            "region",
            tr!(
                "{r} bukan kabupaten/kota: barang diterima di gudang KPU kabupaten/kota",
                "{r} is not a regency or city: goods arrive at the KPU kab/kota warehouse"
            ),
        ));
    }
    super::quantity("qty", input.qty, 1)?;
    if input.damaged < 0 || input.damaged > input.qty {
        let qty = input.qty;
        return Err(AppError::invalid("damaged", tr!("jumlah rusak harus 0 sampai {qty}", "damaged must be 0 to {qty}")));
    }
    let location = at_tps.clone().unwrap_or_else(|| code.as_str().to_string());
    let permit = authorize(&w.user.user, KPU_LOGISTICS, &location)?;
    idempotent_write(&state.db, w.request, move |c| {
        if let Some(tps) = &at_tps
            && crate::elections::store::get_tps(c, e.id, tps)?.is_none()
        {
            let name = e.name;
            return Err(AppError::invalid("region", tr!("TPS {tps} tidak terdaftar pada {name}", "no TPS {tps} in {name}")));
        }
        let (good, damaged) = store::record_receipt(c, &permit, e.id, &location, &input.item, input.qty, input.damaged)?;
        Ok((StatusCode::CREATED, StockLine { item: input.item, good, damaged }))
    })
    .await
}

/// Checks that `to` lies directly below `from` (a child region) or is a TPS within it;
/// returns the destination's level (None for a TPS).
fn route(state: &AppState, from: &str, to: &str) -> Result<Option<Level>, AppError> {
    let f = RegionCode::parse(from).map_err(|m| AppError::invalid("from", m))?;
    if crate::regions::index_of(state).get(f.as_str()).is_none() {
        return Err(AppError::invalid("from", tr!("wilayah {from} tidak ada", "region {from} does not exist")));
    }
    if !matches!(f.level(), Level::Regency | Level::District | Level::Village) {
        return Err(AppError::invalid(
            "from",
            tr!(
                "barang berangkat dari gudang kabupaten/kota, PPK (kecamatan) atau PPS (desa/kelurahan)",
                "goods leave a regency warehouse, a PPK (district) or a PPS (village)"
            ),
        ));
    }
    let from_name = crate::regions::index_of(state).place(from);
    if TpsCode::parse(to).is_ok() {
        if !crate::regions::within(from, to) {
            let to_name = crate::regions::index_of(state).place(to);
            return Err(AppError::invalid("to", tr!("{to_name} tidak berada di {from_name}", "TPS {to_name} is not within {from_name}")));
        }
        return Ok(None);
    }
    let t = RegionCode::parse(to).map_err(|m| AppError::invalid("to", m))?;
    match crate::regions::index_of(&state).get(t.as_str()) {
        Some(r) if r.parent.as_deref() == Some(from) => Ok(Some(r.level)),
        Some(_) => {
            let to_name = crate::regions::index_of(state).place(to);
            Err(AppError::invalid("to", tr!("{to_name} bukan wilayah langsung di bawah {from_name}", "{to_name} is not directly below {from_name}")))
        }
        None => Err(AppError::invalid("to", tr!("wilayah {to} tidak ada", "region {to} does not exist"))),
    }
}

/// End of the arrival day (H-n) in the destination's local time, as UTC RFC 3339.
pub fn due_at(election: &ElectionDef, to: &str, level: Option<Level>) -> Result<String, AppError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(election.voting_day, &fmt).map_err(|e| AppError::Internal(e.to_string()))?;
    let day = day - time::Duration::days(days_before(level));
    let tz = crate::regions::time_zone(to).unwrap_or(crate::regions::TimeZone::Wib);
    let end = day.with_hms(23, 59, 59).map_err(|e| AppError::Internal(e.to_string()))?.assume_offset(tz.offset());
    Ok(crate::platform::clock::rfc3339(end))
}

/// Plans a shipment from a region to a child region or a TPS beneath it (KPU, scope over `from`).
#[utoipa::path(post, path = "/api/v1/elections/{id}/logistics/shipments", tag = "logistik", params(("id" = String, Path)),
    request_body = PlanInput,
    responses((status = 201, body = Shipment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn plan_shipment(State(state): State<AppState>, Path(id): Path<String>, w: Write) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let input: PlanInput = parse_json(&w.body)?;
    let level = route(&state, &input.from, &input.to)?;
    let permit = authorize(&w.user.user, KPU_LOGISTICS, &input.from)?;
    let due = due_at(e, &input.to, level)?;
    idempotent_write(&state.db, w.request, move |c| {
        if level.is_none() && crate::elections::store::get_tps(c, e.id, &input.to)?.is_none() {
            let (to, name) = (&input.to, e.name);
            return Err(AppError::invalid("to", tr!("TPS {to} tidak terdaftar pada {name}", "no TPS {to} in {name}")));
        }
        let s = shipments::plan(c, &permit, e, &input, &due, &crate::platform::clock::now_rfc3339())?;
        Ok((StatusCode::CREATED, s))
    })
    .await
}

#[derive(Deserialize, IntoParams)]
pub struct ShipmentQuery {
    /// Shipments from or to anywhere within this region (default: the region of your unit).
    region: Option<String>,
    /// direncanakan, dikirim or diterima.
    status: Option<String>,
    /// Cursor: the `next` of the previous page.
    before: Option<i64>,
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ShipmentList {
    items: Vec<Shipment>,
    next: Option<i64>,
}

/// Shipments from or to a region (login, within scope: see `shipments::READ`).
#[utoipa::path(get, path = "/api/v1/elections/{id}/logistics/shipments", tag = "logistik", params(("id" = String, Path), ShipmentQuery),
    responses((status = 200, body = ShipmentList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_shipments(State(state): State<AppState>, user: CurrentUser, Path(id): Path<String>, Query(q): Query<ShipmentQuery>) -> Result<Json<ShipmentList>, AppError> {
    let e = election_or_404(&id)?;
    let region = region_param(&state, Some(q.region.as_deref().unwrap_or(&user.user.unit.region)))?;
    authorize(&user.user, shipments::READ, &region)?;
    if let Some(s) = q.status.as_deref()
        && ![shipments::PLANNED, shipments::DISPATCHED, shipments::RECEIVED].contains(&s) {
            return Err(AppError::invalid(
                "status",
                tr!("status harus salah satu dari direncanakan, dikirim, diterima", "status is one of direncanakan, dikirim, diterima"),
            ));
        }
    let limit = page_limit(q.limit)?;
    let items = state.db.read(move |c| shipments::list(c, e.id, &region, q.status.as_deref(), q.before, limit)).await?;
    let next = if items.len() as i64 == limit { items.last().map(|s| s.id) } else { None };
    Ok(Json(ShipmentList { items, next }))
}

/// One shipment (login, within scope of its origin or destination).
#[utoipa::path(get, path = "/api/v1/elections/{id}/logistics/shipments/{sid}", tag = "logistik",
    params(("id" = String, Path), ("sid" = i64, Path)),
    responses((status = 200, body = Shipment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_shipment(State(state): State<AppState>, user: CurrentUser, Path((id, sid)): Path<(String, i64)>) -> Result<Json<Shipment>, AppError> {
    let e = election_or_404(&id)?;
    let s = shipment_or_404(&state, e, sid).await?;
    shipments::may_read(&user.user, &s)?;
    Ok(Json(s))
}

async fn shipment_or_404(state: &AppState, e: &'static ElectionDef, sid: i64) -> Result<Shipment, AppError> {
    state.db.read(move |c| shipments::get(c, e.id, sid)).await?.ok_or_else(|| AppError::not_found(tr!("pengiriman {sid} tidak ada", "no shipment {sid}")))
}

/// Marks a planned shipment as on its way (KPU, scope over `from`).
#[utoipa::path(post, path = "/api/v1/elections/{id}/logistics/shipments/{sid}/dispatch", tag = "logistik",
    params(("id" = String, Path), ("sid" = i64, Path)),
    responses((status = 200, body = Shipment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn dispatch(State(state): State<AppState>, Path((id, sid)): Path<(String, i64)>, w: Write) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let s = shipment_or_404(&state, e, sid).await?;
    let permit = authorize(&w.user.user, KPU_LOGISTICS, &s.from)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::OK, shipments::dispatch(c, &permit, e.id, sid, &crate::platform::clock::now_rfc3339())?))).await
}

/// Records what arrived (KPU, scope over `to`); discrepancies raise an alert.
#[utoipa::path(post, path = "/api/v1/elections/{id}/logistics/shipments/{sid}/receive", tag = "logistik",
    params(("id" = String, Path), ("sid" = i64, Path)), request_body = ReceiveInput,
    responses((status = 200, body = Shipment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn receive(
    State(state): State<AppState>,
    Path((id, sid)): Path<(String, i64)>,
    w: Write<{ crate::platform::http::MAX_BODY_WITH_PHOTO }>,
) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let input: ReceiveInput = parse_json(&w.body)?;
    let photo = goods_photo(input.photo.as_deref())?;
    let s = shipment_or_404(&state, e, sid).await?;
    let permit = authorize(&w.user.user, KPU_LOGISTICS, &s.to)?;
    let sha = photo.as_ref().map(|p| crate::platform::blob::key_of(p));
    let db = state.db.clone();
    // The photo is kept only if the receipt is accepted (see `BlobStore::keep_for`).
    state
        .blobs
        .keep_for(photo.into_iter().map(bytes::Bytes::from).collect(), async move {
            idempotent_write(&db, w.request, move |c| {
                let received = shipments::receive(c, &permit, e.id, sid, &input, sha.as_deref(), &crate::platform::clock::now_rfc3339())?;
                Ok((StatusCode::OK, received))
            })
            .await
        })
        .await
}

/// The receipt's photo of the goods: base64 JPEG or PNG, at most 5 MB.
fn goods_photo(b64: Option<&str>) -> Result<Option<Vec<u8>>, AppError> {
    use base64::Engine;
    let Some(b64) = b64.map(str::trim).filter(|p| !p.is_empty()) else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| AppError::invalid("photo", tr!("foto barang tidak dalam base64", "the photo of the goods is not base64")))?;
    if bytes.len() > 5 * 1024 * 1024 {
        return Err(AppError::invalid("photo", tr!("foto barang melebihi batas 5 MB; kecilkan fotonya", "the photo of the goods is over the 5 MB limit; make it smaller")));
    }
    if !matches!(crate::platform::blob::content_type(&bytes), Some("image/jpeg" | "image/png")) {
        return Err(AppError::invalid("photo", tr!("foto barang bukan gambar JPEG atau PNG", "the photo of the goods is not a JPEG or PNG image")));
    }
    Ok(Some(bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct SignInput {
    #[serde(rename = "as")]
    role: SignAs,
}

/// Co-signs the handover: sender and receiver from KPU, supervisor from Bawaslu, escort from
/// Polri; the sender's scope must cover `from`, the others' `to`.
#[utoipa::path(post, path = "/api/v1/elections/{id}/logistics/shipments/{sid}/sign", tag = "logistik",
    params(("id" = String, Path), ("sid" = i64, Path)), request_body = SignInput,
    responses((status = 200, body = Shipment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn sign(State(state): State<AppState>, Path((id, sid)): Path<(String, i64)>, w: Write) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let input: SignInput = parse_json(&w.body)?;
    let s = shipment_or_404(&state, e, sid).await?;
    let (rule, scope) = shipments::sign_rule(&s, input.role);
    let permit = authorize(&w.user.user, rule, scope)?;
    let signer = w.user.user.clone();
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::OK, shipments::sign(c, &signer, &permit, e.id, sid, input.role, &crate::platform::clock::now_rfc3339())?))).await
}

/// Which TPS have everything they need, undamaged, and which do not.
#[utoipa::path(get, path = "/api/v1/elections/{id}/logistics/readiness", tag = "logistik", params(("id" = String, Path), RegionQuery),
    responses((status = 200, body = Readiness), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn readiness(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<RegionQuery>) -> Result<Json<Readiness>, AppError> {
    let e = election_or_404(&id)?;
    let region = region_param(&state, q.region.as_deref())?;
    Ok(Json(state.db.read(move |c| store::readiness(c, e, &region)).await?))
}
