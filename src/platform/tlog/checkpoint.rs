//! Signed checkpoints of the log: C2SP tlog-checkpoint notes (origin, size, base64 root hash)
//! with one Ed25519 signature in the C2SP signed-note format (`— <key name> <base64(key hash ‖
//! signature)>`), the key name being the origin.
//!
//! The key lives in a file, in the signed-note private key form
//! (`PRIVATE+KEY+<origin>+<key hash>+<base64>`): `SINERGI_LOG_KEY` names it; by default it is
//! `<db>-log.key` beside a SQLite database, or `sinergi-log.key` in the working directory
//! for PostgreSQL. It is made on first start (or by `sinergi log key`), with the origin
//! `SINERGI_LOG_ORIGIN` or `sinergi.<host name>/log`, and kept: a new key is a new log to
//! everyone who follows this one.
//!
//! What was last signed (size and root) is also written beside the key (`<key>.signed`), apart
//! from the database and before the checkpoint is published: a database restored to an older
//! state, or rewritten, no longer has that tree as a prefix, and the signer then refuses to
//! sign until an operator runs `sinergi log acknowledge`. A table in the same database could
//! not tell: it is restored with it. The acknowledgement is an entry of the audit trail.
//!
//! Each checkpoint also signs the head of the internal audit chain (`platform::audit`), in one
//! C2SP extension line after the root:
//!
//! ```text
//! sinergi.example/log
//! 1042
//! <base64 root>
//! audit 58317 <hex SHA-256 of audit entry 58317>
//! ```
//!
//! that is, the chain's number of entries and the hash of its last entry as the chain and
//! `GET /api/v1/audit` write it (64 zeros for an empty chain). The chain's hash is unkeyed:
//! someone who can write the database can rewrite an entry and every hash after it. Against a
//! signed head that no longer holds, `sinergi audit verify` names the rewrite: it checks the
//! heads the database's checkpoints sign, the one recorded beside the key, and any an observer
//! kept (`--checkpoint FILE`). A checkpoint is signed at most once a second, when the tree or the
//! audit chain grew (the chain grows without results: accounts, imports, sign-ins), so several
//! checkpoints may share a tree size; the newest is served. The signer refuses an audit chain
//! that no longer has a head signed before, as it refuses a tree that does not extend one.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use signed_note::{Note, StandardSigner};

use super::Hash;
use crate::platform::audit;
use crate::platform::db::{Conn, DbError, Value};
use crate::platform::error::AppError;
use crate::platform::i18n::Text;
use crate::{params, tr};

/// The log's signing key and its public names.
pub struct LogKey {
    signer: StandardSigner,
    origin: String,
    vkey: String,
    path: PathBuf,
}

/// The key file the settings name for the database at `db_url`.
pub fn key_path(db_url: &str) -> PathBuf {
    if let Some(p) = &crate::platform::settings::get().log_key {
        return p.clone();
    }
    let file = db_url.strip_prefix("sqlite://").or_else(|| db_url.strip_prefix("sqlite:")).map(|p| p.split('?').next().unwrap_or(p));
    match file.filter(|f| !f.is_empty()) {
        Some(f) => {
            let path = Path::new(f);
            let stem = path.file_stem().and_then(|s| s.to_str()).filter(|s| !s.is_empty()).unwrap_or("sinergi");
            path.with_file_name(format!("{stem}-log.key"))
        }
        None => PathBuf::from("sinergi-log.key"),
    }
}

/// The origin of a new log: `SINERGI_LOG_ORIGIN`, or `sinergi.<host name>/log`.
fn default_origin() -> String {
    if let Some(o) = crate::platform::settings::get().log_origin.as_ref().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        return o.to_string();
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok()).unwrap_or_default();
    let host: String = host.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.').collect();
    format!("sinergi.{}/log", if host.is_empty() { "localhost" } else { &host })
}

