//! Laporan & penanganan: violation reports from the public and supervisors' findings, the
//! statutory clock of every step (deadlines), the case workflow from receipt through Bawaslu's
//! decision or the Sentra Gakkumdu chain (Bawaslu → Polri → Kejaksaan → court), process
//! disputes (sengketa proses) on their own track, evidence files, and the reporter's privacy.
//!
//! The workflow is a table of steps (who may move a case from which state to which) and a table
//! of clocks (which deadline rule runs in which state); both are pure and tested here, and the
//! store applies them inside the write transaction.

pub mod api;
pub mod deadlines;
pub mod demo;
pub mod field;
pub mod evidence;
pub mod pages;
pub mod store;

use serde::Serialize;

use crate::agencies::AgencyKind;
use crate::platform::i18n::Text;

/// Which workflow a case follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    /// A report (laporan), an anonymous tip (informasi awal) or a supervisor's finding (temuan).
    Report,
    /// A process dispute against a KPU decision (sengketa proses).
    Dispute,
}

/// One allowed move: from any of `from` to `to`, by one of the agencies in `by`.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub from: &'static [&'static str],
    pub to: &'static str,
    pub by: &'static [AgencyKind],
    pub reason_required: bool,
}

const BAWASLU: &[AgencyKind] = &[AgencyKind::Bawaslu];
const POLRI: &[AgencyKind] = &[AgencyKind::Polri];
const KEJAKSAAN: &[AgencyKind] = &[AgencyKind::Kejaksaan];
const KPU: &[AgencyKind] = &[AgencyKind::Kpu];

const fn step(from: &'static [&'static str], to: &'static str, by: &'static [AgencyKind], reason_required: bool) -> Step {
    Step { from, to, by, reason_required }
}

/// Extending Bawaslu's decision period (Pemilu: to 14 hari kerja; Pilkada: by 2 hari) keeps the
/// state and restarts its clock under the longer rule; allowed once.
pub const EXTEND: &str = "perpanjangan";

/// Bawaslu asks the reporter to complete a report whose formal or material requirements are
/// unmet (perbaikan/kelengkapan laporan, Perbawaslu 7/2022); completing it returns the report to
/// kajian awal, and the window lapsing keeps it as informasi awal.
pub const PERBAIKAN: &str = "perbaikan";

/// Not registered as a report, kept as initial information Bawaslu may take up as a finding:
/// a report filed after the window, or one whose completion window lapsed (DOMAIN-RULES 6.1).
pub const INFORMASI_AWAL: &str = "informasi_awal";

/// Bawaslu takes initial information up as its own finding (temuan): the case becomes a
/// registered temuan. Like [`EXTEND`] this is a move, not a state.
pub const TAKE_UP: &str = "jadikan_temuan";

/// The classifications a registered report can receive.
pub const CLASSES: &[&str] = &["administrasi", "kode_etik", "pidana", "hukum_lain", "bukan_pelanggaran"];

/// The states where a case sits with Sentra Gakkumdu (police and prosecutors see these).
pub const GAKKUMDU: &[&str] =
    &["pidana", "penyidikan", "penuntutan", "berkas_dikembalikan", "persidangan", "putusan", "banding", "putusan_banding", "berkekuatan_tetap", "dihentikan"];

