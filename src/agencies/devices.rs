//! Field devices (issue 16): voting morning must not depend on 800,000 officers typing a
//! password at 07.00. A unit's administrator issues, for one account, a one-time code (shown
//! as text, as a QR code and as a WhatsApp message) that a phone exchanges for a session of its
//! own, kept for the election period. The administrator lists each account's devices and
//! revokes any of them. An enrolment costs one SHA-256 and one write, not a password hash.
//!
//! A code is 12 characters from an alphabet without look-alikes (about 60 bits), kept by its
//! hash for 24 hours and one use; guesses count against the address as failed logins do.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::api::{LoginResponse, manage_permit};
use super::store::{self, Account};
use crate::params;
use crate::platform::audit::{self, Change};
use crate::platform::auth::{self, CurrentUser, Permit, SESSION_COOKIE};
use crate::platform::clock;
use crate::platform::db::Conn;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::form::FormBody;
use crate::platform::http::parse_json;
use crate::platform::identity::User;
use crate::platform::state::AppState;
use crate::platform::web::{Lang, OrPage, Page, PageError, PageUser, layout, urlencode};
use crate::tr;

/// How long an issued code may be used.
const CODE_HOURS: i64 = 24;
/// The longest a device stays logged in: an election period, counting and recap included.
const MAX_DAYS: i64 = 62;
/// When the administrator names no end: a month.
const DEFAULT_DAYS: i64 = 30;
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// The field app's enrolment page.
pub const ENROL_PAGE: &str = "/lapangan/daftar";

/// A code as the administrator passes it on.
#[derive(Serialize, ToSchema)]
pub struct IssuedCode {
    /// Twelve characters in three groups (`ABCD-EFGH-JK23`); shown once.
    pub code: String,
    /// The enrolment page with the code filled in (the QR code's content), from this site.
    pub link: String,
    pub device: String,
    /// Until when the code may be used (24 hours).
    pub expires_at: String,
    /// Until when the device it enrols stays logged in.
    pub session_until: String,
}

/// One enrolled device of an account.
#[derive(Serialize, ToSchema)]
pub struct Device {
    /// What revokes it (`DELETE …/devices/{id}`).
    pub id: String,
    pub device: String,
    pub enrolled_at: String,
    pub expires_at: String,
}

