//! Notifications that leave the app: each unit subscribes its channels (email over SMTP, or a
//! webhook for the WhatsApp and Telegram gateways agencies run) per alert kind and least
//! severity; every version of an alert that reaches a subscribed unit goes into the outbox in
//! the alert's own transaction; a sender delivers it at least once.
//!
//! At least once, and never lost: a sender claims a due row by moving its `next_at` past a
//! lease, sends, and only a receiver's acknowledgement (HTTP 2xx, SMTP 250) makes it
//! `terkirim`. A sender killed in the middle leaves the row due again when its lease ends, and
//! it is sent again, by this server after a restart or by another one. Each delivery carries
//! the alert's id and version (email headers and body; the webhook's JSON and headers) and a
//! key that stays the same on every redelivery, so a receiver drops the duplicates.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

use super::alerts::{self, Severity};
use super::audit::{self, Change};
use super::auth::Rule;
use super::db::{Conn, Db, DbError, Row};
use super::error::AppError;
use super::i18n::{Lang, Places, Text};
use super::identity::{Role, User};
use crate::{params, tr};

pub mod web;

/// Adding and removing a unit's channels: the unit's administrator.
pub const MANAGE: Rule = Rule { min_role: Role::Admin, agencies: &[], action: ("mengatur saluran pemberitahuan unit", "manage the unit's notification channels") };

/// How long a claimed delivery is left to its sender before another may take it: longer than
/// a delivery may take (`TIMEOUT`), so a live sender is never doubled.
pub const LEASE: Duration = Duration::from_secs(30);
/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the sender looks for due deliveries.
const SEND_EVERY: Duration = Duration::from_secs(2);
/// How long the `outbox` lease outlives its holder's last claim: another server's sender takes
/// over this long after the holder died (or fell idle).
const SENDER_LEASE_TTL: Duration = Duration::from_secs(10);
/// Deliveries claimed at once.
const BATCH: i64 = 16;
/// The first retry waits this long, each next one twice as long, up to `BACKOFF_CAP`.
const BACKOFF_BASE: i64 = 5;
const BACKOFF_CAP: i64 = 3600;
/// After this many attempts (about half a day) a delivery is given up (`gagal`).
const MAX_ATTEMPTS: i64 = 20;
/// Active subscriptions a unit may have.
const MAX_PER_UNIT: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
    fn parse(s: &str) -> Result<Channel, Text> {
        match s.trim() {
            "email" => Ok(Channel::Email),
            "webhook" => Ok(Channel::Webhook),
            other => Err(tr!("saluran \"{other}\" tidak dikenal; pilih email atau webhook", "unknown channel {other:?}: email or webhook")),
        }
    }
    /// A stored channel (only the two it writes).
    fn stored(s: &str) -> Channel {
        if s == "email" { Channel::Email } else { Channel::Webhook }
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Webhook => "Webhook",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Settings

/// What the operator configured: the SMTP relay (`SINERGI_SMTP_URL`, `SINERGI_SMTP_FROM`), the
/// HTTP client for webhooks, and the public address links start with (`SINERGI_PUBLIC_URL`).
pub struct Channels {
    smtp: Option<Smtp>,
    http: reqwest::Client,
    public_url: Option<String>,
}

struct Smtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    host: String,
}

