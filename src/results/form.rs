//! The TPS result form (C.Hasil) per regime and its arithmetic gates (DOMAIN-RULES 8.3), as a
//! table of identities over plain numbers. A hard identity that fails refuses the form; a
//! warning is stored with it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::elections::ElectionKind;
use crate::platform::i18n::Text;

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
    /// The row's total: the form's own, else L + P. Saturates rather than wraps; the shape check
    /// bounds every number of an accepted form, so it never saturates on one.
    pub fn sum(&self) -> i64 {
        self.total.unwrap_or(self.l.saturating_add(self.p))
    }
    /// The row's total, or None when L + P does not fit.
    pub fn checked_sum(&self) -> Option<i64> {
        self.total.or_else(|| self.l.checked_add(self.p))
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

/// Exact sums for the identities: every number widened, so no sum of a form's numbers can wrap
/// and by accident equal the other side (`i64::MAX + 2` wrapping to a valid count).
fn wide(n: i64) -> i128 {
    i128::from(n)
}

/// A wide number back in a failure report (the identity already failed on the exact value).
fn narrow(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

impl Tally {
    fn category_sum(rows: &BTreeMap<String, Lp>, f: impl Fn(&Lp) -> i64) -> i64 {
        rows.iter().filter(|(k, _)| k.as_str() != TOTAL_ROW).fold(0i64, |a, (_, v)| a.saturating_add(f(v)))
    }
    fn category_sum_wide(rows: &BTreeMap<String, Lp>, f: impl Fn(&Lp) -> i128) -> i128 {
        rows.iter().filter(|(k, _)| k.as_str() != TOTAL_ROW).map(|(_, v)| f(v)).sum()
    }
    fn lp_wide(v: &Lp) -> i128 {
        v.total.map_or(wide(v.l) + wide(v.p), wide)
    }
    /// Voters who used their vote, all categories (saturating: see `Lp::sum`).
    pub fn users_total(&self) -> i64 {
        Self::category_sum(&self.users, Lp::sum)
    }
    pub fn dpt(&self) -> i64 {
        self.voters.get("dpt").map_or(0, Lp::sum)
    }
    /// The DPT, or None when it does not fit (for sums that must be exact).
    pub fn checked_dpt(&self) -> Option<i64> {
        self.voters.get("dpt").map_or(Some(0), Lp::checked_sum)
    }
    /// Voters who used their vote, or None when the sum does not fit.
    pub fn checked_users_total(&self) -> Option<i64> {
        self.users.iter().filter(|(k, _)| k.as_str() != TOTAL_ROW).try_fold(0i64, |a, (_, v)| a.checked_add(v.checked_sum()?))
    }

    /// Adds another form field by field (a recap is the sum of its children). A field whose sum
    /// does not fit is named in the error, and `self` is left as it was.
    pub fn add(&mut self, o: &Tally) -> Result<(), String> {
        let mut next = self.clone();
        let plus = |field: String, a: &mut i64, b: i64| -> Result<(), String> {
            *a = a.checked_add(b).ok_or(field)?;
            Ok(())
        };
        for (group, mine, theirs) in [("voters", &mut next.voters, &o.voters), ("users", &mut next.users, &o.users)] {
            for (cat, v) in theirs {
                let m = mine.entry(cat.clone()).or_default();
                plus(format!("{group}.{cat}.l"), &mut m.l, v.l)?;
                plus(format!("{group}.{cat}.p"), &mut m.p, v.p)?;
                m.total = match (m.total, v.total) {
                    (None, None) => None,
                    (a, b) => {
                        let theirs = b.or_else(|| v.l.checked_add(v.p)).ok_or(format!("{group}.{cat}.total"))?;
                        Some(a.unwrap_or(0).checked_add(theirs).ok_or(format!("{group}.{cat}.total"))?)
                    }
                };
            }
        }
        plus("disabled.voters".into(), &mut next.disabled.voters, o.disabled.voters)?;
        plus("disabled.users".into(), &mut next.disabled.users, o.disabled.users)?;
        plus("ballots.received".into(), &mut next.ballots.received, o.ballots.received)?;
        plus("ballots.used".into(), &mut next.ballots.used, o.ballots.used)?;
        plus("ballots.spoiled".into(), &mut next.ballots.spoiled, o.ballots.spoiled)?;
        plus("ballots.unused".into(), &mut next.ballots.unused, o.ballots.unused)?;
        for (c, n) in &o.votes {
            plus(format!("votes.{c}"), next.votes.entry(c.clone()).or_default(), *n)?;
        }
        plus("valid".into(), &mut next.valid, o.valid)?;
        plus("invalid".into(), &mut next.invalid, o.invalid)?;
        *self = next;
        Ok(())
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
    /// The largest number any field of the form may hold: `tps_ceiling` for a C.Hasil, that
    /// times the TPS of the region for a recap.
    pub max_count: i64,
}

/// The reserve per regime and its rounding are the logistics rules (DOMAIN-RULES 3.2 and 8.3
/// item 6): one table, cited there.
pub use crate::logistics::{reserve, reserve_bp};

/// The most any count on one TPS's C.Hasil can be: the most voters a TPS may serve by statute
/// (`ElectionDef::max_voters_by_law`, cited in `elections`: 500 Pemilu, 800 Pilkada) plus the
/// statutory reserve of ballots over them (510 and 820). Every voter, user, ballot and vote on
/// the form is one of those people or ballots. The KPU's tighter DPT limit (300/600) stays the
/// identity `dpt_maksimum`: a TPS lokasi khusus serves many moved voters beyond its DPT (Sirekap
/// 31.75.03.1008.926: DPT 103, 307 voters), and more ballots than the TPS's DPT + reserve
/// stays a warning (a berita acara may add some).
pub fn tps_ceiling(max_voters: i64, reserve_bp: i64) -> i64 {
    max_voters.saturating_add(reserve(max_voters, reserve_bp))
}

/// Whether every number of a form lies in `0..=max`, as the shape check asks of every new
/// entry. A stored form that does not (entered before the bounds) does not count in the
/// regional totals: it cannot be summed exactly, and its correction must still go through.
pub fn within(t: &Tally, max: i64) -> bool {
    t.fields().iter().all(|(_, n)| (0..=max).contains(n))
}

/// Shape errors: a field the form does not have, a missing category or candidate, a negative
/// number. These are refused as bad input (field, reason) before any identity is checked.
pub fn check_shape(t: &Tally, rules: &FormRules<'_>) -> Result<(), (String, Text)> {
    let cats = categories(rules.kind);
    for (group, rows) in [("voters", &t.voters), ("users", &t.users)] {
        for cat in cats {
            if !rows.contains_key(*cat) {
                let all = cats.join(", ");
                return Err((format!("{group}.{cat}"), crate::tr!("{group} perlu kategori {cat} (kategori: {all})", "{group} needs the category {cat} (categories: {all})")));
            }
        }
        for (cat, v) in rows {
            if !cats.contains(&cat.as_str()) && cat != TOTAL_ROW {
                let all = cats.join(", ");
                return Err((format!("{group}.{cat}"), crate::tr!("{cat} bukan kategori pemilihan ini: {all}", "{cat} is not a category of this election: {all}")));
            }
            for (part, n) in [("l", Some(v.l)), ("p", Some(v.p)), ("total", v.total)] {
                if let Some(n) = n {
                    bounded(&format!("{group}.{cat}.{part}"), n, rules.max_count)?;
                }
            }
        }
    }
    for c in rules.candidates {
        if !t.votes.contains_key(c) {
            return Err((format!("votes.{c}"), crate::tr!("suara calon {c} belum diisi", "votes for candidate {c} are missing")));
        }
    }
    for (c, n) in &t.votes {
        if !rules.candidates.contains(c) {
            let all = rules.candidates.join(", ");
            return Err((format!("votes.{c}"), crate::tr!("{c} bukan calon pemilihan ini di sini: {all}", "{c} is not a candidate of this contest here: {all}")));
        }
        bounded(&format!("votes.{c}"), *n, rules.max_count)?;
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
        bounded(f, n, rules.max_count)?;
    }
    Ok(())
}

/// A count of the form: from 0 to the most the form can hold.
fn bounded(field: &str, n: i64, max: i64) -> Result<(), (String, Text)> {
    if n < 0 {
        return Err((field.into(), crate::tr!("{field} tidak boleh negatif (isian {n})", "{field} cannot be negative (entered {n})")));
    }
    if n > max {
        return Err((
            field.into(),
            crate::tr!(
                "{field} paling banyak {max}: pemilih terbanyak yang boleh dilayani TPS menurut undang-undang, ditambah cadangan surat suara; isian {n}",
                "{field} is at most {max}: the most voters a TPS may serve by law, plus the ballot reserve; entered {n}"
            ),
        ));
    }
    Ok(())
}

/// How an identity compares its two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Le,
}

/// The sides an identity compares: (which row, if several; left; right), exact.
pub type Sides = Vec<(String, i128, i128)>;

/// One identity of the form: a name, a statement, and its two sides.
pub struct Identity {
    pub name: &'static str,
    pub rule: &'static str,
    pub cmp: Cmp,
    /// A warning is stored and flagged; a hard identity refuses the form.
    pub warning: bool,
    pub sides: fn(&Tally, &FormRules<'_>) -> Sides,
}

fn lp_rows(t: &Tally) -> Sides {
    let mut out = vec![];
    for (group, rows) in [("pemilih", &t.voters), ("pengguna", &t.users)] {
        for (cat, v) in rows {
            if let Some(total) = v.total {
                out.push((format!("{group}_{cat}"), wide(v.l) + wide(v.p), wide(total)));
            }
        }
    }
    out
}

fn total_rows(t: &Tally) -> Sides {
    let mut out = vec![];
    for (group, rows) in [("pemilih", &t.voters), ("pengguna", &t.users)] {
        if let Some(j) = rows.get(TOTAL_ROW) {
            out.push((format!("{group}_l"), Tally::category_sum_wide(rows, |v| wide(v.l)), wide(j.l)));
            out.push((format!("{group}_p"), Tally::category_sum_wide(rows, |v| wide(v.p)), wide(j.p)));
            if let Some(total) = j.total {
                out.push((group.to_string(), Tally::category_sum_wide(rows, Tally::lp_wide), wide(total)));
            }
        }
    }
    out
}

fn users_wide(t: &Tally) -> i128 {
    Tally::category_sum_wide(&t.users, Tally::lp_wide)
}

fn dpt_wide(t: &Tally) -> i128 {
    t.voters.get("dpt").map_or(0, Tally::lp_wide)
}

fn one(left: i128, right: i128) -> Sides {
    vec![(String::new(), left, right)]
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
        sides: |t, _| one(t.votes.values().copied().map(wide).sum(), wide(t.valid)),
    },
    Identity {
        name: "sah_tidak_sah",
        rule: "valid + invalid = ballots used",
        cmp: Cmp::Eq,
        warning: false,
        sides: |t, _| one(wide(t.valid) + wide(t.invalid), wide(t.ballots.used)),
    },
    Identity {
        name: "surat_suara_pengguna",
        rule: "ballots used = voters who voted",
        cmp: Cmp::Eq,
        warning: false,
        sides: |t, _| one(wide(t.ballots.used), users_wide(t)),
    },
    Identity {
        name: "surat_suara_diterima",
        rule: "ballots received = used + returned/spoiled + unused",
        cmp: Cmp::Eq,
        warning: false,
        sides: |t, _| one(wide(t.ballots.received), wide(t.ballots.used) + wide(t.ballots.spoiled) + wide(t.ballots.unused)),
    },
    Identity {
        name: "pengguna_dpt",
        rule: "voters from the DPT who voted ≤ the DPT",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, _| one(t.users.get("dpt").map_or(0, Tally::lp_wide), dpt_wide(t)),
    },
    Identity {
        name: "disabilitas_pemilih",
        rule: "disabled voters who voted ≤ disabled voters",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, _| one(wide(t.disabled.users), wide(t.disabled.voters)),
    },
    Identity {
        name: "disabilitas_pengguna",
        rule: "disabled voters who voted ≤ all voters who voted",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, _| one(wide(t.disabled.users), users_wide(t)),
    },
    Identity {
        name: "dpt_maksimum",
        rule: "the DPT of a TPS ≤ the most voters a TPS may have",
        cmp: Cmp::Le,
        warning: false,
        sides: |t, r| one(dpt_wide(t), wide(r.max_voters_per_tps)),
    },
    Identity {
        name: "surat_suara_cadangan",
        rule: "ballots received ≤ DPT + reserve (more needs a berita acara)",
        cmp: Cmp::Le,
        warning: true,
        sides: |t, r| one(wide(t.ballots.received), dpt_wide(t) + wide(reserve(t.dpt(), r.reserve_bp))),
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
                let f = Failure { identity, rule: id.rule.to_string(), left: narrow(left), right: narrow(right) };
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
        FormRules { kind: ElectionKind::Pemilu, candidates: c, max_voters_per_tps: 300, reserve_bp: 200, max_count: tps_ceiling(500, 200) }
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

    use crate::platform::cases::Cases;

    /// A form whose numbers are within `bound` except, one in `wild` of them, an edge or any
    /// 64-bit number at all.
    fn arbitrary(g: &mut Cases, kind: ElectionKind, c: &[String], bound: i64) -> Tally {
        let wild = [1, 40, 400][g.below(3) as usize];
        let n = move |g: &mut Cases| if g.below(wild) == 0 { g.edgy(bound) } else { g.upto(bound) };
        let lp = |g: &mut Cases| Lp { l: n(g), p: n(g), total: (g.below(2) == 0).then(|| n(g)) };
        let rows = |g: &mut Cases, with_total: bool| {
            let mut m: BTreeMap<String, Lp> = categories(kind).iter().map(|k| (k.to_string(), lp(g))).collect();
            if with_total {
                m.insert(TOTAL_ROW.into(), lp(g));
            }
            m
        };
        let voters = rows(g, false);
        let with_total = g.below(2) == 0;
        let users = rows(g, with_total);
        Tally {
            voters,
            users,
            disabled: Disabled { voters: n(g), users: n(g) },
            ballots: Ballots { received: n(g), used: n(g), spoiled: n(g), unused: n(g) },
            votes: c.iter().map(|k| (k.clone(), n(g))).collect(),
            valid: n(g),
            invalid: n(g),
        }
    }

    fn exact_users(t: &Tally) -> i128 {
        t.users.iter().filter(|(k, _)| k.as_str() != TOTAL_ROW).map(|(_, v)| v.total.map_or(i128::from(v.l) + i128::from(v.p), i128::from)).sum()
    }

    /// Arbitrary forms with extreme numbers in every field: the gates never panic (tests run
    /// with overflow checks), a form through the shape check has every number within the
    /// ceiling, and a form through both gates adds up in exact arithmetic.
    #[test]
    fn property_no_form_wraps_or_slips_through() {
        let (_, c) = good();
        let mut g = Cases::new(12);
        let (mut shaped, mut passed) = (0, 0);
        for case in 0..30_000 {
            let kind = if case % 2 == 0 { ElectionKind::Pemilu } else { ElectionKind::Pilkada };
            let r = FormRules { kind, ..rules(&c) };
            let t = arbitrary(&mut g, kind, &c, r.max_count);
            let shape = check_shape(&t, &r);
            let (hard, _) = check(&t, &r);
            if shape.is_err() {
                continue;
            }
            shaped += 1;
            for (field, n) in t.fields() {
                assert!((0..=r.max_count).contains(&n), "case {case}: {field} = {n} passed the shape check");
            }
            if !hard.is_empty() {
                continue;
            }
            passed += 1;
            let votes: i128 = t.votes.values().copied().map(i128::from).sum();
            assert_eq!(votes, i128::from(t.valid), "case {case}");
            assert_eq!(i128::from(t.valid) + i128::from(t.invalid), i128::from(t.ballots.used), "case {case}");
            assert_eq!(i128::from(t.ballots.used), exact_users(&t), "case {case}");
            let b = t.ballots;
            assert_eq!(i128::from(b.received), i128::from(b.used) + i128::from(b.spoiled) + i128::from(b.unused), "case {case}");
        }
        assert!(shaped > 100, "enough forms reach the identities: {shaped}");
        let _ = passed;
    }

    /// The attack: candidate votes near i64::MAX whose sum wraps to exactly the valid count.
    #[test]
    fn votes_that_wrap_to_the_valid_count_are_refused() {
        let (mut t, c) = good();
        // MAX + MAX + 214 wraps to 212 in 64-bit arithmetic.
        t.votes = [("01", i64::MAX), ("02", i64::MAX), ("03", 214)].map(|(k, v)| (k.to_string(), v)).into();
        assert_eq!(t.votes.values().fold(0i64, |a, v| a.wrapping_add(*v)), t.valid, "the sum does wrap to the valid count");
        let (field, message) = check_shape(&t, &rules(&c)).expect_err("refused");
        assert_eq!(field, "votes.01");
        assert!(message.id().contains("paling banyak 510") && message.en().contains("at most 510"), "{message:?}");
        assert!(check(&t, &rules(&c)).0.iter().any(|f| f.identity == "suara_sah"), "the identity fails too, exactly");
        // The ceiling's edges: 510 passes the shape, 511 does not; -1 does not either.
        for (n, ok) in [(510, true), (511, false), (-1, false), (0, true)] {
            let mut t = good().0;
            t.disabled.voters = n;
            assert_eq!(check_shape(&t, &rules(&c)).is_ok(), ok, "{n}");
        }
    }

    /// Adding forms (a recap's children) is exact or names the field that does not fit, and
    /// leaves the sum as it was.
    #[test]
    fn property_adding_forms_is_exact_or_refused() {
        let (_, c) = good();
        let mut g = Cases::new(7);
        for case in 0..5_000 {
            let a = arbitrary(&mut g, ElectionKind::Pemilu, &c, 510);
            let b = arbitrary(&mut g, ElectionKind::Pemilu, &c, 510);
            let mut sum = a.clone();
            match sum.add(&b) {
                Ok(()) => {
                    let (fa, fb): (BTreeMap<String, i64>, BTreeMap<String, i64>) = (a.fields().into_iter().collect(), b.fields().into_iter().collect());
                    for (name, z) in sum.fields().into_iter().filter(|(n, _)| !n.ends_with(".total")) {
                        let (x, y) = (fa.get(&name).copied().unwrap_or(0), fb.get(&name).copied().unwrap_or(0));
                        assert_eq!(i128::from(x) + i128::from(y), i128::from(z), "case {case}: {name}");
                    }
                }
                Err(field) => {
                    assert_eq!(sum, a, "case {case}: a refused sum changes nothing");
                    assert!(!field.is_empty());
                }
            }
        }
    }
}
