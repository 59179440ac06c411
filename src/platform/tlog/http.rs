//! The log's public read API, with no login: the latest signed checkpoint, the tiles (C2SP
//! tlog-tiles under `/log/`), and consistency proofs between two tree sizes. The results module
//! serves the inclusion proof of a TPS's entries.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Tile, checkpoint};
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::http::{Path, Query};
use crate::platform::state::AppState;
use crate::tr;

/// Full tiles never change: any cache may keep them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A checkpoint or a partial tile is superseded within seconds.
const SHORT: &str = "public, max-age=1";

fn no_checkpoint() -> AppError {
    AppError::not_found(tr!(
        "log belum memiliki checkpoint bertanda tangan; coba lagi sebentar lagi",
        "the log has no signed checkpoint yet; try again in a moment"
    ))
}

/// The latest signed checkpoint: a C2SP signed note (origin, tree size, base64 root hash, the
/// audit chain's head as the extension line `audit <entries> <hex hash>`, then the Ed25519
/// signature line), as text. Keep it: `sinergi audit verify --checkpoint` holds the audit trail
/// to it later.
#[utoipa::path(get, path = "/log/checkpoint", tag = "log",
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = ErrorBody)))]
pub async fn get_checkpoint(State(state): State<AppState>) -> Result<Response, AppError> {
    let (_, note) = state.db.read(checkpoint::latest).await?.ok_or_else(no_checkpoint)?;
    let mut resp = note.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(SHORT));
    Ok(resp)
}

/// The log's public key: the signed-note verifier key (`<origin>+<key hash>+<base64(0x01 ‖
/// Ed25519 key)>`) that checks every checkpoint's signature, as `sinergi log key` prints it.
/// An observer compares it with the key the election body announces before trusting it.
#[utoipa::path(get, path = "/log/key", tag = "log", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn get_key(State(state): State<AppState>) -> Response {
    let key = format!("{}\n", state.module::<checkpoint::PublicKey>().verifier);
    let mut resp = key.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    // A key does not change while the log lives, but an operator may still be setting one up.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    resp
}

/// A tile of the log in the C2SP tlog-tiles layout: `tile/<L>/<N>[.p/<W>]` (256 hashes of
/// 32 bytes of tree level 8·L, or the first W of them) or `tile/entries/<N>[.p/<W>]` (an entry
/// bundle: each leaf after its big-endian 2-byte length). N is written in 3-digit groups, all
/// but the last prefixed with `x` (1234067 → `x001/x234/067`). Full tiles are immutable.
#[utoipa::path(get, path = "/log/tile/{tile}", tag = "log",
    params(("tile" = String, Path, description = "The tile path after tile/, e.g. 0/x001/234.p/7 or entries/005")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn get_tile(State(state): State<AppState>, Path(rest): Path<String>) -> Result<Response, AppError> {
    let tile = Tile::parse(&rest).ok_or_else(|| {
        AppError::not_found(tr!(
            "petak log tile/{rest} tidak ada: alamatnya tile/<L>/<N>[.p/<W>] atau tile/entries/<N>[.p/<W>]",
            "no log tile tile/{rest}: its address is tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]"
        ))
    })?;
    let bytes = state
        .db
        .read(move |c| {
            let size = super::size(c)?;
            tile.read(c, size)
        })
        .await?
        .ok_or_else(|| {
            let path = tile.path();
            AppError::not_found(tr!("petak {path} belum ada di log", "the log has no {path} yet"))
        })?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(if tile.is_full() { IMMUTABLE } else { SHORT }));
    Ok(resp)
}

#[derive(Deserialize, IntoParams)]
pub struct ConsistencyQuery {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size, at most the latest signed checkpoint's.
    pub to: u64,
}

/// A consistency proof between two tree sizes (RFC 9162 §2.1.4).
#[derive(Serialize, ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// The root of the tree of `from` leaves, base64.
    pub from_root: String,
    /// The root of the tree of `to` leaves, base64.
    pub to_root: String,
    /// The proof's hashes, base64, in RFC 9162 order.
    pub proof: Vec<String>,
}

/// Proves that the tree of `to` leaves extends the tree of `from` leaves, for sizes up to the
/// latest signed checkpoint's.
#[utoipa::path(get, path = "/log/consistency", tag = "log", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_consistency(State(state): State<AppState>, Query(q): Query<ConsistencyQuery>) -> Result<Json<ConsistencyProof>, AppError> {
    let (from, to) = (q.from, q.to);
    if from > to {
        return Err(AppError::invalid("from", tr!("from ({from}) tidak boleh melebihi to ({to})", "from ({from}) must not exceed to ({to})")));
    }
    let proof = state
        .db
        .read(move |c| -> Result<ConsistencyProof, AppError> {
            let (head, _) = checkpoint::latest(c)?.ok_or_else(no_checkpoint)?;
            let signed = head.size;
            if to > signed {
                return Err(AppError::invalid("to", tr!("to ({to}) melebihi ukuran checkpoint terakhir ({signed})", "to ({to}) exceeds the latest checkpoint's size ({signed})")));
            }
            let proof = super::consistency(c, from, to)?;
            Ok(ConsistencyProof {
                from,
                to,
                from_root: STANDARD.encode(super::root(c, from)?.0),
                to_root: STANDARD.encode(super::root(c, to)?.0),
                proof: proof.iter().map(|h| STANDARD.encode(h.0)).collect(),
            })
        })
        .await?;
    Ok(Json(proof))
}
