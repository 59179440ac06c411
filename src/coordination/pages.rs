//! Koordinasi pages: the stage timeline of an election in a region (this week highlighted, a
//! calendar to subscribe to), the meetings and one meeting with its attendance, decisions and
//! action items, what a unit still owes, and the budget with a chart of plan against
//! realisation; and the minutes (notulen) as PDF.

use axum::extract::State;
use crate::platform::http::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use time::Duration;

use super::api::{region_field, visible_meeting};
use super::store::{self, ActionFilter, ActionView, BudgetSummary, MeetingView};
use super::rupiah;
use crate::platform::text;
use crate::platform::auth::CurrentUser;
use crate::platform::clock;
use crate::platform::error::AppError;
use crate::platform::form::{FormBody, Refusal, Refused, above, beside, chosen, invalid, is_refused, typed, unshown};
use crate::platform::i18n;
use crate::platform::web::{Lang, OrPage, Page, PageError, PageUser, label, layout, login_first, t, when};
use crate::regions::NATIONAL;
use crate::regions::pages::election_picker;
use crate::platform::state::AppState;
use crate::tr;

fn region_label(state: &AppState, code: &str) -> String {
    if code == NATIONAL { "Indonesia".into() } else { crate::regions::index_of(&state).get(code).map_or_else(|| code.to_string(), |r| format!("{} ({code})", r.name)) }
}

fn action_status_label(lang: Lang, s: &str) -> &'static str {
    t(lang, &format!("ko.action.{s}"))
}

// ---------------------------------------------------------------------------------------------
// Stages

#[derive(Deserialize)]
pub struct StageQuery {
    pemilu: Option<String>,
    wilayah: Option<String>,
}

pub async fn stages_page(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<StageQuery>) -> Result<Response, PageError> {
    let e = crate::elections::election(q.pemilu.as_deref().unwrap_or("pilkada-2024")).unwrap_or(&crate::elections::ELECTIONS[0]);
    let default_region = user.as_ref().map_or(NATIONAL.to_string(), |u| u.user.unit.region.clone());
    let region = region_field(&state, "wilayah", q.wilayah.as_deref().unwrap_or(&default_region)).or_page(user.as_ref())?;
    let today = store::local_day(&region, clock::now());
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let sunday = monday + Duration::days(6);
    let r = region.clone();
    let stages = state.db.read(move |c| store::list_stages(c, e.id, &r, today)).await.or_page(user.as_ref())?;
    let this_week = |s: &store::StageView| s.start.as_str() <= store::day_string(sunday).as_str() && s.end.as_str() >= store::day_string(monday).as_str();
    let ics = format!("/api/v1/elections/{}/stages.ics?region={region}", e.id);
    let title = t(lang, "ko.stages.title");
    let path = format!("/tahapan?pemilu={}&wilayah={region}", e.id);
    let body = html! {
        h1 { (title) ": " (e.name) }
        (election_picker(lang, "/tahapan", e))
        form.tools method="get" action="/tahapan" {
            input type="hidden" name="pemilu" value=(e.id);
            label for="wilayah" { (t(lang, "ko.region")) }
            input #wilayah name="wilayah" value=(region) size="14";
            button type="submit" { (t(lang, "region.show")) }
        }
        ul.facts {
            li { (t(lang, "ko.region")) b #region { (region_label(&state, &region)) } }
            li { (t(lang, "ko.today")) b #today { (i18n::date(lang, today)) } }
            li { (t(lang, "ko.week")) b { (i18n::date(lang, monday)) " – " (i18n::date(lang, sunday)) } }
        }
        p.tools {
            a #ics href=(ics) { (t(lang, "ko.subscribe")) }
            a href="/rapat" { (t(lang, "ko.meetings.title")) }
            a href="/tindak-lanjut" { (t(lang, "ko.owed.title")) }
            a href="/anggaran" { (t(lang, "ko.budget.title")) }
        }
        table #stages {
            thead { tr { th { (t(lang, "ko.stage")) } th { (t(lang, "ko.start")) } th { (t(lang, "ko.end")) } th.opt { (t(lang, "ko.agencies")) } th { (t(lang, "log.status")) } } }
            tbody {
                @for s in &stages {
                    @let week = this_week(s);
                    tr data-key=(s.key) data-status=(s.status) data-this-week=[week.then_some("1")] class=[week.then_some("this-week")] {
                        td {
                            @if s.parent.is_some() { "↳ " }
                            (s.name)
                            @if s.region != NATIONAL { " " span.muted { "(" (t(lang, "ko.local")) " " (region_label(&state, &s.region)) ")" } }
                        }
                        td.date { (i18n::day_at(lang, &s.start)) } td.date { (i18n::day_at(lang, &s.end)) }
                        td.opt { (s.agencies.iter().map(|a| a.as_str().to_uppercase()).collect::<Vec<_>>().join(", ")) }
                        td { @if s.status == "berlangsung" { strong { (t(lang, "ko.status.berlangsung")) } } @else { (t(lang, &format!("ko.status.{}", s.status))) } }
                    }
                }
            }
        }
        p.muted { (t(lang, "ko.stages.source")) }
    };
    Ok(layout(Page::new(lang, title, user.as_ref().map(|u| &u.user), &path), body).into_response())
}

// ---------------------------------------------------------------------------------------------
// Meetings

pub async fn meetings_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser) -> Result<Response, PageError> {
    let u = user.user.clone();
    let region = u.unit.region.clone();
    let rows = state.db.read(move |c| store::list_meetings(c, &u, &region, 200)).await.or_page(Some(&user))?;
    let title = t(lang, "ko.meetings.title");
    let body = html! {
        h1 { (title) }
        p.tools {
            @if user.user.role >= crate::agencies::Role::Operator { a #new-meeting href="/rapat/baru" { (t(lang, "ko.new_meeting")) } }
            a href="/tindak-lanjut" { (t(lang, "ko.owed.title")) } a href="/tahapan" { (t(lang, "ko.stages.title")) } a href="/anggaran" { (t(lang, "ko.budget.title")) }
        }
        table #meetings {
            thead { tr { th { (t(lang, "ko.when")) } th { (t(lang, "ko.meeting")) } th.opt { (t(lang, "ko.kind")) } th { (t(lang, "ko.host")) } th.opt { (t(lang, "ko.place")) } } }
            tbody { @for m in &rows { tr data-id=(m.id) {
                td.date { (when(&m.starts_at)) }
                td { a href={ "/rapat/" (m.id) } { (m.title) } }
                td.opt { (label(lang, "ko.kind", &m.kind)) } td { (m.host_unit) } td.opt { (m.place) }
            } } }
        }
    };
    Ok(layout(Page::new(lang, title, Some(&user.user), "/rapat"), body).into_response())
}

