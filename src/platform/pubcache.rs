//! Public reads for millions: what a handler declares public (`Cache-Control: public,
//! max-age=N`, see [`public`]) is answered to anonymous readers from memory for those N seconds,
//! with an `ETag`, and `304 Not Modified` to a reader whose `If-None-Match` names it. On election
//! night the public results page is read far more often than it changes: one rendering serves
//! every reader of the next few seconds, and a reader that already has it gets 304 and no body.
//!
//! The layer sits outside compression, so what it keeps is the compressed answer (gzip for
//! those who take it): a hit costs neither a query nor a compression. It is keyed by the path
//! and query, the language the page speaks and whether the reader takes gzip. Only anonymous
//! readers (no session cookie, no Authorization) share it: an official's page shows their
//! name and unread alerts, and their answers are marked `private`.
//!
//! An entry is fresh while its max-age lasts and no commit has touched anything since it was
//! rendered (`Db::changes_seen`, which on PostgreSQL counts the other servers' commits too):
//! a reader who just wrote, or was told of a write, reads it. When an entry has gone stale,
//! one request renders it again while the others are still answered from the stale entry
//! meanwhile, for at most [`STALE_GRACE`] past its max-age (on election night the national
//! page goes stale with every group commit; without this, every request arriving during a
//! rendering would render it too). Readers' own caches keep it for the max-age.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A public answer that changes as results come in: a few seconds.
pub const LIVE: Duration = Duration::from_secs(5);
/// A public answer that changes rarely (the regions and their TPS counts).
pub const SLOW: Duration = Duration::from_secs(300);
/// How long a stale entry is still served while one request renders it again.
const STALE_GRACE: Duration = Duration::from_secs(2);
/// Answers larger than this are passed through, never kept (exports stream; photos are large).
const MAX_BODY: usize = 256 * 1024;
/// Past this many bytes kept the cache is emptied before the next entry is kept.
const MAX_BYTES: usize = 128 * 1024 * 1024;

/// `resp`, declared public and fresh for `fresh`.
pub fn public(fresh: Duration, resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", fresh.as_secs())) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    resp
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    uri: String,
    lang: super::i18n::Lang,
    gzip: bool,
}

struct Entry {
    /// `Db::changes_seen` when it was rendered.
    seen: u64,
    headers: HeaderMap,
    body: bytes::Bytes,
    etag: HeaderValue,
    until: Instant,
    refreshing: AtomicBool,
}

pub struct PublicCache {
    db: super::db::Db,
    /// The entries, and the bytes their bodies hold.
    entries: RwLock<(HashMap<Key, Arc<Entry>>, usize)>,
}

impl PublicCache {
    pub fn new(db: super::db::Db) -> PublicCache {
        PublicCache { db, entries: RwLock::default() }
    }
}

fn anonymous(headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).is_none() && super::auth::cookie_in(headers, super::auth::SESSION_COOKIE).is_none()
}

fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    if !v.split(',').any(|p| p.trim() == "public") {
        return None;
    }
    v.split(',').find_map(|p| p.trim().strip_prefix("max-age=")?.parse().ok()).map(Duration::from_secs)
}

fn not_modified(req: &HeaderMap, etag: &HeaderValue) -> bool {
    req.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == etag.to_str().unwrap_or("")
    })
}

fn answer(e: &Entry, req: &HeaderMap) -> Response {
    if not_modified(req, &e.etag) {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = e.headers.get(&name) {
                resp.headers_mut().insert(name, v.clone());
            }
        }
        return resp;
    }
    let mut resp = Response::new(axum::body::Body::from(e.body.clone()));
    *resp.headers_mut() = e.headers.clone();
    resp
}

