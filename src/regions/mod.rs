//! Regions: the Kemendagri hierarchy (province → regency/city → district → village) that every
//! other module hangs on, with the time zone of each province. The national data ships inside
//! the binary (data/regions, ODbL) and is loaded on first start.

pub mod api;
pub mod index;
pub mod pages;
pub mod store;

use serde::Serialize;

// Scope logic is identity: the platform's authorisation check needs it.
pub use crate::platform::identity::{NATIONAL, lineage, scope_range, within};

/// The region index the server loaded at start-up (registered as module state).
pub fn index_of(state: &crate::platform::state::AppState) -> &index::RegionIndex {
    state.module::<index::RegionIndex>()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    Regency,
    District,
    Village,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Regency => "regency",
            Level::District => "district",
            Level::Village => "village",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "province" => Level::Province,
            "regency" => Level::Regency,
            "district" => Level::District,
            "village" => Level::Village,
            _ => return None,
        })
    }
}

/// A syntactically valid Kemendagri region code: `35`, `35.76`, `35.76.02`, `35.76.02.1008`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, crate::platform::i18n::Text> {
        let parts: Vec<&str> = s.split('.').collect();
        let widths = [2, 2, 2, 4];
        if parts.len() > 4 || parts.iter().zip(widths).any(|(p, w)| p.len() != w || !p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(crate::tr!(
                "\"{s}\" bukan kode wilayah Kemendagri (contoh: 35, 35.76, 35.76.02 atau 35.76.02.1008)",
                "{s:?} is not a region code (expected e.g. 35, 35.76, 35.76.02 or 35.76.02.1008)"
            ));
        }
        Ok(RegionCode(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn level(&self) -> Level {
        match self.0.split('.').count() {
            1 => Level::Province,
            2 => Level::Regency,
            3 => Level::District,
            _ => Level::Village,
        }
    }
    pub fn province(&self) -> &str {
        &self.0[..2]
    }
}

/// Indonesian time zones (Keppres 41/1987 on the division of Indonesia into three time zones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum TimeZone {
    #[serde(rename = "WIB")]
    Wib,
    #[serde(rename = "WITA")]
    Wita,
    #[serde(rename = "WIT")]
    Wit,
}

