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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Cmp {
    Eq,
    Le,
}

impl Cmp {
    pub fn holds(self, left: i128, right: i128) -> bool {
        match self {
            Cmp::Eq => left == right,
            Cmp::Le => left <= right,
        }
    }
}

/// One term of a side of an identity (a side is the sum of its terms). Paths name the numbers
/// of the entry's JSON body, so the field app evaluates the same table over the body it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// A number of the form by its path (`ballots.used`, `voters.dpt.l`, `users.jumlah.total`).
    /// An optional number the form left empty (a row's Jumlah, the Jumlah row) means the
    /// identity is not checked.
    Field(String),
    /// A row's value: its Jumlah when written, else L + P (`voters.dpt`).
    Row(String),
    /// A sum over every category row except the Jumlah row, or over every candidate:
    /// `votes.*`, `users.*` (each row's value), `users.*.l` (one column).
    Sum(String),
    /// A constant of the election's rules (`max_voters_per_tps`), listed in `constants`.
    Constant(String),
    /// The ballot reserve over a row: ceil(row × constant / 10000), as `logistics::reserve`.
    Reserve { row: String, basis_points: String },
}

/// One identity of the form, expanded for an election kind: a name (as a refusal lists it),
/// what it says in both languages, how it compares, and its two sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Identity {
    pub name: String,
    pub statement_id: String,
    pub statement_en: String,
    pub cmp: Cmp,
    /// A warning is stored and flagged; a hard identity refuses the form.
    pub warning: bool,
    pub left: Vec<Term>,
    pub right: Vec<Term>,
}

