//! The audit chain: every change appends one entry in the same transaction as the change.
//! Each entry's hash covers all its columns and the previous entry's hash, and the head row
//! (`audit_head`) records the last sequence number and hash, so that a changed column, a
//! removed entry (also the last one) or a reordering is found by `verify`.
//!
//! The hash is unkeyed: someone who can write the database can rewrite an entry and every hash
//! after it, and the chain still verifies. So each signed checkpoint of the results log also
//! signs the chain's head (`platform::tlog::checkpoint`), and `check_anchors` holds the chain to
//! every head signed before: the entry at a signed size must still have the signed hash.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::db::{Conn, DbError, Row};
use crate::params;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change. CLI and start-up work act as `system:<what>` with no agency.
/// Only the platform makes one (from a user, the system or the public): module code gets it
/// from a `Permit`.
#[derive(Debug, Clone)]
pub struct Actor {
    pub(super) username: String,
    pub(super) agency: Option<String>,
    pub(super) unit_id: Option<i64>,
}

impl Actor {
    pub(super) fn system(what: &str) -> Actor {
        Actor { username: format!("system:{what}"), agency: None, unit_id: None }
    }

    /// Someone without an account (a citizen's report or result photo).
    pub(super) fn public() -> Actor {
        Actor { username: "publik".into(), agency: None, unit_id: None }
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn agency(&self) -> Option<&str> {
        self.agency.as_deref()
    }

    pub fn unit_id(&self) -> Option<i64> {
        self.unit_id
    }
}

/// What a change was: the action, the entity it touched, the region it belongs to, and the
/// details worth keeping (never secrets or a reporter's identity).
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub region: Option<&'a str>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub agency: Option<String>,
    pub unit_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    /// JSON text of the change's details.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// Length-prefixed fields, so that no two different entries encode the same.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let fields: [&str; 10] = [
            &self.at,
            &self.actor,
            self.agency.as_deref().unwrap_or("\u{0}"),
            &self.action,
            &self.entity_type,
            &self.entity_id,
            self.region_code.as_deref().unwrap_or("\u{0}"),
            &self.detail,
            &self.prev_hash,
            "",
        ];
        h.update(self.seq.to_be_bytes());
        h.update(self.unit_id.unwrap_or(-1).to_be_bytes());
        for f in fields {
            h.update((f.len() as u64).to_be_bytes());
            h.update(f.as_bytes());
        }
        hex::encode(h.finalize())
    }

    fn from_row(r: &Row) -> Result<Entry, DbError> {
        Ok(Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            agency: r.get(3)?,
            unit_id: r.get(4)?,
            action: r.get(5)?,
            entity_type: r.get(6)?,
            entity_id: r.get(7)?,
            region_code: r.get(8)?,
            detail: r.get(9)?,
            prev_hash: r.get(10)?,
            hash: r.get(11)?,
        })
    }
}

const COLUMNS: &str =
    "seq, at, actor, agency, unit_id, action, entity_type, entity_id, region_code, detail, prev_hash, hash";

/// Appends the entry of a change made under `permit`, in the transaction that makes the change
/// (at the end of its group commit, see [`Pending`]).
pub fn record(conn: &mut Conn, permit: &super::auth::Permit, change: Change<'_>) -> Result<(), DbError> {
    record_as(conn, permit.actor(), change)
}

/// The same for the platform's own changes made by a known actor (an alert read by its user).
pub(super) fn record_as(conn: &mut Conn, actor: &Actor, change: Change<'_>) -> Result<(), DbError> {
    // Every change passes here, so here the live pages learn what moved: the change's region,
    // or everything when it names none (a catalogue, an election). Signing in and out moves
    // no one's picture, and a login rush must not wake every page.
    match change.region {
        Some(region) => conn.touch(region),
        None if change.action.starts_with("auth.") => {}
        None => conn.touch_everything(),
    }
    append(conn, actor, change);
    Ok(())
}

/// The entity type of the one entry that a group commit of result entries records: its
/// entity id is the group's first log ticket ([`ticket_id`]), and its detail lists every leaf
/// of the group (`"entries"`, each with its `"ticket"` and who entered it, `"by"`). On election
/// night an entry per form was a quarter of the bytes written per form and an index page at a
/// random key; the issue of the results log allows one per group, as long as the audit trail
/// still answers who entered leaf N ([`of_leaf`], `GET /api/v1/audit?leaf=N`).
pub const LOG_TICKETS: &str = "log_tickets";

/// A ticket as the entity id of a [`LOG_TICKETS`] entry: zero-padded, so that the entity
/// index orders the groups by their first ticket.
pub fn ticket_id(ticket: i64) -> String {
    format!("{ticket:020}")
}

