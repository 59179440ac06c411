//! The TPS result form (C.Hasil) per regime and its arithmetic gates (DOMAIN-RULES 8.3), as a
//! table of identities over plain numbers. A hard identity that fails refuses the form; a
//! warning is stored with it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::elections::ElectionKind;

/// Voter categories of the form. The label "dptb" means moved voters in a Pemilu and ID-card
/// voters in a Pilkada (DOMAIN-RULES 8.2): the categories are per regime, never shared.
pub fn categories(kind: ElectionKind) -> &'static [&'static str] {
    match kind {
        // DPT; DPTb = moved (pindahan); DPK = not on the list, votes with KTP-el.
        ElectionKind::Pemilu => &["dpt", "dptb", "dpk"],
        // DPT; DPPh = moved (pindahan); DPTb = not on the list, votes with KTP-el.
        ElectionKind::Pilkada => &["dpt", "dpph", "dptb"],
    }
}

/// The form's "Jumlah" row, when the form writes one beside the categories.
pub const TOTAL_ROW: &str = "jumlah";

/// Men, women and, where the form writes it, their total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lp {
    pub l: i64,
    pub p: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl Lp {
    pub fn sum(&self) -> i64 {
        self.total.unwrap_or(self.l + self.p)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Disabled {
    pub voters: i64,
    pub users: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ballots {
    pub received: i64,
    pub used: i64,
    /// Returned by voters, spoiled or mistakenly marked (dikembalikan/rusak/keliru).
    pub spoiled: i64,
    pub unused: i64,
}

/// One C.Hasil as entered (the binding shape of `PUT …/results/{tps}/{contest}` without
/// `source`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tally {
    pub voters: BTreeMap<String, Lp>,
    pub users: BTreeMap<String, Lp>,
    pub disabled: Disabled,
    pub ballots: Ballots,
    pub votes: BTreeMap<String, i64>,
    pub valid: i64,
    pub invalid: i64,
}

impl Tally {
    fn category_sum(rows: &BTreeMap<String, Lp>, f: impl Fn(&Lp) -> i64) -> i64 {
        rows.iter().filter(|(k, _)| k.as_str() != TOTAL_ROW).map(|(_, v)| f(v)).sum()
    }
    /// Voters who used their vote, all categories.
    pub fn users_total(&self) -> i64 {
        Self::category_sum(&self.users, Lp::sum)
    }
    pub fn dpt(&self) -> i64 {
        self.voters.get("dpt").map_or(0, Lp::sum)
    }

    /// Adds another form field by field (a recap is the sum of its children).
    pub fn add(&mut self, o: &Tally) {
        for (mine, theirs) in [(&mut self.voters, &o.voters), (&mut self.users, &o.users)] {
            for (cat, v) in theirs {
                let m = mine.entry(cat.clone()).or_default();
                m.l += v.l;
                m.p += v.p;
                m.total = match (m.total, v.total) {
                    (None, None) => None,
                    (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(v.l + v.p)),
                };
            }
        }
        self.disabled.voters += o.disabled.voters;
        self.disabled.users += o.disabled.users;
        self.ballots.received += o.ballots.received;
        self.ballots.used += o.ballots.used;
        self.ballots.spoiled += o.ballots.spoiled;
        self.ballots.unused += o.ballots.unused;
        for (c, n) in &o.votes {
            *self.votes.entry(c.clone()).or_default() += n;
        }
        self.valid += o.valid;
        self.invalid += o.invalid;
    }

    /// Every number of the form under its field path, for comparing sources field by field.
    pub fn fields(&self) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for (group, rows) in [("voters", &self.voters), ("users", &self.users)] {
            for (cat, v) in rows {
                out.push((format!("{group}.{cat}.l"), v.l));
                out.push((format!("{group}.{cat}.p"), v.p));
                if let Some(t) = v.total {
                    out.push((format!("{group}.{cat}.total"), t));
                }
            }
        }
        out.push(("disabled.voters".into(), self.disabled.voters));
        out.push(("disabled.users".into(), self.disabled.users));
        out.push(("ballots.received".into(), self.ballots.received));
        out.push(("ballots.used".into(), self.ballots.used));
        out.push(("ballots.spoiled".into(), self.ballots.spoiled));
        out.push(("ballots.unused".into(), self.ballots.unused));
        for (c, n) in &self.votes {
            out.push((format!("votes.{c}"), *n));
        }
        out.push(("valid".into(), self.valid));
        out.push(("invalid".into(), self.invalid));
        out
    }
}

/// A failed identity: its name, what it says, and both sides' numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Failure {
    pub identity: String,
    pub rule: String,
    pub left: i64,
    pub right: i64,
}