fn cannot(what: &Path, e: impl std::fmt::Display) -> AppError {
    let p = what.display();
    AppError::bad_request(tr!("kunci log {p} tidak dapat dipakai: {e}", "cannot use the log key {p}: {e}"))
}

/// The log's public key as the server publishes it at `/log/key`, registered in the state at
/// start (the private half stays with the signer).
pub struct PublicKey {
    pub verifier: String,
}

impl LogKey {
    /// Reads the key file, or makes it when there is none.
    pub fn open_or_create(path: &Path) -> Result<LogKey, AppError> {
        match std::fs::read_to_string(path) {
            Ok(text) => LogKey::parse(text.trim(), path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let skey = new_key(&default_origin()).map_err(|e| cannot(path, e))?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| cannot(path, e))?;
                }
                // create_new: two servers starting at once keep the first key, not one each.
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut f) => {
                        f.write_all(format!("{skey}\n").as_bytes()).and_then(|()| f.sync_all()).map_err(|e| cannot(path, e))?;
                        let key = LogKey::parse(&skey, path)?;
                        tracing::info!("made the log key {} for {}", path.display(), key.origin);
                        Ok(key)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => LogKey::open_or_create(path),
                    Err(e) => Err(cannot(path, e)),
                }
            }
            Err(e) => Err(cannot(path, e)),
        }
    }

    fn parse(skey: &str, path: &Path) -> Result<LogKey, AppError> {
        let bad = || cannot(path, "bukan kunci privat signed-note Ed25519 / not an Ed25519 signed-note private key");
        let signer = StandardSigner::new(skey).map_err(|_| bad())?;
        // PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>: the public key is derived from the seed.
        let mut parts = skey.splitn(5, '+');
        let (name, encoded) = (parts.nth(2).ok_or_else(bad)?, parts.nth(1).ok_or_else(bad)?);
        let raw = STANDARD.decode(encoded).map_err(|_| bad())?;
        let seed: [u8; 32] = raw.get(1..).and_then(|s| s.try_into().ok()).ok_or_else(bad)?;
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        Ok(LogKey { vkey: signed_note::new_ed25519_verifier_key(name, &public), origin: name.to_string(), signer, path: path.to_path_buf() })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key in the signed-note form (`<name>+<key hash>+<base64(0x01 ‖ key)>`),
    /// what an observer configures to check the checkpoints.
    pub fn verifier(&self) -> &str {
        &self.vkey
    }

    /// What the server publishes of this key.
    pub fn public(&self) -> PublicKey {
        PublicKey { verifier: self.vkey.clone() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file of the last signed size and root.
    pub fn witness_path(&self) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".signed");
        self.path.with_file_name(name)
    }

    /// The signed note of a checkpoint of the tree of `size` leaves with root `root`, and of
    /// the audit chain's head when given (its extension line).
    pub fn sign(&self, size: u64, root: Hash, audit: Option<&AuditHead>) -> Result<String, DbError> {
        let mut text = checkpoint_text(&self.origin, size, root);
        if let Some(a) = audit {
            text.push_str(&a.line());
            text.push('\n');
        }
        let mut note = Note::new(text.as_bytes(), &[]).map_err(|e| DbError::Other(format!("checkpoint note: {e}")))?;
        note.add_sigs(&[&self.signer]).map_err(|e| DbError::Other(format!("signing the checkpoint: {e}")))?;
        String::from_utf8(note.to_bytes()).map_err(|e| DbError::Other(format!("checkpoint note: {e}")))
    }
}

