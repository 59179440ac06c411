//! Koordinasi API: stages and their iCalendar feed, units to invite, meetings with speakers,
//! attendance, decisions and action items, and the budget (lines, realisation, NPHD grants).

use axum::Json;
use axum::extract::State;
use crate::platform::http::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::store::{self, ActionFilter, ActionView, BudgetSummary, DecisionRef, MeetingHead, MeetingPatch, MeetingSummary, MeetingView, StageView, UnitRef};
use super::{ActionState, Attendance, MeetingKind, TrancheDue};
use crate::agencies::store::{Unit, User};
use crate::agencies::{AgencyKind, Role};
use crate::elections::ElectionDef;
use crate::platform::auth::{CurrentUser, Permit, Rule, authorize};
use crate::platform::clock;
use crate::platform::db::Conn;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::http::{Write, idempotent_write, page_limit, parse_json};
use crate::platform::text;
use crate::regions::{NATIONAL, RegionCode, within};
use crate::platform::state::AppState;
use crate::tr;

fn election_or_404(id: &str) -> Result<&'static ElectionDef, AppError> {
    crate::elections::election(id).ok_or_else(|| AppError::not_found(tr!("pemilihan {id} tidak dikenal", "no election {id}")))
}

/// A region by its name for messages ("Kota Mojokerto"); the code when it is not known.
pub fn place(state: &AppState, code: &str) -> String {
    if code == NATIONAL {
        return "Indonesia".into();
    }
    crate::regions::index_of(state).get(code).map_or_else(|| code.to_string(), |r| r.name.clone())
}

/// A region code that exists (or `ID` for the nation).
pub fn region_field(state: &AppState, field: &str, code: &str) -> Result<String, AppError> {
    let code = code.trim();
    if code == NATIONAL {
        return Ok(NATIONAL.into());
    }
    let r = RegionCode::parse(code).map_err(|m| AppError::invalid(field, m))?;
    if crate::regions::index_of(state).get(r.as_str()).is_none() {
        return Err(AppError::invalid(field, tr!("tidak ada wilayah dengan kode {code}", "no region has the code {code}")));
    }
    Ok(r.as_str().to_string())
}

/// `on` as a date (`2024-11-27`) or an instant (`2024-11-26T17:30:00Z`), read as a day in the
/// region's local calendar; absent, today there.
fn day_in(region: &str, on: Option<&str>) -> Result<Date, AppError> {
    match on.map(str::trim) {
        None | Some("") => Ok(store::local_day(region, clock::now())),
        Some(s) if s.len() == 10 => store::parse_day("on", s),
        Some(s) => clock::user_instant("on", s).map(|t| store::local_day(region, t)),
    }
}

// ---------------------------------------------------------------------------------------------
// Stages

#[derive(Deserialize, IntoParams)]
pub struct StageQuery {
    /// The day (YYYY-MM-DD) or instant (RFC 3339) to give each stage's status for; default now.
    on: Option<String>,
    /// A region: adds its local activities and reads `on` in its time zone (default `ID`, WIB).
    region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StageList {
    election: String,
    region: String,
    on: String,
    items: Vec<StageView>,
}

/// The stages of an election with their status on a day in a region's local calendar.
#[utoipa::path(get, path = "/api/v1/elections/{id}/stages", tag = "koordinasi", params(("id" = String, Path), StageQuery),
    responses((status = 200, body = StageList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_stages(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<StageQuery>) -> Result<Json<StageList>, AppError> {
    let e = election_or_404(&id)?;
    let region = region_field(&state, "region", q.region.as_deref().unwrap_or(NATIONAL))?;
    let on = day_in(&region, q.on.as_deref())?;
    let r = region.clone();
    let items = state.db.read(move |c| store::list_stages(c, e.id, &r, on)).await?;
    Ok(Json(StageList { election: e.id.into(), region, on: store::day_string(on), items }))
}

#[derive(Deserialize, ToSchema)]
pub struct StageInput {
    /// What the activity is, e.g. `sosialisasi_tahapan`.
    key: String,
    name: String,
    start: String,
    end: String,
    region: String,
    #[serde(default)]
    agencies: Vec<String>,
}

const LOCAL_STAGE: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Kpu, AgencyKind::Bawaslu, AgencyKind::Pemda], action: ("menambah kegiatan daerah ke tahapan", "add a local activity to the stages") };

/// Adds a local activity (a socialisation event) to a region's stages.
#[utoipa::path(post, path = "/api/v1/elections/{id}/stages", tag = "koordinasi", params(("id" = String, Path)), request_body = StageInput,
    responses((status = 201, body = StageView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_stage(State(state): State<AppState>, Path(id): Path<String>, w: Write) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let input: StageInput = parse_json(&w.body)?;
    let key = super::parse_key(input.key.trim()).map_err(|m| AppError::invalid("key", m))?;
    let name = text::line("name", &input.name, text::NAME_MAX, true)?;
    let (start, end) = (store::parse_day("start", &input.start)?, store::parse_day("end", &input.end)?);
    if end < start {
        return Err(AppError::invalid("end", tr!("tanggal selesai sebelum tanggal mulai", "the end is before the start")));
    }
    let region = region_field(&state, "region", &input.region)?;
    if region == NATIONAL {
        return Err(AppError::invalid("region", tr!("jadwal nasional adalah jadwal resmi; kegiatan daerah milik provinsi, kabupaten/kota, kecamatan atau desa/kelurahan", "the national schedule is the official one; a local activity belongs to a province, regency, district or village")));
    }
    let mut agencies = vec![];
    for (i, a) in input.agencies.iter().enumerate() {
        agencies.push(AgencyKind::parse(a.trim()).map_err(|m| AppError::invalid(format!("agencies[{i}]"), m))?);
    }
    if agencies.is_empty() {
        agencies.push(w.user.user.unit.agency);
    }
    let permit = authorize(&w.user.user, LOCAL_STAGE, &region)?;
    let on = store::local_day(&region, clock::now());
    let s = store::NewStage { key, name, start, end, region, agencies };
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, store::add_local_stage(c, &permit, e, &s, on)?))).await
}