/// Middleware: see the module.
pub async fn layer(axum::extract::State(cache): axum::extract::State<Arc<PublicCache>>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    if !anonymous(req.headers()) {
        // An official's answer is theirs: never kept by a shared cache on the way.
        let mut resp = next.run(req).await;
        if max_age(resp.headers()).is_some() {
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        }
        return resp;
    }
    let key = Key {
        uri: req.uri().path_and_query().map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string()),
        lang: super::i18n::Lang::negotiate(req.headers(), req.uri().path().starts_with("/api/")),
        gzip: req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("gzip")),
    };
    // Only the validators are needed once the request has gone to the handler (an empty map
    // does not allocate: most readers send none).
    let mut headers = HeaderMap::new();
    for v in req.headers().get_all(header::IF_NONE_MATCH) {
        headers.append(header::IF_NONE_MATCH, v.clone());
    }
    let now = Instant::now();
    // Read before rendering: a commit landing during the rendering leaves the entry stale.
    let seen = cache.db.changes_seen();
    let kept = cache.entries.read().ok().and_then(|m| m.0.get(&key).cloned());
    if let Some(e) = &kept {
        let fresh = now < e.until && e.seen == seen;
        // Stale: the first request to see it renders it again (the swap), the others meanwhile
        // get it as it was.
        if fresh || (now < e.until + STALE_GRACE && e.refreshing.swap(true, Ordering::AcqRel)) {
            return answer(e, &headers);
        }
    }
    let resp = next.run(req).await;
    // An answer that sets a cookie is someone's own, whatever it declared.
    let Some(fresh) = max_age(resp.headers()).filter(|_| resp.status() == StatusCode::OK && !resp.headers().contains_key(header::SET_COOKIE)) else {
        if let Some(e) = kept {
            e.refreshing.store(false, Ordering::Release);
        }
        return resp;
    };
    let (mut parts, body) = resp.into_parts();
    let body = match read_up_to(body, MAX_BODY).await {
        Ok(b) => b,
        // Too large to keep: passed on as it comes.
        Err(body) => {
            if let Some(e) = kept {
                e.refreshing.store(false, Ordering::Release);
            }
            return Response::from_parts(parts, body);
        }
    };
    let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]))).unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    parts.headers.insert(header::ETAG, etag.clone());
    parts.headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding, Accept-Language, Cookie"));
    let entry = Arc::new(Entry { seen, headers: parts.headers.clone(), body: body.clone(), etag, until: Instant::now() + fresh, refreshing: AtomicBool::new(false) });
    if let Ok(mut m) = cache.entries.write() {
        if m.1 + body.len() > MAX_BYTES {
            *m = (HashMap::new(), 0);
        }
        m.1 += body.len();
        if let Some(old) = m.0.insert(key, entry.clone()) {
            m.1 -= old.body.len();
        }
    }
    answer(&entry, &headers)
}

/// The whole body when it holds at most `max` bytes; otherwise a body that gives what was read
/// and then the rest, as the reader would have had it.
async fn read_up_to(body: axum::body::Body, max: usize) -> Result<bytes::Bytes, axum::body::Body> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut read: Vec<bytes::Bytes> = vec![];
    let mut len = 0;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                len += c.len();
                read.push(c);
                if len > max {
                    let head = futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
                    return Err(axum::body::Body::from_stream(head.chain(stream)));
                }
            }
            Err(e) => {
                let head = futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
                return Err(axum::body::Body::from_stream(head.chain(futures_util::stream::once(async move { Err(e) }))));
            }
        }
    }
    Ok(read.concat().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_answers_have_a_max_age_and_etags_match_as_sent() {
        let mut h = HeaderMap::new();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=5"));
        assert_eq!(max_age(&h), Some(Duration::from_secs(5)));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        assert_eq!(max_age(&h), None);
        let etag = HeaderValue::from_static("\"abc\"");
        let mut r = HeaderMap::new();
        r.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\", W/\"abc\""));
        assert!(not_modified(&r, &etag));
        r.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abd\""));
        assert!(!not_modified(&r, &etag));
    }
}
