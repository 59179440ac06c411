//! `sinergi import tps`: a CSV of TPS (`code,address,dpt,lat,lon`, RFC 4180; `,` or `;`
//! separated, as Excel saves it, see `platform::sheet`; further columns such as the place
//! names of an export are ignored) imported all or nothing in one transaction. A TPS that exists is updated (an identical row is left alone),
//! so re-importing a corrected file is the normal workflow. Memory stays flat whatever the file's size: rows stream into
//! multi-row upserts, villages are checked against the registry's sorted codes, and repeats
//! within the file are caught by a fixed bitmap of (village, TPS number).

use std::io::Read;

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::{ElectionDef, TpsInput};
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::db::{Conn, DbError, Value, insert_rows};
use crate::platform::error::AppError;
use crate::platform::i18n::Text;
use crate::platform::sheet;
use crate::tr;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineError {
    pub line: u64,
    pub message: Text,
}

#[derive(Debug, serde::Serialize)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows identical to what was stored: left untouched.
    pub unchanged: u64,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", nothing_imported(*.bad_lines))]
    Lines { errors: Vec<LineError>, bad_lines: u64 },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<DbError> for ImportError {
    fn from(e: DbError) -> Self {
        ImportError::App(e.into())
    }
}

fn nothing_imported(bad_lines: u64) -> Text {
    tr!("{bad_lines} baris salah; tidak ada yang diimpor", "{bad_lines} bad line(s); nothing was imported")
}

/// The most line errors listed; the rest are counted.
const MAX_LISTED: usize = 1000;
const BATCH: usize = 256;

struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bar: ProgressBar,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Fixed-size set of (village index, TPS number 1–999).
struct Seen(Vec<u64>);

impl Seen {
    fn new(villages: usize) -> Seen {
        Seen(vec![0; (villages * 1000).div_ceil(64)])
    }
    /// Marks the pair; false when it was marked before.
    fn insert(&mut self, village: usize, number: u16) -> bool {
        let bit = village * 1000 + usize::from(number);
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        let fresh = self.0[word] & mask == 0;
        self.0[word] |= mask;
        fresh
    }
}

const COLUMNS: [&str; 5] = ["code", "address", "dpt", "lat", "lon"];

/// `what`: (Bahasa Indonesia, English), e.g. ("bilangan bulat", "a whole number").
fn parse_number<T: std::str::FromStr>(field: &str, raw: &str, what: (&str, &str)) -> Result<Option<T>, Text> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let (what_id, what_en) = what;
    raw.parse().map(Some).map_err(|_| tr!("{field}: \"{raw}\" bukan {what_id}", "{field}: {raw:?} is not {what_en}"))
}

/// A coordinate written with a decimal point or, as Indonesian spreadsheets do, a comma.
fn parse_decimal(field: &str, raw: &str) -> Result<Option<f64>, Text> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    sheet::parse_decimal(raw).map(Some).ok_or_else(|| tr!("{field}: \"{raw}\" bukan angka", "{field}: {raw:?} is not a number"))
}