/// `with_meeting`: the owes page, where each row also has the owner's form to move it.
fn actions_table(lang: Lang, actions: &[ActionView], with_meeting: bool, refused: Refused<'_>) -> Markup {
    html! {
        table.actions {
            thead { tr {
                @if with_meeting { th { (t(lang, "ko.meeting")) } }
                th { (t(lang, "ko.decision")) } th { (t(lang, "ko.owner")) } th { (t(lang, "ko.task")) } th { (t(lang, "ko.due")) } th { (t(lang, "log.status")) } th.opt { (t(lang, "ko.evidence")) } th.opt { (t(lang, "ko.updated_by")) }
                @if with_meeting { th { (t(lang, "ko.update")) } }
            } }
            tbody { @for a in actions { tr data-id=(a.id) data-status=(a.status) {
                @if with_meeting { td { a href={ "/rapat/" (a.meeting_id) } { (a.meeting_title) } } }
                td { (a.decision) } td { (a.owner_unit.name) } td { (a.description) } td.date { (i18n::day_at(lang, &a.due)) }
                td { @if a.status == "terlambat" { strong.late { (action_status_label(lang, &a.status)) } } @else { (action_status_label(lang, &a.status)) } }
                td.opt { (a.evidence) }
                td.opt.updated-by { (a.updated_by) }
                @if with_meeting {
                    @let f = format!("action-{}", a.id);
                    td { form.inline id=(f) method="post" action={ "/tindak-lanjut/" (a.id) } {
                        (above(refused, &f, &["status", "evidence"]))
                        select name="status" aria-label=(t(lang, "log.status")) aria-invalid=[invalid(refused, &f, "status")] {
                            @for s in super::ActionState::ALL { option value=(s.as_str()) selected[chosen(refused, &f, "status", s.as_str(), a.status == s.as_str())] { (action_status_label(lang, s.as_str())) } }
                        }
                        (beside(refused, &f, "status"))
                        input name="evidence" value=(typed(refused, &f, "evidence", &a.evidence)) placeholder=(t(lang, "ko.evidence")) aria-label=(t(lang, "ko.evidence")) aria-invalid=[invalid(refused, &f, "evidence")];
                        (beside(refused, &f, "evidence"))
                        button type="submit" { (t(lang, "ko.save")) }
                    } }
                }
            } } }
        }
    }
}

pub async fn meeting_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    meeting_view(&state, lang, &user, id, None).await
}