/// A term of the table before expansion: `{g}` is a group (`voters`, `users`), `{cat}` a row
/// (each category of the election, then Jumlah), `{s}` a column (`l`, `p`).
#[derive(Clone, Copy)]
enum T {
    F(&'static str),
    R(&'static str),
    S(&'static str),
    C(&'static str),
    Reserve(&'static str, &'static str),
}

/// What an identity of the table is repeated over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Per {
    /// Once per form.
    Form,
    /// Every row (categories and Jumlah) of both groups.
    Row,
    /// Both groups, the L and the P column.
    GroupColumn,
    /// Both groups.
    Group,
}

struct Def {
    name: &'static str,
    id: &'static str,
    en: &'static str,
    cmp: Cmp,
    warning: bool,
    per: Per,
    left: &'static [T],
    right: &'static [T],
}

/// The identities of DOMAIN-RULES 8.3, in the order a refusal lists them. Statements may name
/// `{row}` (group and row), `{grp}` (group), `{col}` (L or P) and `{cats}` (the categories).
const TABLE: &[Def] = &[
    Def {
        name: "jumlah_lp",
        id: "L + P = Jumlah pada baris {row}",
        en: "L + P = total on the row {row}",
        cmp: Cmp::Eq,
        warning: false,
        per: Per::Row,
        left: &[T::F("{g}.{cat}.l"), T::F("{g}.{cat}.p")],
        right: &[T::F("{g}.{cat}.total")],
    },
    Def {
        name: "jumlah_kategori",
        id: "{col}: {cats} {grp} = baris Jumlah",
        en: "{col}: {cats} of {grp} = the Jumlah row",
        cmp: Cmp::Eq,
        warning: false,
        per: Per::GroupColumn,
        left: &[T::S("{g}.*.{s}")],
        right: &[T::F("{g}.jumlah.{s}")],
    },
    Def {
        name: "jumlah_kategori",
        id: "{cats} {grp} = baris Jumlah",
        en: "{cats} of {grp} = the Jumlah row",
        cmp: Cmp::Eq,
        warning: false,
        per: Per::Group,
        left: &[T::S("{g}.*")],
        right: &[T::F("{g}.jumlah.total")],
    },
    Def {
        name: "suara_sah",
        id: "jumlah suara semua calon = suara sah",
        en: "votes for the candidates add up to the valid votes",
        cmp: Cmp::Eq,
        warning: false,
        per: Per::Form,
        left: &[T::S("votes.*")],
        right: &[T::F("valid")],
    },
    Def {
        name: "sah_tidak_sah",
        id: "suara sah + suara tidak sah = surat suara yang digunakan",
        en: "valid + invalid = ballots used",
        cmp: Cmp::Eq,
        warning: false,
        per: Per::Form,
        left: &[T::F("valid"), T::F("invalid")],
        right: &[T::F("ballots.used")],
    },
    Def {
        name: "surat_suara_pengguna",
        id: "surat suara yang digunakan = jumlah pengguna hak pilih",
        en: "ballots used = voters who voted",
        cmp: Cmp::Eq,
        warning: false,
        per: Per::Form,
        left: &[T::F("ballots.used")],
        right: &[T::S("users.*")],
    },
    Def {
        name: "surat_suara_diterima",
        id: "surat suara diterima = digunakan + dikembalikan/rusak + tidak digunakan",
        en: "ballots received = used + returned/spoiled + unused",
        cmp: Cmp::Eq,
        warning: false,
        per: Per::Form,
        left: &[T::F("ballots.received")],
        right: &[T::F("ballots.used"), T::F("ballots.spoiled"), T::F("ballots.unused")],
    },
    Def {
        name: "pengguna_dpt",
        id: "pengguna hak pilih dari DPT ≤ jumlah pemilih DPT",
        en: "voters from the DPT who voted ≤ the DPT",
        cmp: Cmp::Le,
        warning: false,
        per: Per::Form,
        left: &[T::R("users.dpt")],
        right: &[T::R("voters.dpt")],
    },
    Def {
        name: "disabilitas_pemilih",
        id: "pemilih disabilitas yang memilih ≤ pemilih disabilitas",
        en: "disabled voters who voted ≤ disabled voters",
        cmp: Cmp::Le,
        warning: false,
        per: Per::Form,
        left: &[T::F("disabled.users")],
        right: &[T::F("disabled.voters")],
    },
    Def {
        name: "disabilitas_pengguna",
        id: "pemilih disabilitas yang memilih ≤ seluruh pengguna hak pilih",
        en: "disabled voters who voted ≤ all voters who voted",
        cmp: Cmp::Le,
        warning: false,
        per: Per::Form,
        left: &[T::F("disabled.users")],
        right: &[T::S("users.*")],
    },
    Def {
        name: "dpt_maksimum",
        id: "DPT satu TPS ≤ batas pemilih per TPS",
        en: "the DPT of a TPS ≤ the most voters a TPS may have",
        cmp: Cmp::Le,
        warning: false,
        per: Per::Form,
        left: &[T::R("voters.dpt")],
        right: &[T::C("max_voters_per_tps")],
    },
    Def {
        name: "surat_suara_cadangan",
        id: "surat suara diterima ≤ DPT + cadangan (lebih dari itu perlu berita acara)",
        en: "ballots received ≤ DPT + reserve (more needs a berita acara)",
        cmp: Cmp::Le,
        warning: true,
        per: Per::Form,
        left: &[T::F("ballots.received")],
        right: &[T::R("voters.dpt"), T::Reserve("voters.dpt", "reserve_bp")],
    },
];

/// The two groups of rows: (key in the body, name in an identity, label id, label en).
const GROUPS: [(&str, &str, &str, &str); 2] = [("voters", "pemilih", "pemilih", "voters"), ("users", "pengguna", "pengguna hak pilih", "voters who voted")];

/// A category of the form with its names as the paper prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub key: &'static str,
    /// The row's short name on the paper (DPT, DPTb, DPK, DPPh).
    pub short: &'static str,
    pub label_id: &'static str,
    pub label_en: &'static str,
}

/// The categories of an election kind with their labels, in the paper's order
/// (DOMAIN-RULES 8.2; PKPU 25/2023 model C.Hasil, PKPU 17/2024 for the Pilkada).
pub fn category_labels(kind: ElectionKind) -> &'static [Category] {
    const DPT: Category = Category { key: "dpt", short: "DPT", label_id: "Pemilih dalam DPT", label_en: "Voters on the DPT" };
    match kind {
        ElectionKind::Pemilu => &[
            DPT,
            Category { key: "dptb", short: "DPTb", label_id: "Pemilih pindahan (DPTb)", label_en: "Moved voters (DPTb)" },
            Category { key: "dpk", short: "DPK", label_id: "Pemilih tambahan dengan KTP-el (DPK)", label_en: "Additional voters with an ID card (DPK)" },
        ],
        ElectionKind::Pilkada => &[
            DPT,
            Category { key: "dpph", short: "DPPh", label_id: "Pemilih pindahan (DPPh)", label_en: "Moved voters (DPPh)" },
            Category { key: "dptb", short: "DPTb", label_id: "Pemilih tambahan dengan KTP-el (DPTb)", label_en: "Additional voters with an ID card (DPTb)" },
        ],
    }
}

fn short_of(kind: ElectionKind, cat: &str) -> &'static str {
    category_labels(kind).iter().find(|c| c.key == cat).map_or("Jumlah", |c| c.short)
}