/// Records one entry for changes made at once, by one or many users (a group commit's result
/// entries, [`LOG_TICKETS`]): `change.region` says who may read it (the region all the
/// changes lie in), and only the `touched` regions wake the live pages.
pub fn record_group<'a>(conn: &mut Conn, permit: &super::auth::Permit, change: Change<'_>, touched: impl IntoIterator<Item = &'a str>) -> Result<(), DbError> {
    for region in touched {
        conn.touch(region);
    }
    append(conn, permit.actor(), change);
    Ok(())
}

fn append(conn: &mut Conn, actor: &Actor, change: Change<'_>) {
    let entry = Entry {
        seq: 0,
        at: super::clock::now_rfc3339(),
        actor: actor.username.clone(),
        agency: actor.agency.clone(),
        unit_id: actor.unit_id,
        action: change.action.to_string(),
        entity_type: change.entity_type.to_string(),
        entity_id: change.entity_id.to_string(),
        region_code: change.region.map(str::to_string),
        detail: change.detail.to_string(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    conn.defer::<Pending>().0.push(entry);
}

/// The entry that says who entered leaf `index` of the results log, if `scope` (a regional
/// admin's region; None for the nation) may read it: the [`LOG_TICKETS`] entry whose detail
/// lists the leaf's ticket. A group's first ticket is at or before the leaf's; on PostgreSQL
/// other servers' groups may start in between, so a few groups before it are looked at.
pub fn of_leaf(conn: &mut Conn, index: u64, scope: Option<&str>) -> Result<Option<Entry>, DbError> {
    let Some(ticket) = super::tlog::ticket_of(conn, index)? else {
        return Ok(None);
    };
    let rows = conn.query(
        &format!("SELECT {COLUMNS} FROM audit_log WHERE entity_type = $1 AND entity_id <= $2 ORDER BY entity_id DESC LIMIT 64"),
        params![LOG_TICKETS, ticket_id(ticket)],
    )?;
    for row in &rows {
        let e = Entry::from_row(row)?;
        let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
        let lists = detail["entries"].as_array().is_some_and(|list| list.iter().any(|x| x["ticket"].as_i64() == Some(ticket)));
        if lists {
            let readable = scope.is_none_or(|s| e.region_code.as_deref().is_some_and(|r| super::identity::within(s, r)));
            return Ok(readable.then_some(e));
        }
    }
    Ok(None)
}

/// The entries of a group commit's changes, chained and appended at its end: the head row that
/// serialises every append (on PostgreSQL, every server's) is taken once per group, not once
/// per change, and the entries go in multi-row inserts. They are chained in the order the
/// changes were made; an entry of a rolled-back change is dropped with it.
#[derive(Default)]
pub struct Pending(Vec<Entry>);

impl super::db::Deferred for Pending {
    // Every write of every server takes the head row: it is locked last in a group, just
    // before COMMIT, so that a second group in flight does all the rest meanwhile.
    const LAST: bool = true;

    fn absorb(&mut self, later: Pending) {
        self.0.extend(later.0);
    }

    fn flush(mut self, conn: &mut Conn) -> Result<(), DbError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let n = self.0.len() as i64;
        // Taking the head row with an UPDATE locks it until commit: appends are serialised.
        let head = conn.query_one("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash", params![n])?;
        let (last, mut prev): (i64, String) = (head.get(0)?, head.get(1)?);
        for (i, entry) in self.0.iter_mut().enumerate() {
            entry.seq = last - n + 1 + i as i64;
            entry.prev_hash = std::mem::take(&mut prev);
            entry.hash = entry.compute_hash();
            prev = entry.hash.clone();
        }
        let rows = self.0.into_iter().map(|e| {
            use super::db::Value;
            vec![
                Value::Int(e.seq),
                Value::Text(e.at),
                Value::Text(e.actor),
                e.agency.map_or(Value::Null, Value::Text),
                e.unit_id.map_or(Value::Null, Value::Int),
                Value::Text(e.action),
                Value::Text(e.entity_type),
                Value::Text(e.entity_id),
                e.region_code.map_or(Value::Null, Value::Text),
                Value::Text(e.detail),
                Value::Text(e.prev_hash),
                Value::Text(e.hash),
            ]
        });
        super::db::insert_rows(conn, &format!("INSERT INTO audit_log ({COLUMNS})"), 12, "", rows)?;
        conn.execute("UPDATE audit_head SET hash = $1 WHERE id = 1", params![prev.as_str()])?;
        Ok(())
    }
}

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Intact { entries: i64 },
    Broken { seq: i64, reason: super::i18n::Text },
    /// A checkpoint that should anchor the chain cannot be trusted (its signature, its form).
    Checkpoint { which: super::i18n::Text, reason: super::i18n::Text },
}

