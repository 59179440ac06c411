//! Cross-site and framing defences, in one middleware for every request (B9).
//!
//! - **Forged form posts.** A state-changing request (anything but GET, HEAD, OPTIONS) that a
//!   browser authenticates with the session cookie must come from one of our own pages: its
//!   `Origin` (or, when a browser sends none, its `Referer`) names this site. A strict origin
//!   check instead of a token: every browser that can run the pages sends `Origin` on a POST,
//!   and no form needs a hidden field. Requests with a bearer token carry no ambient
//!   authority and are not checked; a request that names another site in `Origin` is refused
//!   whatever it carries (so a login cannot be forged either).
//! - **JSON only as JSON.** The API acts on a session cookie only for a JSON body
//!   (`Content-Type: application/json`): a cross-site `text/plain` "simple request" is refused
//!   with 400 before any handler reads it.
//! - **Line breaks in the address.** A `%0D`/`%0A` in the path or query string is refused with
//!   400 before any handler runs, so no parameter can split a header (`Location`) after a write.
//! - **Headers on every response:** `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//!   `Referrer-Policy: same-origin`, and on pages a Content-Security-Policy: scripts only from
//!   this site (the results page's live refresh is `/assets/hasil.js`), no framing
//!   (`frame-ancestors 'none'`), forms post only here. Inline `style` attributes stay allowed:
//!   the result bars are sized by them, and a style cannot run code.
//!
//! The site's own origin is the request's `Host`, or `SINERGI_PUBLIC_URL` (e.g.
//! `https://sinergi.example.go.id`) behind a proxy that rewrites it. Cookies are `Secure`
//! when `SINERGI_SECURE_COOKIE=1` or `SINERGI_PUBLIC_URL` starts with `https://`.


use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use crate::tr;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The public URL of the settings, without a trailing slash.
pub fn public_url() -> Option<&'static str> {
    super::settings::get().public_url.as_deref()
}

/// The address a request came to (`scheme://host`, the scheme from `X-Forwarded-Proto` behind a
/// proxy): printed in QR codes that must open this site again.
pub fn request_origin(headers: &axum::http::HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}")
}

/// Whether cookies carry `Secure` (served over HTTPS).
pub fn secure_cookies() -> bool {
    super::settings::get().secure_cookie || public_url().is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
}

/// A `Set-Cookie` value with the site's attributes (`Path=/`, `SameSite=Lax`, `HttpOnly` for
/// the session, `Secure` over HTTPS); `max_age` 0 deletes it.
pub fn cookie(name: &str, value: &str, max_age: i64, http_only: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure_cookies() {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// A path of this site to go to after a form (`next`), or `fallback`: one leading `/`, not
/// followed by `/` or `\` (another host), and no control character, space or backslash
/// anywhere — browsers drop tabs and line breaks from addresses, so `/\t/evil.example` would
/// become `//evil.example`.
pub fn local_path<'a>(next: Option<&'a str>, fallback: &'a str) -> &'a str {
    next.filter(|n| {
        let b = n.as_bytes();
        b.first() == Some(&b'/')
            && !matches!(b.get(1), Some(b'/') | Some(b'\\'))
            && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    })
    .unwrap_or(fallback)
}

/// True when a target carries a line break (refused with 400 rather than followed).
pub fn has_line_break(s: &str) -> bool {
    s.contains(['\r', '\n'])
}

fn encoded_line_break(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.contains("%0d") || lower.contains("%0a") || has_line_break(s)
}

/// The `host[:port]` of an origin or URL (`https://a.example:8443/x` → `a.example:8443`).
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then_some(host)
}

/// Whether `url` (an Origin or Referer) is this site.
fn same_site(url: &str, headers: &HeaderMap) -> bool {
    let Some(host) = host_of(url) else { return false };
    let own = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    own.is_some_and(|h| h.eq_ignore_ascii_case(host)) || public_url().and_then(host_of).is_some_and(|p| p.eq_ignore_ascii_case(host))
}

fn cookie_authenticated(headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).is_none() && super::auth::cookie_in(headers, super::auth::SESSION_COOKIE).is_some()
}

