//! Storage of reports, evidence, disputes, their timelines and the holiday table; the workflow
//! and deadline rules are applied here, inside the write's transaction, so a case's state, its
//! clock, its timeline, its audit entry and its alerts change together or not at all.

use crate::tr;
use std::collections::BTreeSet;

use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};
use time::format_description::well_known::Rfc3339;

use super::deadlines::{self, DeadlineRule};
use super::evidence::CheckedFile;
use crate::platform::blob::BlobStore;
use super::{CaseFacts, ClockStart, EXTEND, MoveError, Track};
use crate::agencies::AgencyKind;
use crate::agencies::store::User;
use crate::elections::ElectionDef;
use crate::params;
use crate::platform::alerts::{self, NewAlert, Severity};
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::cache::TtlCache;
use crate::platform::clock;
use crate::platform::db::{Conn, DbError, Row};
use crate::platform::error::AppError;
use crate::platform::i18n::{self, Lang, Text, both, moment_at};

/// The offset of a region's local time (WIB when the code is unknown).
pub fn offset_of(region: &str) -> UtcOffset {
    crate::regions::time_zone(region).map_or(crate::regions::TimeZone::Wib.offset(), |tz| tz.offset())
}

pub fn parse_time(s: &str) -> Result<OffsetDateTime, DbError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| DbError::Other(format!("stored time {s:?}: {e}")))
}

/// A stored UTC time shown in the region's local time, with its offset.
pub fn local(stored: &str, offset: UtcOffset) -> String {
    OffsetDateTime::parse(stored, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(offset).format(&Rfc3339).ok())
        .unwrap_or_else(|| stored.to_string())
}

// ---------------------------------------------------------------------------------------------
// Holidays

pub fn ensure_builtin(conn: &mut Conn) -> Result<(), DbError> {
    let n: i64 = conn.query_one("SELECT COUNT(*) FROM holidays", &[])?.get(0)?;
    if n > 0 {
        return Ok(());
    }
    for h in deadlines::default_holidays() {
        conn.execute("INSERT INTO holidays (day, name, kind) VALUES ($1, $2, $3)", params![h.day.to_string(), h.name, h.kind])?;
    }
    Ok(())
}

/// The holiday table as the deadline engine reads it. It belongs to the running server's
/// `AppState` (registered at start-up, read with `AppState::module::<Holidays>()`), never to the
/// process, so two servers in one process (the tests) never share a stale table. An entry lives
/// a minute; the handlers that edit the table drop it once their write is committed, and the
/// edit's commit tells the other servers of a PostgreSQL deployment to drop theirs. The demo loader, which
/// runs before any server, uses a fresh one.
pub struct Holidays(TtlCache<(), BTreeSet<Date>>);

impl Default for Holidays {
    fn default() -> Self {
        Holidays(TtlCache::new(std::time::Duration::from_secs(60), 1))
    }
}

impl Holidays {
    /// The name an edit of the table drops it under on every server.
    pub const NAME: &str = "holidays";

    /// The holidays stored now (cached for a minute).
    pub fn days(&self, conn: &mut Conn) -> Result<BTreeSet<Date>, DbError> {
        if let Some(set) = self.0.get(&()) {
            return Ok(set);
        }
        let set = read_holidays(conn)?;
        self.0.insert((), set.clone());
        Ok(set)
    }

    /// Drops the cached table after an edit.
    pub fn forget(&self) {
        self.0.clear();
    }
}

fn read_holidays(conn: &mut Conn) -> Result<BTreeSet<Date>, DbError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let rows = conn.query("SELECT day FROM holidays", &[])?;
    rows.iter().map(|r| Date::parse(&r.get::<String>(0)?, &fmt).map_err(|e| DbError::Other(e.to_string()))).collect()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HolidayEntry {
    pub date: String,
    pub name: String,
    /// `libur` or `cuti_bersama`.
    pub kind: String,
}

pub fn list_holidays(conn: &mut Conn, year: Option<i32>) -> Result<Vec<HolidayEntry>, DbError> {
    let prefix = year.map_or(String::new(), |y| format!("{y:04}-"));
    let rows = conn.query("SELECT day, name, kind FROM holidays WHERE day LIKE $1 ORDER BY day", params![format!("{prefix}%")])?;
    rows.iter().map(|r| Ok(HolidayEntry { date: r.get(0)?, name: r.get(1)?, kind: r.get(2)? })).collect()
}

pub fn put_holiday(conn: &mut Conn, permit: &Permit, day: Date, name: &str, kind: &str) -> Result<HolidayEntry, AppError> {
    let date = day.to_string();
    conn.execute("DELETE FROM holidays WHERE day = $1", params![date.as_str()])?;
    conn.execute("INSERT INTO holidays (day, name, kind) VALUES ($1, $2, $3)", params![date.as_str(), name, kind])?;
    audit::record(conn, permit, Change {
        action: "holiday.put",
        entity_type: "holiday",
        entity_id: &date,
        region: None,
        detail: serde_json::json!({"name": name, "kind": kind}),
    })?;
    conn.drop_cache_everywhere(Holidays::NAME)?;
    Ok(HolidayEntry { date, name: name.into(), kind: kind.into() })
}

pub fn delete_holiday(conn: &mut Conn, permit: &Permit, day: Date) -> Result<(), AppError> {
    let date = day.to_string();
    if conn.execute("DELETE FROM holidays WHERE day = $1", params![date.as_str()])? == 0 {
        return Err(AppError::not_found(tr!("{date} tidak ada dalam daftar hari libur", "{date} is not in the holiday table")));
    }
    audit::record(conn, permit, Change { action: "holiday.delete", entity_type: "holiday", entity_id: &date, region: None, detail: serde_json::json!({}) })?;
    conn.drop_cache_everywhere(Holidays::NAME)?;
    Ok(())
}

/// The deadline of `rule` from `from` in the region's time zone, with the holidays stored now.
pub fn deadline_of(conn: &mut Conn, hol: &Holidays, rule: DeadlineRule, from: OffsetDateTime, region: &str) -> Result<OffsetDateTime, DbError> {
    let holidays = hol.days(conn)?;
    Ok(deadlines::deadline(rule.unit, rule.count, from, offset_of(region), &holidays))
}

fn rule_of(election: &ElectionDef, key: &str) -> Result<DeadlineRule, DbError> {
    deadlines::find(election.kind, key).ok_or_else(|| DbError::Other(format!("no deadline rule {key} for {}", election.id)))
}

// ---------------------------------------------------------------------------------------------
// Views

/// The clock of a case's current stage, as everyone sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stage {
    pub state: String,
    pub rule: Option<String>,
    /// RFC 3339 with the region's UTC offset.
    pub deadline: Option<String>,
    /// Calendar days from today (local) to the deadline's day; negative once passed.
    pub days_left: Option<i64>,
    pub overdue: bool,
    /// The agencies that must act next.
    pub owners: Vec<AgencyKind>,
}

pub fn stage(track: Track, state: &str, rule: Option<String>, deadline_at: Option<&str>, region: &str, now: OffsetDateTime) -> Stage {
    let offset = offset_of(region);
    let deadline = deadline_at.and_then(|d| parse_time(d).ok()).map(|d| d.to_offset(offset));
    Stage {
        state: state.to_string(),
        rule,
        deadline: deadline.and_then(|d| d.format(&Rfc3339).ok()),
        days_left: deadline.map(|d| deadlines::days_left(d, now)),
        overdue: deadline.is_some_and(|d| now > d),
        owners: if track.is_final(state) { vec![] } else { track.owners(state) },
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub from: Option<String>,
    pub to: String,
    pub reason: String,
    pub by: String,
    pub unit: String,
    pub agency: String,
    pub at: String,
    pub deadline_rule: Option<String>,
    pub deadline: Option<String>,
}

fn timeline(conn: &mut Conn, track: &str, id: i64, offset: UtcOffset) -> Result<Vec<Event>, DbError> {
    let rows = conn.query(
        "SELECT from_state, to_state, reason, actor, unit_name, agency, at, deadline_rule, deadline_at
         FROM case_events WHERE track = $1 AND case_id = $2 ORDER BY id",
        params![track, id],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                from: r.get(0)?,
                to: r.get(1)?,
                reason: r.get(2)?,
                by: r.get(3)?,
                unit: r.get(4)?,
                agency: r.get(5)?,
                at: local(&r.get::<String>(6)?, offset),
                deadline_rule: r.get(7)?,
                deadline: r.get::<Option<String>>(8)?.map(|d| local(&d, offset)),
            })
        })
        .collect()
}

