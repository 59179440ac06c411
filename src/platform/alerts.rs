//! Alerts, shared by every module: something an agency must see at once (a box arriving short,
//! a report nearing its deadline). An alert belongs to a region and names the agencies that
//! must see it; a user sees the alerts of their agency within their scope, and each unit
//! acknowledges for itself.
//!
//! One alert per thing: raising again for the same kind and entity updates the alert (its
//! text, severity, `revision` + 1) instead of adding another, and the units that acknowledged
//! the old version see it again. Each version reaches the units' subscribed channels through
//! the outbox of `platform::notify`, in the same transaction.

use serde::Serialize;

use super::audit::{self, Change};
use super::db::{Conn, DbError, Row};
use super::error::AppError;
use super::i18n::{Lang, Places};
use super::identity::{AgencyKind, User};
use crate::params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Severity {
        match s {
            "critical" => Severity::Critical,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        }
    }
    /// "Info", "Peringatan", "Kritis".
    pub fn label(self, lang: Lang) -> &'static str {
        super::web::t(lang, &format!("severity.{}", self.as_str()))
    }
    /// The stored rank (0 info, 1 warning, 2 critical), which subscriptions compare.
    pub fn rank(self) -> i64 {
        match self {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Critical => 2,
        }
    }
    pub fn from_rank(r: i64) -> Severity {
        match r {
            2 => Severity::Critical,
            1 => Severity::Warning,
            _ => Severity::Info,
        }
    }
}

/// The kinds of alert the modules raise, with their names in both languages: the alerts page
/// and the API show the name, and a unit subscribes its channels by kind.
pub const KINDS: &[(&str, &str, &str)] = &[
    ("logistik.selisih", "Logistik kurang, lebih atau rusak saat diterima", "Logistics short, excess or damaged on arrival"),
    ("laporan_baru", "Laporan atau temuan baru", "New report or finding"),
    ("laporan", "Perkembangan penanganan laporan", "Progress of a report"),
    ("gakkumdu", "Perkara di Sentra Gakkumdu", "Case in Sentra Gakkumdu"),
    ("sengketa", "Sengketa proses", "Process dispute"),
    ("tenggat_dekat", "Tenggat penanganan sudah dekat", "Case deadline near"),
    ("tenggat_lewat", "Tenggat penanganan terlewati", "Case deadline passed"),
    ("tindak_lanjut_terlambat", "Tindak lanjut rapat terlambat", "Meeting action item late"),
    ("hibah_terlambat", "Tahap hibah NPHD terlambat cair", "NPHD grant tranche overdue"),
    ("tahapan_besok", "Tahapan dimulai besok", "Stage starts tomorrow"),
];

/// The name of an alert kind; a kind this table does not know reads as its words.
pub fn kind_label(lang: Lang, kind: &str) -> String {
    KINDS.iter().find(|(k, _, _)| *k == kind).map_or_else(|| kind.replace(['_', '.'], " "), |(_, id, en)| lang.pick(id, en).to_string())
}

pub struct NewAlert<'a> {
    pub kind: &'a str,
    pub region: &'a str,
    pub severity: Severity,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    /// Both languages: each reader sees theirs. Name places and units, not their codes alone.
    pub message: super::i18n::Text,
    pub agencies: &'a [AgencyKind],
    /// Where the thing is shown: the raising module's page (`/laporan/12`), so that the
    /// platform links to it without knowing the module.
    pub link: &'a str,
}

/// Raises an alert inside the caller's transaction (it is part of the change that caused it).
pub fn raise(conn: &mut Conn, a: NewAlert<'_>) -> Result<i64, DbError> {
    upsert(conn, a, false)
}

/// Raises an alert that reaches every unit of its agencies at or below its region (a stage of
/// the national schedule starting tomorrow concerns every regency).
pub fn raise_broadcast(conn: &mut Conn, a: NewAlert<'_>) -> Result<i64, DbError> {
    upsert(conn, a, true)
}