/// A fresh key: 32 bytes from the system's random source as the Ed25519 seed.
fn new_key(origin: &str) -> Result<String, String> {
    if !signed_note::is_key_name_valid(origin) {
        return Err(format!("the origin {origin:?} has a space or a '+'"));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no random bytes: {e}"))?;
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let encoded_public = [&[1u8][..], public.as_bytes()].concat();
    let id = signed_note::key_id(origin, &encoded_public);
    let private = [&[1u8][..], &seed[..]].concat();
    Ok(format!("PRIVATE+KEY+{origin}+{id:08x}+{}", STANDARD.encode(private)))
}

/// The checkpoint body (C2SP tlog-checkpoint): origin, decimal size, base64 root, each on its
/// own line.
pub fn checkpoint_text(origin: &str, size: u64, root: Hash) -> String {
    format!("{origin}\n{size}\n{}\n", STANDARD.encode(root.0))
}

/// A tree head that was signed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    pub size: u64,
    pub root: Hash,
}

/// The audit chain's head that a checkpoint signs: its number of entries and the hash of the
/// last one (hex, as the chain writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub size: u64,
    pub hash: String,
}

impl AuditHead {
    /// The checkpoint's extension line, without its newline: `audit <size> <hash>`.
    pub fn line(&self) -> String {
        format!("audit {} {}", self.size, self.hash)
    }

    /// Reads an extension line `audit <decimal size> <64 lowercase hex>`.
    pub fn parse_line(line: &str) -> Option<AuditHead> {
        let (size, hash) = line.strip_prefix("audit ")?.split_once(' ')?;
        let decimal = !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit());
        let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !decimal || !hex {
            return None;
        }
        Some(AuditHead { size: size.parse().ok()?, hash: hash.to_string() })
    }
}

/// What one checkpoint signed: the tree's head and the audit chain's (none in a checkpoint
/// signed before the audit chain was anchored).
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    pub head: Head,
    pub audit: Option<AuditHead>,
}

/// The last signed heads recorded beside the key, if any: the tree's size and root, then the
/// audit line (absent in a record written before the audit chain was anchored).
pub fn read_witness(path: &Path) -> Result<Option<Signed>, AppError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(path, e)),
    };
    let mut lines = text.lines();
    let size = lines.next().and_then(|l| l.trim().parse::<u64>().ok());
    let root = lines.next().and_then(|l| STANDARD.decode(l.trim()).ok()).and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok());
    let audit = match lines.next().map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(l) => AuditHead::parse_line(l).map(Some).ok_or(()),
    };
    match (size, root, audit) {
        (Some(size), Some(root), Ok(audit)) => Ok(Some(Signed { head: Head { size, root: Hash(root) }, audit })),
        _ => Err(cannot(path, "isinya bukan ukuran dan akar pohon (dan kepala audit) / not a tree size and root (and audit head)")),
    }
}

/// Records the last signed heads, durably, replacing the file at once (never half-written).
pub fn write_witness(path: &Path, signed: &Signed) -> Result<(), String> {
    let mut text = format!("{}\n{}\n", signed.head.size, STANDARD.encode(signed.head.root.0));
    if let Some(a) = &signed.audit {
        text.push_str(&a.line());
        text.push('\n');
    }
    write_durably(path, &text).map_err(|e| format!("cannot record the signed head in {}: {e}", path.display()))
}

/// Replaces the file at `path` with `text` durably and at once: written beside it, synced, then
/// renamed over it (a crash leaves the old file or the new, never half of one). The signer's
/// record and an observer's `log watch` state are kept this way.
pub fn write_durably(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::File::create(&tmp).and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all())).and_then(|()| std::fs::rename(&tmp, path))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself is made durable with the directory.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

fn stored_root(bytes: &[u8]) -> Result<Hash, DbError> {
    <[u8; 32]>::try_from(bytes).map(Hash).map_err(|_| DbError::Other("transparency log: a checkpoint's root is not 32 bytes".into()))
}

/// The newest checkpoint stored (the last signed: several may share a tree size): its head and
/// its note.
pub fn latest(conn: &mut Conn) -> Result<Option<(Head, String)>, DbError> {
    let Some(row) = conn.query_opt("SELECT size, root, note FROM tlog_checkpoints ORDER BY id DESC LIMIT 1", &[])? else {
        return Ok(None);
    };
    Ok(Some((Head { size: row.get::<i64>(0)? as u64, root: stored_root(&row.get::<Vec<u8>>(1)?)? }, row.get(2)?)))
}

