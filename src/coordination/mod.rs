//! Koordinasi: the stages (tahapan) of each election and its iCalendar feed, coordination
//! meetings whose decisions become action items owned by agency units, and the supervision
//! budget with its NPHD grants. The schedule and the grant tranche defaults are cited tables
//! here; the rules over them (a stage's status on a local date, an action's lateness, tranche
//! amounts that add up to the grant, absorption) are pure functions.

pub mod api;
pub mod demo;
pub mod pages;
pub mod store;

use time::{Date, Month};

use crate::agencies::AgencyKind;
use crate::elections::ElectionKind;
use crate::platform::i18n::Text;
use crate::tr;

/// One stage of the official schedule. `level` marks a sub-stage held at one tier of the
/// recap (`district`, `regency`, `province`) under `parent`.
#[derive(Debug, Clone, Copy)]
pub struct StageDef {
    pub key: &'static str,
    pub name: &'static str,
    pub start: (i32, u8, u8),
    pub end: (i32, u8, u8),
    pub agencies: &'static [AgencyKind],
    pub parent: Option<&'static str>,
    pub level: Option<&'static str>,
    pub source: &'static str,
}

use AgencyKind::{Bawaslu, Dkpp, Kejaksaan, Kpu, Pemda, Polri, Tni};

const PKPU_2_2024: &str = "PKPU 2/2024 (26 Jan 2024), lampiran tahapan Pilkada 2024";
const PKPU_2_2024_REKAP: &str = "PKPU 2/2024, jadwal rekapitulasi (liputan6 5811790; kontan)";
const PKPU_3_2022: &str = "PKPU 3/2022 (9 Jun 2022), lampiran tahapan Pemilu 2024";

const fn stage(key: &'static str, name: &'static str, start: (i32, u8, u8), end: (i32, u8, u8), agencies: &'static [AgencyKind], source: &'static str) -> StageDef {
    StageDef { key, name, start, end, agencies, parent: None, level: None, source }
}

const fn sub(key: &'static str, name: &'static str, start: (i32, u8, u8), end: (i32, u8, u8), parent: &'static str, level: &'static str) -> StageDef {
    StageDef { key, name, start, end, agencies: &[Kpu, Bawaslu], parent: Some(parent), level: Some(level), source: PKPU_2_2024_REKAP }
}

/// Pilkada serentak 2024 (DOMAIN-RULES 7.1). The two preparatory stages that only have an end
/// date in the sources (programme planning until 26 Jan 2024, regulations until 18 Nov 2024)
/// are left out rather than given an invented start.
pub const PILKADA_2024: &[StageDef] = &[
    stage("pendaftaran_pemantau", "Pemberitahuan dan pendaftaran pemantau pemilihan", (2024, 2, 27), (2024, 11, 16), &[Kpu], PKPU_2_2024),
    stage("pembentukan_badan_adhoc", "Pembentukan PPK, PPS dan KPPS", (2024, 4, 17), (2024, 11, 5), &[Kpu], PKPU_2_2024),
    stage("penyerahan_dp4", "Penyerahan daftar penduduk potensial pemilih (DP4)", (2024, 4, 24), (2024, 5, 31), &[Kpu, Pemda], PKPU_2_2024),
    stage("syarat_dukungan_perseorangan", "Pemenuhan syarat dukungan pasangan calon perseorangan", (2024, 5, 5), (2024, 8, 19), &[Kpu, Bawaslu], PKPU_2_2024),
    stage("pemutakhiran_data_pemilih", "Pemutakhiran dan penyusunan daftar pemilih", (2024, 5, 31), (2024, 9, 23), &[Kpu, Bawaslu, Pemda], PKPU_2_2024),
    stage("pengumuman_pendaftaran", "Pengumuman pendaftaran pasangan calon", (2024, 8, 24), (2024, 8, 26), &[Kpu], PKPU_2_2024),
    stage("pendaftaran_paslon", "Pendaftaran pasangan calon", (2024, 8, 27), (2024, 8, 29), &[Kpu, Bawaslu, Polri], PKPU_2_2024),
    stage("penelitian_persyaratan", "Penelitian persyaratan calon", (2024, 8, 27), (2024, 9, 21), &[Kpu, Bawaslu], PKPU_2_2024),
    stage("penetapan_paslon", "Penetapan pasangan calon", (2024, 9, 22), (2024, 9, 22), &[Kpu], PKPU_2_2024),
    stage("pengundian_nomor_urut", "Pengundian dan pengumuman nomor urut", (2024, 9, 23), (2024, 9, 23), &[Kpu, Polri], PKPU_2_2024),
    stage("kampanye", "Kampanye", (2024, 9, 25), (2024, 11, 23), &[Kpu, Bawaslu, Polri, Tni, Pemda], PKPU_2_2024),
    stage("masa_tenang", "Masa tenang", (2024, 11, 24), (2024, 11, 26), &[Kpu, Bawaslu, Polri, Tni], "PKPU 2/2024 [R: masa tenang as reported]"),
    stage("pemungutan_suara", "Pemungutan suara", (2024, 11, 27), (2024, 11, 27), &[Kpu, Bawaslu, Polri, Tni, Pemda, Kejaksaan], PKPU_2_2024),
    stage("penghitungan_rekapitulasi", "Penghitungan suara dan rekapitulasi hasil", (2024, 11, 27), (2024, 12, 16), &[Kpu, Bawaslu, Polri, Tni], PKPU_2_2024),
    sub("penyerahan_hasil_pps", "Penyerahan hasil TPS dari PPS ke PPK", (2024, 11, 28), (2024, 11, 30), "penghitungan_rekapitulasi", "village"),
    sub("rekapitulasi_ppk", "Rekapitulasi di PPK (kecamatan)", (2024, 11, 28), (2024, 12, 3), "penghitungan_rekapitulasi", "district"),
    sub("rekapitulasi_kabkota", "Rekapitulasi di KPU kabupaten/kota", (2024, 11, 29), (2024, 12, 6), "penghitungan_rekapitulasi", "regency"),
    sub("rekapitulasi_provinsi", "Rekapitulasi di KPU provinsi (pemilihan gubernur)", (2024, 11, 30), (2024, 12, 9), "penghitungan_rekapitulasi", "province"),
];

