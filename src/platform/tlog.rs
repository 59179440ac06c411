//! A transparency log kept in the database: an append-only Merkle tree of RFC 6962 / RFC 9162
//! (SHA-256; a leaf's hash is `SHA-256(0x00 ‖ leaf)`, a node's `SHA-256(0x01 ‖ left ‖ right)`),
//! read by outsiders in the C2SP tlog-tiles layout and proved with inclusion and consistency
//! proofs computed from the stored hashes.
//!
//! Storage (migration 0014): every leaf's bytes (`tlog_leaves`), every hash of a complete
//! subtree at its "stored hash index" (`tlog_hashes`, the layout of Go's sumdb tlog package,
//! whose Rust port does the Merkle math here: record n adds its leaf hash and one hash per
//! subtree it completes, about two rows per leaf), and the tree's size (`tlog_head`). A root,
//! a proof or a tile reads at most a few dozen stored hashes; the tree is never held in memory.
//!
//! Sequencing (migration 0018): a change puts its leaf in the log with `enqueue`, inside its
//! own transaction, so that a leaf exists exactly when the change it records was committed, and
//! gets a ticket. On SQLite the leaf is appended there and then: the writer's group commit is
//! already one serial stream. On PostgreSQL the leaf waits in `tlog_queue` (an insert, no row
//! that every request takes a lock on); one sequencer in the whole deployment (the server
//! holding the `tlog` lease, see `lease`) takes the queued leaves in ticket order every 100 ms or
//! less, appends them in batches, and keeps each leaf's ticket beside it: the ticket's owner
//! (a result entry, its audit entry) finds the index through the ticket. Appending locks the
//! head row and the ticket is unique among the leaves, so even two sequencers at once (a lease
//! taken over from a server that was only slow) can neither fork the tree nor append a leaf twice.
//!
//! This module knows nothing of what a leaf means: the results module encodes its entries.

use std::cell::RefCell;
use std::collections::HashMap;

pub mod checkpoint;
pub mod http;
pub mod watch;

use tlog_tiles::HashReader;
pub use tlog_tiles::{EMPTY_HASH, Hash};

use super::db::{Backend, Conn, Db, DbError, Value};
use super::i18n::Text;
use super::lease::Lease;
use crate::{params, tr};

/// Hashes per tile side: tiles are 2^8 = 256 hashes wide (C2SP tlog-tiles).
pub const TILE_HEIGHT: u8 = 8;
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// The largest leaf an entry bundle can carry (its length is a big-endian `u16`).
pub const MAX_LEAF: usize = u16::MAX as usize;

/// `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    tlog_tiles::record_hash(data)
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    tlog_tiles::node_hash(left, right)
}

fn math(e: tlog_tiles::Error) -> DbError {
    DbError::Other(format!("transparency log: {e}"))
}

/// Reads stored hashes from the database, and those of the batch being appended from memory.
struct Stored<'c> {
    conn: RefCell<&'c mut Conn>,
    staged: HashMap<u64, Hash>,
    /// The database's error behind a failed read (the Merkle library's error has no room for it).
    failure: RefCell<Option<DbError>>,
}

impl<'c> Stored<'c> {
    fn new(conn: &'c mut Conn) -> Stored<'c> {
        Stored { conn: RefCell::new(conn), staged: HashMap::new(), failure: RefCell::new(None) }
    }

    fn fetch(&self, indexes: &[u64]) -> Result<Vec<Hash>, DbError> {
        let mut found: HashMap<u64, Hash> = HashMap::with_capacity(indexes.len());
        let missing: Vec<u64> = indexes.iter().copied().filter(|i| !self.staged.contains_key(i)).collect();
        let keys: Vec<i64> = missing.iter().map(|&i| index_value(i)).collect();
        for row in pairs_for(&mut self.conn.borrow_mut(), "SELECT idx, hash FROM tlog_hashes WHERE idx IN", &keys)? {
            let (idx, bytes): (i64, Vec<u8>) = (row.get(0)?, row.get(1)?);
            found.insert(idx as u64, to_hash(&bytes)?);
        }
        indexes
            .iter()
            .map(|i| {
                self.staged.get(i).or_else(|| found.get(i)).copied().ok_or_else(|| DbError::Other(format!("transparency log: stored hash {i} is missing")))
            })
            .collect()
    }
}

impl HashReader for Stored<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        self.fetch(indexes).map_err(|e| {
            *self.failure.borrow_mut() = Some(e);
            tlog_tiles::Error::IndexesNotInTree
        })
    }
}

impl Stored<'_> {
    /// The database's error when there was one, else the Merkle library's.
    fn error(&self, e: tlog_tiles::Error) -> DbError {
        self.failure.borrow_mut().take().unwrap_or_else(|| math(e))
    }
}

fn index_value(i: u64) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

fn to_hash(bytes: &[u8]) -> Result<Hash, DbError> {
    <[u8; 32]>::try_from(bytes).map(Hash).map_err(|_| DbError::Other(format!("transparency log: a stored hash has {} bytes, not 32", bytes.len())))
}

/// The number of leaves in the log.
pub fn size(conn: &mut Conn) -> Result<u64, DbError> {
    let n: i64 = conn.query_one("SELECT size FROM tlog_head WHERE id = 1", &[])?.get(0)?;
    Ok(n as u64)
}

/// Where a batch went: the index of its first leaf, and the tree after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub first: u64,
    pub size: u64,
}