/// One step of a case as the public sees it: the state and when, nothing of what was written.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicStep {
    pub state: String,
    pub label: String,
    pub at: String,
}

pub fn public_steps(conn: &mut Conn, id: i64, offset: UtcOffset) -> Result<Vec<PublicStep>, DbError> {
    let rows = conn.query("SELECT to_state, at FROM case_events WHERE track = 'report' AND case_id = $1 ORDER BY id", params![id])?;
    rows.iter()
        .map(|r| {
            let state: String = r.get(0)?;
            Ok(PublicStep { label: super::state_label(&state, crate::platform::web::Lang::Id).to_string(), state, at: local(&r.get::<String>(1)?, offset) })
        })
        .collect()
}

/// Who is reading a report decides what they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Bawaslu in scope: everything, the reporter's identity included.
    Handler,
    /// Police and prosecutors in scope, once the case is with Sentra Gakkumdu; DKPP for ethics
    /// cases: the case, never the reporter's identity.
    Partner,
}

/// What `user` may see of a report in `region` that is (or was) classified `class`.
pub fn access(user: &User, region: &str, class: Option<&str>) -> Option<Access> {
    if !crate::regions::within(&user.unit.region, region) {
        return None;
    }
    match user.unit.agency {
        AgencyKind::Bawaslu => Some(Access::Handler),
        AgencyKind::Polri | AgencyKind::Kejaksaan if class == Some("pidana") => Some(Access::Partner),
        AgencyKind::Dkpp if class == Some("kode_etik") => Some(Access::Partner),
        _ => None,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reporter {
    pub name: String,
    pub address: String,
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceInfo {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub election: String,
    pub region: String,
    /// `laporan`, `informasi_awal` (anonymous) or `temuan` (a supervisor's finding).
    pub kind: String,
    pub status: String,
    pub classification: Option<String>,
    /// Only for Bawaslu handling the case; null for everyone else and for anonymous reports.
    pub reporter: Option<Reporter>,
    pub reported: String,
    pub event_at: String,
    pub known_at: String,
    pub place: String,
    pub description: String,
    pub witnesses: Vec<String>,
    pub received_at: String,
    pub registered_at: Option<String>,
    pub stage: Stage,
    pub timeline: Vec<Event>,
    pub evidence: Vec<EvidenceInfo>,
    /// The formal and material requirements and whether each is met.
    pub requirements: Vec<super::Requirement>,
    /// The moves the reading user may make now.
    pub actions: Vec<String>,
}

const REPORT_COLS: &str = "id, election_id, region_code, kind, status, classification, reporter_name, reporter_address, reporter_contact,
    reported, event_at, known_at, place, description, witnesses, received_at, registered_at, deadline_rule, deadline_at,
    extended, returned, receipt";

/// A report as stored (identity included): only this module reads it.
pub struct ReportRecord {
    pub id: i64,
    pub election: String,
    pub region: String,
    pub kind: String,
    pub status: String,
    pub classification: Option<String>,
    pub reporter: Option<Reporter>,
    pub reported: String,
    pub event_at: String,
    pub known_at: String,
    pub place: String,
    pub description: String,
    pub witnesses: Vec<String>,
    pub received_at: String,
    pub registered_at: Option<String>,
    pub deadline_rule: Option<String>,
    pub deadline_at: Option<String>,
    pub extended: bool,
    pub returned: bool,
    pub receipt: String,
}

fn record_of(r: &Row) -> Result<ReportRecord, DbError> {
    let name: Option<String> = r.get(6)?;
    let witnesses: String = r.get(14)?;
    Ok(ReportRecord {
        id: r.get(0)?,
        election: r.get(1)?,
        region: r.get(2)?,
        kind: r.get(3)?,
        status: r.get(4)?,
        classification: r.get(5)?,
        reporter: match name {
            Some(name) => Some(Reporter { name, address: r.get::<Option<String>>(7)?.unwrap_or_default(), contact: r.get::<Option<String>>(8)?.unwrap_or_default() }),
            None => None,
        },
        reported: r.get(9)?,
        event_at: r.get(10)?,
        known_at: r.get(11)?,
        place: r.get(12)?,
        description: r.get(13)?,
        witnesses: serde_json::from_str(&witnesses).unwrap_or_default(),
        received_at: r.get(15)?,
        registered_at: r.get(16)?,
        deadline_rule: r.get(17)?,
        deadline_at: r.get(18)?,
        extended: r.get(19)?,
        returned: r.get(20)?,
        receipt: r.get(21)?,
    })
}

pub fn report_record(conn: &mut Conn, id: i64) -> Result<Option<ReportRecord>, DbError> {
    conn.query_opt(&format!("SELECT {REPORT_COLS} FROM reports WHERE id = $1"), params![id])?.map(|r| record_of(&r)).transpose()
}

pub fn report_by_receipt(conn: &mut Conn, receipt: &str) -> Result<Option<ReportRecord>, DbError> {
    // A receipt is ASCII letters, digits and dashes (`receipt_code`): anything else is no
    // receipt, and is not sent to the database (PostgreSQL refuses a NUL in text).
    if receipt.is_empty() || receipt.len() > 40 || !receipt.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Ok(None);
    }
    conn.query_opt(&format!("SELECT {REPORT_COLS} FROM reports WHERE receipt = $1"), params![receipt])?.map(|r| record_of(&r)).transpose()
}

pub fn evidence_list(conn: &mut Conn, id: i64, offset: UtcOffset) -> Result<Vec<EvidenceInfo>, DbError> {
    let rows = conn.query(
        "SELECT id, name, content_type, size, sha256, uploaded_at FROM report_evidence WHERE report_id = $1 ORDER BY id",
        params![id],
    )?;
    rows.iter()
        .map(|r| {
            Ok(EvidenceInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                content_type: r.get(2)?,
                size: r.get(3)?,
                sha256: r.get(4)?,
                uploaded_at: local(&r.get::<String>(5)?, offset),
            })
        })
        .collect()
}

/// One evidence file's name, content type and SHA-256 (its key in the blob store).
pub fn evidence_file(conn: &mut Conn, report: i64, id: i64) -> Result<Option<(String, String, String)>, DbError> {
    conn.query_opt(
        "SELECT name, content_type, sha256 FROM report_evidence WHERE report_id = $1 AND id = $2",
        params![report, id],
    )?
    .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .transpose()
}

/// Moves evidence bytes that older versions kept in `report_evidence.data` into the blob store,
/// a few rows at a time, then empties the column of each row moved. Run at every start; a row
/// already moved is skipped, so it can be stopped and run again. A row whose bytes do not match
/// its recorded SHA-256 keeps its bytes (nothing is lost; a warning names it). Returns how many
/// rows were moved.
pub async fn move_evidence_to_blobs(db: &crate::platform::db::Db, blobs: &BlobStore) -> Result<usize, AppError> {
    let mut moved = 0;
    let mut after = 0i64;
    loop {
        let batch: Vec<(i64, String, Vec<u8>)> = db
            .read(move |c| {
                c.query("SELECT id, sha256, data FROM report_evidence WHERE id > $1 AND length(data) > 0 ORDER BY id LIMIT 20", params![after])?
                    .iter()
                    .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .collect::<Result<Vec<_>, DbError>>()
            })
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        let mut done = vec![];
        for (id, sha, data) in batch {
            let key = blobs.put(bytes::Bytes::from(data)).await?;
            if key == sha {
                done.push(id);
            } else {
                tracing::warn!("evidence {id}: its bytes hash to {key}, not the recorded {sha}; kept in the database");
            }
        }
        let n = done.len();
        db.write(move |c| {
            for id in done {
                c.execute("UPDATE report_evidence SET data = $1 WHERE id = $2", params![Vec::<u8>::new(), id])?;
            }
            Ok::<_, DbError>(())
        })
        .await?;
        moved += n;
    }
    Ok(moved)
}

/// The bytes of an evidence file: from the blob store, or the database for a row the start-up
/// move left there.
pub async fn evidence_bytes(db: &crate::platform::db::Db, blobs: &BlobStore, report: i64, id: i64, sha256: &str) -> Result<Vec<u8>, AppError> {
    if let Some(b) = blobs.get(sha256).await? {
        return Ok(b.to_vec());
    }
    let left: Option<Vec<u8>> = db
        .read(move |c| c.query_opt("SELECT data FROM report_evidence WHERE report_id = $1 AND id = $2 AND length(data) > 0", params![report, id])?.map(|r| r.get(0)).transpose())
        .await?;
    left.ok_or_else(|| AppError::Internal(format!("evidence {id} of report {report} ({sha256}) is missing from the blob store")))
}

/// The moves `user` may make on a case now (role, agency and scope permitting).
pub fn actions_for(user: &User, facts: &CaseFacts<'_>, region: &str) -> Vec<String> {
    if user.role < crate::agencies::Role::Operator || !crate::regions::within(&user.unit.region, region) {
        return vec![];
    }
    facts
        .track
        .steps()
        .iter()
        .filter(|s| s.from.contains(&facts.state))
        .filter(|s| super::check_move(facts, s.to, user.unit.agency, "x").is_ok())
        .map(|s| s.to.to_string())
        .collect()
}

impl ReportRecord {
    /// What the workflow judges a move on: the state, the kind, the once-only flags, the unmet
    /// requirements and whether the reporter was already asked to complete the report.
    pub fn facts<'a>(&'a self, conn: &mut Conn, requirements: &[super::Requirement]) -> Result<CaseFacts<'a>, DbError> {
        let asked: i64 = conn
            .query_one("SELECT COUNT(*) FROM case_events WHERE track = 'report' AND case_id = $1 AND to_state = $2", params![self.id, super::PERBAIKAN])?
            .get(0)?;
        Ok(CaseFacts {
            track: Track::Report,
            state: &self.status,
            kind: &self.kind,
            extended: self.extended,
            returned: self.returned,
            unmet: requirements.iter().filter(|q| !q.met).map(|q| q.key).collect(),
            completion_asked: asked > 0,
        })
    }

    /// The report's formal and material requirements, judged on what is stored now.
    pub fn requirements(&self, conn: &mut Conn, hol: &Holidays) -> Result<Vec<super::Requirement>, DbError> {
        let evidence: i64 = conn.query_one("SELECT COUNT(*) FROM report_evidence WHERE report_id = $1", params![self.id])?.get(0)?;
        let filed_in_time = match (crate::elections::election(&self.election), parse_time(&self.known_at), parse_time(&self.received_at)) {
            (Some(e), Ok(known), Ok(received)) => received <= deadline_of(conn, hol, rule_of(e, "batas_lapor")?, known, &self.region)?,
            _ => false,
        };
        Ok(super::requirements(&super::ReportFacts {
            reporter_named: self.reporter.as_ref().is_some_and(|p| !p.name.is_empty() && !p.address.is_empty()),
            reported: &self.reported,
            filed_in_time,
            place: &self.place,
            description: &self.description,
            evidence: usize::try_from(evidence).unwrap_or(0),
            witnesses: self.witnesses.len(),
        }))
    }

    pub fn stage(&self, now: OffsetDateTime) -> Stage {
        stage(Track::Report, &self.status, self.deadline_rule.clone(), self.deadline_at.as_deref(), &self.region, now)
    }

    pub fn view(self, conn: &mut Conn, hol: &Holidays, user: &User, access: Access, now: OffsetDateTime) -> Result<ReportView, DbError> {
        let offset = offset_of(&self.region);
        let requirements = self.requirements(conn, hol)?;
        let actions = actions_for(user, &self.facts(conn, &requirements)?, &self.region);
        let stage = self.stage(now);
        let evidence = evidence_list(conn, self.id, offset)?;
        Ok(ReportView {
            timeline: timeline(conn, "report", self.id, offset)?,
            evidence,
            requirements,
            id: self.id,
            election: self.election,
            kind: self.kind,
            status: self.status,
            classification: self.classification,
            reporter: if access == Access::Handler { self.reporter } else { None },
            reported: self.reported,
            event_at: local(&self.event_at, offset),
            known_at: local(&self.known_at, offset),
            place: self.place,
            description: self.description,
            witnesses: self.witnesses,
            received_at: local(&self.received_at, offset),
            registered_at: self.registered_at.map(|t| local(&t, offset)),
            region: self.region,
            stage,
            actions,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Intake

/// A report or finding that passed every check of its input.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub election: &'static ElectionDef,
    pub region: String,
    /// `laporan`, `informasi_awal` or `temuan`.
    pub kind: &'static str,
    pub reporter: Option<Reporter>,
    pub reported: String,
    pub event_at: OffsetDateTime,
    pub known_at: OffsetDateTime,
    pub place: String,
    pub description: String,
    pub witnesses: Vec<String>,
}

/// When the filing window (`batas_lapor` from the day the violation became known) closed, if
/// it closed before `now`; anonymous tips have no window (they are informasi awal anyway).
pub fn filing_window_closed(conn: &mut Conn, hol: &Holidays, r: &NewReport, now: OffsetDateTime) -> Result<Option<OffsetDateTime>, DbError> {
    if r.kind == "informasi_awal" {
        return Ok(None);
    }
    let rule = rule_of(r.election, "batas_lapor")?;
    let closes = deadline_of(conn, hol, rule, r.known_at, &r.region)?;
    Ok((now > closes).then_some(closes))
}

/// "27 November 2024 pukul 23.59 WIB" / "27 November 2024, 23.59 WIB" in the region's time,
/// through the one date and time format of `platform::i18n`.
pub fn long_time(at: OffsetDateTime, region: &str) -> Text {
    let t = at.to_offset(offset_of(region));
    let (day_id, day_en, time) = (i18n::date(Lang::Id, t.date()), i18n::date(Lang::En, t.date()), i18n::clock_time(t));
    crate::tr!("{day_id} pukul {time}", "{day_en}, {time}")
}

/// What the reporter is told when a late report is kept as initial information.
pub fn late_notice(closes: OffsetDateTime, region: &str) -> Text {
    let when = long_time(closes, region);
    let (id, en) = (when.id().to_string(), when.en().to_string());
    crate::tr!(
        "Laporan Anda kami terima dan simpan sebagai informasi awal, karena batas waktu pelaporan sudah berakhir pada {id}. Laporan yang lewat batas waktu tidak dapat diregistrasi, tetapi Bawaslu dapat menindaklanjutinya sebagai temuan.",
        "We received your report and kept it as initial information, because the filing window closed on {en}. A late report cannot be registered, but Bawaslu may take it up as its own finding."
    )
}

/// The result of filing: where the report went.
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: i64,
    pub receipt: String,
    pub kind: &'static str,
    pub status: &'static str,
    /// When the filing window closed, for a report kept as informasi awal because it was late.
    pub late_since: Option<OffsetDateTime>,
}

fn receipt_code() -> Result<String, AppError> {
    // Crockford-style alphabet: no I, L, O, U, so a receipt read over the phone is not misheard.
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
    Ok(format!("LP-{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]))
}

/// Stores a report or finding with its evidence, opens its first clock and tells the region's
/// Bawaslu. A citizen's report filed after the window is not turned away: it is kept as
/// informasi awal (not registered; Bawaslu may take it up as a finding). A supervisor's own
/// finding after its window is refused.
pub fn create_report(
    conn: &mut Conn,
    hol: &Holidays,
    permit: &Permit,
    unit: &str,
    r: &NewReport,
    files: &[(CheckedFile, bytes::Bytes)],
    now: OffsetDateTime,
) -> Result<Filed, AppError> {
    let late_since = filing_window_closed(conn, hol, r, now)?;
    if let Some(closes) = late_since
        && r.kind == "temuan"
    {
        let when = long_time(closes, &r.region);
        let (id, en) = (when.id().to_string(), when.en().to_string());
        return Err(AppError::invalid(
            "known_at",
            crate::tr!(
                "batas waktu menetapkan temuan sudah berakhir pada {id} (dihitung dari saat pelanggaran diketahui)",
                "the window for recording a finding closed on {en} (counted from when the violation became known)"
            ),
        ));
    }
    if files.len() as i64 > super::evidence::MAX_FILES {
        let max = super::evidence::MAX_FILES;
        return Err(AppError::invalid("file", crate::tr!("paling banyak {max} berkas bukti per laporan", "at most {max} evidence files per report")));
    }
    let (kind, status) = if late_since.is_some() { ("informasi_awal", super::INFORMASI_AWAL) } else { (r.kind, "diterima") };
    let receipt = receipt_code()?;
    let at = clock::rfc3339(now);
    let clock = Track::Report.clock(status, false).ok_or_else(|| AppError::Internal(format!("no clock for {status}")))?;
    let rule = rule_of(r.election, clock.rule)?;
    let deadline = clock::rfc3339(deadline_of(conn, hol, rule, now, &r.region)?);
    let id: i64 = conn
        .query_one(
            "INSERT INTO reports (receipt, election_id, region_code, kind, reporter_name, reporter_address, reporter_contact, reported,
                event_at, known_at, place, description, witnesses, received_at, status, state_entered_at, deadline_rule, deadline_at, filed_by,
                district_code, regency_code, province_code)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $21, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
            params![
                receipt.as_str(),
                r.election.id,
                r.region.as_str(),
                kind,
                r.reporter.as_ref().map(|p| p.name.clone()),
                r.reporter.as_ref().map(|p| p.address.clone()),
                r.reporter.as_ref().map(|p| p.contact.clone()),
                r.reported.as_str(),
                clock::rfc3339(r.event_at),
                clock::rfc3339(r.known_at),
                r.place.as_str(),
                r.description.as_str(),
                serde_json::to_string(&r.witnesses).unwrap_or_else(|_| "[]".into()),
                at.as_str(),
                rule.key,
                deadline.as_str(),
                permit.actor().agency().map(|_| permit.username().to_string()),
                r.region.get(..8).unwrap_or(""),
                r.region.get(..5).unwrap_or(""),
                r.region.get(..2).unwrap_or(""),
                status
            ],
        )?
        .get(0)?;
    if let Some(closes) = late_since {
        // Received, then at once kept as initial information: both steps on the timeline.
        event(conn, "report", id, None, "diterima", "", permit, unit, &at, None, None)?;
        let why = late_notice(closes, &r.region);
        event(conn, "report", id, Some("diterima"), status, why.id(), &Permit::system("batas_lapor", crate::regions::NATIONAL), "Sinergi", &at, Some(rule.key), Some(&deadline))?;
    } else {
        event(conn, "report", id, None, "diterima", "", permit, unit, &at, Some(rule.key), Some(&deadline))?;
    }
    for (f, bytes) in files {
        insert_evidence(conn, id, f, bytes, &at)?;
    }
    audit::record(conn, permit, Change {
        action: "report.create",
        entity_type: "report",
        entity_id: &id.to_string(),
        region: Some(&r.region),
        // Never the reporter's identity: the audit API is read by other agencies' admins.
        detail: serde_json::json!({"kind": kind, "election": r.election.id, "evidence": files.len(), "late": late_since.is_some()}),
    })?;
    let (due_id, due_en) = both(|l| moment_at(l, &deadline, offset_of(&r.region)));
    let place = crate::regions::store::place(conn, &r.region)?;
    let message = match (kind, late_since.is_some()) {
        (_, true) => crate::tr!(
            "Laporan #{id} di {place} lewat batas waktu pelaporan: disimpan sebagai informasi awal; jadikan temuan paling lambat {due_id} bila akan ditindaklanjuti",
            "Report #{id} in {place} came after the filing window: kept as initial information; take it up as a finding by {due_en} if it is to be pursued"
        ),
        ("temuan", _) => crate::tr!("Temuan pengawas #{id} di {place}: kajian awal paling lambat {due_id}", "Supervisor's finding #{id} in {place}: initial review by {due_en}"),
        ("informasi_awal", _) => crate::tr!("Informasi awal (anonim) #{id} di {place}: kajian awal paling lambat {due_id}", "Anonymous tip #{id} in {place}: initial review by {due_en}"),
        _ => crate::tr!("Laporan baru #{id} di {place}: kajian awal paling lambat {due_id}", "New report #{id} in {place}: initial review by {due_en}"),
    };
    alerts::raise(conn, NewAlert {
        kind: "laporan_baru",
        region: &r.region,
        severity: Severity::Warning,
        entity_type: "report",
        entity_id: &id.to_string(),
        message,
        agencies: &[AgencyKind::Bawaslu],
        link: &format!("/laporan/{id}"),
    })?;
    Ok(Filed { id, receipt, kind, status, late_since })
}

/// Records a file of evidence; the row holds the hash, not the bytes (which the handler put in
/// the blob store through `BlobStore::keep_for`, kept only if this write is accepted).
fn insert_evidence(conn: &mut Conn, report: i64, f: &CheckedFile, bytes: &[u8], at: &str) -> Result<i64, DbError> {
    conn.query_one(
        "INSERT INTO report_evidence (report_id, name, content_type, size, sha256, data, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        params![report, f.name.as_str(), f.content_type, bytes.len(), f.sha256.as_str(), Vec::<u8>::new(), at],
    )?
    .get(0)
}

/// Adds evidence to a report by its receipt while Bawaslu has not yet registered or declined it.
pub fn add_evidence(conn: &mut Conn, permit: &Permit, receipt: &str, f: &CheckedFile, bytes: &[u8]) -> Result<EvidenceInfo, AppError> {
    let Some(r) = report_by_receipt(conn, receipt)? else {
        return Err(AppError::not_found(tr!("tidak ada laporan dengan tanda terima {receipt}", "no report has the receipt {receipt}")));
    };
    if !matches!(r.status.as_str(), "diterima" | "kajian_awal" | "perbaikan") {
        let (id_state, en_state) = (super::state_label(&r.status, Lang::Id), super::state_label(&r.status, Lang::En));
        return Err(AppError::conflict(tr!("laporan berstatus {id_state} dan tidak menerima bukti lagi", "the report is {en_state} and takes no more evidence")));
    }
    let n: i64 = conn.query_one("SELECT COUNT(*) FROM report_evidence WHERE report_id = $1", params![r.id])?.get(0)?;
    if n >= super::evidence::MAX_FILES {
        return Err(AppError::invalid("file", tr!("laporan sudah memiliki {n} berkas, jumlah terbanyak yang diterima", "the report already has {n} files, the most it takes")));
    }
    let at = clock::now_rfc3339();
    let id = insert_evidence(conn, r.id, f, bytes, &at)?;
    audit::record(conn, permit, Change {
        action: "report.evidence",
        entity_type: "report",
        entity_id: &r.id.to_string(),
        region: Some(&r.region),
        detail: serde_json::json!({"evidence": id, "sha256": f.sha256, "content_type": f.content_type, "size": bytes.len()}),
    })?;
    Ok(EvidenceInfo {
        id,
        name: f.name.clone(),
        content_type: f.content_type.to_string(),
        size: bytes.len() as i64,
        sha256: f.sha256.clone(),
        uploaded_at: local(&at, offset_of(&r.region)),
    })
}

/// What a reporter hands in when Bawaslu asked to complete the report: more witnesses, a
/// note (what was added, or further information), and evidence files.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub witnesses: Vec<String>,
    pub note: String,
}

/// The reporter completes a report by its receipt within the completion window: what was
/// handed in is added, and the report goes back to kajian awal, assessed afresh.
pub fn complete_report(conn: &mut Conn, hol: &Holidays, permit: &Permit, receipt: &str, c: &Completion, files: &[(CheckedFile, bytes::Bytes)], now: OffsetDateTime) -> Result<i64, AppError> {
    let Some(r) = report_by_receipt(conn, receipt)? else {
        return Err(AppError::not_found(crate::tr!("tidak ada laporan dengan kode tanda terima {receipt}", "no report with receipt {receipt}")));
    };
    if r.status != super::PERBAIKAN {
        let (id, en) = (super::state_label(&r.status, crate::platform::web::Lang::Id), super::state_label(&r.status, crate::platform::web::Lang::En));
        return Err(AppError::conflict(crate::tr!(
            "laporan ini tidak sedang menunggu kelengkapan (tahapnya: {id})",
            "this report is not awaiting completion (it is at: {en})"
        )));
    }
    if let Some(deadline) = r.deadline_at.as_deref().map(parse_time).transpose()?
        && now > deadline
    {
        let when = long_time(deadline, &r.region);
        let (id, en) = (when.id().to_string(), when.en().to_string());
        return Err(AppError::conflict(crate::tr!(
            "batas waktu melengkapi laporan sudah berakhir pada {id}",
            "the window to complete the report closed on {en}"
        )));
    }
    if c.witnesses.is_empty() && c.note.trim().is_empty() && files.is_empty() {
        return Err(AppError::invalid(
            "witnesses",
            crate::tr!("isi saksi, keterangan tambahan, atau lampirkan bukti untuk melengkapi laporan", "add witnesses, a note or evidence files to complete the report"),
        ));
    }
    if r.witnesses.len() + c.witnesses.len() > 20 {
        return Err(AppError::invalid("witnesses", crate::tr!("paling banyak 20 saksi", "at most 20 witnesses")));
    }
    let held: i64 = conn.query_one("SELECT COUNT(*) FROM report_evidence WHERE report_id = $1", params![r.id])?.get(0)?;
    if held + files.len() as i64 > super::evidence::MAX_FILES {
        let max = super::evidence::MAX_FILES;
        return Err(AppError::invalid("file", crate::tr!("paling banyak {max} berkas bukti per laporan", "at most {max} evidence files per report")));
    }
    let at = clock::rfc3339(now);
    if !c.witnesses.is_empty() {
        let mut all = r.witnesses.clone();
        all.extend(c.witnesses.iter().cloned());
        conn.execute("UPDATE reports SET witnesses = $1 WHERE id = $2", params![serde_json::to_string(&all).unwrap_or_else(|_| "[]".into()), r.id])?;
    }
    for (f, bytes) in files {
        insert_evidence(conn, r.id, f, bytes, &at)?;
    }
    let moved = apply_move(conn, hol, &r, "kajian_awal", &c.note, permit, "publik", now)?;
    Ok(moved.id)
}

/// Reports whose completion window lapsed are not registered: they are kept as informasi awal
/// (the sweep's move, by the system). Returns how many.
pub fn lapse_completions(conn: &mut Conn, hol: &Holidays, now: OffsetDateTime) -> Result<usize, AppError> {
    let ids: Vec<i64> = conn
        .query("SELECT id FROM reports WHERE status = $1 AND deadline_at < $2", params![super::PERBAIKAN, clock::rfc3339(now)])?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_, _>>()?;
    for id in &ids {
        let Some(r) = report_record(conn, *id)? else { continue };
        let when = r.deadline_at.as_deref().and_then(|d| parse_time(d).ok()).map(|d| long_time(d, &r.region).id().to_string()).unwrap_or_default();
        let reason = format!("Pelapor tidak melengkapi laporan sampai {when}: laporan tidak diregistrasi dan disimpan sebagai informasi awal (Perbawaslu 7/2022)");
        apply_move(conn, hol, &r, super::INFORMASI_AWAL, &reason, &Permit::system("perbaikan_laporan", crate::regions::NATIONAL), "Sinergi", now)?;
    }
    Ok(ids.len())
}

#[allow(clippy::too_many_arguments)]
fn event(
    conn: &mut Conn,
    track: &str,
    id: i64,
    from: Option<&str>,
    to: &str,
    reason: &str,
    permit: &Permit,
    unit: &str,
    at: &str,
    rule: Option<&str>,
    deadline: Option<&str>,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO case_events (track, case_id, from_state, to_state, reason, actor, unit_name, agency, at, deadline_rule, deadline_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        params![track, id, from, to, reason, permit.username(), unit, permit.actor().agency().map(str::to_string).unwrap_or_else(|| "publik".into()), at, rule, deadline],
    )?;
    Ok(())
}

pub fn move_error(e: MoveError) -> AppError {
    match e {
        MoveError::Unknown(m) => AppError::invalid("to", m),
        MoveError::ReasonRequired(m) => AppError::invalid("reason", m),
        MoveError::NotAllowed(m) => AppError::conflict(m),
        MoveError::WrongAgency(m) => AppError::forbidden(m),
    }
}

/// The start of a clock: receipt, registration, or now (entering the state).
fn clock_start(start: ClockStart, received: &str, registered: Option<&str>, now: OffsetDateTime) -> Result<OffsetDateTime, DbError> {
    match start {
        ClockStart::Received => parse_time(received),
        ClockStart::Registered => registered.map_or(Ok(now), parse_time),
        ClockStart::StateEntered => Ok(now),
    }
}

/// A report by its number, or 404 naming it.
pub fn report_or_404(conn: &mut Conn, id: i64) -> Result<ReportRecord, AppError> {
    report_record(conn, id)?.ok_or_else(|| AppError::not_found(tr!("laporan #{id} tidak ada", "no report #{id}")))
}

/// The permit must cover the case's region: a permit checked for another region (a handler's
/// mistake) is refused here rather than trusted.
fn covers(permit: &Permit, region: &str) -> Result<(), AppError> {
    if crate::regions::within(permit.region(), region) {
        Ok(())
    } else {
        Err(AppError::forbidden(tr!("izin ini tidak mencakup wilayah {region}", "this permit does not cover {region}")))
    }
}

/// Moves a report under `permit` (the handler authorised `mover` for the report's region): the
/// workflow judges the step for the mover's agency.
pub fn move_report(conn: &mut Conn, hol: &Holidays, permit: &Permit, mover: &User, r: &ReportRecord, to: super::MoveTo, reason: &str, now: OffsetDateTime) -> Result<ReportRecord, AppError> {
    covers(permit, &r.region)?;
    let to = to.as_str();
    let requirements = r.requirements(conn, hol)?;
    super::check_move(&r.facts(conn, &requirements)?, to, mover.unit.agency, reason).map_err(move_error)?;
    apply_move(conn, hol, r, to, reason, permit, &mover.unit.name, now)
}

/// Records a move the workflow allowed (or the system made): state, kind, clock, timeline,
/// audit entry and the alerts it sends, together.
fn apply_move(conn: &mut Conn, hol: &Holidays, r: &ReportRecord, to: &str, reason: &str, permit: &Permit, unit: &str, now: OffsetDateTime) -> Result<ReportRecord, AppError> {
    let id = r.id;
    let election = crate::elections::election(&r.election).ok_or_else(|| AppError::Internal(format!("unknown election {}", r.election)))?;
    let at = clock::rfc3339(now);
    let new_state = super::state_after(&r.status, to);
    let kind = match to {
        super::TAKE_UP => "temuan",
        super::INFORMASI_AWAL => "informasi_awal",
        _ => r.kind.as_str(),
    };
    let extended = r.extended || to == EXTEND;
    let returned = r.returned || to == "berkas_dikembalikan";
    let registered_at = if new_state == "diregistrasi" { Some(at.clone()) } else { r.registered_at.clone() };
    let classification = if super::CLASSES.contains(&to) { Some(to.to_string()) } else { r.classification.clone() };
    let (rule, deadline) = match Track::Report.clock(&new_state, extended) {
        Some(c) => {
            let rule = rule_of(election, c.rule)?;
            let start = if super::restarts_assessment(&r.status, to) { now } else { clock_start(c.start, &r.received_at, registered_at.as_deref(), now)? };
            (Some(rule.key), Some(clock::rfc3339(deadline_of(conn, hol, rule, start, &r.region)?)))
        }
        None => (None, None),
    };
    conn.execute(
        "UPDATE reports SET status = $1, classification = $2, registered_at = $3, extended = $4, returned = $5,
            state_entered_at = $6, deadline_rule = $7, deadline_at = $8,
            alerted = CASE WHEN deadline_at = $8 THEN alerted ELSE '' END, kind = $10 WHERE id = $9",
        params![new_state.as_str(), classification.clone(), registered_at.clone(), i64::from(extended), i64::from(returned), at.as_str(), rule, deadline.clone(), id, kind],
    )?;
    event(conn, "report", id, Some(&r.status), to, reason.trim(), permit, unit, &at, rule, deadline.as_deref())?;
    audit::record(conn, permit, Change {
        action: "report.transition",
        entity_type: "report",
        entity_id: &id.to_string(),
        region: Some(&r.region),
        detail: serde_json::json!({"from": r.status, "to": to}),
    })?;
    let offset = offset_of(&r.region);
    let (due_id, due_en) = both(|l| deadline.as_deref().map(|d| moment_at(l, d, offset)).unwrap_or_default());
    let place = crate::regions::store::place(conn, &r.region)?;
    let notify: Option<(&[AgencyKind], Text)> = match to {
        "pidana" => Some((
            &[AgencyKind::Polri, AgencyKind::Kejaksaan],
            crate::tr!(
                "Laporan #{id} di {place} diteruskan ke Sentra Gakkumdu (dugaan tindak pidana); penerusan ke penyidik paling lambat {due_id}",
                "Report #{id} in {place} was passed to Sentra Gakkumdu (suspected election crime); hand it to the investigators by {due_en}"
            ),
        )),
        "diteruskan_dkpp" => Some((
            &[AgencyKind::Dkpp],
            crate::tr!(
                "Laporan #{id} di {place}: dugaan pelanggaran kode etik diteruskan ke DKPP",
                "Report #{id} in {place}: suspected breach of the code of ethics passed to DKPP"
            ),
        )),
        "berkas_dikembalikan" => Some((
            &[AgencyKind::Polri],
            crate::tr!(
                "Berkas perkara laporan #{id} dikembalikan jaksa; serahkan kembali paling lambat {due_id}",
                "The prosecutor returned the case file of report #{id}; hand it back by {due_en}"
            ),
        )),
        super::INFORMASI_AWAL => Some((
            &[AgencyKind::Bawaslu],
            crate::tr!(
                "Laporan #{id} di {place}: pelapor tidak melengkapi laporan sampai batas waktunya; tidak diregistrasi dan disimpan sebagai informasi awal",
                "Report #{id} in {place}: the reporter did not complete it in time; not registered, kept as initial information"
            ),
        )),
        "kajian_awal" if r.status == super::PERBAIKAN => Some((
            &[AgencyKind::Bawaslu],
            crate::tr!(
                "Laporan #{id} di {place} sudah dilengkapi pelapor; kajian awal paling lambat {due_id}",
                "Report #{id} in {place} was completed by the reporter; initial review due by {due_en}"
            ),
        )),
        _ => None,
    };
    if let Some((agencies, message)) = notify {
        alerts::raise(conn, NewAlert {
            kind: if agencies == [AgencyKind::Bawaslu] { "laporan" } else { "gakkumdu" },
            region: &r.region,
            severity: Severity::Warning,
            entity_type: "report",
            entity_id: &id.to_string(),
            message,
            agencies,
            link: &format!("/laporan/{id}"),
        })?;
    }
    report_record(conn, id)?.ok_or_else(|| AppError::Internal("the report vanished".into()))
}

// ---------------------------------------------------------------------------------------------
// Lists

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportSummary {
    pub id: i64,
    pub election: String,
    pub region: String,
    pub kind: String,
    pub status: String,
    pub classification: Option<String>,
    pub reported: String,
    pub received_at: String,
    pub stage: Stage,
}

#[derive(Debug, Default, Clone)]
pub struct ReportFilter {
    pub election: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub overdue: bool,
    /// Only cases with Sentra Gakkumdu (police and prosecutors see only these).
    pub class: Option<&'static str>,
    pub limit: i64,
    pub offset: i64,
}

/// Reports within `scope` matching the filter, the most urgent first (earliest deadline; final
/// cases, which have none, after them, newest first). Each half walks one index in order: the
/// report's province, regency or district with its deadline, so a page costs the same whether
/// the scope holds a hundred cases or a hundred thousand.
pub fn list_reports(conn: &mut Conn, scope: &str, f: &ReportFilter, now: OffsetDateTime) -> Result<Vec<ReportSummary>, DbError> {
    // The filter region lies within the scope (checked by the caller), so it is the narrower.
    let region = f.region.as_deref().unwrap_or(scope);
    let (column, key, village) = match region.len() {
        _ if region == crate::regions::NATIONAL => ("''", String::new(), None),
        2 => ("province_code", region.to_string(), None),
        5 => ("regency_code", region.to_string(), None),
        8 => ("district_code", region.to_string(), None),
        13 => ("district_code", region[..8].to_string(), Some(region.to_string())),
        _ => ("''", String::new(), None),
    };
    let (vlo, vhi) = village.map_or((String::new(), "~".to_string()), |v| (v.clone(), format!("{v}/")));
    let filters = format!(
        "{column} = $1 AND region_code >= $2 AND region_code < $3
         AND ($4 = '' OR election_id = $4) AND ($5 = '' OR status = $5) AND ($6 = '' OR classification = $6)"
    );
    let cols = "id, election_id, region_code, kind, status, classification, reported, received_at, deadline_rule, deadline_at";
    let base = params![key.as_str(), vlo.as_str(), vhi.as_str(), f.election.clone().unwrap_or_default(), f.status.clone().unwrap_or_default(), f.class.unwrap_or_default()];
    let mut p: Vec<crate::platform::db::Value> = base.to_vec();
    let upper = if f.overdue { clock::rfc3339(now) } else { "~".to_string() };
    p.extend_from_slice(params![upper, f.limit, f.offset]);
    let mut rows = conn.query(
        &format!("SELECT {cols} FROM reports WHERE {filters} AND deadline_at IS NOT NULL AND deadline_at < $7 ORDER BY deadline_at, id LIMIT $8 OFFSET $9"),
        &p,
    )?;
    if !f.overdue && (rows.len() as i64) < f.limit {
        // Final cases follow the open ones: skip what the offset has not used up.
        let open_before = if rows.is_empty() && f.offset > 0 {
            let mut q = base.to_vec();
            q.push(crate::platform::db::Value::from("~"));
            conn.query_one(&format!("SELECT COUNT(*) FROM reports WHERE {filters} AND deadline_at IS NOT NULL AND deadline_at < $7"), &q)?.get::<i64>(0)?
        } else {
            f.offset + rows.len() as i64
        };
        let mut q = base.to_vec();
        q.extend_from_slice(params![f.limit - rows.len() as i64, (f.offset - open_before).max(0)]);
        rows.extend(conn.query(&format!("SELECT {cols} FROM reports WHERE {filters} AND deadline_at IS NULL ORDER BY id DESC LIMIT $7 OFFSET $8"), &q)?);
    }
    rows.iter()
        .map(|r| {
            let region: String = r.get(2)?;
            let status: String = r.get(4)?;
            let deadline_at: Option<String> = r.get(9)?;
            let offset = offset_of(&region);
            Ok(ReportSummary {
                id: r.get(0)?,
                election: r.get(1)?,
                kind: r.get(3)?,
                classification: r.get(5)?,
                reported: r.get(6)?,
                received_at: local(&r.get::<String>(7)?, offset),
                stage: stage(Track::Report, &status, r.get(8)?, deadline_at.as_deref(), &region, now),
                status,
                region,
            })
        })
        .collect()
}

/// The code range a scope covers (the nation: everything).
fn range_of(scope: &str) -> (String, String) {
    // Codes have fixed-width parts, so [code, code + "/") holds the code and everything below it.
    if scope == crate::regions::NATIONAL { (String::new(), "~".to_string()) } else { (scope.to_string(), format!("{scope}/")) }
}

// ---------------------------------------------------------------------------------------------
// Disputes

#[derive(Debug, Clone)]
pub struct NewDispute {
    pub election: &'static ElectionDef,
    pub region: String,
    pub petitioner: String,
    pub kpu_decision: String,
    pub decided_on: Date,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisputeView {
    pub id: i64,
    pub election: String,
    pub region: String,
    pub petitioner: String,
    pub kpu_decision: String,
    pub decided_on: String,
    pub description: String,
    pub filed_at: String,
    pub status: String,
    pub stage: Stage,
    pub timeline: Vec<Event>,
    pub actions: Vec<String>,
}

/// Registers a process dispute: it must come within `sengketa_permohonan` of the KPU decision.
pub fn create_dispute(conn: &mut Conn, hol: &Holidays, user: &User, permit: &Permit, d: &NewDispute, now: OffsetDateTime) -> Result<i64, AppError> {
    let offset = offset_of(&d.region);
    let window = rule_of(d.election, "sengketa_permohonan")?;
    let decided = d.decided_on.with_time(time::Time::MIDNIGHT).assume_offset(offset);
    let closes = deadline_of(conn, hol, window, decided, &d.region)?;
    if now > closes {
        let when = long_time(closes, &d.region);
        let (by_id, by_en, n, source) = (when.id().to_string(), when.en().to_string(), window.count, window.source);
        let (unit_id, unit_en) = match window.unit {
            deadlines::Unit::Hari => ("hari", "days"),
            deadlines::Unit::HariKerja => ("hari kerja", "working days"),
            deadlines::Unit::Jam => ("jam", "hours"),
        };
        return Err(AppError::invalid(
            "decided_on",
            tr!(
                "permohonan terlambat: batas pengajuannya {by_id} ({n} {unit_id} setelah keputusan, {source})",
                "the petition is late: it had to be filed by {by_en} ({n} {unit_en} after the decision, {source})"
            ),
        ));
    }
    if decided > now {
        return Err(AppError::invalid("decided_on", tr!("tanggal keputusan KPU tidak boleh di masa depan", "the KPU decision cannot be dated in the future")));
    }
    let at = clock::rfc3339(now);
    let c = Track::Dispute.clock("diregistrasi", false).ok_or_else(|| AppError::Internal("no clock".into()))?;
    let rule = rule_of(d.election, c.rule)?;
    let deadline = clock::rfc3339(deadline_of(conn, hol, rule, now, &d.region)?);
    let id: i64 = conn
        .query_one(
            "INSERT INTO disputes (election_id, region_code, petitioner, kpu_decision, decided_on, description, filed_at, status,
                state_entered_at, deadline_rule, deadline_at, filed_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'diregistrasi', $7, $8, $9, $10) RETURNING id",
            params![
                d.election.id,
                d.region.as_str(),
                d.petitioner.as_str(),
                d.kpu_decision.as_str(),
                d.decided_on.to_string(),
                d.description.as_str(),
                at.as_str(),
                rule.key,
                deadline.as_str(),
                permit.username()
            ],
        )?
        .get(0)?;
    event(conn, "dispute", id, None, "diregistrasi", "", permit, &user.unit.name, &at, Some(rule.key), Some(&deadline))?;
    audit::record(conn, permit, Change {
        action: "dispute.create",
        entity_type: "dispute",
        entity_id: &id.to_string(),
        region: Some(&d.region),
        detail: serde_json::json!({"election": d.election.id, "kpu_decision": d.kpu_decision}),
    })?;
    alerts::raise(conn, NewAlert {
        kind: "sengketa",
        region: &d.region,
        severity: Severity::Warning,
        entity_type: "dispute",
        entity_id: &id.to_string(),
        message: {
            let (by_id, by_en) = both(|l| moment_at(l, &deadline, offset));
            let decision = &d.kpu_decision;
            crate::tr!(
                "Permohonan sengketa proses #{id} atas {decision}: mediasi paling lambat {by_id}",
                "Process dispute #{id} against {decision}: mediation due by {by_en}"
            )
        },
        agencies: &[AgencyKind::Bawaslu, AgencyKind::Kpu],
        link: &format!("/sengketa/{id}"),
    })?;
    Ok(id)
}

/// A stored dispute as the store's moves read it.
pub struct DisputeRecord {
    id: i64,
    election: String,
    pub region: String,
    petitioner: String,
    kpu_decision: String,
    decided_on: String,
    description: String,
    filed_at: String,
    status: String,
    deadline_rule: Option<String>,
    deadline_at: Option<String>,
}

fn dispute_record(conn: &mut Conn, id: i64) -> Result<Option<DisputeRecord>, DbError> {
    conn.query_opt(
        "SELECT id, election_id, region_code, petitioner, kpu_decision, decided_on, description, filed_at, status, deadline_rule, deadline_at
         FROM disputes WHERE id = $1",
        params![id],
    )?
    .map(|r| {
        Ok(DisputeRecord {
            id: r.get(0)?,
            election: r.get(1)?,
            region: r.get(2)?,
            petitioner: r.get(3)?,
            kpu_decision: r.get(4)?,
            decided_on: r.get(5)?,
            description: r.get(6)?,
            filed_at: r.get(7)?,
            status: r.get(8)?,
            deadline_rule: r.get(9)?,
            deadline_at: r.get(10)?,
        })
    })
    .transpose()
}

fn dispute_facts(d: &DisputeRecord) -> CaseFacts<'_> {
    CaseFacts::new(Track::Dispute, &d.status, "sengketa")
}