#[derive(Deserialize, IntoParams)]
pub struct CalendarQuery {
    region: Option<String>,
}

/// The stages as an iCalendar feed (RFC 5545) to subscribe to from a phone calendar.
#[utoipa::path(get, path = "/api/v1/elections/{id}/stages.ics", tag = "koordinasi", params(("id" = String, Path), CalendarQuery),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = ErrorBody)))]
pub async fn stages_ics(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<CalendarQuery>) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let region = region_field(&state, "region", q.region.as_deref().unwrap_or(NATIONAL))?;
    let r = region.clone();
    let today = store::local_day(&region, clock::now());
    let stages = state.db.read(move |c| store::list_stages(c, e.id, &r, today)).await?;
    let name = if region == NATIONAL { format!("Tahapan {}", e.name) } else { format!("Tahapan {} ({region})", e.name) };
    let body = super::icalendar(&name, &store::calendar_events(e, &stages), clock::now());
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"tahapan-{}.ics\"", e.id)),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Units

#[derive(Deserialize, IntoParams)]
pub struct UnitQuery {
    /// The units of this region, those below it and those above it (default: your unit's).
    region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitList {
    items: Vec<Unit>,
}

/// Agency units to invite or give action items to.
#[utoipa::path(get, path = "/api/v1/units", tag = "koordinasi", params(UnitQuery),
    responses((status = 200, body = UnitList), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_units(State(state): State<AppState>, user: CurrentUser, Query(q): Query<UnitQuery>) -> Result<Json<UnitList>, AppError> {
    let region = match q.region {
        Some(r) => region_field(&state, "region", &r)?,
        None => user.user.unit.region.clone(),
    };
    let items = state.db.read(move |c| store::units_for(c, &region)).await?;
    Ok(Json(UnitList { items }))
}

// ---------------------------------------------------------------------------------------------
// Meetings

#[derive(Deserialize, ToSchema)]
pub struct MeetingInput {
    pub title: String,
    /// `rakor`, `fgd`, `sosialisasi` or `konsolidasi`.
    pub kind: String,
    pub region: String,
    /// A unit id, or a unit's exact name.
    #[schema(value_type = Object)]
    pub host_unit: UnitRef,
    /// RFC 3339 with offset.
    pub starts_at: String,
    pub place: String,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub invited_units: Vec<UnitRef>,
    #[serde(default)]
    pub agenda: String,
}

const ACTIONS: Rule = Rule { min_role: Role::Operator, agencies: &[], action: ("memindahkan tindak lanjut rapat", "move an action item") };
const MEETINGS: Rule = Rule { min_role: Role::Operator, agencies: &[], action: ("menjadwalkan atau mengubah rapat", "schedule or edit meetings") };

fn instant(field: &str, s: &str) -> Result<OffsetDateTime, AppError> {
    clock::user_instant(field, s)
}

fn units(c: &mut Conn, field: &str, refs: &[UnitRef]) -> Result<Vec<Unit>, AppError> {
    refs.iter().enumerate().map(|(i, r)| store::resolve_unit(c, &format!("{field}[{i}]"), r)).collect()
}

/// Schedules a coordination meeting hosted by the caller's unit (or one they supervise).
#[utoipa::path(post, path = "/api/v1/meetings", tag = "koordinasi", request_body = MeetingInput,
    responses((status = 201, body = MeetingView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_meeting(State(state): State<AppState>, w: Write) -> Result<Response, AppError> {
    let input: MeetingInput = parse_json(&w.body)?;
    let job = schedule_job(&state, w.user.user.clone(), input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, job(c)?))).await
}

/// A job that writes a meeting: checked as far as possible before it reaches the writer;
/// shared by the API and the scheduling page.
pub use crate::platform::http::Job;

pub fn schedule_job(state: &AppState, user: User, input: MeetingInput) -> Result<Job<MeetingView>, AppError> {
    let title = text::line("title", &input.title, text::TITLE_MAX, true)?;
    let Some(kind) = MeetingKind::parse(&input.kind) else {
        let kinds = MeetingKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
        return Err(AppError::invalid("kind", tr!("jenis rapat harus salah satu dari {kinds}", "the kind of meeting must be one of {kinds}")));
    };
    let region = region_field(state, "region", &input.region)?;
    let starts_at = instant("starts_at", &input.starts_at)?;
    let place = text::line("place", &input.place, text::TITLE_MAX, true)?;
    let agenda = text::free_text("agenda", &input.agenda, text::DESCRIPTION_MAX, false)?;
    if user.role < MEETINGS.min_role {
        return Err(AppError::forbidden(tr!("menjadwalkan atau mengubah rapat perlu peran operator atau lebih tinggi", "scheduling or editing meetings needs the operator role or above")));
    }
    Ok(Box::new(move |c: &mut Conn| {
        let host = store::resolve_unit(c, "host_unit", &input.host_unit)?;
        if !store::acts_for(&user, &host) {
            let host = &host.name;
            return Err(AppError::forbidden(tr!("Anda tidak dapat menjadwalkan rapat untuk {host}: bukan satuan kerja Anda dan bukan satuan kerja instansi Anda di bawah pengawasan Anda", "you may not schedule meetings for {host}: it is neither your unit nor one of your agency that you supervise")));
        }
        if !within(&host.region, &region) {
            let (place, name, area) = (store::place_name(c, &region), &host.name, store::place_name(c, &host.region));
            return Err(AppError::invalid("region", tr!("{place} di luar wilayah penyelenggara {name} ({area})", "{place} is outside the area of the host {name} ({area})")));
        }
        let invited = units(c, "invited_units", &input.invited_units)?;
        let m = store::NewMeeting { title, kind, region, host, starts_at, place, invited, agenda };
        let permit = authorize(&user, MEETINGS, &m.host.region)?;
        let id = store::create_meeting(c, &permit, &m)?;
        store::meeting_view(c, id, clock::now())?.ok_or_else(|| AppError::Internal("the new meeting vanished".into()))
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct MeetingQuery {
    region: Option<String>,
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingList {
    items: Vec<MeetingSummary>,
}

/// Meetings in the caller's scope (or a region in it), and those their unit hosts or attends.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "koordinasi", params(MeetingQuery),
    responses((status = 200, body = MeetingList), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_meetings(State(state): State<AppState>, user: CurrentUser, Query(q): Query<MeetingQuery>) -> Result<Json<MeetingList>, AppError> {
    let region = match q.region {
        Some(r) => region_field(&state, "region", &r)?,
        None => user.user.unit.region.clone(),
    };
    if !within(&user.user.unit.region, &region) {
        let (place, unit) = (place(&state, &region), &user.user.unit.name);
        return Err(AppError::forbidden(tr!("{place} di luar wilayah kerja {unit}", "{place} is outside the area of {unit}")));
    }
    let limit = page_limit(q.limit)?;
    let items = state.db.read(move |c| store::list_meetings(c, &user.user, &region, limit)).await?;
    Ok(Json(MeetingList { items }))
}

fn head_or_404(c: &mut Conn, id: i64) -> Result<MeetingHead, AppError> {
    store::meeting_head(c, id)?.ok_or_else(|| AppError::not_found(tr!("rapat {id} tidak ada", "no meeting {id}")))
}

/// The meeting and the permit to edit it: its host unit (or a supervisor of that agency above
/// it) edits it.
fn hosted(c: &mut Conn, user: &User, id: i64) -> Result<(MeetingHead, Permit), AppError> {
    let m = head_or_404(c, id)?;
    if user.role < Role::Operator || !store::acts_for(user, &m.host) {
        let host = &m.host.name;
        return Err(AppError::forbidden(tr!("hanya penyelenggara ({host}) yang dapat mengubah rapat ini", "only the host ({host}) edits this meeting")));
    }
    // Acting for the host means the host lies within the user's scope: this passes.
    let permit = authorize(user, MEETINGS, &m.host.region)?;
    Ok((m, permit))
}

pub fn visible_meeting(c: &mut Conn, user: &User, id: i64) -> Result<MeetingView, AppError> {
    let m = head_or_404(c, id)?;
    if !store::may_see(c, user, &m)? {
        let unit = &user.unit.name;
        return Err(AppError::forbidden(tr!("rapat {id} di luar wilayah kerja {unit}", "meeting {id} is outside the area of {unit}")));
    }
    store::meeting_view(c, id, clock::now())?.ok_or_else(|| AppError::not_found(tr!("rapat {id} tidak ada", "no meeting {id}")))
}

/// One meeting: schedule, invited units and their attendance, speakers, minutes, decisions
/// with their action items, and who still owes what.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "koordinasi", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_meeting(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Result<Json<MeetingView>, AppError> {
    Ok(Json(state.db.read(move |c| visible_meeting(c, &user.user, id)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MeetingPatchInput {
    pub title: Option<String>,
    pub place: Option<String>,
    pub agenda: Option<String>,
    /// The minutes (notulen).
    pub minutes: Option<String>,
    pub starts_at: Option<String>,
    /// Units to invite as well.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub invite: Vec<UnitRef>,
}

/// The host changes the meeting: title, place, time, agenda, minutes, more guests.
#[utoipa::path(patch, path = "/api/v1/meetings/{id}", tag = "koordinasi", params(("id" = i64, Path)), request_body = MeetingPatchInput,
    responses((status = 200, body = MeetingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn patch_meeting(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: MeetingPatchInput = parse_json(&w.body)?;
    let job = patch_job(w.user.user.clone(), id, input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::OK, job(c)?))).await
}

pub fn patch_job(user: User, id: i64, input: MeetingPatchInput) -> Result<Job<MeetingView>, AppError> {
    let mut p = MeetingPatch {
        title: input.title.as_deref().map(|t| text::line("title", t, text::TITLE_MAX, true)).transpose()?,
        place: input.place.as_deref().map(|t| text::line("place", t, text::TITLE_MAX, true)).transpose()?,
        agenda: input.agenda.as_deref().map(|t| text::free_text("agenda", t, text::DESCRIPTION_MAX, false)).transpose()?,
        minutes: input.minutes.as_deref().map(|t| text::free_text("minutes", t, text::MINUTES_MAX, false)).transpose()?,
        starts_at: input.starts_at.as_deref().map(|t| instant("starts_at", t)).transpose()?,
        invite: vec![],
    };
    Ok(Box::new(move |c: &mut Conn| {
        let (m, permit) = hosted(c, &user, id)?;
        p.invite = units(c, "invite", &input.invite)?;
        store::update_meeting(c, &permit, &m, &p)?;
        visible_meeting(c, &user, id)
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct SpeakerInput {
    #[schema(value_type = Object)]
    pub unit: UnitRef,
    pub name: String,
    pub topic: String,
}

/// The host records a speaker (narasumber) with their unit and topic.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/speakers", tag = "koordinasi", params(("id" = i64, Path)), request_body = SpeakerInput,
    responses((status = 201, body = MeetingView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_speaker(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: SpeakerInput = parse_json(&w.body)?;
    let job = speaker_job(w.user.user.clone(), id, input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, job(c)?))).await
}

pub fn speaker_job(user: User, id: i64, input: SpeakerInput) -> Result<Job<MeetingView>, AppError> {
    let name = text::line("name", &input.name, text::NAME_MAX, true)?;
    let topic = text::line("topic", &input.topic, text::TITLE_MAX, true)?;
    Ok(Box::new(move |c: &mut Conn| {
        let (m, permit) = hosted(c, &user, id)?;
        let unit = store::resolve_unit(c, "unit", &input.unit)?;
        store::add_speaker(c, &permit, &m, &unit, &name, &topic)?;
        visible_meeting(c, &user, id)
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct AttendanceInput {
    #[schema(value_type = Object)]
    pub unit: UnitRef,
    /// `hadir`, `diwakili` (give `represented_by`) or `tidak_hadir`.
    pub attendance: String,
    #[serde(default)]
    pub represented_by: String,
}

/// The host records whether an invited unit came, was represented, or stayed away.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/attendance", tag = "koordinasi", params(("id" = i64, Path)), request_body = AttendanceInput,
    responses((status = 200, body = MeetingView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn put_attendance(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: AttendanceInput = parse_json(&w.body)?;
    let job = attendance_job(w.user.user.clone(), id, input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::OK, job(c)?))).await
}

pub fn attendance_job(user: User, id: i64, input: AttendanceInput) -> Result<Job<MeetingView>, AppError> {
    let Some(attendance) = Attendance::parse(&input.attendance) else {
        return Err(AppError::invalid("attendance", tr!("kehadiran harus Hadir, Diwakili atau Tidak hadir", "attendance must be present (hadir), represented (diwakili) or absent (tidak_hadir)")));
    };
    let represented_by = text::line("represented_by", &input.represented_by, text::NAME_MAX, attendance == Attendance::Diwakili)?;
    Ok(Box::new(move |c: &mut Conn| {
        let (m, permit) = hosted(c, &user, id)?;
        let unit = store::resolve_unit(c, "unit", &input.unit)?;
        store::set_attendance(c, &permit, &m, &unit, attendance, &represented_by)?;
        visible_meeting(c, &user, id)
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionInput {
    text: String,
}

/// The host records a decision (kesepakatan) of the meeting.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/decisions", tag = "koordinasi", params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 201, body = MeetingView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_decision(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: DecisionInput = parse_json(&w.body)?;
    let t = text::free_text("text", &input.text, text::NOTE_MAX, true)?;
    let user = w.user.user.clone();
    idempotent_write(&state.db, w.request, move |c| {
        let (m, permit) = hosted(c, &user, id)?;
        store::decision_id(c, &permit, &m, &DecisionRef::Text(t))?;
        Ok((StatusCode::CREATED, visible_meeting(c, &user, id)?))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct ActionInput {
    /// The decision it carries out: its id, or its text (recorded if new).
    pub decision: DecisionRef,
    #[schema(value_type = Object)]
    pub owner_unit: UnitRef,
    /// YYYY-MM-DD, in the owner's local calendar.
    pub due: String,
    pub description: String,
}

/// The host turns a decision into an action item owned by an invited unit.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/actions", tag = "koordinasi", params(("id" = i64, Path)), request_body = ActionInput,
    responses((status = 201, body = ActionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_action(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: ActionInput = parse_json(&w.body)?;
    let job = action_job(w.user.user.clone(), id, input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, job(c)?))).await
}

pub fn action_job(user: User, id: i64, input: ActionInput) -> Result<Job<ActionView>, AppError> {
    // A page form's text comes here unchecked (the JSON one was checked as it was read).
    let decision = match input.decision {
        DecisionRef::Text(s) => DecisionRef::Text(text::free_text("decision", &s, text::NOTE_MAX, true)?),
        id => id,
    };
    let due = store::parse_day("due", &input.due)?;
    let description = text::free_text("description", &input.description, text::NOTE_MAX, true)?;
    Ok(Box::new(move |c: &mut Conn| {
        let (m, permit) = hosted(c, &user, id)?;
        let owner = store::resolve_unit(c, "owner_unit", &input.owner_unit)?;
        let did = store::decision_id(c, &permit, &m, &decision)?;
        let new = store::NewAction { decision: did, owner, due, description };
        store::add_action(c, &permit, &m, &new, clock::now())
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ActionPatch {
    /// `terbuka`, `berjalan` or `selesai` (`terlambat` is derived from the due date).
    status: Option<String>,
    /// What shows it was done: a letter number, a link, a short account.
    evidence: Option<String>,
}

/// The owner (or the meeting's host) moves an action item and records its evidence.
#[utoipa::path(patch, path = "/api/v1/actions/{id}", tag = "koordinasi", params(("id" = i64, Path)), request_body = ActionPatch,
    responses((status = 200, body = ActionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn patch_action(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: ActionPatch = parse_json(&w.body)?;
    let status = input.status.as_deref().map(action_state).transpose()?;
    let evidence = input.evidence.as_deref().map(|e| text::free_text("evidence", e, text::NOTE_MAX, false)).transpose()?;
    if status.is_none() && evidence.is_none() {
        return Err(AppError::invalid("status", tr!("isi status, bukti, atau keduanya", "give a status, evidence, or both")));
    }
    let user = w.user.user.clone();
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::OK, move_action(c, &user, id, status, evidence.as_deref())?))).await
}

/// The state an action item is moved to, from the API or the owes page's form.
pub fn action_state(s: &str) -> Result<ActionState, AppError> {
    ActionState::parse(s).ok_or_else(|| {
        let late = s.trim() == "terlambat";
        let (id_hint, en_hint) = if late { (" (Terlambat mengikuti tenggat; tidak dipilih)", " (late follows from the due date; it is not set)") } else { ("", "") };
        AppError::invalid("status", tr!("status harus Terbuka, Berjalan atau Selesai{id_hint}", "status must be open (terbuka), in progress (berjalan) or done (selesai){en_hint}"))
    })
}

/// Moves an action item for its owner or the meeting's host (the API and the owes page).
pub fn move_action(c: &mut Conn, user: &User, id: i64, status: Option<ActionState>, evidence: Option<&str>) -> Result<ActionView, AppError> {
    let now = clock::now();
    let a = store::action(c, id, now)?.ok_or_else(|| AppError::not_found(tr!("tindak lanjut {id} tidak ada", "no action item {id}")))?;
    let m = head_or_404(c, a.meeting_id)?;
    let side = if store::acts_for(user, &a.owner_unit) { Some(&a.owner_unit) } else if store::acts_for(user, &m.host) { Some(&m.host) } else { None };
    let Some(unit) = side.filter(|_| user.role >= Role::Operator) else {
        let (owner, host) = (&a.owner_unit.name, &m.host.name);
        return Err(AppError::forbidden(tr!("hanya pelaksana ({owner}) atau penyelenggara rapat ({host}) yang dapat memperbarui tindak lanjut ini", "only the owner ({owner}) or the host ({host}) moves this action item")));
    };
    let permit = authorize(user, ACTIONS, &unit.region)?;
    store::update_action(c, &permit, &a, status, evidence, now)
}

#[derive(Deserialize, IntoParams)]
pub struct ActionQuery {
    owner_unit: Option<i64>,
    meeting: Option<i64>,
    /// Only those past due and not finished.
    #[serde(default)]
    overdue: bool,
    /// Only those not finished.
    #[serde(default)]
    open: bool,
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ActionList {
    items: Vec<ActionView>,
}

/// Action items across all meetings: what a unit still owes, what is late.
#[utoipa::path(get, path = "/api/v1/actions", tag = "koordinasi", params(ActionQuery),
    responses((status = 200, body = ActionList), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_actions(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ActionQuery>) -> Result<Json<ActionList>, AppError> {
    let limit = page_limit(q.limit)?;
    let f = ActionFilter { owner_unit: q.owner_unit, meeting: q.meeting, overdue: q.overdue, open_only: q.open };
    let items = state.db.read(move |c| store::list_actions(c, &user.user, &f, clock::now(), limit)).await?;
    Ok(Json(ActionList { items }))
}

/// The minutes (notulen) as a one-page PDF.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/notulen.pdf", tag = "koordinasi", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn minutes_pdf(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let m = state.db.read(move |c| visible_meeting(c, &user.user, id)).await?;
    let pdf = super::pages::minutes_pdf(&m);
    Ok((
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, format!("inline; filename=\"notulen-rapat-{id}.pdf\""))],
        pdf,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Budget

/// KPU and Bawaslu plan and spend their programme budget.
const BUDGET: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Kpu, AgencyKind::Bawaslu], action: ("merencanakan atau merealisasikan anggaran program", "plan or realise the programme budget") };

fn money(field: &str, n: i64) -> Result<i64, AppError> {
    if n <= 0 {
        return Err(AppError::invalid(field, tr!("jumlah harus rupiah bulat lebih dari nol", "the amount must be a whole number of rupiah above zero")));
    }
    if n > super::MAX_RUPIAH {
        let (n, max) = (super::rupiah(n), super::rupiah(super::MAX_RUPIAH));
        return Err(AppError::invalid(
            field,
            crate::tr!(
                "jumlah {n} melebihi batas {max} untuk satu jumlah (lebih besar dari anggaran satu pemilu nasional)",
                "the amount {n} is over the limit of {max} for one amount (more than a whole national election's budget)"
            ),
        ));
    }
    Ok(n)
}

/// A unit the caller may budget for: their own or one of their agency below them.
fn budget_unit(user: &User, unit: &Unit) -> Result<(), AppError> {
    if user.unit.agency != unit.agency || !within(&user.unit.region, &unit.region) {
        let name = &unit.name;
        return Err(AppError::forbidden(tr!("{name} bukan satuan kerja instansi Anda di wilayah kerja Anda", "{name} is not a unit of your agency within your area")));
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct LineInput {
    pub program: String,
    pub activity: String,
    pub region: String,
    #[schema(value_type = Object)]
    pub unit: UnitRef,
    /// Whole rupiah (a JSON integer; fractions are refused).
    pub amount: i64,
    /// The stage the activity serves (`kampanye`, `pemungutan_suara`, …).
    #[serde(default)]
    pub stage: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Adds a budget line: programme → activity → line (region, unit, plan, stage served).
#[utoipa::path(post, path = "/api/v1/budget/lines", tag = "koordinasi", request_body = LineInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_line(State(state): State<AppState>, w: Write) -> Result<Response, AppError> {
    let input: LineInput = parse_json(&w.body)?;
    let job = line_job(&state, w.user.user.clone(), input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, Created { id: job(c)? }))).await
}

pub fn line_job(state: &AppState, user: User, input: LineInput) -> Result<Job<i64>, AppError> {
    let program = text::line("program", &input.program, text::TITLE_MAX, true)?;
    let activity = text::line("activity", &input.activity, text::TITLE_MAX, true)?;
    let region = region_field(state, "region", &input.region)?;
    let amount = money("amount", input.amount)?;
    let stage = input.stage.trim().to_string();
    if !stage.is_empty() {
        super::parse_key(&stage).map_err(|m| AppError::invalid("stage", m))?;
    }
    let permit = authorize(&user, BUDGET, &region)?;
    Ok(Box::new(move |c: &mut Conn| {
        let unit = store::resolve_unit(c, "unit", &input.unit)?;
        budget_unit(&user, &unit)?;
        if !within(&unit.region, &region) {
            let (place, name, area) = (store::place_name(c, &region), &unit.name, store::place_name(c, &unit.region));
            return Err(AppError::invalid("region", tr!("{place} di luar wilayah {name} ({area})", "{place} is outside the area of {name} ({area})")));
        }
        store::add_line(c, &permit, &store::NewLine { program, activity, unit, region, stage, amount })
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RealisationInput {
    pub amount: i64,
    /// YYYY-MM-DD.
    pub date: String,
    pub document_no: String,
    #[serde(default)]
    pub description: String,
}

/// Records spending against a budget line, with its date and document number.
#[utoipa::path(post, path = "/api/v1/budget/lines/{id}/realisations", tag = "koordinasi", params(("id" = i64, Path)), request_body = RealisationInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_realisation(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: RealisationInput = parse_json(&w.body)?;
    let job = realisation_job(w.user.user.clone(), id, input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, Created { id: job(c)? }))).await
}

pub fn realisation_job(user: User, id: i64, input: RealisationInput) -> Result<Job<i64>, AppError> {
    let amount = money("amount", input.amount)?;
    let day = store::parse_day("date", &input.date)?;
    let document_no = text::line("document_no", &input.document_no, text::CODE_MAX, true)?;
    let description = text::free_text("description", &input.description, text::NOTE_MAX, false)?;
    Ok(Box::new(move |c: &mut Conn| {
        let line = store::line_head(c, id)?.ok_or_else(|| AppError::not_found(tr!("rincian pagu {id} tidak ada", "no budget line {id}")))?;
        let permit = authorize(&user, BUDGET, &line.region)?;
        budget_unit(&user, &line.unit)?;
        store::add_realisation(c, &permit, &line, amount, day, &document_no, &description)
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TrancheInput {
    pub share_percent: i64,
    /// YYYY-MM-DD.
    pub due: String,
}

#[derive(Deserialize, ToSchema)]
pub struct GrantInput {
    /// Default `pilkada-2024` (the five-months-before-voting tranche counts from its voting day).
    #[serde(default)]
    pub election: Option<String>,
    /// The Pemda's province or regency.
    pub grantor_region: String,
    #[schema(value_type = Object)]
    pub recipient_unit: UnitRef,
    pub amount: i64,
    pub signed_on: String,
    #[serde(default)]
    pub document_no: String,
    /// Omitted: 40 % within 14 working days of signing, 60 % five months before voting day.
    #[serde(default)]
    pub tranches: Option<Vec<TrancheInput>>,
    /// `bertahap` (default) or `sekaligus` (100 % within 14 days) when no tranches are given.
    #[serde(default)]
    pub scheme: Option<String>,
}

/// A grant is recorded by the Pemda of the grantor region or by the recipient's side: the
/// permit is whichever of the two checks passes.
fn grant_rights(c: &mut Conn, user: &User, grantor_region: &str, recipient: &Unit) -> Result<Permit, AppError> {
    if user.role < Role::Operator {
        return Err(AppError::forbidden(tr!("mencatat hibah perlu peran operator atau lebih tinggi", "recording grants needs the operator role or above")));
    }
    let pemda = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Pemda], action: ("mencatat hibah", "record a grant") };
    let recipient_side = Rule { min_role: Role::Operator, agencies: recipient.agency.only(), action: ("mencatat hibah", "record a grant") };
    authorize(user, pemda, grantor_region).or_else(|_| authorize(user, recipient_side, &recipient.region)).map_err(|_| {
        let (place, name) = (store::place_name(c, grantor_region), &recipient.name);
        AppError::forbidden(tr!("hibah ini hanya dicatat oleh Pemda {place} atau {name} (dan atasannya)", "only the Pemda of {place} or {name} (and those above it) record this grant"))
    })
}

/// Records an NPHD grant from a Pemda to an election body, with its tranches.
#[utoipa::path(post, path = "/api/v1/budget/grants", tag = "koordinasi", request_body = GrantInput,
    responses((status = 201, body = BudgetSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_grant(State(state): State<AppState>, w: Write) -> Result<Response, AppError> {
    let input: GrantInput = parse_json(&w.body)?;
    let job = grant_job(&state, w.user.user.clone(), input).await?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, job(c)?))).await
}

pub async fn grant_job(state: &AppState, user: User, input: GrantInput) -> Result<Job<BudgetSummary>, AppError> {
    let election = election_or_404(input.election.as_deref().unwrap_or("pilkada-2024")).map_err(|_| AppError::invalid("election", tr!("pemilihan tidak dikenal", "unknown election")))?;
    let grantor_region = region_field(state, "grantor_region", &input.grantor_region)?;
    if grantor_region == NATIONAL || grantor_region.len() > 5 {
        return Err(AppError::invalid("grantor_region", tr!("hibah NPHD berasal dari pemerintah provinsi atau kabupaten/kota", "an NPHD grant comes from a province or a regency/city")));
    }
    let amount = money("amount", input.amount)?;
    let signed_on = store::parse_day("signed_on", &input.signed_on)?;
    let document_no = text::line("document_no", &input.document_no, text::CODE_MAX, false)?;
    let tranches: Vec<(i64, Date)> = match &input.tranches {
        Some(list) if !list.is_empty() => {
            let mut out = vec![];
            for (i, t) in list.iter().enumerate() {
                if !(1..=100).contains(&t.share_percent) {
                    return Err(AppError::invalid(format!("tranches[{i}].share_percent"), tr!("bagian tahap adalah persen bulat dari 1 sampai 100", "a share is a whole percent from 1 to 100")));
                }
                let due = store::parse_day(&format!("tranches[{i}].due"), &t.due)?;
                if due < signed_on {
                    return Err(AppError::invalid(format!("tranches[{i}].due"), tr!("tahap tidak dapat jatuh tempo sebelum NPHD ditandatangani", "a tranche cannot fall due before the grant is signed")));
                }
                out.push((t.share_percent, due));
            }
            let total: i64 = out.iter().map(|t| t.0).sum();
            if total != 100 {
                return Err(AppError::invalid("tranches", tr!("jumlah bagian tahap {total} %, bukan 100 %", "the shares add up to {total} %, not 100 %")));
            }
            out
        }
        _ => {
            let rules = match input.scheme.as_deref().map(str::trim) {
                None | Some("") | Some("bertahap") => super::STAGED,
                Some("sekaligus") => super::AT_ONCE,
                Some(_) => return Err(AppError::invalid("scheme", tr!("pencairan harus bertahap atau sekaligus", "the scheme is staged (bertahap) or at once (sekaligus)"))),
            };
            let holidays = {
                let hol = crate::reports::api::holidays(&state);
                state.db.read(move |c| hol.days(c)).await?
            };
            let voting = store::parse_day("election", election.voting_day)?;
            let offset = crate::reports::store::offset_of(&grantor_region);
            let signed_noon = signed_on.with_hms(12, 0, 0).map_err(|e| AppError::Internal(e.to_string()))?.assume_offset(offset);
            rules
                .iter()
                .map(|r| {
                    let due = match r.due {
                        TrancheDue::WorkingDaysAfterSigning(n) => crate::reports::deadlines::deadline(crate::reports::deadlines::Unit::HariKerja, n, signed_noon, offset, &holidays).date(),
                        TrancheDue::DaysAfterSigning(n) => signed_on.saturating_add(time::Duration::days(i64::from(n))),
                        TrancheDue::MonthsBeforeVoting(m) => super::months_before(voting, m).max(signed_on),
                    };
                    (r.share_percent, due)
                })
                .collect()
        }
    };
    Ok(Box::new(move |c: &mut Conn| {
        let recipient = store::resolve_unit(c, "recipient_unit", &input.recipient_unit)?;
        if !matches!(recipient.agency, AgencyKind::Kpu | AgencyKind::Bawaslu | AgencyKind::Polri | AgencyKind::Tni) {
            return Err(AppError::invalid("recipient_unit", tr!("hibah NPHD diberikan kepada satuan kerja KPU, Bawaslu, Polri atau TNI", "NPHD grants go to KPU, Bawaslu, Polri or TNI units")));
        }
        if !within(&grantor_region, &recipient.region) {
            let (name, place) = (&recipient.name, store::place_name(c, &grantor_region));
            return Err(AppError::invalid("recipient_unit", tr!("{name} berada di luar {place}", "{name} is outside {place}")));
        }
        let permit = grant_rights(c, &user, &grantor_region, &recipient)?;
        let region = recipient.region.clone();
        store::create_grant(c, &permit, &store::NewGrant { election, grantor_region, recipient, amount, signed_on, document_no, tranches })?;
        Ok(store::budget_summary(c, &region, clock::now())?)
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct DisbursementInput {
    /// The tranche's number (1, 2, …).
    pub tranche: i64,
    pub amount: i64,
    pub paid_on: String,
    #[serde(default)]
    pub document_no: String,
}

/// Records money received against a tranche of a grant.
#[utoipa::path(post, path = "/api/v1/budget/grants/{id}/disbursements", tag = "koordinasi", params(("id" = i64, Path)), request_body = DisbursementInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_disbursement(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: DisbursementInput = parse_json(&w.body)?;
    let job = disbursement_job(w.user.user.clone(), id, input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, Created { id: job(c)? }))).await
}

pub fn disbursement_job(user: User, id: i64, input: DisbursementInput) -> Result<Job<i64>, AppError> {
    let amount = money("amount", input.amount)?;
    let paid_on = store::parse_day("paid_on", &input.paid_on)?;
    let document_no = text::line("document_no", &input.document_no, text::CODE_MAX, false)?;
    Ok(Box::new(move |c: &mut Conn| {
        let g = store::grant_head(c, id)?.ok_or_else(|| AppError::not_found(tr!("hibah {id} tidak ada", "no grant {id}")))?;
        let permit = grant_rights(c, &user, &g.grantor_region, &g.recipient)?;
        store::add_disbursement(c, &permit, &g, input.tranche, amount, paid_on, &document_no)
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct BudgetQuery {
    /// Default: your unit's region.
    region: Option<String>,
    /// `csv` (export only).
    format: Option<String>,
}

fn budget_region(state: &AppState, user: &User, region: Option<&str>) -> Result<String, AppError> {
    let region = match region {
        Some(r) => region_field(state, "region", r)?,
        None => user.unit.region.clone(),
    };
    if !within(&user.unit.region, &region) {
        let (place, unit) = (place(state, &region), &user.unit.name);
        return Err(AppError::forbidden(tr!("{place} di luar wilayah kerja {unit}", "{place} is outside the area of {unit}")));
    }
    Ok(region)
}

/// Plan, grants, disbursement and realisation side by side for a region and below it.
#[utoipa::path(get, path = "/api/v1/budget/summary", tag = "koordinasi", params(BudgetQuery),
    responses((status = 200, body = BudgetSummary), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn budget_summary(State(state): State<AppState>, user: CurrentUser, Query(q): Query<BudgetQuery>) -> Result<Json<BudgetSummary>, AppError> {
    let region = budget_region(&state, &user.user, q.region.as_deref())?;
    Ok(Json(state.db.read(move |c| store::budget_summary(c, &region, clock::now())).await?))
}

/// The budget lines with plan and realisation, then the grants' tranches, as CSV for Excel.
#[utoipa::path(get, path = "/api/v1/budget/export", tag = "koordinasi", params(BudgetQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn budget_export(State(state): State<AppState>, user: CurrentUser, Query(q): Query<BudgetQuery>) -> Result<Response, AppError> {
    if !matches!(q.format.as_deref(), None | Some("csv")) {
        return Err(AppError::invalid("format", tr!("anggaran diunduh sebagai csv (format=csv)", "the budget exports as csv (format=csv)")));
    }
    let region = budget_region(&state, &user.user, q.region.as_deref())?;
    let r = region.clone();
    let s = state.db.read(move |c| store::budget_summary(c, &r, clock::now())).await?;
    // States and stages by their names, in the request's language like every other answer.
    let lang = crate::platform::i18n::Lang::current();
    use crate::platform::sheet::{self, Cell};
    let place = |code: &str| if code == NATIONAL { "Indonesia".to_string() } else { crate::regions::index_of(&state).get(code).map_or_else(String::new, |r| r.name.clone()) };
    let mut rows: Vec<Vec<Cell>> = vec![];
    for l in &s.lines {
        rows.push(vec![
            "Pagu".into(),
            l.region.as_str().into(),
            place(&l.region).into(),
            l.unit.name.as_str().into(),
            l.program.as_str().into(),
            l.activity.as_str().into(),
            l.stage_name.as_str().into(),
            Cell::Int(l.plan),
            Cell::Int(l.realised),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    for g in &s.grants {
        for t in &g.tranches {
            rows.push(vec![
                "Hibah (NPHD)".into(),
                g.grantor_region.as_str().into(),
                place(&g.grantor_region).into(),
                g.recipient_unit.name.as_str().into(),
                format!("NPHD {}", g.document_no).into(),
                format!("Tahap {} ({} %)", t.seq, t.share_percent).into(),
                sheet::tanggal(&t.due).into(),
                Cell::Int(t.amount),
                Cell::Empty,
                Cell::Int(t.disbursed),
                crate::platform::web::label(lang, "ko.tranche", &t.status).into(),
            ]);
        }
    }
    Ok(sheet::download(
        &format!("anggaran-{region}.csv"),
        &["jenis", "kode_wilayah", "wilayah", "satuan_kerja", "program", "kegiatan", "tahapan_atau_jatuh_tempo", "rupiah", "realisasi", "dicairkan", "status"],
        rows,
    ))
}