/// Pemilu 2024 (DOMAIN-RULES 7.2).
pub const PEMILU_2024: &[StageDef] = &[
    stage("program_anggaran", "Perencanaan program dan anggaran", (2022, 6, 14), (2024, 6, 14), &[Kpu, Bawaslu], PKPU_3_2022),
    stage("penyusunan_peraturan", "Penyusunan peraturan KPU", (2022, 6, 14), (2023, 12, 14), &[Kpu], PKPU_3_2022),
    stage("pendaftaran_verifikasi_parpol", "Pendaftaran dan verifikasi partai politik", (2022, 7, 29), (2022, 12, 13), &[Kpu, Bawaslu], PKPU_3_2022),
    stage("pemutakhiran_data_pemilih", "Pemutakhiran data dan penyusunan daftar pemilih", (2022, 10, 14), (2023, 6, 21), &[Kpu, Bawaslu, Pemda], PKPU_3_2022),
    stage("penetapan_dapil", "Penetapan jumlah kursi dan daerah pemilihan", (2022, 10, 14), (2023, 2, 9), &[Kpu], PKPU_3_2022),
    stage("pencalonan_dpd", "Pencalonan anggota DPD", (2022, 12, 6), (2023, 11, 25), &[Kpu, Bawaslu], PKPU_3_2022),
    stage("penetapan_peserta", "Penetapan partai politik peserta pemilu", (2022, 12, 14), (2022, 12, 14), &[Kpu], PKPU_3_2022),
    stage("pencalonan_dpr_dprd", "Pencalonan anggota DPR, DPRD provinsi dan DPRD kabupaten/kota", (2023, 4, 24), (2023, 11, 25), &[Kpu, Bawaslu], PKPU_3_2022),
    stage("pencalonan_presiden", "Pencalonan presiden dan wakil presiden", (2023, 10, 19), (2023, 11, 25), &[Kpu, Bawaslu, Polri], PKPU_3_2022),
    stage("kampanye", "Kampanye", (2023, 11, 28), (2024, 2, 10), &[Kpu, Bawaslu, Polri, Tni, Pemda], PKPU_3_2022),
    stage("masa_tenang", "Masa tenang", (2024, 2, 11), (2024, 2, 13), &[Kpu, Bawaslu, Polri, Tni], PKPU_3_2022),
    stage("pemungutan_suara", "Pemungutan suara", (2024, 2, 14), (2024, 2, 14), &[Kpu, Bawaslu, Polri, Tni, Pemda, Kejaksaan], PKPU_3_2022),
    stage("penghitungan_suara", "Penghitungan suara di TPS", (2024, 2, 14), (2024, 2, 15), &[Kpu, Bawaslu, Polri, Tni], PKPU_3_2022),
    stage("rekapitulasi", "Rekapitulasi hasil penghitungan suara", (2024, 2, 15), (2024, 3, 20), &[Kpu, Bawaslu, Polri, Tni], PKPU_3_2022),
    stage("sumpah_dpr_dpd", "Pengucapan sumpah/janji anggota DPR dan DPD", (2024, 10, 1), (2024, 10, 1), &[Kpu, Dkpp], PKPU_3_2022),
    stage("sumpah_presiden", "Pengucapan sumpah/janji presiden dan wakil presiden", (2024, 10, 20), (2024, 10, 20), &[Kpu, Polri, Tni], PKPU_3_2022),
];