/// Appends `leaves` in order inside the caller's transaction, storing each leaf and the hashes
/// it completes.
pub fn append(conn: &mut Conn, leaves: &[Vec<u8>]) -> Result<Appended, DbError> {
    append_tickets(conn, leaves, None)
}

/// `append`, keeping beside each leaf the ticket it was queued under (`tickets` in the order of
/// `leaves`).
fn append_tickets(conn: &mut Conn, leaves: &[Vec<u8>], tickets: Option<&[i64]>) -> Result<Appended, DbError> {
    let lock = match conn.backend() {
        Backend::Sqlite => "SELECT size FROM tlog_head WHERE id = 1",
        // Two servers appending at once take turns here (the transaction holds the row).
        Backend::Postgres => "SELECT size FROM tlog_head WHERE id = 1 FOR UPDATE",
    };
    let first = conn.query_one(lock, &[])?.get::<i64>(0)? as u64;
    if leaves.is_empty() {
        return Ok(Appended { first, size: first });
    }
    if let Some(big) = leaves.iter().find(|l| l.len() > MAX_LEAF) {
        return Err(DbError::Other(format!("transparency log: a leaf of {} bytes exceeds {MAX_LEAF}", big.len())));
    }
    let mut stored = Stored::new(conn);
    let mut rows: Vec<Vec<Value>> = Vec::with_capacity(leaves.len() * 2);
    for (i, leaf) in leaves.iter().enumerate() {
        let n = first + i as u64;
        let hashes = tlog_tiles::stored_hashes(n, leaf, &stored).map_err(|e| stored.error(e))?;
        let start = tlog_tiles::stored_hash_index(0, n);
        for (k, h) in hashes.into_iter().enumerate() {
            let idx = start + k as u64;
            stored.staged.insert(idx, h);
            rows.push(vec![Value::Int(index_value(idx)), Value::Bytes(h.0.to_vec())]);
        }
    }
    let conn = stored.conn.into_inner();
    let ticket = |i: usize| tickets.and_then(|t| t.get(i)).map_or(Value::Null, |&t| Value::Int(t));
    super::db::insert_rows(
        conn,
        "INSERT INTO tlog_leaves (idx, data, ticket)",
        3,
        "",
        leaves.iter().enumerate().map(|(i, l)| vec![Value::Int(index_value(first + i as u64)), Value::Bytes(l.clone()), ticket(i)]),
    )?;
    super::db::insert_rows(conn, "INSERT INTO tlog_hashes (idx, hash)", 2, "", rows)?;
    let size = first + leaves.len() as u64;
    conn.execute("UPDATE tlog_head SET size = $1 WHERE id = 1", params![index_value(size)])?;
    Ok(Appended { first, size })
}

/// A leaf put in the log: its ticket, and its index once sequenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    pub id: i64,
    /// Known at once on SQLite; on PostgreSQL found later through the ticket (`indexes`).
    pub index: Option<u64>,
}

/// Puts `leaf` in the log inside the caller's transaction: appended at once on SQLite, queued
/// for the sequencer on PostgreSQL. Keep the ticket to find the leaf's index.
pub fn enqueue(conn: &mut Conn, leaf: Vec<u8>) -> Result<Ticket, DbError> {
    enqueue_all(conn, vec![leaf])?.pop().ok_or_else(|| DbError::Other("transparency log: no ticket for a leaf".into()))
}

/// [`enqueue`] for many leaves at once, in order (a group commit's results): one ticket each.
pub fn enqueue_all(conn: &mut Conn, leaves: Vec<Vec<u8>>) -> Result<Vec<Ticket>, DbError> {
    if let Some(big) = leaves.iter().find(|l| l.len() > MAX_LEAF) {
        return Err(DbError::Other(format!("transparency log: a leaf of {} bytes exceeds {MAX_LEAF}", big.len())));
    }
    if leaves.is_empty() {
        return Ok(vec![]);
    }
    let n = leaves.len() as i64;
    match conn.backend() {
        Backend::Sqlite => {
            // The writer is the only appender: the next ticket is the largest kept plus one.
            let next: i64 = conn.query_one("SELECT COALESCE(MAX(ticket), 0) + 1 FROM tlog_leaves", &[])?.get(0)?;
            let ids: Vec<i64> = (next..next + n).collect();
            let first = append_tickets(conn, &leaves, Some(&ids))?.first;
            Ok(ids.into_iter().enumerate().map(|(i, id)| Ticket { id, index: Some(first + i as u64) }).collect())
        }
        Backend::Postgres => {
            // The tickets are drawn first, so that each leaf's is known whatever order a
            // multi-row insert would answer them in.
            let ids = conn
                .query("SELECT nextval('tlog_queue_ticket_seq') FROM generate_series(1, $1)", &[Value::Int(n)])?
                .iter()
                .map(|r| r.get::<i64>(0))
                .collect::<Result<Vec<i64>, DbError>>()?;
            super::db::insert_rows(conn, "INSERT INTO tlog_queue (ticket, data)", 2, "", ids.iter().zip(leaves).map(|(&id, leaf)| vec![Value::Int(id), Value::Bytes(leaf)]))?;
            Ok(ids.into_iter().map(|id| Ticket { id, index: None }).collect())
        }
    }
}

