//! Region storage: the first-start load of the embedded national hierarchy and the reads.

use std::collections::HashMap;

use serde::Serialize;

use super::{Level, display_name, time_zone};
use crate::params;
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::db::{Conn, DbError, Row, Value, insert_rows};

const PROVINCES: &str = include_str!("../../data/regions/provinces.csv");
const REGENCIES: &str = include_str!("../../data/regions/regencies.csv");
const DISTRICTS: &str = include_str!("../../data/regions/districts.csv");
const VILLAGES: &str = include_str!("../../data/regions/villages.csv");
pub const SOURCE: &str = "idn-area-data 3.1.2 (ODbL 1.0), Kemendagri codes";

struct RawRegion {
    code: String,
    parent: Option<String>,
    level: Level,
    name: String,
}

fn parse_embedded() -> Result<Vec<RawRegion>, DbError> {
    let mut out = Vec::with_capacity(92_000);
    for (text, level, has_parent) in [
        (PROVINCES, Level::Province, false),
        (REGENCIES, Level::Regency, true),
        (DISTRICTS, Level::District, true),
        (VILLAGES, Level::Village, true),
    ] {
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
        for rec in rdr.records() {
            let rec = rec.map_err(|e| DbError::Other(format!("embedded region data: {e}")))?;
            let field = |i: usize| rec.get(i).unwrap_or("").to_string();
            let (code, parent, name) =
                if has_parent { (field(0), Some(field(1)), field(2)) } else { (field(0), None, field(1)) };
            out.push(RawRegion { code, parent, level, name: display_name(&name) });
        }
    }
    Ok(out)
}

