//! Demo results for Pilkada 2024: the real Jawa Timur and DKI Jakarta governor pairs,
//! real-looking mayor and regent pairs for the demo regencies, and Kota Mojokerto's count in
//! every state: Prajurit Kulon complete and its district recap matching; Magersari with one TPS
//! awaiting its second entry, two held on mismatched entries, Bawaslu's copy disagreeing at one
//! TPS and a district recap with a misread number; Kranggan half in. Numbers are derived from
//! each TPS's code and DPT, so the demo is the same on every run; every form passes the gates.

use super::form::{self, Ballots, Disabled, Lp, Tally};
use super::store::{self, Submission};
use super::Source;
use crate::agencies::store::user_for_login;
use crate::elections::ElectionDef;
use crate::params;
use crate::platform::auth::Permit;
use crate::platform::db::Conn;
use crate::platform::error::AppError;

const CANDIDATES: &[(&str, &str, &[&str])] = &[
    // KPU Provinsi Jawa Timur, penetapan pasangan calon 22 Sep 2024.
    ("gubernur", "35", &["Luluk Nur Hamidah – Lukmanul Khakim", "Khofifah Indar Parawansa – Emil Elestianto Dardak", "Tri Rismaharini – Zahrul Azhar Asumta"]),
    // KPU Provinsi DKI Jakarta, penetapan pasangan calon 22 Sep 2024.
    ("gubernur", "31", &["Ridwan Kamil – Suswono", "Dharma Pongrekun – Kun Wardana", "Pramono Anung – Rano Karno"]),
    // The demo regencies: invented pairs.
    ("walikota", "35.76", &["Ika Puspitasari – Rachman Sidharta", "Junaedi Malik – Toni Widodo", "Sri Wahyuningsih – Bambang Santoso"]),
    ("walikota", "35.77", &["Maidi – Bagus Panuntun", "Inda Raya – Arief Hidayat"]),
    ("bupati", "35.17", &["Warsubi – Salmanudin", "Mundjidah Wahab – Sumrambah"]),
    ("bupati", "35.22", &["Setyo Wahono – Nurul Azizah", "Teguh Haryono – Farida Hidayati"]),
    ("bupati", "35.19", &["Hari Wuryanto – Purnomo Hadi", "Didik Setiawan – Endang Lestari"]),
];

/// A small deterministic number from a code, for varied but repeatable demo figures.
fn seed(code: &str, salt: u64) -> u64 {
    code.bytes().fold(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15), |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3))
}

/// A C.Hasil-KWK that adds up: about 70% turnout of the DPT, 3% invalid, votes split around
/// `shares` (percent per candidate, the last takes the rest).
fn tally(code: &str, dpt: i64, shares: &[i64], salt: u64) -> Tally {
    let turnout = 62 + (seed(code, salt) % 16) as i64;
    let users = dpt * turnout / 100;
    let invalid = (users * 3 / 100).max(1);
    let valid = users - invalid;
    let mut votes = std::collections::BTreeMap::new();
    let mut left = valid;
    for (i, share) in shares.iter().enumerate() {
        let id = format!("{:02}", i + 1);
        let n = if i + 1 == shares.len() {
            left
        } else {
            let wobble = (seed(code, salt + i as u64 + 1) % 7) as i64 - 3;
            (valid * (share + wobble).max(1) / 100).min(left)
        };
        left -= n;
        votes.insert(id, n);
    }
    let reserve = form::reserve(dpt, form::reserve_bp(crate::elections::ElectionKind::Pilkada));
    let received = dpt + reserve;
    let (moved, id_card) = (1.min(users), 2.min(users));
    let from_dpt = users - moved - id_card;
    Tally {
        voters: [("dpt", Lp { l: dpt / 2, p: dpt - dpt / 2, total: None }), ("dpph", Lp { l: moved, p: 0, total: None }), ("dptb", Lp { l: id_card, p: 0, total: None })]
            .map(|(k, v)| (k.to_string(), v))
            .into(),
        users: [("dpt", Lp { l: from_dpt / 2, p: from_dpt - from_dpt / 2, total: None }), ("dpph", Lp { l: moved, p: 0, total: None }), ("dptb", Lp { l: id_card, p: 0, total: None })]
            .map(|(k, v)| (k.to_string(), v))
            .into(),
        disabled: Disabled { voters: 2, users: 1 },
        ballots: Ballots { received, used: users, spoiled: 1, unused: received - users - 1 },
        votes,
        valid,
        invalid,
    }
}