/// The alert of this kind and entity, updated when it says something new, or a new one; each
/// new version goes to the subscribed channels of the units it reaches.
fn upsert(conn: &mut Conn, a: NewAlert<'_>, broadcast: bool) -> Result<i64, DbError> {
    let agencies = format!(",{},", a.agencies.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","));
    let now = super::clock::now_rfc3339();
    let existing = conn.query_opt(
        "SELECT id, revision, region_code, severity, message, message_en, agencies, broadcast, link FROM alerts
         WHERE kind = $1 AND entity_type = $2 AND entity_id = $3 ORDER BY id DESC LIMIT 1",
        params![a.kind, a.entity_type, a.entity_id],
    )?;
    let (id, revision) = match existing {
        Some(r) => {
            let (id, revision): (i64, i64) = (r.get(0)?, r.get(1)?);
            let same = r.get::<String>(2)? == a.region
                && r.get::<String>(3)? == a.severity.as_str()
                && r.get::<String>(4)? == a.message.id()
                && r.get::<Option<String>>(5)?.as_deref() == Some(a.message.en())
                && r.get::<String>(6)? == agencies
                && (r.get::<i64>(7)? != 0) == broadcast
                && r.get::<Option<String>>(8)?.as_deref() == Some(a.link);
            if same {
                // Raised again with nothing new: no second version, no second delivery.
                return Ok(id);
            }
            conn.execute(
                "UPDATE alerts SET region_code = $1, severity = $2, message = $3, message_en = $4, agencies = $5, broadcast = $6,
                        link = $7, updated_at = $8, revision = revision + 1 WHERE id = $9",
                params![a.region, a.severity.as_str(), a.message.id(), a.message.en(), agencies.as_str(), i64::from(broadcast), a.link, now.as_str(), id],
            )?;
            // The thing changed: every unit must read it again.
            conn.execute("DELETE FROM alert_acks WHERE alert_id = $1", params![id])?;
            (id, revision + 1)
        }
        None => {
            let id: i64 = conn
                .query_one(
                    "INSERT INTO alerts (kind, region_code, severity, entity_type, entity_id, message, agencies, created_at, broadcast, message_en, link, revision)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING id",
                    params![
                        a.kind,
                        a.region,
                        a.severity.as_str(),
                        a.entity_type,
                        a.entity_id,
                        a.message.id(),
                        agencies.as_str(),
                        now.as_str(),
                        i64::from(broadcast),
                        a.message.en(),
                        a.link
                    ],
                )?
                .get(0)?;
            (id, 1)
        }
    };
    // The alerts tile of the region's page (and the pages above it) shows it.
    conn.touch(a.region);
    super::notify::enqueue(
        conn,
        &super::notify::Raised {
            id,
            revision,
            kind: a.kind,
            region: a.region,
            severity: a.severity,
            broadcast,
            agencies: &agencies,
            snapshot: serde_json::json!({
                "kind": a.kind, "severity": a.severity.as_str(), "region": a.region, "entity_type": a.entity_type, "entity_id": a.entity_id,
                "message": a.message.id(), "message_en": a.message.en(), "link": a.link, "at": now,
            }),
        },
    )?;
    Ok(id)
}

/// Whether a user sees an alert of `region`: it lies in their scope, or it is a broadcast of a
/// region their unit lies in.
fn reaches(user: &User, region: &str, broadcast: bool) -> bool {
    super::identity::within(&user.unit.region, region) || (broadcast && super::identity::within(region, &user.unit.region))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub kind: String,
    /// The kind by its name, in the caller's language ("Laporan atau temuan baru").
    pub kind_label: String,
    pub region: String,
    pub severity: Severity,
    /// The severity in the caller's language ("Kritis").
    pub severity_label: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The page of what the alert is about (`/laporan/12`), when the module gave one.
    pub link: Option<String>,
    /// In the caller's language.
    pub message: String,
    /// The English text, when the alert has one (older alerts do not); `message` holds the
    /// Indonesian until [`Alert::shown`] picks. Read on a database thread, which does not know
    /// the request's language.
    #[serde(skip)]
    message_en: Option<String>,
    /// The region (or TPS) by name, with its code.
    pub place: String,
    pub agencies: Vec<String>,
    /// RFC 3339, UTC: for programs. People read `time`.
    pub created_at: String,
    /// When it last changed (RFC 3339), if it did.
    pub updated_at: Option<String>,
    /// 1 when raised, + 1 at each change; a delivery names the version it carries.
    pub revision: i64,
    /// When it was raised or last changed, in the region's local time ("26 November 2024
    /// 12.02 WIB").
    pub time: String,
    /// When the caller's unit acknowledged it, if it did (RFC 3339).
    pub acknowledged_at: Option<String>,
    /// The same in the region's local time.
    pub acknowledged: Option<String>,
}