/// Appends up to `max` queued leaves, oldest ticket first, in the caller's transaction, and
/// takes them off the queue. Answers where they went (None: the queue was empty).
pub fn sequence(conn: &mut Conn, max: usize) -> Result<Option<Appended>, DbError> {
    // The head first: a second sequencer waits here, then reads the queue as the first left it.
    if conn.backend() == Backend::Postgres {
        conn.query_one("SELECT size FROM tlog_head WHERE id = 1 FOR UPDATE", &[])?;
    }
    let rows = conn.query("SELECT ticket, data FROM tlog_queue ORDER BY ticket LIMIT $1", &[Value::from(max)])?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut tickets = Vec::with_capacity(rows.len());
    let mut leaves = Vec::with_capacity(rows.len());
    for r in rows {
        tickets.push(r.get::<i64>(0)?);
        leaves.push(r.get::<Vec<u8>>(1)?);
    }
    let done = append_tickets(conn, &leaves, Some(&tickets))?;
    conn.execute(
        "DELETE FROM tlog_queue WHERE ticket IN (SELECT ticket FROM tlog_leaves WHERE idx >= $1 AND idx < $2)",
        &[Value::Int(index_value(done.first)), Value::Int(index_value(done.size))],
    )?;
    Ok(Some(done))
}

/// How many leaves wait for the sequencer.
pub fn queued(conn: &mut Conn) -> Result<u64, DbError> {
    Ok(conn.query_one("SELECT COUNT(*) FROM tlog_queue", &[])?.get::<i64>(0)? as u64)
}

/// The index of each sequenced leaf among `tickets` (a ticket still queued is absent).
pub fn indexes(conn: &mut Conn, tickets: &[i64]) -> Result<HashMap<i64, u64>, DbError> {
    let mut out = HashMap::with_capacity(tickets.len());
    for row in pairs_for(conn, "SELECT ticket, idx FROM tlog_leaves WHERE ticket IN", tickets)? {
        out.insert(row.get::<i64>(0)?, row.get::<i64>(1)? as u64);
    }
    Ok(out)
}

/// The rows of `select` (ending in `… IN`) for these keys.
fn pairs_for(conn: &mut Conn, select: &str, keys: &[i64]) -> Result<Vec<super::db::Row>, DbError> {
    let keys: Vec<Value> = keys.iter().map(|&k| Value::Int(k)).collect();
    super::db::query_in(conn, select, &[], &keys)
}

/// A ticket's leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// None while queued.
    pub index: Option<u64>,
    pub leaf: Vec<u8>,
}

/// A ticket's leaf, queued or in the log. None: no such ticket.
pub fn find(conn: &mut Conn, ticket: i64) -> Result<Option<Found>, DbError> {
    // The queue first: the sequencer moves a leaf from it to the log in one transaction, so a
    // leaf gone from the queue is found in the log by the statement after.
    if let Some(row) = conn.query_opt("SELECT data FROM tlog_queue WHERE ticket = $1", &[Value::Int(ticket)])? {
        return Ok(Some(Found { index: None, leaf: row.get(0)? }));
    }
    conn.query_opt("SELECT idx, data FROM tlog_leaves WHERE ticket = $1", &[Value::Int(ticket)])?
        .map(|r| Ok(Found { index: Some(r.get::<i64>(0)? as u64), leaf: r.get(1)? }))
        .transpose()
}

/// The ticket leaf `index` was queued under (the audit entry of the change names it); None for
/// a leaf appended before tickets were kept, or no such leaf.
pub fn ticket_of(conn: &mut Conn, index: u64) -> Result<Option<i64>, DbError> {
    Ok(conn.query_opt("SELECT ticket FROM tlog_leaves WHERE idx = $1", &[Value::Int(index_value(index))])?.and_then(|r| r.get::<Option<i64>>(0).ok().flatten()))
}

/// How long the `tlog` lease (sequencing and signing) outlives its holder's last renewal.
pub const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(3);
/// The most leaves one sequencing transaction appends.
const BATCH: usize = 2048;

/// The sequencer (PostgreSQL): every 100 ms, while this server holds the `tlog` lease, appends
/// the queued leaves; a server without the lease tries to take it twice a second. The lease is
/// renewed in the transaction that appends, so a holder that lost it appends nothing more.
/// On SQLite the writer appends and the lease is simply held (the signer reads it).
pub async fn sequencer(db: Db, lease: std::sync::Arc<Lease>) {
    if db.backend() == Backend::Sqlite {
        let l = lease.clone();
        if let Err(e) = db.read(move |c| l.hold(c)).await {
            tracing::warn!("transparency log: cannot hold the lease: {e}");
        }
        return;
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_try: Option<std::time::Instant> = None;
    let mut was_holder = false;
    loop {
        tick.tick().await;
        if !lease.held() && last_try.is_some_and(|t| t.elapsed() < std::time::Duration::from_millis(500)) {
            continue;
        }
        last_try = Some(std::time::Instant::now());
        // A full batch is followed at once by the next.
        loop {
            let l = lease.clone();
            let turn = db.write_apart(move |c| -> Result<Option<Option<Appended>>, DbError> { if l.hold(c)? { sequence(c, BATCH).map(Some) } else { Ok(None) } }).await;
            match turn {
                Ok(Some(done)) => {
                    if !was_holder {
                        tracing::info!("transparency log: this server ({}) sequences and signs the log", lease.holder());
                        was_holder = true;
                    }
                    match done {
                        Some(a) if a.size - a.first >= BATCH as u64 => continue,
                        _ => break,
                    }
                }
                Ok(None) => {
                    if was_holder {
                        tracing::warn!("transparency log: another server took over the sequencing");
                        was_holder = false;
                    }
                    break;
                }
                Err(e) => {
                    // The renewal rolled back with the transaction.
                    lease.forget();
                    tracing::warn!("transparency log: sequencing failed: {e}");
                    break;
                }
            }
        }
    }
}

/// The root hash of the tree of the first `size` leaves.
pub fn root(conn: &mut Conn, size: u64) -> Result<Hash, DbError> {
    let stored = Stored::new(conn);
    tlog_tiles::tree_hash(size, &stored).map_err(|e| stored.error(e))
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3).
pub fn inclusion(conn: &mut Conn, index: u64, size: u64) -> Result<Vec<Hash>, DbError> {
    if index >= size {
        return Err(DbError::Other(format!("transparency log: leaf {index} is not in a tree of {size}")));
    }
    let stored = Stored::new(conn);
    tlog_tiles::prove_record(size, index, &stored).map_err(|e| stored.error(e))
}

/// The consistency proof from the tree of `from` leaves to the tree of `to` (RFC 9162 §2.1.4).
pub fn consistency(conn: &mut Conn, from: u64, to: u64) -> Result<Vec<Hash>, DbError> {
    if from > to {
        return Err(DbError::Other(format!("transparency log: a tree of {from} is not a prefix of one of {to}")));
    }
    if from == 0 || from == to {
        return Ok(Vec::new());
    }
    let stored = Stored::new(conn);
    tlog_tiles::prove_tree(to, from, &stored).map_err(|e| stored.error(e))
}

/// Checks an inclusion proof: `leaf` is leaf `index` of the tree of `size` whose root is `root`.
pub fn verify_inclusion(proof: &[Hash], size: u64, root: Hash, index: u64, leaf: &[u8]) -> bool {
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf_hash(leaf)).is_ok()
}