fn expand_term(t: &T, g: &str, cat: &str, s: &str) -> Term {
    let f = |p: &str| p.replace("{g}", g).replace("{cat}", cat).replace("{s}", s);
    match t {
        T::F(p) => Term::Field(f(p)),
        T::R(p) => Term::Row(f(p)),
        T::S(p) => Term::Sum(f(p)),
        T::C(c) => Term::Constant((*c).to_string()),
        T::Reserve(row, bp) => Term::Reserve { row: f(row), basis_points: (*bp).to_string() },
    }
}

fn expand(kind: ElectionKind) -> Vec<Identity> {
    let cats = categories(kind);
    let cats_text = cats.iter().map(|c| short_of(kind, c)).collect::<Vec<_>>().join(" + ");
    let mut out = vec![];
    for d in TABLE {
        // (suffix of the name, g, cat, s, statement id, statement en)
        let mut parts: Vec<(String, &str, &str, &str, String, String)> = vec![];
        match d.per {
            Per::Form => parts.push((String::new(), "", "", "", d.id.into(), d.en.into())),
            Per::Row => {
                for (g, gname, gid, gname_en) in GROUPS {
                    for cat in cats.iter().copied().chain([TOTAL_ROW]) {
                        let short = short_of(kind, cat);
                        let (id, en) = (d.id.replace("{row}", &format!("{short} {gid}")), d.en.replace("{row}", &format!("{short} of {gname_en}")));
                        parts.push((format!("{gname}_{cat}"), g, cat, "", id, en));
                    }
                }
            }
            Per::GroupColumn => {
                for (g, gname, gid, gname_en) in GROUPS {
                    for (s, sid, sen) in [("l", "laki-laki", "men"), ("p", "perempuan", "women")] {
                        let id = d.id.replace("{col}", sid).replace("{cats}", &cats_text).replace("{grp}", gid);
                        let en = d.en.replace("{col}", sen).replace("{cats}", &cats_text).replace("{grp}", gname_en);
                        parts.push((format!("{gname}_{s}"), g, "", s, id, en));
                    }
                }
            }
            Per::Group => {
                for (g, gname, gid, gname_en) in GROUPS {
                    let id = d.id.replace("{cats}", &cats_text).replace("{grp}", gid);
                    let en = d.en.replace("{cats}", &cats_text).replace("{grp}", gname_en);
                    parts.push((gname.to_string(), g, "", "", id, en));
                }
            }
        }
        for (suffix, g, cat, s, statement_id, statement_en) in parts {
            out.push(Identity {
                name: if suffix.is_empty() { d.name.to_string() } else { format!("{}.{suffix}", d.name) },
                statement_id,
                statement_en,
                cmp: d.cmp,
                warning: d.warning,
                left: d.left.iter().map(|t| expand_term(t, g, cat, s)).collect(),
                right: d.right.iter().map(|t| expand_term(t, g, cat, s)).collect(),
            });
        }
    }
    out
}

