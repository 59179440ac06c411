//! Storage of result entries, the state of each TPS result, the per-region aggregates and the
//! plenary recap. Every entry is appended (a correction is a new revision); the aggregates move
//! by the difference between the old and the new counted numbers in the same transaction, so a
//! region's totals never need a scan.

use crate::tr;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::form::{self, Failure, Tally};
use super::{KpuStatus, Source, double_entry};
use crate::elections::{ContestDef, ElectionDef};
use crate::params;
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::db::{Conn, DbError, Value, insert_rows, insert_rows_returning, query_in};
use crate::platform::error::AppError;
use crate::platform::sheet::{Cell, Sheet};
use crate::regions::{NATIONAL, lineage};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub id: String,
    pub number: i64,
    pub name: String,
}

/// The candidates of a contest at a place: the built-in national lists, or those registered
/// for the province or regency the place lies in.
pub fn candidates_at(conn: &mut Conn, election: &ElectionDef, contest: &str, code: &str) -> Result<Vec<Candidate>, DbError> {
    let built_in: Option<&[(&str, &str)]> = match contest {
        "presiden" => Some(super::PRESIDENTIAL_PAIRS),
        "dpr" | "dprd_provinsi" | "dprd_kabkota" => Some(super::NATIONAL_PARTIES),
        _ => None,
    };
    if let Some(list) = built_in {
        return Ok(list.iter().map(|(n, name)| Candidate { id: n.to_string(), number: n.parse().unwrap_or(0), name: name.to_string() }).collect());
    }
    let areas: Vec<String> = lineage(code).into_iter().take(2).map(str::to_string).collect();
    let rows = conn.query(
        "SELECT id, number, name FROM candidates WHERE election_id = $1 AND contest = $2 AND area_code IN ($3, $4) ORDER BY number",
        params![election.id, contest, areas.first().cloned().unwrap_or_default(), areas.get(1).cloned().unwrap_or_default()],
    )?;
    rows.iter().map(|r| Ok(Candidate { id: r.get(0)?, number: r.get(1)?, name: r.get(2)? })).collect()
}

/// Registers the candidates of a contest for a province (governor, DPD) or regency (regent,
/// mayor), before any result of that contest there.
pub fn set_candidates(conn: &mut Conn, permit: &Permit, election: &ElectionDef, contest: &str, area: &str, list: &[(i64, String)]) -> Result<Vec<Candidate>, AppError> {
    let (lo, hi) = (area.to_string(), format!("{area}/"));
    let counted = conn.query_opt(
        "SELECT tps_code FROM results WHERE election_id = $1 AND contest = $2 AND tps_code >= $3 AND tps_code < $4 LIMIT 1",
        params![election.id, contest, lo, hi],
    )?;
    if counted.is_some() {
        return Err(AppError::conflict(crate::tr!(
            "hasil {contest} di {area} sudah ada; daftar calon tidak dapat diubah lagi",
            "results of {contest} in {area} exist already; the candidates cannot change"
        )));
    }
    conn.execute("DELETE FROM candidates WHERE election_id = $1 AND contest = $2 AND area_code = $3", params![election.id, contest, area])?;
    let mut out = vec![];
    for (number, name) in list {
        let id = format!("{number:02}");
        conn.execute(
            "INSERT INTO candidates (election_id, contest, area_code, id, number, name) VALUES ($1, $2, $3, $4, $5, $6)",
            params![election.id, contest, area, id.as_str(), *number, name.as_str()],
        )?;
        out.push(Candidate { id, number: *number, name: name.clone() });
    }
    audit::record(conn, permit, Change {
        action: "candidates.set",
        entity_type: "candidates",
        entity_id: &format!("{}/{contest}/{area}", election.id),
        region: Some(area),
        detail: serde_json::json!({"count": list.len()}),
    })?;
    conn.drop_cache_everywhere(super::CandidateCache::NAME)?;
    Ok(out)
}

fn parse_tally(s: &str) -> Result<Tally, DbError> {
    serde_json::from_str(s).map_err(|e| DbError::Other(format!("stored tally: {e}")))
}

fn to_json<T: Serialize>(t: &T) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "null".into())
}

/// The current state of one TPS result, as stored.
#[derive(Clone)]
struct Current {
    status: String,
    revision: i64,
    counted: Option<Tally>,
    counted_rev: Option<i64>,
    discrepancy: bool,
    anomalies: Vec<String>,
}

/// The current state of each of `tps` that has one.
fn currents(conn: &mut Conn, election: &str, contest: &str, tps: &[&str]) -> Result<HashMap<String, Current>, DbError> {
    let keys: Vec<Value> = tps.iter().map(|t| Value::from(*t)).collect();
    let head = "SELECT tps_code, status, revision, counted, counted_rev, discrepancy, anomalies FROM results WHERE election_id = $1 AND contest = $2 AND tps_code IN";
    query_in(conn, head, params![election, contest], &keys)?
        .iter()
        .map(|r| {
            let counted: Option<String> = r.get(3)?;
            let anomalies: String = r.get(6)?;
            let cur = Current {
                status: r.get(1)?,
                revision: r.get(2)?,
                counted: counted.as_deref().map(parse_tally).transpose()?,
                counted_rev: r.get(4)?,
                discrepancy: r.get(5)?,
                anomalies: anomalies.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            };
            Ok((r.get(0)?, cur))
        })
        .collect()
}

fn current(conn: &mut Conn, election: &str, contest: &str, tps: &str) -> Result<Option<Current>, DbError> {
    Ok(currents(conn, election, contest, &[tps])?.remove(tps))
}

struct EntryRow {
    id: i64,
    source: String,
    revision: i64,
    entered_by: String,
    entered_at: String,
    reason: String,
    photo_sha256: Option<String>,
    /// SHA-256 of each page's photo kept in the blob store, page order.
    photos: Vec<String>,
    tally: Tally,
    warnings: Vec<Failure>,
    /// The Idempotency-Key it came with, when it came with one.
    request: Option<Keyed>,
}

/// A write's Idempotency-Key as its entry keeps it: who sent it, the key, and the fingerprint
/// of the request (`http::WriteRequest::keyed`).
struct Keyed {
    principal: String,
    key: String,
    fingerprint: String,
}

#[derive(serde::Deserialize)]
struct StoredFailure {
    identity: String,
    rule: String,
    left: i64,
    right: i64,
}

/// Every entry of each of `tps`, oldest first.
fn entries_of(conn: &mut Conn, election: &str, contest: &str, tps: &[&str]) -> Result<HashMap<String, Vec<EntryRow>>, DbError> {
    let keys: Vec<Value> = tps.iter().map(|t| Value::from(*t)).collect();
    let mut rows = query_in(
        conn,
        "SELECT id, source, revision, entered_by, entered_at, reason, photo_sha256, tally, warnings, tps_code, request_principal, request_key, request_hash
         FROM result_entries
         WHERE election_id = $1 AND contest = $2 AND tps_code IN",
        params![election, contest],
        &keys,
    )?;
    rows.sort_by_cached_key(|r| r.get::<i64>(0).unwrap_or_default());
    // Pages' photos exist only beside a first photo (`photo_sha256`): a night of entries
    // without photos asks for none.
    let mut photos: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    if rows.iter().any(|r| r.get::<Option<String>>(6).ok().flatten().is_some()) {
        let mut pages: Vec<(i64, i64, String)> = vec![];
        for r in query_in(
            conn,
            "SELECT p.entry_id, p.page, p.sha256 FROM result_photos p JOIN result_entries e ON e.id = p.entry_id
             WHERE e.election_id = $1 AND e.contest = $2 AND e.tps_code IN",
            params![election, contest],
            &keys,
        )? {
            pages.push((r.get(0)?, r.get(1)?, r.get(2)?));
        }
        pages.sort();
        for (entry, _, sha) in pages {
            photos.entry(entry).or_default().push(sha);
        }
    }
    let mut out: HashMap<String, Vec<EntryRow>> = HashMap::new();
    for r in &rows {
        let warnings: String = r.get(8)?;
        let warnings: Vec<StoredFailure> = serde_json::from_str(&warnings).unwrap_or_default();
        let id: i64 = r.get(0)?;
        let request = match (r.get::<Option<String>>(10)?, r.get::<Option<String>>(11)?, r.get::<Option<String>>(12)?) {
            (Some(principal), Some(key), Some(fingerprint)) => Some(Keyed { principal, key, fingerprint }),
            _ => None,
        };
        out.entry(r.get(9)?).or_default().push(EntryRow {
            id,
            source: r.get(1)?,
            revision: r.get(2)?,
            entered_by: r.get(3)?,
            entered_at: r.get(4)?,
            reason: r.get(5)?,
            photo_sha256: r.get(6)?,
            photos: photos.remove(&id).unwrap_or_default(),
            tally: parse_tally(&r.get::<String>(7)?)?,
            warnings: warnings.into_iter().map(|w| Failure { identity: w.identity, rule: w.rule, left: w.left, right: w.right }).collect(),
            request,
        });
    }
    Ok(out)
}

fn entries(conn: &mut Conn, election: &str, contest: &str, tps: &str) -> Result<Vec<EntryRow>, DbError> {
    Ok(entries_of(conn, election, contest, &[tps])?.remove(tps).unwrap_or_default())
}

/// One entry as submitted, already through the shape and identity gates.
pub struct Submission {
    pub source: Source,
    pub tally: Tally,
    /// `tally` as its leaf and its stored row hold it (`leaf::tally`), made with the form
    /// (in the request's task, not the writer): only [`Submission::new`] sets it.
    tally_json: String,
    pub warnings: Vec<Failure>,
    pub reason: String,
    /// SHA-256 of the form's first photo (the single `photo` of older clients, else page 1).
    pub photo_sha256: Option<String>,
    /// SHA-256 of every page's photo, in page order; their bytes go to the blob store in the
    /// same write (see `api::put_result`).
    pub photos: Vec<String>,
}