/// The meeting page; after a refused host form, with that form shown again as typed and the
/// message beside its field.
async fn meeting_view(state: &AppState, lang: Lang, user: &CurrentUser, id: i64, refused: Refused<'_>) -> Result<Response, PageError> {
    let u = user.user.clone();
    let m = state.db.read(move |c| visible_meeting(c, &u, id)).await.or_page(Some(user))?;
    let actions: Vec<ActionView> = m.decisions.iter().flat_map(|d| d.actions.iter().cloned()).collect();
    let host = user.user.role >= crate::agencies::Role::Operator && store::acts_for(&user.user, &m.host_unit);
    let body = html! {
        nav.crumbs { a href="/rapat" { (t(lang, "ko.meetings.title")) } }
        h1 #meeting-title { (m.title) }
        ul.facts {
            li { (t(lang, "ko.kind")) b #kind { (label(lang, "ko.kind", &m.kind)) } }
            li { (t(lang, "ko.when")) b { (when(&m.starts_at)) } }
            li { (t(lang, "ko.place")) b { (m.place) } }
            li { (t(lang, "ko.host")) b #host { (m.host_unit.name) } }
        }
        p.tools { a #notulen href={ "/api/v1/meetings/" (m.id) "/notulen.pdf" } { (t(lang, "ko.minutes_pdf")) } }
        @if !m.agenda.is_empty() { h2 { (t(lang, "ko.agenda")) } p { (m.agenda) } }
        h2 { (t(lang, "ko.attendance")) }
        table #attendance {
            thead { tr { th { (t(lang, "ko.unit")) } th { (t(lang, "log.status")) } th { (t(lang, "ko.represented_by")) } } }
            tbody { @for i in &m.invited { tr data-unit=(i.unit.id) data-attendance=(i.attendance) {
                td { (i.unit.name) } td { (t(lang, &format!("ko.att.{}", i.attendance))) } td { (i.represented_by) }
            } } }
        }
        @if !m.speakers.is_empty() {
            h2 { (t(lang, "ko.speakers")) }
            table #speakers { tbody { @for s in &m.speakers { tr { td { (s.name) } td { (s.unit.name) } td { (s.topic) } } } } }
        }
        @if !m.minutes.is_empty() { h2 { (t(lang, "ko.minutes")) } p #minutes style="white-space:pre-wrap" { (m.minutes) } }
        h2 { (t(lang, "ko.decisions")) }
        ol #decisions { @for d in &m.decisions { li { (d.text) } } }
        h2 { (t(lang, "ko.actions")) }
        (actions_table(lang, &actions, false, None))
        @if host { (host_forms(lang, &m, refused)) }
        @if !m.owing.is_empty() {
            h2 { (t(lang, "ko.owing")) }
            table #owing {
                thead { tr { th { (t(lang, "ko.unit")) } th.num { (t(lang, "ko.open")) } th.num { (t(lang, "ko.action.terlambat")) } } }
                tbody { @for o in &m.owing { tr data-unit=(o.unit.id) { td { (o.unit.name) } td.num { (o.open) } td.num { @if o.late > 0 { strong.late { (o.late) } } @else { "0" } } } } }
            }
        }
    };
    let body = html! { (unshown(refused)) (body) };
    let status = refused.map_or(StatusCode::OK, Refusal::status);
    Ok((status, layout(Page::new(lang, &m.title, Some(&user.user), &format!("/rapat/{id}")), body)).into_response())
}

/// What the host records during and after the meeting: attendance, speakers, minutes, and each
/// decision with the action item that carries it out. Plain forms; each posts and comes back
/// (after a refusal, as it was typed with the message beside the field).
fn host_forms(lang: Lang, m: &MeetingView, refused: Refused<'_>) -> Markup {
    let units: Vec<&crate::agencies::store::Unit> = std::iter::once(&m.host_unit).chain(m.invited.iter().map(|i| &i.unit)).collect();
    let (sp, mi, ac) = ("speaker-form", "minutes-form", "action-form");
    html! {
        section #host-forms {
            h2 { (t(lang, "ko.record")) }
            h3 { (t(lang, "ko.attendance")) }
            @for i in &m.invited {
                @let f = format!("attendance-{}", i.unit.id);
                form.inline.attendance id=(f) method="post" action={ "/rapat/" (m.id) "/kehadiran" } data-unit=(i.unit.id) {
                    (above(refused, &f, &["attendance", "represented_by"]))
                    input type="hidden" name="unit" value=(i.unit.id);
                    span { (i.unit.name) }
                    select name="attendance" aria-label=(t(lang, "log.status")) aria-invalid=[invalid(refused, &f, "attendance")] {
                        @for a in super::Attendance::ALL { option value=(a.as_str()) selected[chosen(refused, &f, "attendance", a.as_str(), i.attendance == a.as_str())] { (label(lang, "ko.att", a.as_str())) } }
                    }
                    (beside(refused, &f, "attendance"))
                    input name="represented_by" value=(typed(refused, &f, "represented_by", &i.represented_by)) placeholder=(t(lang, "ko.represented_by")) aria-label=(t(lang, "ko.represented_by")) aria-invalid=[invalid(refused, &f, "represented_by")];
                    (beside(refused, &f, "represented_by"))
                    button type="submit" { (t(lang, "ko.save")) }
                }
            }
            h3 { (t(lang, "ko.speakers")) }
            form.move #speaker-form method="post" action={ "/rapat/" (m.id) "/narasumber" } {
                (above(refused, sp, &["unit", "name", "topic"]))
                label for="speaker-unit" { (t(lang, "ko.unit")) }
                select #speaker-unit name="unit" aria-invalid=[invalid(refused, sp, "unit")] { @for u in &units { option value=(u.id) selected[chosen(refused, sp, "unit", &u.id.to_string(), false)] { (u.name) } } }
                (beside(refused, sp, "unit"))
                label for="speaker-name" { (t(lang, "ko.speaker_name")) }
                input #speaker-name name="name" value=(typed(refused, sp, "name", "")) aria-invalid=[invalid(refused, sp, "name")] required;
                (beside(refused, sp, "name"))
                label for="speaker-topic" { (t(lang, "ko.topic")) }
                input #speaker-topic name="topic" value=(typed(refused, sp, "topic", "")) aria-invalid=[invalid(refused, sp, "topic")] required;
                (beside(refused, sp, "topic"))
                button type="submit" { (t(lang, "ko.save")) }
            }
            h3 { (t(lang, "ko.minutes")) }
            form.move #minutes-form method="post" action={ "/rapat/" (m.id) "/notulen" } {
                (above(refused, mi, &["minutes"]))
                textarea #minutes-text name="minutes" rows="6" aria-label=(t(lang, "ko.minutes")) aria-invalid=[invalid(refused, mi, "minutes")] { (typed(refused, mi, "minutes", &m.minutes)) }
                (beside(refused, mi, "minutes"))
                button type="submit" { (t(lang, "ko.save")) }
            }
            h3 { (t(lang, "ko.new_action")) }
            form.move #action-form method="post" action={ "/rapat/" (m.id) "/tindak-lanjut" } {
                (above(refused, ac, &["decision", "owner_unit", "due", "description"]))
                label for="action-decision" { (t(lang, "ko.decision")) }
                input #action-decision name="decision" list="decisions-list" value=(typed(refused, ac, "decision", "")) aria-invalid=[invalid(refused, ac, "decision")] required;
                (beside(refused, ac, "decision"))
                datalist #decisions-list { @for d in &m.decisions { option value=(d.text) {} } }
                label for="action-owner" { (t(lang, "ko.owner")) }
                select #action-owner name="owner_unit" aria-invalid=[invalid(refused, ac, "owner_unit")] { @for u in &units { option value=(u.id) selected[chosen(refused, ac, "owner_unit", &u.id.to_string(), false)] { (u.name) } } }
                (beside(refused, ac, "owner_unit"))
                label for="action-due" { (t(lang, "ko.due")) }
                input #action-due type="date" name="due" value=(typed(refused, ac, "due", "")) aria-invalid=[invalid(refused, ac, "due")] required;
                (beside(refused, ac, "due"))
                label for="action-description" { (t(lang, "ko.task")) }
                textarea #action-description name="description" rows="2" aria-invalid=[invalid(refused, ac, "description")] required { (typed(refused, ac, "description", "")) }
                (beside(refused, ac, "description"))
                button type="submit" { (t(lang, "ko.save")) }
            }
        }
    }
}

/// Runs a host's job from form `form` and returns to the meeting; a refusal shows the meeting
/// page again with that form as it was typed and the message beside its field.
async fn host_submit<T: Send + 'static>(state: &AppState, lang: Lang, user: &CurrentUser, id: i64, form: String, typed: FormBody, job: Result<super::api::Job<T>, AppError>) -> Result<Response, PageError> {
    let result = match job {
        Ok(j) => state.db.write(j).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/rapat/{id}")).into_response()),
        Err(err) => {
            let refusal = Refusal::new(form, typed, err);
            meeting_view(state, lang, user, id, Some(&refusal)).await
        }
    }
}

pub async fn attendance_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first(&format!("/rapat/{id}"))) };
    let f = FormBody::parse(&body);
    let form = format!("attendance-{}", f.get("unit").trim());
    let job = f.int("unit").and_then(|unit| {
        let input = super::api::AttendanceInput { unit: store::UnitRef::Id(unit), attendance: f.get("attendance").to_string(), represented_by: f.get("represented_by").to_string() };
        super::api::attendance_job(user.user.clone(), id, input)
    });
    host_submit(&state, lang, &user, id, form, f, job).await
}

