//! The statutory clocks of violation handling, as pure functions over a rule table per regime
//! and a holiday table.
//!
//! How a day-based period is counted (the way Bawaslu counts it): day 1 is the local calendar
//! day after the event, and the period ends at 23:59:59 local time of its last day, in the time
//! zone of the region the case belongs to. A working-day period (`hari kerja`) skips Saturdays,
//! Sundays and the days of the holiday table. An hour-based period (`1 x 24 jam`) runs from the
//! instant itself.

use std::collections::BTreeSet;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset, Weekday};

use crate::elections::ElectionKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DeadlineUnit)]
pub enum Unit {
    /// Calendar days.
    Hari,
    /// Working days: Monday–Friday except national holidays and cuti bersama.
    HariKerja,
    Jam,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Hari => "hari",
            Unit::HariKerja => "hari_kerja",
            Unit::Jam => "jam",
        }
    }
}

/// How firm the source is, as DOMAIN-RULES marks it: the article was read ([S]), the number is
/// reported by Bawaslu or the press but the article was not read ([R]), or unconfirmed ([U]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    Sourced,
    Reported,
    Uncertain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeadlineRule {
    pub key: &'static str,
    pub unit: Unit,
    pub count: u32,
    pub source: &'static str,
    pub certainty: Certainty,
}

const fn rule(key: &'static str, unit: Unit, count: u32, source: &'static str, certainty: Certainty) -> DeadlineRule {
    DeadlineRule { key, unit, count, source, certainty }
}

use Certainty::{Reported, Sourced, Uncertain};
use Unit::{Hari, HariKerja, Jam};

/// Pemilu: UU 7/2017 with Perbawaslu 7/2022 (violations) and 9/2022 (process disputes).
/// Perbawaslu 7/2022 counts its "Hari" as working days (Ps 1), and UU 7/2017 Ps 454(6) says
/// "7 (tujuh) hari kerja" for filing; the report clocks here are therefore working days.
pub const PEMILU: &[DeadlineRule] = &[
    rule("batas_lapor", HariKerja, 7, "UU 7/2017 Ps 454(6); Perbawaslu 7/2022 Ps 8(3)", Sourced),
    rule("kajian_awal", HariKerja, 2, "Perbawaslu 7/2022 Ps 15", Sourced),
    // DOMAIN-RULES 6.1 (summary of Perbawaslu 7/2022): Bawaslu tells the reporter within 1 Hari
    // of the kajian awal what to complete; an uncompleted report is not registered. The 2 Hari
    // for completing it are not in the notes' sources (the article was not read): [U].
    rule("perbaikan_laporan", HariKerja, 2, "Perbawaslu 7/2022 (pemberitahuan kelengkapan laporan; tidak dilengkapi, tidak diregistrasi)", Uncertain),
    // A finding is set within 7 days of its discovery; initial information taken up counts as
    // discovered when Bawaslu keeps it.
    rule("penetapan_temuan", HariKerja, 7, "UU 7/2017 Ps 454(5); Perbawaslu 7/2022 (Hari = hari kerja)", Sourced),
    rule("putusan_bawaslu", HariKerja, 7, "UU 7/2017 Ps 454(7)", Sourced),
    rule("putusan_bawaslu_diperpanjang", HariKerja, 14, "UU 7/2017 Ps 454(8)", Sourced),
    rule("penerusan_penyidik", Jam, 24, "UU 7/2017 Ps 476(1); Perbawaslu 31/2018 (Sentra Gakkumdu)", Reported),
    rule("penyidikan", Hari, 14, "UU 7/2017 Ps 480(1)", Reported),
    rule("pengembalian_berkas", Hari, 3, "UU 7/2017 Ps 480(2)", Reported),
    rule("penyerahan_kembali", Hari, 3, "UU 7/2017 Ps 480(3)", Reported),
    rule("pelimpahan_pengadilan", Hari, 5, "UU 7/2017 Ps 480(4)", Reported),
    rule("putusan_pn", Hari, 7, "UU 7/2017 Ps 482(1)", Reported),
    rule("banding", Hari, 3, "UU 7/2017 Ps 482(2)", Reported),
    rule("putusan_pt", Hari, 7, "UU 7/2017 Ps 482(4)", Reported),
    rule("sengketa_permohonan", HariKerja, 3, "UU 7/2017 Ps 467; Perbawaslu 9/2022", Sourced),
    rule("sengketa_mediasi", HariKerja, 2, "Perbawaslu 9/2022", Sourced),
    rule("sengketa_putusan", HariKerja, 12, "UU 7/2017 Ps 468(2)", Sourced),
    rule("sengketa_tindak_lanjut", HariKerja, 3, "UU 7/2017 Ps 469; Perbawaslu 9/2022", Reported),
];

