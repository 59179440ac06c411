//! Storage of stages, meetings (invited units, speakers, decisions), action items, budget
//! lines with their realisation, and NPHD grants with tranches and disbursements. Who may
//! write is checked in the API; each change here is one transaction with its audit entry.

use crate::tr;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{CalendarEvent, StageDef, action_status, date_of, stage_status};
use crate::agencies::store::{UNIT_COLS, Unit, User, unit_from};
use crate::agencies::{AgencyKind, Role};
use crate::elections::ElectionDef;
use crate::params;
use crate::platform::alerts::{self, NewAlert, Severity};
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::db::{Conn, DbError, Row};
use crate::platform::error::AppError;
use crate::regions::{NATIONAL, lineage, within};
use crate::reports::store::offset_of;

const DAY: &[time::format_description::FormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

pub fn day_string(d: Date) -> String {
    d.format(DAY).unwrap_or_default()
}

/// A day a user typed (within the working years: see `clock::user_day`).
pub fn parse_day(field: &str, s: &str) -> Result<Date, AppError> {
    crate::platform::clock::user_day(field, s)
}

/// A region by its name for messages ("Kota Mojokerto"); the code when it is not known.
pub fn place_name(conn: &mut Conn, code: &str) -> String {
    if code == NATIONAL {
        return "Indonesia".into();
    }
    crate::regions::store::get(conn, code).ok().flatten().map_or_else(|| code.to_string(), |r| r.name)
}

pub fn stored_day(s: &str) -> Result<Date, DbError> {
    Date::parse(s, DAY).map_err(|e| DbError::Other(format!("stored date {s:?}: {e}")))
}

/// The local calendar day of `now` in a region.
pub fn local_day(region: &str, now: OffsetDateTime) -> Date {
    now.to_offset(offset_of(region)).date()
}

/// Today where the day starts first in Indonesia (WIT): anything due before it may be late
/// somewhere, and is then checked in its own region's calendar.
fn today_in_wit(now: OffsetDateTime) -> Date {
    now.to_offset(crate::regions::TimeZone::Wit.offset()).date()
}

/// Text range of a scope: its own code, and every code below it (the nation holds all).
fn scope(region: &str) -> (String, String, String) {
    if region == NATIONAL {
        (NATIONAL.into(), String::new(), "~".into())
    } else {
        let (lo, hi) = crate::regions::scope_range(region);
        (region.to_string(), lo, hi)
    }
}

fn agencies_text(a: &[AgencyKind]) -> String {
    a.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
}

fn agencies_of(s: &str) -> Vec<AgencyKind> {
    s.split(',').filter_map(|a| AgencyKind::parse(a).ok()).collect()
}

// ---------------------------------------------------------------------------------------------
// Units

/// A unit named in a request: its id, or its exact name when that is unique.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = UnitChoice)]
pub enum UnitRef {
    Id(i64),
    Name(String),
}

pub fn unit_by_id(conn: &mut Conn, id: i64) -> Result<Option<Unit>, DbError> {
    conn.query_opt(&format!("SELECT {UNIT_COLS} FROM agency_units WHERE id = $1"), params![id])?.map(|r| unit_from(&r, 0)).transpose()
}

pub fn resolve_unit(conn: &mut Conn, field: &str, r: &UnitRef) -> Result<Unit, AppError> {
    match r {
        UnitRef::Id(id) => unit_by_id(conn, *id)?.ok_or_else(|| AppError::invalid(field, tr!("satuan kerja {id} tidak ada", "no unit has the id {id}"))),
        UnitRef::Name(name) => {
            let rows = conn.query(&format!("SELECT {UNIT_COLS} FROM agency_units WHERE name = $1 LIMIT 2"), params![name.trim()])?;
            match rows.as_slice() {
                [one] => Ok(unit_from(one, 0)?),
                [] => Err(AppError::invalid(field, tr!("tidak ada satuan kerja bernama {name:?}", "no unit is named {name:?}"))),
                _ => Err(AppError::invalid(field, tr!("lebih dari satu satuan kerja bernama {name:?}; sebutkan nomornya", "more than one unit is named {name:?}; give its id"))),
            }
        }
    }
}

/// The units of a region and the tiers above it (whom a meeting there would invite).
pub fn units_for(conn: &mut Conn, region: &str) -> Result<Vec<Unit>, DbError> {
    let mut codes: Vec<String> = lineage(region).into_iter().map(str::to_string).collect();
    codes.push(NATIONAL.into());
    let (_, lo, hi) = scope(region);
    let mut out = vec![];
    for r in conn.query(
        &format!("SELECT {UNIT_COLS} FROM agency_units WHERE region_code IN ($1, $2, $3, $4, $5) OR (region_code >= $6 AND region_code < $7) ORDER BY region_code, agency, name"),
        params![
            codes.first().cloned().unwrap_or_default(),
            codes.get(1).cloned().unwrap_or_default(),
            codes.get(2).cloned().unwrap_or_default(),
            codes.get(3).cloned().unwrap_or_default(),
            codes.get(4).cloned().unwrap_or_default(),
            lo,
            hi
        ],
    )? {
        out.push(unit_from(&r, 0)?);
    }
    Ok(out)
}

/// Whether the user speaks for a unit: it is their own, or they supervise its agency above it.
pub fn acts_for(user: &User, unit: &Unit) -> bool {
    user.unit.id == unit.id || (user.role >= Role::Supervisor && user.unit.agency == unit.agency && within(&user.unit.region, &unit.region))
}

// ---------------------------------------------------------------------------------------------
// Stages

/// Seeds the official schedules once; later edits and local activities are rows beside them.
pub fn ensure_builtin(conn: &mut Conn) -> Result<(), DbError> {
    for e in crate::elections::ELECTIONS {
        let n: i64 = conn.query_one("SELECT COUNT(*) FROM stages WHERE election_id = $1 AND created_by = 'system'", params![e.id])?.get(0)?;
        if n > 0 {
            continue;
        }
        for s in super::schedule(e.kind) {
            insert_stage(conn, e.id, s, NATIONAL, "system")?;
        }
    }
    Ok(())
}

fn insert_stage(conn: &mut Conn, election: &str, s: &StageDef, region: &str, by: &str) -> Result<i64, DbError> {
    conn.query_one(
        "INSERT INTO stages (election_id, key, name, parent_key, level, region_code, start_day, end_day, agencies, source, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        params![
            election,
            s.key,
            s.name,
            s.parent,
            s.level,
            region,
            day_string(date_of(s.start)),
            day_string(date_of(s.end)),
            agencies_text(s.agencies),
            s.source,
            by
        ],
    )?
    .get(0)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageView {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub start: String,
    pub end: String,
    pub agencies: Vec<AgencyKind>,
    /// `akan_datang`, `berlangsung` or `selesai` on the day asked, in the region's local time.
    pub status: String,
    /// The stage this one is part of (a recap level under the recap).
    pub parent: Option<String>,
    /// The tier a sub-stage is held at: `village`, `district`, `regency`, `province`.
    pub level: Option<String>,
    /// `ID` for the national schedule, else the region that added a local activity.
    pub region: String,
    pub source: String,
}

const STAGE_COLS: &str = "id, key, name, start_day, end_day, agencies, parent_key, level, region_code, source";

fn stage_from(r: &Row, on: Date) -> Result<StageView, DbError> {
    let (start, end): (String, String) = (r.get(3)?, r.get(4)?);
    let status = stage_status(stored_day(&start)?, stored_day(&end)?, on);
    Ok(StageView {
        id: r.get(0)?,
        key: r.get(1)?,
        name: r.get(2)?,
        start,
        end,
        agencies: agencies_of(&r.get::<String>(5)?),
        status: status.as_str().into(),
        parent: r.get(6)?,
        level: r.get(7)?,
        region: r.get(8)?,
        source: r.get(9)?,
    })
}

/// The national schedule and the local activities of `region` and the tiers above it.
pub fn list_stages(conn: &mut Conn, election: &str, region: &str, on: Date) -> Result<Vec<StageView>, DbError> {
    let mut codes: Vec<&str> = lineage(region);
    codes.retain(|c| *c != NATIONAL);
    let c = |i: usize| codes.get(i).copied().unwrap_or(NATIONAL);
    conn.query(
        &format!("SELECT {STAGE_COLS} FROM stages WHERE election_id = $1 AND region_code IN ($2, $3, $4, $5, $6) ORDER BY start_day, end_day, id"),
        params![election, NATIONAL, c(0), c(1), c(2), c(3)],
    )?
    .iter()
    .map(|r| stage_from(r, on))
    .collect()
}

pub struct NewStage {
    pub key: String,
    pub name: String,
    pub start: Date,
    pub end: Date,
    pub region: String,
    pub agencies: Vec<AgencyKind>,
}

pub fn add_local_stage(conn: &mut Conn, permit: &Permit, election: &ElectionDef, s: &NewStage, on: Date) -> Result<StageView, AppError> {
    let id: i64 = conn
        .query_one(
            "INSERT INTO stages (election_id, key, name, parent_key, level, region_code, start_day, end_day, agencies, source, created_by)
             VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![
                election.id,
                s.key.as_str(),
                s.name.as_str(),
                s.region.as_str(),
                day_string(s.start),
                day_string(s.end),
                agencies_text(&s.agencies),
                "kegiatan daerah",
                permit.username()
            ],
        )?
        .get(0)?;
    audit::record(conn, permit, Change {
        action: "stage.add",
        entity_type: "stage",
        entity_id: &id.to_string(),
        region: Some(&s.region),
        detail: serde_json::json!({"election": election.id, "key": s.key, "start": day_string(s.start), "end": day_string(s.end)}),
    })?;
    let r = conn.query_one(&format!("SELECT {STAGE_COLS} FROM stages WHERE id = $1"), params![id])?;
    Ok(stage_from(&r, on)?)
}

pub fn calendar_events(election: &ElectionDef, stages: &[StageView]) -> Vec<CalendarEvent> {
    stages
        .iter()
        .filter_map(|s| {
            let (start, end) = (Date::parse(&s.start, DAY).ok()?, Date::parse(&s.end, DAY).ok()?);
            let agencies: Vec<&str> = s.agencies.iter().map(|a| a.as_str()).collect();
            Some(CalendarEvent {
                uid: format!("{}-{}-{}@sinergi", election.id, s.id, s.key),
                start,
                end,
                summary: format!("{}: {}", election.name, s.name),
                description: format!("Tahapan {} ({}). Penanggung jawab: {}. Sumber: {}.", s.key, s.region, agencies.join(", ").to_uppercase(), s.source),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Meetings

pub struct NewMeeting {
    pub title: String,
    pub kind: super::MeetingKind,
    pub region: String,
    pub host: Unit,
    pub starts_at: OffsetDateTime,
    pub place: String,
    pub invited: Vec<Unit>,
    pub agenda: String,
}

pub fn create_meeting(conn: &mut Conn, permit: &Permit, m: &NewMeeting) -> Result<i64, AppError> {
    let id: i64 = conn
        .query_one(
            "INSERT INTO meetings (title, kind, region_code, host_unit_id, starts_at, place, agenda, minutes, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $9) RETURNING id",
            params![
                m.title.as_str(),
                m.kind.as_str(),
                m.region.as_str(),
                m.host.id,
                crate::platform::clock::rfc3339(m.starts_at),
                m.place.as_str(),
                m.agenda.as_str(),
                permit.username(),
                crate::platform::clock::now_rfc3339()
            ],
        )?
        .get(0)?;
    for u in &m.invited {
        invite(conn, id, u)?;
    }
    audit::record(conn, permit, Change {
        action: "meeting.create",
        entity_type: "meeting",
        entity_id: &id.to_string(),
        region: Some(&m.region),
        detail: serde_json::json!({"title": m.title, "kind": m.kind.as_str(), "host_unit": m.host.id, "invited": m.invited.iter().map(|u| u.id).collect::<Vec<_>>()}),
    })?;
    Ok(id)
}

fn invite(conn: &mut Conn, meeting: i64, unit: &Unit) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO meeting_units (meeting_id, unit_id, attendance, represented_by) VALUES ($1, $2, 'diundang', '') ON CONFLICT (meeting_id, unit_id) DO NOTHING",
        params![meeting, unit.id],
    )?;
    Ok(())
}

/// What a meeting is, for checking who may see or change it.
pub struct MeetingHead {
    pub id: i64,
    pub region: String,
    pub host: Unit,
    pub title: String,
}

pub fn meeting_head(conn: &mut Conn, id: i64) -> Result<Option<MeetingHead>, DbError> {
    let Some(r) = conn.query_opt(
        "SELECT m.id, m.region_code, m.title, a.id, a.agency, a.region_code, a.name FROM meetings m JOIN agency_units a ON a.id = m.host_unit_id WHERE m.id = $1",
        params![id],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(MeetingHead { id: r.get(0)?, region: r.get(1)?, title: r.get(2)?, host: unit_from(&r, 3)? }))
}

fn invited_ids(conn: &mut Conn, meeting: i64) -> Result<Vec<i64>, DbError> {
    conn.query("SELECT unit_id FROM meeting_units WHERE meeting_id = $1", params![meeting])?.iter().map(|r| r.get(0)).collect()
}

/// A meeting is seen by everyone whose scope holds its region, and by its host and guests.
pub fn may_see(conn: &mut Conn, user: &User, m: &MeetingHead) -> Result<bool, DbError> {
    Ok(within(&user.unit.region, &m.region) || m.host.id == user.unit.id || invited_ids(conn, m.id)?.contains(&user.unit.id))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invitee {
    pub unit: Unit,
    /// `diundang` (no answer recorded), `hadir`, `diwakili` or `tidak_hadir`.
    pub attendance: String,
    pub represented_by: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Speaker {
    pub id: i64,
    pub unit: Unit,
    pub name: String,
    pub topic: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionView {
    pub id: i64,
    pub meeting_id: i64,
    pub meeting_title: String,
    pub decision_id: i64,
    pub decision: String,
    pub owner_unit: Unit,
    pub description: String,
    pub due: String,
    /// `terbuka`, `berjalan`, `selesai`, or `terlambat` once the due day has passed unfinished.
    pub status: String,
    pub evidence: String,
    /// The unit of whoever last changed it (never an account's username).
    pub updated_by: String,
    pub updated_at: String,
}

/// Action items name the unit that last changed them, never the account (usernames are for
/// logging in, not for showing: B8).
fn shown_by(conn: &mut Conn, actions: &mut [ActionView]) -> Result<(), DbError> {
    let names: Vec<String> = actions.iter().map(|a| a.updated_by.clone()).collect();
    let shown = crate::agencies::store::public_names(conn, &names.iter().map(String::as_str).collect::<Vec<_>>())?;
    for a in actions {
        if let Some(unit) = shown.get(&a.updated_by) {
            a.updated_by = unit.clone();
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub text: String,
    pub actions: Vec<ActionView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: i64,
    pub title: String,
    /// `rakor`, `fgd`, `sosialisasi` or `konsolidasi` (pages show their names).
    pub kind: String,
    pub region: String,
    /// The region's name ("Kota Mojokerto"; "Indonesia" for the nation).
    pub region_name: String,
    pub host_unit: Unit,
    /// In the region's local time.
    pub starts_at: String,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    pub invited: Vec<Invitee>,
    pub speakers: Vec<Speaker>,
    pub decisions: Vec<DecisionView>,
    /// Units still owing an action item (open, in progress or late), with how many.
    pub owing: Vec<Owing>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Owing {
    pub unit: Unit,
    pub open: i64,
    pub late: i64,
}

const ACTION_SELECT: &str = "SELECT x.id, x.meeting_id, m.title, x.decision_id, d.text, a.id, a.agency, a.region_code, a.name,
        x.description, x.due, x.status, x.evidence, x.updated_by, x.updated_at
    FROM action_items x JOIN meetings m ON m.id = x.meeting_id JOIN meeting_decisions d ON d.id = x.decision_id
    JOIN agency_units a ON a.id = x.owner_unit_id";

fn action_from(r: &Row, now: OffsetDateTime) -> Result<ActionView, DbError> {
    let owner = unit_from(r, 5)?;
    let (due, stored): (String, String) = (r.get(10)?, r.get(11)?);
    let status = action_status(&stored, stored_day(&due)?, local_day(&owner.region, now));
    Ok(ActionView {
        id: r.get(0)?,
        meeting_id: r.get(1)?,
        meeting_title: r.get(2)?,
        decision_id: r.get(3)?,
        decision: r.get(4)?,
        owner_unit: owner,
        description: r.get(9)?,
        due,
        status: status.into(),
        evidence: r.get(12)?,
        updated_by: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

pub fn meeting_view(conn: &mut Conn, id: i64, now: OffsetDateTime) -> Result<Option<MeetingView>, DbError> {
    let Some(r) = conn.query_opt(
        "SELECT m.id, m.title, m.kind, m.region_code, m.starts_at, m.place, m.agenda, m.minutes, a.id, a.agency, a.region_code, a.name
         FROM meetings m JOIN agency_units a ON a.id = m.host_unit_id WHERE m.id = $1",
        params![id],
    )?
    else {
        return Ok(None);
    };
    let region: String = r.get(3)?;
    let starts: String = r.get(4)?;
    let mut invited = vec![];
    for r in conn.query(
        "SELECT a.id, a.agency, a.region_code, a.name, u.attendance, u.represented_by FROM meeting_units u JOIN agency_units a ON a.id = u.unit_id
         WHERE u.meeting_id = $1 ORDER BY a.region_code, a.agency, a.name",
        params![id],
    )? {
        invited.push(Invitee { unit: unit_from(&r, 0)?, attendance: r.get(4)?, represented_by: r.get(5)? });
    }
    let mut speakers = vec![];
    for r in conn.query(
        "SELECT s.id, a.id, a.agency, a.region_code, a.name, s.name, s.topic FROM meeting_speakers s JOIN agency_units a ON a.id = s.unit_id
         WHERE s.meeting_id = $1 ORDER BY s.id",
        params![id],
    )? {
        speakers.push(Speaker { id: r.get(0)?, unit: unit_from(&r, 1)?, name: r.get(5)?, topic: r.get(6)? });
    }
    let mut actions: Vec<ActionView> = conn.query(&format!("{ACTION_SELECT} WHERE x.meeting_id = $1 ORDER BY x.id"), params![id])?.iter().map(|r| action_from(r, now)).collect::<Result<_, _>>()?;
    shown_by(conn, &mut actions)?;
    let mut decisions = vec![];
    for r in conn.query("SELECT id, text FROM meeting_decisions WHERE meeting_id = $1 ORDER BY id", params![id])? {
        let did: i64 = r.get(0)?;
        decisions.push(DecisionView { id: did, text: r.get(1)?, actions: actions.iter().filter(|a| a.decision_id == did).cloned().collect() });
    }
    let mut owing: BTreeMap<i64, Owing> = BTreeMap::new();
    for a in actions.iter().filter(|a| a.status != "selesai") {
        let o = owing.entry(a.owner_unit.id).or_insert_with(|| Owing { unit: a.owner_unit.clone(), open: 0, late: 0 });
        o.open += 1;
        o.late += i64::from(a.status == "terlambat");
    }
    Ok(Some(MeetingView {
        id: r.get(0)?,
        title: r.get(1)?,
        kind: r.get(2)?,
        starts_at: crate::reports::store::local(&starts, offset_of(&region)),
        region_name: place_name(conn, &region),
        region,
        place: r.get(5)?,
        agenda: r.get(6)?,
        minutes: r.get(7)?,
        host_unit: unit_from(&r, 8)?,
        invited,
        speakers,
        decisions,
        owing: owing.into_values().collect(),
    }))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingSummary {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub region: String,
    pub host_unit: String,
    pub starts_at: String,
    pub place: String,
}

/// Meetings in a scope, and those the unit hosts or is invited to, newest first.
pub fn list_meetings(conn: &mut Conn, user: &User, region: &str, limit: i64) -> Result<Vec<MeetingSummary>, DbError> {
    let (eq, lo, hi) = scope(region);
    conn.query(
        "SELECT m.id, m.title, m.kind, m.region_code, a.name, m.starts_at, m.place FROM meetings m JOIN agency_units a ON a.id = m.host_unit_id
         WHERE m.region_code = $1 OR (m.region_code >= $2 AND m.region_code < $3) OR m.host_unit_id = $4
            OR m.id IN (SELECT meeting_id FROM meeting_units WHERE unit_id = $4)
         ORDER BY m.starts_at DESC, m.id DESC LIMIT $5",
        params![eq, lo, hi, user.unit.id, limit],
    )?
    .iter()
    .map(|r| {
        let region: String = r.get(3)?;
        let starts: String = r.get(5)?;
        Ok(MeetingSummary {
            id: r.get(0)?,
            title: r.get(1)?,
            kind: r.get(2)?,
            starts_at: crate::reports::store::local(&starts, offset_of(&region)),
            region,
            host_unit: r.get(4)?,
            place: r.get(6)?,
        })
    })
    .collect()
}

/// What the host may change after scheduling; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct MeetingPatch {
    pub title: Option<String>,
    pub place: Option<String>,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    pub starts_at: Option<OffsetDateTime>,
    pub invite: Vec<Unit>,
}

pub fn update_meeting(conn: &mut Conn, permit: &Permit, m: &MeetingHead, p: &MeetingPatch) -> Result<(), AppError> {
    let starts = p.starts_at.map(crate::platform::clock::rfc3339);
    conn.execute(
        "UPDATE meetings SET title = COALESCE($1, title), place = COALESCE($2, place), agenda = COALESCE($3, agenda),
            minutes = COALESCE($4, minutes), starts_at = COALESCE($5, starts_at) WHERE id = $6",
        params![p.title.clone(), p.place.clone(), p.agenda.clone(), p.minutes.clone(), starts, m.id],
    )?;
    for u in &p.invite {
        invite(conn, m.id, u)?;
    }
    audit::record(conn, permit, Change {
        action: "meeting.update",
        entity_type: "meeting",
        entity_id: &m.id.to_string(),
        region: Some(&m.region),
        detail: serde_json::json!({
            "title": p.title.is_some(), "place": p.place.is_some(), "agenda": p.agenda.is_some(),
            "minutes": p.minutes.is_some(), "starts_at": p.starts_at.is_some(),
            "invited": p.invite.iter().map(|u| u.id).collect::<Vec<_>>()
        }),
    })?;
    Ok(())
}

pub fn add_speaker(conn: &mut Conn, permit: &Permit, m: &MeetingHead, unit: &Unit, name: &str, topic: &str) -> Result<i64, AppError> {
    let id: i64 = conn
        .query_one("INSERT INTO meeting_speakers (meeting_id, unit_id, name, topic) VALUES ($1, $2, $3, $4) RETURNING id", params![m.id, unit.id, name, topic])?
        .get(0)?;
    audit::record(conn, permit, Change {
        action: "meeting.speaker",
        entity_type: "meeting",
        entity_id: &m.id.to_string(),
        region: Some(&m.region),
        detail: serde_json::json!({"unit": unit.id, "name": name, "topic": topic}),
    })?;
    Ok(id)
}

/// Records whether an invited unit came; a unit not yet invited is invited by it.
pub fn set_attendance(conn: &mut Conn, permit: &Permit, m: &MeetingHead, unit: &Unit, attendance: super::Attendance, represented_by: &str) -> Result<(), AppError> {
    let attendance = attendance.as_str();
    invite(conn, m.id, unit)?;
    conn.execute(
        "UPDATE meeting_units SET attendance = $1, represented_by = $2 WHERE meeting_id = $3 AND unit_id = $4",
        params![attendance, represented_by, m.id, unit.id],
    )?;
    audit::record(conn, permit, Change {
        action: "meeting.attendance",
        entity_type: "meeting",
        entity_id: &m.id.to_string(),
        region: Some(&m.region),
        detail: serde_json::json!({"unit": unit.id, "attendance": attendance, "represented_by": represented_by}),
    })?;
    Ok(())
}

/// A decision of the meeting: an existing one by id, or the text (recorded once). In JSON a
/// whole number or a text; anything else is refused in both languages naming the field, and
/// the text passes the same checks as every free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionRef {
    Id(i64),
    Text(String),
}

fn whole_decision() -> crate::platform::i18n::Text {
    tr!("nomor kesepakatan harus bilangan bulat", "a decision id is a whole number")
}

fn either_decision() -> crate::platform::i18n::Text {
    tr!("kesepakatan berupa nomornya atau teksnya", "decision is a decision id or its text")
}

impl<'de> Deserialize<'de> for DecisionRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::platform::text::{self, Problem, refusal};
        use serde::de::{Error, MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DecisionRef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decision id or its text")
            }
            fn visit_i64<E: Error>(self, n: i64) -> Result<DecisionRef, E> {
                Ok(DecisionRef::Id(n))
            }
            fn visit_u64<E: Error>(self, n: u64) -> Result<DecisionRef, E> {
                i64::try_from(n).map(DecisionRef::Id).map_err(|_| refusal(&whole_decision()))
            }
            fn visit_f64<E: Error>(self, _: f64) -> Result<DecisionRef, E> {
                Err(refusal(&whole_decision()))
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<DecisionRef, E> {
                let v = text::check(s, text::NOTE_MAX, true).map_err(E::custom)?;
                if v.is_empty() {
                    return Err(E::custom(Problem::Required));
                }
                Ok(DecisionRef::Text(v.to_string()))
            }
            fn visit_bool<E: Error>(self, _: bool) -> Result<DecisionRef, E> {
                Err(refusal(&either_decision()))
            }
            fn visit_unit<E: Error>(self) -> Result<DecisionRef, E> {
                Err(refusal(&either_decision()))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<DecisionRef, A::Error> {
                Err(refusal(&either_decision()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<DecisionRef, A::Error> {
                Err(refusal(&either_decision()))
            }
        }
        d.deserialize_any(V)
    }
}

impl utoipa::PartialSchema for DecisionRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))).description(Some("The id of a decision of this meeting.")))
            .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(crate::platform::text::NOTE_MAX)).description(Some("The decision's text (recorded if new).")))
            .into()
    }
}

impl utoipa::ToSchema for DecisionRef {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("DecisionChoice")
    }
}

pub fn decision_id(conn: &mut Conn, permit: &Permit, m: &MeetingHead, d: &DecisionRef) -> Result<i64, AppError> {
    match d {
        DecisionRef::Id(id) => {
            let found = conn.query_opt("SELECT id FROM meeting_decisions WHERE id = $1 AND meeting_id = $2", params![*id, m.id])?;
            found.map(|r| r.get(0)).transpose()?.ok_or_else(|| {
                let meeting = m.id;
                AppError::invalid("decision", tr!("rapat {meeting} tidak memiliki kesepakatan {id}", "meeting {meeting} has no decision {id}"))
            })
        }
        DecisionRef::Text(text) => {
            if let Some(r) = conn.query_opt("SELECT id FROM meeting_decisions WHERE meeting_id = $1 AND text = $2", params![m.id, text.as_str()])? {
                return Ok(r.get(0)?);
            }
            let id: i64 = conn.query_one("INSERT INTO meeting_decisions (meeting_id, text) VALUES ($1, $2) RETURNING id", params![m.id, text.as_str()])?.get(0)?;
            audit::record(conn, permit, Change {
                action: "meeting.decision",
                entity_type: "meeting",
                entity_id: &m.id.to_string(),
                region: Some(&m.region),
                detail: serde_json::json!({"decision": id, "text": text}),
            })?;
            Ok(id)
        }
    }
}

pub struct NewAction {
    pub decision: i64,
    pub owner: Unit,
    pub due: Date,
    pub description: String,
}

pub fn add_action(conn: &mut Conn, permit: &Permit, m: &MeetingHead, a: &NewAction, now: OffsetDateTime) -> Result<ActionView, AppError> {
    let (decision, owner, due, description) = (a.decision, &a.owner, a.due, a.description.as_str());
    if owner.id != m.host.id && !invited_ids(conn, m.id)?.contains(&owner.id) {
        let name = &owner.name;
        return Err(AppError::invalid("owner_unit", tr!("{name} tidak diundang ke rapat ini; undang dahulu", "{name} was not invited to this meeting; invite it first")));
    }
    let id: i64 = conn
        .query_one(
            "INSERT INTO action_items (meeting_id, decision_id, owner_unit_id, description, due, status, evidence, alerted, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'terbuka', '', '', $6, $7) RETURNING id",
            params![m.id, decision, owner.id, description, day_string(due), permit.username(), crate::platform::clock::rfc3339(now)],
        )?
        .get(0)?;
    audit::record(conn, permit, Change {
        action: "action.create",
        entity_type: "action_item",
        entity_id: &id.to_string(),
        region: Some(&owner.region),
        detail: serde_json::json!({"meeting": m.id, "decision": decision, "owner_unit": owner.id, "due": day_string(due)}),
    })?;
    action(conn, id, now)?.ok_or_else(|| AppError::Internal("the new action item vanished".into()))
}

pub fn action(conn: &mut Conn, id: i64, now: OffsetDateTime) -> Result<Option<ActionView>, DbError> {
    let mut a: Vec<ActionView> = conn.query_opt(&format!("{ACTION_SELECT} WHERE x.id = $1"), params![id])?.map(|r| action_from(&r, now)).transpose()?.into_iter().collect();
    shown_by(conn, &mut a)?;
    Ok(a.pop())
}

pub fn update_action(conn: &mut Conn, permit: &Permit, a: &ActionView, status: Option<super::ActionState>, evidence: Option<&str>, now: OffsetDateTime) -> Result<ActionView, AppError> {
    let status = status.map(super::ActionState::as_str);
    conn.execute(
        "UPDATE action_items SET status = COALESCE($1, status), evidence = COALESCE($2, evidence), updated_by = $3, updated_at = $4 WHERE id = $5",
        params![status, evidence, permit.username(), crate::platform::clock::rfc3339(now), a.id],
    )?;
    audit::record(conn, permit, Change {
        action: "action.update",
        entity_type: "action_item",
        entity_id: &a.id.to_string(),
        region: Some(&a.owner_unit.region),
        detail: serde_json::json!({"from": a.status, "status": status, "evidence": evidence.is_some()}),
    })?;
    action(conn, a.id, now)?.ok_or_else(|| AppError::Internal("the action item vanished".into()))
}

pub struct ActionFilter {
    pub owner_unit: Option<i64>,
    pub meeting: Option<i64>,
    pub overdue: bool,
    pub open_only: bool,
}

/// Action items the user may see (their scope holds the meeting or the owner, or their unit
/// owns it), oldest due first.
pub fn list_actions(conn: &mut Conn, user: &User, f: &ActionFilter, now: OffsetDateTime, limit: i64) -> Result<Vec<ActionView>, DbError> {
    let (eq, lo, hi) = scope(&user.unit.region);
    let rows = conn.query(
        &format!(
            "{ACTION_SELECT} WHERE ($1 = CAST(0 AS BIGINT) OR x.owner_unit_id = $1) AND ($2 = CAST(0 AS BIGINT) OR x.meeting_id = $2) AND ($3 = 0 OR x.status <> 'selesai')
               AND (x.owner_unit_id = $4 OR m.region_code = $5 OR (m.region_code >= $6 AND m.region_code < $7)
                    OR a.region_code = $5 OR (a.region_code >= $6 AND a.region_code < $7))
               AND ($8 = '' OR x.due < $8)
             ORDER BY x.due, x.id"
        ),
        params![
            f.owner_unit.unwrap_or(0),
            f.meeting.unwrap_or(0),
            i64::from(f.overdue || f.open_only),
            user.unit.id,
            eq,
            lo,
            hi,
            if f.overdue { day_string(today_in_wit(now)) } else { String::new() }
        ],
    )?;
    let mut out = vec![];
    for r in &rows {
        let a = action_from(r, now)?;
        if f.overdue && a.status != "terlambat" {
            continue;
        }
        out.push(a);
        if out.len() as i64 >= limit {
            break;
        }
    }
    shown_by(conn, &mut out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Budget

pub struct NewLine {
    pub program: String,
    pub activity: String,
    pub unit: Unit,
    pub region: String,
    pub stage: String,
    pub amount: i64,
}

pub fn add_line(conn: &mut Conn, permit: &Permit, l: &NewLine) -> Result<i64, AppError> {
    let id: i64 = conn
        .query_one(
            "INSERT INTO budget_lines (program, activity, region_code, unit_id, stage_key, plan_amount, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            params![
                l.program.as_str(),
                l.activity.as_str(),
                l.region.as_str(),
                l.unit.id,
                l.stage.as_str(),
                l.amount,
                permit.username(),
                crate::platform::clock::now_rfc3339()
            ],
        )?
        .get(0)?;
    audit::record(conn, permit, Change {
        action: "budget.line",
        entity_type: "budget_line",
        entity_id: &id.to_string(),
        region: Some(&l.region),
        detail: serde_json::json!({"program": l.program, "activity": l.activity, "unit": l.unit.id, "amount": l.amount, "stage": l.stage}),
    })?;
    Ok(id)
}

pub struct LineHead {
    pub id: i64,
    pub unit: Unit,
    pub region: String,
    pub plan: i64,
}

pub fn line_head(conn: &mut Conn, id: i64) -> Result<Option<LineHead>, DbError> {
    let Some(r) = conn.query_opt(
        "SELECT l.id, l.region_code, l.plan_amount, a.id, a.agency, a.region_code, a.name FROM budget_lines l JOIN agency_units a ON a.id = l.unit_id WHERE l.id = $1",
        params![id],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(LineHead { id: r.get(0)?, region: r.get(1)?, plan: r.get(2)?, unit: unit_from(&r, 3)? }))
}

/// Records spending on a line. Spending beyond the line's plan is refused, naming what is
/// left of the plan: a larger need is a revised plan (a new or changed line), not silent
/// overspending.
pub fn add_realisation(conn: &mut Conn, permit: &Permit, line: &LineHead, amount: i64, spent_on: Date, document_no: &str, description: &str) -> Result<i64, AppError> {
    let spent: i64 = conn.query_one("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM budget_realisations WHERE line_id = $1", params![line.id])?.get(0)?;
    let left = line.plan.saturating_sub(spent).max(0);
    if amount > left {
        let (plan, spent, left, amount) = (super::rupiah(line.plan), super::rupiah(spent), super::rupiah(left), super::rupiah(amount));
        return Err(AppError::invalid(
            "amount",
            crate::tr!(
                "realisasi {amount} melebihi sisa pagu: pagu {plan}, sudah terealisasi {spent}, sisa {left}. Ubah pagu dulu bila kebutuhannya memang lebih besar",
                "spending of {amount} is more than what is left of the plan: plan {plan}, spent {spent}, left {left}. Revise the plan first if the need is larger"
            ),
        ));
    }
    let id: i64 = conn
        .query_one(
            "INSERT INTO budget_realisations (line_id, amount, spent_on, document_no, description, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![line.id, amount, day_string(spent_on), document_no, description, permit.username(), crate::platform::clock::now_rfc3339()],
        )?
        .get(0)?;
    audit::record(conn, permit, Change {
        action: "budget.realisation",
        entity_type: "budget_line",
        entity_id: &line.id.to_string(),
        region: Some(&line.region),
        detail: serde_json::json!({"realisation": id, "amount": amount, "spent_on": day_string(spent_on), "document_no": document_no}),
    })?;
    Ok(id)
}

pub struct NewGrant {
    pub election: &'static ElectionDef,
    pub grantor_region: String,
    pub recipient: Unit,
    pub amount: i64,
    pub signed_on: Date,
    pub document_no: String,
    /// (share in percent, due day)
    pub tranches: Vec<(i64, Date)>,
}

pub fn create_grant(conn: &mut Conn, permit: &Permit, g: &NewGrant) -> Result<i64, AppError> {
    let id: i64 = conn
        .query_one(
            "INSERT INTO grants (election_id, grantor_region, recipient_unit_id, region_code, amount, signed_on, document_no, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![
                g.election.id,
                g.grantor_region.as_str(),
                g.recipient.id,
                g.recipient.region.as_str(),
                g.amount,
                day_string(g.signed_on),
                g.document_no.as_str(),
                permit.username(),
                crate::platform::clock::now_rfc3339()
            ],
        )?
        .get(0)?;
    let shares: Vec<i64> = g.tranches.iter().map(|t| t.0).collect();
    let amounts = super::tranche_amounts(g.amount, &shares);
    for (i, ((share, due), amount)) in g.tranches.iter().zip(amounts).enumerate() {
        conn.execute(
            "INSERT INTO grant_tranches (grant_id, seq, share_percent, amount, due, alerted) VALUES ($1, $2, $3, $4, $5, '')",
            params![id, i as i64 + 1, *share, amount, day_string(*due)],
        )?;
    }
    audit::record(conn, permit, Change {
        action: "grant.create",
        entity_type: "grant",
        entity_id: &id.to_string(),
        region: Some(&g.recipient.region),
        detail: serde_json::json!({"grantor_region": g.grantor_region, "recipient_unit": g.recipient.id, "amount": g.amount, "signed_on": day_string(g.signed_on), "tranches": shares}),
    })?;
    Ok(id)
}

pub struct GrantHead {
    pub id: i64,
    pub grantor_region: String,
    pub recipient: Unit,
}

pub fn grant_head(conn: &mut Conn, id: i64) -> Result<Option<GrantHead>, DbError> {
    let Some(r) = conn.query_opt(
        "SELECT g.id, g.grantor_region, a.id, a.agency, a.region_code, a.name FROM grants g JOIN agency_units a ON a.id = g.recipient_unit_id WHERE g.id = $1",
        params![id],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(GrantHead { id: r.get(0)?, grantor_region: r.get(1)?, recipient: unit_from(&r, 2)? }))
}

/// Records money received against a tranche; more than the tranche still owes is refused.
pub fn add_disbursement(conn: &mut Conn, permit: &Permit, g: &GrantHead, seq: i64, amount: i64, paid_on: Date, document_no: &str) -> Result<i64, AppError> {
    let Some(t) = conn.query_opt("SELECT id, amount FROM grant_tranches WHERE grant_id = $1 AND seq = $2", params![g.id, seq])? else {
        let grant = g.id;
        return Err(AppError::invalid("tranche", tr!("hibah {grant} tidak memiliki tahap {seq}", "grant {grant} has no tranche {seq}")));
    };
    let (tid, due_amount): (i64, i64) = (t.get(0)?, t.get(1)?);
    let paid: i64 = conn.query_one("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM grant_disbursements WHERE tranche_id = $1", params![tid])?.get(0)?;
    if paid.saturating_add(amount) > due_amount {
        let (due, paid_s, asked, left) = (super::rupiah(due_amount), super::rupiah(paid), super::rupiah(amount), super::rupiah(due_amount - paid));
        return Err(AppError::invalid(
            "amount",
            tr!(
                "tahap {seq} sebesar {due} dan {paid_s} sudah dicairkan; {asked} melebihi sisa {left}",
                "tranche {seq} is {due} and {paid_s} of it was disbursed already; {asked} is more than the {left} left"
            ),
        ));
    }
    let id: i64 = conn
        .query_one(
            "INSERT INTO grant_disbursements (tranche_id, amount, paid_on, document_no, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            params![tid, amount, day_string(paid_on), document_no, permit.username(), crate::platform::clock::now_rfc3339()],
        )?
        .get(0)?;
    audit::record(conn, permit, Change {
        action: "grant.disbursement",
        entity_type: "grant",
        entity_id: &g.id.to_string(),
        region: Some(&g.recipient.region),
        detail: serde_json::json!({"tranche": seq, "amount": amount, "paid_on": day_string(paid_on), "document_no": document_no}),
    })?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrancheView {
    pub seq: i64,
    pub share_percent: i64,
    pub amount: i64,
    pub due: String,
    pub disbursed: i64,
    /// `lunas` (paid in full), `belum_jatuh_tempo`, or `terlambat` (due day passed, not paid).
    pub status: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    pub id: i64,
    pub election: String,
    pub grantor_region: String,
    pub recipient_unit: Unit,
    pub amount: i64,
    pub signed_on: String,
    pub document_no: String,
    pub disbursed: i64,
    pub tranches: Vec<TrancheView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineView {
    pub id: i64,
    pub program: String,
    pub activity: String,
    pub region: String,
    pub unit: Unit,
    /// The key of the stage the activity serves (empty when none).
    pub stage: String,
    /// That stage's name as the timeline shows it ("Pemungutan suara"); its words when no
    /// stage has the key.
    pub stage_name: String,
    pub plan: i64,
    pub realised: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverdueTranche {
    pub grant_id: i64,
    pub recipient_unit: String,
    pub seq: i64,
    pub due: String,
    pub outstanding: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetSummary {
    pub region: String,
    /// Whole rupiah.
    pub plan: i64,
    pub granted: i64,
    pub disbursed: i64,
    pub realised: i64,
    /// Realised over plan, to two decimals (computed in integers).
    pub absorption_percent: f64,
    pub lines: Vec<LineView>,
    pub grants: Vec<GrantView>,
    pub overdue_tranches: Vec<OverdueTranche>,
}

pub fn budget_summary(conn: &mut Conn, region: &str, now: OffsetDateTime) -> Result<BudgetSummary, DbError> {
    let (eq, lo, hi) = scope(region);
    let mut lines = vec![];
    for r in conn.query(
        "SELECT l.id, l.program, l.activity, l.region_code, a.id, a.agency, a.region_code, a.name, l.stage_key, l.plan_amount,
                (SELECT CAST(COALESCE(SUM(x.amount), 0) AS BIGINT) FROM budget_realisations x WHERE x.line_id = l.id),
                (SELECT s.name FROM stages s WHERE s.key = l.stage_key ORDER BY s.id LIMIT 1)
         FROM budget_lines l JOIN agency_units a ON a.id = l.unit_id
         WHERE l.region_code = $1 OR (l.region_code >= $2 AND l.region_code < $3) ORDER BY l.region_code, l.program, l.activity, l.id",
        params![eq.as_str(), lo.as_str(), hi.as_str()],
    )? {
        lines.push(LineView {
            id: r.get(0)?,
            program: r.get(1)?,
            activity: r.get(2)?,
            region: r.get(3)?,
            unit: unit_from(&r, 4)?,
            stage_name: match r.get::<Option<String>>(11)? {
                Some(name) => name,
                None => r.get::<String>(8)?.replace('_', " "),
            },
            stage: r.get(8)?,
            plan: r.get(9)?,
            realised: r.get(10)?,
        });
    }
    let mut grants = vec![];
    let mut overdue = vec![];
    for r in conn.query(
        "SELECT g.id, g.election_id, g.grantor_region, a.id, a.agency, a.region_code, a.name, g.amount, g.signed_on, g.document_no
         FROM grants g JOIN agency_units a ON a.id = g.recipient_unit_id
         WHERE g.region_code = $1 OR (g.region_code >= $2 AND g.region_code < $3) ORDER BY g.signed_on, g.id",
        params![eq.as_str(), lo.as_str(), hi.as_str()],
    )? {
        let id: i64 = r.get(0)?;
        let recipient = unit_from(&r, 3)?;
        let today = local_day(&recipient.region, now);
        let mut tranches = vec![];
        for t in conn.query(
            "SELECT t.seq, t.share_percent, t.amount, t.due, (SELECT CAST(COALESCE(SUM(d.amount), 0) AS BIGINT) FROM grant_disbursements d WHERE d.tranche_id = t.id)
             FROM grant_tranches t WHERE t.grant_id = $1 ORDER BY t.seq",
            params![id],
        )? {
            let (amount, due, disbursed): (i64, String, i64) = (t.get(2)?, t.get(3)?, t.get(4)?);
            let status = tranche_status(amount, disbursed, stored_day(&due)?, today);
            if status == "terlambat" {
                overdue.push(OverdueTranche { grant_id: id, recipient_unit: recipient.name.clone(), seq: t.get(0)?, due: due.clone(), outstanding: amount.saturating_sub(disbursed) });
            }
            tranches.push(TrancheView { seq: t.get(0)?, share_percent: t.get(1)?, amount, due, disbursed, status: status.into() });
        }
        grants.push(GrantView {
            id,
            election: r.get(1)?,
            grantor_region: r.get(2)?,
            recipient_unit: recipient,
            amount: r.get(7)?,
            signed_on: r.get(8)?,
            document_no: r.get(9)?,
            disbursed: super::total_rupiah(tranches.iter().map(|t| t.disbursed)),
            tranches,
        });
    }
    let plan = super::total_rupiah(lines.iter().map(|l| l.plan));
    let realised = super::total_rupiah(lines.iter().map(|l| l.realised));
    Ok(BudgetSummary {
        region: region.to_string(),
        plan,
        granted: super::total_rupiah(grants.iter().map(|g| g.amount)),
        disbursed: super::total_rupiah(grants.iter().map(|g| g.disbursed)),
        realised,
        absorption_percent: crate::platform::web::share(realised, plan, 2),
        lines,
        grants,
        overdue_tranches: overdue,
    })
}

pub fn tranche_status(amount: i64, disbursed: i64, due: Date, today: Date) -> &'static str {
    if disbursed >= amount {
        "lunas"
    } else if today > due {
        "terlambat"
    } else {
        "belum_jatuh_tempo"
    }
}

// ---------------------------------------------------------------------------------------------
// Alerts

/// Raises, once each: an action item past its due day (to its owner's agency), a tranche past
/// due (to the recipient's agency and the grantor's Pemda), and a stage starting tomorrow (to
/// every unit of its agencies in its region, at any tier).
pub fn sweep(conn: &mut Conn, now: OffsetDateTime) -> Result<usize, DbError> {
    let mut raised = 0;
    let horizon = day_string(today_in_wit(now));
    let rows = conn.query(&format!("{ACTION_SELECT} WHERE x.alerted = '' AND x.status <> 'selesai' AND x.due < $1"), params![horizon.as_str()])?;
    for r in &rows {
        let a = action_from(r, now)?;
        if a.status != "terlambat" {
            continue;
        }
        alerts::raise(conn, NewAlert {
            kind: "tindak_lanjut_terlambat",
            region: &a.owner_unit.region,
            severity: Severity::Warning,
            entity_type: "action_item",
            entity_id: &a.id.to_string(),
            message: {
                let (title, owner, task) = (&a.meeting_title, &a.owner_unit.name, &a.description);
                let (due_id, due_en) = crate::platform::i18n::both(|l| crate::platform::i18n::day_at(l, &a.due));
                crate::tr!(
                    "Tindak lanjut rapat \"{title}\" oleh {owner} lewat tenggat {due_id}: {task}",
                    "Action item of the meeting \"{title}\" owed by {owner} is past its due day {due_en}: {task}"
                )
            },
            agencies: &[a.owner_unit.agency],
            link: &format!("/rapat/{}", a.meeting_id),
        })?;
        conn.execute("UPDATE action_items SET alerted = 'lewat' WHERE id = $1", params![a.id])?;
        raised += 1;
    }
    let rows = conn.query(
        "SELECT t.id, t.seq, t.amount, t.due, g.id, g.grantor_region, a.id, a.agency, a.region_code, a.name,
                (SELECT CAST(COALESCE(SUM(d.amount), 0) AS BIGINT) FROM grant_disbursements d WHERE d.tranche_id = t.id)
         FROM grant_tranches t JOIN grants g ON g.id = t.grant_id JOIN agency_units a ON a.id = g.recipient_unit_id
         WHERE t.alerted = '' AND t.due < $1",
        params![horizon.as_str()],
    )?;
    for r in &rows {
        let (tid, seq, amount, due): (i64, i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let recipient = unit_from(r, 6)?;
        let disbursed: i64 = r.get(10)?;
        if tranche_status(amount, disbursed, stored_day(&due)?, local_day(&recipient.region, now)) != "terlambat" {
            continue;
        }
        alerts::raise(conn, NewAlert {
            kind: "hibah_terlambat",
            region: &recipient.region,
            severity: Severity::Critical,
            // Each tranche is its own thing: one alert per late tranche.
            entity_type: "grant_tranche",
            entity_id: &tid.to_string(),
            message: {
                let (unit, left) = (&recipient.name, super::rupiah(amount - disbursed));
                let (due_id, due_en) = crate::platform::i18n::both(|l| crate::platform::i18n::day_at(l, &due));
                crate::tr!(
                    "Tahap {seq} hibah NPHD untuk {unit} jatuh tempo {due_id}; belum cair {left}",
                    "Tranche {seq} of the NPHD grant to {unit} fell due on {due_en}; {left} not yet disbursed"
                )
            },
            agencies: &[recipient.agency, AgencyKind::Pemda],
            link: &format!("/anggaran?wilayah={}", recipient.region),
        })?;
        conn.execute("UPDATE grant_tranches SET alerted = 'lewat' WHERE id = $1", params![tid])?;
        raised += 1;
    }
    // Stages starting tomorrow, in their region's calendar.
    let earliest = day_string(now.date());
    let latest = day_string(now.date().saturating_add(time::Duration::days(2)));
    let rows = conn.query(
        "SELECT s.id, s.election_id, s.name, s.region_code, s.start_day, s.agencies FROM stages s WHERE s.alerted_on = '' AND s.start_day >= $1 AND s.start_day <= $2",
        params![earliest.as_str(), latest.as_str()],
    )?;
    for r in &rows {
        let (id, election, name, region, start, agencies): (i64, String, String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let today = local_day(&region, now);
        if stored_day(&start)? != today.saturating_add(time::Duration::days(1)) {
            continue;
        }
        let label = crate::elections::election(&election).map_or(election.as_str(), |e| e.name);
        let agencies = agencies_of(&agencies);
        alerts::raise_broadcast(conn, NewAlert {
            kind: "tahapan_besok",
            region: &region,
            severity: Severity::Info,
            entity_type: "stage",
            entity_id: &id.to_string(),
            message: {
                let (start_id, start_en) = crate::platform::i18n::both(|l| crate::platform::i18n::day_at(l, &start));
                crate::tr!("{label}: tahapan \"{name}\" dimulai besok, {start_id}", "{label}: the stage \"{name}\" starts tomorrow, {start_en}")
            },
            agencies: &agencies,
            link: &format!("/tahapan?wilayah={region}&pemilu={election}"),
        })?;
        conn.execute("UPDATE stages SET alerted_on = $1 WHERE id = $2", params![day_string(today), id])?;
        raised += 1;
    }
    Ok(raised)
}

/// A meeting still to come, as the situation page lists it (`starts_at` as stored, RFC 3339).
pub struct UpcomingMeeting {
    pub id: i64,
    pub title: String,
    pub starts_at: String,
    pub place: String,
}

/// The first meeting held in `region` or below that has not started yet.
pub fn next_meeting(conn: &mut Conn, region: &str, now: OffsetDateTime) -> Result<Option<UpcomingMeeting>, DbError> {
    let (eq, lo, hi) = scope(region);
    conn.query_opt(
        "SELECT id, title, starts_at, place FROM meetings
         WHERE (region_code = $1 OR (region_code >= $2 AND region_code < $3)) AND starts_at >= $4
         ORDER BY starts_at, id LIMIT 1",
        params![eq, lo, hi, crate::platform::clock::rfc3339(now)],
    )?
    .map(|r| Ok(UpcomingMeeting { id: r.get(0)?, title: r.get(1)?, starts_at: r.get(2)?, place: r.get(3)? }))
    .transpose()
}

/// Overdue action items of the units within `region`, counted per unit (most first): what the
/// situation of a region shows whoever reads it.
pub fn overdue_by_unit(conn: &mut Conn, region: &str, now: OffsetDateTime) -> Result<Vec<(String, i64)>, DbError> {
    let (eq, lo, hi) = scope(region);
    let rows = conn.query(
        &format!(
            "{ACTION_SELECT} WHERE x.status <> 'selesai' AND x.due < $1 AND (a.region_code = $2 OR (a.region_code >= $3 AND a.region_code < $4))"
        ),
        // Nowhere is it later than in WIT: no item due today anywhere is missed.
        params![day_string(today_in_wit(now)), eq, lo, hi],
    )?;
    let mut by_unit: BTreeMap<String, i64> = BTreeMap::new();
    for r in &rows {
        let a = action_from(r, now)?;
        if a.status == "terlambat" {
            *by_unit.entry(a.owner_unit.name).or_default() += 1;
        }
    }
    let mut out: Vec<(String, i64)> = by_unit.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}
