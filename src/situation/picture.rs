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
    /// TPS that meet at least one vulnerability indicator (Bawaslu's "TPS rawan", the table's
    /// column below); the categories are the security plan's grades.
    pub tps_rawan: i64,
    /// TPS per vulnerability category (kurang_rawan, rawan, sangat_rawan); each category's TPS
    /// are listed by `GET /api/v1/elections/{id}/vulnerability/tps?region=&grade=`.
    pub by_category: BTreeMap<String, i64>,
    /// The areas directly below that lack personnel for the security plan, worst first (at
    /// most ten): districts of a regency, regencies of a province or the nation, the district
    /// itself from a district down.
    pub personnel_gaps: Vec<PersonnelGap>,
    /// How many areas lack personnel in all (the list above keeps the ten worst).
    pub personnel_gap_areas: i64,
}

/// Personnel an area lacks: police (Polri and TNI) and Linmas needed by the security plan's
/// patterns, available, and the shortfall summed over its districts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonnelGap {
    pub place: Place,
    /// The regency whose security plan details it (`/pengamanan?wilayah=`).
    pub plan_region: String,
    pub police_needed: i64,
    pub police_available: i64,
    pub police_short: i64,
    pub linmas_needed: i64,
    pub linmas_available: i64,
    pub linmas_short: i64,
}

/// The areas listed with a personnel gap: a tile, not the plan.
const GAPS_SHOWN: usize = 10;

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
    /// The recap (D.Hasil) of the first contest held in the region, per area directly below,
    /// from voting day; none at a village (its TPS are the last step).
    pub recap: Option<RecapProgress>,
}