/// Pilkada: UU 1/2015 jo. UU 10/2016 (Ps 134 reports, Ps 143–144 and 154 disputes, Ps 146–148
/// criminal cases; investigation and the hand-off to court count working days).
pub const PILKADA: &[DeadlineRule] = &[
    rule("batas_lapor", Hari, 7, "UU 1/2015 Ps 134(4)", Sourced),
    rule("kajian_awal", Hari, 2, "Perbawaslu 8/2020 (kajian awal; article unconfirmed)", Uncertain),
    // DOMAIN-RULES 6.2: the law gives the reporter's additional information 2 hari (Ps 134(6)).
    rule("perbaikan_laporan", Hari, 2, "UU 1/2015 Ps 134(5)-(6) (keterangan tambahan dari pelapor, +2 hari)", Reported),
    rule("penetapan_temuan", Hari, 7, "UU 1/2015 Ps 134 (temuan; by analogy with UU 7/2017 Ps 454(5))", Reported),
    rule("putusan_bawaslu", Hari, 3, "UU 1/2015 Ps 134(5)", Sourced),
    rule("putusan_bawaslu_diperpanjang", Hari, 5, "UU 1/2015 Ps 134(6) (3 + 2 hari)", Sourced),
    rule("penerusan_penyidik", Jam, 24, "Perbawaslu on Sentra Gakkumdu pemilihan (1 x 24 jam)", Reported),
    rule("penyidikan", HariKerja, 14, "UU 1/2015 jo. UU 10/2016 Ps 146", Reported),
    rule("pengembalian_berkas", Hari, 3, "UU 1/2015 jo. UU 10/2016 Ps 146", Reported),
    rule("penyerahan_kembali", Hari, 3, "UU 1/2015 jo. UU 10/2016 Ps 146", Reported),
    rule("pelimpahan_pengadilan", HariKerja, 5, "UU 1/2015 jo. UU 10/2016 Ps 146", Reported),
    rule("putusan_pn", Hari, 7, "UU 1/2015 jo. UU 10/2016 Ps 148(1)", Reported),
    rule("banding", Hari, 3, "UU 1/2015 jo. UU 10/2016 Ps 148(2)", Reported),
    rule("putusan_pt", Hari, 7, "UU 1/2015 jo. UU 10/2016 Ps 148(4)", Reported),
    rule("sengketa_permohonan", HariKerja, 3, "UU 10/2016 Ps 154(1)", Sourced),
    rule("sengketa_mediasi", HariKerja, 2, "Perbawaslu 2/2020 (musyawarah)", Uncertain),
    rule("sengketa_putusan", Hari, 12, "UU 1/2015 Ps 143–144", Reported),
    rule("sengketa_tindak_lanjut", HariKerja, 3, "UU 1/2015 Ps 144(3)", Uncertain),
];

pub fn rules_for(kind: ElectionKind) -> &'static [DeadlineRule] {
    match kind {
        ElectionKind::Pemilu => PEMILU,
        ElectionKind::Pilkada => PILKADA,
    }
}