pub const REPORT_STEPS: &[Step] = &[
    step(&["diterima"], "kajian_awal", BAWASLU, false),
    // Registering a report whose requirements are unmet needs a recorded reason (check_move).
    step(&["diterima", "kajian_awal"], "diregistrasi", BAWASLU, false),
    step(&["diterima", "kajian_awal", INFORMASI_AWAL], "tidak_diregistrasi", BAWASLU, true),
    // The reason says what the reporter must complete. The reporter completes through the
    // receipt (or Bawaslu records a completion handed in at its office); the window lapsing
    // is the deadline sweep's move to informasi awal, not anyone's step.
    step(&["diterima", "kajian_awal"], PERBAIKAN, BAWASLU, true),
    step(&[PERBAIKAN], "kajian_awal", BAWASLU, false),
    step(&["diterima", "kajian_awal", INFORMASI_AWAL], TAKE_UP, BAWASLU, true),
    step(&["diregistrasi"], "administrasi", BAWASLU, false),
    step(&["diregistrasi"], "kode_etik", BAWASLU, false),
    step(&["diregistrasi"], "pidana", BAWASLU, false),
    step(&["diregistrasi"], "hukum_lain", BAWASLU, false),
    step(&["diregistrasi"], "bukan_pelanggaran", BAWASLU, true),
    step(&["diregistrasi", "administrasi", "kode_etik", "hukum_lain"], EXTEND, BAWASLU, true),
    step(&["administrasi"], "diputus", BAWASLU, true),
    step(&["kode_etik"], "diteruskan_dkpp", BAWASLU, false),
    step(&["hukum_lain"], "diteruskan_instansi", BAWASLU, true),
    // Sentra Gakkumdu: Bawaslu forwards to the investigator (or the first joint discussion
    // stops the case); then the police investigate and the prosecutor takes it to court.
    step(&["pidana"], "penyidikan", &[AgencyKind::Bawaslu, AgencyKind::Polri], false),
    step(&["pidana"], "dihentikan", BAWASLU, true),
    step(&["penyidikan"], "penuntutan", POLRI, false),
    step(&["penyidikan"], "dihentikan", POLRI, true),
    step(&["penuntutan"], "berkas_dikembalikan", KEJAKSAAN, true),
    step(&["berkas_dikembalikan"], "penuntutan", POLRI, false),
    step(&["penuntutan"], "persidangan", KEJAKSAAN, false),
    step(&["persidangan"], "putusan", KEJAKSAAN, true),
    step(&["putusan"], "banding", KEJAKSAAN, false),
    step(&["putusan"], "berkekuatan_tetap", KEJAKSAAN, false),
    step(&["banding"], "putusan_banding", KEJAKSAAN, true),
];

pub const DISPUTE_STEPS: &[Step] = &[
    step(&["diregistrasi"], "mediasi", BAWASLU, false),
    step(&["diregistrasi"], "tidak_diterima", BAWASLU, true),
    step(&["mediasi"], "mufakat", BAWASLU, true),
    step(&["mediasi"], "adjudikasi", BAWASLU, false),
    step(&["adjudikasi"], "diputus", BAWASLU, true),
    step(&["diputus"], "ditindaklanjuti", KPU, true),
];

/// When a clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStart {
    /// When Bawaslu received the report (or the dispute was filed).
    Received,
    /// When the report was registered.
    Registered,
    /// When the case entered its current state.
    StateEntered,
}

/// Which deadline rule runs while a case is in a state.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub state: &'static str,
    pub rule: &'static str,
    pub start: ClockStart,
}

const fn clock(state: &'static str, rule: &'static str, start: ClockStart) -> Clock {
    Clock { state, rule, start }
}

pub const REPORT_CLOCKS: &[Clock] = &[
    clock("diterima", "kajian_awal", ClockStart::Received),
    clock("kajian_awal", "kajian_awal", ClockStart::Received),
    clock(PERBAIKAN, "perbaikan_laporan", ClockStart::StateEntered),
    clock(INFORMASI_AWAL, "penetapan_temuan", ClockStart::StateEntered),
    clock("diregistrasi", "putusan_bawaslu", ClockStart::Registered),
    clock("administrasi", "putusan_bawaslu", ClockStart::Registered),
    clock("kode_etik", "putusan_bawaslu", ClockStart::Registered),
    clock("hukum_lain", "putusan_bawaslu", ClockStart::Registered),
    clock("pidana", "penerusan_penyidik", ClockStart::StateEntered),
    clock("penyidikan", "penyidikan", ClockStart::StateEntered),
    clock("penuntutan", "pelimpahan_pengadilan", ClockStart::StateEntered),
    clock("berkas_dikembalikan", "penyerahan_kembali", ClockStart::StateEntered),
    clock("persidangan", "putusan_pn", ClockStart::StateEntered),
    clock("putusan", "banding", ClockStart::StateEntered),
    clock("banding", "putusan_pt", ClockStart::StateEntered),
];