/// The chain's head as `audit_head` records it: the number of entries and the last one's hash
/// (`GENESIS` when there is none). What a checkpoint of the results log signs.
pub fn head(conn: &mut Conn) -> Result<(i64, String), DbError> {
    let row = conn.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
    Ok((row.get(0)?, row.get(1)?))
}

/// The hash of entry `seq` (`GENESIS` for 0, the empty chain), if the chain has that entry.
pub fn hash_at(conn: &mut Conn, seq: i64) -> Result<Option<String>, DbError> {
    if seq == 0 {
        return Ok(Some(GENESIS.to_string()));
    }
    conn.query_opt("SELECT hash FROM audit_log WHERE seq = $1", params![seq])?.map(|r| r.get(0)).transpose()
}

/// A head of the chain signed elsewhere (by a checkpoint of the results log): the chain had
/// `size` entries, the last with `hash`. `which` names the checkpoint in messages.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub size: i64,
    pub hash: String,
    pub which: super::i18n::Text,
}

/// Holds the chain to heads signed before: the entry at each signed size must have the signed
/// hash, and the chain may not be shorter. A history rewritten from some entry on and re-hashed
/// to its end verifies as a chain, but no longer matches a head signed after that entry. Names
/// the smallest signed size that differs, and the stretch the rewrite lies in (after the
/// largest signed size below it that still matches). Run after `verify`.
pub fn check_anchors(conn: &mut Conn, anchors: &[Anchor]) -> Result<Verdict, DbError> {
    let (entries, _) = head(conn)?;
    let mut sorted: Vec<&Anchor> = anchors.iter().collect();
    sorted.sort_by_key(|a| a.size);
    let mut matched = 0i64;
    for a in sorted {
        let (size, which_id, which_en) = (a.size, a.which.id(), a.which.en());
        if size > entries {
            let next = entries + 1;
            return Ok(Verdict::Broken {
                seq: next,
                reason: crate::tr!(
                    "rantai hanya berisi {entries} catatan, padahal {which_id} menandatangani {size} catatan: ada catatan yang dihapus",
                    "the chain holds only {entries} entries but {which_en} signed {size}: entries were removed"
                ),
            });
        }
        if hash_at(conn, size)?.as_deref() != Some(a.hash.as_str()) {
            let from = matched + 1;
            return Ok(Verdict::Broken {
                seq: size,
                reason: crate::tr!(
                    "catatan {size} berbeda dari yang ditandatangani {which_id}: riwayat antara catatan {from} dan {size} ditulis ulang",
                    "entry {size} differs from what {which_en} signed: the history between entries {from} and {size} was rewritten"
                ),
            });
        }
        matched = size;
    }
    Ok(Verdict::Intact { entries })
}

/// Recomputes the whole chain, streaming, and names the first entry that does not hold.
pub fn verify(conn: &mut Conn) -> Result<Verdict, DbError> {
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let mut broken: Option<(i64, super::i18n::Text)> = None;
    conn.for_each(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"), &[], |row| {
        if broken.is_some() {
            return Ok(());
        }
        let e = Entry::from_row(&row)?;
        if e.seq != expected_seq {
            let found = e.seq;
            broken = Some((
                expected_seq,
                crate::tr!(
                    "catatan {expected_seq} hilang atau tidak berurutan (berikutnya catatan {found})",
                    "entry {expected_seq} is missing or out of order (found {found} next)"
                ),
            ));
        } else if e.prev_hash != prev {
            let (seq, before) = (e.seq, e.seq - 1);
            broken = Some((
                seq,
                crate::tr!(
                    "catatan {seq} tidak menyambung ke catatan {before} (sidik sebelumnya berbeda)",
                    "entry {seq} does not follow entry {before} (previous hash differs)"
                ),
            ));
        } else if e.compute_hash() != e.hash {
            let seq = e.seq;
            broken = Some((
                seq,
                crate::tr!(
                    "catatan {seq} diubah setelah ditulis (sidiknya berbeda)",
                    "entry {seq} was changed after it was written (hash differs)"
                ),
            ));
        }
        prev = e.hash;
        expected_seq += 1;
        Ok(())
    })?;
    if let Some((seq, reason)) = broken {
        return Ok(Verdict::Broken { seq, reason });
    }
    let (head_seq, head_hash) = head(conn)?;
    let last = expected_seq - 1;
    if head_seq != last {
        return Ok(Verdict::Broken {
            seq: last + 1,
            reason: crate::tr!(
                "rantai berakhir di catatan {last} padahal kepalanya menyebut {head_seq}: ada catatan yang dihapus",
                "the chain ends at entry {last} but its head says {head_seq}: entries were removed"
            ),
        });
    }
    if head_hash != prev {
        return Ok(Verdict::Broken {
            seq: last,
            reason: crate::tr!("catatan {last} tidak cocok dengan kepala rantai", "entry {last} does not match the chain's head"),
        });
    }
    Ok(Verdict::Intact { entries: last })
}