/// Checks a consistency proof between two tree heads.
pub fn verify_consistency(proof: &[Hash], from: u64, from_root: Hash, to: u64, to_root: Hash) -> bool {
    if from == 0 {
        return from_root == EMPTY_HASH;
    }
    if from == to {
        return from_root == to_root && proof.is_empty();
    }
    tlog_tiles::check_tree(&proof.to_vec(), to, to_root, from, from_root).is_ok()
}

/// One leaf's bytes.
pub fn leaf(conn: &mut Conn, index: u64) -> Result<Option<Vec<u8>>, DbError> {
    conn.query_opt("SELECT data FROM tlog_leaves WHERE idx = $1", params![index_value(index)])?.map(|r| r.get(0)).transpose()
}

/// Leaves `from..to` in order, one by one (`log verify` streams the whole log).
pub fn for_each_leaf(conn: &mut Conn, from: u64, to: u64, mut f: impl FnMut(u64, Vec<u8>) -> Result<(), DbError>) -> Result<(), DbError> {
    conn.for_each(
        "SELECT idx, data FROM tlog_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx",
        params![index_value(from), index_value(to)],
        |r| f(r.get::<i64>(0)? as u64, r.get(1)?),
    )
}

/// Every stored hash with its index, in order of index (for `log verify`).
pub fn for_each_stored_hash(conn: &mut Conn, mut f: impl FnMut(u64, Vec<u8>) -> Result<(), DbError>) -> Result<(), DbError> {
    conn.for_each("SELECT idx, hash FROM tlog_hashes ORDER BY idx", &[], |r| f(r.get::<i64>(0)? as u64, r.get(1)?))
}

/// The stored hash index of node `n` at tree level `level` (leaves are level 0), and back.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    tlog_tiles::stored_hash_index(level, n)
}

/// The number of hashes stored for a tree of `size` leaves.
pub fn stored_hash_count(size: u64) -> u64 {
    tlog_tiles::stored_hash_count(size)
}

/// The hashes a tree of these leaves stores, in stored hash order, computed in memory: what
/// `log verify` compares the stored ones with.
#[derive(Default)]
pub struct Rebuild {
    hashes: HashMap<u64, Hash>,
    size: u64,
}

impl HashReader for Rebuild {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes.iter().map(|i| self.hashes.get(i).copied().ok_or(tlog_tiles::Error::IndexesNotInTree)).collect()
    }
}

impl Rebuild {
    /// Adds the next leaf; returns the stored hashes it adds, from `stored_hash_index(0, n)`.
    pub fn push(&mut self, leaf: &[u8]) -> Result<Vec<Hash>, DbError> {
        let n = self.size;
        let hashes = tlog_tiles::stored_hashes(n, leaf, self).map_err(math)?;
        let start = tlog_tiles::stored_hash_index(0, n);
        for (k, h) in hashes.iter().enumerate() {
            self.hashes.insert(start + k as u64, *h);
        }
        self.size += 1;
        Ok(hashes)
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the tree of the first `size` leaves pushed.
    pub fn root(&self, size: u64) -> Result<Hash, DbError> {
        if size > self.size {
            return Err(DbError::Other(format!("transparency log: {size} leaves asked of {}", self.size)));
        }
        tlog_tiles::tree_hash(size, self).map_err(math)
    }
}

/// What `sinergi log verify` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every leaf, stored hash and checkpoint agrees with the tree recomputed from the leaves.
    Intact { leaves: u64, hashes: u64, checkpoints: u64 },
    /// The first leaf whose stored hashes (its own or a subtree's it opens) do not match, or
    /// which is missing.
    Leaf { index: u64, why: Text },
    /// The first stored checkpoint that does not match the recomputed tree or its key.
    Checkpoint { size: u64, why: Text },
}