const ALERT_COLS: &str = "a.id, a.kind, a.region_code, a.severity, a.entity_type, a.entity_id, a.message, a.agencies, a.created_at, k.acked_at, a.message_en, a.link, a.updated_at, a.revision";

fn from_row(r: &Row) -> Result<Alert, DbError> {
    let agencies: String = r.get(7)?;
    let severity: String = r.get(3)?;
    Ok(Alert {
        id: r.get(0)?,
        kind: r.get(1)?,
        kind_label: String::new(),
        region: r.get(2)?,
        severity: Severity::parse(&severity),
        severity_label: String::new(),
        entity_type: r.get(4)?,
        entity_id: r.get(5)?,
        link: r.get::<Option<String>>(11)?.filter(|l| !l.is_empty()),
        message: r.get(6)?,
        message_en: r.get(10)?,
        place: String::new(),
        agencies: agencies.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        created_at: r.get(8)?,
        updated_at: r.get(12)?,
        revision: r.get(13)?,
        time: String::new(),
        acknowledged_at: r.get(9)?,
        acknowledged: None,
    })
}

impl Alert {
    /// The alert as a reader in `lang` sees it: their language's text (English when the alert
    /// has one), the kind and severity by name, the place by name and times in its zone.
    pub fn shown(mut self, lang: Lang, places: &dyn Places) -> Alert {
        if lang == Lang::En
            && let Some(en) = self.message_en.take()
        {
            self.message = en;
        }
        let offset = places.offset(&self.region);
        self.kind_label = kind_label(lang, &self.kind);
        self.severity_label = self.severity.label(lang).to_string();
        self.place = places.place(&self.region);
        self.time = super::i18n::moment_at(lang, self.updated_at.as_deref().unwrap_or(&self.created_at), offset);
        self.acknowledged = self.acknowledged_at.as_deref().map(|at| super::i18n::moment_at(lang, at, offset));
        self
    }
}

/// The alerts `user`'s unit sees: its agency is named and the alert's region lies within its
/// scope (or a broadcast covers it). `select` is what to read, `tail` what follows the
/// conditions; `$1`…`$11` are taken.
fn scoped(conn: &mut Conn, user: &User, unacknowledged_only: bool, select: &str, tail: &str, more: &[super::db::Value]) -> Result<Vec<Row>, DbError> {
    let (lo, hi) = if user.unit.region == super::identity::NATIONAL {
        (String::new(), "~".to_string())
    } else {
        super::identity::scope_range(&user.unit.region)
    };
    // A broadcast reaches down from any region above the unit's: the unit's lineage and `ID`.
    let mut above: Vec<&str> = super::identity::lineage(&user.unit.region);
    above.push(super::identity::NATIONAL);
    let up = |i: usize| above.get(i).copied().unwrap_or(super::identity::NATIONAL).to_string();
    let mut p = params![
        user.unit.id,
        lo,
        hi,
        user.unit.region.as_str(),
        format!("%,{},%", user.unit.agency.as_str()),
        i64::from(unacknowledged_only),
        up(0),
        up(1),
        up(2),
        up(3),
        up(4)
    ]
    .to_vec();
    p.extend_from_slice(more);
    conn.query(
        &format!(
            "SELECT {select} FROM alerts a LEFT JOIN alert_acks k ON k.alert_id = a.id AND k.unit_id = $1
             WHERE ((a.region_code >= $2 AND a.region_code < $3) OR a.region_code = $4
                    OR (a.broadcast = 1 AND a.region_code IN ($7, $8, $9, $10, $11)))
               AND a.agencies LIKE $5 AND ($6 = 0 OR k.acked_at IS NULL) {tail}"
        ),
        &p,
    )
}