/// What the newest stored checkpoint signed, as stored beside its note.
pub fn latest_signed(conn: &mut Conn) -> Result<Option<Signed>, DbError> {
    let Some(row) = conn.query_opt("SELECT size, root, audit_size, audit_hash FROM tlog_checkpoints ORDER BY id DESC LIMIT 1", &[])? else {
        return Ok(None);
    };
    let head = Head { size: row.get::<i64>(0)? as u64, root: stored_root(&row.get::<Vec<u8>>(1)?)? };
    let audit = match (row.get::<Option<i64>>(2)?, row.get::<Option<String>>(3)?) {
        (Some(size), Some(hash)) => Some(AuditHead { size: size as u64, hash }),
        _ => None,
    };
    Ok(Some(Signed { head, audit }))
}

/// Every stored checkpoint, oldest first (for `sinergi log verify` and `sinergi audit verify`).
pub fn all(conn: &mut Conn) -> Result<Vec<(Head, String)>, DbError> {
    conn.query("SELECT size, root, note FROM tlog_checkpoints ORDER BY id", &[])?
        .into_iter()
        .map(|row| Ok((Head { size: row.get::<i64>(0)? as u64, root: stored_root(&row.get::<Vec<u8>>(1)?)? }, row.get(2)?)))
        .collect()
}

/// A checkpoint note read back: the heads its body signs, its signature checked with `verifier`
/// when given (and its origin with the key's name). Says why not when it is not one.
pub fn open_signed(note: &str, verifier: Option<&signed_note::StandardVerifier>) -> Result<Signed, Text> {
    let malformed = || tr!("catatannya bukan checkpoint bertanda tangan", "its note is not a signed checkpoint");
    let parsed = Note::from_bytes(note.as_bytes()).map_err(|_| malformed())?;
    let body = std::str::from_utf8(parsed.text()).map_err(|_| malformed())?;
    let mut lines = body.split('\n');
    let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(malformed)?;
    let size = lines.next().filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit())).and_then(|l| l.parse::<u64>().ok()).ok_or_else(malformed)?;
    let root = lines.next().and_then(|l| STANDARD.decode(l).ok()).and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok()).ok_or_else(malformed)?;
    // Extension lines: the audit head is the one this log writes; others are read past.
    let audit = lines.find_map(AuditHead::parse_line);
    if let Some(v) = verifier {
        use signed_note::Verifier;
        let list = signed_note::VerifierList::new(vec![Box::new(v.clone())]);
        if parsed.verify(&list).is_err() {
            return Err(tr!("tanda tangannya tidak sah menurut kunci log", "its signature does not verify with the log's key"));
        }
        if origin != v.name() {
            let name = v.name();
            return Err(tr!("origin-nya {origin}, bukan {name} milik kunci", "its origin is {origin}, not the key's {name}"));
        }
    }
    Ok(Signed { head: Head { size, root: Hash(root) }, audit })
}

/// Splits text holding one or more signed notes one after another (as an observer may keep
/// them in one file): a note ends with its signature lines (`— …`), blank lines between notes
/// are read past.
pub fn split_notes(text: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let (mut current, mut in_signatures) = (String::new(), false);
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if in_signatures && !bare.starts_with("\u{2014} ") {
            notes.push(std::mem::take(&mut current));
            in_signatures = false;
        }
        if current.is_empty() && bare.is_empty() {
            continue;
        }
        if bare.is_empty() && !current.is_empty() {
            in_signatures = true;
        }
        current.push_str(bare);
        current.push('\n');
    }
    if !current.is_empty() {
        notes.push(current);
    }
    notes
}