pub const DISPUTE_CLOCKS: &[Clock] = &[
    clock("diregistrasi", "sengketa_mediasi", ClockStart::Registered),
    clock("mediasi", "sengketa_putusan", ClockStart::Registered),
    clock("adjudikasi", "sengketa_putusan", ClockStart::Registered),
    clock("diputus", "sengketa_tindak_lanjut", ClockStart::StateEntered),
];

impl Track {
    pub fn steps(self) -> &'static [Step] {
        match self {
            Track::Report => REPORT_STEPS,
            Track::Dispute => DISPUTE_STEPS,
        }
    }

    /// The clock running in `state` (none in a final state), with the extended rule once
    /// Bawaslu has extended its decision period.
    pub fn clock(self, state: &str, extended: bool) -> Option<Clock> {
        let clocks = match self {
            Track::Report => REPORT_CLOCKS,
            Track::Dispute => DISPUTE_CLOCKS,
        };
        let mut c = *clocks.iter().find(|c| c.state == state)?;
        if extended && c.rule == "putusan_bawaslu" {
            c.rule = "putusan_bawaslu_diperpanjang";
        }
        Some(c)
    }

    /// The agencies that move a case on from `state`: they own its deadline.
    pub fn owners(self, state: &str) -> Vec<AgencyKind> {
        let mut out = Vec::new();
        for s in self.steps().iter().filter(|s| s.from.contains(&state) && s.to != EXTEND) {
            for a in s.by {
                if !out.contains(a) {
                    out.push(*a);
                }
            }
        }
        out
    }

    pub fn is_final(self, state: &str) -> bool {
        !self.steps().iter().any(|s| s.from.contains(&state))
    }

    /// Every state name the track knows, for validating input.
    fn knows(self, state: &str) -> bool {
        state == EXTEND || self.steps().iter().any(|s| s.to == state || s.from.contains(&state))
    }
}

/// A move a track's workflow knows (a state, a classification, or [`EXTEND`]/[`TAKE_UP`]),
/// checked against the step table when the request is read: store moves take this, never the
/// request's string, so a name the workflow does not know cannot reach the store. (The tables
/// name states as `&'static str` keys shared with the database and the API; this type is the
/// checked handle onto them.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveTo {
    track: Track,
    to: &'static str,
}

impl MoveTo {
    /// The move named `to` on `track`, or [`MoveError::Unknown`] (422 on the field `to`).
    pub fn parse(track: Track, to: &str) -> Result<MoveTo, MoveError> {
        let to = to.trim();
        let known = std::iter::once(EXTEND).chain(track.steps().iter().flat_map(|s| s.from.iter().copied().chain(std::iter::once(s.to)))).find(|s| *s == to);
        match known {
            Some(to) => Ok(MoveTo { track, to }),
            None => Err(MoveError::Unknown(crate::tr!("{to:?} bukan tahap alur penanganan ini", "{to:?} is not a state of this workflow"))),
        }
    }

    pub fn track(self) -> Track {
        self.track
    }

    pub fn as_str(self) -> &'static str {
        self.to
    }
}

/// The state a move leaves the case in: an extension keeps it, taking initial information up
/// as a finding registers it.
pub fn state_after(current: &str, to: &str) -> String {
    match to {
        EXTEND => current.to_string(),
        TAKE_UP => "diregistrasi".to_string(),
        _ => to.to_string(),
    }
}

/// A completed report is assessed afresh: its kajian awal runs from the completion, not from
/// the first receipt (which the request to complete may have outlived).
pub fn restarts_assessment(from: &str, to: &str) -> bool {
    from == PERBAIKAN && to == "kajian_awal"
}

