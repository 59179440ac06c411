//! Logistics storage: the item rules, stock per location, shipments and their signatures,
//! requirement sums and TPS readiness.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Basis, ItemRule, default_rules};
use crate::elections::{ELECTIONS, ElectionDef};
use crate::params;
use crate::platform::db::{Conn, DbError, Row};
use crate::regions::{NATIONAL, scope_range};

/// Seeds the default catalogue of each built-in election that has none yet.
pub fn ensure_builtin(conn: &mut Conn) -> Result<(), DbError> {
    for e in ELECTIONS {
        let have: i64 = conn.query_one("SELECT COUNT(*) FROM logistics_items WHERE election_id = $1", params![e.id])?.get(0)?;
        if have > 0 {
            continue;
        }
        for r in default_rules(e) {
            conn.execute(
                "INSERT INTO logistics_items (election_id, key, name, basis, qty, reserve_bp, source) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                params![e.id, r.key, r.name, r.basis.as_str(), r.qty, r.reserve_bp, r.source],
            )?;
        }
    }
    Ok(())
}

fn rule_from(r: &Row) -> Result<ItemRule, DbError> {
    let basis: String = r.get(2)?;
    Ok(ItemRule {
        key: r.get(0)?,
        name: r.get(1)?,
        basis: Basis::parse(&basis).ok_or_else(|| DbError::Other(format!("bad basis {basis}")))?,
        qty: r.get(3)?,
        reserve_bp: r.get(4)?,
        source: r.get(5)?,
    })
}

pub fn rules(conn: &mut Conn, election: &str) -> Result<Vec<ItemRule>, DbError> {
    conn.query(
        "SELECT key, name, basis, qty, reserve_bp, source FROM logistics_items WHERE election_id = $1 ORDER BY basis, key",
        params![election],
    )?
    .iter()
    .map(rule_from)
    .collect()
}

/// Code range of the TPS within `code`: a region, a TPS, or the nation.
pub fn tps_range(code: &str) -> (String, String) {
    if code == NATIONAL {
        (String::new(), "~".into())
    } else if code.split('.').count() == 5 {
        (code.to_string(), format!("{code}/"))
    } else {
        scope_range(code)
    }
}

/// Sum of what the TPS within `code` need, per item; with the number of TPS. Computed per
/// regency (the unit at which contests differ) with the reserve rounded up per TPS in SQL.
pub fn requirements(conn: &mut Conn, election: &ElectionDef, code: &str) -> Result<(i64, Vec<(String, i64)>), DbError> {
    let rules = rules(conn, election.id)?;
    let (lo, hi) = tps_range(code);
    let mut bps: Vec<i64> = rules.iter().filter(|r| r.basis == Basis::Ballots).map(|r| r.reserve_bp).collect();
    bps.sort_unstable();
    bps.dedup();
    // Per regency: TPS count, DPT sum, and the reserve sum for each distinct reserve rate.
    let mut per_regency: BTreeMap<String, (i64, i64, Vec<i64>)> = BTreeMap::new();
    for (i, bp) in bps.iter().enumerate() {
        conn.for_each(
            "SELECT substr(code, 1, 5), COUNT(*), CAST(SUM(dpt) AS BIGINT), CAST(SUM((dpt * $4 + 9999) / 10000) AS BIGINT)
             FROM tps WHERE election_id = $1 AND code >= $2 AND code < $3 GROUP BY substr(code, 1, 5)",
            params![election.id, lo.as_str(), hi.as_str(), *bp],
            |r| {
                let e = per_regency.entry(r.get(0)?).or_insert_with(|| (0, 0, vec![0; bps.len()]));
                e.0 = r.get(1)?;
                e.1 = r.get(2)?;
                e.2[i] = r.get(3)?;
                Ok(())
            },
        )?;
    }
    if bps.is_empty() {
        conn.for_each(
            "SELECT substr(code, 1, 5), COUNT(*), CAST(SUM(dpt) AS BIGINT) FROM tps
             WHERE election_id = $1 AND code >= $2 AND code < $3 GROUP BY substr(code, 1, 5)",
            params![election.id, lo.as_str(), hi.as_str()],
            |r| {
                per_regency.insert(r.get(0)?, (r.get(1)?, r.get(2)?, Vec::new()));
                Ok(())
            },
        )?;
    }
    let mut totals: Vec<(String, i64)> = rules.iter().map(|r| (r.key.clone(), 0)).collect();
    let mut tps_count = 0;
    for (regency, (n, dpt, reserves)) in &per_regency {
        tps_count += n;
        let contests = election.contests_at(regency);
        for (rule, total) in rules.iter().zip(totals.iter_mut()) {
            total.1 += match rule.basis {
                Basis::Ballots => {
                    let held = rule.key.strip_prefix("surat_suara:").is_some_and(|k| contests.iter().any(|c| c.key == k));
                    let i = bps.iter().position(|b| *b == rule.reserve_bp).unwrap_or(0);
                    if held { dpt + reserves.get(i).copied().unwrap_or(0) } else { 0 }
                }
                Basis::PerContest => rule.qty * contests.len() as i64 * n,
                Basis::PerTps => rule.qty * n,
            };
        }
    }
    totals.retain(|(_, q)| *q > 0);
    Ok((tps_count, totals))
}

