//! Rekap: TPS results (C.Hasil) per contest from four sources (KPU with double entry, Bawaslu's
//! copy, witnesses, the public), the arithmetic gates at entry, revisions, live aggregates per
//! region, the tiered recap (D.Hasil) checked against its children, the public results pages
//! and open data.
//!
//! Pure rules live here and in `form.rs` (the identities); `store.rs` applies them inside the
//! write and keeps the aggregates.

pub mod api;
pub mod demo;
pub mod field;
pub mod form;
pub mod leaf;
pub mod observer;
pub mod pages;
pub mod snapshot;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::platform::cache::TtlCache;
use crate::platform::error::AppError;
use crate::platform::state::AppState;
use form::Tally;

/// Candidate ids per (election, contest, regency) as the entry gate reads them, kept for a
/// minute: they are fixed long before voting day, and every result form needs them. Held in
/// the server's state (registered at start-up); a change of candidates drops it on every server (`NAME`).
pub struct CandidateCache(TtlCache<(String, String, String), Arc<Vec<String>>>);

impl Default for CandidateCache {
    fn default() -> Self {
        CandidateCache(TtlCache::new(Duration::from_secs(60), 10_000))
    }
}

impl CandidateCache {
    /// The name a change of candidates drops it under on every server.
    pub const NAME: &str = "candidates";

    pub fn forget(&self) {
        self.0.clear();
    }
}

/// Reads the public's results: an anonymous reader's from the hot standby while it keeps up
/// (`Db::read_public`, a bounded few seconds behind), an official's from the primary, so that
/// the form they just entered shows on their next page.
pub async fn read_results<T, F>(state: &AppState, anonymous: bool, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::platform::db::Conn) -> Result<T, AppError> + Clone + Send + 'static,
{
    if anonymous { state.db.read_public(f).await } else { state.db.read(f).await }
}

/// The candidate ids of a contest at a place (a TPS or region).
pub async fn candidates_of(state: &AppState, e: &'static crate::elections::ElectionDef, contest: &'static str, code: &str) -> Result<Arc<Vec<String>>, AppError> {
    // Candidates are registered per province or regency: the regency part is the key.
    let key = (e.id.to_string(), contest.to_string(), code.get(..5).unwrap_or(code).to_string());
    let cache = state.module::<CandidateCache>();
    if let Some(list) = cache.0.get(&key) {
        return Ok(list);
    }
    let code = code.to_string();
    let list = state.db.read(move |c| store::candidates_at(c, e, contest, &code)).await?;
    let list = Arc::new(list.into_iter().map(|c| c.id).collect::<Vec<_>>());
    cache.0.insert(key, list.clone());
    Ok(list)
}

/// Who entered a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// KPU's own entry (KPPS or PPS operators): double entry before it counts.
    Kpu,
    /// Bawaslu's copy (C.Hasil Salinan held by the PTPS).
    Bawaslu,
    /// A candidate's witness (any logged-in user).
    Saksi,
    /// A citizen's photo of the form (no login, rate-limited).
    Publik,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Kpu, Source::Bawaslu, Source::Saksi, Source::Publik];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Kpu => "kpu",
            Source::Bawaslu => "bawaslu",
            Source::Saksi => "saksi",
            Source::Publik => "publik",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The state of KPU's double entry for one TPS and contest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KpuStatus {
    /// No KPU entry yet.
    Empty,
    /// One entry; it does not count until a second user keys the same numbers.
    AwaitingSecond,
    /// Two users keyed the same numbers: this entry (index into the revision's entries) counts.
    Agreed(usize),
    /// The entries disagree: held for another entry that matches one of them.
    Disagree,
}

impl KpuStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            KpuStatus::Empty => "belum_masuk",
            KpuStatus::AwaitingSecond => "menunggu_entri_kedua",
            KpuStatus::Agreed(_) => "sah",
            KpuStatus::Disagree => "selisih",
        }
    }
}