/// What the workflow needs to know about a case to judge a move.
#[derive(Debug, Clone)]
pub struct CaseFacts<'a> {
    pub track: Track,
    pub state: &'a str,
    /// `laporan`, `informasi_awal` or `temuan` (reports); `sengketa` (disputes).
    pub kind: &'a str,
    pub extended: bool,
    pub returned: bool,
    /// The keys of the report's formal and material requirements that are unmet.
    pub unmet: Vec<&'static str>,
    /// Bawaslu already asked the reporter to complete the report once.
    pub completion_asked: bool,
}

impl<'a> CaseFacts<'a> {
    pub fn new(track: Track, state: &'a str, kind: &'a str) -> CaseFacts<'a> {
        CaseFacts { track, state, kind, extended: false, returned: false, unmet: Vec::new(), completion_asked: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveError {
    /// Not a state of this track (422).
    Unknown(Text),
    /// The workflow does not allow it from here (409).
    NotAllowed(Text),
    /// Another agency owns this step (403).
    WrongAgency(Text),
    /// A reason is required (422).
    ReasonRequired(Text),
}

/// Judges a move: the step must exist from the current state, be owned by the mover's agency,
/// carry a reason where the law asks for one, and respect the once-only rules.
pub fn check_move(case: &CaseFacts<'_>, to: &str, agency: AgencyKind, reason: &str) -> Result<Step, MoveError> {
    use crate::platform::web::Lang::{En, Id};
    if !case.track.knows(to) {
        return Err(MoveError::Unknown(crate::tr!("{to:?} bukan tahap alur penanganan ini", "{to:?} is not a state of this workflow")));
    }
    let Some(step) = case.track.steps().iter().find(|s| s.to == to && s.from.contains(&case.state)) else {
        let (from_id, from_en, to_id, to_en) = (state_label(case.state, Id), state_label(case.state, En), state_label(to, Id), state_label(to, En));
        return Err(MoveError::NotAllowed(crate::tr!(
            "perkara pada tahap \"{from_id}\" tidak dapat dipindah ke \"{to_id}\"",
            "a case at \"{from_en}\" cannot move to \"{to_en}\""
        )));
    };
    if !step.by.contains(&agency) {
        let owners: Vec<&str> = step.by.iter().map(|a| a.as_str()).collect();
        let (owners, to_id, to_en) = (owners.join(" atau "), state_label(to, Id), state_label(to, En));
        let owners_en = owners.replace(" atau ", " or ");
        return Err(MoveError::WrongAgency(crate::tr!(
            "hanya {owners} yang dapat memindahkan perkara ke \"{to_id}\"",
            "only {owners_en} may move a case to \"{to_en}\""
        )));
    }
    if step.reason_required && reason.trim().is_empty() {
        let (to_id, to_en) = (state_label(to, Id), state_label(to, En));
        return Err(MoveError::ReasonRequired(crate::tr!("langkah \"{to_id}\" wajib disertai alasan", "moving to \"{to_en}\" needs a reason")));
    }
    if to == EXTEND && case.extended {
        return Err(MoveError::NotAllowed(crate::tr!("waktu penanganan sudah pernah diperpanjang", "the decision period was already extended once")));
    }
    if to == "berkas_dikembalikan" && case.returned {
        return Err(MoveError::NotAllowed(crate::tr!("jaksa hanya boleh mengembalikan berkas satu kali", "the prosecutor may return the file only once")));
    }
    if to == "diregistrasi" && case.kind == "informasi_awal" {
        return Err(MoveError::NotAllowed(crate::tr!(
            "informasi awal tidak dapat diregistrasi sebagai laporan: syarat formalnya (identitas pelapor atau batas waktu pelaporan) tidak terpenuhi; jadikan temuan bila akan ditindaklanjuti",
            "initial information cannot be registered as a report: a formal requirement (the reporter's identity or the filing window) is unmet; take it up as a finding (temuan) instead"
        )));
    }
    if to == "diregistrasi" && !case.unmet.is_empty() && reason.trim().is_empty() {
        let (id, en) = requirement_labels(&case.unmet);
        return Err(MoveError::ReasonRequired(crate::tr!(
            "laporan belum memenuhi syarat: {id}. Catat alasan meregistrasinya, atau minta pelapor melengkapinya (perbaikan laporan)",
            "the report does not meet: {en}. Record why it is registered anyway, or ask the reporter to complete it (perbaikan)"
        )));
    }
    if to == PERBAIKAN {
        if case.kind != "laporan" {
            return Err(MoveError::NotAllowed(crate::tr!(
                "hanya laporan dengan pelapor yang dapat diminta dilengkapi",
                "only a report with a named reporter can be sent back for completion"
            )));
        }
        if case.unmet.is_empty() {
            return Err(MoveError::NotAllowed(crate::tr!(
                "semua syarat formal dan materiel laporan sudah terpenuhi; tidak ada yang perlu dilengkapi",
                "every formal and material requirement is met; there is nothing to complete"
            )));
        }
        if case.completion_asked {
            return Err(MoveError::NotAllowed(crate::tr!(
                "pelapor sudah pernah diminta melengkapi laporan ini",
                "the reporter was already asked once to complete this report"
            )));
        }
    }
    if to == TAKE_UP && case.kind != "informasi_awal" {
        return Err(MoveError::NotAllowed(crate::tr!(
            "hanya informasi awal yang dapat dijadikan temuan",
            "only initial information can be taken up as a finding"
        )));
    }
    Ok(*step)
}

/// The unmet requirements named in both languages: "Bukti, Saksi".
pub fn requirement_labels(keys: &[&str]) -> (String, String) {
    let pick = |en: bool| {
        keys.iter()
            .filter_map(|k| REQUIREMENT_LABELS.iter().find(|(key, _, _)| key == k))
            .map(|(_, id, e)| if en { *e } else { *id })
            .collect::<Vec<_>>()
            .join(", ")
    };
    (pick(false), pick(true))
}

/// One formal or material requirement of a report and whether it is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Requirement {
    pub key: &'static str,
    /// `formal` or `materiel`.
    pub kind: &'static str,
    pub label: &'static str,
    pub met: bool,
}

/// What Bawaslu checks before registering (UU 7/2017 Ps 454(4), UU 1/2015 Ps 134(3);
/// Perbawaslu 7/2022): formally the reporter's identity, the reported party and the filing
/// window; materially the time and place, the account of events, evidence and witnesses.
pub struct ReportFacts<'a> {
    pub reporter_named: bool,
    pub reported: &'a str,
    pub filed_in_time: bool,
    pub place: &'a str,
    pub description: &'a str,
    pub evidence: usize,
    pub witnesses: usize,
}