impl Submission {
    pub fn new(source: Source, tally: Tally, warnings: Vec<Failure>, reason: String, photo_sha256: Option<String>, photos: Vec<String>) -> Submission {
        let tally_json = super::leaf::tally(&tally);
        Submission { source, tally, tally_json, warnings, reason, photo_sha256, photos }
    }
}

/// The latest entry of every source other than KPU.
fn latest_others(all: &[EntryRow]) -> BTreeMap<&str, &EntryRow> {
    let mut out = BTreeMap::new();
    for e in all.iter().filter(|e| e.source != "kpu") {
        out.insert(e.source.as_str(), e);
    }
    out
}

/// One C.Hasil to store: who enters it, for which TPS and contest, and what it says.
pub struct Form<'p> {
    pub permit: &'p Permit,
    pub election: &'static ElectionDef,
    pub contest: &'static ContestDef,
    pub tps: &'p crate::elections::TpsCode,
    pub submission: Submission,
    /// The request it came in, when it came with an Idempotency-Key: kept in its entry, which
    /// then answers a retry of the same request (see [`submit_all`]).
    pub request: Option<&'p crate::platform::http::WriteRequest>,
}

/// What [`submit_all`] answers for a form: the TPS result as it stood right after its entry,
/// and whether that entry was made by an earlier send of the same request (a retry).
pub struct Stored {
    pub view: ResultView,
    pub replayed: bool,
}

/// Stores an entry, decides the double entry, and moves the aggregates by what changed.
pub fn submit(
    conn: &mut Conn,
    permit: &Permit,
    election: &'static ElectionDef,
    contest: &'static ContestDef,
    tps: &crate::elections::TpsCode,
    s: Submission,
    now: &str,
) -> Result<ResultView, AppError> {
    submit_all(conn, vec![Form { permit, election, contest, tps, submission: s, request: None }], now)?
        .pop()
        .unwrap_or_else(|| Err(AppError::Internal("no outcome for the entry".into())))
        .map(|s| s.view)
}

/// A TPS result as a write goes through it: as stored, then with each accepted form of the
/// write added in turn (two entries of one TPS may come in one group commit).
struct Place {
    registered: bool,
    cur: Option<Current>,
    entries: Vec<EntryRow>,
}

type PlaceKey = (&'static str, &'static str, String);

/// A form accepted, before it is written.
struct Accepted<'p> {
    permit: &'p Permit,
    key: PlaceKey,
    /// Its entry's position among its place's entries (the answer shows those up to it).
    entry: usize,
    /// The state of its TPS result right after it.
    state: Current,
    leaf: Vec<u8>,
    /// Its numbers as stored in its entry's row (the leaf's canonical JSON of them).
    tally_json: String,
    moves: Delta,
}

/// A form's fate in [`submit_all`]: accepted (to be written), or a retry of the request that
/// made entry `1` of its place.
enum Outcome<'p> {
    Accepted(Accepted<'p>),
    Replayed(&'static ElectionDef, PlaceKey, usize),
}

/// Stores many entries in one go, in order, as [`submit`] would one after another: the TPS
/// results they concern are read with one statement of each kind, and what they write goes in
/// multi-row statements. A form refused (the same user twice, an unknown TPS, …) gets its error
/// and writes nothing; an error of the database fails them all.
///
/// A form whose request (sender and Idempotency-Key) made an entry of its TPS result before is
/// a retry: it writes nothing and is answered with the result as it stood right after that
/// entry, rebuilt from the entries ([`state_after`]); the same key with another request is
/// refused. The key is looked for among the entries of the form's own TPS and contest (what a
/// PUT of the same path stores), so no answer row or key index is written per form.
pub fn submit_all(conn: &mut Conn, forms: Vec<Form<'_>>, now: &str) -> Result<Vec<Result<Stored, AppError>>, DbError> {
    let mut wanted: BTreeMap<(&'static str, &'static str), Vec<&str>> = BTreeMap::new();
    for f in &forms {
        wanted.entry((f.election.id, f.contest.key)).or_default().push(f.tps.as_str());
    }
    // Another server writing an entry of one of these TPS results waits, or is waited for,
    // before anything is read (PostgreSQL).
    conn.lock_keys(wanted.iter().flat_map(|((e, k), codes)| codes.iter().map(move |c| format!("result/{e}/{k}/{c}"))))?;
    let mut places: HashMap<PlaceKey, Place> = HashMap::new();
    for ((election, contest), mut codes) in wanted {
        codes.sort_unstable();
        codes.dedup();
        let mut cur = currents(conn, election, contest, &codes)?;
        let mut all = entries_of(conn, election, contest, &codes)?;
        // A TPS with a result row exists; only first entries need the register.
        let unknown: Vec<&str> = codes.iter().copied().filter(|c| !cur.contains_key(*c)).collect();
        let registered = if unknown.is_empty() { Default::default() } else { crate::elections::store::registered(conn, election, &unknown)? };
        for code in codes {
            let c = cur.remove(code);
            let place = Place { registered: c.is_some() || registered.contains(code), cur: c, entries: all.remove(code).unwrap_or_default() };
            places.insert((election, contest, code.to_string()), place);
        }
    }
    let names: Vec<&str> = forms.iter().map(|f| f.permit.username()).collect();
    let units = crate::agencies::store::public_names(conn, &names)?;
    let mut outcomes: Vec<Result<Outcome<'_>, AppError>> = Vec::with_capacity(forms.len());
    for f in forms {
        let key: PlaceKey = (f.election.id, f.contest.key, f.tps.as_str().to_string());
        let unit = units.get(f.permit.username()).map_or("", String::as_str);
        let outcome = match places.get_mut(&key) {
            Some(place) => match f.request.and_then(|r| r.keyed()).and_then(|k| made_by(place, k)) {
                Some((entry, true)) => Ok(Outcome::Replayed(f.election, key, entry)),
                Some((_, false)) => Err(crate::platform::http::reused_key()),
                None => decide(place, f, key, unit, now).map(Outcome::Accepted),
            },
            None => Err(AppError::Internal("a form's TPS was not read".into())),
        };
        outcomes.push(outcome);
    }
    let mut accepted: Vec<&mut Accepted<'_>> = outcomes
        .iter_mut()
        .filter_map(|o| match o {
            Ok(Outcome::Accepted(a)) => Some(a),
            _ => None,
        })
        .collect();
    write_accepted(conn, &mut places, &mut accepted, now)?;
    Ok(outcomes
        .into_iter()
        .map(|o| {
            o.map(|o| match o {
                Outcome::Accepted(a) => {
                    let place = &places[&a.key];
                    Stored { view: build_view(a.key.0, a.key.1, &a.key.2, Some(a.state), &place.entries[..=a.entry]), replayed: false }
                }
                Outcome::Replayed(election, key, entry) => {
                    let then = &places[&key].entries[..=entry];
                    Stored { view: build_view(key.0, key.1, &key.2, state_after(election, then), then), replayed: true }
                }
            })
        })
        .collect())
}

/// The entry of `place` that the request `(sender, key, fingerprint)` made, if one did, and
/// whether it was the same request (else the key was used for another).
fn made_by(place: &Place, (principal, key, fingerprint): (&str, &str, &str)) -> Option<(usize, bool)> {
    place.entries.iter().enumerate().find_map(|(i, e)| {
        let r = e.request.as_ref().filter(|r| r.principal == principal && r.key == key)?;
        Some((i, r.fingerprint == fingerprint))
    })
}

/// The state of a TPS result right after the last of `entries` (its entries up to that one,
/// oldest first), as [`decide`] made it entry by entry.
fn state_after(election: &ElectionDef, entries: &[EntryRow]) -> Option<Current> {
    let mut cur: Option<Current> = None;
    for (i, e) in entries.iter().enumerate() {
        let revision = if e.source == "kpu" { e.revision } else { cur.as_ref().map_or(1, |c| c.revision) };
        cur = Some(next_state(election, cur.as_ref(), &entries[..i], &e.source, &e.entered_by, &e.tally, revision));
    }
    cur
}

/// The state of a TPS result after one more entry (`source`, `by`, `tally`, of KPU's revision
/// `revision` or of the current one) given the state before it and the entries before it:
/// KPU's double entry, what counts, whether another source disagrees, and the anomalies.
fn next_state(election: &ElectionDef, cur: Option<&Current>, all: &[EntryRow], source: &str, by: &str, tally: &Tally, revision: i64) -> Current {
    let mut kpu: Vec<(&str, &Tally)> = all.iter().filter(|e| e.source == "kpu" && e.revision == revision).map(|e| (e.entered_by.as_str(), &e.tally)).collect();
    if source == "kpu" {
        kpu.push((by, tally));
    }
    let status = double_entry(&kpu);
    let (counted, counted_rev) = match &status {
        KpuStatus::Agreed(i) => (Some(kpu[*i].1.clone()), Some(revision)),
        _ => (cur.and_then(|c| c.counted.clone()), cur.and_then(|c| c.counted_rev)),
    };
    // Another source disagreeing with what counts.
    let mut others: BTreeMap<&str, &Tally> = latest_others(all).into_iter().map(|(k, e)| (k, &e.tally)).collect();
    if source != "kpu" {
        others.insert(source, tally);
    }
    let discrepancy = counted.as_ref().is_some_and(|c| others.values().any(|t| *t != c));
    let anomalies: Vec<String> = counted.as_ref().map_or(vec![], |c| super::anomalies(c, form::reserve_bp(election.kind)).into_iter().map(str::to_string).collect());
    Current { status: status.as_str().to_string(), revision, counted, counted_rev, discrepancy, anomalies }
}

/// Checks one form against its TPS result as it stands (its place, `key`) and adds it there:
/// its entry's position, the state after it, its log leaf and what it moves the aggregates by.
fn decide<'p>(place: &mut Place, f: Form<'p>, key: PlaceKey, unit: &str, now: &str) -> Result<Accepted<'p>, AppError> {
    let (permit, election, contest, s) = (f.permit, f.election, f.contest, f.submission);
    let tps = f.tps.as_str();
    if !place.registered {
        let name = election.name;
        return Err(AppError::not_found(crate::tr!("TPS {tps} tidak terdaftar pada {name}", "no TPS {tps} in {name}")));
    }
    let cur = place.cur.as_ref();
    let all = &place.entries;
    let mut revision = cur.map_or(1, |c| c.revision);
    if s.source == Source::Kpu {
        let agreed = cur.is_some_and(|c| c.status == "sah" && c.counted_rev == Some(revision));
        if agreed {
            if s.reason.trim().is_empty() {
                return Err(AppError::invalid("reason", tr!("hasil sudah sah; koreksi wajib disertai alasan dan memulai revisi baru", "the result is already agreed (sah); a correction needs a reason and starts a new revision")));
            }
            revision += 1;
        } else if all.iter().any(|e| e.source == "kpu" && e.revision == revision && e.entered_by == permit.username()) {
            return Err(AppError::conflict(tr!(
                "Anda sudah mengentri revisi {revision} hasil ini; entri berikutnya harus dari pengguna lain (entri ganda)",
                "you already entered revision {revision} of this result; the next entry must come from another user (double entry)"
            )));
        }
    } else if s.source == Source::Bawaslu && all.iter().any(|e| e.source == "bawaslu") && s.reason.trim().is_empty() {
        return Err(AppError::invalid("reason", tr!("salinan Bawaslu sudah dientri; koreksi wajib disertai alasan", "Bawaslu's copy was entered already; a correction needs a reason")));
    }
    let source_revision = if s.source == Source::Kpu { revision } else { all.iter().filter(|e| e.source == s.source.as_str()).count() as i64 + 1 };
    // Every accepted entry is a leaf of the public log (appended in this transaction on
    // SQLite, queued for the sequencer on PostgreSQL).
    let leaf = super::leaf::entry(election.id, tps, contest.key, s.source.as_str(), source_revision, &s.tally_json, s.photo_sha256.as_deref(), &s.photos, unit, now);

    let state = next_state(election, cur, all, s.source.as_str(), permit.username(), &s.tally, revision);
    let ceiling = ceiling_of(election);
    let before = cur.map(|c| Counted { tally: c.counted.as_ref().filter(|t| form::within(t, ceiling)), discrepancy: c.discrepancy, anomalous: !c.anomalies.is_empty() });
    let after = Counted { tally: state.counted.as_ref().filter(|t| form::within(t, ceiling)), discrepancy: state.discrepancy, anomalous: !state.anomalies.is_empty() };
    let moves = delta(before.as_ref(), &after).map_err(too_large)?;
    place.entries.push(EntryRow {
        id: 0,
        source: s.source.as_str().to_string(),
        revision: source_revision,
        entered_by: permit.username().to_string(),
        entered_at: now.to_string(),
        reason: s.reason.trim().to_string(),
        photo_sha256: s.photo_sha256,
        photos: s.photos,
        tally: s.tally,
        warnings: s.warnings,
        request: f.request.and_then(|r| r.keyed()).map(|(principal, key, fingerprint)| Keyed { principal: principal.into(), key: key.into(), fingerprint: fingerprint.into() }),
    });
    place.cur = Some(state.clone());
    Ok(Accepted { permit, key, entry: place.entries.len() - 1, state, leaf, tally_json: s.tally_json, moves })
}