/// Each rule's key with what it times, in Bahasa Indonesia and English, for pages and
/// exports (a user reads "Kajian awal", never `kajian_awal`).
pub const RULE_LABELS: &[(&str, &str, &str)] = &[
    ("batas_lapor", "Batas waktu pelaporan", "Filing window"),
    ("kajian_awal", "Kajian awal", "Initial review"),
    ("perbaikan_laporan", "Kelengkapan laporan oleh pelapor", "Completion by the reporter"),
    ("penetapan_temuan", "Penetapan temuan", "Setting a finding"),
    ("putusan_bawaslu", "Putusan Bawaslu", "Bawaslu decision"),
    ("putusan_bawaslu_diperpanjang", "Putusan Bawaslu (diperpanjang)", "Bawaslu decision (extended)"),
    ("penerusan_penyidik", "Penerusan ke penyidik", "Hand-over to the investigators"),
    ("penyidikan", "Penyidikan", "Investigation"),
    ("pengembalian_berkas", "Pengembalian berkas", "Return of the file"),
    ("penyerahan_kembali", "Penyerahan kembali berkas", "File handed back"),
    ("pelimpahan_pengadilan", "Pelimpahan ke pengadilan", "Referral to the court"),
    ("putusan_pn", "Putusan pengadilan negeri", "District court verdict"),
    ("banding", "Banding", "Appeal"),
    ("putusan_pt", "Putusan pengadilan tinggi", "High court verdict"),
    ("sengketa_permohonan", "Permohonan sengketa", "Filing a dispute"),
    ("sengketa_mediasi", "Mediasi sengketa", "Dispute mediation"),
    ("sengketa_putusan", "Putusan sengketa", "Dispute decision"),
    ("sengketa_tindak_lanjut", "Tindak lanjut putusan sengketa oleh KPU", "KPU follow-up of the dispute decision"),
];

/// A rule's label in `lang` ("?" for a key no table knows, which a unit test rules out).
pub fn rule_label(key: &str, lang: crate::platform::i18n::Lang) -> &'static str {
    RULE_LABELS.iter().find(|(k, _, _)| *k == key).map_or("?", |(_, id, en)| if lang == crate::platform::i18n::Lang::En { *en } else { *id })
}

pub fn find(kind: ElectionKind, key: &str) -> Option<DeadlineRule> {
    rules_for(kind).iter().find(|r| r.key == key).copied()
}

/// Saturdays, Sundays and the holiday table are not working days.
pub fn is_working_day(day: Date, holidays: &BTreeSet<Date>) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(&day)
}

/// The instant a period of `count` `unit`s starting at `from` ends, in the `offset` of the
/// region concerned.
pub fn deadline(unit: Unit, count: u32, from: OffsetDateTime, offset: UtcOffset, holidays: &BTreeSet<Date>) -> OffsetDateTime {
    let local = from.to_offset(offset);
    let last = match unit {
        Unit::Jam => return local + Duration::hours(i64::from(count)),
        Unit::Hari => local.date().saturating_add(Duration::days(i64::from(count))),
        Unit::HariKerja => {
            let mut day = local.date();
            let mut counted = 0;
            while counted < count {
                day = day.saturating_add(Duration::days(1));
                if is_working_day(day, holidays) {
                    counted += 1;
                }
            }
            day
        }
    };
    last.with_time(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)).assume_offset(offset)
}

/// Whole calendar days from `now`'s local day to the deadline's: 0 on the last day, negative
/// once passed.
pub fn days_left(deadline: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let offset = deadline.offset();
    (deadline.date() - now.to_offset(offset).date()).whole_days()
}

/// One day of the holiday table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub day: Date,
    pub name: &'static str,
    /// `libur` (national holiday) or `cuti_bersama`.
    pub kind: &'static str,
}

macro_rules! days {
    ($( $y:literal - $m:literal - $d:literal $kind:ident $name:literal ),* $(,)?) => {
        &[ $( ($y, $m, $d, stringify!($kind), $name) ),* ]
    };
}

