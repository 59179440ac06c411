//! Login, logout and "who am I" — for API clients (bearer token) and the web UI (cookie).

use axum::Json;
use axum::extract::State;
use crate::platform::http::Form;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{self, User};
use super::{AgencyKind, Role};
use crate::platform::auth::{self, CurrentUser, SESSION_COOKIE, SESSION_HOURS};
use crate::platform::clock;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::http::parse_json;
use crate::platform::web::{Lang, Page, layout, t};
use crate::platform::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub(crate) token: String,
    pub(crate) expires_at: String,
}

/// Checks the password (with the lockout after repeated failures) and opens a session.
async fn open_session(state: &AppState, ip: std::net::IpAddr, username: &str, password: &str) -> Result<(User, String, String), AppError> {
    let username = username.trim().to_lowercase();
    state.throttle.check(&username, ip)?;
    // One Argon2 verification per core at a time; the rest are told to come back (B8).
    let turn = state.throttle.hashing_turn()?;
    let u = username.clone();
    let found = state.db.read(move |c| store::user_for_login(c, &u)).await?;
    let password = password.to_string();
    let (user, ok) = turn
        .run(move || match found {
            Some((user, hash)) => {
                let ok = auth::verify_password(&password, &hash);
                (Some(user), ok)
            }
            None => {
                auth::verify_password(&password, auth::dummy_hash());
                (None, false)
            }
        })
        .await?;
    let user = match (user, ok) {
        (Some(user), true) => user,
        _ => {
            let (pair, address) = state.throttle.failed(&username, ip);
            // Failed logins and lockouts are audited (the name as typed, the client address).
            let (name, addr) = (username.chars().take(64).collect::<String>(), ip.to_string());
            let _ = state
                .db
                .write(move |c| {
                    let permit = auth::login_failure_permit();
                    let detail = serde_json::json!({"address": addr});
                    crate::platform::audit::record(c, &permit, crate::platform::audit::Change { action: "auth.login_failed", entity_type: "user", entity_id: &name, region: None, detail: detail.clone() })?;
                    if pair {
                        crate::platform::audit::record(c, &permit, crate::platform::audit::Change { action: "auth.lockout", entity_type: "user", entity_id: &name, region: None, detail: detail.clone() })?;
                    }
                    if address {
                        crate::platform::audit::record(c, &permit, crate::platform::audit::Change { action: "auth.address_lockout", entity_type: "address", entity_id: &addr, region: None, detail: serde_json::json!({}) })?;
                    }
                    Ok::<_, AppError>(())
                })
                .await;
            return Err(AppError::LoginFailed);
        }
    };
    state.throttle.succeeded(&username, ip);
    let token = auth::new_token()?;
    let expires_at = clock::rfc3339(clock::now() + time::Duration::hours(SESSION_HOURS));
    let (hash, exp, u) = (auth::token_hash(&token), expires_at.clone(), user.clone());
    let permit = auth::authorize(&user, auth::OWN_SESSION, &user.unit.region)?;
    state.db.write(move |c| store::create_session(c, &permit, &u, &hash, &exp)).await?;
    Ok((user, token, expires_at))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(State(state): State<AppState>, peer: axum::extract::ConnectInfo<std::net::SocketAddr>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Result<Json<LoginResponse>, AppError> {
    let req: LoginRequest = parse_json(&body)?;
    let ip = crate::platform::limit::client_of(peer.0.ip(), &headers);
    let (_, token, expires_at) = open_session(&state, ip, &req.username, &req.password).await?;
    Ok(Json(LoginResponse { token, expires_at }))
}

/// Revokes the session whose token made this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> Result<StatusCode, AppError> {
    state.sessions.remove(&user.token_hash);
    let permit = auth::authorize(&user.user, auth::OWN_SESSION, &user.user.unit.region)?;
    state.db.write(move |c| store::delete_session(c, &permit, &user.user, &user.token_hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct UnitRef {
    id: i64,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    username: String,
    agency: AgencyKind,
    unit: UnitRef,
    /// The region the user's scope covers (`ID`: the whole nation).
    region: String,
    role: Role,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(user: CurrentUser) -> Json<Me> {
    let u = user.user;
    Json(Me {
        username: u.username,
        agency: u.unit.agency,
        unit: UnitRef { id: u.unit.id, name: u.unit.name },
        region: u.unit.region,
        role: u.role,
    })
}

// ---- web pages ----

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    /// Where to go after logging in (a page of this site).
    #[serde(default)]
    next: Option<String>,
}

/// A local path to return to; anything else (another site, `//host`, `/\t/host`) falls back
/// to /wilayah.
/// Where a login goes: the page asked for, else the user's own region's situation (a field unit
/// at a TPS: its field app).
fn local_next(next: Option<&str>) -> String {
    crate::platform::guard::local_path(next, "/situasi").to_string()
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

fn login_form(lang: Lang, error: Option<&str>, next: &str) -> maud::Markup {
    let body = html! {
        form.card method="post" action="/masuk" {
            h1 { (t(lang, "login.title")) }
            input type="hidden" name="next" value=(next);
            @if let Some(e) = error { p.error role="alert" { (e) } }
            label for="username" { (t(lang, "login.username")) }
            input #username name="username" autocomplete="username" required autofocus;
            label for="password" { (t(lang, "login.password")) }
            input #password name="password" type="password" autocomplete="current-password" required;
            button #login-submit type="submit" { (t(lang, "login.submit")) }
        }
    };
    layout(Page::new(lang, t(lang, "login.title"), None, "/masuk"), body)
}

pub async fn login_page(lang: Lang, crate::platform::http::Query(q): crate::platform::http::Query<LoginQuery>) -> maud::Markup {
    login_form(lang, None, &local_next(q.next.as_deref()))
}

pub async fn login_submit(State(state): State<AppState>, lang: Lang, peer: axum::extract::ConnectInfo<std::net::SocketAddr>, headers: axum::http::HeaderMap, Form(f): Form<LoginForm>) -> Result<Response, crate::platform::web::PageError> {
    let ip = crate::platform::limit::client_of(peer.0.ip(), &headers);
    // A line break in the target is an attack on the redirect: refused before the session opens.
    if f.next.as_deref().is_some_and(crate::platform::guard::has_line_break) {
        return Err(AppError::bad_request(crate::tr!(
            "Alamat tujuan (next) memuat ganti baris; permintaan ditolak.",
            "The target address (next) contains a line break; the request is refused."
        ))
        .into());
    }
    let next = local_next(f.next.as_deref());
    Ok(match open_session(&state, ip, &f.username, &f.password).await {
        Ok((_, token, _)) => {
            let mut resp = Redirect::to(&next).into_response();
            resp.headers_mut().insert(header::SET_COOKIE, crate::platform::guard::cookie(SESSION_COOKIE, &token, SESSION_HOURS * 3600, true));
            resp
        }
        // The refusal says which wait applies (a lock on this name, on the address, or a busy
        // server) and for how long, and Retry-After carries the same wait.
        Err(e @ AppError::TooManyRequests { .. }) => {
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, login_form(lang, Some(&e.to_string()), &next)).into_response();
            crate::platform::error::with_retry_after(&mut resp, &e);
            resp
        }
        Err(AppError::LoginFailed) => (StatusCode::UNAUTHORIZED, login_form(lang, Some(t(lang, "login.failed")), &next)).into_response(),
        Err(e) => return Err(e.into()),
    })
}

/// Logs out from a page: `POST /keluar` (the console) and `POST /lapangan/keluar` (the field
/// app, inside its service worker's scope so the worker can act on a logout made without
/// signal). Every logout passes through `/lapangan/…` on its way out, so the field app's worker
/// drops the copies of the officer's pages, tasks and API answers it keeps for offline use: the
/// next person using the phone must not see them (docs/ARCHITECTURE.md, "Shared phone").
/// `Clear-Site-Data: "cache"` empties the browser's HTTP cache and back/forward pages too;
/// never `"storage"`, which would wipe the IndexedDB queue of items not yet sent.
pub async fn logout_submit(State(state): State<AppState>, uri: axum::http::Uri, user: Option<CurrentUser>) -> Response {
    if let Some(user) = user {
        state.sessions.remove(&user.token_hash);
        if let Ok(permit) = auth::authorize(&user.user, auth::OWN_SESSION, &user.user.unit.region) {
            let _ = state.db.write(move |c| store::delete_session(c, &permit, &user.user, &user.token_hash)).await;
        }
    }
    // The field app goes back to its home, which asks the next officer to log in.
    let to = if uri.path().starts_with("/lapangan/") { "/lapangan" } else { crate::field::LOGGED_OUT };
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, crate::platform::guard::cookie(SESSION_COOKIE, "", 0, true));
    resp.headers_mut().insert("clear-site-data", axum::http::HeaderValue::from_static("\"cache\""));
    resp
}

#[derive(Deserialize)]
pub struct LangSwitch {
    l: String,
    next: Option<String>,
}

/// Sets the UI language and goes back to the page it was chosen on.
pub async fn switch_language(crate::platform::http::Query(q): crate::platform::http::Query<LangSwitch>) -> Response {
    let lang = if q.l == "en" { "en" } else { "id" };
    let next = crate::platform::guard::local_path(q.next.as_deref(), "/wilayah").to_string();
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, crate::platform::guard::cookie("lang", lang, 31_536_000, false));
    resp
}

// ---- account lifecycle (B10): one job behind three doors ----

/// What an administrator asks for, before the password is hashed.
pub enum Requested {
    Disable,
    Enable,
    ResetPassword { password: String },
    RevokeSessions,
}

/// The permit to change `target`: `authorize` with `MANAGE_USERS` at the target's unit region,
/// and only for the administrator's own agency (a KPU administrator does not switch off
/// Bawaslu's supervisors, who oversee KPU).
pub fn manage_permit(admin: &User, target: &store::Account) -> Result<auth::Permit, AppError> {
    let rule = auth::Rule { agencies: target.user.unit.agency.only(), ..auth::MANAGE_USERS };
    auth::authorize(admin, rule, &target.user.unit.region)
}

/// The page's and the API's door: `admin` changes the account `username`. The password policy
/// and scope are checked before any hashing; the write checks the scope again in its
/// transaction, runs `store::change_account` (the CLI's store function too), and this server's
/// session cache is emptied so that nothing of the account's sessions survives here.
pub async fn manage(state: &AppState, admin: &User, username: &str, requested: Requested) -> Result<(store::Account, u64), AppError> {
    // Only an administrator learns whether a username exists (404) rather than 403.
    auth::authorize(admin, auth::MANAGE_USERS, &admin.unit.region)?;
    let name = username.to_string();
    let target = state.db.read(move |c| store::account(c, &name)).await?;
    manage_permit(admin, &target)?;
    if matches!(requested, Requested::Disable) && target.user.id == admin.id {
        return Err(AppError::conflict(crate::tr!(
            "Anda tidak dapat menonaktifkan akun Anda sendiri; minta administrator lain",
            "you cannot disable your own account; ask another administrator"
        )));
    }
    let change = match requested {
        Requested::Disable => store::AccountChange::Disable,
        Requested::Enable => store::AccountChange::Enable,
        Requested::RevokeSessions => store::AccountChange::RevokeSessions,
        Requested::ResetPassword { password } => {
            auth::check_password_strength(&password, &target.user.username)?;
            // On the login's hashing threads, under the same bound on concurrent Argon2 work (B8).
            let hash = state.throttle.hashing_turn()?.run(move || auth::hash_password(&password)).await??;
            store::AccountChange::ResetPassword { hash }
        }
    };
    let (admin, name) = (admin.clone(), username.to_string());
    let done = state
        .db
        .write(move |c| {
            let target = store::account(c, &name)?;
            let permit = manage_permit(&admin, &target)?;
            store::change_account(c, &permit, &target, &change)
        })
        .await?;
    // Entries are keyed by token, not by user: emptying the cache is the simple way to drop
    // this account's, and costs every other session one database read.
    state.sessions.clear();
    Ok(done)
}

/// An account after a change.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    username: String,
    agency: AgencyKind,
    unit: UnitRef,
    role: Role,
    /// False: the account cannot log in.
    active: bool,
    /// How many sessions this change ended.
    sessions_ended: u64,
}

fn account_view((a, ended): (store::Account, u64)) -> Json<AccountView> {
    let u = a.user;
    Json(AccountView { username: u.username, agency: u.unit.agency, unit: UnitRef { id: u.unit.id, name: u.unit.name }, role: u.role, active: a.active, sessions_ended: ended })
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordReset {
    /// The new password: at least 8 characters, not a common password, not built from the
    /// username.
    password: String,
}

/// Disables an account: it can no longer log in, and its sessions end at once.
#[utoipa::path(post, path = "/api/v1/users/{username}/disable", tag = "auth", params(("username" = String, Path)),
    responses((status = 200, body = AccountView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn disable_user(State(state): State<AppState>, user: CurrentUser, axum::extract::Path(username): axum::extract::Path<String>) -> Result<Json<AccountView>, AppError> {
    manage(&state, &user.user, &username, Requested::Disable).await.map(account_view)
}

/// Enables a disabled account again (with its old password; reset it if that was the cause).
#[utoipa::path(post, path = "/api/v1/users/{username}/enable", tag = "auth", params(("username" = String, Path)),
    responses((status = 200, body = AccountView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn enable_user(State(state): State<AppState>, user: CurrentUser, axum::extract::Path(username): axum::extract::Path<String>) -> Result<Json<AccountView>, AppError> {
    manage(&state, &user.user, &username, Requested::Enable).await.map(account_view)
}

/// Sets a new password; the account's sessions end at once.
#[utoipa::path(put, path = "/api/v1/users/{username}/password", tag = "auth", params(("username" = String, Path)), request_body = PasswordReset,
    responses((status = 200, body = AccountView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)), security(("bearer" = [])))]
pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(username): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<AccountView>, AppError> {
    let req: PasswordReset = parse_json(&body)?;
    manage(&state, &user.user, &username, Requested::ResetPassword { password: req.password }).await.map(account_view)
}

/// Ends every session of the account (a lost phone, a shared computer).
#[utoipa::path(delete, path = "/api/v1/users/{username}/sessions", tag = "auth", params(("username" = String, Path)),
    responses((status = 200, body = AccountView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_sessions(State(state): State<AppState>, user: CurrentUser, axum::extract::Path(username): axum::extract::Path<String>) -> Result<Json<AccountView>, AppError> {
    manage(&state, &user.user, &username, Requested::RevokeSessions).await.map(account_view)
}