pub async fn speaker_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first(&format!("/rapat/{id}"))) };
    let f = FormBody::parse(&body);
    let job = f.int("unit").and_then(|unit| {
        let input = super::api::SpeakerInput { unit: store::UnitRef::Id(unit), name: f.get("name").to_string(), topic: f.get("topic").to_string() };
        super::api::speaker_job(user.user.clone(), id, input)
    });
    host_submit(&state, lang, &user, id, "speaker-form".into(), f, job).await
}

pub async fn minutes_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first(&format!("/rapat/{id}"))) };
    let f = FormBody::parse(&body);
    let input = super::api::MeetingPatchInput { title: None, place: None, agenda: None, minutes: Some(f.get("minutes").to_string()), starts_at: None, invite: vec![] };
    let job = super::api::patch_job(user.user.clone(), id, input);
    host_submit(&state, lang, &user, id, "minutes-form".into(), f, job).await
}

pub async fn action_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first(&format!("/rapat/{id}"))) };
    let f = FormBody::parse(&body);
    let job = f.int("owner_unit").and_then(|owner| {
        let input = super::api::ActionInput { decision: store::DecisionRef::Text(f.get("decision").to_string()), owner_unit: store::UnitRef::Id(owner), due: f.get("due").to_string(), description: f.get("description").to_string() };
        super::api::action_job(user.user.clone(), id, input)
    });
    host_submit(&state, lang, &user, id, "action-form".into(), f, job).await
}

// ---------------------------------------------------------------------------------------------
// Scheduling a meeting

#[derive(Deserialize, Default)]
pub struct ScheduleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    /// `datetime-local`: local time of the region.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    agenda: String,
    /// Invited unit ids (`invited=3&invited=7`).
    #[serde(default)]
    invited: Vec<i64>,
}

const SCHEDULE_FIELDS: &[&str] = &["title", "kind", "region", "starts_at", "place", "agenda", "invited_units"];

fn schedule_form(lang: Lang, units: &[crate::agencies::store::Unit], own: i64, v: &ScheduleForm, refused: Refused<'_>) -> Markup {
    let f = "schedule-form";
    html! {
        h1 { (t(lang, "ko.new_meeting")) }
        form.report #schedule-form method="post" action="/rapat/baru" {
            (above(refused, f, SCHEDULE_FIELDS))
            label for="title" { (t(lang, "ko.meeting")) }
            input #title name="title" value=(v.title) required aria-invalid=[invalid(refused, f, "title")];
            (beside(refused, f, "title"))
            label for="kind" { (t(lang, "ko.kind")) }
            select #kind name="kind" aria-invalid=[invalid(refused, f, "kind")] { @for k in super::MeetingKind::ALL { option value=(k.as_str()) selected[v.kind == k.as_str()] { (label(lang, "ko.kind", k.as_str())) } } }
            (beside(refused, f, "kind"))
            label for="region" { (t(lang, "ko.region")) }
            input #region name="region" value=(v.region) required aria-invalid=[invalid(refused, f, "region")];
            (beside(refused, f, "region"))
            label for="starts_at" { (t(lang, "ko.when")) " (" (t(lang, "ko.local_time")) ")" }
            input #starts_at type="datetime-local" name="starts_at" value=(v.starts_at) required aria-invalid=[invalid(refused, f, "starts_at")];
            (beside(refused, f, "starts_at"))
            label for="place" { (t(lang, "ko.place")) }
            input #place name="place" value=(v.place) required aria-invalid=[invalid(refused, f, "place")];
            (beside(refused, f, "place"))
            label for="agenda" { (t(lang, "ko.agenda")) }
            textarea #agenda name="agenda" rows="3" aria-invalid=[invalid(refused, f, "agenda")] { (v.agenda) }
            (beside(refused, f, "agenda"))
            fieldset #invited aria-invalid=[invalid(refused, f, "invited_units")] {
                legend { (t(lang, "ko.invite")) }
                (beside(refused, f, "invited_units"))
                @for u in units.iter().filter(|u| u.id != own) {
                    label.check { input type="checkbox" name="invited" value=(u.id) checked[v.invited.contains(&u.id)]; " " (u.name) }
                }
            }
            button #schedule-submit type="submit" { (t(lang, "ko.schedule")) }
        }
    }
}

async fn schedule_units(state: &AppState, user: &CurrentUser) -> Result<Vec<crate::agencies::store::Unit>, AppError> {
    let region = user.user.unit.region.clone();
    Ok(state.db.read(move |c| store::units_for(c, &region)).await?)
}

pub async fn schedule_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser) -> Result<Response, PageError> {
    let units = schedule_units(&state, &user).await.or_page(Some(&user))?;
    let v = ScheduleForm { region: user.user.unit.region.clone(), kind: "rakor".into(), ..Default::default() };
    let body = schedule_form(lang, &units, user.user.unit.id, &v, None);
    Ok(layout(Page::new(lang, t(lang, "ko.new_meeting"), Some(&user.user), "/rapat/baru"), body).into_response())
}

/// `axum::Form` reads a repeated key only into a sequence through this (serde_urlencoded
/// cannot), so the form body is parsed by hand.
pub async fn schedule_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/rapat/baru")) };
    let mut v = ScheduleForm::default();
    for (k, val) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "title" => v.title = val.into_owned(),
            "kind" => v.kind = val.into_owned(),
            "region" => v.region = val.trim().to_string(),
            "starts_at" => v.starts_at = val.into_owned(),
            "place" => v.place = val.into_owned(),
            "agenda" => v.agenda = val.into_owned(),
            "invited" => {
                if let Ok(id) = val.parse() {
                    v.invited.push(id);
                }
            }
            _ => {}
        }
    }
    // The browser sends the wall-clock time it was given; it is the meeting's local time.
    let starts_at = local_instant(&v.region, &v.starts_at);
    let input = super::api::MeetingInput {
        title: v.title.clone(),
        kind: v.kind.clone(),
        region: v.region.clone(),
        host_unit: store::UnitRef::Id(user.user.unit.id),
        starts_at,
        place: v.place.clone(),
        invited_units: v.invited.iter().map(|id| store::UnitRef::Id(*id)).collect(),
        agenda: v.agenda.clone(),
    };
    let result = match super::api::schedule_job(&state, user.user.clone(), input) {
        Ok(job) => state.db.write(job).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(m) => Ok(axum::response::Redirect::to(&format!("/rapat/{}", m.id)).into_response()),
        Err(err) => {
            let units = schedule_units(&state, &user).await.or_page(Some(&user))?;
            let refusal = Refusal::new("schedule-form", FormBody::parse(&body), err);
            let status = refusal.status();
            let body = schedule_form(lang, &units, user.user.unit.id, &v, Some(&refusal));
            Ok((status, layout(Page::new(lang, t(lang, "ko.new_meeting"), Some(&user.user), "/rapat/baru"), body)).into_response())
        }
    }
}