/// Good (undamaged) stock of each item at a location.
pub fn stock_at(conn: &mut Conn, election: &str, location: &str) -> Result<BTreeMap<String, (i64, i64)>, DbError> {
    let mut out = BTreeMap::new();
    for r in conn.query(
        "SELECT item, good, damaged FROM logistics_stock WHERE election_id = $1 AND location = $2",
        params![election, location],
    )? {
        out.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
    }
    Ok(out)
}

/// Adds (or, with negative numbers, takes) stock at a location.
pub fn add_stock(conn: &mut Conn, election: &str, location: &str, item: &str, good: i64, damaged: i64) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO logistics_stock (election_id, location, item, good, damaged) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (election_id, location, item)
         DO UPDATE SET good = CAST(logistics_stock.good + $4 AS BIGINT), damaged = CAST(logistics_stock.damaged + $5 AS BIGINT)",
        params![election, location, item, good, damaged],
    )?;
    Ok(())
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub tps_total: i64,
    /// Every required item is there in at least the required undamaged quantity.
    pub ready: i64,
    /// Something arrived, not everything.
    pub partial: i64,
    /// Nothing arrived yet.
    pub none: i64,
    /// Codes of the TPS not ready (partial or none), in code order; at most 10,000.
    pub not_ready: Vec<String>,
    pub not_ready_truncated: bool,
}

const NOT_READY_LISTED: usize = 10_000;

/// What a TPS holds against what it needs: every required item in at least the required
/// undamaged quantity (ready), something (partial), or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TpsReadiness {
    Ready,
    Partial,
    Nothing,
}

/// Judges TPS one after another in code order; contests differ by regency at most, so the last
/// regency's are remembered.
struct Judge<'e> {
    election: &'e ElectionDef,
    rules: Vec<ItemRule>,
    contests: (String, Vec<&'static crate::elections::ContestDef>),
}

