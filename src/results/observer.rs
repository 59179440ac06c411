//! An observer's own reading of the C.Hasil, checked against the public log
//! (`sinergi log watch URL --csv FILE`): for each row, the proof endpoint's leaves are proved
//! included in a checkpoint the monitor accepted (`platform::tlog::watch`), and the numbers of
//! the entry that counts are compared with the row's.
//!
//! The CSV, one row per TPS and contest, made in a spreadsheet: `,` or `;` between cells (as
//! Indonesian Excel writes it), a UTF-8 byte order mark read past, as every import reads a
//! spreadsheet (`platform::sheet`). Header names in either language, in any case, spaces and
//! `-` read as `_`:
//!
//! | column | meaning |
//! |---|---|
//! | `pemilihan` / `election` | the election, e.g. `pemilu-2024` (required) |
//! | `tps` | the TPS code, e.g. `35.76.02.1008.001` (required) |
//! | `kontes` / `contest` | the contest, e.g. `presiden` (required) |
//! | `sumber` / `source` | whose entry to compare: `kpu` (default), `bawaslu`, `saksi`, `publik` |
//! | `suara_<id>` / `votes_<id>` | a candidate's votes, e.g. `suara_01` |
//! | `sah` / `suara_sah` / `valid` | valid votes |
//! | `tidak_sah` / `suara_tidak_sah` / `invalid` | invalid votes |
//! | `surat_diterima` / `ballots_received`, `surat_digunakan` / `ballots_used`, `surat_rusak` / `ballots_spoiled`, `surat_sisa` / `ballots_unused` | the ballot counts |
//! | `catatan` / `keterangan` / `note` | ignored |
//!
//! An empty cell is not compared. Numbers may carry `.` as thousands separator (`1.234`).
//!
//! Which entry counts: for KPU, the numbers of the latest revision in which two entries agree
//! (double entry, as the server counts them; entries of one revision come from two different
//! users, which the server enforces); before any revision agrees, the latest KPU entry, noted as
//! not yet agreed. For another source, its latest revision.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::form::Tally;
use crate::platform::i18n::Text;
use crate::platform::tlog::{self, watch::Monitor};
use crate::tr;

/// A number on the form that a row may give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Votes(String),
    Valid,
    Invalid,
    BallotsReceived,
    BallotsUsed,
    BallotsSpoiled,
    BallotsUnused,
}

impl Field {
    pub fn label(&self) -> Text {
        match self {
            Field::Votes(id) => tr!("suara {id}", "votes {id}"),
            Field::Valid => tr!("suara sah", "valid votes"),
            Field::Invalid => tr!("suara tidak sah", "invalid votes"),
            Field::BallotsReceived => tr!("surat suara diterima", "ballots received"),
            Field::BallotsUsed => tr!("surat suara digunakan", "ballots used"),
            Field::BallotsSpoiled => tr!("surat suara rusak/keliru", "ballots spoiled"),
            Field::BallotsUnused => tr!("surat suara tidak digunakan", "ballots unused"),
        }
    }

    /// The field's number in a tally, if the tally has it.
    fn of(&self, t: &Tally) -> Option<i64> {
        match self {
            // "1" and "01" name the same candidate number when a spreadsheet dropped the zero.
            Field::Votes(id) => t.votes.get(id).copied().or_else(|| {
                let n = id.parse::<u64>().ok()?;
                t.votes.iter().find(|(k, _)| k.parse::<u64>().ok() == Some(n)).map(|(_, v)| *v)
            }),
            Field::Valid => Some(t.valid),
            Field::Invalid => Some(t.invalid),
            Field::BallotsReceived => Some(t.ballots.received),
            Field::BallotsUsed => Some(t.ballots.used),
            Field::BallotsSpoiled => Some(t.ballots.spoiled),
            Field::BallotsUnused => Some(t.ballots.unused),
        }
    }
}

/// One row of the observer's CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub election: String,
    pub tps: String,
    pub contest: String,
    pub source: String,
    pub numbers: Vec<(Field, i64)>,
}

enum Column {
    Election,
    Tps,
    Contest,
    Source,
    Number(Field),
    Ignored,
}

const KNOWN: &str = "pemilihan, tps, kontes, sumber, suara_<nomor>, sah, tidak_sah, surat_diterima, surat_digunakan, surat_rusak, surat_sisa, catatan";