/// What the form is checked against besides itself.
#[derive(Debug, Clone)]
pub struct FormRules<'a> {
    pub kind: ElectionKind,
    /// The candidate ids of the contest at this TPS.
    pub candidates: &'a [String],
    pub max_voters_per_tps: i64,
    /// Ballot reserve over the DPT, in basis points (Pemilu 2%, Pilkada 2.5%).
    pub reserve_bp: i64,
}

/// The reserve per regime (DOMAIN-RULES 3.2 and 8.3 item 6): Pemilu 2% of the DPT (UU 7/2017
/// Ps 350(3)); Pilkada 2.5% (UU 10/2016 Ps 80 as applied by PKPU logistik 2024).
pub fn reserve_bp(kind: ElectionKind) -> i64 {
    match kind {
        ElectionKind::Pemilu => 200,
        ElectionKind::Pilkada => 250,
    }
}

/// The ballot reserve over a DPT, rounded up.
pub fn reserve(dpt: i64, reserve_bp: i64) -> i64 {
    (dpt * reserve_bp + 9_999) / 10_000
}

/// Shape errors: a field the form does not have, a missing category or candidate, a negative
/// number. These are refused as bad input (field, reason) before any identity is checked.
pub fn check_shape(t: &Tally, rules: &FormRules<'_>) -> Result<(), (String, String)> {
    let cats = categories(rules.kind);
    for (group, rows) in [("voters", &t.voters), ("users", &t.users)] {
        for cat in cats {
            if !rows.contains_key(*cat) {
                return Err((format!("{group}.{cat}"), format!("{group} needs the category {cat} (categories: {})", cats.join(", "))));
            }
        }
        for (cat, v) in rows {
            if !cats.contains(&cat.as_str()) && cat != TOTAL_ROW {
                return Err((format!("{group}.{cat}"), format!("{cat} is not a category of this election: {}", cats.join(", "))));
            }
            if v.l < 0 || v.p < 0 || v.total.is_some_and(|x| x < 0) {
                return Err((format!("{group}.{cat}"), "numbers cannot be negative".into()));
            }
        }
    }
    for c in rules.candidates {
        if !t.votes.contains_key(c) {
            return Err((format!("votes.{c}"), format!("votes for candidate {c} are missing")));
        }
    }
    for (c, n) in &t.votes {
        if !rules.candidates.contains(c) {
            return Err((format!("votes.{c}"), format!("{c} is not a candidate of this contest here: {}", rules.candidates.join(", "))));
        }
        if *n < 0 {
            return Err((format!("votes.{c}"), "numbers cannot be negative".into()));
        }
    }
    let plain = [
        ("disabled.voters", t.disabled.voters),
        ("disabled.users", t.disabled.users),
        ("ballots.received", t.ballots.received),
        ("ballots.used", t.ballots.used),
        ("ballots.spoiled", t.ballots.spoiled),
        ("ballots.unused", t.ballots.unused),
        ("valid", t.valid),
        ("invalid", t.invalid),
    ];
    for (f, n) in plain {
        if n < 0 {
            return Err((f.into(), "numbers cannot be negative".into()));
        }
    }
    Ok(())
}

/// How an identity compares its two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Le,
}

/// The sides an identity compares: (which row, if several; left; right).
pub type Sides = Vec<(String, i64, i64)>;

