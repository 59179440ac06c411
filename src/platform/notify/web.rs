//! The doors of notifications: the API (`/api/v1/notifications/…`) and the pages
//! (`/peringatan/saluran`, `/peringatan/pengiriman`). Both run the same jobs
//! (`subscribe_job`, `unsubscribe_job`), so they accept and refuse the same things.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::{Channel, Channels, DeliveryLog, Subscription, SubscriptionInput};
use crate::platform::alerts::{KINDS, Severity};
use crate::platform::auth::CurrentUser;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::form::{FormBody, Refusal, Refused, above, beside, chosen, invalid, typed};
use crate::platform::http::{Path, Query, Write, idempotent_write, page_limit, parse_json};
use crate::platform::i18n::{Lang, PlaceNames};
use crate::platform::state::AppState;
use crate::platform::web::{OrPage, Page, PageError, PageUser, layout, login_first};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SubscriptionList {
    items: Vec<Subscription>,
}

/// The caller's unit's notification channels (webhook keys are never listed).
#[utoipa::path(get, path = "/api/v1/notifications/subscriptions", tag = "alerts",
    responses((status = 200, body = SubscriptionList), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_subscriptions(State(state): State<AppState>, user: CurrentUser) -> Result<axum::Json<SubscriptionList>, AppError> {
    let lang = Lang::current();
    let unit = user.user.unit.id;
    let items = state.db.read(move |c| super::subscriptions(c, unit, lang)).await?;
    Ok(axum::Json(SubscriptionList { items }))
}

/// Subscribes a channel of the caller's unit (its administrator) to alert kinds from a least
/// severity: email (when the server has SMTP) or a webhook, whose signing key is answered once.
#[utoipa::path(post, path = "/api/v1/notifications/subscriptions", tag = "alerts", request_body = SubscriptionInput,
    responses((status = 201, body = Subscription), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_subscription(State(state): State<AppState>, w: Write) -> Result<Response, AppError> {
    let input: SubscriptionInput = parse_json(&w.body)?;
    let job = super::subscribe_job(state.module::<Channels>(), w.user.user.clone(), input)?;
    idempotent_write(&state.db, w.request, move |c| Ok((StatusCode::CREATED, job(c)?))).await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Removed {
    removed: i64,
}

/// Removes a channel of the caller's unit; what it had not yet delivered is not sent.
#[utoipa::path(delete, path = "/api/v1/notifications/subscriptions/{id}", tag = "alerts", params(("id" = i64, Path)),
    responses((status = 200, body = Removed), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_subscription(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let job = super::unsubscribe_job(w.user.user.clone(), id)?;
    idempotent_write(&state.db, w.request, move |c| {
        job(c)?;
        Ok((StatusCode::OK, Removed { removed: id }))
    })
    .await
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct LogQuery {
    /// How many attempts (1–1000, default 100), newest first.
    limit: Option<i64>,
}

/// The caller's unit's delivery log: deliveries waiting for their receivers, and every attempt
/// with its time, channel and result.
#[utoipa::path(get, path = "/api/v1/notifications/deliveries", tag = "alerts", params(LogQuery),
    responses((status = 200, body = DeliveryLog), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn deliveries(State(state): State<AppState>, user: CurrentUser, Query(q): Query<LogQuery>) -> Result<axum::Json<DeliveryLog>, AppError> {
    let limit = page_limit(q.limit)?;
    Ok(axum::Json(log_of(&state, &user, limit).await?))
}

async fn log_of(state: &AppState, user: &CurrentUser, limit: i64) -> Result<DeliveryLog, AppError> {
    let lang = Lang::current();
    let places = state.module::<PlaceNames>().0.clone();
    let unit = user.user.unit.clone();
    Ok(state.db.read(move |c| super::delivery_log(c, &unit, limit, lang, places.as_ref())).await?)
}

// ---------------------------------------------------------------------------------------------
// Pages

const FORM: &str = "subscribe-form";
const FIELDS: &[&str] = &["channel", "target", "kinds", "min_severity", "secret"];

/// The unit's channels, with the administrator's forms to add and remove them.
pub async fn channels_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser) -> Result<Response, PageError> {
    channels_view(&state, lang, &user, None, None).await
}

async fn channels_view(state: &AppState, lang: Lang, user: &CurrentUser, created: Option<&Subscription>, refused: Refused<'_>) -> Result<Response, PageError> {
    let unit = user.user.unit.id;
    let subs = state.db.read(move |c| super::subscriptions(c, unit, lang)).await.or_page(Some(user))?;
    let admin = crate::platform::auth::authorize(&user.user, super::MANAGE, &user.user.unit.region).is_ok();
    let email_on = state.module::<Channels>().smtp.is_some();
    let title = lang.pick("Saluran pemberitahuan", "Notification channels");
    let body = html! {
        h1 { (title) " · " (user.user.unit.name) }
        p { (lang.pick(
            "Peringatan untuk unit ini juga dikirim ke luar aplikasi: ke email, atau ke webhook (misalnya gateway WhatsApp atau Telegram instansi). Setiap kiriman membawa ID peringatan dan versinya; kiriman yang sama dapat datang lebih dari sekali, dan penerima membuang yang sudah diterimanya. Webhook ditandatangani: tajuk X-Sinergi-Signature berisi sha256= HMAC-SHA256 isi kiriman dengan kunci rahasia saluran.",
            "Alerts for this unit also leave the app: by email, or to a webhook (such as an agency's WhatsApp or Telegram gateway). Every delivery carries the alert's id and version; the same delivery may come more than once, and the receiver drops what it already has. Webhooks are signed: the X-Sinergi-Signature header holds sha256= HMAC-SHA256 of the body with the channel's key.")) }
        p { a #delivery-log href="/peringatan/pengiriman" { (lang.pick("Log pengiriman unit ini", "This unit's delivery log")) } }
        @if let Some(s) = created {
            div.notice #created role="status" {
                p { (lang.pick("Saluran ditambahkan: ", "Channel added: ")) (s.channel.label()) " " (s.target) }
                @if let Some(secret) = &s.secret {
                    p { (lang.pick("Kunci rahasia webhook ini (hanya ditampilkan sekali; simpan di gateway):", "This webhook's signing key (shown once only; keep it in the gateway):")) }
                    p { code.sha #secret { (secret) } }
                }
            }
        }
        @if subs.is_empty() { p.muted #no-channels { (lang.pick("Unit ini belum punya saluran pemberitahuan.", "This unit has no notification channel yet.")) } }
        @else {
            // A phone scrolls the table, not the page.
            div.scroll {
                table #channels {
                    thead { tr {
                        th { (lang.pick("Saluran", "Channel")) } th { (lang.pick("Tujuan", "Destination")) }
                        th { (lang.pick("Jenis peringatan", "Alert kinds")) } th { (lang.pick("Tingkat paling rendah", "Least severity")) }
                        @if admin { th {} }
                    } }
                    tbody { @for s in &subs { tr data-id=(s.id) {
                        td { (s.channel.label()) } td.tujuan { (s.target) } td { (s.kinds_label) } td { (s.min_severity_label) }
                        @if admin { td {
                            form method="post" action={ "/peringatan/saluran/" (s.id) "/hapus" } { button type="submit" { (lang.pick("Hapus", "Remove")) } }
                        } }
                    } } }
                }
            }
        }
        @if admin { (add_form(lang, email_on, refused)) }
        @else { p.muted { (lang.pick("Saluran diatur oleh administrator unit.", "Channels are managed by the unit's administrator.")) } }
        (crate::platform::form::unshown(refused))
    };
    let status = refused.map_or(StatusCode::OK, Refusal::status);
    Ok((status, layout(Page::new(lang, title, Some(&user.user), "/peringatan/saluran"), body)).into_response())
}

fn add_form(lang: Lang, email_on: bool, refused: Refused<'_>) -> Markup {
    let v = |name: &str| typed(refused, FORM, name, "").to_string();
    let channel = typed(refused, FORM, "channel", "webhook");
    let severity = typed(refused, FORM, "min_severity", "info");
    html! {
        h2 { (lang.pick("Tambah saluran", "Add a channel")) }
        form.move #subscribe-form method="post" action="/peringatan/saluran" {
            (above(refused, FORM, FIELDS))
            label for="sub-channel" { (lang.pick("Saluran", "Channel")) }
            select #sub-channel name="channel" aria-invalid=[invalid(refused, FORM, "channel")] {
                option value="webhook" selected[channel == "webhook"] { "Webhook (WhatsApp/Telegram gateway)" }
                option value="email" selected[channel == "email"] { "Email" @if !email_on { " — " (lang.pick("belum diatur di server ini", "not set up on this server")) } }
            }
            (beside(refused, FORM, "channel"))
            label for="sub-target" { (lang.pick("Tujuan: alamat email atau URL webhook", "Destination: email address or webhook URL")) }
            input #sub-target name="target" value=(v("target")) placeholder="https://gateway.example/sinergi" aria-invalid=[invalid(refused, FORM, "target")] required;
            (beside(refused, FORM, "target"))
            fieldset {
                legend { (lang.pick("Jenis peringatan (tanpa centang: semua jenis)", "Alert kinds (none ticked: every kind)")) }
                @for (key, id, en) in KINDS {
                    label.check { input type="checkbox" name="kinds" value=(key) checked[chosen(refused, FORM, "kinds", key, false)]; " " (lang.pick(id, en)) }
                }
            }
            (beside(refused, FORM, "kinds"))
            label for="sub-severity" { (lang.pick("Tingkat paling rendah", "Least severity")) }
            select #sub-severity name="min_severity" aria-invalid=[invalid(refused, FORM, "min_severity")] {
                @for s in Severity::ALL { option value=(s.as_str()) selected[severity == s.as_str()] { (s.label(lang)) } }
            }
            (beside(refused, FORM, "min_severity"))
            label for="sub-secret" { (lang.pick("Kunci rahasia webhook (boleh kosong: dibuatkan)", "Webhook signing key (optional: one is made)")) }
            input #sub-secret name="secret" value=(v("secret")) autocomplete="off" aria-invalid=[invalid(refused, FORM, "secret")];
            (beside(refused, FORM, "secret"))
            button type="submit" { (lang.pick("Tambahkan", "Add")) }
        }
    }
}

/// The add form: the API's job, from the form's fields.
pub async fn subscribe_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/peringatan/saluran")) };
    let f = FormBody::parse(&body);
    let input = SubscriptionInput {
        channel: f.get("channel").to_string(),
        target: f.get("target").to_string(),
        kinds: f.all("kinds").map(str::to_string).collect(),
        min_severity: Some(f.get("min_severity").to_string()),
        secret: Some(f.get("secret").to_string()),
    };
    let job = super::subscribe_job(state.module::<Channels>(), user.user.clone(), input);
    let result = match job {
        Ok(j) => state.db.write(j).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => channels_view(&state, lang, &user, Some(&created), None).await,
        Err(err) => {
            let refusal = Refusal::new(FORM, f, err);
            channels_view(&state, lang, &user, None, Some(&refusal)).await
        }
    }
}

/// The remove button.
pub async fn unsubscribe_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/peringatan/saluran")) };
    let result = match super::unsubscribe_job(user.user.clone(), id) {
        Ok(j) => state.db.write(j).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(axum::response::Redirect::to("/peringatan/saluran").into_response()),
        Err(err) => {
            let refusal = Refusal::new(format!("remove-{id}"), FormBody::default(), err);
            channels_view(&state, lang, &user, None, Some(&refusal)).await
        }
    }
}

/// The unit's delivery log: what waits, and every attempt with its result in words.
pub async fn log_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser) -> Result<Response, PageError> {
    let log = log_of(&state, &user, 200).await.or_page(Some(&user))?;
    let title = lang.pick("Log pengiriman pemberitahuan", "Notification delivery log");
    let channel = |c: Channel| c.label();
    let body = html! {
        h1 { (title) " · " (user.user.unit.name) }
        p { a href="/peringatan/saluran" { (lang.pick("Saluran pemberitahuan unit ini", "This unit's notification channels")) } }
        h2 { (lang.pick("Menunggu dikirim", "Waiting to be sent")) }
        @if log.pending.is_empty() { p.muted #no-pending { (lang.pick("Tidak ada kiriman yang menunggu.", "Nothing is waiting.")) } }
        @else {
            // A phone scrolls the table, not the page.
            div.scroll {
                table #pending {
                    thead { tr {
                        th { (lang.pick("Peringatan", "Alert")) } th { (lang.pick("Saluran", "Channel")) } th { (lang.pick("Tujuan", "Destination")) }
                        th { (lang.pick("Percobaan", "Attempts")) } th { (lang.pick("Dicoba berikutnya", "Next try")) }
                    } }
                    tbody { @for p in &log.pending { tr {
                        td { "#" (p.alert_id) " " (lang.pick("versi", "version")) " " (p.revision) " · " (p.kind_label) }
                        td { (channel(p.channel)) } td.tujuan { (p.target) } td { (p.attempts) } td { (p.next) }
                    } } }
                }
            }
        }
        h2 { (lang.pick("Percobaan pengiriman", "Delivery attempts")) }
        @if log.attempts.is_empty() { p.muted #no-attempts { (lang.pick("Belum ada percobaan pengiriman.", "No delivery attempted yet.")) } }
        @else {
            // A phone scrolls the table, not the page.
            div.scroll {
                table #attempts {
                    thead { tr {
                        th { (lang.pick("Waktu", "When")) } th { (lang.pick("Saluran", "Channel")) } th { (lang.pick("Tujuan", "Destination")) }
                        th { (lang.pick("Peringatan", "Alert")) } th { (lang.pick("Hasil", "Result")) }
                    } }
                    tbody { @for a in &log.attempts { tr data-delivered=(a.delivered) {
                        td { (a.time) } td { (channel(a.channel)) } td.tujuan { (a.target) }
                        td {
                            @let what = format!("#{} {} {} · {}", a.alert_id, lang.pick("versi", "version"), a.revision, a.kind_label);
                            @if let Some(l) = &a.link { a href=(l) { (what) } } @else { (what) }
                        }
                        td { (a.result) }
                    } } }
                }
            }
        }
    };
    Ok(layout(Page::new(lang, title, Some(&user.user), "/peringatan/pengiriman"), body).into_response())
}