impl TimeZone {
    pub fn utc_offset_hours(self) -> i8 {
        match self {
            TimeZone::Wib => 7,
            TimeZone::Wita => 8,
            TimeZone::Wit => 9,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }
    pub fn offset(self) -> time::UtcOffset {
        time::UtcOffset::from_hms(self.utc_offset_hours(), 0, 0).unwrap_or(time::UtcOffset::UTC)
    }
}

/// Time zone by province code. Source: Keppres 41/1987: WIB for Sumatra, Java, Kalimantan
/// Barat and Tengah; WITA for Bali, Nusa Tenggara, Kalimantan Selatan/Timur/Utara and
/// Sulawesi; WIT for Maluku and the six Papua provinces.
pub const PROVINCE_TIME_ZONES: &[(&str, TimeZone)] = &[
    ("11", TimeZone::Wib), ("12", TimeZone::Wib), ("13", TimeZone::Wib), ("14", TimeZone::Wib),
    ("15", TimeZone::Wib), ("16", TimeZone::Wib), ("17", TimeZone::Wib), ("18", TimeZone::Wib),
    ("19", TimeZone::Wib), ("21", TimeZone::Wib), ("31", TimeZone::Wib), ("32", TimeZone::Wib),
    ("33", TimeZone::Wib), ("34", TimeZone::Wib), ("35", TimeZone::Wib), ("36", TimeZone::Wib),
    ("51", TimeZone::Wita), ("52", TimeZone::Wita), ("53", TimeZone::Wita),
    ("61", TimeZone::Wib), ("62", TimeZone::Wib),
    ("63", TimeZone::Wita), ("64", TimeZone::Wita), ("65", TimeZone::Wita),
    ("71", TimeZone::Wita), ("72", TimeZone::Wita), ("73", TimeZone::Wita), ("74", TimeZone::Wita),
    ("75", TimeZone::Wita), ("76", TimeZone::Wita),
    ("81", TimeZone::Wit), ("82", TimeZone::Wit),
    ("91", TimeZone::Wit), ("92", TimeZone::Wit), ("93", TimeZone::Wit), ("94", TimeZone::Wit),
    ("95", TimeZone::Wit), ("96", TimeZone::Wit),
];

pub fn time_zone(code: &str) -> Option<TimeZone> {
    let province = code.get(..2)?;
    PROVINCE_TIME_ZONES.iter().find(|(p, _)| *p == province).map(|(_, tz)| *tz)
}

/// A place as people name it, with its code beside the name: "Kota Mojokerto (35.76)",
/// "TPS 001 Balongsari (35.76.02.1008.001)", "Indonesia (ID)". `name_of` looks a region's name
/// up (the in-memory index for pages, the database inside a write); a code it does not know is
/// shown alone.
pub fn place_label(code: &str, name_of: impl Fn(&str) -> Option<String>) -> String {
    if code == NATIONAL {
        return format!("Indonesia ({NATIONAL})");
    }
    // A TPS code is its village's code and a three-digit number.
    if code.split('.').count() == 5
        && let Some((village, number)) = code.rsplit_once('.')
        && let Ok(n) = number.parse::<u16>()
    {
        return match name_of(village) {
            Some(v) => format!("TPS {n:03} {v} ({code})"),
            None => format!("TPS {n:03} ({code})"),
        };
    }
    match name_of(code) {
        Some(n) => format!("{n} ({code})"),
        None => code.to_string(),
    }
}

/// The source lists provinces and regencies in capitals (`KOTA MOJOKERTO`); people read
/// `Kota Mojokerto`. Acronyms such as DKI and DI stay in capitals.
pub fn display_name(raw: &str) -> String {
    if raw.chars().any(|c| c.is_lowercase()) {
        return raw.to_string();
    }
    const ACRONYMS: &[&str] = &["DKI", "DI", "II", "III", "IV"];
    raw.split(' ')
        .map(|w| {
            if ACRONYMS.contains(&w) {
                w.to_string()
            } else {
                let mut out = String::with_capacity(w.len());
                let mut first = true;
                for c in w.chars() {
                    if first {
                        out.extend(c.to_uppercase());
                    } else {
                        out.extend(c.to_lowercase());
                    }
                    // Capitalise after a hyphen or an opening parenthesis too.
                    first = matches!(c, '-' | '(' | '/');
                }
                out
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_by_level() {
        assert_eq!(RegionCode::parse("35").map(|c| c.level()), Ok(Level::Province));
        assert_eq!(RegionCode::parse("35.76").map(|c| c.level()), Ok(Level::Regency));
        assert_eq!(RegionCode::parse("35.76.02").map(|c| c.level()), Ok(Level::District));
        assert_eq!(RegionCode::parse("35.76.02.1008").map(|c| c.level()), Ok(Level::Village));
        for bad in ["", "3", "35.7", "35.76.02.100", "35.76.02.1008.001", "a5", "35..76"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn time_zones_follow_the_province() {
        assert_eq!(time_zone("35.76"), Some(TimeZone::Wib));
        assert_eq!(time_zone("61.01"), Some(TimeZone::Wib), "Kalimantan Barat is WIB");
        assert_eq!(time_zone("62"), Some(TimeZone::Wib), "Kalimantan Tengah is WIB");
        for wita in ["63", "64", "65", "51", "52", "53", "71", "76"] {
            assert_eq!(time_zone(wita), Some(TimeZone::Wita), "{wita}");
        }
        for wit in ["81", "82", "91", "92", "93", "94", "95", "96"] {
            assert_eq!(time_zone(wit), Some(TimeZone::Wit), "{wit}");
        }
        assert_eq!(PROVINCE_TIME_ZONES.len(), 38);
        assert_eq!(time_zone("99"), None);
    }

    #[test]
    fn scope_covers_descendants_only() {
        assert!(within("35.17", "35.17"));
        assert!(within("35.17", "35.17.01.2001.001"));
        assert!(!within("35.17", "35.176"));
        assert!(!within("35.17", "35.76.02"));
        assert!(within(NATIONAL, "91.01"));
        assert_eq!(lineage("35.76.02.1008.001"), vec!["35", "35.76", "35.76.02", "35.76.02.1008", "35.76.02.1008.001"]);
    }

    #[test]
    fn places_are_named_with_their_code_beside() {
        let names = |c: &str| match c {
            "35.76" => Some("Kota Mojokerto".to_string()),
            "35.76.02.1008" => Some("Balongsari".to_string()),
            _ => None,
        };
        assert_eq!(place_label("35.76", names), "Kota Mojokerto (35.76)");
        assert_eq!(place_label("35.76.02.1008.001", names), "TPS 001 Balongsari (35.76.02.1008.001)");
        assert_eq!(place_label("ID", names), "Indonesia (ID)");
        assert_eq!(place_label("99.99", names), "99.99");
    }

    #[test]
    fn names_read_as_people_write_them() {
        assert_eq!(display_name("KOTA MOJOKERTO"), "Kota Mojokerto");
        assert_eq!(display_name("DKI JAKARTA"), "DKI Jakarta");
        assert_eq!(display_name("DAERAH ISTIMEWA YOGYAKARTA"), "Daerah Istimewa Yogyakarta");
        assert_eq!(display_name("Balongsari"), "Balongsari");
    }
}