/// `sinergi audit verify`: the audit chain recomputed (`audit::verify`), then held to every
/// audit head signed before: those the stored checkpoints' notes sign (their signatures checked
/// with `verifier` when given), the one recorded beside the key (`witness`), and `kept`, heads an
/// observer kept and already checked. Returns the verdict and how many signed heads were held.
pub fn verify_audit(
    conn: &mut Conn,
    verifier: Option<&signed_note::StandardVerifier>,
    witness: Option<(Signed, Text)>,
    kept: Vec<audit::Anchor>,
) -> Result<(audit::Verdict, usize), DbError> {
    let chain = audit::verify(conn)?;
    if !matches!(chain, audit::Verdict::Intact { .. }) {
        return Ok((chain, 0));
    }
    let mut anchors = kept;
    for (head, note) in all(conn)? {
        let size = head.size;
        match open_signed(&note, verifier) {
            Ok(Signed { audit: Some(a), head }) => {
                let which = tr!("checkpoint tersimpan ukuran {size} (audit {n})", "the stored checkpoint of size {size} (audit {n})", n = a.size);
                if head.size != size {
                    return Ok((audit::Verdict::Checkpoint { which, reason: tr!("catatannya menyebut ukuran lain", "its note names another size") }, 0));
                }
                anchors.push(audit::Anchor { size: a.size as i64, hash: a.hash, which });
            }
            // Signed before the audit chain was anchored: nothing to hold the chain to.
            Ok(Signed { audit: None, .. }) => {}
            Err(reason) => {
                let which = tr!("checkpoint tersimpan ukuran {size}", "the stored checkpoint of size {size}");
                return Ok((audit::Verdict::Checkpoint { which, reason }, 0));
            }
        }
    }
    if let Some((Signed { audit: Some(a), .. }, which)) = witness {
        anchors.push(audit::Anchor { size: a.size as i64, hash: a.hash, which });
    }
    let held = anchors.len();
    Ok((audit::check_anchors(conn, &anchors)?, held))
}

/// What one turn of the signer did.
#[derive(Debug, Clone, PartialEq)]
pub enum Signing {
    /// A checkpoint of this size was signed and stored.
    Signed(u64),
    /// The tree did not grow since the last checkpoint.
    Unchanged,
    /// The tree does not extend what was signed before: nothing is signed until an operator
    /// acknowledges (`sinergi log acknowledge`). The reason says what differs.
    Refused(String),
}

/// The audit chain's head now (in the caller's transaction).
fn audit_now(conn: &mut Conn) -> Result<AuditHead, DbError> {
    let (size, hash) = audit::head(conn)?;
    Ok(AuditHead { size: size as u64, hash })
}

/// Why the current tree (of `size` leaves) and audit chain (`audit`) do not extend what was
/// `signed`, if they do not.
fn fork_from(conn: &mut Conn, size: u64, audit: &AuditHead, signed: &Signed, what: &str) -> Result<Option<String>, DbError> {
    let head = signed.head;
    if size < head.size {
        return Ok(Some(format!("the log has {size} leaves, fewer than the {} of the {what}", head.size)));
    }
    if super::root(conn, head.size)? != head.root {
        return Ok(Some(format!("the first {} leaves no longer have the root of the {what}", head.size)));
    }
    let Some(a) = &signed.audit else { return Ok(None) };
    if audit.size < a.size {
        return Ok(Some(format!("the audit chain has {} entries, fewer than the {} of the {what}", audit.size, a.size)));
    }
    let at = audit::hash_at(conn, a.size as i64)?;
    Ok((at.as_deref() != Some(a.hash.as_str())).then(|| format!("audit entry {} no longer has the hash signed in the {what}", a.size)))
}