/// The user's alerts, most recently raised or changed first.
pub fn for_user(conn: &mut Conn, user: &User, unacknowledged_only: bool, limit: i64) -> Result<Vec<Alert>, DbError> {
    let rows = scoped(conn, user, unacknowledged_only, ALERT_COLS, "ORDER BY COALESCE(a.updated_at, a.created_at) DESC, a.id DESC LIMIT $12", params![limit])?;
    rows.iter().map(from_row).collect()
}

/// How many alerts the user's unit has not acknowledged (the count in the page header).
pub fn unread_count(conn: &mut Conn, user: &User) -> Result<i64, DbError> {
    scoped(conn, user, true, "COUNT(*)", "", &[])?.first().map_or(Ok(0), |r| r.get(0))
}

/// Acknowledges an alert for the user's unit; an alert the user cannot see is 404.
pub fn acknowledge(conn: &mut Conn, user: &User, id: i64) -> Result<(), AppError> {
    let Some(r) = conn.query_opt("SELECT region_code, agencies, broadcast FROM alerts WHERE id = $1", params![id])? else {
        return Err(AppError::not_found(crate::tr!("peringatan {id} tidak ada", "no alert {id}")));
    };
    let (region, agencies, broadcast): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
    let agency = format!(",{},", user.unit.agency.as_str());
    if !reaches(user, &region, broadcast != 0) || !agencies.contains(&agency) {
        return Err(AppError::not_found(crate::tr!("peringatan {id} tidak ada", "no alert {id}")));
    }
    let done = conn.query_opt("SELECT acked_at FROM alert_acks WHERE alert_id = $1 AND unit_id = $2", params![id, user.unit.id])?;
    if done.is_some() {
        return Ok(());
    }
    conn.execute(
        "INSERT INTO alert_acks (alert_id, unit_id, acked_at, acked_by) VALUES ($1, $2, $3, $4)",
        params![id, user.unit.id, super::clock::now_rfc3339(), user.username.as_str()],
    )?;
    audit::record_as(
        conn,
        &user.actor(),
        Change {
            action: "alert.acknowledge",
            entity_type: "alert",
            entity_id: &id.to_string(),
            region: Some(&region),
            detail: serde_json::json!({"unit": user.unit.name}),
        },
    )?;
    Ok(())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertList {
    items: Vec<Alert>,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    /// Only alerts the caller's unit has not acknowledged.
    unacknowledged: Option<bool>,
    /// How many (1–500, default 100), most recently raised or changed first.
    limit: Option<i64>,
}

/// The caller's alerts: their agency, their region scope; each with its link, its kind and
/// severity by name, its place by name and its time in the region's zone.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 401, body = super::error::ErrorBody)), security(("bearer" = [])))]
pub async fn list_alerts(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    user: super::auth::CurrentUser,
    super::http::Query(q): super::http::Query<AlertQuery>,
) -> Result<axum::Json<AlertList>, AppError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid("limit", crate::tr!("limit {limit} di luar 1–500", "limit {limit} is outside 1–500")));
    }
    let only_open = q.unacknowledged.unwrap_or(false);
    let items = state.db.read(move |c| for_user(c, &user.user, only_open, limit)).await?;
    let places = &state.module::<super::i18n::PlaceNames>().0;
    let lang = Lang::current();
    Ok(axum::Json(AlertList { items: items.into_iter().map(|a| a.shown(lang, places.as_ref())).collect() }))
}

