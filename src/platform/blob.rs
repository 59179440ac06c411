//! The blob store: photos of result forms, report evidence and photos of received goods, kept
//! by content. A blob's key is the SHA-256 of its bytes in lowercase hex, so a put is
//! idempotent (the same bytes twice are one blob), anyone holding the bytes can check them
//! against the key, and a retried request never stores a second copy.
//!
//! Two backends behind one seam, chosen in one place (`BlobStore::from_env`):
//! - a directory beside the database (the default): `ab/cd/abcd…` fanned out so no folder
//!   holds millions of files, each written to a temporary file, synced and renamed into place,
//!   so a reader never sees half a photo and a crash leaves no torn blob;
//! - an S3-compatible object store (`SINERGI_BLOB_URL=s3://bucket[/prefix]`) through
//!   `object_store`, for deployments with several app servers.
//!
//! A write that keeps blobs (a C.Hasil's photos, report evidence, a photo of received goods)
//! goes through `BlobStore::keep_for`: the bytes are stored before the database write, outside
//! the one writer thread, so no write of the service waits for a photo's fsync or the object
//! store's round trips; a write that is then refused has what it stored removed again (see
//! `keep_for` for the rule and its single-process assumption). A derived image (a thumbnail) is
//! kept beside its blob under a variant name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use sha2::{Digest, Sha256};

/// Why the store could not do what was asked: the operator's message (the store's own words).
#[derive(Debug, thiserror::Error)]
#[error("blob store: {0}")]
pub struct BlobError(pub String);

impl From<BlobError> for super::error::AppError {
    fn from(e: BlobError) -> Self {
        super::error::AppError::Internal(e.0)
    }
}

impl From<BlobError> for super::db::DbError {
    fn from(e: BlobError) -> Self {
        super::db::DbError::Other(e.0)
    }
}

/// The SHA-256 of `bytes`, lowercase hex: the blob's key.
pub fn key_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `key` has the shape of a key (64 lowercase hex digits), so that no path or object
/// name is ever built from anything else.
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A derived form of a blob kept beside it (a thumbnail). Its name is fixed in code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The small JPEG shown in lists and on the TPS page (`/foto/{sha256}/kecil`).
    Kecil,
}

impl Variant {
    fn suffix(self) -> &'static str {
        match self {
            Variant::Kecil => "kecil",
        }
    }
}

/// `ab/cd/abcd…`, or `ab/cd/abcd….kecil` for a variant.
fn relative(key: &str, variant: Option<Variant>) -> String {
    let name = match variant {
        Some(v) => format!("{key}.{}", v.suffix()),
        None => key.to_string(),
    };
    format!("{}/{}/{name}", &key[0..2], &key[2..4])
}

enum Backend {
    Dir(PathBuf),
    S3 { store: Arc<dyn ObjectStore>, prefix: String, url: String },
}

/// The one blob store of a server or command, held in `AppState`.
pub struct BlobStore {
    backend: Backend,
    /// The runtime that drives S3 requests made from a thread that is not an async task (the
    /// backup's copy).
    runtime: Option<tokio::runtime::Handle>,
    /// The keys that writes in flight have stored, each with what they know (see `keep_for`).
    staged: Mutex<HashMap<String, Arc<KeyGuard>>>,
}

/// One key's writes in flight: those that stored it and have not yet learnt their outcome.
#[derive(Default)]
struct KeyGuard {
    cohort: Mutex<Cohort>,
    /// Held across a put and across the delete of this key, so a delete never runs between
    /// another request's "the object is there" and that request's commit.
    io: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Cohort {
    /// Requests that staged the key and have not settled.
    in_flight: usize,
    /// A put of these requests found no object (and made it, or may have before failing).
    created: bool,
    /// One of these requests had its write accepted: the object is named by a committed row.
    accepted: bool,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlobStore({})", self.describe())
    }
}