/// Signs a checkpoint of the tree of `size` leaves and of the audit chain's head `audit`, both
/// read committed (`to_sign`), when either grew and both extend every head signed before (the
/// one recorded beside the key and the newest stored). Run in the writer's transaction. The
/// heads are recorded beside the key before the checkpoint is stored: a checkpoint is never out
/// without its record. Signing only committed heads keeps that record from naming leaves or
/// audit entries that a crash before the commit would take away (the writer's transaction also
/// holds other jobs' changes); `sinergi audit verify` holds the chain to the record.
pub fn sign_if_grown(conn: &mut Conn, key: &LogKey, now: &str, size: u64, audit: &AuditHead) -> Result<Signing, DbError> {
    // Nothing committed is taken away in between; should it be, the next turn reads again.
    if super::size(conn)? < size || audit::hash_at(conn, audit.size as i64)?.as_deref() != Some(audit.hash.as_str()) {
        return Ok(Signing::Unchanged);
    }
    let audit = audit.clone();
    // One key per log: a database restored elsewhere, started beside a key made there, would
    // otherwise go on under a second key, and its checkpoints would no longer verify as one log.
    if let Some((_, note)) = latest(conn)? {
        let verifier = signed_note::StandardVerifier::new(key.verifier()).map_err(|e| DbError::Other(format!("the log key's verifier: {e}")))?;
        if open_signed(&note, Some(&verifier)).is_err() {
            let path = key.path().display();
            return Ok(Signing::Refused(format!(
                "the database's newest checkpoint was not signed with the key in {path} (a restored database started beside a new key?); point SINERGI_LOG_KEY at the key that signed it"
            )));
        }
    }
    let witness = read_witness(&key.witness_path()).map_err(|e| DbError::Other(e.log_detail()))?;
    let stored = latest_signed(conn)?;
    for (signed, what) in [(&witness, "head recorded beside the key"), (&stored, "newest stored checkpoint")] {
        if let Some(signed) = signed
            && let Some(why) = fork_from(conn, size, &audit, signed, what)?
        {
            return Ok(Signing::Refused(format!("{why}. The database was restored or changed; an operator must run `sinergi log acknowledge` to sign this tree")));
        }
    }
    let earlier = [&witness, &stored];
    let tree_signed = earlier.iter().filter_map(|s| s.as_ref()).map(|s| s.head.size).max().unwrap_or(0);
    let audit_signed = earlier.iter().filter_map(|s| s.as_ref()?.audit.as_ref()).map(|a| a.size).max().unwrap_or(0);
    if size <= tree_signed && audit.size <= audit_signed {
        return Ok(Signing::Unchanged);
    }
    let root = super::root(conn, size)?;
    let note = key.sign(size, root, Some(&audit))?;
    write_witness(&key.witness_path(), &Signed { head: Head { size, root }, audit: Some(audit.clone()) }).map_err(DbError::Other)?;
    // Two servers signing the same heads at once store one checkpoint.
    conn.execute(
        "INSERT INTO tlog_checkpoints (size, root, audit_size, audit_hash, note, signed_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (size, audit_size) DO NOTHING",
        &[
            Value::Int(size as i64),
            Value::Bytes(root.0.to_vec()),
            Value::Int(audit.size as i64),
            Value::Text(audit.hash),
            Value::Text(note),
            Value::Text(now.to_string()),
        ],
    )?;
    Ok(Signing::Signed(size))
}

/// A signed head as the audit trail records it.
fn described(signed: &Option<Signed>) -> serde_json::Value {
    match signed {
        None => serde_json::Value::Null,
        Some(s) => serde_json::json!({
            "size": s.head.size,
            "root": STANDARD.encode(s.head.root.0),
            "audit_size": s.audit.as_ref().map(|a| a.size),
            "audit_hash": s.audit.as_ref().map(|a| a.hash.as_str()),
        }),
    }
}