/// A code issued and not used yet.
#[derive(Serialize, ToSchema)]
pub struct PendingCode {
    pub device: String,
    pub expires_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct Devices {
    pub devices: Vec<Device>,
    pub pending: Vec<PendingCode>,
}

#[derive(Deserialize, ToSchema)]
pub struct DeviceInput {
    /// What the device is, as the unit knows it ("HP KPPS TPS 001").
    pub device: String,
    /// The last day it stays logged in, `YYYY-MM-DD` (at most 62 days on; default 30).
    #[serde(default)]
    pub until: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct EnrolRequest {
    pub code: String,
}

fn code_hash(code: &str) -> String {
    let plain: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    auth::token_hash(&plain)
}

fn new_code() -> Result<String, AppError> {
    let mut raw = [0u8; 12];
    getrandom::fill(&mut raw).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let chars: Vec<char> = raw.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// The checked input of a new code: the device's name and the end of its session.
fn checked(input: &DeviceInput, now: OffsetDateTime) -> Result<(String, OffsetDateTime), AppError> {
    let device = crate::platform::text::line("device", &input.device, 80, true)?;
    let until = match input.until.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => now + time::Duration::days(DEFAULT_DAYS),
        Some(s) => {
            let day = clock::user_day("until", s)?;
            // The whole last day, in Indonesia's latest zone (WIT).
            let end = day.with_hms(23, 59, 59).map_err(|e| AppError::Internal(e.to_string()))?.assume_offset(time::macros::offset!(+9));
            if end <= now {
                return Err(AppError::invalid("until", tr!("until harus hari ini atau sesudahnya, bukan {s}", "until must be today or later, not {s}")));
            }
            if end > now + time::Duration::days(MAX_DAYS) {
                return Err(AppError::invalid("until", tr!("perangkat paling lama {MAX_DAYS} hari masuk terus; {s} terlalu jauh", "a device stays logged in for at most {MAX_DAYS} days; {s} is too far")));
            }
            end
        }
    };
    Ok((device, until))
}

/// Issues a code for `target` (the administrator's permit covers it).
fn issue(conn: &mut Conn, permit: &Permit, admin: &User, target: &Account, device: &str, until: OffsetDateTime, origin: &str) -> Result<IssuedCode, AppError> {
    if !target.active {
        return Err(AppError::conflict(tr!("akun {name} nonaktif; aktifkan dulu", "the account {name} is disabled; enable it first", name = target.user.username)));
    }
    let code = new_code()?;
    let now = clock::now();
    let (expires_at, session_until) = (clock::rfc3339(now + time::Duration::hours(CODE_HOURS)), clock::rfc3339(until));
    conn.execute("DELETE FROM device_codes WHERE expires_at <= $1", params![clock::rfc3339(now).as_str()])?;
    conn.execute(
        "INSERT INTO device_codes (code_hash, user_id, device, created_by, created_at, expires_at, session_until) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![code_hash(&code).as_str(), target.user.id, device, admin.username.as_str(), clock::rfc3339(now).as_str(), expires_at.as_str(), session_until.as_str()],
    )?;
    audit::record(conn, permit, Change {
        action: "device.code_issued",
        entity_type: "user",
        entity_id: &target.user.username,
        region: Some(&target.user.unit.region),
        detail: serde_json::json!({"device": device, "session_until": session_until}),
    })?;
    let link = format!("{origin}{ENROL_PAGE}?kode={}", urlencode(&code));
    Ok(IssuedCode { code, link, device: device.to_string(), expires_at, session_until })
}

/// Exchanges a code for a device session under `token_hash`; `None` when the code is unknown,
/// used or expired (the caller counts it as a failed login).
fn enrol(conn: &mut Conn, code: &str, token_hash: &str) -> Result<Option<(User, String)>, AppError> {
    let now = clock::now_rfc3339();
    let hash = code_hash(code);
    let Some(row) = conn.query_opt("SELECT user_id, device, session_until FROM device_codes WHERE code_hash = $1 AND expires_at > $2", params![hash.as_str(), now.as_str()])? else {
        return Ok(None);
    };
    let (user_id, device, until): (i64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
    conn.execute("DELETE FROM device_codes WHERE code_hash = $1", params![hash.as_str()])?;
    let Some(name) = conn.query_opt("SELECT username FROM users WHERE id = $1 AND active = $2", params![user_id, true])? else { return Ok(None) };
    let account = store::account(conn, &name.get::<String>(0)?)?;
    let user = account.user;
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, device) VALUES ($1, $2, $3, $4, $5)",
        params![token_hash, user.id, now.as_str(), until.as_str(), device.as_str()],
    )?;
    let permit = auth::authorize(&user, auth::OWN_SESSION, &user.unit.region)?;
    audit::record(conn, &permit, Change { action: "device.enrolled", entity_type: "user", entity_id: &user.username, region: None, detail: serde_json::json!({"device": device}) })?;
    Ok(Some((user, until)))
}

fn list(conn: &mut Conn, user_id: i64) -> Result<Devices, AppError> {
    let now = clock::now_rfc3339();
    let devices = conn
        .query("SELECT token_hash, device, created_at, expires_at FROM sessions WHERE user_id = $1 AND device IS NOT NULL AND expires_at > $2 ORDER BY created_at", params![user_id, now.as_str()])?
        .iter()
        .map(|r| Ok(Device { id: r.get::<String>(0)?.chars().take(16).collect(), device: r.get(1)?, enrolled_at: r.get(2)?, expires_at: r.get(3)? }))
        .collect::<Result<_, AppError>>()?;
    let pending = conn
        .query("SELECT device, expires_at FROM device_codes WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at", params![user_id, now.as_str()])?
        .iter()
        .map(|r| Ok(PendingCode { device: r.get(0)?, expires_at: r.get(1)? }))
        .collect::<Result<_, AppError>>()?;
    Ok(Devices { devices, pending })
}

fn revoke(conn: &mut Conn, permit: &Permit, target: &Account, id: &str) -> Result<(), AppError> {
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::not_found(tr!("perangkat {id} tidak ada", "no device {id}")));
    }
    let n = conn.execute("DELETE FROM sessions WHERE user_id = $1 AND device IS NOT NULL AND token_hash LIKE $2", params![target.user.id, format!("{}%", id.to_ascii_lowercase()).as_str()])?;
    if n == 0 {
        return Err(AppError::not_found(tr!("perangkat {id} tidak ada", "no device {id}")));
    }
    audit::record(conn, permit, Change { action: "device.revoked", entity_type: "user", entity_id: &target.user.username, region: Some(&target.user.unit.region), detail: serde_json::json!({"device": id}) })?;
    Ok(())
}

