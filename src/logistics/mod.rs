//! Logistik: what every TPS needs (item rules per election, with their legal source), stock
//! at each tier, shipments down the tiers KPU kab/kota → PPK → PPS → KPPS with co-signed
//! handovers and their discrepancies, and the readiness of every TPS before H-1.

pub mod api;
pub mod demo;
pub mod field;
pub mod pages;
pub mod shipments;
pub mod store;

use serde::Serialize;

use crate::elections::{ElectionDef, ElectionKind};
use crate::regions::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// DPT plus the statutory reserve, for each contest held at the TPS.
    Ballots,
    /// `qty` for each contest held at the TPS.
    PerContest,
    /// `qty` per TPS.
    PerTps,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Ballots => "ballots",
            Basis::PerContest => "per_contest",
            Basis::PerTps => "per_tps",
        }
    }
    pub fn parse(s: &str) -> Option<Basis> {
        Some(match s {
            "ballots" => Basis::Ballots,
            "per_contest" => Basis::PerContest,
            "per_tps" => Basis::PerTps,
            _ => return None,
        })
    }
}

/// One line of the catalogue: how much of an item a TPS needs.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemRule {
    /// `surat_suara:<contest>`, `kotak_suara`, `bilik_suara`, `tinta`, `segel`, …
    pub key: String,
    pub name: String,
    pub basis: Basis,
    /// Units per TPS or per contest (unused for ballots).
    pub qty: i64,
    /// Ballot reserve in basis points of DPT (200 = 2 %), rounded up per TPS.
    pub reserve_bp: i64,
    pub source: String,
}

/// Pemilu: DPT + 2 % per TPS, rounded up (UU 7/2017 with Keputusan KPU 1281/2023; the
/// rounding as a PPK chair described it, radarutara.disway.id/read/660725).
/// Pilkada: DPT + 2.5 % (UU 1/2015 Ps 80(1), unchanged by UU 10/2016; rounding up assumed by
/// analogy — to be confirmed against the PKPU on logistics).
pub fn reserve_bp(kind: ElectionKind) -> i64 {
    match kind {
        ElectionKind::Pemilu => 200,
        ElectionKind::Pilkada => 250,
    }
}

/// The default catalogue. Quantities other than ballots and boxes are the usual set per TPS
/// and marked as such: an admin edits them to the KPU technical decision in force.
pub fn default_rules(election: &ElectionDef) -> Vec<ItemRule> {
    let bp = reserve_bp(election.kind);
    let law = match election.kind {
        ElectionKind::Pemilu => "UU 7/2017 Ps 341; PKPU 14/2023; Kep KPU 1281/2023",
        ElectionKind::Pilkada => "UU 1/2015 jo. UU 10/2016 Ps 80-81",
    };
    let mut rules: Vec<ItemRule> = election
        .contests
        .iter()
        .map(|c| ItemRule {
            key: format!("surat_suara:{}", c.key),
            name: format!("Surat suara {}", c.name),
            basis: Basis::Ballots,
            qty: 0,
            reserve_bp: bp,
            source: format!("{law}: DPT + {}% cadangan, dibulatkan ke atas per TPS", bp as f64 / 100.0),
        })
        .collect();
    let fixed = |key: &str, name: &str, basis: Basis, qty: i64, source: &str| ItemRule {
        key: key.into(),
        name: name.into(),
        basis,
        qty,
        reserve_bp: 0,
        source: source.into(),
    };
    rules.push(fixed("kotak_suara", "Kotak suara", Basis::PerContest, 1, "satu kotak per jenis pemilihan (Kep KPU 999/2018 untuk 2019)"));
    rules.push(fixed("bilik_suara", "Bilik suara", Basis::PerTps, 4, "kebiasaan 4 bilik per TPS; sesuaikan dengan keputusan KPU"));
    rules.push(fixed("tinta", "Tinta", Basis::PerTps, 2, "perkiraan 2 botol per TPS; sesuaikan dengan keputusan KPU"));
    rules.push(fixed("segel", "Segel", Basis::PerContest, 10, "perkiraan 10 segel per kotak; sesuaikan dengan keputusan KPU"));
    rules.push(fixed("formulir", "Set formulir (C.Hasil, salinan, daftar hadir)", Basis::PerContest, 1, "satu set per jenis pemilihan"));
    rules.push(fixed("sampul", "Set sampul", Basis::PerContest, 1, "satu set per jenis pemilihan"));
    rules
}

/// TPS of Pemilu 2024, the larger of the two elections (DOMAIN-RULES §10: 820,161 in the
/// country and 3,059 abroad).
pub const TPS_NATIONAL: i64 = 823_220;

/// The most one catalogue rule may ask of an item per TPS or per contest.
pub const MAX_RULE_QTY: i64 = 100_000;

/// The most of one item a receipt or a delivery may count: what the whole country could need
/// of it, every TPS at the catalogue's largest quantity. Anything larger is a typing error,
/// and with every quantity under it the stock sums stay exact.
pub const MAX_QTY: i64 = TPS_NATIONAL * MAX_RULE_QTY;

