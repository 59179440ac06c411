//! Storage of elections and TPS, with the per-region TPS statistics kept beside them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ELECTIONS, ElectionDef, Tps};
use crate::params;
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::db::{Conn, DbError, Row, Value, insert_rows};
use crate::platform::error::AppError;
use crate::platform::sheet::{Cell, Sheet};
use crate::regions::{self, NATIONAL, lineage, scope_range};

/// Makes sure the built-in elections exist (first start, or a release that adds one).
pub fn ensure_builtin(conn: &mut Conn) -> Result<(), DbError> {
    for e in ELECTIONS {
        let exists = conn.query_opt("SELECT id FROM elections WHERE id = $1", params![e.id])?.is_some();
        if !exists {
            conn.execute(
                "INSERT INTO elections (id, name, kind, voting_day, max_voters) VALUES ($1, $2, $3, $4, $5)",
                params![e.id, e.name, format!("{:?}", e.kind).to_lowercase(), e.voting_day, e.max_voters_per_tps],
            )?;
            audit::record(
                conn,
                &Permit::system("start", crate::regions::NATIONAL),
                Change {
                    action: "election.create",
                    entity_type: "election",
                    entity_id: e.id,
                    region: None,
                    detail: serde_json::json!({"name": e.name, "voting_day": e.voting_day, "source": e.source}),
                },
            )?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TpsRecord {
    pub code: String,
    pub village: String,
    pub number: i64,
    pub address: String,
    /// Voters on the final list.
    pub dpt: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub updated_at: String,
}

const TPS_COLS: &str = "code, village_code, address, dpt, lat, lon, updated_at";

fn tps_from(r: &Row) -> Result<TpsRecord, DbError> {
    let code: String = r.get(0)?;
    let number = code.rsplit('.').next().and_then(|n| n.parse().ok()).unwrap_or(0);
    Ok(TpsRecord {
        number,
        village: r.get(1)?,
        address: r.get(2)?,
        dpt: r.get(3)?,
        lat: r.get(4)?,
        lon: r.get(5)?,
        updated_at: r.get(6)?,
        code,
    })
}

pub fn get_tps(conn: &mut Conn, election: &str, code: &str) -> Result<Option<TpsRecord>, DbError> {
    conn.query_opt(&format!("SELECT {TPS_COLS} FROM tps WHERE election_id = $1 AND code = $2"), params![election, code])?
        .as_ref()
        .map(tps_from)
        .transpose()
}

/// Which of `codes` are registered TPS of `election` (one statement per 256 codes).
pub fn registered(conn: &mut Conn, election: &str, codes: &[&str]) -> Result<std::collections::HashSet<String>, DbError> {
    let keys: Vec<Value> = codes.iter().map(|c| Value::from(*c)).collect();
    crate::platform::db::query_in(conn, "SELECT code FROM tps WHERE election_id = $1 AND code IN", params![election], &keys)?.iter().map(|r| r.get(0)).collect()
}

/// TPS within `region` (any ancestor level, or the nation), in code order after `after`.
pub fn list_tps(
    conn: &mut Conn,
    election: &str,
    region: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<TpsRecord>, DbError> {
    let (lo, hi) = if region == NATIONAL { (String::new(), "~".to_string()) } else { scope_range(region) };
    let lo = match after {
        Some(a) if a >= lo.as_str() => format!("{a}\u{1}"),
        _ => lo,
    };
    conn.query(
        &format!("SELECT {TPS_COLS} FROM tps WHERE election_id = $1 AND code >= $2 AND code < $3 ORDER BY code LIMIT $4"),
        params![election, lo, hi, limit],
    )?
    .iter()
    .map(tps_from)
    .collect()
}

/// TPS count and DPT total of a region for an election.
pub fn stats(conn: &mut Conn, election: &str, region: &str) -> Result<(i64, i64), DbError> {
    Ok(match conn.query_opt(
        "SELECT tps_count, dpt_total FROM tps_stats WHERE election_id = $1 AND region_code = $2",
        params![election, region],
    )? {
        Some(r) => (r.get(0)?, r.get(1)?),
        None => (0, 0),
    })
}

fn bump_stats(conn: &mut Conn, election: &str, tps_code: &str, count: i64, dpt: i64) -> Result<(), DbError> {
    let codes = lineage(tps_code);
    let regions = codes[..codes.len() - 1].iter().copied().chain(std::iter::once(NATIONAL));
    for region in regions {
        conn.execute(
            "INSERT INTO tps_stats (election_id, region_code, tps_count, dpt_total) VALUES ($1, $2, $3, $4)
             ON CONFLICT (election_id, region_code)
             DO UPDATE SET tps_count = tps_stats.tps_count + $3, dpt_total = tps_stats.dpt_total + $4",
            params![election, region, count, dpt],
        )?;
    }
    Ok(())
}

/// Creates or updates one TPS. The village must exist. Returns the record and whether it
/// was created.
pub fn upsert_tps(conn: &mut Conn, permit: &Permit, election: &ElectionDef, tps: Tps) -> Result<(TpsRecord, bool), AppError> {
    let code = tps.code.as_str().to_string();
    if regions::store::get(conn, tps.code.village())?.is_none() {
        let v = tps.code.village();
        return Err(AppError::invalid("code", crate::tr!("desa/kelurahan {v} tidak ada dalam daftar wilayah", "village {v} does not exist")));
    }
    let before = get_tps(conn, election.id, &code)?;
    let now = crate::platform::clock::now_rfc3339();
    conn.execute(
        "INSERT INTO tps (election_id, code, village_code, address, dpt, lat, lon, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (election_id, code) DO UPDATE SET address = excluded.address, dpt = excluded.dpt,
             lat = excluded.lat, lon = excluded.lon, updated_at = excluded.updated_at",
        params![election.id, code.as_str(), tps.code.village(), tps.address.as_str(), tps.dpt, tps.lat, tps.lon, now.as_str()],
    )?;
    match &before {
        None => bump_stats(conn, election.id, &code, 1, tps.dpt)?,
        Some(b) if b.dpt != tps.dpt => bump_stats(conn, election.id, &code, 0, tps.dpt - b.dpt)?,
        Some(_) => {}
    }
    let mut detail = serde_json::json!({"election": election.id, "address": tps.address, "dpt": tps.dpt, "lat": tps.lat, "lon": tps.lon});
    if let Some(b) = &before {
        detail["before"] = serde_json::json!({"address": b.address, "dpt": b.dpt, "lat": b.lat, "lon": b.lon});
    }
    audit::record(
        conn,
        permit,
        Change {
            action: if before.is_some() { "tps.update" } else { "tps.create" },
            entity_type: "tps",
            entity_id: &format!("{}/{}", election.id, code),
            region: Some(&code),
            detail,
        },
    )?;
    let record = get_tps(conn, election.id, &code)?.ok_or_else(|| AppError::Internal("TPS vanished after write".into()))?;
    Ok((record, before.is_none()))
}

/// Recomputes an election's statistics from its TPS in one pass in key order (no sort,
/// so no sorter memory); memory follows the number of regions, not of TPS.
pub fn rebuild_stats(conn: &mut Conn, election: &str) -> Result<(), DbError> {
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut village = String::new();
    let mut acc = (0i64, 0i64);
    let flush = |totals: &mut BTreeMap<String, (i64, i64)>, village: &str, acc: (i64, i64)| {
        if village.is_empty() {
            return;
        }
        for region in lineage(village).into_iter().chain(std::iter::once(NATIONAL)) {
            let t = totals.entry(region.to_string()).or_default();
            t.0 += acc.0;
            t.1 += acc.1;
        }
    };
    conn.for_each("SELECT village_code, dpt FROM tps WHERE election_id = $1 ORDER BY code", params![election], |r| {
        let v: String = r.get(0)?;
        let dpt: i64 = r.get(1)?;
        if v != village {
            flush(&mut totals, &village, acc);
            village = v;
            acc = (0, 0);
        }
        acc.0 += 1;
        acc.1 += dpt;
        Ok(())
    })?;
    flush(&mut totals, &village, acc);
    conn.execute("DELETE FROM tps_stats WHERE election_id = $1", params![election])?;
    insert_rows(
        conn,
        "INSERT INTO tps_stats (election_id, region_code, tps_count, dpt_total)",
        4,
        "",
        totals.into_iter().map(|(region, (n, dpt))| vec![Value::from(election), Value::from(region), Value::from(n), Value::from(dpt)]),
    )?;
    Ok(())
}

/// The TPS of a region as a spreadsheet in the import format (`sinergi export tps` and the
/// public download), with the names of the places beside the codes; returns how many. The
/// import reads it back unchanged: it ignores the name columns and undoes the protective `'`.
pub fn export_tps_csv<W: std::io::Write>(conn: &mut Conn, election: &str, region: &str, out: W) -> Result<u64, AppError> {
    let (lo, hi) = if region == NATIONAL { (String::new(), "~".to_string()) } else { scope_range(region) };
    let names = crate::regions::store::Names::load(conn, region)?;
    let io = |e: std::io::Error| AppError::Internal(format!("writing the export failed: {e}"));
    let mut header = vec!["code", "address", "dpt", "lat", "lon"];
    header.extend(crate::regions::store::LINEAGE_COLUMNS);
    let mut w = Sheet::new(std::io::BufWriter::new(out), &header).map_err(io)?;
    let mut n = 0u64;
    let mut failed: Option<std::io::Error> = None;
    conn.for_each(
        "SELECT code, address, dpt, lat, lon FROM tps WHERE election_id = $1 AND code >= $2 AND code < $3 ORDER BY code",
        params![election, lo, hi],
        |r| {
            let code: String = r.get(0)?;
            let address: String = r.get(1)?;
            let dpt: i64 = r.get(2)?;
            let lat: Option<f64> = r.get(3)?;
            let lon: Option<f64> = r.get(4)?;
            let mut row = vec![Cell::from(code.as_str()), Cell::from(address), Cell::Int(dpt), Cell::from(lat), Cell::from(lon)];
            row.extend(names.lineage(&code).map(Cell::from));
            if failed.is_none()
                && let Err(e) = w.row(row) {
                    failed = Some(e);
                }
            n += 1;
            Ok(())
        },
    )?;
    if let Some(e) = failed {
        return Err(io(e));
    }
    w.flush().map_err(io)?;
    Ok(n)
}

/// The mean position (longitude, latitude) of the located TPS per area within `region`, an
/// area being the first `width` characters of a TPS code: where a map puts an area that has no
/// outline.
pub fn positions_by_area(conn: &mut Conn, election: &str, region: &str, width: usize) -> Result<BTreeMap<String, (f64, f64)>, DbError> {
    let (lo, hi) = if region == NATIONAL { (String::new(), "~".to_string()) } else { scope_range(region) };
    let mut sums: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    conn.for_each(
        "SELECT code, lon, lat FROM tps WHERE election_id = $1 AND code >= $2 AND code < $3 AND lat IS NOT NULL AND lon IS NOT NULL",
        params![election, lo, hi],
        |r| {
            let code: String = r.get(0)?;
            let (lon, lat): (f64, f64) = (r.get(1)?, r.get(2)?);
            let area = &code[..width.min(code.len())];
            match sums.get_mut(area) {
                Some(s) => *s = (s.0 + lon, s.1 + lat, s.2 + 1.0),
                None => {
                    sums.insert(area.to_string(), (lon, lat, 1.0));
                }
            }
            Ok(())
        },
    )?;
    Ok(sums.into_iter().map(|(k, (x, y, n))| (k, (x / n, y / n))).collect())
}
