//! Open data for millions (issue 16): the national export of each election (CSV and JSON lines,
//! `GET /api/v1/elections/{id}/results/export` without a region) is made ahead into a gzipped
//! file every `--export-secs` seconds when something was written since, and downloads are served
//! from that file: one export of 820,000 TPS per interval instead of one per reader, and no
//! compression per download. A reader who does not take gzip, or asks for a region, gets the
//! export made for them as before. Each server keeps its own files (in a folder of the system's
//! temporary directory, made at start).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::elections::ElectionDef;
use crate::platform::db::{Db, DbError};

/// One export made ahead.
#[derive(Clone)]
struct Made {
    path: PathBuf,
    etag: String,
    /// RFC 3339, for the reader (`X-Snapshot-At`).
    at: String,
}

pub struct Snapshots {
    dir: PathBuf,
    every: Duration,
    made: Mutex<HashMap<(String, bool), Made>>,
}

impl Snapshots {
    /// The snapshots of this server, remade every `every` (none when it is zero).
    pub fn new(every: Duration) -> Snapshots {
        let dir = std::env::temp_dir().join(format!("sinergi-snapshots-{}", std::process::id()));
        Snapshots { dir, every, made: Mutex::default() }
    }

    fn get(&self, election: &str, json: bool) -> Option<Made> {
        self.made.lock().ok()?.get(&(election.to_string(), json)).cloned()
    }
}

/// Remakes the exports when the database changed since the last ones, every interval.
pub async fn keep(db: Db, snaps: Arc<Snapshots>) {
    if snaps.every.is_zero() {
        return;
    }
    if let Err(e) = std::fs::create_dir_all(&snaps.dir) {
        tracing::warn!("open-data snapshots are off: cannot create {}: {e}", snaps.dir.display());
        return;
    }
    let mut tick = tokio::time::interval(snaps.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut made_at: Option<u64> = None;
    loop {
        tick.tick().await;
        let seen = db.changes_seen();
        if made_at == Some(seen) {
            continue;
        }
        let mut all_made = true;
        for e in crate::elections::ELECTIONS {
            for json in [false, true] {
                if let Err(err) = make(&db, &snaps, e, json).await {
                    all_made = false;
                    tracing::warn!("open-data snapshot of {} failed: {err}", e.id);
                }
            }
        }
        if all_made {
            made_at = Some(seen);
        }
    }
}

async fn make(db: &Db, snaps: &Arc<Snapshots>, e: &'static ElectionDef, json: bool) -> Result<(), DbError> {
    let ext = if json { "jsonl" } else { "csv" };
    let path = snaps.dir.join(format!("hasil-{}.{ext}.gz", e.id));
    let part = path.with_extension("part");
    let at = crate::platform::clock::now_rfc3339();
    let p = part.clone();
    let hash = db
        .read(move |c| {
            let io = |err: std::io::Error| DbError::Other(format!("writing {}: {err}", p.display()));
            let file = std::fs::File::create(&p).map_err(io)?;
            let mut gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::default());
            let mut sha = Sha256::new();
            let mut failed = None;
            super::store::export(c, e, crate::regions::NATIONAL, json, &mut |chunk| {
                sha.update(&chunk);
                match gz.write_all(&chunk) {
                    Ok(()) => true,
                    Err(err) => {
                        failed = Some(err);
                        false
                    }
                }
            })?;
            if let Some(err) = failed {
                return Err(io(err));
            }
            gz.finish().and_then(|mut w| w.flush()).map_err(io)?;
            Ok(hex::encode(&sha.finalize()[..12]))
        })
        .await?;
    std::fs::rename(&part, &path).map_err(|err| DbError::Other(format!("keeping {}: {err}", path.display())))?;
    if let Ok(mut m) = snaps.made.lock() {
        m.insert((e.id.to_string(), json), Made { path, etag: format!("\"{hash}\""), at });
    }
    Ok(())
}

/// The national export of `e` from its snapshot, for a reader who takes gzip; `None` when there
/// is none yet (or the reader does not take gzip): the caller makes it for them.
pub async fn serve(snaps: &Snapshots, e: &'static ElectionDef, json: bool, req: &HeaderMap) -> Option<Response> {
    if !req.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("gzip")) {
        return None;
    }
    let made = snaps.get(e.id, json)?;
    let mut h = HeaderMap::new();
    let (ctype, ext) = if json { ("application/x-ndjson", "jsonl") } else { ("text/csv; charset=utf-8", "csv") };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"hasil-{}.{ext}\"", e.id)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&made.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", snaps.every.as_secs().max(1))) {
        h.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(&made.at) {
        h.insert("x-snapshot-at", v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let matches = req.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| t.trim() == made.etag);
    if matches {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        resp.headers_mut().extend(h);
        return Some(resp);
    }
    // Opened now: a newer snapshot renamed over it meanwhile leaves this reader's file whole.
    let file = std::fs::File::open(&made.path).ok()?;
    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut file = file;
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(bytes::Bytes::from(buf))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let mut rx = rx;
    let mut resp = Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))).into_response();
    resp.headers_mut().extend(h);
    Some(resp)
}