/// Recomputes the tree from the stored leaves and compares every stored hash and every stored
/// checkpoint with it (and the checkpoints' signatures with `verifier`, a signed-note verifier
/// key, when given). Holds the recomputed hashes in memory, about 100 bytes per leaf.
pub fn verify(conn: &mut Conn, verifier: Option<&str>) -> Result<Verdict, DbError> {
    let size = size(conn)?;
    let mut tree = Rebuild::default();
    let mut missing: Option<u64> = None;
    for_each_leaf(conn, 0, u64::MAX / 2, |i, data| {
        if missing.is_none() {
            if i != tree.size() {
                missing = Some(tree.size());
            } else {
                tree.push(&data)?;
            }
        }
        Ok(())
    })?;
    if let Some(index) = missing.or((tree.size() < size).then_some(tree.size())) {
        return Ok(Verdict::Leaf { index, why: tr!("daun itu tidak ada", "it is missing") });
    }
    if tree.size() > size {
        return Ok(Verdict::Leaf { index: size, why: tr!("daun itu di luar ukuran pohon {size}", "it lies beyond the tree's size {size}") });
    }
    // The first leaf whose own hash differs from its stored one; failing that, the first leaf
    // under a stored subtree hash that differs (a changed leaf also changes the subtrees above
    // it, which are not the news).
    let mut first_bad: [Option<(u64, Text)>; 2] = [None, None];
    let mut seen = 0u64;
    let mut note = |leaf: u64, own: bool, why: Text| {
        let slot = &mut first_bad[usize::from(!own)];
        if slot.as_ref().is_none_or(|(l, _)| leaf < *l) {
            *slot = Some((leaf, why));
        }
    };
    for_each_stored_hash(conn, |idx, stored| {
        seen += 1;
        let (level, n) = tlog_tiles::split_stored_hash_index(idx);
        let leaf = n.checked_shl(u32::from(level)).unwrap_or(u64::MAX);
        match tree.hashes.get(&idx) {
            Some(h) if h.0.as_slice() == stored.as_slice() => {}
            Some(_) if level == 0 => note(leaf, true, tr!("hash daun yang tersimpan tidak cocok dengan isinya", "its stored hash does not match its bytes")),
            Some(_) => {
                let span = 1u64 << level;
                note(leaf, false, tr!("hash subpohon {span} daun mulai dari daun ini tidak cocok", "the stored hash of the subtree of {span} leaves from this leaf does not match"))
            }
            None => note(leaf, false, tr!("ada hash tersimpan ({idx}) di luar pohon", "a stored hash ({idx}) lies beyond the tree")),
        }
        Ok(())
    })?;
    let [own, subtree] = first_bad;
    if let Some((index, why)) = own.or(subtree) {
        return Ok(Verdict::Leaf { index, why });
    }
    if seen != stored_hash_count(size) {
        // Some hash was removed: find the first leaf whose hashes are not all there.
        let mut present = std::collections::HashSet::new();
        for_each_stored_hash(conn, |idx, _| {
            present.insert(idx);
            Ok(())
        })?;
        let first = (0..stored_hash_count(size)).find(|i| !present.contains(i)).map_or(0, |i| {
            let (level, n) = tlog_tiles::split_stored_hash_index(i);
            n << level
        });
        return Ok(Verdict::Leaf { index: first, why: tr!("sebuah hash tersimpan hilang", "a stored hash is missing") });
    }
    let verifiers = match verifier {
        Some(vkey) => Some(signed_note::VerifierList::new(vec![Box::new(
            signed_note::StandardVerifier::new(vkey).map_err(|e| DbError::Other(format!("the log's verifier key: {e}")))?,
        )])),
        None => None,
    };
    let checkpoints = checkpoint::all(conn)?;
    for (head, text) in &checkpoints {
        let size = head.size;
        if head.size > tree.size() {
            let n = tree.size();
            return Ok(Verdict::Checkpoint { size, why: tr!("checkpoint mencakup lebih banyak daun daripada log ({n})", "it covers more leaves than the log's {n}") });
        }
        if tree.root(head.size)? != head.root {
            return Ok(Verdict::Checkpoint { size, why: tr!("akarnya berbeda dari akar pohon yang dihitung ulang", "its root differs from the recomputed tree's") });
        }
        let Ok(note) = signed_note::Note::from_bytes(text.as_bytes()) else {
            return Ok(Verdict::Checkpoint { size, why: tr!("catatannya rusak", "its note is malformed") });
        };
        let body = String::from_utf8_lossy(note.text()).into_owned();
        let mut lines = body.lines().skip(1);
        let (said_size, said_root) = (lines.next().and_then(|l| l.parse::<u64>().ok()), lines.next());
        use base64::Engine;
        if said_size != Some(head.size) || said_root != Some(base64::engine::general_purpose::STANDARD.encode(head.root.0).as_str()) {
            return Ok(Verdict::Checkpoint { size, why: tr!("catatannya menyebut ukuran atau akar lain", "its note names another size or root") });
        }
        if let Some(list) = &verifiers
            && note.verify(list).is_err()
        {
            return Ok(Verdict::Checkpoint { size, why: tr!("tanda tangannya tidak sah menurut kunci log", "its signature does not verify with the log's key") });
        }
    }
    Ok(Verdict::Intact { leaves: tree.size(), hashes: seen, checkpoints: checkpoints.len() as u64 })
}

// ---------------------------------------------------------------------------------------------
// Tiles (C2SP tlog-tiles)

