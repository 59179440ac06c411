//! Alerts, shared by every module: something an agency must see at once (a box arriving short,
//! a report nearing its deadline). An alert belongs to a region and names the agencies that
//! must see it; a user sees the alerts of their agency within their scope, and each unit
//! acknowledges for itself.

use serde::Serialize;

use super::audit::{self, Change};
use super::db::{Conn, DbError, Row};
use super::error::AppError;
use super::identity::{AgencyKind, User};
use crate::params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
    fn parse(s: &str) -> Severity {
        match s {
            "critical" => Severity::Critical,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        }
    }
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
}

/// Raises an alert inside the caller's transaction (it is part of the change that caused it).
pub fn raise(conn: &mut Conn, a: NewAlert<'_>) -> Result<i64, DbError> {
    insert(conn, a, false)
}

/// Raises an alert that reaches every unit of its agencies at or below its region (a stage of
/// the national schedule starting tomorrow concerns every regency).
pub fn raise_broadcast(conn: &mut Conn, a: NewAlert<'_>) -> Result<i64, DbError> {
    insert(conn, a, true)
}

fn insert(conn: &mut Conn, a: NewAlert<'_>, broadcast: bool) -> Result<i64, DbError> {
    let agencies: Vec<&str> = a.agencies.iter().map(|k| k.as_str()).collect();
    conn.query_one(
        "INSERT INTO alerts (kind, region_code, severity, entity_type, entity_id, message, agencies, created_at, broadcast, message_en)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        params![
            a.kind,
            a.region,
            a.severity.as_str(),
            a.entity_type,
            a.entity_id,
            a.message.id(),
            format!(",{},", agencies.join(",")),
            super::clock::now_rfc3339(),
            i64::from(broadcast),
            a.message.en()
        ],
    )?
    .get(0)
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
    pub region: String,
    pub severity: Severity,
    pub entity_type: String,
    pub entity_id: String,
    /// In the caller's language.
    pub message: String,
    /// The English text, when the alert has one (older alerts do not); `message` holds the
    /// Indonesian until [`Alert::in_language`] picks. Read on a database thread, which does
    /// not know the request's language.
    #[serde(skip)]
    message_en: Option<String>,
    /// The region (or TPS) by name, with its code.
    pub place: String,
    pub agencies: Vec<String>,
    pub created_at: String,
    /// When the caller's unit acknowledged it, if it did.
    pub acknowledged_at: Option<String>,
}

fn from_row(r: &Row) -> Result<Alert, DbError> {
    let agencies: String = r.get(7)?;
    let severity: String = r.get(3)?;
    Ok(Alert {
        id: r.get(0)?,
        kind: r.get(1)?,
        region: r.get(2)?,
        severity: Severity::parse(&severity),
        entity_type: r.get(4)?,
        entity_id: r.get(5)?,
        message: r.get(6)?,
        message_en: r.get(10)?,
        place: String::new(),
        agencies: agencies.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        created_at: r.get(8)?,
        acknowledged_at: r.get(9)?,
    })
}

impl Alert {
    /// The alert in `lang`: its English text for English readers when it has one.
    pub fn in_language(mut self, lang: super::i18n::Lang) -> Alert {
        if lang == super::i18n::Lang::En
            && let Some(en) = self.message_en.take()
        {
            self.message = en;
        }
        self
    }
}

/// The user's alerts: their agency is named and the alert's region lies within their scope.
pub fn for_user(conn: &mut Conn, user: &User, unacknowledged_only: bool, limit: i64) -> Result<Vec<Alert>, DbError> {
    let (lo, hi) = if user.unit.region == super::identity::NATIONAL {
        (String::new(), "~".to_string())
    } else {
        super::identity::scope_range(&user.unit.region)
    };
    // A broadcast reaches down from any region above the unit's: the unit's lineage and `ID`.
    let mut above: Vec<&str> = super::identity::lineage(&user.unit.region);
    above.push(super::identity::NATIONAL);
    let up = |i: usize| above.get(i).copied().unwrap_or(super::identity::NATIONAL).to_string();
    let rows = conn.query(
        "SELECT a.id, a.kind, a.region_code, a.severity, a.entity_type, a.entity_id, a.message, a.agencies, a.created_at, k.acked_at, a.message_en
         FROM alerts a LEFT JOIN alert_acks k ON k.alert_id = a.id AND k.unit_id = $1
         WHERE ((a.region_code >= $2 AND a.region_code < $3) OR a.region_code = $4
                OR (a.broadcast = 1 AND a.region_code IN ($8, $9, $10, $11, $12)))
           AND a.agencies LIKE $5 AND ($6 = 0 OR k.acked_at IS NULL)
         ORDER BY a.id DESC LIMIT $7",
        params![
            user.unit.id,
            lo,
            hi,
            user.unit.region.as_str(),
            format!("%,{},%", user.unit.agency.as_str()),
            i64::from(unacknowledged_only),
            limit,
            up(0),
            up(1),
            up(2),
            up(3),
            up(4)
        ],
    )?;
    rows.iter().map(from_row).collect()
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
    /// How many (1–500, default 100), newest first.
    limit: Option<i64>,
}

/// The caller's alerts: their agency, their region scope.
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
    let lang = super::i18n::Lang::current();
    let items = items
        .into_iter()
        .map(|a| {
            let place = places.place(&a.region);
            Alert { place, ..a.in_language(lang) }
        })
        .collect();
    Ok(axum::Json(AlertList { items }))
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

/// The alerts page: the user's alerts, newest first, with an acknowledge button each.
pub async fn alerts_page(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    lang: super::web::Lang,
    super::web::PageUser(user): super::web::PageUser,
) -> Result<axum::response::Response, super::web::PageError> {
    use super::web::OrPage;
    use axum::response::IntoResponse;
    let u = user.user.clone();
    let alerts = state.db.read(move |c| for_user(c, &u, false, 200)).await.or_page(Some(&user))?;
    let alerts: Vec<_> = alerts.into_iter().map(|a| a.in_language(lang)).collect();
    let title = super::web::t(lang, "nav.alerts");
    let places = &state.module::<super::i18n::PlaceNames>().0;
    let body = maud::html! {
        h1 { (title) " · " (user.user.unit.name) }
        @if alerts.is_empty() { p.muted { (super::web::t(lang, "alerts.none")) } }
        table #alerts {
            tbody { @for a in &alerts { tr data-severity=(a.severity.as_str()) {
                td { (super::web::t(lang, &format!("severity.{}", a.severity.as_str()))) }
                td { (a.message) br; span.muted { (places.place(&a.region)) " · " (local(places, &a.created_at, &a.region)) } }
                td {
                    @if let Some(at) = &a.acknowledged_at { span.muted { (super::web::t(lang, "alerts.read")) (local(places, at, &a.region)) } }
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

/// A stored time in the time zone of the alert's region.
fn local(places: &std::sync::Arc<dyn super::i18n::Places>, at: &str, region: &str) -> String {
    super::i18n::moment_in(at, places.offset(region))
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
