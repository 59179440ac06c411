//! The application's error type and its one conversion into the documented JSON error
//! `{"error": {"code", "message", "field"}}` at the HTTP edge.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::db::DbError;
use super::i18n::Text;
use crate::tr;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Invalid { field: String, message: Text },
    #[error("{0}")]
    BadRequest(Text),
    #[error("{}", tr!("perlu masuk (login) dahulu", "login required"))]
    Unauthorized,
    /// A login refused: the same words whether the name or the password was wrong (or the
    /// account is disabled), so the answer does not tell which accounts exist.
    #[error("{}", tr!("nama pengguna atau kata sandi salah", "wrong username or password"))]
    LoginFailed,
    #[error("{0}")]
    Forbidden(Text),
    #[error("{0}")]
    NotFound(Text),
    #[error("{0}")]
    Conflict(Text),
    /// Refused for now: `retry_after` seconds is sent as the `Retry-After` header, so clients
    /// (and the field app's outbox) know when to try again instead of hammering.
    #[error("{message}")]
    TooManyRequests { message: Text, retry_after: u64 },
    #[error("{0}")]
    TooLarge(Text),
    /// Input that breaks rules of the domain, each listed (e.g. every failed identity of a
    /// result form): 422 with `details`.
    #[error("{message}")]
    Rejected { message: Text, details: serde_json::Value },
    /// Shown to users as "internal error" only: the cause (SQL, paths, the engine's words) goes
    /// to the log through [`AppError::log_detail`], never into a page or an answer.
    #[error("{}", internal_message())]
    Db(DbError),
    #[error("{}", internal_message())]
    Internal(String),
}

fn internal_message() -> Text {
    tr!("kesalahan internal; kejadian ini sudah dicatat", "internal error; the incident was logged")
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        // A text PostgreSQL cannot store (a NUL byte, which SQLite would keep) that reached a
        // query without passing a text check: the request is at fault, not the server.
        if let DbError::Postgres(pg) = &e
            && pg.code() == Some(&postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE)
        {
            tracing::warn!("refused text: {e}");
            return AppError::bad_request(tr!(
                "permintaan berisi karakter NUL atau karakter kendali yang tidak dapat disimpan",
                "the request contains a NUL byte or control character that cannot be stored"
            ));
        }
        AppError::Db(e)
    }
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<Text>) -> Self {
        AppError::Invalid { field: field.into(), message: message.into() }
    }
    pub fn not_found(what: impl Into<Text>) -> Self {
        AppError::NotFound(what.into())
    }
    pub fn forbidden(why: impl Into<Text>) -> Self {
        AppError::Forbidden(why.into())
    }
    pub fn bad_request(why: impl Into<Text>) -> Self {
        AppError::BadRequest(why.into())
    }
    pub fn conflict(why: impl Into<Text>) -> Self {
        AppError::Conflict(why.into())
    }
    pub fn too_many(why: impl Into<Text>, retry_after: std::time::Duration) -> Self {
        AppError::TooManyRequests { message: why.into(), retry_after: retry_after.as_secs().max(1) }
    }

    /// Seconds to wait before trying again, for a 429.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
    pub fn too_large(why: impl Into<Text>) -> Self {
        AppError::TooLarge(why.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } | AppError::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized | AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "validation_failed",
            AppError::Rejected { .. } => "rejected",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized | AppError::LoginFailed => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::Db(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The whole story for the log or the operator's terminal, internals included.
    pub fn log_detail(&self) -> String {
        match self {
            AppError::Db(e) => format!("database: {e}"),
            AppError::Internal(m) => m.clone(),
            other => other.to_string(),
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: validation_failed, bad_request, unauthorized, forbidden,
    /// not_found, conflict, too_many_requests, internal.
    pub code: String,
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every rule the input broke, when there are several (`rejected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("internal error: {}", self.log_detail());
        }
        let message = self.to_string();
        let details = match &self {
            AppError::Rejected { details, .. } => Some(details.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail { code: self.code().to_string(), message, field: self.field().map(str::to_string), details },
        };
        let mut resp = (status, axum::Json(body)).into_response();
        with_retry_after(&mut resp, &self);
        resp
    }
}

/// Adds `Retry-After` to a response refused with 429 (the JSON answer and the page alike).
pub fn with_retry_after(resp: &mut Response, err: &AppError) {
    if let Some(secs) = err.retry_after() {
        resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::i18n::{Lang, with_lang};

    fn message(e: fn() -> AppError, lang: Lang) -> (String, String) {
        with_lang(lang, || {
            let resp = e().into_response();
            let body = futures_body(resp);
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            (v["error"]["code"].as_str().unwrap_or("").to_string(), v["error"]["message"].as_str().unwrap_or("").to_string())
        })
    }

    fn futures_body(resp: Response) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread().build();
        match rt {
            Ok(rt) => rt.block_on(axum::body::to_bytes(resp.into_body(), 1 << 20)).map(|b| b.to_vec()).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// Every error code answers in the language asked for, and the two differ: a code whose
    /// message exists in one language only fails here.
    #[test]
    fn every_error_code_has_both_languages() {
        let errors: [fn() -> AppError; 12] = [
            || AppError::invalid("dpt", tr!("dpt wajib diisi", "dpt is required")),
            || AppError::Rejected { message: tr!("formulir tidak cocok", "the form does not add up"), details: serde_json::json!({}) },
            || AppError::bad_request(tr!("isi permintaan bukan JSON", "the body is not JSON")),
            || AppError::Unauthorized,
            || AppError::LoginFailed,
            || AppError::forbidden(tr!("tidak boleh", "not allowed")),
            || AppError::not_found(tr!("tidak ada", "not found")),
            || AppError::conflict(tr!("sudah ditandatangani", "already signed")),
            || AppError::too_many(tr!("terlalu banyak", "too many"), std::time::Duration::from_secs(60)),
            || AppError::too_large(tr!("terlalu besar", "too large")),
            || AppError::Internal("disk full".into()),
            || AppError::Db(DbError::Other("connection refused".into())),
        ];
        let mut codes = std::collections::BTreeSet::new();
        for e in errors {
            let (code, id) = message(e, Lang::Id);
            let (code_en, en) = message(e, Lang::En);
            assert_eq!(code, code_en);
            assert!(!id.is_empty() && !en.is_empty() && id != en, "{code}: {id:?} / {en:?}");
            assert!(!id.contains("disk") && !id.contains("connection"), "a 500 shows no internals: {id}");
            codes.insert(code);
        }
        assert_eq!(codes.len(), 10, "every code: {codes:?}");
    }
}