/// Double-blind keying (as in Tally-Ho): within one revision, the first pair of entries by
/// different users that match field by field decides; until then one entry waits and several
/// disagreeing ones are held.
pub fn double_entry(entries: &[(&str, &Tally)]) -> KpuStatus {
    match entries.len() {
        0 => return KpuStatus::Empty,
        1 => return KpuStatus::AwaitingSecond,
        _ => {}
    }
    for (j, (user_j, tally_j)) in entries.iter().enumerate() {
        for (user_i, tally_i) in &entries[..j] {
            if user_i != user_j && tally_i == tally_j {
                return KpuStatus::Agreed(j);
            }
        }
    }
    KpuStatus::Disagree
}

/// One field on which sources differ, with each source's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldDifference {
    pub field: String,
    /// Source → its number (absent: that source did not give the field).
    pub values: std::collections::BTreeMap<String, i64>,
}

/// The fields on which any two of the given sources differ.
pub fn differences(sources: &[(&str, &Tally)]) -> Vec<FieldDifference> {
    let mut by_field: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> = Default::default();
    for (source, tally) in sources {
        for (field, n) in tally.fields() {
            by_field.entry(field).or_default().insert(source.to_string(), n);
        }
    }
    by_field
        .into_iter()
        .filter(|(_, values)| {
            let mut it = values.values();
            let first = it.next();
            values.len() < sources.len() || it.any(|v| Some(v) != first)
        })
        .map(|(field, values)| FieldDifference { field, values })
        .collect()
}

/// A TPS whose valid votes all went to one candidate is flagged above this many valid votes.
pub const ONE_CANDIDATE_THRESHOLD: i64 = 100;

/// What looks wrong in a counted result, even when its arithmetic holds.
pub fn anomalies(t: &Tally, reserve_bp: i64) -> Vec<&'static str> {
    let mut out = vec![];
    // Saturating sums: a counted form is within its bounds, and a stored one from before they
    // existed must still be shown, not wrap.
    let registered = t.voters.iter().filter(|(k, _)| k.as_str() != form::TOTAL_ROW).fold(0i64, |a, (_, v)| a.saturating_add(v.sum()));
    if t.users_total() > registered {
        out.push("partisipasi_di_atas_100");
    }
    let dpt = t.dpt();
    if t.valid.saturating_add(t.invalid) > dpt.saturating_add(form::reserve(dpt, reserve_bp)) {
        out.push("suara_melebihi_dpt_cadangan");
    }
    if t.valid > ONE_CANDIDATE_THRESHOLD && t.votes.values().any(|v| *v == t.valid) {
        out.push("satu_calon_semua_suara");
    }
    out
}

/// What an anomaly key of [`anomalies`] means, as people read it (pages and spreadsheets; the
/// API keeps the keys).
pub fn anomaly_label(kind: &str) -> crate::platform::i18n::Text {
    use crate::tr;
    match kind {
        "partisipasi_di_atas_100" => tr!("pengguna hak pilih melebihi pemilih terdaftar", "more voters than registered"),
        "suara_melebihi_dpt_cadangan" => tr!("suara melebihi DPT ditambah cadangan", "votes exceed the DPT plus the reserve"),
        "satu_calon_semua_suara" => tr!("semua suara sah untuk satu calon", "every valid vote for one candidate"),
        other => crate::platform::i18n::Text::new(other.to_string(), other.to_string()),
    }
}

/// The anomalies stored with a result (comma-separated keys) as one readable line.
pub fn anomaly_labels(lang: crate::platform::i18n::Lang, stored: &[&str]) -> String {
    stored.iter().filter(|k| !k.is_empty()).map(|k| anomaly_label(k).get(lang).to_string()).collect::<Vec<_>>().join("; ")
}

/// The presidential pairs of 2024 (KPU decision 1632/2023, ballot numbers).
pub const PRESIDENTIAL_PAIRS: &[(&str, &str)] = &[
    ("01", "H. Anies Rasyid Baswedan, Ph.D. – Dr. (H.C.) H. A. Muhaimin Iskandar"),
    ("02", "H. Prabowo Subianto – Gibran Rakabuming Raka"),
    ("03", "H. Ganjar Pranowo, S.H., M.I.P. – Prof. Dr. H. M. Mahfud MD"),
];