/// The identities of an election kind, expanded per category: the table the server gates with
/// and serves (`GET …/form-rules`). Built once; it is law, not state.
pub fn identities(kind: ElectionKind) -> &'static [Identity] {
    static PEMILU: std::sync::LazyLock<Vec<Identity>> = std::sync::LazyLock::new(|| expand(ElectionKind::Pemilu));
    static PILKADA: std::sync::LazyLock<Vec<Identity>> = std::sync::LazyLock::new(|| expand(ElectionKind::Pilkada));
    match kind {
        ElectionKind::Pemilu => &PEMILU,
        ElectionKind::Pilkada => &PILKADA,
    }
}

impl FormRules<'_> {
    /// The constants an identity may name, by name.
    pub fn constants(&self) -> BTreeMap<String, i64> {
        [("max_voters_per_tps", self.max_voters_per_tps), ("reserve_bp", self.reserve_bp), ("max_count", self.max_count)].map(|(k, v)| (k.to_string(), v)).into()
    }
    fn constant(&self, name: &str) -> Option<i64> {
        match name {
            "max_voters_per_tps" => Some(self.max_voters_per_tps),
            "reserve_bp" => Some(self.reserve_bp),
            "max_count" => Some(self.max_count),
            _ => None,
        }
    }
}

fn group<'a>(t: &'a Tally, g: &str) -> Option<&'a BTreeMap<String, Lp>> {
    match g {
        "voters" => Some(&t.voters),
        "users" => Some(&t.users),
        _ => None,
    }
}

/// A path's parts, up to three, without allocating (every form's gates read every identity's
/// terms); None for a path of more.
fn parts(path: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let mut it = path.split('.');
    let first = it.next()?;
    let parts = (first, it.next(), it.next());
    it.next().is_none().then_some(parts)
}