/// `sinergi log acknowledge`: the operator accepts the database as it now is (after a
/// restore): the record beside the key goes back to the newest checkpoint the database holds,
/// so the signer signs the current tree next. The audit trail records what was replaced by
/// what, in the same transaction (written before the record beside the key, so that a failed
/// entry changes nothing). Returns the heads now recorded (none when the database has no
/// checkpoint) and the ones they replaced.
pub fn acknowledge(conn: &mut Conn, key: &LogKey) -> Result<(Option<Signed>, Option<Signed>), AppError> {
    let before = read_witness(&key.witness_path())?;
    let stored = latest_signed(conn)?;
    let size = super::size(conn)?;
    let audit = audit_now(conn)?;
    if let Some(signed) = &stored
        && let Some(why) = fork_from(conn, size, &audit, signed, "newest stored checkpoint")?
    {
        return Err(AppError::conflict(tr!(
            "basis data ini tidak cocok dengan checkpoint-nya sendiri ({why}); jalankan `sinergi log verify`",
            "this database does not match its own newest checkpoint ({why}); run `sinergi log verify`"
        )));
    }
    audit::record_as(
        conn,
        &audit::Actor::system("cli"),
        audit::Change {
            action: "log.acknowledge",
            entity_type: "log",
            entity_id: key.origin(),
            region: None,
            detail: serde_json::json!({ "replaced": described(&before), "by": described(&stored), "tree_size": size }),
        },
    )?;
    match &stored {
        Some(signed) => write_witness(&key.witness_path(), signed).map_err(AppError::Internal)?,
        None => match std::fs::remove_file(key.witness_path()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(cannot(&key.witness_path(), e)),
        },
    }
    Ok((stored, before))
}

/// What the signer signs next, read outside the writer (so committed, in one statement): the
/// tree's size and the audit chain's head, and whether either grew past the newest stored
/// checkpoint.
pub fn to_sign(conn: &mut Conn) -> Result<(u64, AuditHead, bool), DbError> {
    let row = conn.query_one(
        "SELECT (SELECT size FROM tlog_head WHERE id = 1), (SELECT seq FROM audit_head WHERE id = 1),
                (SELECT hash FROM audit_head WHERE id = 1),
                COALESCE((SELECT size FROM tlog_checkpoints ORDER BY id DESC LIMIT 1), 0),
                COALESCE((SELECT audit_size FROM tlog_checkpoints ORDER BY id DESC LIMIT 1), 0)",
        params![],
    )?;
    let (size, audit_size): (i64, i64) = (row.get(0)?, row.get(1)?);
    let grew = size > row.get::<i64>(3)? || audit_size > row.get::<i64>(4)?;
    Ok((size as u64, AuditHead { size: audit_size as u64, hash: row.get(2)? }, grew))
}

