//! Region names in memory. The hierarchy does not change while the service runs (it is
//! loaded once, on first start), so name search and ancestor paths are answered from here
//! without a query: a search over 91,000 names then costs about a millisecond.

use std::collections::HashMap;

use super::store::{PathItem, RegionSummary, SearchHit};
use super::lineage;
use crate::platform::db::{Conn, DbError};

struct Entry {
    summary: RegionSummary,
    lower: String,
}

pub struct RegionIndex {
    entries: Vec<Entry>,
    by_code: HashMap<String, usize>,
    /// Every lower-case name, one per line: one substring scan over 1.5 MB beats 91,000
    /// separate ones.
    names: String,
    /// Where each entry's name starts in `names`.
    starts: Vec<usize>,
}

impl crate::platform::i18n::Places for RegionIndex {
    fn place(&self, code: &str) -> String {
        RegionIndex::place(self, code)
    }
    fn offset(&self, code: &str) -> time::UtcOffset {
        super::time_zone(code).unwrap_or(super::TimeZone::Wib).offset()
    }
}

impl RegionIndex {
    pub fn load(conn: &mut Conn) -> Result<RegionIndex, DbError> {
        let mut entries = Vec::with_capacity(92_000);
        let sql = format!("SELECT {}, name_lower FROM regions ORDER BY code", super::store::SUMMARY_COLS);
        conn.for_each(&sql, &[], |r| {
            entries.push(Entry { summary: super::store::summary(&r)?, lower: r.get(5)? });
            Ok(())
        })?;
        let by_code = entries.iter().enumerate().map(|(i, e)| (e.summary.code.clone(), i)).collect();
        let mut names = String::with_capacity(entries.iter().map(|e| e.lower.len() + 1).sum());
        let mut starts = Vec::with_capacity(entries.len());
        for e in &entries {
            starts.push(names.len());
            names.push_str(&e.lower);
            names.push('\n');
        }
        Ok(RegionIndex { entries, by_code, names, starts })
    }

    pub fn get(&self, code: &str) -> Option<&RegionSummary> {
        self.by_code.get(code).map(|&i| &self.entries[i].summary)
    }

    /// A region or TPS by name with its code beside: see [`super::place_label`].
    pub fn place(&self, code: &str) -> String {
        super::place_label(code, |c| self.get(c).map(|r| r.name.clone()))
    }

    /// The codes of a region's direct children (provinces for `ID`), in code order.
    pub fn children_codes(&self, code: &str) -> Vec<String> {
        if code == super::NATIONAL {
            return self.entries.iter().filter(|e| e.summary.parent.is_none()).map(|e| e.summary.code.clone()).collect();
        }
        let prefix = format!("{code}.");
        let start = self.entries.partition_point(|e| e.summary.code.as_str() < prefix.as_str());
        self.entries[start..]
            .iter()
            .take_while(|e| e.summary.code.starts_with(&prefix))
            .filter(|e| e.summary.parent.as_deref() == Some(code))
            .map(|e| e.summary.code.clone())
            .collect()
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
        let needle = q.trim().to_lowercase().replace('\n', " ");
        if needle.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<&Entry> = Vec::new();
        for (at, _) in self.names.match_indices(needle.as_str()) {
            let i = self.starts.partition_point(|&s| s <= at) - 1;
            // A name holding the needle twice is found twice; keep it once.
            if found.last().is_none_or(|last| !std::ptr::eq(*last, &self.entries[i])) {
                found.push(&self.entries[i]);
            }
        }
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
