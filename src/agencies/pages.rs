//! The accounts page (/pengguna): an administrator sees the accounts of their agency within
//! their unit's region, by unit name, and disables or enables one, sets a new password, or
//! ends its sessions. Each form goes through `api::manage`, the same job as the API's, which
//! ends in the CLI's store function; a refused form is shown again with the message beside its
//! field (the password itself is never shown again).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::api::{Requested, manage};
use super::store::{self, Account};
use crate::platform::auth;
use crate::platform::form::{FormBody, Refusal, Refused, above, beside, invalid};
use crate::platform::web::{Lang, OrPage, Page, PageError, PageUser, layout, t, urlencode};
use crate::platform::state::AppState;


#[derive(Deserialize)]
pub struct Done {
    /// What was just done (`nonaktif`, `aktif`, `sandi`, `sesi`), to confirm it in words.
    selesai: Option<String>,
    akun: Option<String>,
}

pub async fn accounts_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(done): Query<Done>) -> Result<Response, PageError> {
    accounts_view(&state, lang, &user, None, &done).await
}

async fn accounts_view(state: &AppState, lang: Lang, user: &auth::CurrentUser, refused: Refused<'_>, done: &Done) -> Result<Response, PageError> {
    // Only administrators see the page: `authorize` names the role that is missing.
    auth::authorize(&user.user, auth::MANAGE_USERS, &user.user.unit.region).or_page(Some(user))?;
    let (region, agency) = (user.user.unit.region.clone(), user.user.unit.agency);
    let accounts = state.db.read(move |c| store::list_accounts(c, &region, Some(agency))).await.or_page(Some(user))?;
    let title = lang.pick("Akun pengguna", "User accounts");
    let confirmation = done.akun.as_deref().and_then(|name| accounts.iter().find(|a| a.user.username == name)).and_then(|a| {
        let what = match done.selesai.as_deref()? {
            "nonaktif" => lang.pick("dinonaktifkan; sesi-sesinya sudah diakhiri", "disabled; its sessions have ended"),
            "aktif" => lang.pick("diaktifkan kembali", "enabled again"),
            "sandi" => lang.pick("mendapat kata sandi baru; sesi-sesinya sudah diakhiri", "has a new password; its sessions have ended"),
            "sesi" => lang.pick("tidak lagi punya sesi yang terbuka", "has no open session any more"),
            _ => return None,
        };
        Some(format!("{} {} ({}) {what}.", lang.pick("Akun", "The account of"), a.user.unit.name, a.user.username))
    });
    let body = html! {
        h1 { (title) }
        p.muted {
            (lang.pick("Akun ", "Accounts of ")) (user.user.unit.agency.label())
            (lang.pick(" di wilayah kerja ", " within the scope of ")) b { (user.user.unit.name) } ". "
            (lang.pick("Akun yang dinonaktifkan tidak dapat masuk; menonaktifkan, mengganti kata sandi dan mengakhiri sesi langsung mengeluarkan pengguna dari semua perangkat.",
                 "A disabled account cannot log in; disabling, a new password and ending the sessions log the user out of every device at once."))
        }
        @if let Some(c) = confirmation { p.ok #done role="status" { (c) } }
        @if accounts.is_empty() { p { (lang.pick("Tidak ada akun di wilayah ini.", "No accounts in this scope.")) } }
        @for a in &accounts { (account_card(lang, a, user.user.id, refused)) }
    };
    let body = html! { (crate::platform::form::unshown(refused)) (body) };
    let status = refused.map_or(StatusCode::OK, Refusal::status);
    Ok((status, layout(Page::new(lang, title, Some(&user.user), "/pengguna"), body)).into_response())
}

fn account_card(lang: Lang, a: &Account, me: i64, r: Refused<'_>) -> Markup {
    let name = &a.user.username;
    let base = format!("/pengguna/{}", urlencode(name));
    let (toggle_form, pw_form, revoke_form) = (format!("toggle-{name}"), format!("password-{name}"), format!("revoke-{name}"));
    html! {
        article.account id={ "akun-" (name) } data-username=(name) {
            h2 { (a.user.unit.name) }
            p {
                (lang.pick("Nama pengguna: ", "Username: ")) code { (name) } " · " (t(lang, &format!("role.{}", a.user.role.as_str()))) " · "
                @if a.active { b.state.ok data-active="true" { (lang.pick("Aktif", "Active")) } }
                @else { b.state.warn data-active="false" { (lang.pick("Nonaktif", "Disabled")) } }
            }
            @if a.user.id != me || !a.active {
                form.inline id=(toggle_form) method="post" action={ (base) (if a.active { "/nonaktifkan" } else { "/aktifkan" }) } {
                    (above(r, &toggle_form, &[]))
                    button type="submit" { (if a.active { lang.pick("Nonaktifkan", "Disable") } else { lang.pick("Aktifkan kembali", "Enable again") }) }
                }
            }
            form.inline id=(revoke_form) method="post" action={ (base) "/sesi" } {
                (above(r, &revoke_form, &[]))
                button type="submit" { (lang.pick("Akhiri semua sesi", "End every session")) }
            }
            p { a.devices href={ (base) "/perangkat" } { (lang.pick("Perangkat lapangan (masuk tanpa kata sandi)", "Field devices (logged in without a password)")) } }
            form.move id=(pw_form) method="post" action={ (base) "/sandi" } {
                (above(r, &pw_form, &["password"]))
                label for={ "pw-" (name) } { (lang.pick("Kata sandi baru", "New password")) }
                input id={ "pw-" (name) } name="password" type="password" autocomplete="new-password" required minlength="8" aria-invalid=[invalid(r, &pw_form, "password")];
                (beside(r, &pw_form, "password"))
                button type="submit" { (lang.pick("Ganti kata sandi", "Set the password")) }
            }
        }
    }
}

/// Runs one change from the page; success returns to the list with a confirmation, a refusal
/// shows the list again with the message in (or beside the field of) the form that was sent.
async fn submit(state: &AppState, lang: Lang, user: &auth::CurrentUser, username: &str, form: String, typed: FormBody, requested: Requested, done: &str) -> Result<Response, PageError> {
    match manage(state, &user.user, username, requested).await {
        Ok(_) => Ok(Redirect::to(&format!("/pengguna?selesai={done}&akun={}#akun-{}", urlencode(username), urlencode(username))).into_response()),
        Err(err) => {
            let refusal = Refusal::new(form, typed, err);
            accounts_view(state, lang, user, Some(&refusal), &Done { selesai: None, akun: None }).await
        }
    }
}

pub async fn disable_submit(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(username): Path<String>) -> Result<Response, PageError> {
    submit(&state, lang, &user, &username, format!("toggle-{username}"), FormBody::default(), Requested::Disable, "nonaktif").await
}

pub async fn enable_submit(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(username): Path<String>) -> Result<Response, PageError> {
    submit(&state, lang, &user, &username, format!("toggle-{username}"), FormBody::default(), Requested::Enable, "aktif").await
}

pub async fn revoke_submit(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(username): Path<String>) -> Result<Response, PageError> {
    submit(&state, lang, &user, &username, format!("revoke-{username}"), FormBody::default(), Requested::RevokeSessions, "sesi").await
}

pub async fn password_submit(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(username): Path<String>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let f = FormBody::parse(&body);
    let password = f.get("password").to_string();
    // What was typed is kept for the form, except the password itself.
    let typed = FormBody(f.0.into_iter().filter(|(k, _)| k != "password").collect());
    submit(&state, lang, &user, &username, format!("password-{username}"), typed, Requested::ResetPassword { password }, "sandi").await
}