pub fn schedule(kind: ElectionKind) -> &'static [StageDef] {
    match kind {
        ElectionKind::Pemilu => PEMILU_2024,
        ElectionKind::Pilkada => PILKADA_2024,
    }
}

pub fn date_of((y, m, d): (i32, u8, u8)) -> Date {
    Month::try_from(m).ok().and_then(|m| Date::from_calendar_date(y, m, d).ok()).unwrap_or(Date::MIN)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageStatus {
    Upcoming,
    Running,
    Done,
}

impl StageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::Upcoming => "akan_datang",
            StageStatus::Running => "berlangsung",
            StageStatus::Done => "selesai",
        }
    }
}

/// A stage runs from its first to its last day inclusive, in the local calendar of the region
/// asking (so the same instant can be voting day in Papua and masa tenang in Jakarta).
pub fn stage_status(start: Date, end: Date, on: Date) -> StageStatus {
    if on < start {
        StageStatus::Upcoming
    } else if on > end {
        StageStatus::Done
    } else {
        StageStatus::Running
    }
}

/// A stage key: lower-case words joined by `_` (what it is, `sosialisasi_tahapan`).
pub fn parse_key(s: &str) -> Result<String, Text> {
    let ok = (3..=60).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') && s.as_bytes()[0].is_ascii_lowercase();
    if ok { Ok(s.to_string()) } else { Err(tr!("3–60 huruf kecil a–z, angka 0–9 dan '_', diawali huruf (mis. sosialisasi_tahapan)", "3–60 of a–z, 0–9 and '_', starting with a letter (e.g. sosialisasi_tahapan)")) }
}

// ---------------------------------------------------------------------------------------------
// Meetings and action items

/// Keyed choices stored as their key and shown by name (`web::label` with their prefix): the
/// store takes these types, so a write cannot carry a key that is not one of them.
macro_rules! keyed {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s.trim())
            }
        }
    };
}

keyed!(
    /// What kind of meeting it is (shown as `ko.kind.*`).
    MeetingKind { Rakor => "rakor", Fgd => "fgd", Sosialisasi => "sosialisasi", Konsolidasi => "konsolidasi" }
);
keyed!(
    /// What the host records of an invited unit (`diundang`, invited without an answer yet, is
    /// only the stored default; shown as `ko.att.*`).
    Attendance { Hadir => "hadir", Diwakili => "diwakili", TidakHadir => "tidak_hadir" }
);
keyed!(
    /// The states an action item is moved to (`terlambat` is derived from the due day, never
    /// set; shown as `ko.action.*`).
    ActionState { Terbuka => "terbuka", Berjalan => "berjalan", Selesai => "selesai" }
);

/// What an action item shows: its stored status, or `terlambat` once the due day has passed
/// in the owner's local calendar without it being finished.
pub fn action_status(stored: &str, due: Date, today: Date) -> &'static str {
    match stored {
        "selesai" => "selesai",
        _ if today > due => "terlambat",
        "berjalan" => "berjalan",
        _ => "terbuka",
    }
}

// ---------------------------------------------------------------------------------------------
// Budget and NPHD grants

/// How a grant is paid, by Permendagri 54/2019 as amended by Permendagri 41/2020 (DOMAIN-RULES
/// 9): staged, 40 % within 14 working days of signing and 60 % no later than five months
/// before voting day; or all at once within 14 days of signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrancheDue {
    WorkingDaysAfterSigning(u32),
    DaysAfterSigning(u32),
    MonthsBeforeVoting(u8),
}

pub struct TrancheRule {
    pub share_percent: i64,
    pub due: TrancheDue,
}