/// Writes the accepted forms: their leaves, entries and photos, the final state of each TPS
/// result, the aggregates' moves and the audit entries. Gives each entry its id.
fn write_accepted(conn: &mut Conn, places: &mut HashMap<PlaceKey, Place>, accepted: &mut [&mut Accepted<'_>], now: &str) -> Result<(), DbError> {
    if accepted.is_empty() {
        return Ok(());
    }
    let leaves: Vec<Vec<u8>> = accepted.iter_mut().map(|a| std::mem::take(&mut a.leaf)).collect();
    let tickets = crate::platform::tlog::enqueue_all(conn, leaves)?;
    let rows: Vec<Vec<Value>> = accepted
        .iter()
        .zip(&tickets)
        .map(|(a, t)| {
            let e = &places[&a.key].entries[a.entry];
            vec![
                Value::from(a.key.0),
                Value::from(a.key.2.as_str()),
                Value::from(a.key.1),
                Value::from(e.source.as_str()),
                Value::from(e.revision),
                Value::from(e.entered_by.as_str()),
                Value::from(e.entered_at.as_str()),
                Value::from(e.reason.as_str()),
                Value::from(e.photo_sha256.clone()),
                Value::from(a.tally_json.as_str()),
                Value::from(to_json(&e.warnings)),
                Value::from(t.index.map(|i| i as i64)),
                Value::Int(t.id),
                Value::from(e.request.as_ref().map(|r| r.principal.as_str())),
                Value::from(e.request.as_ref().map(|r| r.key.as_str())),
                Value::from(e.request.as_ref().map(|r| r.fingerprint.as_str())),
            ]
        })
        .collect();
    let head = "INSERT INTO result_entries (election_id, tps_code, contest, source, revision, entered_by, entered_at, reason, photo_sha256, tally, warnings, log_index, log_ticket,
        request_principal, request_key, request_hash)";
    // Each entry has its own ticket: it tells the returned ids apart.
    let mut id_of: HashMap<i64, i64> = HashMap::with_capacity(rows.len());
    for r in insert_rows_returning(conn, head, 16, "RETURNING id, log_ticket", rows)? {
        id_of.insert(r.get(1)?, r.get(0)?);
    }
    let mut photos: Vec<Vec<Value>> = vec![];
    for (a, t) in accepted.iter().zip(&tickets) {
        let id = *id_of.get(&t.id).ok_or_else(|| DbError::Other(format!("no id returned for the entry of ticket {}", t.id)))?;
        let place = places.get_mut(&a.key).ok_or_else(|| DbError::Other("an accepted form's place is gone".into()))?;
        let e = &mut place.entries[a.entry];
        e.id = id;
        photos.extend(e.photos.iter().enumerate().map(|(page, sha)| vec![Value::Int(id), Value::Int(page as i64 + 1), Value::from(sha.as_str())]));
    }
    if !photos.is_empty() {
        insert_rows(conn, "INSERT INTO result_photos (entry_id, page, sha256)", 3, "", photos)?;
    }
    // The last state of each TPS result, in key order (two servers' groups lock rows in one
    // order on PostgreSQL).
    let keys: std::collections::BTreeSet<&PlaceKey> = accepted.iter().map(|a| &a.key).collect();
    let states: Vec<Vec<Value>> = keys
        .into_iter()
        .filter_map(|k| places[k].cur.as_ref().map(|c| (k, c)))
        .map(|(k, c)| {
            vec![
                Value::from(k.0),
                Value::from(k.1),
                Value::from(k.2.as_str()),
                Value::from(c.status.as_str()),
                Value::Int(c.revision),
                Value::from(c.counted.as_ref().map(to_json)),
                Value::from(c.counted_rev),
                Value::Int(i64::from(c.discrepancy)),
                Value::from(c.anomalies.join(",")),
                Value::from(now),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO results (election_id, contest, tps_code, status, revision, counted, counted_rev, discrepancy, anomalies, updated_at)",
        10,
        "ON CONFLICT (election_id, contest, tps_code) DO UPDATE SET status = excluded.status, revision = excluded.revision, counted = excluded.counted,
            counted_rev = excluded.counted_rev, discrepancy = excluded.discrepancy, anomalies = excluded.anomalies, updated_at = excluded.updated_at",
        states,
    )?;
    for a in accepted.iter_mut() {
        let (election, contest, tps) = (a.key.0, a.key.1, a.key.2.as_str());
        move_by(conn, election, contest, tps, std::mem::take(&mut a.moves)).map_err(|field| DbError::Other(format!("the aggregates' {field} would not fit")))?;
    }
    audit_group(conn, &accepted, places, &tickets)
}

/// One audit entry for the group's entries (`audit::LOG_TICKETS`), listing for each its log
/// ticket and leaf, who entered it, where and what: the audit trail answers who entered leaf
/// N of the public log (`audit::of_leaf`). Its actor is the group's user when there is one
/// (a form entered on a page), else the system; its region is the one every TPS of the group
/// lies in, so that a regional admin reads the groups of their region.
fn audit_group(conn: &mut Conn, accepted: &[&mut Accepted<'_>], places: &HashMap<PlaceKey, Place>, tickets: &[crate::platform::tlog::Ticket]) -> Result<(), DbError> {
    let entries: Vec<serde_json::Value> = accepted
        .iter()
        .zip(tickets)
        .map(|(a, t)| {
            let e = &places[&a.key].entries[a.entry];
            serde_json::json!({
                "ticket": t.id, "leaf": t.index, "entry": e.id, "by": e.entered_by, "election": a.key.0, "tps": a.key.2,
                "contest": a.key.1, "source": e.source, "revision": e.revision, "status": a.state.status,
            })
        })
        .collect();
    let first = tickets.iter().map(|t| t.id).min().unwrap_or_default();
    let system;
    let permit = match accepted.first() {
        Some(a) if accepted.iter().all(|b| b.permit.username() == a.permit.username()) => a.permit,
        _ => {
            system = Permit::system("rekap", NATIONAL);
            &system
        }
    };
    let tps: Vec<&str> = accepted.iter().map(|a| a.key.2.as_str()).collect();
    let region = common_region(&tps);
    audit::record_group(
        conn,
        permit,
        Change {
            action: "result.entries",
            entity_type: audit::LOG_TICKETS,
            entity_id: &audit::ticket_id(first),
            region: Some(region),
            detail: serde_json::json!({"count": entries.len(), "entries": entries}),
        },
        tps,
    )
}

/// The deepest region that holds every TPS of `codes` (the nation when they share none).
fn common_region<'a>(codes: &[&'a str]) -> &'a str {
    let Some(first) = codes.first() else { return NATIONAL };
    // A TPS's own code is the last of its lineage: only its regions are candidates.
    let regions = lineage(first);
    regions[..regions.len() - 1]
        .iter()
        .rev()
        .find(|r| codes.iter().all(|c| crate::platform::identity::within(r, c)))
        .copied()
        .unwrap_or(NATIONAL)
}