/// National holidays and cuti bersama 2024–2026 as set by the joint decree of the Ministers of
/// Religion, Manpower and State Apparatus (SKB 3 Menteri) for each year, with the voting days
/// declared holidays by Keppres (14 Feb 2024, 27 Nov 2024). Editable at run time through the
/// holiday API; this is only the table a new database starts with.
const DEFAULT_HOLIDAYS: &[(i32, u8, u8, &str, &str)] = days![
    2024-1-1 libur "Tahun Baru 2024 Masehi",
    2024-2-8 libur "Isra Mikraj Nabi Muhammad SAW",
    2024-2-9 cuti_bersama "Cuti bersama Tahun Baru Imlek",
    2024-2-10 libur "Tahun Baru Imlek 2575 Kongzili",
    2024-2-14 libur "Hari pemungutan suara Pemilu 2024 (Keppres 10/2024)",
    2024-3-11 libur "Hari Suci Nyepi Tahun Baru Saka 1946",
    2024-3-12 cuti_bersama "Cuti bersama Hari Suci Nyepi",
    2024-3-29 libur "Wafat Isa Almasih",
    2024-3-31 libur "Hari Paskah",
    2024-4-8 cuti_bersama "Cuti bersama Idul Fitri 1445 H",
    2024-4-9 cuti_bersama "Cuti bersama Idul Fitri 1445 H",
    2024-4-10 libur "Idul Fitri 1445 H",
    2024-4-11 libur "Idul Fitri 1445 H",
    2024-4-12 cuti_bersama "Cuti bersama Idul Fitri 1445 H",
    2024-4-15 cuti_bersama "Cuti bersama Idul Fitri 1445 H",
    2024-5-1 libur "Hari Buruh Internasional",
    2024-5-9 libur "Kenaikan Isa Almasih",
    2024-5-10 cuti_bersama "Cuti bersama Kenaikan Isa Almasih",
    2024-5-23 libur "Hari Raya Waisak 2568 BE",
    2024-5-24 cuti_bersama "Cuti bersama Hari Raya Waisak",
    2024-6-1 libur "Hari Lahir Pancasila",
    2024-6-17 libur "Idul Adha 1445 H",
    2024-6-18 cuti_bersama "Cuti bersama Idul Adha",
    2024-7-7 libur "Tahun Baru Islam 1446 H",
    2024-8-17 libur "Hari Kemerdekaan Republik Indonesia",
    2024-9-16 libur "Maulid Nabi Muhammad SAW",
    2024-11-27 libur "Hari pemungutan suara Pilkada serentak 2024",
    2024-12-25 libur "Hari Raya Natal",
    2024-12-26 cuti_bersama "Cuti bersama Hari Raya Natal",
    2025-1-1 libur "Tahun Baru 2025 Masehi",
    2025-1-27 libur "Isra Mikraj Nabi Muhammad SAW",
    2025-1-28 cuti_bersama "Cuti bersama Tahun Baru Imlek",
    2025-1-29 libur "Tahun Baru Imlek 2576 Kongzili",
    2025-3-28 cuti_bersama "Cuti bersama Hari Suci Nyepi",
    2025-3-29 libur "Hari Suci Nyepi Tahun Baru Saka 1947",
    2025-3-31 libur "Idul Fitri 1446 H",
    2025-4-1 libur "Idul Fitri 1446 H",
    2025-4-2 cuti_bersama "Cuti bersama Idul Fitri 1446 H",
    2025-4-3 cuti_bersama "Cuti bersama Idul Fitri 1446 H",
    2025-4-4 cuti_bersama "Cuti bersama Idul Fitri 1446 H",
    2025-4-7 cuti_bersama "Cuti bersama Idul Fitri 1446 H",
    2025-4-18 libur "Wafat Yesus Kristus",
    2025-4-20 libur "Kebangkitan Yesus Kristus (Paskah)",
    2025-5-1 libur "Hari Buruh Internasional",
    2025-5-12 libur "Hari Raya Waisak 2569 BE",
    2025-5-13 cuti_bersama "Cuti bersama Hari Raya Waisak",
    2025-5-29 libur "Kenaikan Yesus Kristus",
    2025-5-30 cuti_bersama "Cuti bersama Kenaikan Yesus Kristus",
    2025-6-1 libur "Hari Lahir Pancasila",
    2025-6-6 libur "Idul Adha 1446 H",
    2025-6-9 cuti_bersama "Cuti bersama Idul Adha",
    2025-6-27 libur "Tahun Baru Islam 1447 H",
    2025-8-17 libur "Hari Kemerdekaan Republik Indonesia",
    2025-8-18 cuti_bersama "Cuti bersama Hari Kemerdekaan",
    2025-9-5 libur "Maulid Nabi Muhammad SAW",
    2025-12-25 libur "Hari Raya Natal",
    2025-12-26 cuti_bersama "Cuti bersama Hari Raya Natal",
    2026-1-1 libur "Tahun Baru 2026 Masehi",
    2026-1-16 libur "Isra Mikraj Nabi Muhammad SAW",
    2026-2-16 cuti_bersama "Cuti bersama Tahun Baru Imlek",
    2026-2-17 libur "Tahun Baru Imlek 2577 Kongzili",
    2026-3-18 cuti_bersama "Cuti bersama Hari Suci Nyepi",
    2026-3-19 libur "Hari Suci Nyepi Tahun Baru Saka 1948",
    2026-3-20 cuti_bersama "Cuti bersama Idul Fitri 1447 H",
    2026-3-21 libur "Idul Fitri 1447 H",
    2026-3-22 libur "Idul Fitri 1447 H",
    2026-3-23 cuti_bersama "Cuti bersama Idul Fitri 1447 H",
    2026-3-24 cuti_bersama "Cuti bersama Idul Fitri 1447 H",
    2026-4-3 libur "Wafat Yesus Kristus",
    2026-4-5 libur "Kebangkitan Yesus Kristus (Paskah)",
    2026-5-1 libur "Hari Buruh Internasional",
    2026-5-14 libur "Kenaikan Yesus Kristus",
    2026-5-15 cuti_bersama "Cuti bersama Kenaikan Yesus Kristus",
    2026-5-27 libur "Idul Adha 1447 H",
    2026-5-28 cuti_bersama "Cuti bersama Idul Adha",
    2026-5-31 libur "Hari Raya Waisak 2570 BE",
    2026-6-1 libur "Hari Lahir Pancasila",
    2026-6-16 libur "Tahun Baru Islam 1448 H",
    2026-8-17 libur "Hari Kemerdekaan Republik Indonesia",
    2026-8-25 libur "Maulid Nabi Muhammad SAW",
    2026-12-24 cuti_bersama "Cuti bersama Hari Raya Natal",
    2026-12-25 libur "Hari Raya Natal",
];