/// The check itself, apart from the middleware, so it can be tested on bare headers.
pub fn check(method: &Method, path: &str, query: Option<&str>, headers: &HeaderMap) -> Result<(), AppError> {
    if encoded_line_break(path) || query.is_some_and(encoded_line_break) {
        return Err(AppError::bad_request(tr!(
            "Alamat permintaan memuat ganti baris (CR/LF); permintaan ditolak.",
            "The request address contains a line break (CR/LF); the request is refused."
        )));
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let by_cookie = cookie_authenticated(headers);
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let forged = tr!(
        "Permintaan ini tidak berasal dari halaman Sinergi (asal situs berbeda); buka halamannya di Sinergi lalu kirim lagi.",
        "This request did not come from a Sinergi page (another site's origin); open the page in Sinergi and send it again."
    );
    match origin {
        Some(o) if o != "null" && !same_site(o, headers) => return Err(AppError::forbidden(forged)),
        Some("null") if by_cookie => return Err(AppError::forbidden(forged)),
        Some(o) if o != "null" => {}
        _ if by_cookie => {
            // No Origin: an older browser; its Referer (sent to our own pages by our
            // Referrer-Policy) must name this site.
            let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
            if !referer.is_some_and(|r| same_site(r, headers)) {
                return Err(AppError::forbidden(forged));
            }
        }
        _ => {}
    }
    if by_cookie && path.starts_with("/api/") {
        let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mime = ctype.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let body_len = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        let empty = body_len == Some(0) || (ctype.is_empty() && body_len.is_none() && headers.get(header::TRANSFER_ENCODING).is_none());
        if !empty && mime != "application/json" {
            return Err(AppError::bad_request(tr!(
                "API yang dipakai dengan cookie sesi hanya menerima isi JSON (Content-Type: application/json).",
                "With a session cookie the API accepts only a JSON body (Content-Type: application/json)."
            )));
        }
    }
    Ok(())
}

/// Middleware: refuses what `check` refuses, and adds the security headers to every answer.
pub async fn guard(req: Request, next: Next) -> Response {
    let mut resp = match check(req.method(), req.uri().path(), req.uri().query(), req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    let h = resp.headers_mut();
    let html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("text/html"));
    if html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn next_accepts_only_paths_of_this_site() {
        for ok in ["/wilayah", "/laporan/3?x=1", "/"] {
            assert_eq!(local_path(Some(ok), "/f"), ok);
        }
        for bad in ["//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil", "javascript:alert(1)", "https://evil.example", "evil", "", "/a b", "\\\\evil"] {
            assert_eq!(local_path(Some(bad), "/f"), "/f", "{bad:?}");
        }
    }

    #[test]
    fn cookie_posts_need_our_origin() {
        let post = Method::POST;
        let own = [("host", "127.0.0.1:8080"), ("cookie", "sinergi_session=abc")];
        assert!(check(&post, "/keluar", None, &headers(&[own[0], own[1], ("origin", "http://127.0.0.1:8080")])).is_ok());
        assert!(check(&post, "/keluar", None, &headers(&[own[0], own[1], ("origin", "http://evil.example")])).is_err());
        assert!(check(&post, "/keluar", None, &headers(&[own[0], own[1], ("origin", "null")])).is_err());
        assert!(check(&post, "/keluar", None, &headers(&own)).is_err(), "neither Origin nor Referer");
        assert!(check(&post, "/keluar", None, &headers(&[own[0], own[1], ("referer", "http://127.0.0.1:8080/rapat")])).is_ok());
        assert!(check(&post, "/keluar", None, &headers(&[own[0], own[1], ("referer", "http://127.0.0.1:8080.evil.example/")])).is_err());
        // Bearer clients carry no ambient authority.
        assert!(check(&post, "/api/v1/x", None, &headers(&[own[0], own[1], ("authorization", "Bearer t")])).is_ok());
        assert!(check(&Method::GET, "/rapat", None, &headers(&own)).is_ok());
        // A forged login from another site.
        assert!(check(&post, "/masuk", None, &headers(&[own[0], ("origin", "http://evil.example")])).is_err());
    }

    #[test]
    fn the_api_takes_a_cookie_only_with_json() {
        let h = |ctype: &str| headers(&[("host", "h"), ("cookie", "sinergi_session=abc"), ("origin", "http://h"), ("content-type", ctype), ("content-length", "10")]);
        assert!(check(&Method::POST, "/api/v1/meetings", None, &h("text/plain")).is_err());
        assert!(check(&Method::POST, "/api/v1/meetings", None, &h("application/json; charset=utf-8")).is_ok());
        assert!(check(&Method::POST, "/rapat/baru", None, &h("application/x-www-form-urlencoded")).is_ok());
    }

    #[test]
    fn line_breaks_in_the_address_are_refused() {
        assert!(check(&Method::POST, "/anggaran/pagu", Some("wilayah=35.76%0D%0ALocation:%20x"), &HeaderMap::new()).is_err());
        assert!(check(&Method::GET, "/bahasa", Some("l=en&next=/x%0a"), &HeaderMap::new()).is_err());
        assert!(check(&Method::GET, "/bahasa", Some("l=en&next=/wilayah"), &HeaderMap::new()).is_ok());
    }
}
