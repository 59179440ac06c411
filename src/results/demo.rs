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

fn submit(conn: &mut Conn, a: &crate::agencies::store::User, e: &'static ElectionDef, contest: &str, tps: &str, source: Source, t: &Tally) -> Result<(), AppError> {
    // Demo users pass the same authorisation as at the API.
    let rule = super::api::rule_for(source).ok_or_else(|| AppError::Internal("the demo enters no public results".into()))?;
    let permit = crate::platform::auth::authorize(a, rule, tps)?;
    let k = e.contests.iter().find(|c| c.key == contest).ok_or_else(|| AppError::Internal(format!("no contest {contest}")))?;
    // The demo goes through the same gates as the API.
    let candidates: Vec<String> = store::candidates_at(conn, e, contest, tps)?.into_iter().map(|c| c.id).collect();
    let warnings = super::api::gate(t, e, &candidates).map_err(|err| AppError::Internal(format!("demo form {tps}: {err}")))?;
    let code = crate::elections::TpsCode::parse(tps).map_err(|m| AppError::Internal(format!("demo TPS {tps}: {m}")))?;
    store::submit(conn, &permit, e, k, &code, Submission { source, tally: t.clone(), warnings, reason: String::new(), photo_sha256: None, photos: vec![] }, NOW).map(|_| ())
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
                for (contest, t) in [("gubernur", &gub), ("walikota", &wali)] {
                    submit(conn, &kota, e, contest, code, Source::Kpu, t)?;
                    submit(conn, &admin, e, contest, code, Source::Kpu, t)?;
                }
            }
            _ => {
                for (contest, t) in [("gubernur", &gub), ("walikota", &wali)] {
                    submit(conn, &kota, e, contest, code, Source::Kpu, t)?;
                    submit(conn, &admin, e, contest, code, Source::Kpu, t)?;
                }
            }
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