pub fn default_holidays() -> Vec<Holiday> {
    DEFAULT_HOLIDAYS
        .iter()
        .filter_map(|&(y, m, d, kind, name)| {
            let month = time::Month::try_from(m).ok()?;
            Some(Holiday { day: Date::from_calendar_date(y, month, d).ok()?, name, kind })
        })
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_rule_has_a_label_in_both_languages() {
        for r in PEMILU.iter().chain(PILKADA) {
            assert_ne!(rule_label(r.key, crate::platform::i18n::Lang::Id), "?", "{}", r.key);
            assert_ne!(rule_label(r.key, crate::platform::i18n::Lang::En), "?", "{}", r.key);
        }
    }

    use super::*;
    use time::macros::{date, datetime, offset};

    fn holidays() -> BTreeSet<Date> {
        default_holidays().into_iter().map(|h| h.day).collect()
    }
    const WIB: UtcOffset = offset!(+7);
    const WIT: UtcOffset = offset!(+9);

    #[test]
    fn the_holiday_table_parses_every_row() {
        assert_eq!(default_holidays().len(), DEFAULT_HOLIDAYS.len());
        assert!(holidays().contains(&date!(2024 - 11 - 27)));
    }

    #[test]
    fn every_rule_key_exists_in_both_regimes() {
        let keys: Vec<_> = PEMILU.iter().map(|r| r.key).collect();
        assert_eq!(keys, PILKADA.iter().map(|r| r.key).collect::<Vec<_>>());
        for k in [
            "batas_lapor", "kajian_awal", "perbaikan_laporan", "penetapan_temuan", "putusan_bawaslu", "putusan_bawaslu_diperpanjang", "penyidikan",
            "pengembalian_berkas", "penyerahan_kembali", "pelimpahan_pengadilan", "putusan_pn", "banding", "putusan_pt",
            "sengketa_permohonan", "sengketa_mediasi", "sengketa_putusan",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
    }

    #[test]
    fn pilkada_filing_window_is_seven_calendar_days_from_knowing() {
        // Known on Wednesday 20 Nov 2024, 10:00 WIB: day 1 is Thursday 21, day 7 Wednesday 27
        // (voting day, a holiday, still counts: the Pilkada window is in calendar days).
        let r = find(ElectionKind::Pilkada, "batas_lapor").expect("rule");
        let d = deadline(r.unit, r.count, datetime!(2024-11-20 10:00 +7), WIB, &holidays());
        assert_eq!(d, datetime!(2024-11-27 23:59:59 +7));
    }

    #[test]
    fn a_working_day_deadline_skips_the_weekend_and_a_holiday() {
        // Pemilu: Bawaslu receives on Thursday 8 Feb 2024 (Isra Mikraj, a holiday) at 09:00 WIB.
        // Working days after it: Mon 12, Tue 13, Thu 15 (14 Feb voting day is a holiday),
        // Fri 16, Mon 19, Tue 20, Wed 21 — the seventh is Wednesday 21 Feb.
        let r = find(ElectionKind::Pemilu, "putusan_bawaslu").expect("rule");
        let d = deadline(r.unit, r.count, datetime!(2024-02-08 09:00 +7), WIB, &holidays());
        assert_eq!(d, datetime!(2024-02-21 23:59:59 +7));
        // 9 Feb (cuti bersama Imlek) and 10 Feb (Saturday, Imlek) are skipped too.
        assert!(!is_working_day(date!(2024 - 02 - 09), &holidays()));
    }

    #[test]
    fn a_report_from_papua_near_midnight_counts_in_wit() {
        // 23:30 WIT on Monday 25 Nov 2024 is 14:30 UTC, still Monday in Jakarta too; but 00:30
        // WIT on Tuesday 26 is Monday 15:30 UTC: its day 1 is Wednesday 27 in Papua.
        let r = find(ElectionKind::Pilkada, "putusan_bawaslu").expect("rule");
        let late_monday = datetime!(2024-11-25 14:30 UTC);
        assert_eq!(deadline(r.unit, r.count, late_monday, WIT, &holidays()), datetime!(2024-11-28 23:59:59 +9));
        let early_tuesday = datetime!(2024-11-25 15:30 UTC);
        assert_eq!(deadline(r.unit, r.count, early_tuesday, WIT, &holidays()), datetime!(2024-11-29 23:59:59 +9));
        // The same instant read in WIB is still Monday, so Java's deadline is a day earlier.
        assert_eq!(deadline(r.unit, r.count, early_tuesday, WIB, &holidays()), datetime!(2024-11-28 23:59:59 +7));
    }

    #[test]
    fn pilkada_investigation_counts_working_days() {
        // Forwarded Friday 29 Nov 2024: 14 working days, no holidays until 25 Dec, end on
        // Thursday 19 Dec.
        let r = find(ElectionKind::Pilkada, "penyidikan").expect("rule");
        let d = deadline(r.unit, r.count, datetime!(2024-11-29 16:00 +7), WIB, &holidays());
        assert_eq!(d, datetime!(2024-12-19 23:59:59 +7));
        // The same step under Pemilu is 14 calendar days.
        let p = find(ElectionKind::Pemilu, "penyidikan").expect("rule");
        assert_eq!(deadline(p.unit, p.count, datetime!(2024-11-29 16:00 +7), WIB, &holidays()), datetime!(2024-12-13 23:59:59 +7));
    }

    #[test]
    fn the_completion_window_is_two_days_of_each_regime() {
        // Asked on Friday 22 Nov 2024, 15:00 WIB: Pemilu counts working days (Monday 25,
        // Tuesday 26), Pilkada calendar days (Saturday 23, Sunday 24).
        let p = find(ElectionKind::Pemilu, "perbaikan_laporan").expect("rule");
        assert_eq!((p.unit, p.count, p.certainty), (Unit::HariKerja, 2, Certainty::Uncertain));
        assert_eq!(deadline(p.unit, p.count, datetime!(2024-11-22 15:00 +7), WIB, &holidays()), datetime!(2024-11-26 23:59:59 +7));
        let k = find(ElectionKind::Pilkada, "perbaikan_laporan").expect("rule");
        assert_eq!(deadline(k.unit, k.count, datetime!(2024-11-22 15:00 +7), WIB, &holidays()), datetime!(2024-11-24 23:59:59 +7));
        assert!(!p.source.is_empty() && !k.source.is_empty());
    }

    #[test]
    fn hours_run_from_the_instant() {
        let r = find(ElectionKind::Pemilu, "penerusan_penyidik").expect("rule");
        let d = deadline(r.unit, r.count, datetime!(2024-02-10 01:00 UTC), WIB, &holidays());
        assert_eq!(d, datetime!(2024-02-11 08:00 +7));
        assert_eq!(d.offset(), WIB);
    }

    #[test]
    fn a_dispute_is_decided_by_the_twelfth_working_day() {
        // Registered Friday 20 Sep 2024 (WITA): 12 working days → Tuesday 8 Oct.
        let r = find(ElectionKind::Pemilu, "sengketa_putusan").expect("rule");
        let d = deadline(r.unit, r.count, datetime!(2024-09-20 10:00 +8), offset!(+8), &holidays());
        assert_eq!(d, datetime!(2024-10-08 23:59:59 +8));
    }

    #[test]
    fn days_left_counts_local_days() {
        let d = datetime!(2024-11-28 23:59:59 +7);
        assert_eq!(days_left(d, datetime!(2024-11-28 00:30 +7)), 0);
        assert_eq!(days_left(d, datetime!(2024-11-26 18:00 UTC)), 1); // 27 Nov 01:00 WIB
        assert_eq!(days_left(d, datetime!(2024-11-30 08:00 +7)), -2);
    }

    /// A small deterministic generator, so the properties below run the same cases everywhere
    /// and a failure names its case.
    struct Cases(u64);
    impl Cases {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// An instant between 2023-12-01 and 2026-12-31, a unit, a count and a time zone.
        fn case(&mut self) -> (OffsetDateTime, Unit, u32, UtcOffset) {
            let start = datetime!(2023-12-01 00:00 UTC).unix_timestamp();
            let secs = self.below(3 * 365 * 86_400) as i64;
            let from = OffsetDateTime::from_unix_timestamp(start + secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let unit = [Unit::Hari, Unit::HariKerja, Unit::Jam][self.below(3) as usize];
            let count = 1 + self.below(30) as u32;
            let offset = [offset!(+7), offset!(+8), offset!(+9)][self.below(3) as usize];
            (from, unit, count, offset)
        }
    }

    const CASES: usize = 20_000;

    #[test]
    fn property_a_deadline_is_later_than_its_start_and_ends_a_local_day() {
        let h = holidays();
        let mut g = Cases(7);
        for _ in 0..CASES {
            let (from, unit, count, offset) = g.case();
            let d = deadline(unit, count, from, offset, &h);
            assert!(d > from, "{from} {unit:?} {count} {offset}: {d}");
            assert_eq!(d.offset(), offset);
            if unit != Unit::Jam {
                assert_eq!(d.time(), Time::from_hms(23, 59, 59).expect("time"), "{from} {unit:?} {count}");
                let start_day = from.to_offset(offset).date();
                assert!((d.date() - start_day).whole_days() >= i64::from(count));
            }
        }
    }

    #[test]
    fn property_working_days_counted_are_exactly_the_count() {
        let h = holidays();
        let mut g = Cases(11);
        for _ in 0..CASES {
            let (from, _, count, offset) = g.case();
            let d = deadline(Unit::HariKerja, count, from, offset, &h);
            assert!(is_working_day(d.date(), &h), "{from}: {d} is not a working day");
            let mut day = from.to_offset(offset).date();
            let mut working = 0;
            while day < d.date() {
                day = day.saturating_add(Duration::days(1));
                working += u32::from(is_working_day(day, &h));
            }
            assert_eq!(working, count, "{from} +{count} hari kerja = {d}");
        }
    }

    #[test]
    fn property_later_starts_never_give_earlier_deadlines() {
        let h = holidays();
        let mut g = Cases(13);
        for _ in 0..CASES {
            let (from, unit, count, offset) = g.case();
            let later = from + Duration::seconds(g.below(5 * 86_400) as i64);
            assert!(deadline(unit, count, from, offset, &h) <= deadline(unit, count, later, offset, &h), "{from} {later} {unit:?} {count}");
            // A longer period never ends earlier either.
            assert!(deadline(unit, count, from, offset, &h) <= deadline(unit, count + 1, from, offset, &h));
        }
    }

    #[test]
    fn property_an_added_holiday_never_brings_a_deadline_forward() {
        let base = holidays();
        let mut g = Cases(17);
        for _ in 0..CASES / 4 {
            let (from, unit, count, offset) = g.case();
            let mut more = base.clone();
            let extra = from.to_offset(offset).date().saturating_add(Duration::days(1 + g.below(20) as i64));
            more.insert(extra);
            let before = deadline(unit, count, from, offset, &base);
            let after = deadline(unit, count, from, offset, &more);
            assert!(after >= before, "holiday {extra}: {before} → {after}");
            if unit != Unit::HariKerja {
                assert_eq!(after, before, "calendar periods ignore holidays");
            }
        }
    }
}