/// `2024-10-14T09:00` in the region's zone → RFC 3339 with its offset; anything else is passed
/// on unchanged for the API's own check to name.
fn local_instant(region: &str, s: &str) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let code = if region.trim().is_empty() { NATIONAL } else { region.trim() };
    match time::PrimitiveDateTime::parse(s.trim(), &fmt) {
        Ok(t) => crate::platform::clock::rfc3339(t.assume_offset(crate::reports::store::offset_of(code))),
        Err(_) => s.to_string(),
    }
}

pub async fn owed_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser) -> Result<Response, PageError> {
    owed_view(&state, lang, &user, None).await
}

/// What a unit owes; after a refused update, with that row's form as typed and the message.
async fn owed_view(state: &AppState, lang: Lang, user: &CurrentUser, refused: Refused<'_>) -> Result<Response, PageError> {
    let u = user.user.clone();
    let f = ActionFilter { owner_unit: Some(u.unit.id), meeting: None, overdue: false, open_only: true };
    let rows = state.db.read(move |c| store::list_actions(c, &u, &f, clock::now(), 1000)).await.or_page(Some(user))?;
    let late = rows.iter().filter(|a| a.status == "terlambat").count();
    let title = t(lang, "ko.owed.title");
    let body = html! {
        h1 { (title) }
        ul.facts {
            li { (t(lang, "ko.unit")) b { (user.user.unit.name) } }
            li { (t(lang, "ko.open")) b #owed-count { (rows.len()) } }
            li { (t(lang, "ko.action.terlambat")) b #late-count { (late) } }
        }
        @if rows.is_empty() { p.ok { (t(lang, "ko.owed.none")) } } @else { (actions_table(lang, &rows, true, refused)) }
    };
    let body = html! { (unshown(refused)) (body) };
    let status = refused.map_or(StatusCode::OK, Refusal::status);
    Ok((status, layout(Page::new(lang, title, Some(&user.user), "/tindak-lanjut"), body)).into_response())
}

/// The owner records progress from the owes page (a plain form, no script); a refusal shows the
/// page again with the row's form as typed and the message beside its field.
pub async fn owed_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/tindak-lanjut")) };
    let f = FormBody::parse(&body);
    let u = user.user.clone();
    // The same checks as the API's, in the same order of fields.
    let checked = super::api::action_state(f.get("status")).and_then(|status| Ok((status, text::free_text("evidence", f.get("evidence"), text::NOTE_MAX, false)?)));
    let result = match checked {
        Ok((status, evidence)) => state.db.write(move |c| super::api::move_action(c, &u, id, Some(status), Some(&evidence))).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(axum::response::Redirect::to("/tindak-lanjut").into_response()),
        Err(err) => {
            let refusal = Refusal::new(format!("action-{id}"), f, err);
            owed_view(&state, lang, &user, Some(&refusal)).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Budget

#[derive(Deserialize)]
pub struct BudgetQuery {
    wilayah: Option<String>,
}

/// Horizontal bars per activity: plan in grey, realisation over it in colour; drawn on the
/// server as SVG (no script, no chart library).
fn chart(s: &BudgetSummary) -> Markup {
    let mut groups: Vec<(String, i64, i64)> = vec![];
    for l in &s.lines {
        let name = format!("{} – {}", l.program, l.activity);
        match groups.iter_mut().find(|g| g.0 == name) {
            Some(g) => {
                g.1 = g.1.saturating_add(l.plan);
                g.2 = g.2.saturating_add(l.realised);
            }
            None => groups.push((name, l.plan, l.realised)),
        }
    }
    let max = groups.iter().map(|g| g.1.max(g.2)).max().unwrap_or(1).max(1);
    // Drawn at its own size (not stretched to the page), bars up to 540 units, amounts beside.
    let (bar, row) = (540.0_f64, 40.0_f64);
    let h = row * groups.len() as f64 + 6.0;
    html! {
        svg #budget-chart viewBox={ "0 0 800 " (h) } style="width:100%;max-width:800px" role="img" aria-label="Pagu dan realisasi per kegiatan" {
            @for (i, (name, plan, real)) in groups.iter().enumerate() {
                @let y = i as f64 * row + 4.0;
                @let pw = *plan as f64 / max as f64 * bar;
                @let rw = *real as f64 / max as f64 * bar;
                g data-activity=(name) data-plan=(plan) data-realised=(real) {
                    text x="0" y=(y + 11.0) font-size="12" { (name) }
                    rect x="0" y=(y + 16.0) width=(format!("{pw:.1}")) height="10" fill="#ccc" {}
                    rect x="0" y=(y + 16.0) width=(format!("{rw:.1}")) height="10" fill="#1f6f43" {}
                    text x=(format!("{:.1}", pw.max(rw) + 6.0)) y=(y + 25.0) font-size="11" { (rupiah(*real)) " / " (rupiah(*plan)) }
                }
            }
        }
    }
}

pub async fn budget_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(q): Query<BudgetQuery>) -> Result<Response, PageError> {
    budget_view(&state, lang, &user, q.wilayah.as_deref(), None).await
}

/// The budget page of a region; after a refused form, with that form shown again (the message
/// beside its field, what was typed kept) and answered with the refusal's status.
async fn budget_view(state: &AppState, lang: Lang, user: &CurrentUser, wilayah: Option<&str>, refused: Refused<'_>) -> Result<Response, PageError> {
    let region = wilayah.map_or(Ok(user.user.unit.region.clone()), |r| region_field(state, "wilayah", r)).or_page(Some(user))?;
    if !crate::regions::within(&user.user.unit.region, &region) {
        let (place, unit) = (region_label(state, &region), user.user.unit.name.clone());
        return Err(PageError::new(AppError::forbidden(tr!("{place} di luar wilayah kerja {unit}", "{place} is outside the area of {unit}")), Some(user)));
    }
    let r = region.clone();
    let s = state.db.read(move |c| store::budget_summary(c, &r, clock::now())).await.or_page(Some(user))?;
    let title = t(lang, "ko.budget.title");
    let me = &user.user;
    let can_plan = me.role >= crate::agencies::Role::Operator && matches!(me.unit.agency, crate::agencies::AgencyKind::Kpu | crate::agencies::AgencyKind::Bawaslu);
    let can_grant = me.role >= crate::agencies::Role::Operator && matches!(me.unit.agency, crate::agencies::AgencyKind::Pemda | crate::agencies::AgencyKind::Kpu | crate::agencies::AgencyKind::Bawaslu);
    let recipients = if can_grant {
        let r = region.clone();
        state.db.read(move |c| store::units_for(c, &r)).await.unwrap_or_default().into_iter()
            .filter(|u| matches!(u.agency, crate::agencies::AgencyKind::Kpu | crate::agencies::AgencyKind::Bawaslu | crate::agencies::AgencyKind::Polri | crate::agencies::AgencyKind::Tni) && crate::regions::within(&region, &u.region))
            .collect()
    } else {
        vec![]
    };
    let body = html! {
        h1 { (title) }
        form.tools method="get" action="/anggaran" {
            label for="wilayah" { (t(lang, "ko.region")) }
            input #wilayah name="wilayah" value=(region) size="14";
            button type="submit" { (t(lang, "region.show")) }
        }
        ul.facts {
            li { (t(lang, "ko.region")) b { (region_label(state, &region)) } }
            li { (t(lang, "ko.plan")) b #plan data-value=(s.plan) { (rupiah(s.plan)) } }
            li { (t(lang, "ko.granted")) b #granted data-value=(s.granted) { (rupiah(s.granted)) } }
            li { (t(lang, "ko.disbursed")) b #disbursed data-value=(s.disbursed) { (rupiah(s.disbursed)) } }
            li { (t(lang, "ko.realised")) b #realised data-value=(s.realised) { (rupiah(s.realised)) } }
            li { (t(lang, "ko.absorption")) b #absorption { (crate::platform::web::percent(lang, s.absorption_percent, 2)) } }
        }
        p.tools { a #budget-csv href={ "/api/v1/budget/export?format=csv&region=" (region) } { (t(lang, "ko.download_csv")) } }
        @if !s.lines.is_empty() { (chart(&s)) }
        h2 { (t(lang, "ko.lines")) }
        table #lines {
            thead { tr { th { (t(lang, "ko.program")) } th { (t(lang, "ko.activity")) } th.opt { (t(lang, "ko.unit")) } th.opt { (t(lang, "ko.stage")) } th.num { (t(lang, "ko.plan")) } th.num { (t(lang, "ko.realised")) } } }
            tbody { @for l in &s.lines { tr data-id=(l.id) {
                td { (l.program) } td { (l.activity) } td.opt { (l.unit.name) } td.opt.stage { (l.stage_name) } td.num { (rupiah(l.plan)) } td.num { (rupiah(l.realised)) }
                @if can_plan && l.unit.agency == user.user.unit.agency {
                    @let f = format!("realisation-{}", l.id);
                    td { form.inline id=(f) method="post" action={ "/anggaran/pagu/" (l.id) "/realisasi" } {
                        (above(refused, &f, &["amount", "date", "document_no"]))
                        input name="amount" value=(typed(refused, &f, "amount", "")) placeholder=(t(lang, "ko.amount")) aria-label=(t(lang, "ko.amount")) aria-invalid=[invalid(refused, &f, "amount")] required;
                        (beside(refused, &f, "amount"))
                        input type="date" name="date" value=(typed(refused, &f, "date", "")) aria-label=(t(lang, "ko.date")) aria-invalid=[invalid(refused, &f, "date")] required;
                        (beside(refused, &f, "date"))
                        input name="document_no" value=(typed(refused, &f, "document_no", "")) placeholder=(t(lang, "ko.document")) aria-label=(t(lang, "ko.document")) aria-invalid=[invalid(refused, &f, "document_no")] required;
                        (beside(refused, &f, "document_no"))
                        button type="submit" { (t(lang, "ko.add_realisation")) }
                    } }
                }
            } } }
        }
        @if can_plan { (line_form(lang, &s, refused)) }
        h2 { (t(lang, "ko.grants")) }
        @if can_grant { (grant_form(lang, &region, &recipients, refused)) }
        @for g in &s.grants {
            h3 { (g.document_no) " · " (g.recipient_unit.name) " · " (rupiah(g.amount)) " · " (t(lang, "ko.signed")) " " (i18n::day_at(lang, &g.signed_on)) }
            table.tranches data-grant=(g.id) {
                thead { tr { th { (t(lang, "ko.tranche")) } th.num { "%" } th.num { (t(lang, "ko.amount")) } th { (t(lang, "ko.due")) } th.num { (t(lang, "ko.disbursed")) } th { (t(lang, "log.status")) } } }
                tbody { @for tr_ in &g.tranches { tr data-status=(tr_.status) {
                    td { (tr_.seq) } td.num { (tr_.share_percent) } td.num { (rupiah(tr_.amount)) } td.date { (i18n::day_at(lang, &tr_.due)) } td.num { (rupiah(tr_.disbursed)) }
                    td { @if tr_.status == "terlambat" { strong.late { (t(lang, "ko.tranche.terlambat")) } } @else { (t(lang, &format!("ko.tranche.{}", tr_.status))) } }
                    @if can_grant && tr_.status != "lunas" {
                        @let f = format!("disbursement-{}-{}", g.id, tr_.seq);
                        @let left = (tr_.amount - tr_.disbursed).to_string();
                        td { form.inline id=(f) method="post" action={ "/anggaran/hibah/" (g.id) "/pencairan" } {
                            (above(refused, &f, &["amount", "paid_on", "document_no"]))
                            input type="hidden" name="tranche" value=(tr_.seq);
                            input name="amount" value=(typed(refused, &f, "amount", &left)) aria-label=(t(lang, "ko.amount")) aria-invalid=[invalid(refused, &f, "amount")] required;
                            (beside(refused, &f, "amount"))
                            input type="date" name="paid_on" value=(typed(refused, &f, "paid_on", "")) aria-label=(t(lang, "ko.date")) aria-invalid=[invalid(refused, &f, "paid_on")] required;
                            (beside(refused, &f, "paid_on"))
                            input name="document_no" value=(typed(refused, &f, "document_no", "")) placeholder=(t(lang, "ko.document")) aria-label=(t(lang, "ko.document")) aria-invalid=[invalid(refused, &f, "document_no")];
                            (beside(refused, &f, "document_no"))
                            button type="submit" { (t(lang, "ko.add_disbursement")) }
                        } }
                    }
                } } }
            }
        }
    };
    let body = html! { (unshown(refused)) (body) };
    let status = refused.map_or(StatusCode::OK, Refusal::status);
    Ok((status, layout(Page::new(lang, title, Some(&user.user), "/anggaran"), body)).into_response())
}

const LINE_FIELDS: &[&str] = &["program", "activity", "stage", "amount"];

fn line_form(lang: Lang, s: &BudgetSummary, refused: Refused<'_>) -> Markup {
    let f = "line-form";
    let v = |name: &str| typed(refused, f, name, "").to_string();
    html! {
        details #line-details open[is_refused(refused, f)] {
            summary { (t(lang, "ko.add_line")) }
            form.move #line-form method="post" action={ "/anggaran/pagu?wilayah=" (s.region) } {
                (above(refused, f, LINE_FIELDS))
                label for="line-program" { (t(lang, "ko.program")) }
                input #line-program name="program" value=(v("program")) aria-invalid=[invalid(refused, f, "program")] required;
                (beside(refused, f, "program"))
                label for="line-activity" { (t(lang, "ko.activity")) }
                input #line-activity name="activity" value=(v("activity")) aria-invalid=[invalid(refused, f, "activity")] required;
                (beside(refused, f, "activity"))
                label for="line-stage" { (t(lang, "ko.stage")) " (" (t(lang, "ko.optional")) ")" }
                input #line-stage name="stage" value=(v("stage")) placeholder="kampanye" aria-invalid=[invalid(refused, f, "stage")];
                (beside(refused, f, "stage"))
                label for="line-amount" { (t(lang, "ko.plan")) " (Rp)" }
                input #line-amount name="amount" value=(v("amount")) inputmode="numeric" placeholder="1.250.000" aria-invalid=[invalid(refused, f, "amount")] required;
                (beside(refused, f, "amount"))
                button type="submit" { (t(lang, "ko.save")) }
            }
        }
    }
}

const GRANT_FIELDS: &[&str] = &["grantor_region", "recipient_unit", "amount", "signed_on", "document_no", "scheme"];

fn grant_form(lang: Lang, region: &str, recipients: &[crate::agencies::store::Unit], refused: Refused<'_>) -> Markup {
    let f = "grant-form";
    let v = |name: &str| typed(refused, f, name, "").to_string();
    html! {
        details #grant-details open[is_refused(refused, f)] {
            summary { (t(lang, "ko.add_grant")) }
            form.move #grant-form method="post" action={ "/anggaran/hibah?wilayah=" (region) } {
                (above(refused, f, GRANT_FIELDS))
                label for="grant-grantor" { (t(lang, "ko.grantor")) }
                input #grant-grantor name="grantor_region" value=(typed(refused, f, "grantor_region", region.get(..5).unwrap_or(region))) aria-invalid=[invalid(refused, f, "grantor_region")] required;
                (beside(refused, f, "grantor_region"))
                label for="grant-recipient" { (t(lang, "ko.recipient")) }
                select #grant-recipient name="recipient_unit" aria-invalid=[invalid(refused, f, "recipient_unit")] {
                    @for u in recipients { option value=(u.id) selected[chosen(refused, f, "recipient_unit", &u.id.to_string(), false)] { (u.name) } }
                }
                (beside(refused, f, "recipient_unit"))
                label for="grant-amount" { (t(lang, "ko.amount")) " (Rp)" }
                input #grant-amount name="amount" value=(v("amount")) inputmode="numeric" placeholder="1.250.000" aria-invalid=[invalid(refused, f, "amount")] required;
                (beside(refused, f, "amount"))
                label for="grant-signed" { (t(lang, "ko.signed")) }
                input #grant-signed type="date" name="signed_on" value=(v("signed_on")) aria-invalid=[invalid(refused, f, "signed_on")] required;
                (beside(refused, f, "signed_on"))
                label for="grant-document" { (t(lang, "ko.document")) }
                input #grant-document name="document_no" value=(v("document_no")) aria-invalid=[invalid(refused, f, "document_no")];
                (beside(refused, f, "document_no"))
                label for="grant-scheme" { (t(lang, "ko.scheme")) }
                select #grant-scheme name="scheme" aria-invalid=[invalid(refused, f, "scheme")] {
                    option value="bertahap" { (t(lang, "ko.scheme.bertahap")) }
                    option value="sekaligus" selected[chosen(refused, f, "scheme", "sekaligus", false)] { (t(lang, "ko.scheme.sekaligus")) }
                }
                (beside(refused, f, "scheme"))
                button type="submit" { (t(lang, "ko.save")) }
            }
        }
    }
}

/// An amount typed in a money field, read by the one rupiah reading (`1.250.000,00` is
/// Rp 1.250.000); the message names the field.
fn rupiah_field(field: &str, s: &str) -> Result<i64, AppError> {
    super::parse_rupiah(s).map_err(|m| AppError::invalid(field, m))
}

/// Runs a budget job from a form and returns to the budget page of the region; a refusal shows
/// the page again with form `form` as it was typed and the message beside its field.
#[allow(clippy::too_many_arguments)]
async fn budget_submit<T: Send + 'static>(state: &AppState, lang: Lang, user: &CurrentUser, region: &str, form: String, typed: FormBody, job: Result<super::api::Job<T>, AppError>) -> Result<Response, PageError> {
    let result = match job {
        Ok(j) => state.db.write(j).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/anggaran?wilayah={region}")).into_response()),
        Err(err) => {
            let refusal = Refusal::new(form, typed, err);
            budget_view(state, lang, user, Some(region), Some(&refusal)).await
        }
    }
}