/// The entering unit's public name for a log leaf (never the username).
fn unit_name(conn: &mut Conn, permit: &Permit) -> Result<String, DbError> {
    let name = permit.username();
    Ok(crate::agencies::store::public_names(conn, &[name])?.remove(name).unwrap_or_default())
}

/// Where an entry is in the public log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPlace {
    pub source: String,
    pub revision: i64,
    /// None while the entry waits for the log's sequencer (PostgreSQL, a fraction of a second).
    pub index: Option<u64>,
    /// The ticket it was queued under (entries from before tickets have none).
    pub ticket: Option<i64>,
}

/// Where the entries of a TPS's result for a contest are in the public log, oldest first.
/// Entries from before the log have no place and are left out.
pub fn log_entries(conn: &mut Conn, election: &str, contest: &str, tps: &str) -> Result<Vec<LogPlace>, DbError> {
    let mut list: Vec<LogPlace> = conn
        .query(
            "SELECT source, revision, log_index, log_ticket FROM result_entries
             WHERE election_id = $1 AND tps_code = $2 AND contest = $3 AND (log_index IS NOT NULL OR log_ticket IS NOT NULL) ORDER BY id",
            params![election, tps, contest],
        )?
        .into_iter()
        .map(|r| Ok(LogPlace { source: r.get(0)?, revision: r.get(1)?, index: r.get::<Option<i64>>(2)?.map(|i| i as u64), ticket: r.get(3)? }))
        .collect::<Result<_, DbError>>()?;
    // Sequenced since it was written: the index is found through the ticket.
    let waiting: Vec<i64> = list.iter().filter(|p| p.index.is_none()).filter_map(|p| p.ticket).collect();
    if !waiting.is_empty() {
        let found = crate::platform::tlog::indexes(conn, &waiting)?;
        for p in list.iter_mut().filter(|p| p.index.is_none()) {
            p.index = p.ticket.and_then(|t| found.get(&t).copied());
        }
    }
    Ok(list)
}

/// Where a TPS result's entries are in the public log, for its permalink: the leaf of every
/// entry (by entry id; none for entries from before the log), and the leaves of the KPU entries
/// whose numbers count — the entries of the counted revision that agreed, not one that
/// disagreed with them before a third settled it.
pub struct LogPlaces {
    pub by_entry: BTreeMap<i64, u64>,
    pub counted: Vec<u64>,
}

pub fn log_places(conn: &mut Conn, election: &str, contest: &str, tps: &str, counted: Option<(i64, &Tally)>) -> Result<LogPlaces, DbError> {
    let rows = conn.query(
        "SELECT id, source, revision, tally, log_index, log_ticket FROM result_entries WHERE election_id = $1 AND tps_code = $2 AND contest = $3 ORDER BY id",
        params![election, tps, contest],
    )?;
    // Sequenced after the entry was written (PostgreSQL): the index is found through the
    // ticket; an entry still queued has no place yet.
    let mut waiting: Vec<i64> = vec![];
    for r in &rows {
        if r.get::<Option<i64>>(4)?.is_none()
            && let Some(t) = r.get::<Option<i64>>(5)?
        {
            waiting.push(t);
        }
    }
    let sequenced = if waiting.is_empty() { Default::default() } else { crate::platform::tlog::indexes(conn, &waiting)? };
    let mut places = LogPlaces { by_entry: BTreeMap::new(), counted: vec![] };
    for r in rows {
        let index = match (r.get::<Option<i64>>(4)?, r.get::<Option<i64>>(5)?) {
            (Some(i), _) => i as u64,
            (None, Some(t)) => match sequenced.get(&t) {
                Some(&i) => i,
                None => continue,
            },
            (None, None) => continue,
        };
        places.by_entry.insert(r.get(0)?, index);
        if let Some((revision, tally)) = counted
            && r.get::<String>(1)? == "kpu"
            && r.get::<i64>(2)? == revision
            && parse_tally(&r.get::<String>(3)?)? == *tally
        {
            places.counted.push(index);
        }
    }
    Ok(places)
}

/// The most any count on a TPS's form may be in this election.
fn ceiling_of(election: &ElectionDef) -> i64 {
    form::tps_ceiling(election.max_voters_by_law, form::reserve_bp(election.kind))
}

/// Recomputes an election's regional totals from the results that count, when SQLite holds a
/// total that is not a whole number (left by a version that let sums overflow into floating
/// point; such totals can never be corrected by moving them). Returns how many TPS results were
/// summed, or None when nothing needed it.
pub fn repair_aggregates(conn: &mut Conn, election: &ElectionDef) -> Result<Option<usize>, AppError> {
    if conn.backend() != crate::platform::db::Backend::Sqlite {
        return Ok(None);
    }
    let broken: i64 = conn
        .query_one(
            "SELECT (SELECT COUNT(*) FROM result_totals WHERE election_id = $1 AND (typeof(tps_in) <> 'integer' OR typeof(dpt) <> 'integer'
                        OR typeof(users) <> 'integer' OR typeof(valid) <> 'integer' OR typeof(invalid) <> 'integer'
                        OR typeof(discrepancies) <> 'integer' OR typeof(anomalies) <> 'integer'))
                  + (SELECT COUNT(*) FROM result_votes WHERE election_id = $1 AND typeof(votes) <> 'integer')",
            params![election.id],
        )?
        .get(0)?;
    if broken == 0 {
        return Ok(None);
    }
    // The totals are rebuilt from the results: moves of earlier jobs of the same group, not
    // yet written, would then count twice. The repair runs at startup, alone.
    if conn.has_deferred::<AggregateMoves>() {
        return Err(AppError::Internal("the aggregates cannot be repaired while a group's moves wait to be written".into()));
    }
    conn.execute("DELETE FROM result_totals WHERE election_id = $1", params![election.id])?;
    conn.execute("DELETE FROM result_votes WHERE election_id = $1", params![election.id])?;
    let rows = conn.query("SELECT contest, tps_code, counted, discrepancy, anomalies FROM results WHERE election_id = $1 ORDER BY tps_code", params![election.id])?;
    let ceiling = ceiling_of(election);
    let mut n = 0;
    for r in rows {
        let (contest, tps, counted): (String, String, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (discrepancy, anomalies): (bool, String) = (r.get(3)?, r.get(4)?);
        let tally = counted.as_deref().map(parse_tally).transpose()?;
        let after = Counted { tally: tally.as_ref().filter(|t| form::within(t, ceiling)), discrepancy, anomalous: !anomalies.is_empty() };
        move_by(conn, election.id, &contest, &tps, delta(None, &after).map_err(too_large)?).map_err(too_large)?;
        n += 1;
    }
    Ok(Some(n))
}

/// What a TPS result contributes to the aggregates.
struct Counted<'a> {
    tally: Option<&'a Tally>,
    discrepancy: bool,
    anomalous: bool,
}

#[derive(Default)]
struct Delta {
    tps_in: i64,
    dpt: i64,
    users: i64,
    valid: i64,
    invalid: i64,
    discrepancies: i64,
    anomalies: i64,
    votes: BTreeMap<String, i64>,
}

/// What the aggregates move by, in checked arithmetic: the field that would not fit is named
/// (counted forms are bounded at entry, so only a stored entry from before can do that).
fn delta(before: Option<&Counted<'_>>, after: &Counted<'_>) -> Result<Delta, String> {
    fn step(field: &str, acc: &mut i64, sign: i64, n: i64) -> Result<(), String> {
        *acc = n.checked_mul(sign).and_then(|x| acc.checked_add(x)).ok_or_else(|| field.to_string())?;
        Ok(())
    }
    let mut d = Delta::default();
    let mut add = |c: &Counted<'_>, sign: i64| -> Result<(), String> {
        if let Some(t) = c.tally {
            let dpt = t.checked_dpt().ok_or("dpt")?;
            let users = t.checked_users_total().ok_or("users")?;
            step("tps_in", &mut d.tps_in, sign, 1)?;
            step("dpt", &mut d.dpt, sign, dpt)?;
            step("users", &mut d.users, sign, users)?;
            step("valid", &mut d.valid, sign, t.valid)?;
            step("invalid", &mut d.invalid, sign, t.invalid)?;
            for (k, v) in &t.votes {
                step(&format!("votes.{k}"), d.votes.entry(k.clone()).or_default(), sign, *v)?;
            }
        }
        step("discrepancies", &mut d.discrepancies, sign, i64::from(c.discrepancy))?;
        step("anomalies", &mut d.anomalies, sign, i64::from(c.anomalous))
    };
    if let Some(b) = before {
        add(b, -1)?;
    }
    add(after, 1)?;
    Ok(d)
}

/// Moves the aggregates of `tps`'s regions by `d` (in the group's deferred sums); the field
/// that would not fit is named, and the moves may then be partly made (the group must fail).
fn move_by(conn: &mut Conn, election: &str, contest: &str, tps: &str, d: Delta) -> Result<(), String> {
    let unchanged = d.tps_in == 0 && d.dpt == 0 && d.users == 0 && d.valid == 0 && d.invalid == 0 && d.discrepancies == 0 && d.anomalies == 0 && d.votes.values().all(|v| *v == 0);
    if unchanged {
        return Ok(());
    }
    let codes = lineage(tps);
    let regions = codes[..codes.len() - 1].iter().copied().chain(std::iter::once(NATIONAL));
    let moves = conn.defer::<AggregateMoves>();
    for region in regions {
        let key = (election.to_string(), contest.to_string(), region.to_string());
        moves.by_region.entry(key).or_default().add(&d)?;
    }
    Ok(())
}