fn actor(conn: &mut Conn, name: &str) -> Result<crate::agencies::store::User, AppError> {
    user_for_login(conn, name)?.map(|(u, _)| u).ok_or_else(|| AppError::Internal(format!("demo user {name} missing")))
}

/// Counting night, 27 Nov 2024 from 19:00 WIB.
const NOW: &str = "2024-11-27T12:00:00Z";

#[allow(clippy::too_many_arguments)]
fn submit_at(conn: &mut Conn, a: &crate::agencies::store::User, e: &'static ElectionDef, contest: &str, tps: &str, source: Source, t: &Tally, now: &str) -> Result<(), AppError> {
    // Demo users pass the same authorisation as at the API.
    let rule = super::api::rule_for(source).ok_or_else(|| AppError::Internal("the demo enters no public results".into()))?;
    let permit = crate::platform::auth::authorize(a, rule, tps)?;
    let k = e.contests.iter().find(|c| c.key == contest).ok_or_else(|| AppError::Internal(format!("no contest {contest}")))?;
    // The demo goes through the same gates as the API.
    let candidates: Vec<String> = store::candidates_at(conn, e, contest, tps)?.into_iter().map(|c| c.id).collect();
    let warnings = super::api::gate(t, e, &candidates).map_err(|err| AppError::Internal(format!("demo form {tps}: {err}")))?;
    let code = crate::elections::TpsCode::parse(tps).map_err(|m| AppError::Internal(format!("demo TPS {tps}: {m}")))?;
    store::submit(conn, &permit, e, k, &code, Submission::new(source, t.clone(), warnings, String::new(), None, vec![]), now).map(|_| ())
}

fn submit(conn: &mut Conn, a: &crate::agencies::store::User, e: &'static ElectionDef, contest: &str, tps: &str, source: Source, t: &Tally) -> Result<(), AppError> {
    submit_at(conn, a, e, contest, tps, source, t, NOW)
}

/// A TPS counted in full: both contests, each entered twice alike by two KPU operators (the
/// double entry), so it counts at once.
fn enter_counted(conn: &mut Conn, first: &crate::agencies::store::User, second: &crate::agencies::store::User, e: &'static ElectionDef, code: &str, dpt: i64, now: &str) -> Result<(), AppError> {
    let gub = tally(code, dpt, &[9, 57, 34], 1);
    let wali = tally(code, dpt, &[46, 21, 33], 2);
    for (contest, t) in [("gubernur", &gub), ("walikota", &wali)] {
        submit_at(conn, first, e, contest, code, Source::Kpu, t, now)?;
        submit_at(conn, second, e, contest, code, Source::Kpu, t, now)?;
    }
    Ok(())
}

