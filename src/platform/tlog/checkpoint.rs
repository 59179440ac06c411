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
//! not tell: it is restored with it.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use signed_note::{Note, StandardSigner};

use super::Hash;
use crate::platform::db::{Conn, DbError, Value};
use crate::platform::error::AppError;
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
    if let Some(p) = std::env::var("SINERGI_LOG_KEY").ok().filter(|p| !p.trim().is_empty()) {
        return PathBuf::from(p.trim());
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
    if let Some(o) = std::env::var("SINERGI_LOG_ORIGIN").ok().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()) {
        return o;
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok()).unwrap_or_default();
    let host: String = host.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.').collect();
    format!("sinergi.{}/log", if host.is_empty() { "localhost" } else { &host })
}

fn cannot(what: &Path, e: impl std::fmt::Display) -> AppError {
    let p = what.display();
    AppError::bad_request(tr!("kunci log {p} tidak dapat dipakai: {e}", "cannot use the log key {p}: {e}"))
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

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file of the last signed size and root.
    pub fn witness_path(&self) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".signed");
        self.path.with_file_name(name)
    }

    /// The signed note of a checkpoint of the tree of `size` leaves with root `root`.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String, DbError> {
        let text = checkpoint_text(&self.origin, size, root);
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

/// The last signed head recorded beside the key, if any.
pub fn read_witness(path: &Path) -> Result<Option<Head>, AppError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(path, e)),
    };
    let mut lines = text.lines();
    let size = lines.next().and_then(|l| l.trim().parse::<u64>().ok());
    let root = lines.next().and_then(|l| STANDARD.decode(l.trim()).ok()).and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok());
    match (size, root) {
        (Some(size), Some(root)) => Ok(Some(Head { size, root: Hash(root) })),
        _ => Err(cannot(path, "isinya bukan ukuran dan akar pohon / not a tree size and root")),
    }
}