impl<'e> Judge<'e> {
    fn new(conn: &mut Conn, election: &'e ElectionDef) -> Result<Judge<'e>, DbError> {
        Ok(Judge { election, rules: rules(conn, election.id)?, contests: (String::new(), Vec::new()) })
    }

    /// `have`: the TPS's good stock per item.
    fn judge(&mut self, code: &str, dpt: i64, have: &[(String, i64)]) -> TpsReadiness {
        if self.contests.0.is_empty() || !code.starts_with(self.contests.0.as_str()) {
            self.contests = (code[..code.len().min(5)].to_string(), self.election.contests_at(code));
        }
        let contests = &self.contests.1;
        let ready = self.rules.iter().all(|r| {
            let need = super::rule_qty(r, contests, dpt);
            need == 0 || have.iter().any(|(i, q)| *i == r.key && *q >= need)
        });
        match (ready, have.is_empty()) {
            (true, _) => TpsReadiness::Ready,
            (false, true) => TpsReadiness::Nothing,
            (false, false) => TpsReadiness::Partial,
        }
    }

    /// Whether a TPS without any stock is never ready: some item is needed by every TPS
    /// whatever its DPT (booths and ink in the cited catalogue).
    fn empty_never_ready(&self) -> bool {
        self.rules.iter().any(|r| r.basis == Basis::PerTps && r.qty > 0)
    }
}

/// Streams the TPS within `code` (or, with `stocked_only`, only those holding good stock) in
/// code order with their good stock, judged: one ordered pass, flat memory.
fn judge_each(
    conn: &mut Conn,
    judge: &mut Judge<'_>,
    code: &str,
    stocked_only: bool,
    mut seen: impl FnMut(String, TpsReadiness),
) -> Result<(), DbError> {
    let (lo, hi) = tps_range(code);
    let mut current: Option<(String, i64)> = None;
    let mut have: Vec<(String, i64)> = Vec::new();
    let sql = if stocked_only {
        "SELECT t.code, t.dpt, s.item, s.good FROM logistics_stock s
         JOIN tps t ON t.election_id = s.election_id AND t.code = s.location
         WHERE s.election_id = $1 AND s.location >= $2 AND s.location < $3 AND s.good > 0 ORDER BY s.location"
    } else {
        "SELECT t.code, t.dpt, s.item, s.good FROM tps t
         LEFT JOIN logistics_stock s ON s.election_id = t.election_id AND s.location = t.code AND s.good > 0
         WHERE t.election_id = $1 AND t.code >= $2 AND t.code < $3 ORDER BY t.code"
    };
    conn.for_each(sql, params![judge.election.id, lo.as_str(), hi.as_str()], |r| {
        let code: String = r.get(0)?;
        if current.as_ref().is_none_or(|(c, _)| *c != code) {
            if let Some((c, dpt)) = current.take() {
                let status = judge.judge(&c, dpt, &have);
                seen(c, status);
            }
            have.clear();
            current = Some((code, r.get(1)?));
        }
        if let (Some(item), Some(good)) = (r.get::<Option<String>>(2)?, r.get::<Option<i64>>(3)?) {
            have.push((item, good));
        }
        Ok(())
    })?;
    if let Some((c, dpt)) = current.take() {
        let status = judge.judge(&c, dpt, &have);
        seen(c, status);
    }
    Ok(())
}

/// Readiness of every TPS within `code`, in one ordered pass: each TPS joined with the stock
/// it holds, grouped here as the rows stream by, so a nation costs one scan and flat memory.
pub fn readiness(conn: &mut Conn, election: &ElectionDef, code: &str) -> Result<Readiness, DbError> {
    let mut judge = Judge::new(conn, election)?;
    let mut out = Readiness::default();
    judge_each(conn, &mut judge, code, false, |code, status| {
        out.tps_total += 1;
        match status {
            TpsReadiness::Ready => {
                out.ready += 1;
                return;
            }
            TpsReadiness::Nothing => out.none += 1,
            TpsReadiness::Partial => out.partial += 1,
        }
        if out.not_ready.len() < NOT_READY_LISTED {
            out.not_ready.push(code);
        } else {
            out.not_ready_truncated = true;
        }
    })?;
    Ok(out)
}

/// TPS ready and partly supplied per area within `code`, an area being the first `width`
/// characters of a TPS code (the map's layer; the rest of an area's TPS have nothing). Only
/// the TPS holding stock are read when a TPS without stock can never be ready, so an area
/// costs what has arrived there, not all its TPS.
pub fn readiness_by_area(conn: &mut Conn, election: &ElectionDef, code: &str, width: usize) -> Result<BTreeMap<String, [i64; 2]>, DbError> {
    Ok(readiness_tally(conn, election, code, width)?.1)
}

/// The counts of [`readiness`] (without its list of the TPS not ready) and, in the same pass,
/// [`readiness_by_area`]'s. Where a TPS without stock is never ready only the TPS holding stock
/// are read, and the rest of the region's TPS (from the statistics) have nothing: a situation
/// page costs what has arrived, not a scan of every TPS in the nation.
pub fn readiness_tally(conn: &mut Conn, election: &ElectionDef, code: &str, width: usize) -> Result<(Readiness, BTreeMap<String, [i64; 2]>), DbError> {
    let mut judge = Judge::new(conn, election)?;
    let stocked_only = judge.empty_never_ready();
    let mut out = Readiness::default();
    let mut areas: BTreeMap<String, [i64; 2]> = BTreeMap::new();
    judge_each(conn, &mut judge, code, stocked_only, |tps, status| {
        out.tps_total += 1;
        let slot = match status {
            TpsReadiness::Ready => {
                out.ready += 1;
                0
            }
            TpsReadiness::Partial => {
                out.partial += 1;
                1
            }
            TpsReadiness::Nothing => {
                out.none += 1;
                return;
            }
        };
        crate::platform::map::count_in_area(&mut areas, &tps, width, slot);
    })?;
    if stocked_only {
        out.tps_total = crate::elections::store::stats(conn, election.id, code)?.0;
        out.none = out.tps_total - out.ready - out.partial;
    }
    Ok((out, areas))
}

/// Goods arriving at a regency warehouse (or counted at a TPS): `qty` received, of which `damaged` are damaged.
pub fn record_receipt(
    conn: &mut Conn,
    permit: &crate::platform::auth::Permit,
    election: &str,
    region: &str,
    item: &str,
    qty: i64,
    damaged: i64,
) -> Result<(i64, i64), crate::platform::error::AppError> {
    // A regency or TPS code checked where it came in.
    if !rules(conn, election)?.iter().any(|r| r.key == item) {
        return Err(crate::platform::error::AppError::invalid(
            "item",
            crate::tr!("barang \"{item}\" tidak ada dalam katalog logistik", "unknown item {item:?}"),
        ));
    }
    add_stock(conn, election, region, item, qty - damaged, damaged)?;
    crate::platform::audit::record(
        conn,
        permit,
        crate::platform::audit::Change {
            action: "logistics.receipt",
            entity_type: "stock",
            entity_id: &format!("{election}/{region}/{item}"),
            region: Some(region),
            detail: serde_json::json!({"qty": qty, "damaged": damaged}),
        },
    )?;
    Ok(stock_at(conn, election, region)?.get(item).copied().unwrap_or((0, 0)))
}