/// A number of the form by its path; None when the form left it empty.
fn field(t: &Tally, path: &str) -> Option<i128> {
    let n = match parts(path)? {
        ("valid", None, None) => t.valid,
        ("invalid", None, None) => t.invalid,
        ("disabled", Some("voters"), None) => t.disabled.voters,
        ("disabled", Some("users"), None) => t.disabled.users,
        ("ballots", Some("received"), None) => t.ballots.received,
        ("ballots", Some("used"), None) => t.ballots.used,
        ("ballots", Some("spoiled"), None) => t.ballots.spoiled,
        ("ballots", Some("unused"), None) => t.ballots.unused,
        ("votes", Some(c), None) => *t.votes.get(c)?,
        (g, Some(cat), Some(col)) => {
            let row = group(t, g)?.get(cat)?;
            match col {
                "l" => row.l,
                "p" => row.p,
                "total" => row.total?,
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(wide(n))
}

fn row(t: &Tally, path: &str) -> Option<i128> {
    let (g, cat) = path.split_once('.')?;
    group(t, g)?.get(cat).map(Tally::lp_wide)
}

fn sum(t: &Tally, path: &str) -> Option<i128> {
    match parts(path)? {
        ("votes", Some("*"), None) => Some(t.votes.values().copied().map(wide).sum()),
        (g, Some("*"), None) => Some(Tally::category_sum_wide(group(t, g)?, Tally::lp_wide)),
        (g, Some("*"), Some("l")) => Some(Tally::category_sum_wide(group(t, g)?, |v| wide(v.l))),
        (g, Some("*"), Some("p")) => Some(Tally::category_sum_wide(group(t, g)?, |v| wide(v.p))),
        _ => None,
    }
}

/// A term's exact value; None when it names an optional number the form left empty.
fn term(t: &Tally, rules: &FormRules<'_>, x: &Term) -> Option<i128> {
    match x {
        Term::Field(p) => field(t, p),
        Term::Row(p) => row(t, p),
        Term::Sum(p) => sum(t, p),
        Term::Constant(c) => rules.constant(c).map(wide),
        Term::Reserve { row: r, basis_points } => Some(wide(reserve(narrow(row(t, r)?), rules.constant(basis_points)?))),
    }
}

fn side(t: &Tally, rules: &FormRules<'_>, terms: &[Term]) -> Option<i128> {
    terms.iter().map(|x| term(t, rules, x)).sum()
}

/// Every identity the form breaks: (hard failures, warnings). An identity over a number the
/// form left empty is not checked.
pub fn check(t: &Tally, rules: &FormRules<'_>) -> (Vec<Failure>, Vec<Failure>) {
    let mut hard = vec![];
    let mut warn = vec![];
    for id in identities(rules.kind) {
        let (Some(left), Some(right)) = (side(t, rules, &id.left), side(t, rules, &id.right)) else { continue };
        if !id.cmp.holds(left, right) {
            let f = Failure { identity: id.name.clone(), rule: id.statement_en.clone(), left: narrow(left), right: narrow(right) };
            if id.warning { warn.push(f) } else { hard.push(f) }
        }
    }
    (hard, warn)
}

/// One number of the paper form, in the paper's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldDef {
    /// Its path in the entry's body; `votes.*` stands for one number per candidate.
    pub path: String,
    /// The part of the paper it is on: `voters`, `users`, `disabled`, `ballots`, `votes`, `totals`.
    pub section: &'static str,
    pub label_id: String,
    pub label_en: String,
    /// An optional number (a row's Jumlah, the Jumlah row) may be left empty.
    pub required: bool,
    /// The most it may hold (`tps_ceiling`).
    pub max: i64,
}

/// The numbers of the form in the paper's order: each group as L / P / Jumlah per category and
/// the Jumlah row; disabled voters; ballots; votes per candidate; valid; invalid.
pub fn form_fields(kind: ElectionKind, max: i64) -> Vec<FieldDef> {
    let mut out = vec![];
    let mut push = |path: String, section: &'static str, label_id: String, label_en: String, required: bool| out.push(FieldDef { path, section, label_id, label_en, required, max });
    for (g, _, gid, gname_en) in GROUPS {
        for cat in categories(kind).iter().copied().chain([TOTAL_ROW]) {
            let short = short_of(kind, cat);
            for (col, cid, cen) in [("l", "laki-laki", "men"), ("p", "perempuan", "women"), ("total", "jumlah", "total")] {
                let required = cat != TOTAL_ROW && col != "total";
                push(format!("{g}.{cat}.{col}"), g, format!("{short} {gid}, {cid}"), format!("{short} {gname_en}, {cen}"), required);
            }
        }
    }
    push("disabled.voters".into(), "disabled", "Pemilih disabilitas".into(), "Disabled voters".into(), true);
    push("disabled.users".into(), "disabled", "Pemilih disabilitas yang menggunakan hak pilih".into(), "Disabled voters who voted".into(), true);
    for (b, id, en) in [
        ("received", "Surat suara yang diterima (termasuk cadangan)", "Ballots received (reserve included)"),
        ("used", "Surat suara yang digunakan", "Ballots used"),
        ("spoiled", "Surat suara yang dikembalikan pemilih karena rusak/keliru coblos", "Ballots returned as damaged or mismarked"),
        ("unused", "Surat suara yang tidak digunakan", "Ballots not used"),
    ] {
        push(format!("ballots.{b}"), "ballots", id.into(), en.into(), true);
    }
    push("votes.*".into(), "votes", "Suara sah tiap calon (nomor urut)".into(), "Valid votes per candidate (ballot number)".into(), true);
    push("valid".into(), "totals", "Jumlah suara sah".into(), "Valid votes".into(), true);
    push("invalid".into(), "totals", "Jumlah suara tidak sah".into(), "Invalid votes".into(), true);
    out
}

/// The whole table of a form for an election, as `GET …/form-rules` serves it: what the page
/// lays out and what the server gates with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormTable {
    pub election: &'static str,
    pub kind: ElectionKind,
    /// The key of the Jumlah row, excluded from every `*` sum.
    pub total_row: &'static str,
    pub categories: Vec<Category>,
    pub fields: Vec<FieldDef>,
    /// The numbers `constant` and `reserve` terms name.
    pub constants: BTreeMap<String, i64>,
    pub identities: Vec<Identity>,
}

/// The rules a C.Hasil of this election is gated with (candidates aside).
pub fn entry_rules<'a>(e: &crate::elections::ElectionDef, candidates: &'a [String]) -> FormRules<'a> {
    let reserve_bp = reserve_bp(e.kind);
    FormRules { kind: e.kind, candidates, max_voters_per_tps: e.max_voters_per_tps, reserve_bp, max_count: tps_ceiling(e.max_voters_by_law, reserve_bp) }
}

