//! HTTP plumbing shared by every module: JSON bodies with field-precise errors, idempotent
//! writes, and list pagination.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::db::{Conn, Db};
use super::error::AppError;

/// Parses a JSON body: malformed JSON is 400, a wrong or missing field is 422 naming it.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => refused_field(path, &inner.to_string(), "body"),
                _ => malformed(&inner),
            });
        }
    };
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(e: &serde_json::Error) -> AppError {
    let (line, column) = (e.line(), e.column());
    AppError::bad_request(crate::tr!(
        "isi permintaan bukan JSON yang sah (baris {line}, kolom {column})",
        "the request body is not valid JSON (line {line}, column {column}): {e}"
    ))
}

/// serde's English reason for a refused field, said in both languages.
fn field_message(field: &str, serde_msg: &str) -> crate::platform::i18n::Text {
    use crate::tr;
    let m = serde_msg.split(" at line ").next().unwrap_or(serde_msg);
    if m.starts_with("missing field") {
        return tr!("{field} wajib diisi", "{field} is required");
    }
    if m.starts_with("unknown field") {
        return tr!("isian {field} tidak dikenal", "{field} is not a known field");
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        let choices = rest.split_once("expected ").map_or("", |(_, c)| c).replace("one of ", "").replace('`', "");
        return tr!("nilai {field} tidak dikenal; pilihan: {choices}", "{field} has an unknown value; choose from: {choices}");
    }
    if m.starts_with("invalid value") || m.contains("out of range") {
        return tr!("nilai {field} di luar batas yang diterima", "{field} is outside the accepted range ({m})");
    }
    if let Some((_, expected)) = m.strip_prefix("invalid type").and_then(|r| r.split_once("expected ")) {
        let (id, en) = if expected.contains("string") || expected.contains("char") {
            ("teks", "text")
        } else if expected.contains("bool") {
            ("true atau false", "true or false")
        } else if expected.contains("i64") || expected.contains("u64") || expected.contains("i32") || expected.contains("u32") || expected.contains("integer") || expected.contains("u8") || expected.contains("u16") || expected.contains("i16") {
            ("bilangan bulat", "a whole number")
        } else if expected.contains("f64") || expected.contains("f32") || expected.contains("float") {
            ("angka", "a number")
        } else if expected.contains("sequence") || expected.contains("tuple") {
            ("daftar", "a list")
        } else {
            ("objek", "an object")
        };
        return tr!("{field} harus berupa {id}", "{field} must be {en}");
    }
    tr!("isian {field} tidak sesuai", "{field} is not acceptable: {m}")
}

/// A field refused while deserialising a request (JSON body, query string or form), as the
/// one 422 naming it: `path` is serde_path_to_error's ("." at the top), `msg` serde's reason.
fn refused_field(path: String, msg: &str, fallback: &str) -> AppError {
    // serde names a missing field in the message, not in the path.
    let field = if path == "." || path.is_empty() { msg.split('`').nth(1).unwrap_or(fallback).to_string() } else { path };
    match (super::text::Problem::decode(msg), super::text::decode_refusal(msg)) {
        (Some(problem), _) => problem.into_error(&field),
        (None, Some(message)) => AppError::invalid(field, message),
        (None, None) => {
            let message = field_message(&field, msg);
            AppError::invalid(field, message)
        }
    }
}

/// The answer to a query, path or form that cannot be read: the API's JSON error, or a page's
/// error page, both in the request's language and naming the parameter at fault.
pub struct Rejected(Response);

impl IntoResponse for Rejected {
    fn into_response(self) -> Response {
        self.0
    }
}

fn rejected(parts_path: &str, err: AppError) -> Rejected {
    if parts_path.starts_with("/api/") {
        Rejected(err.into_response())
    } else {
        Rejected(super::web::PageError::from(err).into_response())
    }
}

/// A query string read into `T`; what cannot be read is refused as [`AppError::invalid`]
/// naming the parameter (422), never axum's English plain text. Every handler uses this one
/// rather than `axum::extract::Query`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// Reads `T` from `application/x-www-form-urlencoded` pairs, naming the field that failed.
fn from_urlencoded<T: DeserializeOwned>(input: &[u8], fallback: &str) -> Result<T, AppError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(input));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        refused_field(path, &msg, fallback)
    })
}

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Query<T> {
    type Rejection = Rejected;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Rejected> {
        let query = parts.uri.query().unwrap_or_default();
        from_urlencoded(query.as_bytes(), "query").map(Query).map_err(|e| rejected(parts.uri.path(), e))
    }
}