/// Each requirement's key with its Indonesian and English label.
pub const REQUIREMENT_LABELS: &[(&str, &str, &str)] = &[
    ("identitas_pelapor", "Nama dan alamat pelapor", "Reporter's name and address"),
    ("terlapor", "Identitas terlapor", "The reported party"),
    ("tenggat_lapor", "Dilaporkan dalam batas waktu", "Filed within the window"),
    ("waktu_tempat", "Waktu dan tempat kejadian", "Time and place of the event"),
    ("uraian", "Uraian kejadian", "Account of the event"),
    ("bukti", "Bukti", "Evidence"),
    ("saksi", "Saksi", "Witnesses"),
];

pub fn requirements(f: &ReportFacts<'_>) -> Vec<Requirement> {
    let r = |key: &'static str, kind, met| Requirement { key, kind, label: REQUIREMENT_LABELS.iter().find(|(k, _, _)| *k == key).map_or(key, |(_, id, _)| *id), met };
    vec![
        r("identitas_pelapor", "formal", f.reporter_named),
        r("terlapor", "formal", !f.reported.trim().is_empty()),
        r("tenggat_lapor", "formal", f.filed_in_time),
        r("waktu_tempat", "materiel", !f.place.trim().is_empty()),
        r("uraian", "materiel", !f.description.trim().is_empty()),
        r("bukti", "materiel", f.evidence > 0),
        r("saksi", "materiel", f.witnesses > 0),
    ]
}