/// The aggregates' moves of a group of writes, summed per region and written once per group
/// commit (`platform::db::Deferred`): on election night most forms of a group move the nation's
/// row and many move the same province's, which are then written once, not once per form. The
/// rows are written in key order, the same on every server, so that two servers' groups lock
/// the shared rows in one order on PostgreSQL.
#[derive(Default)]
pub struct AggregateMoves {
    by_region: BTreeMap<(String, String, String), Delta>,
    /// A sum that did not fit (never with forms bounded at entry): the group is rolled back.
    overflow: Option<String>,
}

impl Delta {
    /// Adds `o`; the field that would not fit is named, and `self` may be partly moved then
    /// (its job or group fails).
    fn add(&mut self, o: &Delta) -> Result<(), String> {
        fn plus(field: &str, a: &mut i64, b: i64) -> Result<(), String> {
            *a = a.checked_add(b).ok_or_else(|| field.to_string())?;
            Ok(())
        }
        plus("tps_in", &mut self.tps_in, o.tps_in)?;
        plus("dpt", &mut self.dpt, o.dpt)?;
        plus("users", &mut self.users, o.users)?;
        plus("valid", &mut self.valid, o.valid)?;
        plus("invalid", &mut self.invalid, o.invalid)?;
        plus("discrepancies", &mut self.discrepancies, o.discrepancies)?;
        plus("anomalies", &mut self.anomalies, o.anomalies)?;
        for (k, v) in &o.votes {
            plus(&format!("votes.{k}"), self.votes.entry(k.clone()).or_default(), *v)?;
        }
        Ok(())
    }

    fn is_zero(&self) -> bool {
        self.tps_in == 0 && self.dpt == 0 && self.users == 0 && self.valid == 0 && self.invalid == 0 && self.discrepancies == 0 && self.anomalies == 0
    }
}

impl crate::platform::db::Deferred for AggregateMoves {
    fn absorb(&mut self, later: AggregateMoves) {
        self.overflow = self.overflow.take().or(later.overflow);
        for (key, d) in later.by_region {
            if let Err(field) = self.by_region.entry(key).or_default().add(&d) {
                self.overflow.get_or_insert(field);
            }
        }
    }