/// Path parameters read into `T` (a value, a tuple or a struct); a parameter that does not
/// parse is refused as [`AppError::invalid`] naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for Path<T> {
    type Rejection = Rejected;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Rejected> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(rejection) => {
                // The parameters' names, in route order, for errors that give only an index.
                let names: Vec<String> = axum::extract::RawPathParams::from_request_parts(parts, state)
                    .await
                    .map(|raw| raw.iter().map(|(k, _)| k.to_string()).collect())
                    .unwrap_or_default();
                let err = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => {
                        let (key, value) = match e.kind() {
                            ErrorKind::ParseErrorAtKey { key, value, .. } | ErrorKind::DeserializeError { key, value, .. } => (key.clone(), value.clone()),
                            ErrorKind::ParseErrorAtIndex { index, value, .. } => (names.get(index.to_owned()).cloned().unwrap_or_else(|| "path".into()), value.clone()),
                            ErrorKind::ParseError { value, .. } => (names.first().cloned().unwrap_or_else(|| "path".into()), value.clone()),
                            ErrorKind::InvalidUtf8InPathParam { key } => (key.clone(), String::new()),
                            _ => return Err(rejected(parts.uri.path(), AppError::Internal(format!("path parameters: {rejection}")))),
                        };
                        let shown: String = value.chars().take(40).collect();
                        AppError::invalid(key.clone(), crate::tr!("{key} \"{shown}\" pada alamat tidak dikenali", "{key} \"{shown}\" in the address is not recognised"))
                    }
                    other => AppError::Internal(format!("path parameters: {other}")),
                };
                Err(rejected(parts.uri.path(), err))
            }
        }
    }
}

/// A page form read into `T`; a field that does not parse is refused naming it. Forms that
/// are shown again when refused read a [`super::form::FormBody`] instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Form<T> {
    type Rejection = Rejected;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Rejected> {
        let path = req.uri().path().to_string();
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| rejected(&path, AppError::bad_request(crate::tr!("isi formulir tidak dapat dibaca (terputus atau lebih dari 2 MB)", "cannot read the form (cut short or over 2 MB)"))))?;
        from_urlencoded(&body, "form").map(Form).map_err(|e| rejected(&path, e))
    }
}

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// A write as the idempotency store sees it: who sent it, under which key, and a
/// fingerprint of exactly what was sent.
pub struct WriteRequest {
    key: Option<String>,
    principal: String,
    fingerprint: String,
}

impl WriteRequest {
    pub fn new(headers: &HeaderMap, principal: &str, method: &str, path: &str, body: &[u8]) -> Result<Self, AppError> {
        let key = match headers.get(IDEMPOTENCY_HEADER) {
            None => None,
            Some(v) => {
                let k = v.to_str().map_err(|_| AppError::invalid("Idempotency-Key", crate::tr!("Idempotency-Key hanya boleh berisi huruf ASCII yang dapat dicetak", "the Idempotency-Key must be printable ASCII")))?;
                if k.is_empty() || k.len() > 200 {
                    return Err(AppError::invalid("Idempotency-Key", crate::tr!("Idempotency-Key harus 1 sampai 200 karakter", "the Idempotency-Key must have 1 to 200 characters")));
                }
                Some(k.to_string())
            }
        };
        let mut h = Sha256::new();
        for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body] {
            h.update(part);
        }
        Ok(WriteRequest { key, principal: principal.to_string(), fingerprint: hex::encode(h.finalize()) })
    }

    /// Who sent it, its key and its fingerprint, when it came with a key: for a write that keeps
    /// them with what it stored and answers a retry from that (a result entry) instead of
    /// keeping its answer here.
    pub fn keyed(&self) -> Option<(&str, &str, &str)> {
        Some((self.principal.as_str(), self.key.as_deref()?, self.fingerprint.as_str()))
    }
}

/// What every write handler receives: the logged-in user, the raw body, and the idempotency
/// fingerprint taken from the request's own method, path and body.
pub struct Write<const MAX: usize = MAX_BODY> {
    pub user: super::auth::CurrentUser,
    pub body: axum::body::Bytes,
    pub request: WriteRequest,
}

/// Bodies above this are refused before parsing (uploads have their own limits).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// A write whose body may carry a photo (base64, at most 5 MB before encoding).
pub const MAX_BODY_WITH_PHOTO: usize = 8 * 1024 * 1024;

impl<const MAX: usize> axum::extract::FromRequest<super::state::AppState> for Write<MAX> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &super::state::AppState) -> Result<Self, AppError> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let user = super::auth::CurrentUser::from_request_parts(&mut parts, state).await?;
        let mb = MAX / (1024 * 1024);
        let body = axum::body::to_bytes(body, MAX)
            .await
            .map_err(|e| AppError::bad_request(crate::tr!("isi permintaan tidak dapat dibaca (terputus atau lebih dari {mb} MB)", "cannot read the request body: {e}")))?;
        let request = WriteRequest::new(&parts.headers, &user.user.id.to_string(), parts.method.as_str(), parts.uri.path(), &body)?;
        Ok(Write { user, body, request })
    }
}