/// Indonesian and English names of every state, for pages and exports.
pub const STATE_LABELS: &[(&str, &str, &str)] = &[
    ("diterima", "Diterima", "Received"),
    ("kajian_awal", "Kajian awal", "Initial review"),
    ("perbaikan", "Menunggu kelengkapan dari pelapor", "Awaiting completion by the reporter"),
    ("informasi_awal", "Tidak diregistrasi; disimpan sebagai informasi awal", "Not registered; kept as initial information"),
    ("jadikan_temuan", "Dijadikan temuan Bawaslu", "Taken up as a Bawaslu finding"),
    ("diregistrasi", "Diregistrasi", "Registered"),
    ("tidak_diregistrasi", "Tidak diregistrasi", "Not registered"),
    ("administrasi", "Pelanggaran administrasi", "Administrative violation"),
    ("kode_etik", "Pelanggaran kode etik", "Ethics violation"),
    ("pidana", "Dugaan tindak pidana (Gakkumdu)", "Suspected crime (Gakkumdu)"),
    ("hukum_lain", "Pelanggaran hukum lainnya", "Other law"),
    ("bukan_pelanggaran", "Bukan pelanggaran", "Not a violation"),
    ("diputus", "Diputus", "Decided"),
    ("diteruskan_dkpp", "Diteruskan ke DKPP", "Forwarded to DKPP"),
    ("diteruskan_instansi", "Diteruskan ke instansi berwenang", "Forwarded to the competent agency"),
    ("penyidikan", "Penyidikan", "Investigation"),
    ("penuntutan", "Penuntutan", "Prosecution"),
    ("berkas_dikembalikan", "Berkas dikembalikan", "File returned"),
    ("persidangan", "Persidangan", "Trial"),
    ("putusan", "Putusan PN", "District court verdict"),
    ("banding", "Banding", "Appeal"),
    ("putusan_banding", "Putusan banding (PT)", "High court verdict"),
    ("berkekuatan_tetap", "Berkekuatan hukum tetap", "Final"),
    ("dihentikan", "Dihentikan", "Stopped"),
    ("perpanjangan", "Perpanjangan waktu", "Period extended"),
    ("mediasi", "Mediasi", "Mediation"),
    ("tidak_diterima", "Tidak diterima", "Not accepted"),
    ("mufakat", "Mufakat (mediasi berhasil)", "Settled in mediation"),
    ("adjudikasi", "Adjudikasi", "Adjudication"),
    ("ditindaklanjuti", "Ditindaklanjuti KPU", "Followed up by KPU"),
];

