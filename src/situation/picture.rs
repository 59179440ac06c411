//! The situation of one region as of now, as data: what the API answers and the page draws.
//! Every figure is a count or a share, never a case file or a reporter, so every Forkopimda
//! agency in scope may read all of it (a Pemda viewer included).

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::agencies::store::User;
use crate::elections::ElectionDef;
use crate::platform::db::{Conn, DbError};
use crate::platform::i18n::{self, Lang};
use crate::regions::index::RegionIndex;

/// A region as people say it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = SituationPlace)]
pub struct Place {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageBrief {
    pub name: String,
    /// First and last day, "27 November 2024".
    pub start: String,
    pub end: String,
    /// Days from today to the first day (H-n); 0 or less once it has started.
    pub days_to_start: i64,
    /// Days left to the last day (0 on the last day).
    pub days_to_end: i64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct StageTile {
    /// Stages running today.
    pub today: Vec<StageBrief>,
    /// The next two to start.
    pub next: Vec<StageBrief>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaReadiness {
    pub place: Place,
    pub tps: i64,
    pub ready: i64,
    /// Ready TPS per hundred, one decimal.
    pub ready_percent: f64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct LogisticsTile {
    pub tps_total: i64,
    pub ready: i64,
    pub partial: i64,
    pub none: i64,
    pub ready_percent: f64,
    pub partial_percent: f64,
    pub none_percent: f64,
    /// The child areas with the lowest share of ready TPS (at most five, worst first).
    pub worst: Vec<AreaReadiness>,
    pub late_shipments: i64,
    pub discrepant_shipments: i64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SecurityTile {
    pub tps_total: i64,
    /// TPS per vulnerability category (kurang_rawan, rawan, sangat_rawan).
    pub by_category: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContestProgress {
    pub contest: String,
    pub name: String,
    pub tps_in: i64,
    pub tps_total: i64,
    /// TPS where the sources disagree.
    pub disagreements: i64,
    pub anomalies: i64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ResultsTile {
    /// False before voting day: results are not expected yet.
    pub open: bool,
    pub contests: Vec<ContestProgress>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitCount {
    pub unit: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingBrief {
    pub id: i64,
    pub title: String,
    /// "26 November 2024 19.00 WIB".
    pub starts: String,
    pub place: String,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CoordinationTile {
    /// Overdue action items by owner unit, most first.
    pub overdue_by_unit: Vec<UnitCount>,
    pub next_meeting: Option<MeetingBrief>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct BudgetTile {
    pub plan: i64,
    pub realised: i64,
    pub absorption_percent: f64,
    /// NPHD tranches past their due day and not fully paid.
    pub late_tranches: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertBrief {
    pub id: i64,
    pub severity: String,
    pub message: String,
    /// "26 November 2024 12.02 WIB".
    pub at: String,
    /// The page of what it is about, when the raising module gave one.
    pub link: Option<String>,
}

/// Something the viewer's own unit must do, with its deadline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToDo {
    pub what: String,
    /// "28 November 2024 23.59 WIB", or the day alone for an action item.
    pub due: String,
    pub overdue: bool,
    /// The page where it is done.
    pub link: String,
    /// RFC 3339 (UTC) of the deadline: the order of the list.
    #[serde(skip)]
    due_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildRow {
    pub place: Place,
    pub tps: i64,
    pub ready_percent: f64,
    pub tps_rawan: i64,
    pub open_cases: i64,
    pub overdue_cases: i64,
    /// TPS with results in for the first contest held there.
    pub results_in: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Situation {
    pub region: Place,
    pub election: String,
    pub election_name: String,
    /// Now in the region's local time, "26 November 2024 12.00 WIB".
    pub as_of: String,
    /// What the viewer's unit must do, soonest deadline first (perlu tindakan unit saya).
    pub to_do: Vec<ToDo>,
    pub stage: StageTile,
    pub logistics: LogisticsTile,
    pub security: SecurityTile,
    pub violations: crate::reports::store::CaseCounts,
    pub results: ResultsTile,
    pub coordination: CoordinationTile,
    pub budget: BudgetTile,
    /// The viewer's unit's unacknowledged alerts, newest first (at most ten).
    pub alerts: Vec<AlertBrief>,
    /// The same figures for each area directly below.
    pub children: Vec<ChildRow>,
}

/// Share per hundred with one decimal, computed in integers (0 of 0 is 0).
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    ((part * 1000 + whole / 2) / whole) as f64 / 10.0
}

/// The region's name alone: the page and the API name places, never by code.
pub fn place(names: &RegionIndex, code: &str) -> Place {
    let name = match names.get(code) {
        _ if code == crate::regions::NATIONAL => "Indonesia".to_string(),
        Some(r) => crate::regions::display_name(&r.name),
        None => code.to_string(),
    };
    Place { code: code.to_string(), name }
}

fn brief(lang: Lang, s: &crate::coordination::store::StageView, today: Date) -> Option<StageBrief> {
    let start = crate::coordination::store::stored_day(&s.start).ok()?;
    let end = crate::coordination::store::stored_day(&s.end).ok()?;
    Some(StageBrief {
        name: s.name.clone(),
        start: i18n::date(lang, start),
        end: i18n::date(lang, end),
        days_to_start: (start - today).whole_days(),
        days_to_end: (end - today).whole_days(),
    })
}

/// Gathers the situation of `region` for `viewer` (who may read it: checked by the caller);
/// without a viewer (the daily report) there are no alerts and no to-do of a unit.
/// The table covers the areas directly below, in code order.
pub fn gather(conn: &mut Conn, names: &RegionIndex, lang: Lang, viewer: Option<&User>, e: &'static ElectionDef, region: &str, now: OffsetDateTime) -> Result<Situation, DbError> {
    let children = names.children_codes(region);
    let children = children.as_slice();
    let offset = crate::reports::store::offset_of(region);
    let local_now = now.to_offset(offset);
    let today = local_now.date();

    // Stage: only the top-level stages (sub-stages of a recap are detail for its own page).
    let stages = crate::coordination::store::list_stages(conn, e.id, region, today)?;
    let mut stage = StageTile::default();
    for s in stages.iter().filter(|s| s.parent.is_none()) {
        match s.status.as_str() {
            "berlangsung" => stage.today.extend(brief(lang, s, today)),
            "akan_datang" if stage.next.len() < 2 => stage.next.extend(brief(lang, s, today)),
            _ => {}
        }
    }

    // Logistics: the region and, in the same pass, the areas below (the map's own count), each
    // with its TPS from the statistics; then each child for the worst list and the table.
    let width = super::map::child_width(region);
    let (r, by_area) = crate::logistics::store::readiness_tally(conn, e, region, width)?;
    let mut child_ready = Vec::with_capacity(children.len());
    for c in children {
        let tps = crate::elections::store::stats(conn, e.id, c)?.0;
        let ready = by_area.get(c).map_or(0, |[ready, _]| *ready);
        child_ready.push(AreaReadiness { place: place(names, c), tps, ready, ready_percent: percent(ready, tps) });
    }
    let mut worst: Vec<AreaReadiness> = child_ready.iter().filter(|a| a.tps > 0 && a.ready < a.tps).cloned().collect();
    worst.sort_by(|a, b| a.ready_percent.total_cmp(&b.ready_percent).then_with(|| a.place.code.cmp(&b.place.code)));
    worst.truncate(5);
    let (late, discrepant) = crate::logistics::shipments::troubles(conn, e.id, region, &crate::platform::clock::rfc3339(now))?;
    let logistics = LogisticsTile {
        tps_total: r.tps_total,
        ready: r.ready,
        partial: r.partial,
        none: r.none,
        ready_percent: percent(r.ready, r.tps_total),
        partial_percent: percent(r.partial, r.tps_total),
        none_percent: percent(r.none, r.tps_total),
        worst,
        late_shipments: late,
        discrepant_shipments: discrepant,
    };

    // The region's figures and, in the same pass over its rows, those of each area below.
    let (v, rawan_by_area) = crate::vulnerability::store::summary_by_area(conn, e, region, width)?;
    let security = SecurityTile { tps_total: v.tps_total, by_category: v.by_category };

    let (violations, cases_by_area) = crate::reports::store::case_counts_by_area(conn, region, Some(e.id), now, width)?;

    // Results from voting day (local), per contest held in the region.
    let voting_day = crate::coordination::store::stored_day(e.voting_day).ok();
    let mut results = ResultsTile { open: voting_day.is_some_and(|d| today >= d), contests: vec![] };
    let contests: Vec<_> = e.contests.iter().filter(|k| region == crate::regions::NATIONAL || k.coverage.holds_at(region)).collect();
    if results.open {
        for k in &contests {
            let s = crate::results::store::summary(conn, e, k, region)?;
            results.contests.push(ContestProgress {
                contest: k.key.to_string(),
                name: lang.pick(k.name, k.name_en).to_string(),
                tps_in: s.tps_in,
                tps_total: s.tps_total,
                disagreements: s.discrepancies,
                anomalies: s.anomalies,
            });
        }
    }

    // Coordination: overdue action items of the units within the region; the next meeting.
    let overdue_by_unit =
        crate::coordination::store::overdue_by_unit(conn, region, now)?.into_iter().map(|(unit, count)| UnitCount { unit, count }).collect();
    let next_meeting = crate::coordination::store::next_meeting(conn, region, now)?.map(|m| MeetingBrief {
        id: m.id,
        title: m.title,
        starts: i18n::moment_at(lang, &m.starts_at, offset),
        place: m.place,
    });
    let coordination = CoordinationTile { overdue_by_unit, next_meeting };

    let b = crate::coordination::store::budget_summary(conn, region, now)?;
    let budget = BudgetTile { plan: b.plan, realised: b.realised, absorption_percent: b.absorption_percent, late_tranches: b.overdue_tranches.len() as i64 };

    let alerts = match viewer {
        Some(v) => crate::platform::alerts::for_user(conn, v, true, 10)?,
        None => vec![],
    }
        .into_iter()
        .map(|a| {
            let a = a.shown(lang, names);
            AlertBrief { id: a.id, severity: a.severity.as_str().to_string(), at: a.time, message: a.message, link: a.link }
        })
        .collect();

    // The table of areas below: the first contest held in the region counts results.
    let first_contest = contests.first().map(|k| k.key);
    let totals = match (results.open, first_contest) {
        (true, Some(k)) => crate::results::store::totals_of(conn, e.id, k, children)?,
        _ => Default::default(),
    };
    let mut rows = Vec::with_capacity(children.len());
    for (c, ready) in children.iter().zip(child_ready) {
        let cases = cases_by_area.get(c);
        rows.push(ChildRow {
            place: ready.place,
            tps: ready.tps,
            ready_percent: ready.ready_percent,
            tps_rawan: rawan_by_area.get(c).copied().unwrap_or(0),
            open_cases: cases.map_or(0, |n| n.open),
            overdue_cases: cases.map_or(0, |n| n.overdue),
            results_in: totals.get(c).map_or(0, |t| t.tps_in),
        });
    }

    Ok(Situation {
        region: place(names, region),
        election: e.id.to_string(),
        election_name: e.name.to_string(),
        as_of: i18n::moment(lang, local_now),
        to_do: match viewer {
            Some(v) => to_do(conn, lang, v, e, region, now)?,
            None => vec![],
        },
        stage,
        logistics,
        security,
        violations,
        results,
        coordination,
        budget,
        alerts,
        children: rows,
    })
}

/// The viewer unit's own work within `region`: the action items it owes, and the violation
/// cases whose next step is its agency's (only where it may read the case), soonest first.
fn to_do(conn: &mut Conn, lang: Lang, viewer: &User, e: &ElectionDef, region: &str, now: OffsetDateTime) -> Result<Vec<ToDo>, DbError> {
    use crate::coordination::store::{ActionFilter, list_actions, stored_day};
    let mut out = Vec::new();
    let filter = ActionFilter { owner_unit: Some(viewer.unit.id), meeting: None, overdue: false, open_only: true };
    for a in list_actions(conn, viewer, &filter, now, 200)? {
        let Ok(day) = stored_day(&a.due) else { continue };
        out.push(ToDo {
            what: format!("{} {}: {}", lang.pick("Tindak lanjut", "Action item"), a.meeting_title, a.description),
            due: i18n::date(lang, day),
            overdue: a.status == "terlambat",
            link: format!("/tindak-lanjut/{}", a.id),
            // The end of the due day in the owner's zone orders it among timed deadlines.
            due_at: crate::platform::clock::rfc3339(day.with_time(time::Time::from_hms(23, 59, 59).unwrap_or(time::Time::MIDNIGHT)).assume_offset(crate::reports::store::offset_of(&a.owner_unit.region))),
        });
    }
    let class = match viewer.unit.agency {
        crate::agencies::AgencyKind::Bawaslu => Some(None),
        crate::agencies::AgencyKind::Polri | crate::agencies::AgencyKind::Kejaksaan => Some(Some("pidana")),
        _ => None,
    };
    if let Some(class) = class
        && crate::platform::identity::within(&viewer.unit.region, region)
    {
        let f = crate::reports::store::ReportFilter { election: Some(e.id.to_string()), region: Some(region.to_string()), class, limit: 200, ..Default::default() };
        for r in crate::reports::store::list_reports(conn, &viewer.unit.region, &f, now)? {
            if !r.stage.owners.contains(&viewer.unit.agency) {
                continue;
            }
            let Some(deadline) = r.stage.deadline.clone() else { continue };
            let state = crate::reports::state_label(&r.status, lang);
            out.push(ToDo {
                what: format!("{} #{} ({state})", lang.pick("Laporan", "Report"), r.id),
                due: i18n::moment_at(lang, &deadline, crate::reports::store::offset_of(&r.region)),
                overdue: r.stage.overdue,
                link: format!("/laporan/{}", r.id),
                due_at: crate::reports::store::parse_time(&deadline).map(crate::platform::clock::rfc3339).unwrap_or(deadline),
            });
        }
    }
    out.sort_by(|a, b| a.due_at.cmp(&b.due_at));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn shares_round_to_one_decimal_and_nothing_of_nothing_is_zero() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(18, 18), 100.0);
        assert_eq!(percent(0, 0), 0.0);
    }
}