/// One identity of the form: a name, a statement, and its two sides.
pub struct Identity {
    pub name: &'static str,
    pub rule: &'static str,
    pub cmp: Cmp,
    /// A warning is stored and flagged; a hard identity refuses the form.
    pub warning: bool,
    pub sides: fn(&Tally, &FormRules<'_>) -> Sides,
}

fn lp_rows(t: &Tally) -> Vec<(String, i64, i64)> {
    let mut out = vec![];
    for (group, rows) in [("pemilih", &t.voters), ("pengguna", &t.users)] {
        for (cat, v) in rows {
            if let Some(total) = v.total {
                out.push((format!("{group}_{cat}"), v.l + v.p, total));
            }
        }
    }
    out
}

fn total_rows(t: &Tally) -> Vec<(String, i64, i64)> {
    let mut out = vec![];
    for (group, rows) in [("pemilih", &t.voters), ("pengguna", &t.users)] {
        if let Some(j) = rows.get(TOTAL_ROW) {
            out.push((format!("{group}_l"), Tally::category_sum(rows, |v| v.l), j.l));
            out.push((format!("{group}_p"), Tally::category_sum(rows, |v| v.p), j.p));
            if let Some(total) = j.total {
                out.push((group.to_string(), Tally::category_sum(rows, Lp::sum), total));
            }
        }
    }
    out
}

/// The identities of DOMAIN-RULES 8.3, in the order a refusal lists them.
pub const IDENTITIES: &[Identity] = &[
    Identity { name: "jumlah_lp", rule: "L + P = jumlah on every row", cmp: Cmp::Eq, warning: false, sides: |t, _| lp_rows(t) },
    Identity { name: "jumlah_kategori", rule: "the categories add up to the Jumlah row", cmp: Cmp::Eq, warning: false, sides: |t, _| total_rows(t) },
    Identity {
        name: "suara_sah",
        rule: "votes for the candidates add up to the valid votes",
        cmp: Cmp::Eq,
        warning: false,
        sides: |t, _| vec![(String::new(), t.votes.values().sum(), t.valid)],
    },
    Identity {
        name: "sah_tidak_sah",
        rule: "valid + invalid = ballots used",
        cmp: Cmp::Eq,
        warning: false,
        sides: |t, _| vec![(String::new(), t.valid + t.invalid, t.ballots.used)],
    },
    Identity {
        name: "surat_suara_pengguna",
        rule: "ballots used = voters who voted",
        cmp: Cmp::Eq,
        warning: false,
        sides: |t, _| vec![(String::new(), t.ballots.used, t.users_total())],
    },
    Identity {
        name: "surat_suara_diterima",
        rule: "ballots received = used + returned/spoiled + unused",
        cmp: Cmp::Eq,
        warning: false,
        sides: |t, _| vec![(String::new(), t.ballots.received, t.ballots.used + t.ballots.spoiled + t.ballots.unused)],
    },
    Identity {
        name: "pengguna_dpt",
        rule: "voters from the DPT who voted ≤ the DPT",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, _| vec![(String::new(), t.users.get("dpt").map_or(0, Lp::sum), t.dpt())],
    },
    Identity {
        name: "disabilitas_pemilih",
        rule: "disabled voters who voted ≤ disabled voters",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, _| vec![(String::new(), t.disabled.users, t.disabled.voters)],
    },
    Identity {
        name: "disabilitas_pengguna",
        rule: "disabled voters who voted ≤ all voters who voted",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, _| vec![(String::new(), t.disabled.users, t.users_total())],
    },
    Identity {
        name: "dpt_maksimum",
        rule: "the DPT of a TPS ≤ the most voters a TPS may have",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, r| vec![(String::new(), t.dpt(), r.max_voters_per_tps)],
    },
    Identity {
        name: "surat_suara_cadangan",
        rule: "ballots received ≤ DPT + reserve (more needs a berita acara)",
        cmp: Cmp::Le,
        warning: true,
        sides: |t, r| vec![(String::new(), t.ballots.received, t.dpt() + reserve(t.dpt(), r.reserve_bp))],
    },
];

/// Every identity the form breaks: (hard failures, warnings).
pub fn check(t: &Tally, rules: &FormRules<'_>) -> (Vec<Failure>, Vec<Failure>) {
    let mut hard = vec![];
    let mut warn = vec![];
    for id in IDENTITIES {
        for (part, left, right) in (id.sides)(t, rules) {
            let ok = match id.cmp {
                Cmp::Eq => left == right,
                Cmp::Le => left <= right,
            };
            if !ok {
                let identity = if part.is_empty() { id.name.to_string() } else { format!("{}.{part}", id.name) };
                let f = Failure { identity, rule: id.rule.to_string(), left, right };
                if id.warning { warn.push(f) } else { hard.push(f) }
            }
        }
    }
    (hard, warn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lp(l: i64, p: i64) -> Lp {
        Lp { l, p, total: Some(l + p) }
    }

    /// Sirekap's TPS 31.75.01.1001.003 (Pemilu 2024, PPWP): 112 + 81 + 19 = 212 valid, 1
    /// invalid, 213 voters (209 DPT + 3 DPTb + 1 DPK) of 267 on the DPT.
    fn good() -> (Tally, Vec<String>) {
        let cands: Vec<String> = ["01", "02", "03"].map(String::from).to_vec();
        let t = Tally {
            voters: [("dpt", lp(138, 129)), ("dptb", lp(1, 2)), ("dpk", lp(0, 1))].map(|(k, v)| (k.to_string(), v)).into(),
            users: [("dpt", lp(107, 102)), ("dptb", lp(1, 2)), ("dpk", lp(0, 1)), ("jumlah", lp(108, 105))].map(|(k, v)| (k.to_string(), v)).into(),
            disabled: Disabled { voters: 2, users: 1 },
            ballots: Ballots { received: 273, used: 213, spoiled: 0, unused: 60 },
            votes: [("01", 112), ("02", 81), ("03", 19)].map(|(k, v)| (k.to_string(), v)).into(),
            valid: 212,
            invalid: 1,
        };
        (t, cands)
    }

    fn rules(c: &[String]) -> FormRules<'_> {
        FormRules { kind: ElectionKind::Pemilu, candidates: c, max_voters_per_tps: 300, reserve_bp: 200 }
    }

    fn failed(t: &Tally, c: &[String]) -> Vec<String> {
        check(t, &rules(c)).0.into_iter().map(|f| f.identity).collect()
    }

    #[test]
    fn a_consistent_form_passes() {
        let (t, c) = good();
        assert!(check_shape(&t, &rules(&c)).is_ok());
        assert_eq!(check(&t, &rules(&c)), (vec![], vec![]));
    }

    #[test]
    fn each_identity_fails_on_its_own() {
        let (base, c) = good();
        type Edit = Box<dyn Fn(&mut Tally)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("jumlah_lp.pengguna_dptb", Box::new(|t: &mut Tally| t.users.get_mut("dptb").expect("dptb").total = Some(4))),
            ("jumlah_kategori.pengguna_l", Box::new(|t: &mut Tally| t.users.insert("jumlah".into(), Lp { l: 109, p: 105, total: Some(214) }).map(|_| ()).unwrap_or(()))),
            ("suara_sah", Box::new(|t: &mut Tally| *t.votes.get_mut("01").expect("01") = 412)),
            ("sah_tidak_sah", Box::new(|t: &mut Tally| t.ballots.used = 214)),
            ("surat_suara_pengguna", Box::new(|t: &mut Tally| t.users.insert("dpk".into(), lp(0, 2)).map(|_| ()).unwrap_or(()))),
            ("surat_suara_diterima", Box::new(|t: &mut Tally| t.ballots.unused = 59)),
            ("pengguna_dpt", Box::new(|t: &mut Tally| t.voters.insert("dpt".into(), lp(100, 100)).map(|_| ()).unwrap_or(()))),
            ("disabilitas_pemilih", Box::new(|t: &mut Tally| t.disabled.users = 3)),
            ("dpt_maksimum", Box::new(|t: &mut Tally| t.voters.insert("dpt".into(), lp(160, 150)).map(|_| ()).unwrap_or(()))),
        ];
        for (expect, change) in cases {
            let mut t = base.clone();
            change(&mut t);
            let f = failed(&t, &c);
            assert!(f.iter().any(|x| x == expect), "{expect}: {f:?}");
        }
        // Some edits break exactly one identity.
        let mut t = base.clone();
        *t.votes.get_mut("01").expect("01") = 412;
        assert_eq!(failed(&t, &c), ["suara_sah"]);
        let mut t = base.clone();
        t.disabled.users = 3;
        assert_eq!(failed(&t, &c), ["disabilitas_pemilih"]);
        let mut t = base.clone();
        t.disabled = Disabled { voters: 300, users: 214 };
        assert_eq!(failed(&t, &c), ["disabilitas_pengguna"]);
    }