pub fn state_label(state: &str, lang: crate::platform::web::Lang) -> &'static str {
    STATE_LABELS
        .iter()
        .find(|(k, _, _)| *k == state)
        .map(|(_, id, en)| if lang == crate::platform::web::Lang::En { *en } else { *id })
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(state: &str) -> CaseFacts<'_> {
        CaseFacts::new(Track::Report, state, "laporan")
    }

    #[test]
    fn bawaslu_registers_and_classifies() {
        assert!(check_move(&report("diterima"), "kajian_awal", AgencyKind::Bawaslu, "").is_ok());
        assert!(check_move(&report("kajian_awal"), "diregistrasi", AgencyKind::Bawaslu, "").is_ok());
        for c in CLASSES {
            let reason = "alasan";
            assert!(check_move(&report("diregistrasi"), c, AgencyKind::Bawaslu, reason).is_ok(), "{c}");
        }
    }

    #[test]
    fn each_refusal_has_its_kind() {
        assert!(matches!(check_move(&report("diterima"), "terbang", AgencyKind::Bawaslu, ""), Err(MoveError::Unknown(_))));
        assert!(matches!(check_move(&report("diterima"), "putusan", AgencyKind::Kejaksaan, "x"), Err(MoveError::NotAllowed(_))));
        assert!(matches!(check_move(&report("diterima"), "diregistrasi", AgencyKind::Polri, ""), Err(MoveError::WrongAgency(_))));
        assert!(matches!(check_move(&report("diterima"), "tidak_diregistrasi", AgencyKind::Bawaslu, " "), Err(MoveError::ReasonRequired(_))));
        let anon = CaseFacts { kind: "informasi_awal", ..report("kajian_awal") };
        assert!(matches!(check_move(&anon, "diregistrasi", AgencyKind::Bawaslu, ""), Err(MoveError::NotAllowed(_))));
    }

    #[test]
    fn registering_with_unmet_requirements_needs_a_recorded_reason() {
        let incomplete = CaseFacts { unmet: vec!["bukti", "saksi"], ..report("kajian_awal") };
        let Err(MoveError::ReasonRequired(m)) = check_move(&incomplete, "diregistrasi", AgencyKind::Bawaslu, " ") else {
            panic!("registering without a reason must be refused");
        };
        assert!(m.id().contains("Bukti, Saksi") && m.en().contains("Evidence, Witnesses"), "{m:?}");
        assert!(check_move(&incomplete, "diregistrasi", AgencyKind::Bawaslu, "Bukti fisik diserahkan di kantor").is_ok());
        assert!(check_move(&report("kajian_awal"), "diregistrasi", AgencyKind::Bawaslu, "").is_ok(), "a complete report needs no reason");
    }

    #[test]
    fn the_reporter_is_asked_to_complete_once_and_completion_returns_to_review() {
        let incomplete = CaseFacts { unmet: vec!["bukti"], ..report("diterima") };
        assert!(matches!(check_move(&incomplete, PERBAIKAN, AgencyKind::Bawaslu, ""), Err(MoveError::ReasonRequired(_))), "say what to complete");
        assert!(check_move(&incomplete, PERBAIKAN, AgencyKind::Bawaslu, "Lampirkan foto amplop").is_ok());
        assert!(matches!(check_move(&report("kajian_awal"), PERBAIKAN, AgencyKind::Bawaslu, "x"), Err(MoveError::NotAllowed(_))), "nothing to complete");
        let again = CaseFacts { completion_asked: true, ..incomplete.clone() };
        assert!(matches!(check_move(&again, PERBAIKAN, AgencyKind::Bawaslu, "x"), Err(MoveError::NotAllowed(_))), "once only");
        let anon = CaseFacts { kind: "informasi_awal", ..incomplete.clone() };
        assert!(matches!(check_move(&anon, PERBAIKAN, AgencyKind::Bawaslu, "x"), Err(MoveError::NotAllowed(_))), "no reporter to ask");
        assert!(check_move(&report(PERBAIKAN), "kajian_awal", AgencyKind::Bawaslu, "").is_ok());
        assert!(matches!(check_move(&report(PERBAIKAN), "diregistrasi", AgencyKind::Bawaslu, "x"), Err(MoveError::NotAllowed(_))), "not before completion");
        assert!(restarts_assessment(PERBAIKAN, "kajian_awal") && !restarts_assessment("diterima", "kajian_awal"));
        let clock = Track::Report.clock(PERBAIKAN, false).expect("a clock");
        assert_eq!((clock.rule, clock.start), ("perbaikan_laporan", ClockStart::StateEntered));
        assert_eq!(Track::Report.owners(PERBAIKAN), vec![AgencyKind::Bawaslu]);
    }

    #[test]
    fn initial_information_is_taken_up_as_a_finding_not_registered() {
        let late = CaseFacts { kind: "informasi_awal", unmet: vec!["tenggat_lapor"], ..report(INFORMASI_AWAL) };
        assert!(matches!(check_move(&late, "diregistrasi", AgencyKind::Bawaslu, "x"), Err(MoveError::NotAllowed(_))));
        assert!(matches!(check_move(&late, TAKE_UP, AgencyKind::Bawaslu, ""), Err(MoveError::ReasonRequired(_))));
        assert!(matches!(check_move(&late, TAKE_UP, AgencyKind::Polri, "x"), Err(MoveError::WrongAgency(_))));
        assert!(check_move(&late, TAKE_UP, AgencyKind::Bawaslu, "Diteliti sebagai temuan").is_ok());
        assert!(check_move(&late, "tidak_diregistrasi", AgencyKind::Bawaslu, "Tidak cukup petunjuk").is_ok());
        let anon = CaseFacts { kind: "informasi_awal", ..report("kajian_awal") };
        assert!(check_move(&anon, TAKE_UP, AgencyKind::Bawaslu, "x").is_ok(), "an anonymous tip too");
        assert!(matches!(check_move(&report("kajian_awal"), TAKE_UP, AgencyKind::Bawaslu, "x"), Err(MoveError::NotAllowed(_))), "a report is registered, not taken up");
        assert_eq!(state_after(INFORMASI_AWAL, TAKE_UP), "diregistrasi");
        assert_eq!(state_after("administrasi", EXTEND), "administrasi");
        assert_eq!(Track::Report.clock(INFORMASI_AWAL, false).map(|c| c.rule), Some("penetapan_temuan"));
    }

    #[test]
    fn requirements_name_what_is_missing() {
        let f = ReportFacts { reporter_named: false, reported: "Tim sukses", filed_in_time: true, place: "TPS 1", description: "Amplop", evidence: 0, witnesses: 2 };
        let missing: Vec<_> = requirements(&f).into_iter().filter(|r| !r.met).map(|r| r.key).collect();
        assert_eq!(missing, ["identitas_pelapor", "bukti"]);
    }

    #[test]
    fn the_prosecutor_returns_a_file_only_once() {
        assert!(check_move(&report("penuntutan"), "berkas_dikembalikan", AgencyKind::Kejaksaan, "kurang saksi").is_ok());
        let again = CaseFacts { returned: true, ..report("penuntutan") };
        assert!(matches!(check_move(&again, "berkas_dikembalikan", AgencyKind::Kejaksaan, "lagi"), Err(MoveError::NotAllowed(_))));
        assert!(check_move(&again, "persidangan", AgencyKind::Kejaksaan, "").is_ok());
    }

    #[test]
    fn the_decision_period_is_extended_once_under_the_longer_rule() {
        assert!(check_move(&report("administrasi"), EXTEND, AgencyKind::Bawaslu, "keterangan tambahan").is_ok());
        let ext = CaseFacts { extended: true, ..report("administrasi") };
        assert!(matches!(check_move(&ext, EXTEND, AgencyKind::Bawaslu, "lagi"), Err(MoveError::NotAllowed(_))));
        assert_eq!(Track::Report.clock("administrasi", true).map(|c| c.rule), Some("putusan_bawaslu_diperpanjang"));
        assert_eq!(Track::Report.clock("administrasi", false).map(|c| c.rule), Some("putusan_bawaslu"));
    }

    #[test]
    fn every_open_state_has_a_clock_and_owners_and_every_rule_exists() {
        for track in [Track::Report, Track::Dispute] {
            for s in track.steps() {
                for from in s.from {
                    assert!(track.clock(from, false).is_some(), "{track:?} {from} has no clock");
                    assert!(!track.owners(from).is_empty(), "{from}");
                }
            }
        }
        for c in REPORT_CLOCKS.iter().chain(DISPUTE_CLOCKS) {
            for kind in [crate::elections::ElectionKind::Pemilu, crate::elections::ElectionKind::Pilkada] {
                assert!(deadlines::find(kind, c.rule).is_some(), "{}", c.rule);
            }
        }
        for (k, _, _) in STATE_LABELS {
            assert!(Track::Report.knows(k) || Track::Dispute.knows(k), "{k}");
        }
        assert!(Track::Report.is_final("diputus") && !Track::Report.is_final("penyidikan"));
        assert_eq!(Track::Report.owners("penuntutan"), vec![AgencyKind::Kejaksaan]);
        assert_eq!(Track::Dispute.owners("diputus"), vec![AgencyKind::Kpu]);
    }
}