/// Records the last signed head, durably, replacing the file at once (never half-written).
pub fn write_witness(path: &Path, head: Head) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let text = format!("{}\n{}\n", head.size, STANDARD.encode(head.root.0));
    let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all())).and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| format!("cannot record the signed head in {}: {e}", path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself is made durable with the directory.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// The newest checkpoint stored: its head and its note.
pub fn latest(conn: &mut Conn) -> Result<Option<(Head, String)>, DbError> {
    let Some(row) = conn.query_opt("SELECT size, root, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1", &[])? else {
        return Ok(None);
    };
    let root: Vec<u8> = row.get(1)?;
    let root = <[u8; 32]>::try_from(root.as_slice()).map_err(|_| DbError::Other("transparency log: a checkpoint's root is not 32 bytes".into()))?;
    Ok(Some((Head { size: row.get::<i64>(0)? as u64, root: Hash(root) }, row.get(2)?)))
}

/// Every stored checkpoint, oldest first (for `sinergi log verify`).
pub fn all(conn: &mut Conn) -> Result<Vec<(Head, String)>, DbError> {
    conn.query("SELECT size, root, note FROM tlog_checkpoints ORDER BY size", &[])?
        .into_iter()
        .map(|row| {
            let root: Vec<u8> = row.get(1)?;
            let root = <[u8; 32]>::try_from(root.as_slice()).map_err(|_| DbError::Other("transparency log: a checkpoint's root is not 32 bytes".into()))?;
            Ok((Head { size: row.get::<i64>(0)? as u64, root: Hash(root) }, row.get(2)?))
        })
        .collect()
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

/// Why the current tree does not extend `head`, if it does not.
fn fork_from(conn: &mut Conn, size: u64, head: Head, what: &str) -> Result<Option<String>, DbError> {
    if size < head.size {
        return Ok(Some(format!("the log has {size} leaves, fewer than the {} of the {what}", head.size)));
    }
    let root = super::root(conn, head.size)?;
    Ok((root != head.root).then(|| format!("the first {} leaves no longer have the root of the {what}", head.size)))
}

/// Signs a checkpoint of the current tree when it grew and extends every head signed before
/// (the one recorded beside the key and the newest stored). Run in the writer's transaction, so
/// that the size read is the size signed. The head is recorded beside the key before the
/// checkpoint is stored: a checkpoint is never out without its record.
pub fn sign_if_grown(conn: &mut Conn, key: &LogKey, now: &str) -> Result<Signing, DbError> {
    let size = super::size(conn)?;
    let witness = read_witness(&key.witness_path()).map_err(|e| DbError::Other(e.log_detail()))?;
    let stored = latest(conn)?.map(|(h, _)| h);
    for (head, what) in [(witness, "head recorded beside the key"), (stored, "newest stored checkpoint")] {
        if let Some(head) = head
            && let Some(why) = fork_from(conn, size, head, what)?
        {
            return Ok(Signing::Refused(why));
        }
    }
    let signed = witness.map_or(0, |h| h.size).max(stored.map_or(0, |h| h.size));
    if size == 0 || size <= signed {
        return Ok(Signing::Unchanged);
    }
    let root = super::root(conn, size)?;
    let note = key.sign(size, root)?;
    write_witness(&key.witness_path(), Head { size, root }).map_err(DbError::Other)?;
    conn.execute(
        "INSERT INTO tlog_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING",
        &[Value::Int(size as i64), Value::Bytes(root.0.to_vec()), Value::Text(note), Value::Text(now.to_string())],
    )?;
    Ok(Signing::Signed(size))
}

/// `sinergi log acknowledge`: the operator accepts the database as it now is (after a
/// restore): the record beside the key goes back to the newest checkpoint the database holds,
/// so the signer signs the current tree next. Returns the head now recorded (none when the
/// database has no checkpoint) and the one it replaced.
pub fn acknowledge(conn: &mut Conn, key: &LogKey) -> Result<(Option<Head>, Option<Head>), AppError> {
    let before = read_witness(&key.witness_path())?;
    let stored = latest(conn)?.map(|(h, _)| h);
    let size = super::size(conn)?;
    if let Some(head) = stored
        && let Some(why) = fork_from(conn, size, head, "newest stored checkpoint")?
    {
        return Err(AppError::conflict(tr!(
            "basis data ini tidak cocok dengan checkpoint-nya sendiri ({why}); jalankan `sinergi log verify`",
            "this database does not match its own newest checkpoint ({why}); run `sinergi log verify`"
        )));
    }
    match stored {
        Some(head) => write_witness(&key.witness_path(), head).map_err(AppError::Internal)?,
        None => match std::fs::remove_file(key.witness_path()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(cannot(&key.witness_path(), e)),
        },
    }
    Ok((stored, before))
}

/// Whether the newest stored checkpoint's size is below the tree's (the signer has work).
pub fn behind(conn: &mut Conn) -> Result<bool, DbError> {
    let row = conn.query_one("SELECT (SELECT size FROM tlog_head WHERE id = 1), COALESCE((SELECT MAX(size) FROM tlog_checkpoints), 0)", params![])?;
    Ok(row.get::<i64>(0)? > row.get::<i64>(1)?)
}

/// The signer: at most one checkpoint a second, only when the tree grew; a refusal is logged as
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
        match db.read(behind).await {
            Ok(false) if refused.is_none() => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("transparency log: cannot read the tree size: {e}");
                continue;
            }
        }
        let k = key.clone();
        match db.write(move |c| sign_if_grown(c, &k, &crate::platform::clock::now_rfc3339())).await {
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
                        "transparency log: refusing to sign: {why}. The database was restored or changed; an operator must run `sinergi log acknowledge` to sign this tree"
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
        let note = key.sign(7, root).expect("sign");
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
        let head = Head { size: 7, root };
        write_witness(&key.witness_path(), head).expect("witness");
        assert_eq!(read_witness(&key.witness_path()).expect("read"), Some(head));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