pub fn load(conn: &mut Conn) -> Result<(), AppError> {
    let e = crate::elections::election("pilkada-2024").ok_or_else(|| AppError::Internal("pilkada-2024 missing".into()))?;
    let system = Permit::system("demo", crate::regions::NATIONAL);
    for (contest, area, names) in CANDIDATES {
        let list: Vec<(i64, String)> = names.iter().enumerate().map(|(i, n)| (i as i64 + 1, n.to_string())).collect();
        store::set_candidates(conn, &system, e, contest, area, &list)?;
    }
    let kota = actor(conn, "kpu.kotamojokerto")?;
    let ppk = actor(conn, "ppk.magersari")?;
    let admin = actor(conn, "admin")?;
    let bawaslu = actor(conn, "bawaslu.kotamojokerto")?;
    let tps: Vec<(String, i64)> = conn
        .query("SELECT code, dpt FROM tps WHERE election_id = $1 AND code >= '35.76.' AND code < '35.76/' ORDER BY code", params![e.id])?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_, AppError>>()?;
    let mut magersari_seen = 0;
    let mut kranggan_seen = 0;
    for (code, dpt) in &tps {
        let district = &code[..8];
        let gub = tally(code, *dpt, &[9, 57, 34], 1);
        let wali = tally(code, *dpt, &[46, 21, 33], 2);
        match district {
            "35.76.02" => {
                magersari_seen += 1;
                let second = if magersari_seen == 1 { None } else { Some(&ppk) };
                for (contest, t) in [("gubernur", &gub), ("walikota", &wali)] {
                    submit(conn, &kota, e, contest, code, Source::Kpu, t)?;
                    match (second, magersari_seen) {
                        (None, _) => {}
                        // Two TPS keyed differently by the second operator: held.
                        (Some(p), 2 | 3) => {
                            let mut miskeyed = t.clone();
                            if let Some(v) = miskeyed.votes.get_mut("01") {
                                *v += 10;
                            }
                            miskeyed.valid += 10;
                            miskeyed.invalid -= 10.min(miskeyed.invalid);
                            let diff = 10 - 10.min(t.invalid);
                            miskeyed.ballots.used += diff;
                            if let Some(u) = miskeyed.users.get_mut("dpt") {
                                u.l += diff;
                            }
                            miskeyed.ballots.unused -= diff;
                            submit(conn, p, e, contest, code, Source::Kpu, &miskeyed)?;
                        }
                        (Some(p), _) => submit(conn, p, e, contest, code, Source::Kpu, t)?,
                    }
                }
                // Bawaslu's copy: the same numbers, except at the fifth TPS where its PTPS saw
                // five more votes for pair 03 and five fewer for pair 02.
                let mut copy = gub.clone();
                if magersari_seen == 5 {
                    if let Some(v) = copy.votes.get_mut("02") {
                        *v -= 5;
                    }
                    if let Some(v) = copy.votes.get_mut("03") {
                        *v += 5;
                    }
                }
                submit(conn, &bawaslu, e, "gubernur", code, Source::Bawaslu, &copy)?;
            }
            "35.76.03" => {
                kranggan_seen += 1;
                if kranggan_seen > 25 {
                    continue;
                }
                enter_counted(conn, &kota, &admin, e, code, *dpt, NOW)?;
            }
            _ => enter_counted(conn, &kota, &admin, e, code, *dpt, NOW)?,
        }
    }
    // District plenaries: Prajurit Kulon reads out exactly its TPS; Magersari misreads pair 02.
    for (district, misread) in [("35.76.01", 0), ("35.76.02", 30)] {
        let k = e.contests.iter().find(|c| c.key == "gubernur").ok_or_else(|| AppError::Internal("gubernur".into()))?;
        let mut sum = store::recap_view(conn, e, k, district, &[])?.children_sum;
        if let Some(v) = sum.votes.get_mut("02") {
            *v += misread;
        }
        let who = if district == "35.76.02" { &ppk } else { &kota };
        let permit = crate::platform::auth::authorize(who, super::api::RECAP, district)?;
        store::put_recap(conn, &permit, e.id, "gubernur", district, &sum, "", NOW)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Counting night, live

/// TPS entered per round of the feeder.
const FEED_BATCH: usize = 3;

/// The TPS of Kota Mojokerto with no entry yet for any contest, in code order.
fn not_entered(conn: &mut Conn, e: &ElectionDef) -> Result<Vec<(String, i64)>, AppError> {
    Ok(conn
        .query(
            "SELECT t.code, t.dpt FROM tps t WHERE t.election_id = $1 AND t.code >= '35.76.' AND t.code < '35.76/'
             AND NOT EXISTS (SELECT 1 FROM results r WHERE r.election_id = t.election_id AND r.tps_code = t.code)
             ORDER BY t.code",
            params![e.id],
        )?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_, AppError>>()?)
}

/// Enters the next few TPS not entered yet (each whole, in this one write) and says how many
/// are left after them.
fn feed_round(conn: &mut Conn, now: &str) -> Result<usize, AppError> {
    let e = crate::elections::election("pilkada-2024").ok_or_else(|| AppError::Internal("pilkada-2024 missing".into()))?;
    let left = not_entered(conn, e)?;
    if left.is_empty() {
        return Ok(0);
    }
    let (kota, admin) = (actor(conn, "kpu.kotamojokerto")?, actor(conn, "admin")?);
    for (code, dpt) in left.iter().take(FEED_BATCH) {
        enter_counted(conn, &kota, &admin, e, code, *dpt, now)?;
    }
    Ok(left.len().saturating_sub(FEED_BATCH))
}

/// Whether `now` is counting night in Kota Mojokerto: from the close of the polls, 13.00 local
/// on voting day, to noon the next day (the count may run twelve hours past the day,
/// PKPU 17/2024). `Ordering::Less` before it, `Greater` after.
fn counting_night(now: time::OffsetDateTime) -> std::cmp::Ordering {
    let Some(e) = crate::elections::election("pilkada-2024") else { return std::cmp::Ordering::Greater };
    let Ok(day) = crate::coordination::store::stored_day(e.voting_day) else { return std::cmp::Ordering::Greater };
    let offset = crate::reports::store::offset_of("35.76");
    let local = now.to_offset(offset);
    let start = day.with_hms(13, 0, 0).map(|t| t.assume_offset(offset));
    let end = day.next_day().and_then(|d| d.with_hms(12, 0, 0).ok()).map(|t| t.assume_offset(offset));
    match (start, end) {
        (Ok(s), Some(_)) if local < s => std::cmp::Ordering::Less,
        (Ok(_), Some(end)) if local < end => std::cmp::Ordering::Equal,
        _ => std::cmp::Ordering::Greater,
    }
}

/// The demo's counting night, live (`serve --demo` only): while the service's clock is on
/// counting night, every `SINERGI_DEMO_FEED_SECS` seconds (5 by default; `off` for never) the
/// next few Kota Mojokerto TPS not entered yet come in, each counted by the same two KPU
/// operators as the demo's own, through the same authorisation, form gates and store job as
/// the API, so the results pages and the situation's live page see the count rise. It stops
/// when every TPS is in or the night is over; after a restart it goes on with what is left.
pub async fn feed(db: crate::platform::db::Db) {
    let Some(secs) = crate::platform::settings::get().demo_feed_secs.0 else { return };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs_f64(secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is at once: wait one interval, so a page opened at start sees the count move.
    tick.tick().await;
    loop {
        tick.tick().await;
        let now = crate::platform::clock::now();
        match counting_night(now) {
            std::cmp::Ordering::Less => continue,
            std::cmp::Ordering::Greater => return,
            std::cmp::Ordering::Equal => {}
        }
        let at = crate::platform::clock::rfc3339(now);
        match db.write(move |c| feed_round(c, &at)).await {
            Ok(0) => {
                tracing::info!("demo counting night: every Kota Mojokerto TPS is in");
                return;
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!("demo counting night stopped: {err}");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::counting_night;
    use std::cmp::Ordering;
    use time::macros::datetime;

    #[test]
    fn counting_night_runs_from_the_close_of_the_polls_to_noon_the_next_day() {
        assert_eq!(counting_night(datetime!(2024-11-26 12:00 +7)), Ordering::Less, "the eve");
        assert_eq!(counting_night(datetime!(2024-11-27 12:59 +7)), Ordering::Less, "polls open");
        assert_eq!(counting_night(datetime!(2024-11-27 13:00 +7)), Ordering::Equal);
        assert_eq!(counting_night(datetime!(2024-11-27 19:00 +7)), Ordering::Equal);
        assert_eq!(counting_night(datetime!(2024-11-28 11:59 +7)), Ordering::Equal);
        assert_eq!(counting_night(datetime!(2024-11-28 12:00 +7)), Ordering::Greater);
        assert_eq!(counting_night(datetime!(2026-12-02 14:00 UTC)), Ordering::Greater, "years later the demo stays as loaded");
    }
}