/// The default directory: `sinergi-blobs` beside an SQLite file (`data/sinergi.db` →
/// `data/sinergi-blobs`, `x.db` → `x-blobs`), or `sinergi-blobs` in the working directory
/// for PostgreSQL.
pub fn default_dir(db_url: &str) -> PathBuf {
    let file = db_url.strip_prefix("sqlite://").or_else(|| db_url.strip_prefix("sqlite:")).map(|p| p.split('?').next().unwrap_or(p));
    match file.filter(|f| !f.is_empty()) {
        Some(f) => {
            let path = Path::new(f);
            let stem = path.file_stem().and_then(|s| s.to_str()).filter(|s| !s.is_empty()).unwrap_or("sinergi");
            path.with_file_name(format!("{stem}-blobs"))
        }
        None => PathBuf::from("sinergi-blobs"),
    }
}

impl BlobStore {
    /// The store the environment asks for, in one place:
    /// - `SINERGI_BLOB_URL=s3://bucket[/prefix]`: an S3-compatible object store; its endpoint,
    ///   region and keys come from the usual `AWS_ENDPOINT`, `AWS_REGION`,
    ///   `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (`AWS_ALLOW_HTTP=true` for a plain-HTTP
    ///   endpoint on a private network);
    /// - otherwise a directory: `SINERGI_BLOBS=DIR`, or `default_dir` beside the database.
    pub fn from_env(db_url: &str) -> Result<BlobStore, BlobError> {
        let settings = super::settings::get();
        match &settings.blob_url {
            Some(url) => BlobStore::s3(url.trim()),
            None => BlobStore::dir(settings.blobs.clone().unwrap_or_else(|| default_dir(db_url))),
        }
    }

    /// A store in a directory, created when missing.
    pub fn dir(dir: impl Into<PathBuf>) -> Result<BlobStore, BlobError> {
        let dir = dir.into();
        std::fs::create_dir_all(dir.join("tmp")).map_err(|e| BlobError(format!("cannot create {}: {e}", dir.display())))?;
        Ok(BlobStore { backend: Backend::Dir(dir), runtime: tokio::runtime::Handle::try_current().ok(), staged: Mutex::default() })
    }