/// Loads the national hierarchy when the table is empty. Returns how many regions it added.
pub fn ensure_loaded(conn: &mut Conn) -> Result<usize, DbError> {
    let have: i64 = conn.query_one("SELECT COUNT(*) FROM regions", &[])?.get(0)?;
    if have > 0 {
        return Ok(0);
    }
    let regions = parse_embedded()?;
    let mut children: HashMap<&str, i64> = HashMap::new();
    for r in &regions {
        if let Some(p) = &r.parent {
            *children.entry(p.as_str()).or_default() += 1;
        }
    }
    let rows = regions.iter().map(|r| {
        vec![
            Value::from(r.code.as_str()),
            Value::from(r.parent.clone()),
            Value::from(r.level.as_str()),
            Value::from(r.name.as_str()),
            Value::from(r.name.to_lowercase()),
            Value::from(children.get(r.code.as_str()).copied().unwrap_or(0)),
        ]
    });
    insert_rows(conn, "INSERT INTO regions (code, parent_code, level, name, name_lower, child_count)", 6, "", rows)?;
    let count = regions.len();
    let by_level = |l: Level| regions.iter().filter(|r| r.level == l).count();
    audit::record(
        conn,
        &Permit::system("start", crate::regions::NATIONAL),
        Change {
            action: "regions.load",
            entity_type: "region",
            entity_id: "*",
            region: None,
            detail: serde_json::json!({
                "source": SOURCE,
                "provinces": by_level(Level::Province),
                "regencies": by_level(Level::Regency),
                "districts": by_level(Level::District),
                "villages": by_level(Level::Village),
            }),
        },
    )?;
    Ok(count)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PathItem {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionSummary {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<String>,
    /// WIB, WITA or WIT.
    #[schema(value_type = String)]
    pub timezone: super::TimeZone,
    pub children_count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: RegionSummary,
    /// UTC offset of the region's time zone, e.g. `+07:00`.
    pub utc_offset: String,
    /// Ancestors from the province down, then the region itself.
    pub path: Vec<PathItem>,
    /// TPS in this region, per election id.
    pub tps_count: std::collections::BTreeMap<String, i64>,
    /// Voters on the final list (DPT) in this region, per election id.
    pub dpt_total: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub region: RegionSummary,
    pub path: Vec<PathItem>,
    /// The path as one line, e.g. `Jawa Timur › Kota Mojokerto › Magersari › Balongsari`.
    pub path_text: String,
}

pub(super) const SUMMARY_COLS: &str = "code, name, level, parent_code, child_count";

pub(super) fn summary(r: &Row) -> Result<RegionSummary, DbError> {
    let code: String = r.get(0)?;
    let level: String = r.get(2)?;
    Ok(RegionSummary {
        timezone: time_zone(&code).unwrap_or(super::TimeZone::Wib),
        name: r.get(1)?,
        level: Level::parse(&level).ok_or_else(|| DbError::Other(format!("bad level {level}")))?,
        parent: r.get(3)?,
        children_count: r.get(4)?,
        code,
    })
}

pub fn get(conn: &mut Conn, code: &str) -> Result<Option<RegionSummary>, DbError> {
    conn.query_opt(&format!("SELECT {SUMMARY_COLS} FROM regions WHERE code = $1"), params![code])?
        .as_ref()
        .map(summary)
        .transpose()
}

/// A region or TPS by name with its code beside, read inside a transaction (alerts and
/// messages written with a change): see [`super::place_label`].
pub fn place(conn: &mut Conn, code: &str) -> Result<String, DbError> {
    let village = if code.split('.').count() == 5 { code.rsplit_once('.').map_or(code, |(v, _)| v) } else { code };
    let name: Option<String> = match conn.query_opt("SELECT name FROM regions WHERE code = $1", params![village])? {
        Some(r) => Some(r.get(0)?),
        None => None,
    };
    Ok(super::place_label(code, |_| name.clone()))
}

pub fn detail(conn: &mut Conn, index: &super::index::RegionIndex, code: &str) -> Result<Option<RegionDetail>, DbError> {
    let Some(region) = index.get(code).cloned() else { return Ok(None) };
    let path = index.path(code);
    let mut tps_count = std::collections::BTreeMap::new();
    let mut dpt_total = std::collections::BTreeMap::new();
    // One primary-key lookup per election: the statistics are keyed election first.
    for e in crate::elections::ELECTIONS {
        if let Some(r) = conn.query_opt(
            "SELECT tps_count, dpt_total FROM tps_stats WHERE election_id = $1 AND region_code = $2",
            params![e.id, code],
        )? {
            tps_count.insert(e.id.to_string(), r.get(0)?);
            dpt_total.insert(e.id.to_string(), r.get(1)?);
        }
    }
    let h = region.timezone.utc_offset_hours();
    Ok(Some(RegionDetail { utc_offset: format!("+{h:02}:00"), region, path, tps_count, dpt_total }))
}

/// Children of a region, or the provinces when `parent` is None.
pub fn children(conn: &mut Conn, parent: Option<&str>) -> Result<Vec<RegionSummary>, DbError> {
    let rows = match parent {
        Some(p) => conn.query(
            &format!("SELECT {SUMMARY_COLS} FROM regions WHERE parent_code = $1 ORDER BY code"),
            params![p],
        )?,
        None => conn.query(&format!("SELECT {SUMMARY_COLS} FROM regions WHERE parent_code IS NULL ORDER BY code"), &[])?,
    };
    rows.iter().map(summary).collect()
}

/// Every village code, for validating TPS codes in bulk without a query per row.
pub fn village_codes(conn: &mut Conn) -> Result<Vec<String>, DbError> {
    let mut out = Vec::with_capacity(84_000);
    conn.for_each("SELECT code FROM regions WHERE level = 'village' ORDER BY code", &[], |r| {
        out.push(r.get(0)?);
        Ok(())
    })?;
    Ok(out)
}

/// A child region with its TPS count and DPT total for one election.
pub struct ChildStats {
    pub region: RegionSummary,
    pub tps: i64,
    pub dpt: i64,
}

pub fn children_with_stats(conn: &mut Conn, parent: Option<&str>, election: &str) -> Result<Vec<ChildStats>, DbError> {
    let sql = format!(
        "SELECT r.code, r.name, r.level, r.parent_code, r.child_count, s.tps_count, s.dpt_total
         FROM regions r LEFT JOIN tps_stats s ON s.region_code = r.code AND s.election_id = $1
         WHERE {} ORDER BY r.code",
        if parent.is_some() { "r.parent_code = $2" } else { "r.parent_code IS NULL" }
    );
    let rows = match parent {
        Some(p) => conn.query(&sql, params![election, p])?,
        None => conn.query(&sql, params![election])?,
    };
    rows.iter()
        .map(|r| {
            Ok(ChildStats {
                region: summary(r)?,
                tps: r.get::<Option<i64>>(5)?.unwrap_or(0),
                dpt: r.get::<Option<i64>>(6)?.unwrap_or(0),
            })
        })
        .collect()
}

/// (code, name) of every village in the embedded national data, in code order; used by the
/// synthetic-data generator, which needs no database.
pub fn embedded_villages() -> Result<Vec<(String, String)>, DbError> {
    Ok(parse_embedded()?.into_iter().filter(|r| r.level == Level::Village).map(|r| (r.code, r.name)).collect())
}

/// The names of a region, its ancestors and everything below it, for files that put names
/// beside codes (one query, whatever the number of rows written).
pub struct Names(std::collections::HashMap<String, String>);

impl Names {
    pub fn load(conn: &mut Conn, region: &str) -> Result<Names, DbError> {
        let mut names = std::collections::HashMap::new();
        let (lo, hi) = if region == super::NATIONAL { (String::new(), "~".to_string()) } else { super::scope_range(region) };
        conn.for_each("SELECT code, name FROM regions WHERE code >= $1 AND code < $2", params![lo, hi], |r| {
            names.insert(r.get(0)?, r.get(1)?);
            Ok(())
        })?;
        if region != super::NATIONAL {
            for code in super::lineage(region) {
                if let Some(r) = conn.query_opt("SELECT name FROM regions WHERE code = $1", params![code])? {
                    names.insert(code.to_string(), r.get(0)?);
                }
            }
        }
        Ok(Names(names))
    }

    pub fn get(&self, code: &str) -> &str {
        self.0.get(code).map_or("", String::as_str)
    }

    /// Province, regency/city, district and village names of a village or TPS code.
    pub fn lineage(&self, code: &str) -> [String; 4] {
        let l = super::lineage(code);
        std::array::from_fn(|i| l.get(i).map(|c| self.get(c).to_string()).unwrap_or_default())
    }
}

/// Column titles for [`Names::lineage`].
pub const LINEAGE_COLUMNS: [&str; 4] = ["provinsi", "kabupaten_kota", "kecamatan", "desa_kelurahan"];