/// The account `username` as `admin` may manage it (404 names it, 403 says why not).
async fn target(state: &AppState, admin: &User, username: &str) -> Result<Account, AppError> {
    auth::authorize(admin, auth::MANAGE_USERS, &admin.unit.region)?;
    let name = username.to_string();
    let target = state.db.read(move |c| store::account(c, &name)).await?;
    manage_permit(admin, &target)?;
    Ok(target)
}

/// One write, two doors: the API and the page issue a code through this.
async fn issue_for(state: &AppState, admin: &User, username: &str, input: &DeviceInput, origin: String) -> Result<IssuedCode, AppError> {
    let (device, until) = checked(input, clock::now())?;
    target(state, admin, username).await?;
    let (admin, name) = (admin.clone(), username.to_string());
    state
        .db
        .write(move |c| {
            let target = store::account(c, &name)?;
            let permit = manage_permit(&admin, &target)?;
            issue(c, &permit, &admin, &target, &device, until, &origin)
        })
        .await
}

async fn revoke_for(state: &AppState, admin: &User, username: &str, id: &str) -> Result<(), AppError> {
    target(state, admin, username).await?;
    let (admin, name, id) = (admin.clone(), username.to_string(), id.to_string());
    state
        .db
        .write(move |c| {
            let target = store::account(c, &name)?;
            let permit = manage_permit(&admin, &target)?;
            revoke(c, &permit, &target, &id)
        })
        .await?;
    // A cache hit still asks the session table; emptying it is belt and braces.
    state.sessions.clear();
    Ok(())
}