/// A dispute as `user` sees it (any agency's user whose scope holds it; decisions on KPU
/// decisions are public matters, there is no private party here).
pub fn dispute_view(conn: &mut Conn, user: &User, id: i64, now: OffsetDateTime) -> Result<DisputeView, AppError> {
    let Some(d) = dispute_record(conn, id)? else {
        return Err(AppError::not_found(tr!("sengketa #{id} tidak ada", "no dispute #{id}")));
    };
    if !crate::regions::within(&user.unit.region, &d.region) {
        let (place, unit) = (crate::coordination::store::place_name(conn, &d.region), &user.unit.name);
        return Err(AppError::forbidden(tr!("sengketa #{id} di {place} di luar wilayah kerja {unit}", "dispute #{id} in {place} is outside the area of {unit}")));
    }
    let offset = offset_of(&d.region);
    Ok(DisputeView {
        stage: stage(Track::Dispute, &d.status, d.deadline_rule.clone(), d.deadline_at.as_deref(), &d.region, now),
        timeline: timeline(conn, "dispute", id, offset)?,
        actions: actions_for(user, &dispute_facts(&d), &d.region),
        id: d.id,
        election: d.election,
        petitioner: d.petitioner,
        kpu_decision: d.kpu_decision,
        decided_on: d.decided_on,
        description: d.description,
        filed_at: local(&d.filed_at, offset),
        status: d.status,
        region: d.region,
    })
}