impl Channels {
    /// Reads the settings. Email is off when neither SMTP setting is given (email subscriptions
    /// are then refused, saying so); half a setting is an error, never a silent default.
    pub fn from_env() -> Result<Channels, String> {
        let settings = super::settings::get();
        let smtp = match (settings.smtp_url.as_deref().map(str::trim), settings.smtp_from.as_deref().map(str::trim)) {
            (None, None) => None,
            (Some(_), None) => return Err("SINERGI_SMTP_URL is set but SINERGI_SMTP_FROM is not: name the sender, e.g. \"Sinergi KPU <sinergi@kpu.example>\"".into()),
            (None, Some(_)) => return Err("SINERGI_SMTP_FROM is set but SINERGI_SMTP_URL is not: name the relay, e.g. smtp://mail.example:587?tls=required".into()),
            (Some(url), Some(from)) => {
                let from: lettre::message::Mailbox = from.parse().map_err(|e| format!("SINERGI_SMTP_FROM {from:?} is not an email address: {e}"))?;
                let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url)
                    .map_err(|e| format!("SINERGI_SMTP_URL is not an SMTP address (smtp://HOST:PORT, smtp://HOST:587?tls=required, smtps://USER:PASSWORD@HOST:465): {e}"))?
                    .timeout(Some(TIMEOUT))
                    .build();
                let host = from.email.domain().to_string();
                Some(Smtp { transport, from, host })
            }
        };
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // A gateway answers where it is; following a redirect would send the signed body on.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Sinergi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client for webhooks: {e}"))?;
        Ok(Channels { smtp, http, public_url: super::guard::public_url().map(str::to_string) })
    }

    /// For the start-up log.
    pub fn describe(&self) -> String {
        match &self.smtp {
            Some(s) => format!("notifications by webhook and by email from {}", s.from),
            None => "notifications by webhook; email is off (SINERGI_SMTP_URL and SINERGI_SMTP_FROM not set)".into(),
        }
    }

    fn link(&self, path: &str) -> String {
        match &self.public_url {
            Some(base) if path.starts_with('/') => format!("{base}{path}"),
            _ => path.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Subscription {
    pub id: i64,
    pub channel: Channel,
    /// The address (email) or URL (webhook).
    pub target: String,
    /// The alert kinds it takes; empty: every kind.
    pub kinds: Vec<String>,
    /// The kinds by name, in the caller's language ("Semua jenis peringatan" when empty).
    pub kinds_label: String,
    /// The least severity it takes.
    pub min_severity: Severity,
    pub min_severity_label: String,
    /// RFC 3339.
    pub created_at: String,
    /// Only in the answer that created a webhook: the key its signatures are made with
    /// (`X-Sinergi-Signature: sha256=HMAC-SHA256(key, body)` in hex). It is not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionInput {
    /// `email` or `webhook`.
    pub channel: String,
    /// An email address, or the webhook's `https://` (or `http://`) URL.
    pub target: String,
    /// Alert kinds (see `kind` in `/api/v1/alerts`); empty or absent: every kind.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// `info` (default), `warning` or `critical`: the least severity sent.
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Webhooks: the signing key (16–200 visible characters); absent, one is made and
    /// answered once.
    #[serde(default)]
    pub secret: Option<String>,
}

/// A write checked before it runs: it runs in the writer's transaction.
pub type Job<T> = super::http::Job<T>;

fn kinds_label(lang: Lang, kinds: &[String]) -> String {
    if kinds.is_empty() {
        return lang.pick("Semua jenis peringatan", "Every kind of alert").to_string();
    }
    kinds.iter().map(|k| alerts::kind_label(lang, k)).collect::<Vec<_>>().join(", ")
}

fn subscription_from(r: &Row, lang: Lang) -> Result<Subscription, DbError> {
    let channel: String = r.get(1)?;
    let kinds: String = r.get(3)?;
    let kinds: Vec<String> = if kinds == "*" { vec![] } else { kinds.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect() };
    let severity = Severity::from_rank(r.get(4)?);
    Ok(Subscription {
        id: r.get(0)?,
        channel: Channel::stored(&channel),
        target: r.get(2)?,
        kinds_label: kinds_label(lang, &kinds),
        kinds,
        min_severity: severity,
        min_severity_label: severity.label(lang).to_string(),
        created_at: r.get(5)?,
        secret: None,
    })
}

/// The unit's active subscriptions, oldest first.
pub fn subscriptions(conn: &mut Conn, unit_id: i64, lang: Lang) -> Result<Vec<Subscription>, DbError> {
    conn.query(
        "SELECT id, channel, target, kinds, min_severity, created_at FROM notify_subscriptions WHERE unit_id = $1 AND removed_at IS NULL ORDER BY id",
        params![unit_id],
    )?
    .iter()
    .map(|r| subscription_from(r, lang))
    .collect()
}

/// The checks of a new subscription (who, channel, address, kinds, severity, key), then the
/// write: the API and the page run the same job.
pub fn subscribe_job(channels: &Channels, user: User, input: SubscriptionInput) -> Result<Job<Subscription>, AppError> {
    let permit = super::auth::authorize(&user, MANAGE, &user.unit.region)?;
    let channel = Channel::parse(&input.channel).map_err(|m| AppError::invalid("channel", m))?;
    let target = super::text::line("target", &input.target, super::text::ADDRESS_MAX, true)?;
    match channel {
        Channel::Email => {
            if channels.smtp.is_none() {
                return Err(AppError::invalid(
                    "channel",
                    tr!(
                        "email belum dapat dipakai: server Sinergi ini belum diatur untuk mengirim email (SINERGI_SMTP_URL dan SINERGI_SMTP_FROM); minta operator mengaturnya, atau pakai webhook",
                        "email is not available: this Sinergi server is not set up to send email (SINERGI_SMTP_URL and SINERGI_SMTP_FROM); ask the operator to set it up, or use a webhook"
                    ),
                ));
            }
            target.parse::<lettre::Address>().map_err(|_| {
                AppError::invalid("target", tr!("\"{target}\" bukan alamat email (mis. piket@bawaslu.example)", "{target:?} is not an email address (e.g. duty@bawaslu.example)"))
            })?;
            if input.secret.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                return Err(AppError::invalid("secret", tr!("kunci rahasia hanya untuk webhook", "a signing key is for webhooks only")));
            }
        }
        Channel::Webhook => {
            let url = reqwest::Url::parse(&target).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()));
            if url.is_none() {
                return Err(AppError::invalid(
                    "target",
                    tr!("\"{target}\" bukan alamat webhook; tulis URL lengkap, mis. https://gateway.example/sinergi", "{target:?} is not a webhook address; give a full URL, e.g. https://gateway.example/sinergi"),
                ));
            }
        }
    }
    let mut kinds: Vec<String> = vec![];
    for k in input.kinds.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        if !alerts::KINDS.iter().any(|(known, _, _)| *known == k) {
            let known = alerts::KINDS.iter().map(|(k, _, _)| *k).collect::<Vec<_>>().join(", ");
            return Err(AppError::invalid("kinds", tr!("jenis peringatan \"{k}\" tidak dikenal; pilih dari: {known}", "unknown alert kind {k:?}: one of {known}")));
        }
        if !kinds.iter().any(|have| have == k) {
            kinds.push(k.to_string());
        }
    }
    let min_severity = match input.min_severity.as_deref().map(str::trim) {
        None | Some("") => Severity::Info,
        Some(s) => Severity::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
            AppError::invalid("min_severity", tr!("tingkat \"{s}\" tidak dikenal; pilih info, warning atau critical", "unknown severity {s:?}: info, warning or critical"))
        })?,
    };
    let secret = match channel {
        Channel::Email => String::new(),
        Channel::Webhook => match input.secret.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if (16..=200).contains(&s.chars().count()) && s.chars().all(|c| c.is_ascii_graphic()) => s.to_string(),
            Some(_) => {
                return Err(AppError::invalid(
                    "secret",
                    tr!("kunci rahasia harus 16–200 karakter tanpa spasi (huruf, angka, tanda baca)", "the signing key must be 16–200 visible characters without spaces"),
                ));
            }
            None => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
                hex::encode(key)
            }
        },
    };
    let lang = Lang::current();
    Ok(Box::new(move |c: &mut Conn| {
        let active: i64 = c.query_one("SELECT COUNT(*) FROM notify_subscriptions WHERE unit_id = $1 AND removed_at IS NULL", params![user.unit.id])?.get(0)?;
        if active >= MAX_PER_UNIT {
            return Err(AppError::conflict(tr!(
                "unit ini sudah punya {active} saluran; hapus yang tidak dipakai dulu",
                "this unit already has {active} channels; remove one it no longer uses first"
            )));
        }
        let stored_kinds = if kinds.is_empty() { "*".to_string() } else { format!(",{},", kinds.join(",")) };
        let now = super::clock::now_rfc3339();
        let id: i64 = c
            .query_one(
                "INSERT INTO notify_subscriptions (unit_id, channel, target, secret, kinds, min_severity, created_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                params![user.unit.id, channel.as_str(), target.as_str(), secret.as_str(), stored_kinds, min_severity.rank(), now.as_str(), user.username.as_str()],
            )?
            .get(0)?;
        audit::record(c, &permit, Change {
            action: "notify.subscribe",
            entity_type: "notify_subscription",
            entity_id: &id.to_string(),
            region: Some(&user.unit.region),
            // Never the key.
            detail: serde_json::json!({"unit": user.unit.name, "channel": channel.as_str(), "target": target, "kinds": kinds, "min_severity": min_severity.as_str()}),
        })?;
        Ok(Subscription {
            id,
            channel,
            target,
            kinds_label: kinds_label(lang, &kinds),
            kinds,
            min_severity,
            min_severity_label: min_severity.label(lang).to_string(),
            created_at: now,
            secret: (channel == Channel::Webhook).then_some(secret),
        })
    }))
}