pub fn table(e: &'static crate::elections::ElectionDef) -> FormTable {
    let rules = entry_rules(e, &[]);
    FormTable {
        election: e.id,
        kind: e.kind,
        total_row: TOTAL_ROW,
        categories: category_labels(e.kind).to_vec(),
        fields: form_fields(e.kind, rules.max_count),
        constants: rules.constants(),
        identities: identities(e.kind).to_vec(),
    }
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
    use std::collections::BTreeSet;

    /// The identities as they were written before they became data (closures over the form),
    /// kept as the oracle the table must agree with.
    fn reference(t: &Tally, r: &FormRules<'_>) -> (BTreeSet<(String, i64, i64)>, BTreeSet<(String, i64, i64)>) {
        let lpw = Tally::lp_wide;
        let mut rows: Vec<(String, bool, i128, i128, bool)> = vec![];
        let mut one = |name: &str, warning: bool, l: i128, rr: i128, le: bool| rows.push((name.to_string(), warning, l, rr, le));
        for (group, g) in [("pemilih", &t.voters), ("pengguna", &t.users)] {
            for (cat, v) in g {
                if let Some(total) = v.total {
                    one(&format!("jumlah_lp.{group}_{cat}"), false, wide(v.l) + wide(v.p), wide(total), false);
                }
            }
        }
        for (group, g) in [("pemilih", &t.voters), ("pengguna", &t.users)] {
            if let Some(j) = g.get(TOTAL_ROW) {
                one(&format!("jumlah_kategori.{group}_l"), false, Tally::category_sum_wide(g, |v| wide(v.l)), wide(j.l), false);
                one(&format!("jumlah_kategori.{group}_p"), false, Tally::category_sum_wide(g, |v| wide(v.p)), wide(j.p), false);
                if let Some(total) = j.total {
                    one(&format!("jumlah_kategori.{group}"), false, Tally::category_sum_wide(g, lpw), wide(total), false);
                }
            }
        }
        let users = Tally::category_sum_wide(&t.users, lpw);
        let dpt = t.voters.get("dpt").map_or(0, lpw);
        one("suara_sah", false, t.votes.values().copied().map(wide).sum(), wide(t.valid), false);
        one("sah_tidak_sah", false, wide(t.valid) + wide(t.invalid), wide(t.ballots.used), false);
        one("surat_suara_pengguna", false, wide(t.ballots.used), users, false);
        one("surat_suara_diterima", false, wide(t.ballots.received), wide(t.ballots.used) + wide(t.ballots.spoiled) + wide(t.ballots.unused), false);
        one("pengguna_dpt", false, t.users.get("dpt").map_or(0, lpw), dpt, true);
        one("disabilitas_pemilih", false, wide(t.disabled.users), wide(t.disabled.voters), true);
        one("disabilitas_pengguna", false, wide(t.disabled.users), users, true);
        one("dpt_maksimum", false, dpt, wide(r.max_voters_per_tps), true);
        one("surat_suara_cadangan", true, wide(t.ballots.received), dpt + wide(reserve(t.dpt(), r.reserve_bp)), true);
        let (mut hard, mut warn) = (BTreeSet::new(), BTreeSet::new());
        for (name, warning, l, rr, le) in rows {
            if !(if le { l <= rr } else { l == rr }) {
                (if warning { &mut warn } else { &mut hard }).insert((name, narrow(l), narrow(rr)));
            }
        }
        (hard, warn)
    }

    fn as_set(f: Vec<Failure>) -> BTreeSet<(String, i64, i64)> {
        f.into_iter().map(|f| (f.identity, f.left, f.right)).collect()
    }

    /// The table gives exactly the failures (names and both sides) the closures gave, on
    /// arbitrary forms of both regimes, with and without the optional Jumlah cells.
    #[test]
    fn property_the_table_agrees_with_the_closures_it_replaced() {
        let (_, c) = good();
        let mut g = Cases::new(31);
        let mut failing = 0;
        for case in 0..20_000 {
            let kind = if case % 2 == 0 { ElectionKind::Pemilu } else { ElectionKind::Pilkada };
            let r = FormRules { kind, ..rules(&c) };
            // Mostly small numbers, so that many forms pass some identities and fail others.
            let bound = [3, 50, r.max_count][g.below(3) as usize];
            let mut t = arbitrary(&mut g, kind, &c, bound);
            if case % 4 == 3 {
                // A form that adds up, in this regime's categories, with at most one number off.
                t = good().0;
                if kind == ElectionKind::Pilkada {
                    for rows in [&mut t.voters, &mut t.users] {
                        let dpk = rows.remove("dpk").unwrap_or_default();
                        let dptb = rows.remove("dptb").unwrap_or_default();
                        rows.insert("dpph".into(), dptb);
                        rows.insert("dptb".into(), dpk);
                    }
                }
                let by = g.upto(2);
                match g.below(6) {
                    0 => t.valid += by,
                    1 => t.ballots.used += by,
                    2 => t.disabled.users += by,
                    3 => *t.votes.entry("01".into()).or_default() += by,
                    4 => t.users.entry("dpt".into()).or_default().l += by,
                    _ => {}
                }
            }
            if g.below(3) == 0 {
                t.voters.insert(TOTAL_ROW.into(), Lp { l: g.upto(bound), p: g.upto(bound), total: (g.below(2) == 0).then(|| g.upto(bound)) });
            }
            let (hard, warn) = check(&t, &r);
            failing += usize::from(!hard.is_empty());
            assert_eq!((as_set(hard), as_set(warn)), reference(&t, &r), "case {case}: {t:?}");
        }
        assert!(failing > 1000 && failing < 20_000, "both outcomes are exercised: {failing}");
    }

    /// Every term of every identity names a number the form has: on a complete form with every
    /// Jumlah written, every identity is evaluated.
    #[test]
    fn every_term_of_the_table_resolves() {
        for kind in [ElectionKind::Pemilu, ElectionKind::Pilkada] {
            let (_, c) = good();
            let r = FormRules { kind, ..rules(&c) };
            let mut t = good().0;
            let cats = categories(kind);
            for rows in [&mut t.voters, &mut t.users] {
                *rows = cats.iter().chain([&TOTAL_ROW]).map(|k| (k.to_string(), lp(1, 2))).collect();
            }
            for id in identities(kind) {
                assert!(side(&t, &r, &id.left).is_some() && side(&t, &r, &id.right).is_some(), "{kind:?} {}: {:?} = {:?}", id.name, id.left, id.right);
                assert!(!id.statement_id.is_empty() && !id.statement_id.contains('{') && !id.statement_en.contains('{'), "{}", id.name);
            }
            // Two groups × (categories + Jumlah) rows, two groups × (L, P, total), and 8 more.
            assert_eq!(identities(kind).len(), 2 * 4 + 2 * 3 + 9);
            let names: BTreeSet<&str> = identities(kind).iter().map(|i| i.name.as_str()).collect();
            assert_eq!(names.len(), identities(kind).len(), "names are unique");
        }
        let dpph = identities(ElectionKind::Pilkada).iter().find(|i| i.name == "jumlah_lp.pengguna_dpph").expect("Pilkada rows");
        assert_eq!(dpph.statement_id, "L + P = Jumlah pada baris DPPh pengguna hak pilih");
        assert_eq!(dpph.left, [Term::Field("users.dpph.l".into()), Term::Field("users.dpph.p".into())]);
    }

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