    fn flush(self, conn: &mut Conn) -> Result<(), DbError> {
        use crate::platform::db::{Value, insert_rows};
        if let Some(field) = self.overflow {
            return Err(DbError::Other(format!("the aggregates' {field} would not fit")));
        }
        let text = |s: &str| Value::Text(s.to_string());
        let totals = self.by_region.iter().filter(|(_, d)| !d.is_zero()).map(|((e, c, r), d)| {
            vec![text(e), text(c), text(r), Value::Int(d.tps_in), Value::Int(d.dpt), Value::Int(d.users), Value::Int(d.valid), Value::Int(d.invalid), Value::Int(d.discrepancies), Value::Int(d.anomalies)]
        });
        // Every column stays a whole number on both engines: SQLite turns an integer `+` that
        // overflows into a REAL (which then fails every read), so the sums are cast back; entries
        // are bounded at the form, so the cast never has to clamp, and the reads cast as well so
        // a REAL left by an older version still reads.
        insert_rows(
            conn,
            "INSERT INTO result_totals (election_id, contest, region_code, tps_in, dpt, users, valid, invalid, discrepancies, anomalies)",
            10,
            "ON CONFLICT (election_id, contest, region_code) DO UPDATE SET tps_in = CAST(result_totals.tps_in + excluded.tps_in AS BIGINT),
                dpt = CAST(result_totals.dpt + excluded.dpt AS BIGINT), users = CAST(result_totals.users + excluded.users AS BIGINT),
                valid = CAST(result_totals.valid + excluded.valid AS BIGINT), invalid = CAST(result_totals.invalid + excluded.invalid AS BIGINT),
                discrepancies = CAST(result_totals.discrepancies + excluded.discrepancies AS BIGINT), anomalies = CAST(result_totals.anomalies + excluded.anomalies AS BIGINT)",
            totals,
        )?;
        let votes = self.by_region.iter().flat_map(|((e, c, r), d)| {
            d.votes.iter().filter(|(_, v)| **v != 0).map(move |(candidate, v)| vec![text(e), text(c), text(r), text(candidate), Value::Int(*v)])
        });
        insert_rows(
            conn,
            "INSERT INTO result_votes (election_id, contest, region_code, candidate, votes)",
            5,
            "ON CONFLICT (election_id, contest, region_code, candidate) DO UPDATE SET votes = CAST(result_votes.votes + excluded.votes AS BIGINT)",
            votes,
        )?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceEntry {
    pub source: String,
    pub revision: i64,
    pub entered_by: String,
    pub entered_at: String,
    pub reason: String,
    pub photo_sha256: Option<String>,
    /// SHA-256 of each page's photo, page order; the bytes are at `/foto/{sha256}`.
    pub photos: Vec<String>,
    #[schema(value_type = Object)]
    pub tally: Tally,
    pub warnings: Vec<Failure>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub election: String,
    pub tps: String,
    pub contest: String,
    /// KPU's double entry: `belum_masuk`, `menunggu_entri_kedua`, `sah` or `selisih`.
    pub status: String,
    pub revision: i64,
    /// The agreed KPU numbers that count (the last agreed revision).
    #[schema(value_type = Option<Object>)]
    pub counted: Option<Tally>,
    pub counted_revision: Option<i64>,
    /// Who keyed the current KPU revision (the numbers stay hidden until two agree).
    pub kpu_entries: Vec<KpuEntry>,
    /// The photos of the form behind the counted KPU numbers (of the entries that agreed),
    /// SHA-256 in page order; shown only once they count, like the numbers.
    pub counted_photos: Vec<String>,
    /// The latest entry of each other source.
    pub sources: Vec<SourceEntry>,
    /// Fields on which the counted result and the other sources differ.
    pub differences: Vec<super::FieldDifference>,
    pub discrepancy: bool,
    pub anomalies: Vec<String>,
    /// Every entry ever made, oldest first (numbers of pending KPU entries hidden).
    pub history: Vec<HistoryItem>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KpuEntry {
    pub entered_by: String,
    pub entered_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryItem {
    pub id: i64,
    pub source: String,
    pub revision: i64,
    pub entered_by: String,
    pub entered_at: String,
    pub reason: String,
}

impl ResultView {
    /// For the public: every `entered_by` becomes the unit's name (usernames are half of a login).
    pub fn with_unit_names(mut self, conn: &mut Conn) -> Result<ResultView, DbError> {
        let names: Vec<String> = self
            .kpu_entries
            .iter()
            .map(|e| e.entered_by.clone())
            .chain(self.sources.iter().map(|e| e.entered_by.clone()))
            .chain(self.history.iter().map(|e| e.entered_by.clone()))
            .collect();
        let map = crate::agencies::store::public_names(conn, &names.iter().map(String::as_str).collect::<Vec<_>>())?;
        let shown = |n: &mut String| {
            if let Some(u) = map.get(n.as_str()) {
                *n = u.clone();
            }
        };
        self.kpu_entries.iter_mut().for_each(|e| shown(&mut e.entered_by));
        self.sources.iter_mut().for_each(|e| shown(&mut e.entered_by));
        self.history.iter_mut().for_each(|e| shown(&mut e.entered_by));
        Ok(self)
    }
}

impl RecapView {
    /// For the public: the plenary entry names its unit, not the username.
    pub fn with_unit_names(mut self, conn: &mut Conn) -> Result<RecapView, DbError> {
        if let Some(e) = self.entered.as_mut() {
            let map = crate::agencies::store::public_names(conn, &[e.entered_by.as_str()])?;
            if let Some(u) = map.get(&e.entered_by) {
                e.entered_by = u.clone();
            }
        }
        Ok(self)
    }
}

pub fn view(conn: &mut Conn, election: &str, contest: &str, tps: &crate::elections::TpsCode) -> Result<ResultView, DbError> {
    let tps = tps.as_str();
    let cur = current(conn, election, contest, tps)?;
    let all = entries(conn, election, contest, tps)?;
    Ok(build_view(election, contest, tps, cur, &all))
}

fn build_view(election: &str, contest: &str, tps: &str, cur: Option<Current>, all: &[EntryRow]) -> ResultView {
    let revision = cur.as_ref().map_or(0, |c| c.revision);
    let kpu_entries = all
        .iter()
        .filter(|e| e.source == "kpu" && e.revision == revision)
        .map(|e| KpuEntry { entered_by: e.entered_by.clone(), entered_at: e.entered_at.clone() })
        .collect();
    let others = latest_others(all);
    let sources: Vec<SourceEntry> = others
        .values()
        .map(|e| SourceEntry {
            source: e.source.clone(),
            revision: e.revision,
            entered_by: e.entered_by.clone(),
            entered_at: e.entered_at.clone(),
            reason: e.reason.clone(),
            photo_sha256: e.photo_sha256.clone(),
            photos: e.photos.clone(),
            tally: e.tally.clone(),
            warnings: e.warnings.clone(),
        })
        .collect();
    let counted = cur.as_ref().and_then(|c| c.counted.clone());
    // The counted revision's KPU entries hold the same numbers; the first with photos shows them.
    let counted_rev = cur.as_ref().and_then(|c| c.counted_rev);
    let counted_photos = all
        .iter()
        .filter(|e| e.source == "kpu" && Some(e.revision) == counted_rev && Some(&e.tally) == counted.as_ref() && !e.photos.is_empty())
        .map(|e| e.photos.clone())
        .next()
        .unwrap_or_default();
    let mut compared: Vec<(&str, &Tally)> = vec![];
    if let Some(c) = &counted {
        compared.push(("kpu", c));
    }
    for s in &sources {
        compared.push((s.source.as_str(), &s.tally));
    }
    let differences = if compared.len() > 1 { super::differences(&compared) } else { vec![] };
    ResultView {
        election: election.to_string(),
        tps: tps.to_string(),
        contest: contest.to_string(),
        status: cur.as_ref().map_or("belum_masuk".to_string(), |c| c.status.clone()),
        revision,
        counted_revision: cur.as_ref().and_then(|c| c.counted_rev),
        counted,
        kpu_entries,
        counted_photos,
        sources,
        differences,
        discrepancy: cur.as_ref().is_some_and(|c| c.discrepancy),
        anomalies: cur.map_or(vec![], |c| c.anomalies),
        history: all
            .iter()
            .map(|e| HistoryItem { id: e.id, source: e.source.clone(), revision: e.revision, entered_by: e.entered_by.clone(), entered_at: e.entered_at.clone(), reason: e.reason.clone() })
            .collect(),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateTotal {
    pub id: String,
    pub number: i64,
    pub name: String,
    pub votes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ResultSummary)]
pub struct Summary {
    pub election: String,
    pub contest: String,
    pub region: String,
    pub candidates: Vec<CandidateTotal>,
    pub valid: i64,
    pub invalid: i64,
    pub users: i64,
    pub dpt: i64,
    pub tps_total: i64,
    pub tps_in: i64,
    pub discrepancies: i64,
    pub anomalies: i64,
    /// With `children=true`: the same totals for each region directly below.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<ChildTotals>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildTotals {
    pub region: String,
    pub tps_in: i64,
    pub valid: i64,
    pub invalid: i64,
    pub discrepancies: i64,
    pub votes: BTreeMap<String, i64>,
}

/// TPS of `region` where `contest` is held (from the per-region TPS statistics): the region's
/// own count where the contest is held throughout it, else the sum of the provinces or
/// regencies under it where it is held.
pub fn tps_total(conn: &mut Conn, election: &ElectionDef, contest: &ContestDef, region: &str) -> Result<i64, DbError> {
    use crate::elections::Coverage;
    if held_whole(contest, region) {
        return Ok(if contest.coverage.holds_at(region) { crate::elections::store::stats(conn, election.id, region)?.0 } else { 0 });
    }
    // Provinces (national, for a contest not held in some) or regencies (for regent/mayor).
    let width = if matches!(contest.coverage, Coverage::ExceptProvinces(_)) { 2 } else { 5 };
    let (lo, hi) = if region == NATIONAL { (String::new(), "~".to_string()) } else { (format!("{region}."), format!("{region}/")) };
    let rows = conn.query(
        "SELECT region_code, tps_count FROM tps_stats WHERE election_id = $1 AND region_code >= $2 AND region_code < $3 AND LENGTH(region_code) = $4",
        params![election.id, lo, hi, width],
    )?;
    let mut n = 0;
    for r in rows {
        let code: String = r.get(0)?;
        if code != NATIONAL && contest.coverage.holds_at(&code) {
            n += r.get::<i64>(1)?;
        }
    }
    Ok(n)
}

/// Whether `contest` is either held throughout `region` or not at all (then the region's own TPS
/// count is its count): a province for a governor, a regency for anything. Above that level a
/// regent's contest is held only in some regencies of a province.
pub fn held_whole(contest: &ContestDef, region: &str) -> bool {
    use crate::elections::Coverage;
    let level = if region == NATIONAL { 0 } else { lineage(region).len() };
    match contest.coverage {
        Coverage::ExceptProvinces(ex) => level >= 1 || ex.is_empty(),
        Coverage::Kabupaten { .. } | Coverage::Kota { .. } => level >= 2,
    }
}

pub fn summary(conn: &mut Conn, election: &ElectionDef, contest: &ContestDef, region: &str) -> Result<Summary, DbError> {
    let totals = conn.query_opt(
        "SELECT CAST(tps_in AS BIGINT), CAST(dpt AS BIGINT), CAST(users AS BIGINT), CAST(valid AS BIGINT), CAST(invalid AS BIGINT),
                CAST(discrepancies AS BIGINT), CAST(anomalies AS BIGINT)
         FROM result_totals WHERE election_id = $1 AND contest = $2 AND region_code = $3",
        params![election.id, contest.key, region],
    )?;
    let t = |i: usize| -> Result<i64, DbError> { totals.as_ref().map_or(Ok(0), |r| r.get(i)) };
    let votes: BTreeMap<String, i64> = conn
        .query("SELECT candidate, CAST(votes AS BIGINT) FROM result_votes WHERE election_id = $1 AND contest = $2 AND region_code = $3", params![election.id, contest.key, region])?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_, DbError>>()?;
    let candidates = candidates_at(conn, election, contest.key, region)?
        .into_iter()
        .map(|c| CandidateTotal { votes: votes.get(&c.id).copied().unwrap_or(0), id: c.id, number: c.number, name: c.name })
        .collect();
    Ok(Summary {
        election: election.id.to_string(),
        contest: contest.key.to_string(),
        region: region.to_string(),
        candidates,
        tps_in: t(0)?,
        dpt: t(1)?,
        users: t(2)?,
        valid: t(3)?,
        invalid: t(4)?,
        discrepancies: t(5)?,
        anomalies: t(6)?,
        tps_total: tps_total(conn, election, contest, region)?,
        children: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Tiered recap (D.Hasil)

/// Stores the totals read out in a plenary for a district, regency or province.
#[allow(clippy::too_many_arguments)]
pub fn put_recap(conn: &mut Conn, permit: &Permit, election: &str, contest: &str, region: &str, tally: &Tally, reason: &str, now: &str) -> Result<i64, AppError> {
    let n: i64 = conn
        .query_one("SELECT COUNT(*) FROM recap_entries WHERE election_id = $1 AND contest = $2 AND region_code = $3", params![election, contest, region])?
        .get(0)?;
    if n > 0 && reason.trim().is_empty() {
        return Err(AppError::invalid(
            "reason",
            crate::tr!(
                "rekapitulasi ini sudah dimasukkan; koreksi (dari berita acara pleno) wajib disertai alasan",
                "this recap was entered already; a correction (from the plenary's berita acara) needs a reason"
            ),
        ));
    }
    let leaf = super::leaf::recap(election, region, contest, n + 1, tally, &unit_name(conn, permit)?, now);
    let ticket = crate::platform::tlog::enqueue(conn, leaf)?;
    conn.execute(
        "INSERT INTO recap_entries (election_id, region_code, contest, revision, entered_by, entered_at, reason, tally, log_index, log_ticket)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![election, region, contest, n + 1, permit.username(), now, reason.trim(), to_json(tally), ticket.index.map(|i| i as i64), ticket.id],
    )?;
    audit::record(conn, permit, Change {
        action: "recap.entry",
        entity_type: "recap",
        entity_id: &format!("{election}/{region}/{contest}"),
        region: Some(region),
        detail: serde_json::json!({"revision": n + 1, "leaf": ticket.index, "ticket": ticket.id}),
    })?;
    Ok(n + 1)
}

/// The latest revision of every plenary recap entered within `region` (itself included) for a
/// contest, by region code: one query for the progress of a whole province's recap.
pub fn recaps_within(conn: &mut Conn, election: &str, contest: &str, region: &str) -> Result<BTreeMap<String, i64>, DbError> {
    let (lo, hi) = if region == NATIONAL { (String::new(), "~".to_string()) } else { (region.to_string(), format!("{region}/")) };
    conn.query(
        "SELECT region_code, MAX(revision) FROM recap_entries WHERE election_id = $1 AND contest = $2 AND region_code >= $3 AND region_code < $4 GROUP BY region_code",
        params![election, contest, lo, hi],
    )?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .collect()
}

fn latest_recap(conn: &mut Conn, election: &str, contest: &str, region: &str) -> Result<Option<RecapEntry>, DbError> {
    conn.query_opt(
        "SELECT revision, entered_by, entered_at, reason, tally FROM recap_entries WHERE election_id = $1 AND contest = $2 AND region_code = $3
         ORDER BY id DESC LIMIT 1",
        params![election, contest, region],
    )?
    .map(|r| Ok(RecapEntry { revision: r.get(0)?, entered_by: r.get(1)?, entered_at: r.get(2)?, reason: r.get(3)?, tally: parse_tally(&r.get::<String>(4)?)? }))
    .transpose()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecapEntry {
    pub revision: i64,
    pub entered_by: String,
    pub entered_at: String,
    pub reason: String,
    #[schema(value_type = Object)]
    pub tally: Tally,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecapView {
    pub election: String,
    pub contest: String,
    pub region: String,
    /// What the plenary read out (latest revision), if entered.
    pub entered: Option<RecapEntry>,
    /// The sum of the children: the counted TPS results of a district, the district recaps of a
    /// regency, the regency recaps of a province.
    #[schema(value_type = Object)]
    pub children_sum: Tally,
    pub children_total: i64,
    pub children_in: i64,
    /// Children not yet in (TPS without an agreed result, or regions without a recap).
    pub missing: Vec<String>,
    /// Fields where the plenary's numbers and the children's sum differ.
    pub discrepancies: Vec<super::FieldDifference>,
}

/// A children's sum that does not fit: only entries stored before every number was bounded
/// can cause it, and the answer says which field to correct rather than a wrong total.
fn too_large(field: String) -> AppError {
    AppError::conflict(crate::tr!(
        "jumlah {field} dari wilayah/TPS di bawahnya terlalu besar untuk dijumlahkan: ada isian tersimpan yang salah dan harus diperbaiki",
        "the sum of {field} over the children is too large to add up: a stored entry is wrong and must be corrected"
    ))
}

pub fn recap_view(conn: &mut Conn, election: &ElectionDef, contest: &ContestDef, region: &str, children: &[String]) -> Result<RecapView, AppError> {
    let level = lineage(region).len();
    let mut sum = Tally::default();
    let mut missing = vec![];
    let mut have = 0;
    if level == 3 {
        // A district: its TPS results that count.
        let (lo, hi) = (format!("{region}."), format!("{region}/"));
        let tps: Vec<String> = conn
            .query("SELECT code FROM tps WHERE election_id = $1 AND code >= $2 AND code < $3 ORDER BY code", params![election.id, lo.as_str(), hi.as_str()])?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_, _>>()?;
        let counted: BTreeMap<String, String> = conn
            .query(
                "SELECT tps_code, counted FROM results WHERE election_id = $1 AND contest = $2 AND tps_code >= $3 AND tps_code < $4 AND counted IS NOT NULL",
                params![election.id, contest.key, lo.as_str(), hi.as_str()],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<Result<_, DbError>>()?;
        for code in &tps {
            match counted.get(code) {
                Some(t) => {
                    sum.add(&parse_tally(t)?).map_err(too_large)?;
                    have += 1;
                }
                None => missing.push(code.clone()),
            }
        }
        let total = tps.len() as i64;
        return Ok(finish(conn, election, contest, region, sum, total, have, missing)?);
    }
    for child in children {
        match latest_recap(conn, election.id, contest.key, child)? {
            Some(e) => {
                sum.add(&e.tally).map_err(too_large)?;
                have += 1;
            }
            None => missing.push(child.clone()),
        }
    }
    Ok(finish(conn, election, contest, region, sum, children.len() as i64, have, missing)?)
}

#[allow(clippy::too_many_arguments)]
fn finish(conn: &mut Conn, election: &ElectionDef, contest: &ContestDef, region: &str, sum: Tally, total: i64, have: i64, missing: Vec<String>) -> Result<RecapView, DbError> {
    let entered = latest_recap(conn, election.id, contest.key, region)?;
    let discrepancies = match &entered {
        Some(e) => super::differences(&[("pleno", &e.tally), ("anak", &sum)]),
        None => vec![],
    };
    Ok(RecapView {
        election: election.id.to_string(),
        contest: contest.key.to_string(),
        region: region.to_string(),
        entered,
        children_sum: sum,
        children_total: total,
        children_in: have,
        missing,
        discrepancies,
    })
}

// ---------------------------------------------------------------------------------------------
// Open data

/// One line of the JSON-lines export: a TPS's counted result for one contest.
#[derive(Serialize)]
struct ExportLine<'a> {
    tps: &'a str,
    contest: &'a str,
    status: &'a str,
    revision: Option<i64>,
    counted: Option<&'a Tally>,
    discrepancy: bool,
    anomalies: Vec<&'a str>,
}

/// Writes every TPS result of `region` (all contests) to `out` in chunks, at constant memory:
/// rows are read in code order and flushed every few hundred. `out` returns false when the
/// reader went away.
pub fn export(conn: &mut Conn, election: &ElectionDef, region: &str, json: bool, out: &mut dyn FnMut(Vec<u8>) -> bool) -> Result<(), DbError> {
    let (lo, hi) = if region == NATIONAL { (String::new(), "~".to_string()) } else { (region.to_string(), format!("{region}/")) };
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let io = |e: std::io::Error| DbError::Other(format!("writing the export: {e}"));
    // The spreadsheet: places by name beside the TPS code, the contest and state in words, and
    // one column per candidate of each contest held in the region.
    let columns = if json { vec![] } else { export_columns(conn, election, region)? };
    let names = if json { None } else { Some(crate::regions::store::Names::load(conn, region)?) };
    let mut sheet = if json {
        None
    } else {
        let mut header: Vec<&str> = vec!["kode_tps"];
        header.extend(crate::regions::store::LINEAGE_COLUMNS);
        header.extend(["tps", "pemilihan", "status", "revisi", "dpt", "pengguna_hak_pilih", "suara_sah", "suara_tidak_sah"]);
        header.extend(columns.iter().map(|c| c.title.as_str()));
        header.extend(["sumber_berbeda", "anomali"]);
        Some(Sheet::streamed(&header).map_err(io)?)
    };
    let mut gone = false;
    conn.for_each(
        "SELECT tps_code, contest, status, counted_rev, counted, discrepancy, anomalies FROM results
         WHERE election_id = $1 AND tps_code >= $2 AND tps_code < $3 ORDER BY tps_code, contest",
        params![election.id, lo, hi],
        |r| {
            if gone {
                return Ok(());
            }
            let tps: String = r.get(0)?;
            let contest: String = r.get(1)?;
            let status: String = r.get(2)?;
            let rev: Option<i64> = r.get(3)?;
            let counted: Option<String> = r.get(4)?;
            let discrepancy: bool = r.get(5)?;
            let anomalies: String = r.get(6)?;
            let t = counted.as_deref().map(parse_tally).transpose()?;
            if json {
                let line = ExportLine {
                    tps: &tps,
                    contest: &contest,
                    status: &status,
                    revision: rev,
                    counted: t.as_ref(),
                    discrepancy,
                    anomalies: anomalies.split(',').filter(|a| !a.is_empty()).collect(),
                };
                buf.extend_from_slice(serde_json::to_string(&line).map_err(|e| DbError::Other(e.to_string()))?.as_bytes());
                buf.push(b'\n');
            } else if let (Some(sheet), Some(names)) = (sheet.as_mut(), names.as_ref()) {
                let n = |f: fn(&Tally) -> i64| Cell::from(t.as_ref().map(f));
                let mut row = vec![Cell::from(tps.as_str())];
                row.extend(names.lineage(&tps).map(Cell::from));
                let number = crate::elections::TpsCode::parse(&tps).map(|c| format!("TPS {:03}", c.number())).unwrap_or_default();
                let contest_name = election.contests.iter().find(|k| k.key == contest).map_or(contest.as_str(), |k| k.name);
                let status_name = crate::platform::web::t(crate::platform::web::Lang::Id, &format!("hasil.status.{status}"));
                row.extend([number.into(), contest_name.into(), status_name.into(), rev.into(), n(Tally::dpt), n(Tally::users_total), n(|t| t.valid), n(|t| t.invalid)]);
                for c in &columns {
                    let here = c.contest == contest && c.area.as_deref().is_none_or(|a| crate::regions::within(a, &tps));
                    row.push(if here { t.as_ref().and_then(|t| t.votes.get(&c.id).copied()).into() } else { Cell::Empty });
                }
                row.push(if discrepancy { "ya" } else { "tidak" }.into());
                row.push(super::anomaly_labels(crate::platform::web::Lang::Id, &anomalies.split(',').collect::<Vec<_>>()).into());
                sheet.row(row).map_err(io)?;
                buf.append(&mut sheet.take().map_err(io)?);
            }
            if buf.len() >= 60 * 1024 {
                gone = !out(std::mem::take(&mut buf));
            }
            Ok(())
        },
    )?;
    if let Some(mut sheet) = sheet
        && buf.is_empty()
    {
        // No result yet: the header alone.
        buf.append(&mut sheet.take().map_err(io)?);
    }
    if !gone && !buf.is_empty() {
        out(buf);
    }
    Ok(())
}

/// One candidate column of a results spreadsheet.
struct CandidateColumn {
    contest: &'static str,
    /// The area the candidate stands in (`None`: the whole election, as the presidential pairs
    /// and the national parties); a TPS outside it leaves the cell empty.
    area: Option<String>,
    id: String,
    title: String,
}

/// The candidate columns of a results spreadsheet: one per candidate of each contest held in
/// `region`, titled with the contest, the ballot number and the candidate's name. Where
/// several candidates in the region share a number (regents of different regencies), each has
/// its own column and the title adds the area's name.
fn export_columns(conn: &mut Conn, election: &ElectionDef, region: &str) -> Result<Vec<CandidateColumn>, DbError> {
    let mut out = vec![];
    for k in election.contests {
        if matches!(k.key, "presiden" | "dpr" | "dprd_provinsi" | "dprd_kabkota") {
            for c in candidates_at(conn, election, k.key, region)? {
                out.push(CandidateColumn { contest: k.key, area: None, id: c.id, title: format!("{} {:02} {}", k.name, c.number, c.name) });
            }
            continue;
        }
        let rows = conn.query(
            "SELECT c.id, c.number, c.name, c.area_code, COALESCE(r.name, c.area_code) FROM candidates c LEFT JOIN regions r ON r.code = c.area_code
             WHERE c.election_id = $1 AND c.contest = $2 ORDER BY c.number, c.area_code",
            params![election.id, k.key],
        )?;
        let mut here: Vec<(String, i64, String, String, String)> = vec![];
        for r in rows {
            let area: String = r.get(3)?;
            if crate::regions::within(region, &area) || crate::regions::within(&area, region) {
                here.push((r.get(0)?, r.get(1)?, r.get(2)?, area, r.get(4)?));
            }
        }
        for (id, number, name, area, area_name) in &here {
            let shared = here.iter().filter(|o| o.1 == *number).count() > 1;
            let title = if shared { format!("{} {number:02} {name} ({area_name})", k.name) } else { format!("{} {number:02} {name}", k.name) };
            out.push(CandidateColumn { contest: k.key, area: Some(area.clone()), id: id.clone(), title });
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Debug, Default, Clone, Serialize)]
pub struct RegionTotals {
    pub tps_in: i64,
    pub valid: i64,
    pub invalid: i64,
    pub discrepancies: i64,
    pub votes: BTreeMap<String, i64>,
}

/// The aggregates of several regions at once (the children of a region page).
pub fn totals_of(conn: &mut Conn, election: &str, contest: &str, codes: &[String]) -> Result<BTreeMap<String, RegionTotals>, DbError> {
    let mut out: BTreeMap<String, RegionTotals> = BTreeMap::new();
    for code in codes {
        if let Some(r) = conn.query_opt(
            "SELECT CAST(tps_in AS BIGINT), CAST(valid AS BIGINT), CAST(invalid AS BIGINT), CAST(discrepancies AS BIGINT) FROM result_totals
             WHERE election_id = $1 AND contest = $2 AND region_code = $3",
            params![election, contest, code.as_str()],
        )? {
            out.insert(code.clone(), RegionTotals { tps_in: r.get(0)?, valid: r.get(1)?, invalid: r.get(2)?, discrepancies: r.get(3)?, votes: BTreeMap::new() });
        }
    }
    for code in codes {
        let rows = conn.query(
            "SELECT candidate, CAST(votes AS BIGINT) FROM result_votes WHERE election_id = $1 AND contest = $2 AND region_code = $3",
            params![election, contest, code.as_str()],
        )?;
        if let Some(entry) = out.get_mut(code) {
            for r in rows {
                entry.votes.insert(r.get(0)?, r.get(1)?);
            }
        }
    }
    Ok(out)
}

/// TPS whose result of `contest` is in, for each region of `codes`, in one query of point
/// lookups (the situation's areas below: a scan by code length would read every region of
/// the nation to find its 38 provinces).
pub fn tps_in_of(conn: &mut Conn, election: &str, contest: &str, codes: &[String]) -> Result<BTreeMap<String, [i64; 1]>, DbError> {
    if codes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let marks: Vec<String> = (0..codes.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT region_code, CAST(tps_in AS BIGINT) FROM result_totals WHERE election_id = $1 AND contest = $2 AND region_code IN ({})",
        marks.join(", ")
    );
    let mut values: Vec<crate::platform::db::Value> = vec![election.into(), contest.into()];
    values.extend(codes.iter().map(|c| crate::platform::db::Value::from(c.as_str())));
    conn.query(&sql, &values)?.iter().map(|r| Ok((r.get(0)?, [r.get(1)?]))).collect()
}

pub struct TpsState {
    pub tps: String,
    pub status: String,
    pub discrepancy: bool,
    pub anomalies: String,
    pub counted: Option<Tally>,
}

/// The TPS of a village with the state of their result for a contest.
pub fn village_tps(conn: &mut Conn, election: &str, contest: &str, village: &str) -> Result<Vec<TpsState>, DbError> {
    let (lo, hi) = (format!("{village}."), format!("{village}/"));
    let tps: Vec<String> = conn
        .query("SELECT code FROM tps WHERE election_id = $1 AND code >= $2 AND code < $3 ORDER BY code", params![election, lo.as_str(), hi.as_str()])?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_, _>>()?;
    let mut states: BTreeMap<String, (String, bool, String, Option<Tally>)> = BTreeMap::new();
    for r in conn.query(
        "SELECT tps_code, status, discrepancy, anomalies, counted FROM results WHERE election_id = $1 AND contest = $2 AND tps_code >= $3 AND tps_code < $4",
        params![election, contest, lo.as_str(), hi.as_str()],
    )? {
        let counted: Option<String> = r.get(4)?;
        states.insert(r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, counted.as_deref().map(parse_tally).transpose()?));
    }
    Ok(tps
        .into_iter()
        .map(|code| {
            let (status, discrepancy, anomalies, counted) = states.remove(&code).unwrap_or_else(|| ("belum_masuk".into(), false, String::new(), None));
            TpsState { tps: code, status, discrepancy, anomalies, counted }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::cases::Cases;
    use crate::results::form::{Ballots, Lp};

    fn counted(g: &mut Cases, bound: i64) -> Tally {
        let lp = |g: &mut Cases| Lp { l: g.edgy(bound), p: g.edgy(bound), total: (g.below(3) == 0).then(|| g.edgy(bound)) };
        Tally {
            voters: [("dpt".to_string(), lp(g))].into(),
            users: [("dpt".to_string(), lp(g)), ("dptb".to_string(), lp(g))].into(),
            ballots: Ballots::default(),
            votes: [("01".to_string(), g.edgy(bound)), ("02".to_string(), g.edgy(bound))].into(),
            valid: g.edgy(bound),
            invalid: g.edgy(bound),
            ..Tally::default()
        }
    }

    #[derive(Default, Debug)]
    struct Totals {
        tps_in: i64,
        dpt: i64,
        users: i64,
        valid: i64,
        invalid: i64,
        votes: BTreeMap<String, i64>,
    }

    /// Corrections in any order, extreme numbers included: the totals moved by the deltas are
    /// always the sum of what counts now, and an entry whose numbers cannot be added is refused
    /// without moving anything.
    #[test]
    fn property_aggregates_stay_the_sum_of_what_counts() {
        let mut g = Cases::new(3);
        for run in 0..200 {
            let mut tps: Vec<Option<Tally>> = vec![None; 4];
            let mut totals = Totals::default();
            for step in 0..60 {
                let i = g.below(4) as usize;
                let bound = if g.below(5) == 0 { i64::MAX } else { 510 };
                let next = counted(&mut g, bound);
                let before = tps[i].as_ref().map(|t| Counted { tally: Some(t), discrepancy: false, anomalous: false });
                let after = Counted { tally: Some(&next), discrepancy: false, anomalous: false };
                match delta(before.as_ref(), &after) {
                    Ok(d) => {
                        let moved = (|| {
                            Some(Totals {
                                tps_in: totals.tps_in.checked_add(d.tps_in)?,
                                dpt: totals.dpt.checked_add(d.dpt)?,
                                users: totals.users.checked_add(d.users)?,
                                valid: totals.valid.checked_add(d.valid)?,
                                invalid: totals.invalid.checked_add(d.invalid)?,
                                votes: {
                                    let mut v = totals.votes.clone();
                                    for (k, n) in &d.votes {
                                        let e = v.entry(k.clone()).or_default();
                                        *e = e.checked_add(*n)?;
                                    }
                                    v
                                },
                            })
                        })();
                        // The database refuses a total that does not fit (PostgreSQL) or the
                        // entry's bounds prevent it; either way the TPS is not changed.
                        if let Some(m) = moved {
                            totals = m;
                            tps[i] = Some(next);
                        }
                    }
                    Err(field) => assert!(!field.is_empty(), "run {run} step {step}"),
                }
                // What counts now, summed exactly (wide, in any order).
                let wide = |f: &dyn Fn(&Tally) -> i64| -> i128 { tps.iter().flatten().map(|t| i128::from(f(t))).sum() };
                let got = |n: i64| i128::from(n);
                assert_eq!(got(totals.tps_in), tps.iter().flatten().count() as i128, "run {run} step {step}");
                assert_eq!(got(totals.dpt), wide(&|t| t.checked_dpt().unwrap_or(0)), "run {run} step {step}");
                assert_eq!(got(totals.users), wide(&|t| t.checked_users_total().unwrap_or(0)), "run {run} step {step}");
                assert_eq!(got(totals.valid), wide(&|t| t.valid), "run {run} step {step}");
                assert_eq!(got(totals.invalid), wide(&|t| t.invalid), "run {run} step {step}");
                for k in ["01", "02"] {
                    let v = totals.votes.get(k).copied().unwrap_or(0);
                    assert_eq!(got(v), wide(&|t| t.votes.get(k).copied().unwrap_or(0)), "run {run} step {step}: votes {k}");
                }
            }
        }
    }
}

/// Whether a photo may be shown to anyone: it belongs to an entry whose numbers are public
/// (another source's entry, or a KPU entry of a revision that counts). The photo of a pending
/// KPU entry stays unseen, like its numbers.
pub fn photo_is_public(conn: &mut Conn, sha256: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM result_photos p JOIN result_entries e ON e.id = p.entry_id
             LEFT JOIN results r ON r.election_id = e.election_id AND r.contest = e.contest AND r.tps_code = e.tps_code
             WHERE p.sha256 = $1 AND (e.source <> 'kpu' OR r.counted_rev >= e.revision) LIMIT 1",
            params![sha256],
        )?
        .is_some())
}

/// The rule `/foto` asks (registered at start-up): a public result photo is open to anyone.
pub fn photo_rule(conn: &mut Conn, sha256: &str, _user: Option<&crate::platform::identity::User>) -> Result<crate::platform::blob::Seen, DbError> {
    Ok(if photo_is_public(conn, sha256)? { crate::platform::blob::Seen::Publicly } else { crate::platform::blob::Seen::No })
}

/// TPS whose result of `contest` is in, per area within `region` (the map's layer), an area
/// being the first `width` characters of a TPS code: the kept aggregates for regions, the
/// results themselves for TPS.
pub fn tps_in_by_area(conn: &mut Conn, election: &str, contest: &str, region: &str, width: usize) -> Result<BTreeMap<String, [i64; 1]>, DbError> {
    let (lo, hi) = crate::logistics::store::tps_range(region);
    let mut out = BTreeMap::new();
    if width >= 17 {
        conn.for_each(
            "SELECT tps_code FROM results WHERE election_id = $1 AND contest = $2 AND tps_code >= $3 AND tps_code < $4 AND counted IS NOT NULL",
            params![election, contest, lo.as_str(), hi.as_str()],
            |r| {
                out.insert(r.get::<String>(0)?, [1]);
                Ok(())
            },
        )?;
    } else {
        conn.for_each(
            "SELECT region_code, CAST(tps_in AS BIGINT) FROM result_totals
             WHERE election_id = $1 AND contest = $2 AND region_code >= $3 AND region_code < $4 AND LENGTH(region_code) = $5",
            params![election, contest, lo.as_str(), hi.as_str(), width as i64],
            |r| {
                out.insert(r.get::<String>(0)?, [r.get::<i64>(1)?]);
                Ok(())
            },
        )?;
    }
    Ok(out)
}