/// The national parties of Pemilu 2024 with their ballot numbers (KPU decision 552/2022 and
/// 518/2022): legislative results are entered here per party (votes for the party and its
/// candidates together).
pub const NATIONAL_PARTIES: &[(&str, &str)] = &[
    ("01", "Partai Kebangkitan Bangsa"),
    ("02", "Partai Gerakan Indonesia Raya"),
    ("03", "Partai Demokrasi Indonesia Perjuangan"),
    ("04", "Partai Golongan Karya"),
    ("05", "Partai NasDem"),
    ("06", "Partai Buruh"),
    ("07", "Partai Gelombang Rakyat Indonesia"),
    ("08", "Partai Keadilan Sejahtera"),
    ("09", "Partai Kebangkitan Nusantara"),
    ("10", "Partai Hati Nurani Rakyat"),
    ("11", "Partai Garda Republik Indonesia"),
    ("12", "Partai Amanat Nasional"),
    ("13", "Partai Bulan Bintang"),
    ("14", "Partai Demokrat"),
    ("15", "Partai Solidaritas Indonesia"),
    ("16", "Partai Persatuan Indonesia"),
    ("17", "Partai Persatuan Pembangunan"),
    ("24", "Partai Ummat"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use form::{Ballots, Lp};

    fn tally(v1: i64) -> Tally {
        Tally {
            votes: [("01".to_string(), v1), ("02".to_string(), 10)].into(),
            valid: v1 + 10,
            ballots: Ballots { received: 0, used: v1 + 10, spoiled: 0, unused: 0 },
            voters: [("dpt".to_string(), Lp { l: 100, p: 100, total: None })].into(),
            ..Tally::default()
        }
    }

    #[test]
    fn two_users_must_agree() {
        let (a, b) = (tally(5), tally(6));
        assert_eq!(double_entry(&[]), KpuStatus::Empty);
        assert_eq!(double_entry(&[("u1", &a)]), KpuStatus::AwaitingSecond);
        assert_eq!(double_entry(&[("u1", &a), ("u1", &a)]), KpuStatus::Disagree, "the same user twice proves nothing");
        assert_eq!(double_entry(&[("u1", &a), ("u2", &a)]), KpuStatus::Agreed(1));
        assert_eq!(double_entry(&[("u1", &a), ("u2", &b)]), KpuStatus::Disagree);
        assert_eq!(double_entry(&[("u1", &a), ("u2", &b), ("u3", &b)]), KpuStatus::Agreed(2), "a third entry settles it");
        assert_eq!(double_entry(&[("u1", &a), ("u2", &b), ("u3", &tally(7))]), KpuStatus::Disagree);
    }

    #[test]
    fn differences_name_the_field_and_each_source() {
        let d = differences(&[("kpu", &tally(5)), ("bawaslu", &tally(8))]);
        let fields: Vec<&str> = d.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["ballots.used", "valid", "votes.01"]);
        assert_eq!(d[2].values, [("bawaslu".to_string(), 8), ("kpu".to_string(), 5)].into());
        assert!(differences(&[("kpu", &tally(5)), ("saksi", &tally(5))]).is_empty());
    }

    #[test]
    fn anomalies_flag_what_arithmetic_cannot() {
        assert!(anomalies(&tally(5), 200).is_empty());
        let mut t = tally(150);
        t.votes.insert("02".into(), 0);
        t.valid = 150;
        assert_eq!(anomalies(&t, 200), ["satu_calon_semua_suara"]);
        let mut t = tally(250);
        t.users.insert("dpt".into(), Lp { l: 130, p: 130, total: None });
        assert_eq!(anomalies(&t, 200), ["partisipasi_di_atas_100", "suara_melebihi_dpt_cadangan"]);
    }
}