fn column(name: &str) -> Option<Column> {
    Some(match name {
        "pemilihan" | "election" => Column::Election,
        "tps" | "kode_tps" => Column::Tps,
        "kontes" | "contest" => Column::Contest,
        "sumber" | "source" => Column::Source,
        "sah" | "suara_sah" | "valid" => Column::Number(Field::Valid),
        "tidak_sah" | "suara_tidak_sah" | "invalid" => Column::Number(Field::Invalid),
        "surat_diterima" | "ballots_received" => Column::Number(Field::BallotsReceived),
        "surat_digunakan" | "ballots_used" => Column::Number(Field::BallotsUsed),
        "surat_rusak" | "ballots_spoiled" => Column::Number(Field::BallotsSpoiled),
        "surat_sisa" | "surat_tidak_digunakan" | "ballots_unused" => Column::Number(Field::BallotsUnused),
        "catatan" | "keterangan" | "note" | "notes" => Column::Ignored,
        other => {
            let id = other.strip_prefix("suara_").or_else(|| other.strip_prefix("votes_")).filter(|id| !id.is_empty())?;
            Column::Number(Field::Votes(id.to_string()))
        }
    })
}

/// A count as a spreadsheet writes it: digits, or digits grouped by `.` in threes.
fn count(cell: &str) -> Option<i64> {
    let groups: Vec<&str> = cell.split('.').collect();
    let grouped = groups.len() > 1 && (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
    if groups.len() > 1 && !grouped {
        return None;
    }
    let digits: String = groups.concat();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Reads the observer's CSV (as every import reads a spreadsheet: `platform::sheet::reader`);
/// every bad header or cell is named, with its row.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Row>, Vec<Text>> {
    use crate::platform::sheet;
    let unreadable = |e: std::io::Error| vec![tr!("berkas CSV tidak dapat dibaca: {e}", "cannot read the CSV: {e}")];
    let mut reader = sheet::reader(bytes).map_err(unreadable)?;
    let mut errors = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![tr!("baris judul CSV tidak terbaca: {e}", "cannot read the CSV header: {e}")]),
    };
    let mut columns = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let name = h.trim().to_lowercase().replace([' ', '-'], "_");
        match column(&name) {
            Some(c) => columns.push(c),
            None => {
                let h = h.trim();
                errors.push(tr!("kolom \"{h}\" tidak dikenal; yang dikenal: {KNOWN}", "unknown column \"{h}\"; known: {KNOWN}"));
                columns.push(Column::Ignored);
            }
        }
    }
    for (label, present) in [
        ("pemilihan", columns.iter().any(|c| matches!(c, Column::Election))),
        ("tps", columns.iter().any(|c| matches!(c, Column::Tps))),
        ("kontes", columns.iter().any(|c| matches!(c, Column::Contest))),
    ] {
        if !present {
            errors.push(tr!("kolom \"{label}\" wajib ada", "the column \"{label}\" is required"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut lines = sheet::Rows::default();
    lines.header(&headers);
    let mut record = csv::StringRecord::new();
    loop {
        let before = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.at(e.position().map_or(before, |p| p.line()));
                errors.push(tr!("baris {line}: tidak terbaca ({e})", "line {line}: cannot be read ({e})"));
                continue;
            }
        }
        let line = lines.record(reader.position().line(), &record);
        // A spreadsheet leaves rows of empty cells behind its data.
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Err(m) = sheet::check_row(&headers, &record) {
            let (id, en) = (m.id(), m.en());
            errors.push(tr!("baris {line}: {id}", "line {line}: {en}"));
            continue;
        }
        let mut row = Row { line, election: String::new(), tps: String::new(), contest: String::new(), source: "kpu".into(), numbers: Vec::new() };
        for (cell, (col, head)) in record.iter().zip(columns.iter().zip(headers.iter())) {
            let cell = sheet::restore(cell.trim());
            match col {
                Column::Election => row.election = cell.to_string(),
                Column::Tps => row.tps = cell.to_string(),
                Column::Contest => row.contest = cell.to_lowercase(),
                Column::Source if !cell.is_empty() => row.source = cell.to_lowercase(),
                Column::Number(field) if !cell.is_empty() => match count(cell) {
                    Some(n) => row.numbers.push((field.clone(), n)),
                    None => {
                        let head = head.trim();
                        errors.push(tr!("baris {line}, kolom {head}: \"{cell}\" bukan bilangan bulat", "line {line}, column {head}: \"{cell}\" is not a whole number"));
                    }
                },
                _ => {}
            }
        }
        for (value, label) in [(&row.election, "pemilihan"), (&row.tps, "tps"), (&row.contest, "kontes")] {
            if value.is_empty() {
                errors.push(tr!("baris {line}: kolom {label} kosong", "line {line}: the column {label} is empty"));
            }
        }
        if !row.tps.is_empty()
            && let Err(m) = crate::elections::TpsCode::parse(&row.tps)
        {
            let (id, en) = (m.id(), m.en());
            errors.push(tr!("baris {line}: {id}", "line {line}: {en}"));
        }
        if !super::Source::ALL.iter().any(|s| s.as_str() == row.source) {
            let s = &row.source;
            errors.push(tr!("baris {line}: sumber \"{s}\" tidak dikenal (kpu, bawaslu, saksi, publik)", "line {line}: unknown source \"{s}\" (kpu, bawaslu, saksi, publik)"));
        }
        rows.push(row);
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// The fields of a C.Hasil leaf (`leaf::entry`) that the comparison reads.
#[derive(Deserialize)]
struct Leaf {
    kind: String,
    election: String,
    tps: String,
    contest: String,
    source: String,
    revision: i64,
    tally: Tally,
}

/// What checking the CSV found.
#[derive(Default)]
pub struct Outcome {
    /// Every inconsistency, each naming its TPS.
    pub findings: Vec<Text>,
    /// What the observer should know that is not an inconsistency.
    pub notes: Vec<Text>,
    /// Rows whose every number matched an included leaf.
    pub matched: usize,
}

/// The entry that counts among a source's proved leaves (see the module's note), and whether it
/// is agreed.
fn counted<'a>(source: &str, leaves: &'a [(u64, Leaf)]) -> Option<(&'a Leaf, bool)> {
    let mine: Vec<&(u64, Leaf)> = leaves.iter().filter(|(_, l)| l.source == source).collect();
    if source != "kpu" {
        return mine.into_iter().max_by_key(|(i, l)| (l.revision, *i)).map(|(_, l)| (l, true));
    }
    let mut revisions: BTreeMap<i64, Vec<&(u64, Leaf)>> = BTreeMap::new();
    for entry in mine.iter().copied() {
        revisions.entry(entry.1.revision).or_default().push(entry);
    }
    for list in revisions.values().rev() {
        // One revision's entries come from different users (the server refuses a second entry
        // of the same user), so each gets a label of its own for the double-entry rule.
        let labels: Vec<String> = list.iter().map(|(i, _)| i.to_string()).collect();
        let pairs: Vec<(&str, &Tally)> = list.iter().zip(&labels).map(|((_, l), label)| (label.as_str(), &l.tally)).collect();
        if let super::KpuStatus::Agreed(k) = super::double_entry(&pairs) {
            let entry: &'a (u64, Leaf) = list[k];
            return Some((&entry.1, true));
        }
    }
    mine.into_iter().max_by_key(|(i, _)| *i).map(|(_, l)| (l, false))
}

/// Checks every row against the log, through checkpoints the monitor accepts.
pub async fn check(monitor: &mut Monitor, rows: &[Row]) -> Outcome {
    let mut out = Outcome::default();
    for row in rows {
        let before = out.findings.len();
        check_row(monitor, row, &mut out).await;
        if out.findings.len() == before {
            out.matched += 1;
        }
    }
    out
}

async fn check_row(monitor: &mut Monitor, row: &Row, out: &mut Outcome) {
    let (tps, contest, line, source) = (row.tps.as_str(), row.contest.as_str(), row.line, row.source.as_str());
    let mut finding = |t: Text| out.findings.push(t);
    let answer = match monitor.get(&["api", "v1", "elections", row.election.as_str(), "results", tps, contest, "proof"], &[]).await {
        Ok(a) => a,
        Err(e) => {
            let (id, en) = (e.id(), e.en());
            return finding(tr!("TPS {tps}: bukti tidak dapat diambil ({contest}, baris {line}): {id}", "TPS {tps}: cannot fetch its proof ({contest}, line {line}): {en}"));
        }
    };
    if answer.status == 404 {
        let m = answer.message();
        return finding(tr!("TPS {tps}: tidak ada di log ({contest}, baris {line}; server: {m})", "TPS {tps}: not in the log ({contest}, line {line}; server: {m})"));
    }
    if answer.status != 200 {
        let (s, m) = (answer.status, answer.message());
        return finding(tr!("TPS {tps}: server menjawab {s} ({contest}, baris {line}): {m}", "TPS {tps}: the server answered {s} ({contest}, line {line}): {m}"));
    }
    let Ok(proof) = serde_json::from_slice::<super::api::ResultProof>(&answer.body) else {
        return finding(tr!("TPS {tps}: jawaban bukti dari server rusak ({contest}, baris {line})", "TPS {tps}: the server's proof answer is malformed ({contest}, line {line})"));
    };
    let cp = match monitor.admit(&proof.checkpoint).await {
        Ok(cp) => cp,
        Err(p) => {
            let (id, en) = (p.text().id(), p.text().en());
            return finding(tr!(
                "TPS {tps}: checkpoint pada buktinya tidak dapat diterima ({contest}, baris {line}): {id}",
                "TPS {tps}: the checkpoint of its proof cannot be accepted ({contest}, line {line}): {en}"
            ));
        }
    };
    let size = cp.head.size;
    // Only leaves proved included in the accepted checkpoint are read.
    let mut proved: Vec<(u64, Leaf)> = Vec::new();
    let mut pending = 0usize;
    for e in &proof.entries {
        // Still being recorded (no index yet), or newer than the checkpoint: not yet provable.
        let (Some(index), Some(inclusion)) = (e.leaf_index, &e.inclusion) else {
            pending += 1;
            continue;
        };
        let included = tlog::watch::decode_hashes(inclusion).is_some_and(|p| tlog::verify_inclusion(&p, size, cp.head.root, index, e.leaf.as_bytes()));
        if !included {
            finding(tr!(
                "TPS {tps}: daun #{index} tidak terbukti tercantum di checkpoint {size} daun ({contest}, baris {line}); bukti inklusinya gagal",
                "TPS {tps}: leaf #{index} is not proved included in the checkpoint of {size} leaves ({contest}, line {line}); its inclusion proof fails"
            ));
            continue;
        }
        match serde_json::from_str::<Leaf>(&e.leaf) {
            Ok(l) if l.kind == "c-hasil" && l.election == row.election && l.tps == tps && l.contest == contest => proved.push((index, l)),
            Ok(l) => {
                let (lt, lc) = (l.tps, l.contest);
                finding(tr!(
                    "TPS {tps}: server memberikan daun #{index} milik TPS {lt} ({lc}) sebagai bukti ({contest}, baris {line})",
                    "TPS {tps}: the server gave leaf #{index} of TPS {lt} ({lc}) as its proof ({contest}, line {line})"
                ));
            }
            Err(e) => finding(tr!(
                "TPS {tps}: daun #{index} bukan hasil C.Hasil yang terbaca ({contest}, baris {line}): {e}",
                "TPS {tps}: leaf #{index} is not a readable C.Hasil entry ({contest}, line {line}): {e}"
            )),
        }
    }
    if pending > 0 {
        finding(tr!(
            "TPS {tps}: {pending} entri terbaru belum tercakup checkpoint bertanda tangan ({contest}, baris {line}); ulangi sebentar lagi",
            "TPS {tps}: {pending} newest entr(y/ies) not yet covered by a signed checkpoint ({contest}, line {line}); run again in a moment"
        ));
        return;
    }
    let Some((leaf, agreed)) = counted(source, &proved) else {
        return finding(tr!(
            "TPS {tps}: tidak ada entri sumber {source} di log ({contest}, baris {line})",
            "TPS {tps}: no entry of the source {source} in the log ({contest}, line {line})"
        ));
    };
    let revision = leaf.revision;
    if !agreed {
        out.notes.push(tr!(
            "TPS {tps}: entri KPU di log belum sah (entri ganda belum cocok); dibandingkan dengan entri terakhir, revisi {revision} ({contest}, baris {line})",
            "TPS {tps}: KPU's entries in the log are not agreed yet (double entry pending); compared with the latest, revision {revision} ({contest}, line {line})"
        ));
    }
    for (field, yours) in &row.numbers {
        let label = field.label();
        let (lid, len) = (label.id(), label.en());
        match field.of(&leaf.tally) {
            Some(logged) if logged == *yours => {}
            Some(logged) => out.findings.push(tr!(
                "TPS {tps}: {lid} di log {logged}, di salinan Anda {yours} ({contest}, {source} revisi {revision}, baris {line})",
                "TPS {tps}: {len} in the log {logged}, in your copy {yours} ({contest}, {source} revision {revision}, line {line})"
            )),
            None => out.findings.push(tr!(
                "TPS {tps}: {lid} tidak ada di log, di salinan Anda {yours} ({contest}, {source} revisi {revision}, baris {line})",
                "TPS {tps}: {len} is not in the log, in your copy {yours} ({contest}, {source} revision {revision}, line {line})"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excel_export_with_semicolons_and_a_bom_is_read() {
        let csv = "\u{feff}Pemilihan;TPS;Kontes;Suara 01;suara_02;Suara Sah;Tidak Sah;Catatan\r\npemilu-2024;35.76.02.1008.001;presiden;1.234;80;1.314;3;difoto\r\n;;;;;;;\r\n";
        let rows = read_csv(csv.as_bytes()).unwrap_or_else(|e| panic!("{:?}", e.iter().map(|t| t.id().to_string()).collect::<Vec<_>>()));
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.line, r.election.as_str(), r.tps.as_str(), r.contest.as_str(), r.source.as_str()), (2, "pemilu-2024", "35.76.02.1008.001", "presiden", "kpu"));
        assert_eq!(r.numbers, vec![(Field::Votes("01".into()), 1234), (Field::Votes("02".into()), 80), (Field::Valid, 1314), (Field::Invalid, 3)]);
    }

    #[test]
    fn every_bad_header_and_cell_is_named() {
        let csv = "election,tps,contest,votes_01,jumlah\npemilu-2024,35.76.02.1008.001,presiden,12a,1\n";
        let errors: Vec<String> = read_csv(csv.as_bytes()).err().unwrap_or_default().iter().map(|t| t.id().to_string()).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("\"jumlah\" tidak dikenal"), "{errors:?}");
        let csv = "election,tps,contest,votes_01,valid\npemilu-2024,35.76.02.1008,presiden,12a,1.5\n";
        let errors: Vec<String> = read_csv(csv.as_bytes()).err().unwrap_or_default().iter().map(|t| t.id().to_string()).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("baris 2, kolom votes_01: \"12a\"")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("\"1.5\"")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("bukan kode TPS")), "{errors:?}");
    }

    fn leaf(source: &str, revision: i64, votes: i64) -> Leaf {
        let mut tally = Tally::default();
        tally.votes.insert("01".into(), votes);
        Leaf { kind: "c-hasil".into(), election: "e".into(), tps: "t".into(), contest: "c".into(), source: source.into(), revision, tally }
    }

    #[test]
    fn the_kpu_entry_that_counts_is_the_latest_agreed_revision() {
        let v = |l: Option<(&Leaf, bool)>| l.map(|(l, agreed)| (l.tally.votes["01"], l.revision, agreed));
        let log = vec![(0, leaf("kpu", 1, 10)), (1, leaf("bawaslu", 1, 11)), (2, leaf("kpu", 1, 12)), (3, leaf("kpu", 1, 10))];
        assert_eq!(v(counted("kpu", &log)), Some((10, 1, true)), "the agreeing pair, not the stray entry");
        assert_eq!(v(counted("bawaslu", &log)), Some((11, 1, true)));
        let mut corrected = log;
        corrected.push((4, leaf("kpu", 2, 13)));
        assert_eq!(v(counted("kpu", &corrected)), Some((10, 1, true)), "a correction counts once two agree");
        corrected.push((5, leaf("kpu", 2, 13)));
        assert_eq!(v(counted("kpu", &corrected)), Some((13, 2, true)));
        assert_eq!(v(counted("kpu", &[(0, leaf("kpu", 1, 9))])), Some((9, 1, false)), "nothing agreed yet: the latest");
        assert_eq!(v(counted("saksi", &corrected)), None);
    }
}
