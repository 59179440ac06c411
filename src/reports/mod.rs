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
pub mod evidence;
pub mod pages;
pub mod store;

use serde::Serialize;

use crate::agencies::AgencyKind;

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

/// The classifications a registered report can receive.
pub const CLASSES: &[&str] = &["administrasi", "kode_etik", "pidana", "hukum_lain", "bukan_pelanggaran"];

/// The states where a case sits with Sentra Gakkumdu (police and prosecutors see these).
pub const GAKKUMDU: &[&str] =
    &["pidana", "penyidikan", "penuntutan", "berkas_dikembalikan", "persidangan", "putusan", "banding", "putusan_banding", "berkekuatan_tetap", "dihentikan"];

pub const REPORT_STEPS: &[Step] = &[
    step(&["diterima"], "kajian_awal", BAWASLU, false),
    step(&["diterima", "kajian_awal"], "diregistrasi", BAWASLU, false),
    step(&["diterima", "kajian_awal"], "tidak_diregistrasi", BAWASLU, true),
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

/// What the workflow needs to know about a case to judge a move.
#[derive(Debug, Clone)]
pub struct CaseFacts<'a> {
    pub track: Track,
    pub state: &'a str,
    /// `laporan`, `informasi_awal` or `temuan` (reports); `sengketa` (disputes).
    pub kind: &'a str,
    pub extended: bool,
    pub returned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveError {
    /// Not a state of this track (422).
    Unknown(String),
    /// The workflow does not allow it from here (409).
    NotAllowed(String),
    /// Another agency owns this step (403).
    WrongAgency(String),
    /// A reason is required (422).
    ReasonRequired(String),
}

/// Judges a move: the step must exist from the current state, be owned by the mover's agency,
/// carry a reason where the law asks for one, and respect the once-only rules.
pub fn check_move(case: &CaseFacts<'_>, to: &str, agency: AgencyKind, reason: &str) -> Result<Step, MoveError> {
    if !case.track.knows(to) {
        return Err(MoveError::Unknown(format!("{to:?} is not a state of this workflow")));
    }
    let Some(step) = case.track.steps().iter().find(|s| s.to == to && s.from.contains(&case.state)) else {
        return Err(MoveError::NotAllowed(format!("a case in state {} cannot move to {to}", case.state)));
    };
    if !step.by.contains(&agency) {
        let owners: Vec<&str> = step.by.iter().map(|a| a.as_str()).collect();
        return Err(MoveError::WrongAgency(format!("only {} may move a case to {to}", owners.join(" or "))));
    }
    if step.reason_required && reason.trim().is_empty() {
        return Err(MoveError::ReasonRequired(format!("moving to {to} needs a reason")));
    }
    if to == EXTEND && case.extended {
        return Err(MoveError::NotAllowed("the decision period was already extended once".into()));
    }
    if to == "berkas_dikembalikan" && case.returned {
        return Err(MoveError::NotAllowed("the prosecutor may return the file only once".into()));
    }
    if to == "diregistrasi" && case.kind == "informasi_awal" {
        return Err(MoveError::NotAllowed(
            "an anonymous report is informasi awal and cannot be registered: it lacks the reporter's identity (a formal requirement); record it as a temuan instead".into(),
        ));
    }
    Ok(*step)
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

pub fn requirements(f: &ReportFacts<'_>) -> Vec<Requirement> {
    let r = |key, kind, label, met| Requirement { key, kind, label, met };
    vec![
        r("identitas_pelapor", "formal", "Nama dan alamat pelapor", f.reporter_named),
        r("terlapor", "formal", "Identitas terlapor", !f.reported.trim().is_empty()),
        r("tenggat_lapor", "formal", "Dilaporkan dalam batas waktu", f.filed_in_time),
        r("waktu_tempat", "materiel", "Waktu dan tempat kejadian", !f.place.trim().is_empty()),
        r("uraian", "materiel", "Uraian kejadian", !f.description.trim().is_empty()),
        r("bukti", "materiel", "Bukti", f.evidence > 0),
        r("saksi", "materiel", "Saksi", f.witnesses > 0),
    ]
}

/// Indonesian and English names of every state, for pages and exports.
pub const STATE_LABELS: &[(&str, &str, &str)] = &[
    ("diterima", "Diterima", "Received"),
    ("kajian_awal", "Kajian awal", "Initial review"),
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
        CaseFacts { track: Track::Report, state, kind: "laporan", extended: false, returned: false }
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
