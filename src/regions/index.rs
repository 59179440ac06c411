//! Region names in memory. The hierarchy does not change while the service runs (it is
//! loaded once, on first start), so name search and ancestor paths are answered from here
//! without a query: a search over 91,000 names then costs about a millisecond.

use std::collections::HashMap;

use super::store::{PathItem, RegionSummary, SearchHit};
use super::{Level, lineage, time_zone};
use crate::platform::db::{Conn, DbError};

struct Entry {
    summary: RegionSummary,
    lower: String,
}

pub struct RegionIndex {
    entries: Vec<Entry>,
    by_code: HashMap<String, usize>,
}

impl RegionIndex {
    pub fn load(conn: &mut Conn) -> Result<RegionIndex, DbError> {
        let mut entries = Vec::with_capacity(92_000);
        conn.for_each("SELECT code, name, level, parent_code, child_count, name_lower FROM regions ORDER BY code", &[], |r| {
            let code: String = r.get(0)?;
            let level: String = r.get(2)?;
            entries.push(Entry {
                summary: RegionSummary {
                    timezone: time_zone(&code).unwrap_or(super::TimeZone::Wib),
                    name: r.get(1)?,
                    level: Level::parse(&level).ok_or_else(|| DbError::Other(format!("bad level {level}")))?,
                    parent: r.get(3)?,
                    children_count: r.get(4)?,
                    code,
                },
                lower: r.get(5)?,
            });
            Ok(())
        })?;
        let by_code = entries.iter().enumerate().map(|(i, e)| (e.summary.code.clone(), i)).collect();
        Ok(RegionIndex { entries, by_code })
    }

    pub fn get(&self, code: &str) -> Option<&RegionSummary> {
        self.by_code.get(code).map(|&i| &self.entries[i].summary)
    }

    /// The region and its ancestors, province first.
    pub fn path(&self, code: &str) -> Vec<PathItem> {
        lineage(code)
            .into_iter()
            .filter_map(|c| self.get(c))
            .map(|r| PathItem { code: r.code.clone(), name: r.name.clone() })
            .collect()
    }

    /// Case-insensitive substring search: exact names first, then higher levels, then code.
    pub fn search(&self, q: &str, limit: usize) -> Vec<SearchHit> {
        let needle = q.trim().to_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<&Entry> = self.entries.iter().filter(|e| e.lower.contains(&needle)).collect();
        found.sort_by_key(|e| (e.lower != needle, e.summary.code.len(), e.summary.code.as_str()));
        found
            .into_iter()
            .take(limit)
            .map(|e| {
                let path = self.path(&e.summary.code);
                let path_text = path.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(" › ");
                SearchHit { region: e.summary.clone(), path, path_text }
            })
            .collect()
    }
}