    #[test]
    fn a_refusal_names_both_sides() {
        let (mut t, c) = good();
        *t.votes.get_mut("01").expect("01") = 412;
        let (hard, _) = check(&t, &rules(&c));
        assert_eq!(hard, vec![Failure { identity: "suara_sah".into(), rule: "votes for the candidates add up to the valid votes".into(), left: 512, right: 212 }]);
    }

    #[test]
    fn extra_ballots_are_a_warning_not_a_refusal() {
        let (mut t, c) = good();
        t.ballots.received = 300;
        t.ballots.unused = 87;
        let (hard, warn) = check(&t, &rules(&c));
        assert!(hard.is_empty(), "{hard:?}");
        assert_eq!(warn.iter().map(|w| (w.identity.as_str(), w.left, w.right)).collect::<Vec<_>>(), [("surat_suara_cadangan", 300, 273)]);
    }

    #[test]
    fn the_shape_is_checked_per_regime() {
        let (t, c) = good();
        let pilkada = FormRules { kind: ElectionKind::Pilkada, ..rules(&c) };
        assert_eq!(check_shape(&t, &pilkada).map_err(|e| e.0), Err("voters.dpph".into()));
        let mut t2 = t.clone();
        t2.votes.insert("04".into(), 0);
        assert_eq!(check_shape(&t2, &rules(&c)).map_err(|e| e.0), Err("votes.04".into()));
        let mut t3 = t.clone();
        t3.votes.remove("03");
        assert_eq!(check_shape(&t3, &rules(&c)).map_err(|e| e.0), Err("votes.03".into()));
        let mut t4 = t;
        t4.ballots.spoiled = -1;
        assert_eq!(check_shape(&t4, &rules(&c)).map_err(|e| e.0), Err("ballots.spoiled".into()));
    }
}