pub const STAGED: &[TrancheRule] = &[
    TrancheRule { share_percent: 40, due: TrancheDue::WorkingDaysAfterSigning(14) },
    TrancheRule { share_percent: 60, due: TrancheDue::MonthsBeforeVoting(5) },
];
pub const AT_ONCE: &[TrancheRule] = &[TrancheRule { share_percent: 100, due: TrancheDue::DaysAfterSigning(14) }];
pub const GRANT_SOURCE: &str = "Permendagri 54/2019 jo. Permendagri 41/2020 (pencairan hibah Pilkada)";

/// The same day `months` earlier (the last day of the month when that day does not exist).
pub fn months_before(day: Date, months: u8) -> Date {
    let total = day.year() * 12 + i32::from(u8::from(day.month())) - 1 - i32::from(months);
    let (y, m) = (total.div_euclid(12), u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1));
    let month = Month::try_from(m).unwrap_or(Month::January);
    let last = time::util::days_in_month(month, y);
    Date::from_calendar_date(y, month, day.day().min(last)).unwrap_or(day)
}

/// The most rupiah one amount may be: a budget line's plan, a grant, one realisation or one
/// disbursement. No single amount in an election's books is larger than a whole national
/// election, and none was near this:
///
/// | what | rupiah | source |
/// |---|---|---|
/// | Pemilu 2024, whole budget over 2022–2024 | about 71,3 triliun | Kementerian Keuangan, as reported |
/// | Pilkada 2024, all NPHD grants together | about 37 triliun | Kemendagri, as reported |
/// | this ceiling | 100 triliun | above both, with room |
///
/// Keeping every amount under it keeps every sum exact in whole rupiah: it takes more than
/// 92.000 amounts at the ceiling before a total could leave a 64-bit integer.
pub const MAX_RUPIAH: i64 = 100_000_000_000_000;

/// A total of rupiah, exact (wide arithmetic) and saturating rather than wrapping past the
/// largest 64-bit amount (unreachable with every amount under `MAX_RUPIAH`).
pub fn total_rupiah(amounts: impl IntoIterator<Item = i64>) -> i64 {
    let t: i128 = amounts.into_iter().map(i128::from).sum();
    i64::try_from(t).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX })
}

/// Splits a grant into tranche amounts by share; the last tranche takes the rounding
/// remainder so the amounts add up to the grant exactly.
pub fn tranche_amounts(total: i64, shares: &[i64]) -> Vec<i64> {
    // Wide arithmetic: `total × share` of a large grant must not wrap.
    let mut out: Vec<i64> = shares.iter().map(|s| i64::try_from(i128::from(total) * i128::from(*s) / 100).unwrap_or(0)).collect();
    let assigned = total_rupiah(out.iter().copied());
    if let Some(last) = out.last_mut() {
        *last = last.saturating_add(total.saturating_sub(assigned));
    }
    out
}

/// Rupiah as officials type them in a form: `1250000`, `1.250.000`, `Rp 1.250.000`, or with the
/// Indonesian decimal comma and zero cents, `1.250.000,00` (what a spreadsheet copies). The
/// budget is in whole rupiah: a non-zero fraction (`1.250.000,50`) is refused, and so is a
/// grouping that is not by thousands (`12.50`, an English decimal point) rather than guessed.
/// This is the one reading of a typed amount; every money field of a page form uses it.
pub fn parse_rupiah(s: &str) -> Result<i64, Text> {
    let t = s.trim();
    let t = t.strip_prefix("Rp.").or_else(|| t.strip_prefix("Rp")).or_else(|| t.strip_prefix("rp")).unwrap_or(t).trim();
    let shown = s.trim();
    let (whole, fraction) = match t.split_once(',') {
        Some((w, f)) => (w.trim(), Some(f.trim())),
        None => (t, None),
    };
    if let Some(f) = fraction {
        if f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(tr!(
                "{shown:?} bukan jumlah rupiah; tulis misalnya 1.250.000 atau 1.250.000,00",
                "{shown:?} is not an amount of rupiah; write for example 1.250.000 or 1.250.000,00"
            ));
        }
        if f.bytes().any(|b| b != b'0') {
            return Err(tr!(
                "{shown:?}: anggaran dicatat dalam rupiah bulat, tanpa sen (,{f})",
                "{shown:?}: the budget is kept in whole rupiah, without cents (,{f})"
            ));
        }
    }
    let groups: Vec<&str> = whole.split(['.', ' ']).collect();
    let grouped = groups.len() > 1;
    let ok = !whole.is_empty()
        && groups.iter().all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && (!grouped || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)));
    if !ok {
        return Err(tr!(
            "{shown:?} bukan jumlah rupiah; tulis angka dengan titik ribuan, misalnya 1.250.000",
            "{shown:?} is not an amount of rupiah; write digits with dots between thousands, e.g. 1.250.000"
        ));
    }
    groups.concat().parse().map_err(|_| tr!("{shown:?} terlalu besar untuk jumlah rupiah", "{shown:?} is too large for an amount of rupiah"))
}