/// A tile the log serves: `tile/<L>/<N>[.p/<W>]` holds `W` hashes of tree level `8·L`, from
/// node `256·N`; `tile/entries/<N>[.p/<W>]` holds leaves `256·N ..` as an entry bundle. A full
/// tile (`W` = 256) never changes; a partial one is the right edge of the tree of some size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// `None` for an entry bundle.
    pub level: Option<u8>,
    pub index: u64,
    pub width: u64,
}

impl Tile {
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The path under the log's prefix, e.g. `tile/0/x001/234.p/7`.
    pub fn path(&self) -> String {
        let level = self.level.map_or_else(|| "entries".to_string(), |l| l.to_string());
        let mut groups = vec![format!("{:03}", self.index % 1000)];
        let mut n = self.index / 1000;
        while n > 0 {
            groups.push(format!("x{:03}", n % 1000));
            n /= 1000;
        }
        groups.reverse();
        let partial = if self.is_full() { String::new() } else { format!(".p/{}", self.width) };
        format!("tile/{level}/{}{partial}", groups.join("/"))
    }

    /// Reads the path after `tile/`; only the canonical spelling is accepted, so that each tile
    /// has one address (and one cache entry).
    pub fn parse(rest: &str) -> Option<Tile> {
        let (level, rest) = rest.split_once('/')?;
        let level = match level {
            "entries" => None,
            l => {
                let v: u8 = l.parse().ok()?;
                if v > 63 || v.to_string() != l {
                    return None;
                }
                Some(v)
            }
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let v: u64 = w.parse().ok()?;
                if !(1..TILE_WIDTH).contains(&v) || v.to_string() != w {
                    return None;
                }
                (i, v)
            }
            None => (rest, TILE_WIDTH),
        };
        let parts: Vec<&str> = index_part.split('/').collect();
        let mut index: u64 = 0;
        for (i, p) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let digits = if last { *p } else { p.strip_prefix('x')? };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            index = index.checked_mul(1000)?.checked_add(digits.parse::<u64>().ok()?)?;
        }
        let tile = Tile { level, index, width };
        // The canonical form has no leading zero groups (x000/…).
        (tile.path() == format!("tile/{}", tile_rest(level, index_part, width))).then_some(tile)
    }

    /// How many nodes of this tile's level a tree of `size` leaves has complete.
    fn available(&self, size: u64) -> u64 {
        let shift = u32::from(self.level.unwrap_or(0)) * u32::from(TILE_HEIGHT);
        size.checked_shr(shift).unwrap_or(0)
    }

    /// Whether the tree of `size` leaves has this tile.
    pub fn within(&self, size: u64) -> bool {
        self.index.checked_mul(TILE_WIDTH).and_then(|s| s.checked_add(self.width)).is_some_and(|end| end <= self.available(size))
    }

    /// The tile's bytes (hashes one after another, or the entry bundle), when the tree of
    /// `size` leaves has it.
    pub fn read(&self, conn: &mut Conn, size: u64) -> Result<Option<Vec<u8>>, DbError> {
        if !self.within(size) {
            return Ok(None);
        }
        let start = self.index * TILE_WIDTH;
        match self.level {
            None => {
                let mut out = Vec::new();
                let mut next = start;
                for_each_leaf(conn, start, start + self.width, |i, data| {
                    if i != next {
                        return Err(DbError::Other(format!("transparency log: leaf {next} is missing")));
                    }
                    next += 1;
                    // Checked on append; a longer leaf cannot be stored.
                    let len = u16::try_from(data.len()).map_err(|_| DbError::Other(format!("transparency log: leaf {i} is too long")))?;
                    out.extend_from_slice(&len.to_be_bytes());
                    out.extend_from_slice(&data);
                    Ok(())
                })?;
                if next != start + self.width {
                    return Err(DbError::Other(format!("transparency log: leaf {next} is missing")));
                }
                Ok(Some(out))
            }
            Some(level) => {
                let indexes: Vec<u64> = (start..start + self.width).map(|n| stored_hash_index(level * TILE_HEIGHT, n)).collect();
                let stored = Stored::new(conn);
                let hashes = stored.fetch(&indexes)?;
                Ok(Some(hashes.iter().flat_map(|h| h.0).collect()))
            }
        }
    }
}