/// Entries, newest first, optionally for one entity type/id and within a region scope.
pub fn list(
    conn: &mut Conn,
    entity_type: Option<&str>,
    entity_id: Option<&str>,
    scope: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, DbError> {
    let (lo, hi) = match scope {
        Some(s) => super::identity::scope_range(s),
        None => (String::new(), "\u{10ffff}".to_string()),
    };
    let rows = conn.query(
        &format!(
            "SELECT {COLUMNS} FROM audit_log
             WHERE ($1 = '' OR entity_type = $1) AND ($2 = '' OR entity_id = $2)
               AND ($3 = '' OR (region_code >= $4 AND region_code < $5) OR region_code = $3)
               AND seq < $6
             ORDER BY seq DESC LIMIT $7"
        ),
        params![
            entity_type.unwrap_or(""),
            entity_id.unwrap_or(""),
            scope.unwrap_or(""),
            lo,
            hi,
            before.unwrap_or(i64::MAX),
            limit
        ],
    )?;
    rows.iter().map(Entry::from_row).collect()
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only entries about this kind of entity (`tps`, `user`, `agency_unit`, `election`, …).
    entity_type: Option<String>,
    /// Only entries about this entity id (with `entity_type`).
    entity_id: Option<String>,
    /// Entries before this sequence number (for the next page).
    before: Option<i64>,
    /// How many (1–500, default 100).
    limit: Option<i64>,
    /// Only the entry that says who entered this leaf of the public results log (its index,
    /// as `GET /api/v1/elections/{id}/results/{tps}/{contest}/proof` gives it). Not with the
    /// other filters.
    leaf: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditList {
    items: Vec<Entry>,
    /// Pass as `before` for the next page; null on the last page.
    next: Option<i64>,
}

/// The audit log, newest first, for admins: a national admin sees every entry, a regional
/// admin the entries about regions in their scope. With `leaf`, the one entry that says who
/// entered that leaf of the public results log (result entries are audited once per group
/// commit, entity type `log_tickets`, each listed in its detail with its ticket and user).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 401, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_audit(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    user: super::auth::CurrentUser,
    super::http::Query(q): super::http::Query<AuditQuery>,
) -> Result<axum::Json<AuditList>, super::error::AppError> {
    use super::error::AppError;
    if user.user.role < super::identity::Role::Admin {
        return Err(AppError::forbidden(crate::tr!("hanya administrator yang boleh membaca jejak audit", "only administrators may read the audit log")));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid("limit", crate::tr!("limit {limit} di luar 1–500", "limit {limit} is outside 1–500")));
    }
    let entity_type = q.entity_type.as_deref().map(|v| super::text::line("entity_type", v, super::text::CODE_MAX, false)).transpose()?;
    let entity_id = q.entity_id.as_deref().map(|v| super::text::line("entity_id", v, super::text::NAME_MAX, false)).transpose()?;
    let scope = (user.user.unit.region != super::identity::NATIONAL).then(|| user.user.unit.region.clone());
    if let Some(leaf) = q.leaf {
        if entity_type.is_some() || entity_id.is_some() || q.before.is_some() {
            return Err(AppError::invalid("leaf", crate::tr!("leaf tidak dapat digabung dengan entity_type, entity_id atau before", "leaf cannot be combined with entity_type, entity_id or before")));
        }
        let index = u64::try_from(leaf).map_err(|_| AppError::invalid("leaf", crate::tr!("leaf {leaf} bukan nomor entri log (0 atau lebih)", "leaf {leaf} is not a log index (0 or more)")))?;
        let found = state.db.read(move |c| of_leaf(c, index, scope.as_deref())).await?;
        return Ok(axum::Json(AuditList { items: found.into_iter().collect(), next: None }));
    }
    let items = state
        .db
        .read(move |c| list(c, entity_type.as_deref(), entity_id.as_deref(), scope.as_deref(), q.before, limit))
        .await?;
    let next = if items.len() as i64 == limit { items.last().map(|e| e.seq) } else { None };
    Ok(axum::Json(AuditList { items, next }))
}