    /// A store in an S3 bucket (`s3://bucket` or `s3://bucket/prefix`), configured from the
    /// `AWS_*` environment. Must be made inside the runtime that will drive its requests.
    pub fn s3(url: &str) -> Result<BlobStore, BlobError> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| BlobError(format!("SINERGI_BLOB_URL {url:?} is not s3://bucket[/prefix]")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(BlobError(format!("SINERGI_BLOB_URL {url:?} names no bucket")));
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        if std::env::var("AWS_ENDPOINT").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).is_ok_and(|e| e.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let store = builder.build().map_err(|e| BlobError(format!("cannot configure the S3 store {url}: {e}")))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| BlobError("the S3 store needs a running async runtime".into()))?;
        Ok(BlobStore {
            backend: Backend::S3 { store: Arc::new(store), prefix: prefix.trim_matches('/').to_string(), url: url.to_string() },
            runtime: Some(runtime),
            staged: Mutex::default(),
        })
    }

    /// Where the blobs are, for logs and the backup's summary.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Dir(d) => d.display().to_string(),
            Backend::S3 { url, .. } => url.clone(),
        }
    }

    /// The directory of a local store (None for S3).
    pub fn local_dir(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Dir(d) => Some(d),
            Backend::S3 { .. } => None,
        }
    }

    fn object(prefix: &str, key: &str, variant: Option<Variant>) -> ObjectPath {
        let rel = relative(key, variant);
        ObjectPath::from(if prefix.is_empty() { rel } else { format!("{prefix}/{rel}") })
    }

    /// Stores `bytes` and answers their key; storing the same bytes again changes nothing.
    pub async fn put(&self, bytes: Bytes) -> Result<String, BlobError> {
        let key = key_of(&bytes);
        self.put_as(&key, None, bytes).await?;
        Ok(key)
    }

    /// Stores a variant of the blob `key` (e.g. its thumbnail).
    pub async fn put_variant(&self, key: &str, variant: Variant, bytes: Bytes) -> Result<(), BlobError> {
        check_key(key)?;
        self.put_as(key, Some(variant), bytes).await
    }

    async fn put_as(&self, key: &str, variant: Option<Variant>, bytes: Bytes) -> Result<(), BlobError> {
        self.put_new(key, variant, bytes).await.1
    }

    /// Stores the object unless it is there, and says whether it was absent before: when it
    /// was, this put made it (or, having failed, may have left part of it).
    async fn put_new(&self, key: &str, variant: Option<Variant>, bytes: Bytes) -> (bool, Result<(), BlobError>) {
        match &self.backend {
            Backend::Dir(dir) => {
                let (dir, key) = (dir.clone(), key.to_string());
                match tokio::task::spawn_blocking(move || dir_put(&dir, &key, variant, &bytes)).await {
                    Ok(Ok(made)) => (made, Ok(())),
                    // Every failure of `dir_put` comes after it found no blob there.
                    Ok(Err(e)) => (true, Err(e)),
                    Err(e) => (true, Err(BlobError(e.to_string()))),
                }
            }
            Backend::S3 { store, prefix, .. } => {
                let path = Self::object(prefix, key, variant);
                // Content-addressed: an object already there holds these very bytes.
                match store.head(&path).await {
                    Ok(_) => return (false, Ok(())),
                    Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return (false, Err(BlobError(format!("cannot check {path}: {e}")))),
                }
                (true, store.put(&path, bytes.into()).await.map(|_| ()).map_err(|e| BlobError(format!("cannot store {path}: {e}"))))
            }
        }
    }

    /// Removes blob `key` (its variants stay: none is made for a blob no row names).
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match &self.backend {
            Backend::Dir(dir) => match tokio::fs::remove_file(dir.join(relative(key, None))).await {
                // Not there (its folder neither, or a file in the folder's place): nothing to remove.
                Err(e) if !matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => Err(BlobError(format!("cannot remove blob {key}: {e}"))),
                _ => Ok(()),
            },
            Backend::S3 { store, prefix, .. } => {
                let path = Self::object(prefix, key, None);
                match store.delete(&path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(BlobError(format!("cannot remove {path}: {e}"))),
                }
            }
        }
    }

    /// Runs `write` (a database write that will name these blobs) with `blobs` stored first,
    /// and keeps them only if the write is accepted. The one way a write keeps blobs.
    ///
    /// - The blobs are stored before the write, concurrently, outside the database's one
    ///   writer thread: a photo's fsyncs or the object store's round trips never hold up the
    ///   other writes of the service. A blob that cannot be stored refuses the write before it
    ///   runs (nothing reaches the database).
    /// - When the write is refused, a blob this request made is removed again, unless another
    ///   request in flight stored the same bytes or one that overlapped it was accepted: per
    ///   key, the requests between the first put and the last outcome are counted together
    ///   (`Cohort`), and the last one to learn its outcome decides, holding the key's lock so
    ///   that no put of the same bytes slips in between its decision and the delete. So an
    ///   accepted write always has its blobs, and a refused one leaves nothing behind; a blob
    ///   that was there before is never removed. A replayed `Idempotency-Key` finds its blobs
    ///   there and stores nothing again.
    /// - The whole runs in a task of its own (with the request's language and place names): a
    ///   client that hangs up cannot stop it between the write and the clean-up.
    ///
    /// Until the outcome is known, a refused write's blob is in the store but not served: the
    /// photo rules and evidence downloads answer only for blobs a committed row names. A crash
    /// in that window leaves an orphan blob (named by no row, never served). The count is kept
    /// in this process: several servers writing to one store (issue 16) would each count only
    /// their own requests, so one server could remove a blob that another server's request
    /// found there and is committing.
    pub async fn keep_for<T, E, F>(self: &Arc<Self>, blobs: Vec<Bytes>, write: F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<BlobError> + Send + 'static,
    {
        if blobs.is_empty() {
            return write.await;
        }
        let store = self.clone();
        // In a task of its own, with the request's language (the answer is written in it).
        tokio::spawn(super::i18n::carried(async move {
            let staged = futures_util::future::join_all(blobs.into_iter().map(|b| store.stage(b))).await;
            let mut kept = Vec::with_capacity(staged.len());
            let mut failed = None;
            for s in staged {
                match s {
                    Ok(k) => kept.push(k),
                    Err(e) => failed = failed.or(Some(e)),
                }
            }
            let out = match failed {
                Some(e) => Err(E::from(e)),
                None => write.await,
            };
            let accepted = out.is_ok();
            for (key, guard) in kept {
                store.settle(&key, guard, accepted).await;
            }
            out
        }))
        .await
        .map_err(|e| E::from(BlobError(format!("the write with its blobs stopped: {e}"))))?
    }

    /// Counts this request in for the key, then stores the bytes under the key's lock.
    async fn stage(&self, bytes: Bytes) -> Result<(String, Arc<KeyGuard>), BlobError> {
        let key = key_of(&bytes);
        let guard = {
            let mut staged = self.staged.lock().map_err(|_| BlobError("blob guard poisoned".into()))?;
            let g = staged.entry(key.clone()).or_default().clone();
            g.cohort.lock().map_err(|_| BlobError("blob guard poisoned".into()))?.in_flight += 1;
            g
        };
        let io = guard.io.lock().await;
        let (absent, put) = self.put_new(&key, None, bytes).await;
        if absent && let Ok(mut c) = guard.cohort.lock() {
            c.created = true;
        }
        drop(io);
        match put {
            Ok(()) => Ok((key, guard)),
            Err(e) => {
                self.settle(&key, guard, false).await;
                Err(e)
            }
        }
    }

    /// This request's outcome for the key; the last of the cohort removes a blob that only
    /// refused requests stored.
    async fn settle(&self, key: &str, guard: Arc<KeyGuard>, accepted: bool) {
        if let Ok(mut c) = guard.cohort.lock() {
            c.in_flight -= 1;
            c.accepted |= accepted;
        }
        let _io = guard.io.lock().await;
        // Decided once, by whoever holds the lock when nobody is left in flight; the state is
        // cleared so that a request joining now starts afresh and a late sibling decides nothing.
        let (last, remove) = match guard.cohort.lock() {
            Ok(mut c) if c.in_flight == 0 => {
                let remove = c.created && !c.accepted;
                (c.created, c.accepted) = (false, false);
                (true, remove)
            }
            _ => (false, false),
        };
        if remove && let Err(e) = self.delete(key).await {
            tracing::warn!("blob {key} of a refused write not removed: {e}");
        }
        if last && let Ok(mut staged) = self.staged.lock() {
            let idle = guard.cohort.lock().is_ok_and(|c| c.in_flight == 0);
            if idle && staged.get(key).is_some_and(|g| Arc::ptr_eq(g, &guard)) {
                staged.remove(key);
            }
        }
    }

    /// `get` from a thread that is not an async task (the backup command's copy).
    pub fn get_blocking(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        match &self.backend {
            Backend::Dir(dir) => {
                check_key(key)?;
                dir_get(dir, key, None)
            }
            Backend::S3 { .. } => self.block_on(self.get(key)),
        }
    }

    fn block_on<T>(&self, f: impl std::future::Future<Output = Result<T, BlobError>>) -> Result<T, BlobError> {
        match &self.runtime {
            Some(rt) => rt.block_on(f),
            None => Err(BlobError("no async runtime to drive the object store".into())),
        }
    }

    /// The bytes of blob `key`, or None when there is no such blob.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        check_key(key)?;
        self.get_as(key, None).await
    }

    /// The bytes of a variant of blob `key`, or None when it was not made yet.
    pub async fn get_variant(&self, key: &str, variant: Variant) -> Result<Option<Bytes>, BlobError> {
        check_key(key)?;
        self.get_as(key, Some(variant)).await
    }

    async fn get_as(&self, key: &str, variant: Option<Variant>) -> Result<Option<Bytes>, BlobError> {
        match &self.backend {
            Backend::Dir(dir) => {
                let (dir, key) = (dir.clone(), key.to_string());
                tokio::task::spawn_blocking(move || dir_get(&dir, &key, variant)).await.map_err(|e| BlobError(e.to_string()))?
            }
            Backend::S3 { store, prefix, .. } => {
                let path = Self::object(prefix, key, variant);
                match store.get(&path).await {
                    Ok(r) => r.bytes().await.map(Some).map_err(|e| BlobError(format!("cannot read {path}: {e}"))),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(BlobError(format!("cannot read {path}: {e}"))),
                }
            }
        }
    }

    /// Whether blob `key` is stored.
    pub async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        Ok(self.size(key).await?.is_some())
    }

    /// The size in bytes of blob `key`, or None when there is no such blob.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, BlobError> {
        check_key(key)?;
        match &self.backend {
            Backend::Dir(dir) => match tokio::fs::metadata(dir.join(relative(key, None))).await {
                Ok(m) => Ok(Some(m.len())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(BlobError(format!("cannot read blob {key}: {e}"))),
            },
            Backend::S3 { store, prefix, .. } => {
                let path = Self::object(prefix, key, None);
                match store.head(&path).await {
                    Ok(m) => Ok(Some(m.size)),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(BlobError(format!("cannot check {path}: {e}"))),
                }
            }
        }
    }

    /// Every blob's key (variants left out), for the backup.
    pub async fn keys(&self) -> Result<Vec<String>, BlobError> {
        match &self.backend {
            Backend::Dir(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || {
                    let mut out = vec![];
                    for a in read_dir(&dir)? {
                        for b in read_dir(&a)? {
                            for f in read_dir(&b)? {
                                if let Some(name) = f.file_name().and_then(|n| n.to_str()).filter(|n| is_key(n)) {
                                    out.push(name.to_string());
                                }
                            }
                        }
                    }
                    out.sort();
                    Ok(out)
                })
                .await
                .map_err(|e| BlobError(e.to_string()))?
            }
            Backend::S3 { store, prefix, .. } => {
                use futures_util::StreamExt;
                let root = (!prefix.is_empty()).then(|| ObjectPath::from(prefix.as_str()));
                let mut list = store.list(root.as_ref());
                let mut out = vec![];
                while let Some(meta) = list.next().await {
                    let meta = meta.map_err(|e| BlobError(format!("cannot list the bucket: {e}")))?;
                    if let Some(name) = meta.location.filename().filter(|n| is_key(n)) {
                        out.push(name.to_string());
                    }
                }
                out.sort();
                Ok(out)
            }
        }
    }
}