/// A write whose input was checked, to run inside the writer's transaction: the API's handler
/// and the page's form build the same one ("one write, two doors").
pub type Job<T> = Box<dyn FnOnce(&mut Conn) -> Result<T, AppError> + Send>;

/// Runs a write at most once per idempotency key: the answer is stored in the same
/// transaction as the change, so a retry after a lost response gets the first answer and
/// writes nothing; the same key with another request is refused with 422.
///
/// The handler answers with its typed response; what is stored is the exact bytes sent the
/// first time, and a retry gets those bytes back verbatim (not a re-serialisation that could
/// reorder or retype fields).
pub async fn idempotent_write<T, F>(db: &Db, req: WriteRequest, f: F) -> Result<Response, AppError>
where
    T: serde::Serialize,
    F: FnOnce(&mut Conn) -> Result<(StatusCode, T), AppError> + Send + 'static,
{
    // The answer is serialised on the database's thread, outside the request's scope: carry the
    // request's language there, so that texts in the answer speak it.
    let lang = super::i18n::Lang::current();
    let (status, body, replayed) = db
        .write(move |c| {
            // Several servers on one PostgreSQL: the same key sent to two of them at once would
            // pass both checks below and the later commit would fail on the stored key. Held
            // until this transaction ends, the later one waits, then finds the answer.
            if let Some((principal, key, _)) = req.keyed() {
                c.lock_keys([format!("idempotency/{principal}/{key}")])?;
            }
            match priors(c, &[&req])?.pop() {
                Some(Ok(Prior::Replay { status, body })) => return Ok((status, body, true)),
                Some(Err(refused)) => return Err(refused),
                _ => {}
            }
            let (status, answer) = f(c)?;
            let body = serialise(lang, &answer)?;
            keep_answers(c, &[(&req, status.as_u16(), body.as_str())])?;
            Ok((status.as_u16(), body, false))
        })
        .await?;
    Ok(answer(status, body, replayed))
}

/// What the idempotency store says of a write before it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    /// Never seen (or sent without a key): run it.
    New,
    /// Answered before: send these bytes again and write nothing.
    Replay { status: u16, body: String },
    /// The same key and request as the earlier item `0` of the same batch: it gets that item's
    /// answer when that one succeeds (and runs itself when it failed).
    Earlier(usize),
}

pub fn reused_key() -> AppError {
    AppError::invalid(
        "Idempotency-Key",
        crate::tr!(
            "Idempotency-Key ini sudah dipakai untuk permintaan lain; pakai kunci baru untuk permintaan baru",
            "this Idempotency-Key was already used for a different request"
        ),
    )
}

/// The [`Prior`] of each of `reqs` (a batch of writes, in order), with one query per sender;
/// a key already used for another request is refused (422).
pub fn priors(c: &mut Conn, reqs: &[&WriteRequest]) -> Result<Vec<Result<Prior, AppError>>, super::db::DbError> {
    use std::collections::HashMap;
    let mut by_principal: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in reqs {
        if let Some(k) = &r.key {
            by_principal.entry(r.principal.as_str()).or_default().push(k.as_str());
        }
    }
    let mut stored: HashMap<(String, String), (String, u16, String)> = HashMap::new();
    for (principal, keys) in by_principal {
        let keys: Vec<super::db::Value> = keys.into_iter().map(super::db::Value::from).collect();
        let head = "SELECT key, request_hash, status, body FROM idempotency_keys WHERE principal = $1 AND key IN";
        for r in super::db::query_in(c, head, &[super::db::Value::from(principal)], &keys)? {
            let status: i64 = r.get(2)?;
            stored.insert((principal.to_string(), r.get(0)?), (r.get(1)?, u16::try_from(status).unwrap_or(200), r.get(3)?));
        }
    }
    let mut first_of: HashMap<(&str, &str), usize> = HashMap::new();
    Ok(reqs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let Some(key) = &r.key else { return Ok(Prior::New) };
            if let Some((hash, status, body)) = stored.get(&(r.principal.clone(), key.clone())) {
                return if *hash == r.fingerprint { Ok(Prior::Replay { status: *status, body: body.clone() }) } else { Err(reused_key()) };
            }
            match first_of.get(&(r.principal.as_str(), key.as_str())) {
                Some(&j) if reqs[j].fingerprint == r.fingerprint => Ok(Prior::Earlier(j)),
                Some(_) => Err(reused_key()),
                None => {
                    first_of.insert((r.principal.as_str(), key.as_str()), i);
                    Ok(Prior::New)
                }
            }
        })
        .collect())
}