fn tile_rest(level: Option<u8>, index_part: &str, width: u64) -> String {
    let level = level.map_or_else(|| "entries".to_string(), |l| l.to_string());
    let partial = if width == TILE_WIDTH { String::new() } else { format!(".p/{width}") };
    format!("{level}/{index_part}{partial}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// RFC 6962 §2.1 computed the slow way: the reference the stored-hash math is held to.
    fn naive_root(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => Hash(Sha256::digest([]).into()),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = n.next_power_of_two() / 2;
                node_hash(naive_root(&leaves[..k]), naive_root(&leaves[k..]))
            }
        }
    }

    /// RFC 9162 §2.1.3.1 PATH(m, D[n]).
    fn naive_path(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = n.next_power_of_two() / 2;
        if m < k {
            let mut p = naive_path(m, &leaves[..k]);
            p.push(naive_root(&leaves[k..]));
            p
        } else {
            let mut p = naive_path(m - k, &leaves[k..]);
            p.push(naive_root(&leaves[..k]));
            p
        }
    }

    /// RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b).
    fn naive_subproof(m: usize, leaves: &[Vec<u8>], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole { vec![] } else { vec![naive_root(leaves)] };
        }
        let k = n.next_power_of_two() / 2;
        if m <= k {
            let mut p = naive_subproof(m, &leaves[..k], whole);
            p.push(naive_root(&leaves[k..]));
            p
        } else {
            let mut p = naive_subproof(m - k, &leaves[k..], false);
            p.push(naive_root(&leaves[..k]));
            p
        }
    }

    /// The leaves of the RFC 6962 test vectors (certificate-transparency's merkle tree tests).
    fn rfc_leaves() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|h| hex::decode(h).unwrap_or_default())
            .collect()
    }

    #[test]
    fn roots_match_the_known_vectors() {
        assert_eq!(hex::encode(EMPTY_HASH.0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "the empty tree is SHA-256 of nothing");
        let leaves = rfc_leaves();
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let mut tree = Rebuild::default();
        for (i, leaf) in leaves.iter().enumerate() {
            tree.push(leaf).expect("push");
            assert_eq!(hex::encode(tree.root(i as u64 + 1).expect("root").0), expected[i], "root of {} leaves", i + 1);
            assert_eq!(naive_root(&leaves[..=i]), tree.root(i as u64 + 1).expect("root"));
        }
    }

    /// A stored-hash reader over a tree built in memory, in place of the database.
    fn proofs_of(leaves: &[Vec<u8>]) -> Rebuild {
        let mut tree = Rebuild::default();
        leaves.iter().for_each(|l| {
            tree.push(l).expect("push");
        });
        tree
    }

    #[test]
    fn every_proof_up_to_twenty_leaves_is_the_naive_one_and_verifies() {
        let leaves: Vec<Vec<u8>> = (0..20u8).map(|i| format!("leaf {i}").into_bytes()).collect();
        let tree = proofs_of(&leaves);
        for size in 1..=20usize {
            let root = naive_root(&leaves[..size]);
            assert_eq!(tree.root(size as u64).expect("root"), root, "root of {size}");
            for m in 0..size {
                let proof = tlog_tiles::prove_record(size as u64, m as u64, &tree).expect("inclusion");
                assert_eq!(proof, naive_path(m, &leaves[..size]), "inclusion of {m} in {size}");
                assert!(verify_inclusion(&proof, size as u64, root, m as u64, &leaves[m]));
                assert!(!verify_inclusion(&proof, size as u64, root, m as u64, b"another leaf"), "a changed leaf fails");
            }
            for from in 1..=size {
                let proof = if from == size { vec![] } else { tlog_tiles::prove_tree(size as u64, from as u64, &tree).expect("consistency") };
                let naive = if from == size { vec![] } else { naive_subproof(from, &leaves[..size], true) };
                assert_eq!(proof, naive, "consistency {from} → {size}");
                let from_root = naive_root(&leaves[..from]);
                assert!(verify_consistency(&proof, from as u64, from_root, size as u64, root));
                if from < size {
                    assert!(!verify_consistency(&proof, from as u64, leaf_hash(b"forged"), size as u64, root), "a forged old root fails");
                }
            }
        }
    }

    #[test]
    fn tile_paths_follow_the_c2sp_layout() {
        let t = |level, index, width| Tile { level, index, width };
        assert_eq!(t(Some(0), 0, 256).path(), "tile/0/000");
        assert_eq!(t(Some(1), 1_234_067, 256).path(), "tile/1/x001/x234/067");
        assert_eq!(t(None, 5, 7).path(), "tile/entries/005.p/7");
        assert_eq!(t(Some(2), 1000, 255).path(), "tile/2/x001/000.p/255");
        for tile in [t(Some(0), 0, 256), t(Some(1), 1_234_067, 256), t(None, 5, 7), t(Some(63), u64::MAX / 256, 1)] {
            let path = tile.path();
            assert_eq!(Tile::parse(path.strip_prefix("tile/").expect("prefix")), Some(tile), "{path}");
        }
        for bad in ["0/x000/001", "0/1", "0/0001", "0/001.p/256", "0/001.p/0", "0/001.p/07", "64/000", "00/000", "0/x001", "0/001/002", "foo/000", "0/00a"] {
            assert_eq!(Tile::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_tile_is_within_a_tree_once_its_nodes_are_complete() {
        let level0 = Tile { level: Some(0), index: 1, width: 256 };
        assert!(!level0.within(511) && level0.within(512));
        let partial = Tile { level: Some(0), index: 1, width: 3 };
        assert!(!partial.within(258) && partial.within(259) && partial.within(10_000));
        let level1 = Tile { level: Some(1), index: 0, width: 2 };
        assert!(!level1.within(511) && level1.within(512));
    }

    /// Tiles rebuild the same root: level-1 hashes are the roots of the level-0 tiles.
    #[test]
    fn a_level_one_hash_is_the_root_of_a_full_level_zero_tile() {
        let leaves: Vec<Vec<u8>> = (0..600u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let tree = proofs_of(&leaves);
        for k in 0..2u64 {
            let level0: Vec<Hash> = (0..256).map(|i| tree.hashes[&stored_hash_index(0, k * 256 + i)]).collect();
            let mut layer = level0;
            while layer.len() > 1 {
                layer = layer.chunks(2).map(|p| node_hash(p[0], p[1])).collect();
            }
            assert_eq!(layer[0], tree.hashes[&stored_hash_index(TILE_HEIGHT, k)]);
            assert_eq!(layer[0], naive_root(&leaves[(k * 256) as usize..((k + 1) * 256) as usize]));
        }
    }

    async fn append_and_read_back(url: &str) {
        // The PostgreSQL client blocks on a runtime of its own while connecting.
        let url = url.to_string();
        let db = tokio::task::spawn_blocking(move || crate::platform::db::Db::open(&url)).await.expect("join").expect("open");
        let leaves: Vec<Vec<u8>> = (0..300u32).map(|i| format!("entry {i}").into_bytes()).collect();
        // Several batches of several sizes, as the writer's group commits would make them.
        let mut at = 0usize;
        for batch in [1usize, 2, 5, 60, 232] {
            let chunk = leaves[at..at + batch].to_vec();
            let done = db.write(move |c| append(c, &chunk)).await.expect("append");
            assert_eq!(done, Appended { first: at as u64, size: (at + batch) as u64 });
            at += batch;
        }
        // A batch that fails rolls back with its transaction: no leaf is left behind.
        let failed: Result<(), DbError> = db
            .write(|c| {
                append(c, &[b"rolled back".to_vec()])?;
                Err(DbError::Other("the change failed".into()))
            })
            .await;
        assert!(failed.is_err());
        // Leaves put in the log through tickets: appended at once (SQLite) or queued until
        // sequenced (PostgreSQL), oldest ticket first; either way each ticket finds its leaf.
        let mut tickets = Vec::new();
        for i in 0..3u8 {
            tickets.push(db.write(move |c| enqueue(c, vec![b'q', i])).await.expect("enqueue"));
        }
        let postgres = db.backend() == Backend::Postgres;
        assert!(tickets.iter().all(|t| t.index.is_none() == postgres), "{tickets:?}");
        if postgres {
            let t = tickets[1].id;
            assert_eq!(db.read(move |c| find(c, t)).await.expect("find"), Some(Found { index: None, leaf: vec![b'q', 1] }), "a queued leaf is found, with no index yet");
            let done = db.write_apart(|c| sequence(c, 2)).await.expect("sequence");
            assert_eq!(done, Some(Appended { first: 300, size: 302 }), "a batch of at most the size asked");
            assert_eq!(db.write_apart(|c| sequence(c, 10)).await.expect("sequence"), Some(Appended { first: 302, size: 303 }));
            assert_eq!(db.write_apart(|c| sequence(c, 10)).await.expect("sequence"), None, "the queue is empty");
        }
        let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
        let found = db.read(move |c| indexes(c, &ids)).await.expect("indexes");
        for (i, t) in tickets.iter().enumerate() {
            let index = 300 + i as u64;
            assert_eq!(found.get(&t.id), Some(&index), "ticket order is log order");
            let id = t.id;
            assert_eq!(db.read(move |c| find(c, id)).await.expect("find"), Some(Found { index: Some(index), leaf: vec![b'q', i as u8] }));
            assert_eq!(db.read(move |c| ticket_of(c, index)).await.expect("ticket"), Some(t.id));
        }
        assert_eq!(db.read(queued).await.expect("queued"), 0);
        let tiles_leaves = leaves.clone();
        db.read(move |c| -> Result<(), DbError> {
            assert_eq!(size(c)?, 303);
            let expected = proofs_of(&tiles_leaves);
            for s in [1u64, 7, 256, 257, 300] {
                assert_eq!(root(c, s)?, expected.root(s)?, "root of {s}");
            }
            let root300 = root(c, 300)?;
            for m in [0u64, 1, 255, 256, 299] {
                let proof = inclusion(c, m, 300)?;
                assert!(verify_inclusion(&proof, 300, root300, m, &tiles_leaves[m as usize]), "inclusion of {m}");
            }
            let proof = consistency(c, 17, 300)?;
            assert!(verify_consistency(&proof, 17, root(c, 17)?, 300, root300));
            // The tiles of the tree of 300: a full level-0 tile, a partial one, the entries.
            let full = Tile { level: Some(0), index: 0, width: 256 }.read(c, 300)?.expect("full tile");
            assert_eq!(full.len(), 256 * 32);
            assert_eq!(&full[..32], &leaf_hash(&tiles_leaves[0]).0);
            let partial = Tile { level: Some(0), index: 1, width: 44 }.read(c, 300)?.expect("partial tile");
            assert_eq!(&partial[43 * 32..], &leaf_hash(&tiles_leaves[299]).0);
            assert_eq!(Tile { level: Some(0), index: 1, width: 45 }.read(c, 300)?, None, "beyond the tree");
            let bundle = Tile { level: None, index: 1, width: 44 }.read(c, 300)?.expect("bundle");
            assert_eq!(&bundle[..2], &(tiles_leaves[256].len() as u16).to_be_bytes());
            assert_eq!(&bundle[2..2 + tiles_leaves[256].len()], tiles_leaves[256].as_slice());
            assert_eq!(Tile { level: Some(1), index: 0, width: 1 }.read(c, 300)?.expect("level 1"), expected.root(256)?.0.to_vec());
            Ok(())
        })
        .await
        .expect("read back");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_log_is_stored_and_proved_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("sinergi-tlog-{}-{}", std::process::id(), crate::platform::clock::now_rfc3339().replace(':', "")));
        std::fs::create_dir_all(&dir).expect("temp dir");
        append_and_read_back(&format!("sqlite://{}", dir.join("t.db").display())).await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Runs when SINERGI_TEST_PG names a server, in a database of its own.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_log_is_stored_and_proved_on_postgres() {
        let Some(pg) = tokio::task::spawn_blocking(|| crate::platform::db::ScratchPg::create("tlog")).await.expect("setup") else {
            return;
        };
        append_and_read_back(&pg.url).await;
        tokio::task::spawn_blocking(move || drop(pg)).await.expect("cleanup");
    }
}