/// Where an area's recap stands, in words a PPK or KPU secretary uses.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaRecap {
    pub place: Place,
    pub tps_in: i64,
    pub tps_total: i64,
    /// `belum_ada_data`, `penghitungan_berjalan`, `rekap_bawah_berjalan` (a regency or
    /// province waiting for the recaps below it), `siap_direkap` or `rekap_ditetapkan`.
    pub state: String,
    /// The state in the reader's language ("rekap ditetapkan").
    pub state_label: String,
    /// A regency or province: the areas directly below it whose recap is entered, and how many
    /// there are where the contest is held.
    pub below_recapped: Option<i64>,
    pub below_total: Option<i64>,
    /// The revision of the recap entered (a correction raises it).
    pub recap_revision: Option<i64>,
    /// Its recap page (a village: its results, TPS by TPS).
    pub link: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecapProgress {
    pub contest: String,
    pub name: String,
    /// In one line: "3 dari 5 kecamatan sudah direkap".
    pub summary: String,
    /// Areas below whose recap is entered.
    pub recapped: i64,
    /// The region's own recap (a district, regency or province): its revision once entered.
    pub region_recap_revision: Option<i64>,
    pub areas: Vec<AreaRecap>,
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

/// Share per hundred with one decimal (the platform's one rule: rounded down, 0 of 0 is 0).
fn percent(part: i64, whole: i64) -> f64 {
    crate::platform::web::share(part, whole, 1)
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
pub fn gather(
    conn: &mut Conn,
    names: &RegionIndex,
    kept: &crate::vulnerability::plan::GapsCache,
    lang: Lang,
    viewer: Option<&User>,
    e: &'static ElectionDef,
    region: &str,
    now: OffsetDateTime,
) -> Result<Situation, DbError> {
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
    let gaps = crate::vulnerability::plan::gaps_kept(conn, kept, e.id, region)?;
    let security = SecurityTile {
        tps_total: v.tps_total,
        tps_rawan: v.tps_rawan,
        by_category: v.by_category,
        personnel_gap_areas: gaps.len() as i64,
        personnel_gaps: gaps
            .iter()
            .take(GAPS_SHOWN)
            .map(|g| PersonnelGap {
                plan_region: g.code.get(..5).unwrap_or(&g.code).to_string(),
                place: place(names, &g.code),
                police_needed: g.needed.police,
                police_available: g.available.police,
                police_short: g.shortfall.police,
                linmas_needed: g.needed.linmas,
                linmas_available: g.available.linmas,
                linmas_short: g.shortfall.linmas,
            })
            .collect(),
    };

    let (violations, cases_by_area) = crate::reports::store::case_counts_by_area(conn, region, Some(e.id), now, width)?;

    // Results from voting day (local), per contest held in the region.
    let voting_day = crate::coordination::store::stored_day(e.voting_day).ok();
    let mut results = ResultsTile { open: voting_day.is_some_and(|d| today >= d), contests: vec![], recap: None };
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

    // The table of areas below: the first contest held in the region counts results, read for
    // all of them in one query; the recap progress follows from the same counts.
    let first_contest = contests.first().copied();
    let tps_in = match (results.open, first_contest) {
        (true, Some(k)) if !children.is_empty() => crate::results::store::tps_in_of(conn, e.id, k.key, children)?,
        _ => Default::default(),
    };
    if let (true, Some(k)) = (results.open, first_contest)
        && !children.is_empty()
    {
        let tps: BTreeMap<&str, i64> = child_ready.iter().map(|a| (a.place.code.as_str(), a.tps)).collect();
        results.recap = Some(recap_progress(conn, names, lang, e, k, region, children, &tps, &tps_in)?);
    }
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
            results_in: tps_in.get(c).map_or(0, |[n]| *n),
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

/// Words for the areas directly below a region: (Indonesian, English plural).
fn kind_below(region: &str) -> (&'static str, &'static str) {
    match region.len() {
        _ if region == crate::regions::NATIONAL => ("provinsi", "provinces"),
        2 => ("kabupaten/kota", "regencies and cities"),
        5 => ("kecamatan", "districts"),
        _ => ("kelurahan/desa", "villages"),
    }
}

/// The recap of contest `k` in each area directly below `region`: TPS in (`tps_in`, the map's
/// count per area) of the TPS there (`tps`, from the statistics), and the plenary recaps
/// entered within the region (one query). A district's villages have no recap of their own:
/// they are complete when every TPS is in, and recapped once the district's plenary is.
#[allow(clippy::too_many_arguments)]
fn recap_progress(
    conn: &mut Conn,
    names: &RegionIndex,
    lang: Lang,
    e: &'static ElectionDef,
    k: &crate::elections::ContestDef,
    region: &str,
    children: &[String],
    tps: &BTreeMap<&str, i64>,
    tps_in: &BTreeMap<String, [i64; 1]>,
) -> Result<RecapProgress, DbError> {
    let recaps = crate::results::store::recaps_within(conn, e.id, k.key, region)?;
    let own = recaps.get(region).copied();
    let district = region.len() == 8;
    let mut areas = Vec::with_capacity(children.len());
    for c in children.iter().filter(|c| k.coverage.holds_at(c)) {
        let total = match tps.get(c.as_str()) {
            Some(n) if crate::results::store::held_whole(k, c) => *n,
            _ => crate::results::store::tps_total(conn, e, k, c)?,
        };
        let counted = tps_in.get(c).map_or(0, |[n]| *n);
        let revision = if district { own } else { recaps.get(c).copied() };
        // A regency or province: how many of the areas below it have their recap.
        let below = (c.len() <= 5).then(|| {
            let kids: Vec<String> = names.children_codes(c).into_iter().filter(|g| k.coverage.holds_at(g)).collect();
            (kids.iter().filter(|g| recaps.contains_key(g.as_str())).count() as i64, kids.len() as i64)
        });
        let state = match (revision, below) {
            (Some(_), _) => "rekap_ditetapkan",
            (None, Some((done, all))) if all > 0 && done >= all => "siap_direkap",
            (None, Some((done, _))) if done > 0 || (total > 0 && counted >= total) => "rekap_bawah_berjalan",
            _ if counted == 0 => "belum_ada_data",
            _ if counted < total => "penghitungan_berjalan",
            (None, None) => "siap_direkap",
            (None, Some(_)) => "rekap_bawah_berjalan",
        };
        let state_label = match state {
            "rekap_ditetapkan" => lang.pick("rekap ditetapkan", "recap adopted").to_string(),
            "siap_direkap" => lang.pick("siap direkap", "ready for the recap").to_string(),
            "rekap_bawah_berjalan" => {
                let (id, en) = kind_below(c);
                let (done, all) = below.unwrap_or_default();
                match lang {
                    Lang::Id => format!("rekap {id} berjalan ({done} dari {all})"),
                    Lang::En => format!("{en} recaps in progress ({done} of {all})"),
                }
            }
            "penghitungan_berjalan" => lang.pick("penghitungan berjalan", "count in progress").to_string(),
            _ => lang.pick("belum ada data", "no data yet").to_string(),
        };
        let link = if c.len() <= 8 {
            format!("/hasil/rekap/{c}?pemilu={}&kontes={}", e.id, k.key)
        } else {
            format!("/hasil?pemilu={}&kontes={}&wilayah={c}", e.id, k.key)
        };
        areas.push(AreaRecap {
            place: place(names, c),
            tps_in: counted,
            tps_total: total,
            state: state.to_string(),
            state_label,
            below_recapped: below.map(|b| b.0),
            below_total: below.map(|b| b.1),
            recap_revision: revision,
            link,
        });
    }
    let recapped = areas.iter().filter(|a| a.state == "rekap_ditetapkan").count() as i64;
    let n = areas.len();
    let (id, en) = kind_below(region);
    let summary = if district {
        let complete = areas.iter().filter(|a| a.tps_total > 0 && a.tps_in >= a.tps_total).count();
        match (lang, own.is_some()) {
            (Lang::Id, true) => format!("Rekap kecamatan ditetapkan; {complete} dari {n} {id} lengkap"),
            (Lang::Id, false) => format!("{complete} dari {n} {id} lengkap; rekap kecamatan belum ditetapkan"),
            (Lang::En, true) => format!("District recap adopted; {complete} of {n} {en} complete"),
            (Lang::En, false) => format!("{complete} of {n} {en} complete; the district recap is not adopted yet"),
        }
    } else {
        match lang {
            Lang::Id => format!("{recapped} dari {n} {id} sudah direkap"),
            Lang::En => format!("{recapped} of {n} {en} recapped"),
        }
    };
    Ok(RecapProgress {
        contest: k.key.to_string(),
        name: lang.pick(k.name, k.name_en).to_string(),
        summary,
        recapped,
        region_recap_revision: own.filter(|_| region != crate::regions::NATIONAL),
        areas,
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