pub async fn line_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<BudgetQuery>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/anggaran")) };
    let region = q.wilayah.unwrap_or_else(|| user.user.unit.region.clone());
    let f = FormBody::parse(&body);
    let job = rupiah_field("amount", f.get("amount")).and_then(|amount| {
        let input = super::api::LineInput {
            program: f.get("program").to_string(),
            activity: f.get("activity").to_string(),
            region: user.user.unit.region.clone(),
            unit: store::UnitRef::Id(user.user.unit.id),
            amount,
            stage: f.get("stage").to_string(),
        };
        super::api::line_job(&state, user.user.clone(), input)
    });
    budget_submit(&state, lang, &user, &region, "line-form".into(), f, job).await
}

pub async fn realisation_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/anggaran")) };
    let region = user.user.unit.region.clone();
    let f = FormBody::parse(&body);
    let job = rupiah_field("amount", f.get("amount")).and_then(|amount| {
        let input = super::api::RealisationInput { amount, date: f.get("date").to_string(), document_no: f.get("document_no").to_string(), description: String::new() };
        super::api::realisation_job(user.user.clone(), id, input)
    });
    budget_submit(&state, lang, &user, &region, format!("realisation-{id}"), f, job).await
}

pub async fn grant_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Query(q): Query<BudgetQuery>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/anggaran")) };
    let region = q.wilayah.unwrap_or_else(|| user.user.unit.region.clone());
    let f = FormBody::parse(&body);
    let job = match (rupiah_field("amount", f.get("amount")), f.int("recipient_unit")) {
        (Ok(amount), Ok(recipient)) => {
            let input = super::api::GrantInput {
                election: None,
                grantor_region: f.get("grantor_region").to_string(),
                recipient_unit: store::UnitRef::Id(recipient),
                amount,
                signed_on: f.get("signed_on").to_string(),
                document_no: f.get("document_no").to_string(),
                tranches: None,
                scheme: Some(f.get("scheme").to_string()),
            };
            super::api::grant_job(&state, user.user.clone(), input).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    budget_submit(&state, lang, &user, &region, "grant-form".into(), f, job).await
}

pub async fn disbursement_submit(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, PageError> {
    let Some(user) = user else { return Ok(login_first("/anggaran")) };
    let region = user.user.unit.region.clone();
    let f = FormBody::parse(&body);
    let tranche = f.get("tranche").trim().to_string();
    let job = rupiah_field("amount", f.get("amount")).and_then(|amount| {
        let input = super::api::DisbursementInput { tranche: f.int("tranche")?, amount, paid_on: f.get("paid_on").to_string(), document_no: f.get("document_no").to_string() };
        super::api::disbursement_job(user.user.clone(), id, input)
    });
    budget_submit(&state, lang, &user, &region, format!("disbursement-{id}-{tranche}"), f, job).await
}

// ---------------------------------------------------------------------------------------------
// Minutes as PDF

/// The minutes on as many A4 pages as they need: the meeting, who came, the speakers, the
/// minutes, the decisions and their action items, with the page number at the foot. In the
/// request's language: kinds and states by their names, days as "27 November 2024".
pub fn minutes_pdf(m: &MeetingView) -> Vec<u8> {
    let lang = Lang::current();
    let w = |id: &'static str, en: &'static str| if lang == Lang::En { en } else { id };
    let mut flow = crate::platform::pdf::Flow::new();
    let p = &mut flow;
    let put = |p: &mut crate::platform::pdf::Flow, size: f32, bold: bool, text: &str, indent: f32| p.put(size, bold, text, indent);
    put(p, 14.0, true, w("NOTULEN RAPAT", "MINUTES OF THE MEETING"), 0.0);
    put(p, 11.0, true, &m.title, 0.0);
    let (kind, at, place) = (label(lang, "ko.kind", &m.kind), when(&m.starts_at), &m.place);
    put(p, 9.0, false, &format!("{}: {kind} · {}: {at} · {}: {place}", t(lang, "ko.kind"), t(lang, "ko.when"), t(lang, "ko.place")), 0.0);
    put(p, 9.0, false, &format!("{}: {} · {}: {}", t(lang, "ko.host"), m.host_unit.name, t(lang, "ko.region"), m.region_name), 0.0);
    if !m.agenda.is_empty() {
        put(p, 10.0, true, t(lang, "ko.agenda"), 0.0);
        put(p, 9.0, false, &m.agenda, 0.0);
    }
    put(p, 10.0, true, w("Kehadiran", "Attendance"), 0.0);
    for i in &m.invited {
        let rep = if i.represented_by.is_empty() { String::new() } else { format!(" ({} {})", w("diwakili", "represented by"), i.represented_by) };
        put(p, 9.0, false, &format!("- {}: {}{rep}", i.unit.name, label(lang, "ko.att", &i.attendance)), 8.0);
    }
    if !m.speakers.is_empty() {
        put(p, 10.0, true, t(lang, "ko.speakers"), 0.0);
        for s in &m.speakers {
            put(p, 9.0, false, &format!("- {} ({}): {}", s.name, s.unit.name, s.topic), 8.0);
        }
    }
    if !m.minutes.is_empty() {
        put(p, 10.0, true, t(lang, "ko.minutes"), 0.0);
        put(p, 9.0, false, &m.minutes, 0.0);
    }
    put(p, 10.0, true, w("Kesepakatan dan tindak lanjut", "Decisions and action items"), 0.0);
    for (i, d) in m.decisions.iter().enumerate() {
        put(p, 9.0, true, &format!("{}. {}", i + 1, d.text), 0.0);
        for a in &d.actions {
            let (due, status) = (i18n::day_at(lang, &a.due), label(lang, "ko.action", &a.status));
            put(p, 9.0, false, &format!("- {} — {} ({} {due}, {status})", a.owner_unit.name, a.description, w("tenggat", "due")), 12.0);
        }
    }
    let id = m.id;
    flow.finish(&format!("{} {}", w("Notulen rapat", "Minutes of"), m.title), |n, total| {
        if lang == Lang::En { format!("Minutes of meeting #{id} · page {n} of {total}") } else { format!("Notulen rapat #{id} · halaman {n} dari {total}") }
    })
}