/// Acknowledges an alert for the caller's unit.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "alerts", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn ack_alert(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    user: super::auth::CurrentUser,
    super::http::Path(id): super::http::Path<i64>,
) -> Result<axum::http::StatusCode, AppError> {
    state.db.write(move |c| acknowledge(c, &user.user, id)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The alerts page: the user's alerts, most recent first, each linking to its thing, with an
/// acknowledge button each.
pub async fn alerts_page(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    lang: super::web::Lang,
    super::web::PageUser(user): super::web::PageUser,
) -> Result<axum::response::Response, super::web::PageError> {
    use super::web::OrPage;
    use axum::response::IntoResponse;
    let u = user.user.clone();
    let alerts = state.db.read(move |c| for_user(c, &u, false, 200)).await.or_page(Some(&user))?;
    let places = &state.module::<super::i18n::PlaceNames>().0;
    let alerts: Vec<_> = alerts.into_iter().map(|a| a.shown(lang, places.as_ref())).collect();
    let title = super::web::t(lang, "nav.alerts");
    let body = maud::html! {
        h1 { (title) " · " (user.user.unit.name) }
        p { a href="/peringatan/saluran" { (lang.pick("Saluran pemberitahuan unit ini (email, webhook) dan log pengirimannya", "This unit's notification channels (email, webhook) and their delivery log")) } }
        @if alerts.is_empty() { p.muted { (super::web::t(lang, "alerts.none")) } }
        table #alerts {
            tbody { @for a in &alerts { tr data-severity=(a.severity.as_str()) data-id=(a.id) {
                td { (a.severity_label) }
                td {
                    span.muted { (a.kind_label) } br;
                    @if let Some(link) = &a.link { a href=(link) { (a.message) } } @else { (a.message) }
                    br;
                    span.muted {
                        (a.place) " · " (a.time)
                        @if a.revision > 1 { " · " (lang.pick("diperbarui", "updated")) }
                    }
                }
                td {
                    @if let Some(at) = &a.acknowledged { span.muted { (super::web::t(lang, "alerts.read")) (at) } }
                    @else {
                        form method="post" action={ "/peringatan/" (a.id) "/baca" } {
                            button.ack type="submit" { (super::web::t(lang, "alerts.ack")) }
                        }
                    }
                }
            } } }
        }
    };
    Ok(super::web::layout(super::web::Page::new(lang, title, Some(&user.user), "/peringatan"), body).into_response())
}

/// The acknowledge button of the alerts page.
pub async fn ack_submit(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    user: Option<super::auth::CurrentUser>,
    super::http::Path(id): super::http::Path<i64>,
) -> Result<axum::response::Response, super::web::PageError> {
    use super::web::OrPage;
    use axum::response::IntoResponse;
    // A form post: without a session the login page returns to the alerts page, not to the post.
    let Some(user) = user else { return Ok(super::web::login_first("/peringatan")) };
    let u = user.user.clone();
    state.db.write(move |c| acknowledge(c, &u, id)).await.or_page(Some(&user))?;
    Ok(axum::response::Redirect::to("/peringatan").into_response())
}

tokio::task_local! {
    /// The count of unacknowledged alerts of the requesting user's unit, for the page header.
    static UNREAD: i64;
}

/// The count the page header shows beside "Peringatan", when the request is a page of a
/// logged-in user (see [`unread_scope`]).
pub fn unread() -> Option<i64> {
    UNREAD.try_with(|n| *n).ok()
}

/// Middleware: a page request with a session counts its unit's unacknowledged alerts once, for
/// the header every page's layout draws. The user it found is left in the request for the
/// handler's `CurrentUser`, so the session is read once.
pub async fn unread_scope(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::extract::FromRequestParts;
    let path = req.uri().path();
    let page = req.method() == axum::http::Method::GET
        && !["/api/", "/assets/", "/foto/", "/lapangan"].iter().any(|p| path.starts_with(p))
        && super::auth::cookie_in(req.headers(), super::auth::SESSION_COOKIE).is_some();
    if !page {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(user) = super::auth::CurrentUser::from_request_parts(&mut parts, &state).await else {
        return next.run(axum::extract::Request::from_parts(parts, body)).await;
    };
    let u = user.user.clone();
    let count = state.db.read(move |c| unread_count(c, &u)).await.unwrap_or_else(|e: DbError| {
        tracing::warn!("counting unread alerts failed: {e}");
        0
    });
    parts.extensions.insert(user);
    UNREAD.scope(count, next.run(axum::extract::Request::from_parts(parts, body))).await
}