pub fn import_tps<R: Read>(
    conn: &mut Conn,
    permit: &Permit,
    election: &ElectionDef,
    input: R,
    source_name: &str,
    bar: ProgressBar,
) -> Result<ImportReport, ImportError> {
    let villages = crate::regions::store::village_codes(conn)?;
    let mut seen = Seen::new(villages.len());
    let reader = Hashing { inner: input, hash: Sha256::new(), bar: bar.clone() };
    let mut csv = sheet::reader(reader).map_err(|e| AppError::bad_request(tr!("berkas tidak dapat dibaca: {e}", "cannot read the file: {e}")))?;

    let mut errors: Vec<LineError> = Vec::new();
    let mut bad_lines = 0u64;
    let mut fail = |errors: &mut Vec<LineError>, line: u64, message: Text| {
        bad_lines += 1;
        if errors.len() < MAX_LISTED {
            errors.push(LineError { line, message });
        }
    };

    let headers = csv
        .headers()
        .map_err(|e| AppError::bad_request(tr!("baris judul (header) berkas tidak dapat dibaca: {e}", "cannot read the header: {e}")))?
        .clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase()).collect();
    let mut index = [0usize; 5];
    for (i, col) in COLUMNS.iter().enumerate() {
        match names.iter().position(|n| n == col) {
            Some(p) => index[i] = p,
            None => fail(
                &mut errors,
                1,
                tr!(
                    "header: kolom \"{col}\" tidak ada (seharusnya code,address,dpt,lat,lon)",
                    "header: column {col:?} is missing (expected code,address,dpt,lat,lon)"
                ),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Lines { errors, bad_lines: 1 });
    }

    let (before, _) = super::store::stats(conn, election.id, crate::regions::NATIONAL)?;
    let now = crate::platform::clock::now_rfc3339();
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
    let mut rows = 0u64;
    // Rows the upserts inserted or changed; an identical row is skipped by the engine.
    let mut changed = 0u64;
    let mut record = csv::StringRecord::new();
    let upsert = |conn: &mut Conn, batch: &mut Vec<Vec<Value>>| {
        insert_rows(
            conn,
            "INSERT INTO tps (election_id, code, village_code, address, dpt, lat, lon, updated_at)",
            8,
            "ON CONFLICT (election_id, code) DO UPDATE SET address = excluded.address, dpt = excluded.dpt,
             lat = excluded.lat, lon = excluded.lon, updated_at = excluded.updated_at
             WHERE tps.address IS DISTINCT FROM excluded.address OR tps.dpt IS DISTINCT FROM excluded.dpt
                OR tps.lat IS DISTINCT FROM excluded.lat OR tps.lon IS DISTINCT FROM excluded.lon",
            batch.drain(..),
        )
    };
    // Line numbers in messages are the rows a spreadsheet shows (header = 1).
    let mut lines = sheet::Rows::default();
    lines.header(&headers);
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.at(e.position().map_or(line, |p| p.line()));
                fail(&mut errors, line, tr!("baris CSV tidak dapat dibaca: {e}", "unreadable CSV: {e}"));
                continue;
            }
        }
        let line = lines.record(csv.position().line(), &record);
        rows += 1;
        if record.len() != headers.len() {
            let (want, found) = (headers.len(), record.len());
            fail(&mut errors, line, tr!("seharusnya {want} kolom, ada {found}", "expected {want} fields, found {found}"));
            continue;
        }
        if let Err(m) = sheet::check_row(&headers, &record) {
            fail(&mut errors, line, m);
            continue;
        }
        let field = |i: usize| record.get(index[i]).unwrap_or("");
        let parsed = (|| {
            let dpt = parse_number::<i64>("dpt", field(2), ("bilangan bulat", "a whole number"))?
                .ok_or_else(|| tr!("dpt: wajib diisi", "dpt: missing"))?;
            let lat = parse_decimal("lat", field(3))?;
            let lon = parse_decimal("lon", field(4))?;
            // A cell the export protected with a leading ' comes back as it was typed.
            let address = crate::platform::text::FreeText::<{ crate::platform::text::ADDRESS_MAX }>::checked(sheet::restore(field(1).trim()))
                .map_err(|p| p.message("address"))?;
            let input = TpsInput { code: field(0).to_string(), address, dpt, lat, lon };
            input.parse(election).map_err(|(f, m)| m.prefixed(&format!("{f}: "), &format!("{f}: ")))
        })();
        let tps = match parsed {
            Ok(t) => t,
            Err(m) => {
                fail(&mut errors, line, m);
                continue;
            }
        };
        let Ok(village) = villages.binary_search_by(|v| v.as_str().cmp(tps.code.village())) else {
            let v = tps.code.village();
            fail(&mut errors, line, tr!("code: desa/kelurahan {v} tidak ada dalam daftar wilayah", "code: village {v} does not exist"));
            continue;
        };
        if !seen.insert(village, tps.code.number()) {
            let c = tps.code.as_str();
            fail(&mut errors, line, tr!("code: TPS {c} muncul lebih dari sekali dalam berkas", "code: TPS {c} appears more than once in the file"));
            continue;
        }
        if !errors.is_empty() {
            continue; // nothing will be kept; just keep checking the rest
        }
        let code = tps.code.as_str().to_string();
        let village = tps.code.village().to_string();
        batch.push(vec![
            Value::from(election.id),
            Value::Text(code),
            Value::Text(village),
            Value::Text(tps.address),
            Value::Int(tps.dpt),
            Value::from(tps.lat),
            Value::from(tps.lon),
            Value::from(now.as_str()),
        ]);
        if batch.len() == BATCH {
            changed += upsert(conn, &mut batch)?;
        }
    }
    if !errors.is_empty() {
        bar.abandon();
        return Err(ImportError::Lines { errors, bad_lines });
    }
    changed += upsert(conn, &mut batch)?;
    super::store::rebuild_stats(conn, election.id)?;
    let (after, _) = super::store::stats(conn, election.id, crate::regions::NATIONAL)?;
    let created = u64::try_from(after - before).unwrap_or(0);
    let sha256 = hex::encode(csv.into_inner().into_inner().hash.finalize());
    let updated = changed.saturating_sub(created);
    let report = ImportReport { rows, created, updated, unchanged: rows - created - updated, sha256 };
    audit::record(
        conn,
        permit,
        Change {
            action: "tps.import",
            entity_type: "election",
            entity_id: election.id,
            region: None,
            detail: serde_json::json!({"file": source_name, "sha256": report.sha256, "rows": rows, "created": report.created, "updated": report.updated, "unchanged": report.unchanged}),
        },
    )?;
    bar.finish_and_clear();
    Ok(report)
}