/// A dispute by its number, or 404 naming it.
pub fn dispute_or_404(conn: &mut Conn, id: i64) -> Result<DisputeRecord, AppError> {
    dispute_record(conn, id)?.ok_or_else(|| AppError::not_found(tr!("sengketa #{id} tidak ada", "no dispute #{id}")))
}

/// Moves a dispute under `permit` (the handler authorised `mover` for its region).
pub fn move_dispute(conn: &mut Conn, hol: &Holidays, permit: &Permit, mover: &User, d: &DisputeRecord, to: super::MoveTo, reason: &str, now: OffsetDateTime) -> Result<(), AppError> {
    covers(permit, &d.region)?;
    let (id, to) = (d.id, to.as_str());
    super::check_move(&dispute_facts(d), to, mover.unit.agency, reason).map_err(move_error)?;
    let election = crate::elections::election(&d.election).ok_or_else(|| AppError::Internal(format!("unknown election {}", d.election)))?;
    let at = clock::rfc3339(now);
    let (rule, deadline) = match Track::Dispute.clock(to, false) {
        Some(c) => {
            let rule = rule_of(election, c.rule)?;
            let start = clock_start(c.start, &d.filed_at, Some(&d.filed_at), now)?;
            (Some(rule.key), Some(clock::rfc3339(deadline_of(conn, hol, rule, start, &d.region)?)))
        }
        None => (None, None),
    };
    conn.execute(
        "UPDATE disputes SET status = $1, state_entered_at = $2, deadline_rule = $3, deadline_at = $4,
            alerted = CASE WHEN deadline_at = $4 THEN alerted ELSE '' END WHERE id = $5",
        params![to, at.as_str(), rule, deadline.clone(), id],
    )?;
    event(conn, "dispute", id, Some(&d.status), to, reason.trim(), permit, &mover.unit.name, &at, rule, deadline.as_deref())?;
    audit::record(conn, permit, Change {
        action: "dispute.transition",
        entity_type: "dispute",
        entity_id: &id.to_string(),
        region: Some(&d.region),
        detail: serde_json::json!({"from": d.status, "to": to}),
    })?;
    if to == "diputus" {
        alerts::raise(conn, NewAlert {
            kind: "sengketa",
            region: &d.region,
            severity: Severity::Warning,
            entity_type: "dispute",
            entity_id: &id.to_string(),
            message: {
                let (by_id, by_en) = both(|l| deadline.as_deref().map(|x| moment_at(l, x, offset_of(&d.region))).unwrap_or_default());
                let decision = &d.kpu_decision;
                crate::tr!(
                    "Putusan sengketa proses #{id} atas {decision}: KPU menindaklanjuti paling lambat {by_id}",
                    "Decision on process dispute #{id} against {decision}: KPU must act on it by {by_en}"
                )
            },
            agencies: &[AgencyKind::Kpu],
            link: &format!("/sengketa/{id}"),
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisputeSummary {
    pub id: i64,
    pub election: String,
    pub region: String,
    pub petitioner: String,
    pub kpu_decision: String,
    pub status: String,
    pub stage: Stage,
}

pub fn list_disputes(conn: &mut Conn, scope: &str, overdue: bool, now: OffsetDateTime, limit: i64) -> Result<Vec<DisputeSummary>, DbError> {
    let (lo, hi) = range_of(scope);
    let rows = conn.query(
        "SELECT id, election_id, region_code, petitioner, kpu_decision, status, deadline_rule, deadline_at FROM disputes
         WHERE region_code >= $1 AND region_code < $2 AND ($3 = 0 OR (deadline_at IS NOT NULL AND deadline_at < $4))
         ORDER BY CASE WHEN deadline_at IS NULL THEN 1 ELSE 0 END, deadline_at, id DESC LIMIT $5",
        params![lo, hi, i64::from(overdue), clock::rfc3339(now), limit],
    )?;
    rows.iter()
        .map(|r| {
            let region: String = r.get(2)?;
            let status: String = r.get(5)?;
            let deadline_at: Option<String> = r.get(7)?;
            Ok(DisputeSummary {
                id: r.get(0)?,
                election: r.get(1)?,
                petitioner: r.get(3)?,
                kpu_decision: r.get(4)?,
                stage: stage(Track::Dispute, &status, r.get(6)?, deadline_at.as_deref(), &region, now),
                status,
                region,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Deadline alerts

/// Keeps the reports whose completion window lapsed as informasi awal, then raises an alert
/// for every open stage two days or less from its deadline, and again once it is overdue, to
/// the agencies that must act; each stage is alerted once per level. Returns how many cases it
/// moved and alerts it raised.
pub fn sweep(conn: &mut Conn, hol: &Holidays, now: OffsetDateTime) -> Result<usize, DbError> {
    let horizon = clock::rfc3339(now + time::Duration::days(3));
    let mut raised = lapse_completions(conn, hol, now).map_err(|e| DbError::Other(e.to_string()))?;
    for (track, table, entity) in [(Track::Report, "reports", "report"), (Track::Dispute, "disputes", "dispute")] {
        let rows = conn.query(
            &format!(
                "SELECT id, region_code, status, deadline_at, alerted FROM {table}
                 WHERE (alerted = '' AND deadline_at < $1) OR (alerted = 'dekat' AND deadline_at < $2)"
            ),
            params![horizon.as_str(), clock::rfc3339(now)],
        )?;
        for r in rows {
            let (id, region, status, deadline_at, alerted): (i64, String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let st = stage(track, &status, None, Some(&deadline_at), &region, now);
            let level = if st.overdue {
                "lewat"
            } else if st.days_left.is_some_and(|d| d <= 2) && alerted.is_empty() {
                "dekat"
            } else {
                continue;
            };
            let (what_id, what_en) = if track == Track::Report { ("Laporan", "Report") } else { ("Sengketa proses", "Process dispute") };
            let (label_id, label_en) = (super::state_label(&status, Lang::Id), super::state_label(&status, Lang::En));
            let (by_id, by_en) = both(|l| st.deadline.as_deref().map(|x| moment_at(l, x, offset_of(&region))).unwrap_or_default());
            let days = st.days_left.unwrap_or(0);
            let (severity, message) = if level == "lewat" {
                (Severity::Critical, crate::tr!("{what_id} #{id} ({label_id}) melewati tenggat {by_id}", "{what_en} #{id} ({label_en}) is past its deadline {by_en}"))
            } else {
                (Severity::Warning, crate::tr!("{what_id} #{id} ({label_id}): tenggat {by_id}, sisa {days} hari", "{what_en} #{id} ({label_en}): deadline {by_en}, {days} day(s) left"))
            };
            alerts::raise(conn, NewAlert {
                kind: if level == "lewat" { "tenggat_lewat" } else { "tenggat_dekat" },
                region: &region,
                severity,
                entity_type: entity,
                entity_id: &id.to_string(),
                message,
                agencies: &st.owners,
                link: &format!("/{}/{id}", if track == Track::Report { "laporan" } else { "sengketa" }),
            })?;
            conn.execute(&format!("UPDATE {table} SET alerted = $1 WHERE id = $2"), params![level, id])?;
            raised += 1;
        }
    }
    Ok(raised)
}

// ---------------------------------------------------------------------------------------------
// Counts for the situation of a region

/// How many cases a region holds, by where they stand: what every agency in scope may know
/// (no case file, no reporter).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CaseCounts {
    /// Open cases per state, most first.
    pub open_by_status: Vec<StateCount>,
    pub open: i64,
    /// Open with a deadline today or tomorrow (local), not yet passed.
    pub near_deadline: i64,
    pub overdue: i64,
    /// Open cases with Sentra Gakkumdu.
    pub gakkumdu: i64,
    /// Received today (local day of the case's region).
    pub new_today: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StateCount {
    pub state: String,
    pub count: i64,
}

/// Counts of the reports within `scope` (of one election, or all), in one pass over the
/// scope's cases.
pub fn case_counts(conn: &mut Conn, scope: &str, election: Option<&str>, now: OffsetDateTime) -> Result<CaseCounts, DbError> {
    Ok(case_counts_by_area(conn, scope, election, now, 0)?.0)
}

/// [`case_counts`] of `scope`, and in the same pass the same counts per area within it, an
/// area being the first `width` characters of a report's place code (5: the regencies of a
/// province; 0: none). A report placed above that level counts for the scope alone, as each
/// area's own counts would have it.
pub fn case_counts_by_area(
    conn: &mut Conn,
    scope: &str,
    election: Option<&str>,
    now: OffsetDateTime,
    width: usize,
) -> Result<(CaseCounts, std::collections::BTreeMap<String, CaseCounts>), DbError> {
    let (lo, hi) = range_of(scope);
    let mut out = CaseCounts::default();
    let mut areas: std::collections::BTreeMap<String, CaseCounts> = std::collections::BTreeMap::new();
    conn.for_each(
        "SELECT region_code, status, deadline_at, received_at FROM reports
         WHERE region_code >= $1 AND region_code < $2 AND ($3 = '' OR election_id = $3)",
        params![lo, hi, election.unwrap_or("")],
        |r| {
            let region: String = r.get(0)?;
            let status: String = r.get(1)?;
            let deadline: Option<String> = r.get(2)?;
            let received: String = r.get(3)?;
            let case = |c: &mut CaseCounts| count_case(c, &region, &status, deadline.as_deref(), &received, now);
            case(&mut out);
            if let Some(area) = region.get(..width).filter(|a| !a.is_empty()) {
                match areas.get_mut(area) {
                    Some(c) => case(c),
                    None => case(areas.entry(area.to_string()).or_default()),
                }
            }
            Ok(())
        },
    )?;
    for c in std::iter::once(&mut out).chain(areas.values_mut()) {
        c.open_by_status.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.state.cmp(&b.state)));
    }
    Ok((out, areas))
}

/// One report counted into `out`: new today, open by state, with Gakkumdu, overdue or near
/// its deadline.
fn count_case(out: &mut CaseCounts, region: &str, status: &str, deadline: Option<&str>, received: &str, now: OffsetDateTime) {
    let offset = offset_of(region);
    let today = now.to_offset(offset).date();
    if parse_time(received).is_ok_and(|t| t.to_offset(offset).date() == today) {
        out.new_today += 1;
    }
    if Track::Report.is_final(status) {
        return;
    }
    out.open += 1;
    match out.open_by_status.iter_mut().find(|s| s.state == status) {
        Some(s) => s.count += 1,
        None => out.open_by_status.push(StateCount { state: status.to_string(), count: 1 }),
    }
    if super::GAKKUMDU.contains(&status) {
        out.gakkumdu += 1;
    }
    if let Some(deadline) = deadline.and_then(|d| parse_time(d).ok()) {
        if now > deadline {
            out.overdue += 1;
        } else if deadlines::days_left(deadline.to_offset(offset), now) <= 1 {
            out.near_deadline += 1;
        }
    }
}

/// Open (not final) reports per area within `region`, an area being the first `width`
/// characters of the report's place code (the map's layer: a province is 2, a TPS 17; a report
/// placed above that level, at a village when the map shows TPS, counts for no area).
pub fn open_by_area(conn: &mut Conn, election: &str, region: &str, width: usize) -> Result<std::collections::BTreeMap<String, [i64; 1]>, DbError> {
    // The narrowest indexed column that holds the region.
    let (column, key) = match region.len() {
        _ if region == crate::regions::NATIONAL => ("''", String::new()),
        2 => ("province_code", region.to_string()),
        5 => ("regency_code", region.to_string()),
        _ => ("district_code", region[..region.len().min(8)].to_string()),
    };
    let (lo, hi) = range_of(region);
    let mut out = std::collections::BTreeMap::new();
    conn.for_each(
        &format!("SELECT region_code, status FROM reports WHERE {column} = $1 AND region_code >= $2 AND region_code < $3 AND election_id = $4"),
        crate::params![key.as_str(), lo.as_str(), hi.as_str(), election],
        |r| {
            let (code, status): (String, String) = (r.get(0)?, r.get(1)?);
            if code.len() >= width && !Track::Report.is_final(&status) {
                crate::platform::map::count_in_area(&mut out, &code, width, 0);
            }
            Ok(())
        },
    )?;
    Ok(out)
}