/// A quantity typed for `field`: from `min` to `MAX_QTY`.
pub fn quantity(field: &str, n: i64, min: i64) -> Result<i64, crate::platform::error::AppError> {
    if n < min || n > MAX_QTY {
        return Err(crate::platform::error::AppError::invalid(
            field,
            crate::tr!(
                "jumlah {field} harus dari {min} sampai {MAX_QTY} (kebutuhan seluruh TPS di Indonesia); isian {n}",
                "{field} must be from {min} to {MAX_QTY} (what every TPS in Indonesia could need); entered {n}"
            ),
        ));
    }
    Ok(n)
}

/// Spare ballots for a TPS: DPT × reserve, rounded up to a whole ballot. Computed wide, so a
/// DPT of any size gives its reserve (saturating at the largest count) instead of wrapping.
pub fn reserve(dpt: i64, reserve_bp: i64) -> i64 {
    let r = (i128::from(dpt) * i128::from(reserve_bp) + 9_999).div_euclid(10_000);
    i64::try_from(r).unwrap_or(if r < 0 { 0 } else { i64::MAX })
}

/// What one TPS needs of each item: (key, qty), in catalogue order; items of contests not
/// held at the TPS are left out.
pub fn tps_needs(rules: &[ItemRule], election: &ElectionDef, tps_code: &str, dpt: i64) -> Vec<(String, i64)> {
    let contests = election.contests_at(tps_code);
    rules
        .iter()
        .map(|r| (r.key.clone(), rule_qty(r, &contests, dpt)))
        .filter(|(_, qty)| *qty > 0)
        .collect()
}

/// How much of one item a TPS with `dpt` voters needs, given the contests held there.
pub fn rule_qty(rule: &ItemRule, contests: &[&crate::elections::ContestDef], dpt: i64) -> i64 {
    match rule.basis {
        Basis::Ballots => {
            let held = rule.key.strip_prefix("surat_suara:").is_some_and(|k| contests.iter().any(|c| c.key == k));
            if held { dpt + reserve(dpt, rule.reserve_bp) } else { 0 }
        }
        Basis::PerContest => rule.qty * contests.len() as i64,
        Basis::PerTps => rule.qty,
    }
}

/// Days before voting day by which a shipment must arrive, by the destination's tier.
/// TPS: H-1 (UU 7/2017; Bawaslu RI 26 Nov 2024: "logistik harus tiba di TPS pada H-1").
/// PPS (village) H-7 and PPK (district) H-14: KPU practice in 2019 (Arief Budiman, jpnn).
pub const ARRIVAL_DEADLINES: &[(Option<Level>, i64)] = &[(None, 1), (Some(Level::Village), 7), (Some(Level::District), 14)];

/// Days before voting day for a destination (None = a TPS); regencies get the PPK deadline.
pub fn days_before(destination: Option<Level>) -> i64 {
    let level = match destination {
        Some(Level::Regency | Level::Province) => Some(Level::District),
        other => other,
    };
    ARRIVAL_DEADLINES.iter().find(|(l, _)| *l == level).map_or(1, |(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elections::election;

    #[test]
    fn reserve_is_rounded_up_per_tps() {
        assert_eq!(reserve(250, 200), 5, "2% of 250 is exactly 5");
        assert_eq!(reserve(251, 200), 6, "5.02 rounds up to 6");
        assert_eq!(reserve(300, 250), 8, "2.5% of 300 = 7.5 → 8");
        assert_eq!(reserve(0, 250), 0);
    }

    #[test]
    fn a_tps_needs_ballots_for_its_own_contests() {
        let pilkada = election("pilkada-2024").expect("built in");
        let rules = default_rules(pilkada);
        let needs = tps_needs(&rules, pilkada, "35.76.02.1008.001", 400);
        let get = |k: &str| needs.iter().find(|(key, _)| key == k).map(|(_, q)| *q);
        assert_eq!(get("surat_suara:gubernur"), Some(410));
        assert_eq!(get("surat_suara:walikota"), Some(410));
        assert_eq!(get("surat_suara:bupati"), None, "Kota Mojokerto elects a mayor, not a regent");
        assert_eq!(get("kotak_suara"), Some(2));
        assert_eq!(get("bilik_suara"), Some(4));
        let dki = tps_needs(&rules, pilkada, "31.71.01.1001.001", 400);
        assert_eq!(dki.iter().find(|(k, _)| k == "kotak_suara").map(|(_, q)| *q), Some(1), "DKI: governor only");
        let pemilu = election("pemilu-2024").expect("built in");
        let p = tps_needs(&default_rules(pemilu), pemilu, "35.76.02.1008.001", 250);
        assert_eq!(p.iter().find(|(k, _)| k == "surat_suara:presiden").map(|(_, q)| *q), Some(255));
        assert_eq!(p.iter().find(|(k, _)| k == "kotak_suara").map(|(_, q)| *q), Some(5));
    }

    #[test]
    fn deadlines_follow_the_tier() {
        assert_eq!(days_before(None), 1);
        assert_eq!(days_before(Some(Level::Village)), 7);
        assert_eq!(days_before(Some(Level::District)), 14);
    }
}