fn check_key(key: &str) -> Result<(), BlobError> {
    if is_key(key) { Ok(()) } else { Err(BlobError(format!("{key:?} is not a SHA-256 key"))) }
}

/// The subfolders of a fan-out level (two hex digits each); files elsewhere are not blobs.
fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, BlobError> {
    let entries = std::fs::read_dir(dir).map_err(|e| BlobError(format!("cannot list {}: {e}", dir.display())))?;
    let mut out = vec![];
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let is_fanout = name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if (is_fanout && e.path().is_dir()) || (is_key(&name) && e.path().is_file()) {
            out.push(e.path());
        }
    }
    Ok(out)
}

fn dir_get(dir: &Path, key: &str, variant: Option<Variant>) -> Result<Option<Bytes>, BlobError> {
    match std::fs::read(dir.join(relative(key, variant))) {
        Ok(b) => Ok(Some(Bytes::from(b))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BlobError(format!("cannot read blob {key}: {e}"))),
    }
}

/// Writes a blob atomically: a temporary file in the store's `tmp/`, synced, then renamed into
/// its fanned-out place and the folder synced, so the blob is durable before the database
/// commit that names it. An existing blob is left as it is (same key, same bytes): answers
/// whether this call made it.
fn dir_put(dir: &Path, key: &str, variant: Option<Variant>, bytes: &[u8]) -> Result<bool, BlobError> {
    use std::io::Write;
    let target = dir.join(relative(key, variant));
    if target.exists() {
        return Ok(false);
    }
    let parent = target.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(|e| BlobError(format!("cannot create {}: {e}", parent.display())))?;
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| BlobError(format!("no randomness for a temporary name: {e}")))?;
    let tmp_dir = dir.join("tmp");
    std::fs::create_dir_all(&tmp_dir).map_err(|e| BlobError(format!("cannot create {}: {e}", tmp_dir.display())))?;
    let tmp = tmp_dir.join(format!("{key}.{}", hex::encode(nonce)));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)?;
        std::fs::File::open(parent)?.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(BlobError(format!("cannot store blob {key}: {e}")));
    }
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Serving: `/foto/{sha256}` and `/foto/{sha256}/kecil`