/// The signer: at most one checkpoint a second, only when the tree or the audit chain grew; a refusal is logged as
/// an error once per reason, and signing resumes by itself after `sinergi log acknowledge`.
/// Only the server holding the log's lease (the sequencer's) signs: one signer for several
/// servers on one database.
pub async fn signer(db: crate::platform::db::Db, key: std::sync::Arc<LogKey>, lease: std::sync::Arc<crate::platform::lease::Lease>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut refused: Option<String> = None;
    loop {
        tick.tick().await;
        if !lease.held() {
            continue;
        }
        // The common case (nothing new) costs one read, no write transaction.
        let (size, audit) = match db.read(to_sign).await {
            Ok((_, _, false)) if refused.is_none() => continue,
            Ok((size, audit, _)) => (size, audit),
            Err(e) => {
                tracing::warn!("transparency log: cannot read the tree size: {e}");
                continue;
            }
        };
        let k = key.clone();
        match db.write(move |c| sign_if_grown(c, &k, &crate::platform::clock::now_rfc3339(), size, &audit)).await {
            Ok(Signing::Signed(size)) => {
                if refused.take().is_some() {
                    tracing::warn!("transparency log: signing resumed after the operator's acknowledgement");
                }
                tracing::debug!("transparency log: signed the checkpoint of {size} leaves");
            }
            Ok(Signing::Unchanged) => {
                if refused.take().is_some() {
                    tracing::warn!("transparency log: signing resumed after the operator's acknowledgement");
                }
            }
            Ok(Signing::Refused(why)) => {
                if refused.as_deref() != Some(why.as_str()) {
                    tracing::error!(
                        "transparency log: refusing to sign: {why}"
                    );
                    refused = Some(why);
                }
            }
            Err(e) => tracing::warn!("transparency log: signing failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_carries_the_origin_size_root_and_a_signature_the_verifier_key_accepts() {
        let dir = std::env::temp_dir().join(format!("sinergi-logkey-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("k.key");
        let key = LogKey::open_or_create(&path).expect("create");
        let again = LogKey::open_or_create(&path).expect("reopen");
        assert_eq!(key.verifier(), again.verifier(), "the key is kept");
        assert!(key.verifier().starts_with(&format!("{}+", key.origin())));
        let root = super::super::leaf_hash(b"x");
        let note = key.sign(7, root, None).expect("sign");
        let body = checkpoint_text(key.origin(), 7, root);
        assert!(note.starts_with(&body), "{note}");
        assert!(note[body.len()..].starts_with(&format!("\n\u{2014} {} ", key.origin())), "{note}");
        let verifier = signed_note::StandardVerifier::new(key.verifier()).expect("verifier key");
        let parsed = Note::from_bytes(note.as_bytes()).expect("parse");
        let list = signed_note::VerifierList::new(vec![Box::new(verifier)]);
        assert!(parsed.verify(&list).is_ok());
        let forged = note.replacen("\n7\n", "\n8\n", 1);
        let list = signed_note::VerifierList::new(vec![Box::new(signed_note::StandardVerifier::new(key.verifier()).expect("vk"))]);
        assert!(Note::from_bytes(forged.as_bytes()).expect("parse").verify(&list).is_err());
        let head = Signed { head: Head { size: 7, root }, audit: None };
        write_witness(&key.witness_path(), &head).expect("witness");
        assert_eq!(read_witness(&key.witness_path()).expect("read"), Some(head));

        // The audit head rides in an extension line after the root, under the same signature.
        let audit = AuditHead { size: 41, hash: "ab".repeat(32) };
        let anchored = key.sign(7, root, Some(&audit)).expect("sign");
        assert!(anchored.starts_with(&format!("{body}audit 41 {}\n\n", audit.hash)), "{anchored}");
        let vk = signed_note::StandardVerifier::new(key.verifier()).expect("vk");
        let opened = open_signed(&anchored, Some(&vk)).expect("opens");
        assert_eq!(opened, Signed { head: Head { size: 7, root }, audit: Some(audit.clone()) });
        let forged = anchored.replacen("audit 41 ", "audit 40 ", 1);
        assert!(open_signed(&forged, Some(&vk)).is_err(), "a changed audit line fails the signature");
        assert!(open_signed(&forged, None).is_ok(), "without a key the note is only read");
        let witnessed = Signed { head: Head { size: 7, root }, audit: Some(audit) };
        write_witness(&key.witness_path(), &witnessed).expect("witness");
        assert_eq!(read_witness(&key.witness_path()).expect("read"), Some(witnessed));

        // Several notes in one file, blank lines between them or none.
        let joined = format!("{note}\n{anchored}{note}");
        assert_eq!(split_notes(&joined), vec![note.clone(), anchored.clone(), note.clone()]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn only_a_well_formed_audit_line_is_read() {
        let hash = "0".repeat(64);
        assert_eq!(AuditHead::parse_line(&format!("audit 0 {hash}")), Some(AuditHead { size: 0, hash: hash.clone() }));
        for bad in [format!("audit -1 {hash}"), format!("audit 1 {}", "A".repeat(64)), "audit 1 abc".to_string(), format!("audits 1 {hash}"), format!("audit  {hash}")] {
            assert_eq!(AuditHead::parse_line(&bad), None, "{bad}");
        }
    }
}