/// Rupiah as officials write them: `Rp 1.250.000`.
pub fn rupiah(n: i64) -> String {
    format!("Rp {}", crate::platform::web::number(crate::platform::web::Lang::Id, n))
}

// ---------------------------------------------------------------------------------------------
// iCalendar (RFC 5545)

pub struct CalendarEvent {
    pub uid: String,
    pub start: Date,
    pub end: Date,
    pub summary: String,
    pub description: String,
}

fn ical_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 3.1) without splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn ical_date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An all-day event per stage; DTEND is the day after the last day, as RFC 5545 wants for
/// DATE values.
pub fn icalendar(name: &str, events: &[CalendarEvent], stamp: time::OffsetDateTime) -> String {
    let stamp = stamp.to_offset(time::UtcOffset::UTC);
    let dtstamp = format!("{}T{:02}{:02}{:02}Z", ical_date(stamp.date()), stamp.hour(), stamp.minute(), stamp.second());
    let mut out = String::new();
    for l in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sinergi//Tahapan Pemilihan//ID", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"] {
        fold(l, &mut out);
    }
    fold(&format!("X-WR-CALNAME:{}", ical_text(name)), &mut out);
    fold("X-WR-TIMEZONE:Asia/Jakarta", &mut out);
    for e in events {
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:{}", e.uid), &mut out);
        fold(&format!("DTSTAMP:{dtstamp}"), &mut out);
        fold(&format!("DTSTART;VALUE=DATE:{}", ical_date(e.start)), &mut out);
        fold(&format!("DTEND;VALUE=DATE:{}", ical_date(e.end.next_day().unwrap_or(e.end))), &mut out);
        fold(&format!("SUMMARY:{}", ical_text(&e.summary)), &mut out);
        fold(&format!("DESCRIPTION:{}", ical_text(&e.description)), &mut out);
        fold("TRANSP:TRANSPARENT", &mut out);
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// Grants of any size up to the ceiling split into any shares add up to the grant exactly;
    /// totals and absorption never wrap or panic, whatever the amounts.
    #[test]
    fn property_money_is_exact_and_never_wraps() {
        let mut g = crate::platform::cases::Cases::new(5);
        for case in 0..20_000 {
            let total = 1 + g.upto(MAX_RUPIAH - 1);
            let mut shares = vec![];
            let mut left = 100;
            while left > 0 {
                let s = 1 + g.upto(left - 1);
                shares.push(s);
                left -= s;
            }
            let parts = tranche_amounts(total, &shares);
            assert_eq!(parts.iter().map(|p| i128::from(*p)).sum::<i128>(), i128::from(total), "case {case}: {total} by {shares:?}");
            assert!(parts.iter().all(|p| *p >= 0), "case {case}");
            let (a, b) = (g.edgy(MAX_RUPIAH), g.edgy(MAX_RUPIAH));
            let t = total_rupiah([a, b, i64::MAX]);
            let exact = i128::from(a) + i128::from(b) + i128::from(i64::MAX);
            assert!(i128::from(t) == exact || (t == i64::MAX && exact > i128::from(i64::MAX)) || (t == i64::MIN && exact < i128::from(i64::MIN)), "case {case}");
            let p = crate::platform::web::share(a, b, 2);
            assert!(p >= 0.0 || a < 0, "case {case}: {a}/{b} = {p}");
            let _ = tranche_amounts(a, &shares);
        }
        assert_eq!(tranche_amounts(MAX_RUPIAH, &[40, 60]), vec![40_000_000_000_000, 60_000_000_000_000]);
        assert_eq!(total_rupiah([i64::MAX, i64::MAX]), i64::MAX, "saturates, never wraps negative");
    }

    #[test]
    fn a_stage_runs_from_its_first_to_its_last_day() {
        let (s, e) = (date!(2024 - 11 - 24), date!(2024 - 11 - 26));
        assert_eq!(stage_status(s, e, date!(2024 - 11 - 23)), StageStatus::Upcoming);
        assert_eq!(stage_status(s, e, s), StageStatus::Running);
        assert_eq!(stage_status(s, e, e), StageStatus::Running);
        assert_eq!(stage_status(s, e, date!(2024 - 11 - 27)), StageStatus::Done);
    }

    #[test]
    fn schedules_are_ordered_dates_with_unique_keys() {
        for table in [PILKADA_2024, PEMILU_2024] {
            for (i, s) in table.iter().enumerate() {
                assert!(date_of(s.start) <= date_of(s.end), "{}", s.key);
                assert!(date_of(s.start) > Date::MIN, "{}", s.key);
                assert!(parse_key(s.key).is_ok(), "{}", s.key);
                assert!(table[..i].iter().all(|o| o.key != s.key), "{} twice", s.key);
                if let Some(p) = s.parent {
                    let parent = table.iter().find(|o| o.key == p).expect("parent exists");
                    assert!(date_of(parent.start) <= date_of(s.start) && date_of(s.end) <= date_of(parent.end), "{} inside {p}", s.key);
                }
            }
        }
        let voting = PILKADA_2024.iter().find(|s| s.key == "pemungutan_suara").map(|s| date_of(s.start));
        assert_eq!(voting, Some(date!(2024 - 11 - 27)));
    }

    #[test]
    fn an_action_is_late_after_its_due_day_unless_finished() {
        let due = date!(2024 - 10 - 20);
        assert_eq!(action_status("terbuka", due, due), "terbuka");
        assert_eq!(action_status("berjalan", due, due), "berjalan");
        assert_eq!(action_status("berjalan", due, date!(2024 - 10 - 21)), "terlambat");
        assert_eq!(action_status("selesai", due, date!(2025 - 1 - 1)), "selesai");
    }

    #[test]
    fn tranches_add_up_to_the_grant_exactly() {
        assert_eq!(tranche_amounts(10_000_000_001, &[40, 60]), vec![4_000_000_000, 6_000_000_001]);
        assert_eq!(tranche_amounts(1, &[40, 60]), vec![0, 1]);
        assert_eq!(tranche_amounts(999, &[100]), vec![999]);
        assert_eq!(tranche_amounts(100, &[33, 33, 34]).iter().sum::<i64>(), 100);
    }

    #[test]
    fn five_months_before_voting_day() {
        assert_eq!(months_before(date!(2024 - 11 - 27), 5), date!(2024 - 6 - 27));
        assert_eq!(months_before(date!(2024 - 7 - 31), 5), date!(2024 - 2 - 29));
        assert_eq!(months_before(date!(2024 - 2 - 14), 5), date!(2023 - 9 - 14));
    }

    #[test]
    fn rupiah_as_typed() {
        assert_eq!(parse_rupiah("Rp 1.250.000"), Ok(1_250_000));
        assert_eq!(parse_rupiah("450000000"), Ok(450_000_000));
        assert_eq!(parse_rupiah("1.250.000,00"), Ok(1_250_000));
        assert_eq!(parse_rupiah("Rp1.250.000,0"), Ok(1_250_000));
        assert_eq!(parse_rupiah("Rp. 1 250 000"), Ok(1_250_000));
        assert!(parse_rupiah("1.250.000,50").is_err_and(|m| m.id().contains("rupiah bulat") && m.en().contains("whole rupiah")));
        assert!(parse_rupiah("1.250,50").is_err());
        assert!(parse_rupiah("12.50").is_err(), "an English decimal point is not read as thousands");
        assert!(parse_rupiah("1,250,000").is_err());
        assert!(parse_rupiah("-5").is_err());
        assert!(parse_rupiah("99999999999999999999").is_err_and(|m| m.id().contains("terlalu besar")));
        assert!(parse_rupiah("satu juta").is_err());
        assert!(parse_rupiah("").is_err());
    }

    #[test]
    fn calendar_lines_are_escaped_and_folded() {
        let ev = CalendarEvent {
            uid: "a@sinergi".into(),
            start: date!(2024 - 11 - 27),
            end: date!(2024 - 11 - 27),
            summary: "Pemungutan suara; TPS, semua".into(),
            description: "x".repeat(200),
        };
        let cal = icalendar("Pilkada", &[ev], time::OffsetDateTime::UNIX_EPOCH);
        assert!(cal.contains("SUMMARY:Pemungutan suara\\; TPS\\, semua\r\n"));
        assert!(cal.contains("DTEND;VALUE=DATE:20241128\r\n"));
        assert!(cal.split("\r\n").all(|l| l.len() <= 75), "every line folded");
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
    }
}