/// Removes one of the unit's subscriptions; what it had not yet delivered is not sent.
pub fn unsubscribe_job(user: User, id: i64) -> Result<Job<()>, AppError> {
    let permit = super::auth::authorize(&user, MANAGE, &user.unit.region)?;
    Ok(Box::new(move |c: &mut Conn| {
        let gone = || AppError::not_found(tr!("saluran {id} tidak ada di unit Anda", "your unit has no channel {id}"));
        let row = c
            .query_opt("SELECT channel, target FROM notify_subscriptions WHERE id = $1 AND unit_id = $2 AND removed_at IS NULL", params![id, user.unit.id])?
            .ok_or_else(gone)?;
        let (channel, target): (String, String) = (row.get(0)?, row.get(1)?);
        let now = super::clock::now_rfc3339();
        c.execute("UPDATE notify_subscriptions SET removed_at = $1 WHERE id = $2", params![now.as_str(), id])?;
        c.execute("UPDATE notify_outbox SET state = 'dibatalkan', done_at = $1 WHERE subscription_id = $2 AND state = 'menunggu'", params![now.as_str(), id])?;
        audit::record(c, &permit, Change {
            action: "notify.unsubscribe",
            entity_type: "notify_subscription",
            entity_id: &id.to_string(),
            region: Some(&user.unit.region),
            detail: serde_json::json!({"unit": user.unit.name, "channel": channel, "target": target}),
        })?;
        Ok(())
    }))
}