/// Stores the answers of writes sent with a key (the others are skipped), in the transaction
/// of their change, with multi-row statements.
pub fn keep_answers(c: &mut Conn, answers: &[(&WriteRequest, u16, &str)]) -> Result<(), super::db::DbError> {
    use super::db::Value;
    let now = super::clock::now_rfc3339();
    let rows: Vec<Vec<Value>> = answers
        .iter()
        .filter_map(|(r, status, body)| {
            let key = r.key.as_ref()?;
            Some(vec![
                Value::from(r.principal.as_str()),
                Value::from(key.as_str()),
                Value::from(r.fingerprint.as_str()),
                Value::from(i64::from(*status)),
                Value::from(*body),
                Value::from(now.as_str()),
            ])
        })
        .collect();
    if !rows.is_empty() {
        super::db::insert_rows(c, "INSERT INTO idempotency_keys (principal, key, request_hash, status, body, created_at)", 6, "", rows)?;
    }
    Ok(())
}

/// An answer as stored for its key, in `lang`.
pub fn serialise<T: serde::Serialize>(lang: super::i18n::Lang, answer: &T) -> Result<String, AppError> {
    super::i18n::with_lang(lang, || serde_json::to_string(answer)).map_err(|e| AppError::Internal(format!("answer not serialisable: {e}")))
}

/// The response of an idempotent write: the stored bytes, marked when replayed.
pub fn answer(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut resp = (status, [(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response();
    if replayed {
        resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp
}

/// How the body of an anonymous write is read: its size limit and its parser (JSON or
/// multipart with files for the API, a page form that keeps what was typed). The extractor
/// reads the bytes once, so the idempotency fingerprint is of exactly what was parsed.
pub trait AnonymousBody: Sized + Send {
    /// Bodies above this are refused (413) before parsing.
    const MAX: usize;
    /// The refusal of a body over [`AnonymousBody::MAX`] (what the sender should do instead).
    fn too_large() -> AppError;
    fn parse(parts: axum::http::request::Parts, bytes: axum::body::Bytes, state: &super::state::AppState) -> impl std::future::Future<Output = Result<Self, AppError>> + Send;
}

/// The one door of every write without an account (public reports, their evidence and
/// completion, by API and by page): the per-client limit admits it (429 otherwise) and gives
/// the public's `Permit`, the body is read within its limit and parsed by `B`, and `request`
/// fingerprints it for `Idempotency-Key` under the client's address (`publik:<address>`).
/// A page that must show its form again on a refusal takes `Result<Anonymous<B>, AppError>`.
pub struct Anonymous<B> {
    pub permit: super::auth::Permit,
    pub request: WriteRequest,
    pub body: B,
}

impl<B: AnonymousBody> axum::extract::FromRequest<super::state::AppState> for Anonymous<B> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &super::state::AppState) -> Result<Self, AppError> {
        let (permit, principal) = admit_anonymous(state, req.extensions(), req.headers()).await?;
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, B::MAX).await.map_err(|_| B::too_large())?;
        let request = WriteRequest::new(&parts.headers, &principal, parts.method.as_str(), parts.uri.path(), &bytes)?;
        let body = B::parse(parts, bytes, state).await?;
        Ok(Anonymous { permit, request, body })
    }
}

/// The admission `Anonymous` makes, for the one door that learns only from its body whether the
/// writer is anonymous (a result entry from `publik`): the same per-client limit and public
/// `Permit`, and the principal its `Idempotency-Key` is kept under.
pub async fn admit_anonymous(state: &super::state::AppState, extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> Result<(super::auth::Permit, String), AppError> {
    let client = super::limit::client_ip(extensions, headers);
    Ok((state.intake.admit_shared(&state.db, client).await?, format!("publik:{client}")))
}

/// The `limit` of a paginated list: 1–1000, default 100.
pub fn page_limit(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n),
        Some(n) => Err(AppError::invalid("limit", crate::tr!("limit {n} di luar 1–1000", "limit {n} is outside 1–1000"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        dpt: i64,
    }

    #[test]
    fn json_errors_are_classified() {
        assert!(matches!(parse_json::<Body>(b"{\"name\": "), Err(AppError::BadRequest(_))));
        assert!(matches!(parse_json::<Body>(b"{\"name\": \"a\", \"dpt\": \"x\"}"), Err(AppError::Invalid { field, .. }) if field == "dpt"));
        assert!(matches!(parse_json::<Body>(b"{\"name\": \"a\"}"), Err(AppError::Invalid { field, .. }) if field == "dpt"));
        assert!(parse_json::<Body>(b"{\"name\": \"a\", \"dpt\": 3}").is_ok());
    }
}