/// The enrolment's one door (API and page): a failed code counts as a failed login of the
/// address, so guessing is locked out as password guessing is.
async fn enrol_with(state: &AppState, ip: std::net::IpAddr, code: &str) -> Result<(String, String), AppError> {
    // Counted as logins of a name made of the code's first four characters: five wrong codes
    // so alike lock that name for the address, and 30 wrong codes lock the address, as with
    // passwords; one officer's typos do not lock out a whole office behind one address.
    let head: String = code.chars().filter(char::is_ascii_alphanumeric).take(4).collect::<String>().to_ascii_uppercase();
    let who = format!("kode-perangkat:{head}");
    let who = who.as_str();
    state.throttle.check(who, ip)?;
    let token = auth::new_token()?;
    let (hash, code) = (auth::token_hash(&token), code.to_string());
    match state.db.write(move |c| enrol(c, &code, &hash)).await? {
        Some((_, until)) => {
            state.throttle.succeeded(who, ip);
            Ok((token, until))
        }
        None => {
            state.throttle.failed(who, ip);
            Err(AppError::invalid("code", tr!(
                "kode perangkat tidak dikenal, sudah dipakai atau kedaluwarsa; minta kode baru kepada admin unit Anda",
                "the device code is unknown, used or expired; ask your unit's administrator for a new one"
            )))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// API

/// Issues a one-time code that enrols a field device for the account.
#[utoipa::path(post, path = "/api/v1/users/{username}/devices", tag = "auth", params(("username" = String, Path)), request_body = DeviceInput,
    responses((status = 201, body = IssuedCode), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn issue_code(State(state): State<AppState>, user: CurrentUser, headers: axum::http::HeaderMap, Path(username): Path<String>, body: axum::body::Bytes) -> Result<Response, AppError> {
    let input: DeviceInput = parse_json(&body)?;
    let origin = crate::platform::guard::public_url().map_or_else(|| crate::platform::guard::request_origin(&headers), str::to_string);
    Ok((StatusCode::CREATED, Json(issue_for(&state, &user.user, &username, &input, origin).await?)).into_response())
}

/// The account's enrolled devices and the codes not used yet.
#[utoipa::path(get, path = "/api/v1/users/{username}/devices", tag = "auth", params(("username" = String, Path)),
    responses((status = 200, body = Devices), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_devices(State(state): State<AppState>, user: CurrentUser, Path(username): Path<String>) -> Result<Json<Devices>, AppError> {
    let t = target(&state, &user.user, &username).await?;
    Ok(Json(state.db.read(move |c| list(c, t.user.id)).await?))
}

/// Logs a device out for good (a lost or handed-over phone).
#[utoipa::path(delete, path = "/api/v1/users/{username}/devices/{id}", tag = "auth", params(("username" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_device(State(state): State<AppState>, user: CurrentUser, Path((username, id)): Path<(String, String)>) -> Result<StatusCode, AppError> {
    revoke_for(&state, &user.user, &username, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A device exchanges its one-time code for a session that lasts the election period.
#[utoipa::path(post, path = "/api/v1/auth/enrol", tag = "auth", request_body = EnrolRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn enrol_device(State(state): State<AppState>, peer: axum::extract::ConnectInfo<std::net::SocketAddr>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Result<Json<LoginResponse>, AppError> {
    let req: EnrolRequest = parse_json(&body)?;
    let ip = crate::platform::limit::client_of(peer.0.ip(), &headers);
    let (token, expires_at) = enrol_with(&state, ip, &req.code).await?;
    Ok(Json(LoginResponse { token, expires_at }))
}

// ---------------------------------------------------------------------------------------------
// Pages

/// `/pengguna/{username}/perangkat`: the account's devices, its codes not used yet, and the
/// form that issues one (after which the code, its QR code and a WhatsApp message show).
pub async fn devices_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(username): Path<String>) -> Result<Response, PageError> {
    devices_view(&state, lang, &user, &username, None, None).await
}

async fn devices_view(state: &AppState, lang: Lang, user: &CurrentUser, username: &str, issued: Option<&IssuedCode>, refused: Option<(&AppError, &FormBody)>) -> Result<Response, PageError> {
    let t = target(state, &user.user, username).await.or_page(Some(user))?;
    let id = t.user.id;
    let d = state.db.read(move |c| list(c, id)).await.or_page(Some(user))?;
    let title = format!("{} {}", lang.pick("Perangkat lapangan", "Field devices"), t.user.unit.name);
    let base = format!("/pengguna/{}/perangkat", urlencode(username));
    let when = |s: &str| crate::platform::i18n::moment_at(lang, s, crate::reports::store::offset_of(&t.user.unit.region));
    let body = html! {
        h1 { (title) }
        p.muted { (lang.pick("Akun ", "Account ")) code { (username) } ". "
            (lang.pick("Perangkat yang didaftarkan tetap masuk sampai tanggal yang Anda tentukan, tanpa kata sandi di pagi pemungutan suara; cabut bila hilang atau berpindah tangan.",
                       "An enrolled device stays logged in until the day you set, with no password on voting morning; revoke it when it is lost or changes hands.")) }
        @if let Some(i) = issued {
            section #kode-baru role="status" {
                h2 { (lang.pick("Kode pendaftaran untuk ", "Enrolment code for ")) (i.device) }
                p.code { strong #device-code { (i.code) } }
                p { (lang.pick("Buka di ponsel: ", "Open on the phone: ")) a #device-link href=(i.link) { (i.link) } }
                @if let Some(qr) = crate::platform::web::qr_svg(&i.link) { (qr) }
                p { (lang.pick("Berlaku sekali, sampai ", "For one use, until ")) (when(&i.expires_at)) ". "
                    (lang.pick("Perangkatnya tetap masuk sampai ", "The device stays logged in until ")) (when(&i.session_until)) "." }
                @let text = format!("{} {}: {} ({})", lang.pick("Kode pendaftaran perangkat Sinergi untuk", "Sinergi device enrolment code for"), i.device, i.link, i.code);
                p { a #share-whatsapp href={ "https://wa.me/?text=" (urlencode(&text)) } rel="noopener" { (lang.pick("Kirim lewat WhatsApp", "Send by WhatsApp")) } }
            }
        }
        h2 { (lang.pick("Perangkat terdaftar", "Enrolled devices")) }
        @if d.devices.is_empty() { p #no-devices { (lang.pick("Belum ada perangkat.", "No device yet.")) } }
        @else {
            // Three columns, the revoke button under the device's name, so that a 360 px phone
            // shows the whole row; wrapped as the other pages' tables are for longer names.
            div.scroll { table #devices { thead { tr { th { (lang.pick("Perangkat", "Device")) } th { (lang.pick("Didaftarkan", "Enrolled")) } th { (lang.pick("Masuk sampai", "Logged in until")) } } }
                tbody { @for dv in &d.devices { tr data-device=(dv.id) {
                    td { (dv.device)
                        form method="post" action={ (base) "/" (dv.id) "/cabut" } { button type="submit" { (lang.pick("Cabut", "Revoke")) } } }
                    td { (when(&dv.enrolled_at)) } td { (when(&dv.expires_at)) }
                } } } } }
        }
        @if !d.pending.is_empty() {
            h2 { (lang.pick("Kode belum dipakai", "Codes not used yet")) }
            ul #pending { @for p in &d.pending { li { (p.device) " — " (lang.pick("berlaku sampai ", "valid until ")) (when(&p.expires_at)) } } }
        }
        h2 { (lang.pick("Daftarkan perangkat", "Enrol a device")) }
        form.move #issue method="post" action=(base) {
            @if let Some((e, _)) = refused { p.error role="alert" { (e.to_string()) } }
            label for="device" { (lang.pick("Nama perangkat", "Device name")) }
            input #device name="device" required maxlength="80" placeholder="HP KPPS TPS 001" value=[refused.map(|(_, f)| f.get("device"))];
            // The phone's own date picker shows the date its way: no format to name here.
            label for="until" { (lang.pick(&format!("Tetap masuk sampai (paling lama {MAX_DAYS} hari; kosong: {DEFAULT_DAYS} hari)"), &format!("Stays logged in until (at most {MAX_DAYS} days; empty: {DEFAULT_DAYS} days)"))) }
            input #until name="until" type="date" value=[refused.map(|(_, f)| f.get("until"))];
            button type="submit" { (lang.pick("Buat kode", "Make a code")) }
        }
        p { a href="/pengguna" { (lang.pick("← Semua akun", "← All accounts")) } }
    };
    let status = refused.map_or(StatusCode::OK, |(e, _)| e.status());
    Ok((status, layout(Page::new(lang, &title, Some(&user.user), "/pengguna"), body)).into_response())
}

pub async fn issue_submit(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, headers: axum::http::HeaderMap, Path(username): Path<String>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let f = FormBody::parse(&body);
    let input = DeviceInput { device: f.get("device").to_string(), until: Some(f.get("until").to_string()) };
    let origin = crate::platform::guard::public_url().map_or_else(|| crate::platform::guard::request_origin(&headers), str::to_string);
    match issue_for(&state, &user.user, &username, &input, origin).await {
        Ok(issued) => devices_view(&state, lang, &user, &username, Some(&issued), None).await,
        Err(e) => devices_view(&state, lang, &user, &username, None, Some((&e, &f))).await,
    }
}

pub async fn revoke_submit(State(state): State<AppState>, PageUser(user): PageUser, Path((username, id)): Path<(String, String)>) -> Result<Response, PageError> {
    revoke_for(&state, &user.user, &username, &id).await.or_page(Some(&user))?;
    Ok(Redirect::to(&format!("/pengguna/{}/perangkat", urlencode(&username))).into_response())
}

#[derive(Deserialize)]
pub struct EnrolQuery {
    kode: Option<String>,
}

fn enrol_form(lang: Lang, code: &str, error: Option<&str>) -> maud::Markup {
    let body = html! {
        h1 { (lang.pick("Daftarkan perangkat ini", "Enrol this device")) }
        p { (lang.pick("Masukkan kode dari admin unit Anda. Perangkat ini lalu tetap masuk sebagai akun Anda sampai tanggal yang ditentukan admin.",
                       "Enter the code from your unit's administrator. This device then stays logged in as your account until the day the administrator set.")) }
        form.move #enrol method="post" action=(ENROL_PAGE) {
            @if let Some(e) = error { p.error role="alert" { (e) } }
            label for="code" { (lang.pick("Kode perangkat", "Device code")) }
            input #code name="code" required autocomplete="one-time-code" autocapitalize="characters" value=(code);
            button #enrol-submit type="submit" { (lang.pick("Daftarkan", "Enrol")) }
        }
    };
    layout(Page::new(lang, lang.pick("Daftarkan perangkat", "Enrol a device"), None, ENROL_PAGE), body)
}

pub async fn enrol_page(lang: Lang, crate::platform::http::Query(q): crate::platform::http::Query<EnrolQuery>) -> Response {
    enrol_form(lang, q.kode.as_deref().unwrap_or(""), None).into_response()
}

pub async fn enrol_submit(State(state): State<AppState>, lang: Lang, peer: axum::extract::ConnectInfo<std::net::SocketAddr>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Response {
    let f = FormBody::parse(&body);
    let ip = crate::platform::limit::client_of(peer.0.ip(), &headers);
    match enrol_with(&state, ip, f.get("code")).await {
        Ok((token, until)) => {
            let secs = OffsetDateTime::parse(&until, &time::format_description::well_known::Rfc3339).map_or(0, |u| (u - clock::now()).whole_seconds().max(0));
            let mut resp = Redirect::to("/lapangan").into_response();
            resp.headers_mut().insert(header::SET_COOKIE, crate::platform::guard::cookie(SESSION_COOKIE, &token, secs, true));
            resp
        }
        Err(e) => (e.status(), enrol_form(lang, f.get("code"), Some(&e.to_string()))).into_response(),
    }
}