/// What a file is, from its first bytes (never its name): the photo kinds the store serves.
pub fn content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Who may see a blob at `/foto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    /// Not by this asker (or not known to this rule): 404, as if there were no such photo.
    No,
    /// By this signed-in asker only: served with private caching.
    Privately,
    /// By anyone: served with public, immutable caching.
    Publicly,
}

/// One module's answer to "may `user` see blob `sha256`?" (`None`: nobody signed in).
pub type PhotoRule = fn(&mut super::db::Conn, &str, Option<&super::identity::User>) -> Result<Seen, super::db::DbError>;

/// The rules of the modules that keep photos, registered at start-up; the widest answer wins.
/// Report evidence registers none: it is served only by the reports API under its own rules.
#[derive(Default)]
pub struct PhotoRules(pub Vec<PhotoRule>);

/// The long side of a thumbnail, in pixels: sharp on a phone's TPS page at a few KB.
pub const THUMB_PX: u32 = 320;

/// A small JPEG of a JPEG or PNG photo (None for other kinds); decoding is bounded by the
/// image crate's limits, so a hostile file cannot take the memory.
pub fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let format = match content_type(bytes)? {
        "image/jpeg" => image::ImageFormat::Jpeg,
        "image/png" => image::ImageFormat::Png,
        _ => return None,
    };
    let img = image::load_from_memory_with_format(bytes, format).ok()?;
    let small = img.thumbnail(THUMB_PX, THUMB_PX).to_rgb8();
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70);
    small.write_with_encoder(encoder).ok()?;
    Some(out)
}

async fn visibility(state: &super::state::AppState, key: &str, user: Option<&super::auth::CurrentUser>) -> Result<Seen, super::error::AppError> {
    let rules: Vec<PhotoRule> = state.module::<PhotoRules>().0.clone();
    let (key, user) = (key.to_string(), user.map(|u| u.user.clone()));
    Ok(state
        .db
        .read(move |c| {
            let mut best = Seen::No;
            for rule in rules {
                best = best.max(rule(c, &key, user.as_ref())?);
                if best == Seen::Publicly {
                    break;
                }
            }
            Ok::<_, super::db::DbError>(best)
        })
        .await?)
}

fn not_found() -> super::error::AppError {
    super::error::AppError::not_found(crate::tr!("foto tidak ada atau tidak terbuka untuk umum", "no such photo, or it is not public"))
}

fn photo_response(key: &str, seen: Seen, content_type: &'static str, bytes: Bytes) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The address names the content: it never changes, so a phone fetches it once.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if seen == Seen::Publicly { "public, max-age=31536000, immutable" } else { "private, max-age=31536000, immutable" }),
    );
    if let Ok(v) = HeaderValue::from_str(key) {
        h.insert("x-content-sha256", v.clone());
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{key}\"")) {
        h.insert(header::ETAG, v);
    }
    resp
}

/// Whether the asker may see the blob `key` (a malformed key or a hidden blob is "not found"
/// alike, so nothing tells which blobs exist).
async fn admitted(state: &super::state::AppState, key: &str, user: Option<&super::auth::CurrentUser>) -> Result<Seen, super::web::PageError> {
    use super::web::OrPage;
    if !is_key(key) {
        return Err(super::web::PageError::new(not_found(), user));
    }
    let seen = visibility(state, key, user).await.or_page(user)?;
    if seen == Seen::No {
        return Err(super::web::PageError::new(not_found(), user));
    }
    Ok(seen)
}

/// `GET /foto/{sha256}`: the photo's bytes, with `X-Content-SHA256` (anyone can hash what
/// they got and compare). Only what a registered rule lets the asker see.
pub async fn photo(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    user: Option<super::auth::CurrentUser>,
    super::http::Path(key): super::http::Path<String>,
) -> Result<axum::response::Response, super::web::PageError> {
    use super::web::OrPage;
    let seen = admitted(&state, &key, user.as_ref()).await?;
    let bytes = state.blobs.get(&key).await.or_page(user.as_ref())?.ok_or_else(not_found).or_page(user.as_ref())?;
    let ctype = content_type(&bytes).unwrap_or("application/octet-stream");
    Ok(photo_response(&key, seen, ctype, bytes))
}

/// `GET /foto/{sha256}/kecil`: a JPEG at most 320 px on its long side, made on first request
/// and kept beside the photo in the store.
pub async fn photo_small(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    user: Option<super::auth::CurrentUser>,
    super::http::Path(key): super::http::Path<String>,
) -> Result<axum::response::Response, super::web::PageError> {
    use super::web::OrPage;
    let seen = admitted(&state, &key, user.as_ref()).await?;
    if let Some(small) = state.blobs.get_variant(&key, Variant::Kecil).await.or_page(user.as_ref())? {
        return Ok(photo_response(&key, seen, "image/jpeg", small));
    }
    let bytes = state.blobs.get(&key).await.or_page(user.as_ref())?.ok_or_else(not_found).or_page(user.as_ref())?;
    let small = tokio::task::spawn_blocking(move || thumbnail(&bytes)).await.map_err(|e| super::error::AppError::Internal(e.to_string())).or_page(user.as_ref())?;
    let Some(small) = small else {
        return Err(super::web::PageError::new(
            super::error::AppError::not_found(crate::tr!("berkas ini bukan foto JPEG atau PNG, jadi tidak ada versi kecilnya", "this file is not a JPEG or PNG photo, so it has no small version")),
            user.as_ref(),
        ));
    };
    let small = Bytes::from(small);
    // Kept for the next asker; a failure to keep it only costs the next one the same work.
    if let Err(e) = state.blobs.put_variant(&key, Variant::Kecil, small.clone()).await {
        tracing::warn!("thumbnail of {key} not kept: {e}");
    }
    Ok(photo_response(&key, seen, "image/jpeg", small))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> PathBuf {
        let mut n = [0u8; 8];
        getrandom::fill(&mut n).expect("random");
        std::env::temp_dir().join(format!("sinergi_blob_{}", hex::encode(n)))
    }

    #[tokio::test]
    async fn the_directory_store_keeps_bytes_by_their_hash_once() {
        let dir = temp();
        let s = BlobStore::dir(&dir).expect("store");
        let key = s.put(Bytes::from_static(b"foto C.Hasil")).await.expect("put");
        assert_eq!(key, key_of(b"foto C.Hasil"));
        assert_eq!(s.put(Bytes::from_static(b"foto C.Hasil")).await.expect("again"), key);
        assert_eq!(s.get(&key).await.expect("get").as_deref(), Some(&b"foto C.Hasil"[..]));
        assert_eq!(s.size(&key).await.expect("size"), Some(12));
        assert!(s.exists(&key).await.expect("exists"));
        assert!(dir.join(&key[0..2]).join(&key[2..4]).join(&key).is_file(), "fanned out by the key's first digits");
        let other = key_of(b"lain");
        assert_eq!(s.get(&other).await.expect("get"), None);
        assert!(!s.exists(&other).await.expect("exists"));
        assert_eq!(s.keys().await.expect("keys"), vec![key.clone()]);
        assert!(std::fs::read_dir(dir.join("tmp")).expect("tmp").next().is_none(), "no temporary file left behind");
        s.put_variant(&key, Variant::Kecil, Bytes::from_static(b"kecil")).await.expect("variant");
        assert_eq!(s.get_variant(&key, Variant::Kecil).await.expect("variant").as_deref(), Some(&b"kecil"[..]));
        assert_eq!(s.keys().await.expect("keys"), vec![key], "variants are not blobs of their own");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn held(dir: &Path, bytes: &[u8]) -> bool {
        dir.join(relative(&key_of(bytes), None)).is_file()
    }

    fn refused() -> Result<(), BlobError> {
        Err(BlobError("refused".into()))
    }

    #[tokio::test]
    async fn a_write_keeps_its_blobs_only_when_accepted() {
        let dir = temp();
        let s = Arc::new(BlobStore::dir(&dir).expect("store"));
        let accepted = Bytes::from_static(b"diterima");
        s.keep_for(vec![accepted.clone()], async { Ok::<_, BlobError>(()) }).await.expect("accepted");
        assert!(held(&dir, &accepted));
        let lost = Bytes::from_static(b"ditolak");
        assert!(s.keep_for(vec![lost.clone()], async { refused() }).await.is_err());
        assert!(!held(&dir, &lost), "a refused write leaves nothing");
        assert!(s.keep_for(vec![accepted.clone()], async { refused() }).await.is_err());
        assert!(held(&dir, &accepted), "a blob that was there before stays when a refused write stored it again");
        // A blob that cannot be stored refuses the write before it runs.
        std::fs::write(dir.join(&key_of(b"gagal")[0..2]), b"a file where a folder must be").expect("block");
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let r = ran.clone();
        let out = s.keep_for(vec![Bytes::from_static(b"gagal"), Bytes::from_static(b"lain")], async move {
                r.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, BlobError>(())
            }).await;
        assert!(out.is_err() && !ran.load(std::sync::atomic::Ordering::SeqCst), "the write did not run");
        assert!(!held(&dir, b"lain"), "its other blob was removed again");
        assert!(s.staged.lock().expect("guard").is_empty(), "no key stays counted");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_refused_write_never_removes_what_an_overlapping_accepted_one_needs() {
        let dir = temp();
        let s = BlobStore::dir(&dir).expect("store");
        let photo = Bytes::from_static(b"foto yang sama");
        // A (to be refused) makes the blob; B finds it there, is accepted and settles first.
        let (key, a) = s.stage(photo.clone()).await.expect("a");
        let (_, b) = s.stage(photo.clone()).await.expect("b");
        s.settle(&key, b, true).await;
        s.settle(&key, a, false).await;
        assert!(held(&dir, &photo), "B's committed row names it");
        std::fs::remove_file(dir.join(relative(&key, None))).expect("start again");
        // Both refused, in either order: the last one removes it.
        let (_, a) = s.stage(photo.clone()).await.expect("a");
        let (_, b) = s.stage(photo.clone()).await.expect("b");
        s.settle(&key, a, false).await;
        assert!(held(&dir, &photo), "B is still in flight");
        s.settle(&key, b, false).await;
        assert!(!held(&dir, &photo), "nobody accepted: removed");
        // A refused, then B accepted while A was still in flight.
        let (_, a) = s.stage(photo.clone()).await.expect("a");
        let (_, b) = s.stage(photo.clone()).await.expect("b");
        s.settle(&key, a, false).await;
        s.settle(&key, b, true).await;
        assert!(held(&dir, &photo));
        assert!(s.staged.lock().expect("guard").is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn keys_that_are_not_hashes_never_reach_the_file_system() {
        let s = BlobStore::dir(temp()).expect("store");
        for bad in ["../../etc/passwd", "", "ABCDEF", &"g".repeat(64), &"A".repeat(64)] {
            assert!(s.get(bad).await.is_err(), "{bad:?}");
            assert!(s.size(bad).await.is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_thumbnail_is_a_small_jpeg() {
        let big = image::RgbImage::from_fn(1600, 1200, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut png = std::io::Cursor::new(Vec::new());
        big.write_to(&mut png, image::ImageFormat::Png).expect("png");
        let small = thumbnail(png.get_ref()).expect("thumbnail");
        assert_eq!(content_type(&small), Some("image/jpeg"));
        let back = image::load_from_memory(&small).expect("decode");
        assert_eq!((back.width(), back.height()), (320, 240));
        assert!(thumbnail(b"%PDF-1.4 not a photo").is_none());
        assert!(thumbnail(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).is_none(), "a broken JPEG gives no thumbnail, not a panic");
    }

    #[test]
    fn the_default_directory_sits_beside_the_database() {
        assert_eq!(default_dir("sqlite://data/sinergi.db"), PathBuf::from("data/sinergi-blobs"));
        assert_eq!(default_dir("sqlite:x.db?mode=rwc"), PathBuf::from("x-blobs"));
        assert_eq!(default_dir("postgres://u@h/db"), PathBuf::from("sinergi-blobs"));
    }
}