// ---------------------------------------------------------------------------------------------
// The outbox

/// A version of an alert, as `alerts` hands it over inside its transaction.
pub(super) struct Raised<'a> {
    pub id: i64,
    pub revision: i64,
    pub kind: &'a str,
    pub region: &'a str,
    pub severity: Severity,
    pub broadcast: bool,
    /// `,kpu,bawaslu,`
    pub agencies: &'a str,
    /// What is sent: the alert as it is now (texts in both languages, link, times).
    pub snapshot: serde_json::Value,
}

/// Puts this version of the alert into the outbox of every subscription it reaches: the
/// subscribing unit's agency is named and the unit would see the alert (its scope holds the
/// alert's region, or the alert is a broadcast over the unit's region), and the kind and
/// severity are among those subscribed. Older versions not yet sent to the same subscription
/// are replaced by this one.
pub(super) fn enqueue(conn: &mut Conn, a: &Raised<'_>) -> Result<usize, DbError> {
    let mut above: Vec<&str> = super::identity::lineage(a.region);
    above.push(super::identity::NATIONAL);
    let up = |i: usize| above.get(i).copied().unwrap_or(super::identity::NATIONAL).to_string();
    let (lo, hi) = if a.region == super::identity::NATIONAL { (String::new(), "~".to_string()) } else { super::identity::scope_range(a.region) };
    let rows = conn.query(
        "SELECT s.id, s.unit_id, s.kinds, s.min_severity FROM notify_subscriptions s JOIN agency_units u ON u.id = s.unit_id
         WHERE s.removed_at IS NULL AND $1 LIKE '%,' || u.agency || ',%'
           AND (u.region_code IN ($2, $3, $4, $5, $6, $7) OR ($8 = 1 AND u.region_code >= $9 AND u.region_code < $10))",
        params![a.agencies, up(0), up(1), up(2), up(3), up(4), up(5), i64::from(a.broadcast), lo, hi],
    )?;
    let now = super::clock::now_rfc3339();
    let payload = a.snapshot.to_string();
    let mut queued = 0;
    for r in &rows {
        let (sub, unit, kinds, min): (i64, i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        if (kinds != "*" && !kinds.contains(&format!(",{},", a.kind))) || a.severity.rank() < min {
            continue;
        }
        conn.execute(
            "UPDATE notify_outbox SET state = 'diganti', done_at = $1 WHERE alert_id = $2 AND subscription_id = $3 AND state = 'menunggu'",
            params![now.as_str(), a.id, sub],
        )?;
        conn.execute(
            "INSERT INTO notify_outbox (alert_id, revision, subscription_id, unit_id, payload, state, attempts, next_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'menunggu', 0, $6, $6)",
            params![a.id, a.revision, sub, unit, payload.as_str(), now.as_str()],
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// A delivery a sender claimed.
#[derive(Debug, Clone)]
struct Claimed {
    id: i64,
    unit_id: i64,
    alert_id: i64,
    revision: i64,
    attempt: i64,
    payload: serde_json::Value,
    channel: Channel,
    target: String,
    secret: String,
    unit_name: String,
}

/// Claims up to `limit` due deliveries for `LEASE`. The claim is a conditional update on the
/// row's `next_at`, so of two servers on one database only one wins a row. A row claimed
/// before whose attempt was never reported (its sender died) is logged as cut off.
fn claim(conn: &mut Conn, now: time::OffsetDateTime, limit: i64) -> Result<Vec<Claimed>, DbError> {
    let now_s = super::clock::rfc3339(now);
    let lease_end = super::clock::rfc3339(now + LEASE);
    let rows = conn.query(
        "SELECT o.id, o.next_at, o.attempts, o.alert_id, o.revision, o.payload, o.unit_id, s.channel, s.target, s.secret, u.name,
                (SELECT COUNT(*) FROM notify_attempts t WHERE t.outbox_id = o.id)
         FROM notify_outbox o JOIN notify_subscriptions s ON s.id = o.subscription_id JOIN agency_units u ON u.id = o.unit_id
         WHERE o.state = 'menunggu' AND o.next_at <= $1 ORDER BY o.next_at, o.id LIMIT $2",
        params![now_s.as_str(), limit],
    )?;
    let mut out = vec![];
    for r in &rows {
        let (id, next_at, attempts, unit): (i64, String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(6)?);
        let won = conn.execute(
            "UPDATE notify_outbox SET next_at = $1, attempts = attempts + 1 WHERE id = $2 AND next_at = $3 AND state = 'menunggu'",
            params![lease_end.as_str(), id, next_at.as_str()],
        )?;
        if won != 1 {
            continue;
        }
        let reported: i64 = r.get(11)?;
        if reported < attempts {
            // It was claimed at the start of the lease that has now ended.
            let claimed_at = time::OffsetDateTime::parse(&next_at, &time::format_description::well_known::Rfc3339).map_or(next_at.clone(), |t| super::clock::rfc3339(t - LEASE));
            conn.execute(
                "INSERT INTO notify_attempts (outbox_id, unit_id, at, ok, answer) VALUES ($1, $2, $3, 0, 'terputus')",
                params![id, unit, claimed_at],
            )?;
        }
        let channel: String = r.get(7)?;
        let payload: String = r.get(5)?;
        out.push(Claimed {
            id,
            unit_id: unit,
            alert_id: r.get(3)?,
            revision: r.get(4)?,
            attempt: attempts + 1,
            payload: serde_json::from_str(&payload).map_err(|e| DbError::Other(format!("outbox {id}: payload is not JSON: {e}")))?,
            channel: Channel::stored(&channel),
            target: r.get(8)?,
            secret: r.get(9)?,
            unit_name: r.get(10)?,
        });
    }
    Ok(out)
}

/// The wait before attempt `n + 1` after `n` failed: 5 s, 10 s, 20 s, … up to an hour.
pub fn backoff(attempts: i64) -> time::Duration {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    time::Duration::seconds(BACKOFF_BASE.saturating_mul(2i64.saturating_pow(exp)).min(BACKOFF_CAP))
}

/// Records an attempt's answer: delivered, due again after the backoff, or given up.
fn settle(conn: &mut Conn, d: &Claimed, ok: bool, answer: &str, now: time::OffsetDateTime) -> Result<(), DbError> {
    let at = super::clock::rfc3339(now);
    conn.execute(
        "INSERT INTO notify_attempts (outbox_id, unit_id, at, ok, answer) VALUES ($1, $2, $3, $4, $5)",
        params![d.id, d.unit_id, at.as_str(), i64::from(ok), answer],
    )?;
    if ok {
        conn.execute("UPDATE notify_outbox SET state = 'terkirim', done_at = $1 WHERE id = $2", params![at.as_str(), d.id])?;
    } else if d.attempt >= MAX_ATTEMPTS {
        conn.execute("UPDATE notify_outbox SET state = 'gagal', done_at = $1 WHERE id = $2 AND state = 'menunggu'", params![at.as_str(), d.id])?;
    } else {
        let next = super::clock::rfc3339(now + backoff(d.attempt));
        conn.execute("UPDATE notify_outbox SET next_at = $1 WHERE id = $2 AND state = 'menunggu'", params![next, d.id])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sending

/// The sender: every few seconds, claims what is due and delivers it; each answer is recorded
/// as soon as it comes.
pub async fn sender(db: Db, channels: Arc<Channels>, places: Arc<dyn Places>) {
    // Claims alone keep two senders from doubling a delivery; the lease keeps the sending on one
    // server of a deployment at a time (one SMTP or gateway client, one place to watch).
    let lease = Arc::new(super::lease::Lease::new("outbox", SENDER_LEASE_TTL));
    loop {
        match send_due(&db, &channels, &places, &lease).await {
            Ok(n) if n >= BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!("notification sender: {e}"),
        }
        tokio::time::sleep(SEND_EVERY).await;
    }
}

async fn send_due(db: &Db, channels: &Arc<Channels>, places: &Arc<dyn Places>, lease: &Arc<super::lease::Lease>) -> Result<usize, DbError> {
    // Asked on a read connection first: an idle sender writes nothing (no commit, no fsync, no
    // "something changed" for the live pages every two seconds).
    let now = super::clock::now_rfc3339();
    let due = db
        .read(move |c| c.query_opt("SELECT id FROM notify_outbox WHERE state = 'menunggu' AND next_at <= $1 LIMIT 1", params![now]).map(|r| r.is_some()))
        .await?;
    if !due {
        return Ok(0);
    }
    let l = lease.clone();
    let claimed = db.write(move |c| if l.hold(c)? { claim(c, super::clock::now(), BATCH) } else { Ok(vec![]) }).await;
    let claimed = claimed.inspect_err(|_| lease.forget())?;
    let n = claimed.len();
    let mut running = tokio::task::JoinSet::new();
    for d in claimed {
        let (channels, places) = (channels.clone(), places.clone());
        running.spawn(async move {
            let (ok, answer) = deliver(&channels, places.as_ref(), &d).await;
            (d, ok, answer)
        });
    }
    while let Some(done) = running.join_next().await {
        let (d, ok, answer) = done.map_err(|e| DbError::Other(format!("a delivery task failed: {e}")))?;
        if !ok {
            tracing::info!("delivery {} of alert {} to {} failed: {answer}", d.id, d.alert_id, d.target);
        }
        db.write(move |c| settle(c, &d, ok, &answer, super::clock::now())).await?;
    }
    Ok(n)
}

/// What a delivery says, in Bahasa Indonesia (the receivers are Indonesian officials' phones
/// and mailboxes; the English text rides along in the webhook's JSON).
struct Shown {
    message: String,
    kind_label: String,
    severity_label: String,
    place: String,
    time: String,
    link: Option<String>,
}

fn shown(channels: &Channels, places: &dyn Places, p: &serde_json::Value) -> Shown {
    let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
    let region = s("region");
    Shown {
        message: s("message"),
        kind_label: alerts::kind_label(Lang::Id, &s("kind")),
        severity_label: Severity::parse(&s("severity")).label(Lang::Id).to_string(),
        place: places.place(&region),
        time: super::i18n::moment_at(Lang::Id, &s("at"), places.offset(&region)),
        link: p["link"].as_str().filter(|l| !l.is_empty()).map(|l| channels.link(l)),
    }
}

/// The key that is the same on every redelivery of one delivery.
fn idempotency_key(d: &Claimed) -> String {
    format!("sinergi-{}-{}-{}", d.alert_id, d.revision, d.id)
}

/// HMAC-SHA256 of `body` with `secret`, as the signature header carries it.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One attempt: whether the receiver acknowledged it, and its answer (`http 200`, `smtp 250`,
/// `timeout`, `connect`, …) for the delivery log.
async fn deliver(channels: &Channels, places: &dyn Places, d: &Claimed) -> (bool, String) {
    let v = shown(channels, places, &d.payload);
    match d.channel {
        Channel::Webhook => webhook(channels, d, &v).await,
        Channel::Email => email(channels, d, &v).await,
    }
}

async fn webhook(channels: &Channels, d: &Claimed, v: &Shown) -> (bool, String) {
    let p = &d.payload;
    let text = format!(
        "*[{}] {}*\n{}\n{} · {}{}\nID peringatan {} versi {}",
        v.severity_label,
        v.kind_label,
        v.message,
        v.place,
        v.time,
        v.link.as_deref().map(|l| format!("\n{l}")).unwrap_or_default(),
        d.alert_id,
        d.revision
    );
    let body = serde_json::json!({
        "alert_id": d.alert_id,
        "revision": d.revision,
        "delivery_id": d.id,
        "idempotency_key": idempotency_key(d),
        "kind": p["kind"],
        "kind_label": v.kind_label,
        "severity": p["severity"],
        "severity_label": v.severity_label,
        "region": p["region"],
        "place": v.place,
        "message": v.message,
        "message_en": p["message_en"],
        "time": v.time,
        "at": p["at"],
        "link": v.link,
        "entity_type": p["entity_type"],
        "entity_id": p["entity_id"],
        "unit": d.unit_name,
        "text": text,
    });
    let body = body.to_string().into_bytes();
    let sent = channels
        .http
        .post(&d.target)
        .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header("X-Sinergi-Signature", signature(&d.secret, &body))
        .header("X-Sinergi-Alert-Id", d.alert_id.to_string())
        .header("X-Sinergi-Alert-Revision", d.revision.to_string())
        .header("Idempotency-Key", idempotency_key(d))
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) => (r.status().is_success(), format!("http {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => (false, "timeout".into()),
        Err(e) if e.is_connect() => {
            tracing::debug!("webhook {}: {e}", d.target);
            (false, "connect".into())
        }
        Err(e) => {
            tracing::warn!("webhook {}: {e}", d.target);
            (false, "error".into())
        }
    }
}

async fn email(channels: &Channels, d: &Claimed, v: &Shown) -> (bool, String) {
    use lettre::AsyncTransport;
    use lettre::message::header::{HeaderName, HeaderValue};
    let Some(smtp) = &channels.smtp else { return (false, "no-smtp".into()) };
    let Ok(to) = d.target.parse::<lettre::message::Mailbox>() else { return (false, "address".into()) };
    let body = format!(
        "{}\n\nJenis: {}\nTingkat: {}\nWilayah: {}\nWaktu: {}\n{}\nID peringatan: {} (versi {})\n\
         Pesan yang sama dapat terkirim lebih dari sekali; abaikan yang ID dan versinya sudah Anda terima.\n\
         Anda menerima email ini karena {} berlangganan peringatan ini di Sinergi.\n",
        v.message,
        v.kind_label,
        v.severity_label,
        v.place,
        v.time,
        v.link.as_deref().map(|l| format!("Tautan: {l}\n")).unwrap_or_default(),
        d.alert_id,
        d.revision,
        d.unit_name
    );
    let message = lettre::Message::builder()
        .from(smtp.from.clone())
        .to(to)
        .subject(format!("[Sinergi] {}: {} — {}", v.severity_label, v.kind_label, v.place))
        // The same on every redelivery: mail systems and readers drop duplicates by it.
        .message_id(Some(format!("<{}@{}>", idempotency_key(d), smtp.host)))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("X-Sinergi-Alert-Id"), d.alert_id.to_string()))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("X-Sinergi-Alert-Revision"), d.revision.to_string()))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body);
    let message = match message {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("email for delivery {}: {e}", d.id);
            return (false, "error".into());
        }
    };
    match smtp.transport.send(message).await {
        Ok(r) => (r.is_positive(), format!("smtp {}", r.code())),
        Err(e) => match e.status() {
            Some(code) => (false, format!("smtp {code}")),
            None if e.is_timeout() => (false, "timeout".into()),
            None => {
                tracing::debug!("smtp to {}: {e}", d.target);
                (false, "connect".into())
            }
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The delivery log

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryAttempt {
    pub delivery_id: i64,
    pub alert_id: i64,
    pub revision: i64,
    pub kind: String,
    pub kind_label: String,
    /// The alert's page, when it has one.
    pub link: Option<String>,
    pub channel: Channel,
    pub target: String,
    /// RFC 3339.
    pub at: String,
    /// The same in the unit's local time ("26 November 2024 12.02 WIB").
    pub time: String,
    /// Whether the receiver acknowledged it (HTTP 2xx, SMTP 250).
    pub delivered: bool,
    /// The receiver's answer: `http 500`, `smtp 250`, `timeout`, `connect`, `terputus` (the
    /// sender stopped before an answer came).
    pub answer: String,
    /// What happened, in the caller's language.
    pub result: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingDelivery {
    pub delivery_id: i64,
    pub alert_id: i64,
    pub revision: i64,
    pub kind_label: String,
    pub channel: Channel,
    pub target: String,
    pub attempts: i64,
    /// When it is tried (again), in the unit's local time.
    pub next: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryLog {
    /// Not yet acknowledged by their receivers, soonest first.
    pub pending: Vec<PendingDelivery>,
    /// Every attempt, newest first.
    pub attempts: Vec<DeliveryAttempt>,
}

/// What an answer means to the unit, in `lang`.
pub fn result_text(lang: Lang, delivered: bool, answer: &str) -> String {
    let said = |what: &str| match lang {
        Lang::Id => format!("penerima menjawab {what}"),
        Lang::En => format!("the receiver answered {what}"),
    };
    let why = match answer.split_once(' ') {
        Some(("http", code)) => said(&format!("HTTP {code}")),
        Some(("smtp", code)) => said(&format!("SMTP {code}")),
        _ => match answer {
            "timeout" => lang.pick("tidak ada jawaban dalam 10 detik", "no answer within 10 seconds").to_string(),
            "connect" => lang.pick("tidak dapat tersambung ke penerima", "could not connect to the receiver").to_string(),
            "terputus" => lang.pick("terputus: server Sinergi berhenti sebelum penerima menjawab; dikirim ulang", "cut off: the Sinergi server stopped before the receiver answered; sent again").to_string(),
            "no-smtp" => lang.pick("email tidak diatur di server ini", "email is not set up on this server").to_string(),
            "address" => lang.pick("alamat email tidak sah", "not a valid email address").to_string(),
            _ => lang.pick("gagal mengirim", "sending failed").to_string(),
        },
    };
    match (delivered, lang) {
        (true, Lang::Id) => format!("Terkirim — {why}"),
        (true, Lang::En) => format!("Delivered — {why}"),
        (false, Lang::Id) => format!("Gagal — {why}"),
        (false, Lang::En) => format!("Failed — {why}"),
    }
}

/// The unit's delivery log: what waits, and the last `limit` attempts.
pub fn delivery_log(conn: &mut Conn, unit: &super::identity::Unit, limit: i64, lang: Lang, places: &dyn Places) -> Result<DeliveryLog, DbError> {
    let offset = places.offset(&unit.region);
    let at = |s: &str| super::i18n::moment_at(lang, s, offset);
    let pending = conn
        .query(
            "SELECT o.id, o.alert_id, o.revision, a.kind, s.channel, s.target, o.attempts, o.next_at
             FROM notify_outbox o JOIN notify_subscriptions s ON s.id = o.subscription_id JOIN alerts a ON a.id = o.alert_id
             WHERE o.unit_id = $1 AND o.state = 'menunggu' ORDER BY o.next_at, o.id LIMIT $2",
            params![unit.id, limit],
        )?
        .iter()
        .map(|r| {
            let (kind, channel, next): (String, String, String) = (r.get(3)?, r.get(4)?, r.get(7)?);
            Ok(PendingDelivery {
                delivery_id: r.get(0)?,
                alert_id: r.get(1)?,
                revision: r.get(2)?,
                kind_label: alerts::kind_label(lang, &kind),
                channel: Channel::stored(&channel),
                target: r.get(5)?,
                attempts: r.get(6)?,
                next: at(&next),
            })
        })
        .collect::<Result<_, DbError>>()?;
    let attempts = conn
        .query(
            "SELECT o.id, o.alert_id, o.revision, a.kind, a.link, s.channel, s.target, t.at, t.ok, t.answer
             FROM notify_attempts t JOIN notify_outbox o ON o.id = t.outbox_id JOIN notify_subscriptions s ON s.id = o.subscription_id
             JOIN alerts a ON a.id = o.alert_id
             WHERE t.unit_id = $1 ORDER BY t.id DESC LIMIT $2",
            params![unit.id, limit],
        )?
        .iter()
        .map(|r| {
            let (kind, channel, when, ok, answer): (String, String, String, i64, String) = (r.get(3)?, r.get(5)?, r.get(7)?, r.get(8)?, r.get(9)?);
            Ok(DeliveryAttempt {
                delivery_id: r.get(0)?,
                alert_id: r.get(1)?,
                revision: r.get(2)?,
                kind_label: alerts::kind_label(lang, &kind),
                kind,
                link: r.get::<Option<String>>(4)?.filter(|l| !l.is_empty()),
                channel: Channel::stored(&channel),
                target: r.get(6)?,
                time: at(&when),
                at: when,
                delivered: ok != 0,
                result: result_text(lang, ok != 0, &answer),
                answer,
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok(DeliveryLog { pending, attempts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_an_hour() {
        let secs: Vec<i64> = (1..=12).map(|n| backoff(n).whole_seconds()).collect();
        assert_eq!(&secs[..5], &[5, 10, 20, 40, 80]);
        assert_eq!(secs[11], 3600);
        assert_eq!(backoff(i64::MAX).whole_seconds(), 3600);
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(signature("Jefe", b"what do ya want for nothing?"), "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn answers_read_in_indonesian() {
        assert_eq!(result_text(Lang::Id, true, "http 200"), "Terkirim — penerima menjawab HTTP 200");
        assert_eq!(result_text(Lang::Id, false, "connect"), "Gagal — tidak dapat tersambung ke penerima");
        assert_eq!(result_text(Lang::En, false, "smtp 550"), "Failed — the receiver answered SMTP 550");
    }
}
