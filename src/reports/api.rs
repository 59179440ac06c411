//! Laporan API: public intake and evidence, supervisors' findings, the case board and case
//! moves, process disputes, the deadline calculator and the holiday table.

use crate::tr;
use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use crate::platform::http::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use super::evidence::{self, CheckedFile};
use super::store::{self, Access, DisputeSummary, DisputeView, NewDispute, NewReport, ReportFilter, ReportSummary, ReportView, Reporter};
use super::{STATE_LABELS, deadlines};
use crate::agencies::store::User;
use crate::agencies::{AgencyKind, Role};
use crate::elections::{ElectionDef, TpsCode};
use crate::platform::auth::{CurrentUser, Permit, Rule, authorize};
use crate::platform::clock;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::http::{Anonymous, AnonymousBody, Write, WriteRequest, idempotent_write, page_limit, parse_json};
use crate::platform::text;
use crate::regions::{Level, NATIONAL, RegionCode};
use crate::platform::state::AppState;

// ---------------------------------------------------------------------------------------------
// Intake

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReporterInput {
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub contact: String,
}

/// A report as a citizen sends it; `reporter: null` files it anonymously (informasi awal).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReportInput {
    pub election: String,
    /// A village (desa/kelurahan) or TPS code.
    pub region: String,
    #[serde(default)]
    pub reporter: Option<ReporterInput>,
    /// The reported party (terlapor).
    pub reported: String,
    /// RFC 3339, or a local time `2024-11-20T09:30` in the region's time zone.
    pub event_at: String,
    /// When the reporter learned of it, RFC 3339 or local time as `event_at`.
    pub known_at: String,
    pub place: String,
    pub description: String,
    #[serde(default)]
    pub witnesses: Vec<String>,
}

/// An instant: RFC 3339 with its offset, or a wall-clock time as a phone's `datetime-local`
/// field gives it ("2024-11-20T09:30"), read in the time zone of the report's region.
fn instant(field: &str, value: &str, region: &str) -> Result<OffsetDateTime, AppError> {
    crate::platform::clock::user_instant(field, value).or_else(|refused| {
        let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let fmt_s = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        let v = value.trim();
        let naive = time::PrimitiveDateTime::parse(v, &fmt).or_else(|_| time::PrimitiveDateTime::parse(v, &fmt_s)).map_err(|_| refused)?;
        crate::platform::clock::user_instant(field, &clock::rfc3339(naive.assume_offset(store::offset_of(region))))
    })
}

/// A report's place: a village or a TPS code of a village that exists.
pub fn report_region(state: &AppState, code: &str) -> Result<String, AppError> {
    let code = code.trim();
    let village = if let Ok(tps) = TpsCode::parse(code) {
        tps.village().to_string()
    } else {
        let r = RegionCode::parse(code).map_err(|m| AppError::invalid("region", m))?;
        if r.level() != Level::Village {
            return Err(AppError::invalid("region", tr!("{code} bukan kode desa/kelurahan atau TPS", "{code} is not a village (desa/kelurahan) or TPS code")));
        }
        r.as_str().to_string()
    };
    if crate::regions::index_of(&state).get(&village).is_none() {
        return Err(AppError::invalid("region", tr!("tidak ada desa/kelurahan dengan kode {village}", "no village has the code {village}")));
    }
    Ok(code.to_string())
}

fn election_field(id: &str) -> Result<&'static ElectionDef, AppError> {
    crate::elections::election(id.trim()).ok_or_else(|| AppError::invalid("election", tr!("pemilihan {id:?} tidak dikenal: pilih pemilu-2024 atau pilkada-2024", "no election {id:?}: choose pemilu-2024 or pilkada-2024")))
}

/// Checks every field of a report; `finding_by` makes it a supervisor's finding (temuan).
pub fn parse_report(state: &AppState, input: ReportInput, finding_by: Option<&User>, now: OffsetDateTime) -> Result<NewReport, AppError> {
    let election = election_field(&input.election)?;
    let region = report_region(state, &input.region)?;
    let (kind, reporter) = match (finding_by, input.reporter) {
        (Some(u), _) => ("temuan", Some(Reporter { name: u.unit.name.clone(), address: u.unit.region.clone(), contact: u.username.clone() })),
        (None, Some(p)) => (
            "laporan",
            Some(Reporter {
                name: text::line("reporter.name", &p.name, text::NAME_MAX, true)?,
                address: text::line("reporter.address", &p.address, text::ADDRESS_MAX, true)?,
                contact: text::line("reporter.contact", &p.contact, text::NAME_MAX, false)?,
            }),
        ),
        (None, None) => ("informasi_awal", None),
    };
    let event_at = instant("event_at", &input.event_at, &region)?;
    let known_at = instant("known_at", &input.known_at, &region)?;
    let slack = time::Duration::minutes(5);
    if event_at > now + slack {
        return Err(AppError::invalid("event_at", tr!("waktu kejadian tidak boleh di masa depan", "the event cannot be in the future")));
    }
    if known_at > now + slack {
        return Err(AppError::invalid("known_at", tr!("waktu diketahui tidak boleh di masa depan", "the time it became known cannot be in the future")));
    }
    if known_at < event_at {
        return Err(AppError::invalid("known_at", tr!("waktu diketahui tidak boleh sebelum waktu kejadian", "the time it became known cannot be before the event")));
    }
    if input.witnesses.len() > 20 {
        return Err(AppError::invalid("witnesses", tr!("paling banyak 20 saksi", "at most 20 witnesses")));
    }
    let witnesses = input
        .witnesses
        .iter()
        .enumerate()
        .map(|(i, w)| text::line(&format!("witnesses[{i}]"), w, text::NAME_MAX, true))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NewReport {
        election,
        region,
        kind,
        reporter,
        reported: text::line("reported", &input.reported, text::ADDRESS_MAX, true)?,
        event_at,
        known_at,
        place: text::line("place", &input.place, text::ADDRESS_MAX, true)?,
        description: text::free_text("description", &input.description, text::DESCRIPTION_MAX, true)?,
        witnesses,
    })
}

/// What a multipart body held: its text fields, its checked files, and the first problem met
/// (kept apart so that a form can be shown again with what was typed).
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub files: Vec<(CheckedFile, bytes::Bytes)>,
    pub error: Option<AppError>,
}

impl Upload {
    /// The upload, or its first problem.
    pub fn checked(self) -> Result<Upload, AppError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }
}

/// Reads a multipart body: `file` parts are checked as evidence (content, size); an empty file
/// part (a form sent without choosing a file) is skipped. A refused file does not stop the
/// reading of the other fields.
pub async fn read_multipart(mut mp: Multipart) -> Upload {
    let mut up = Upload { fields: HashMap::new(), files: Vec::new(), error: None };
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::too_large(tr!("unggahan terlalu besar: paling banyak 10 MB per berkas dan 25 MB per pengiriman", "the upload is too large: at most 10 MB per file and 25 MB per request"))
        } else {
            let why = e.body_text();
            AppError::bad_request(tr!("isi formulir unggahan rusak ({why}); kirim ulang", "malformed multipart body ({why}); send it again"))
        }
    };
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                up.error.get_or_insert(bad(e));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let mut bytes = Vec::new();
            let mut refused = None;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) if refused.is_none() => {
                        if bytes.len() + chunk.len() > evidence::MAX_BYTES {
                            refused = Some(AppError::invalid("file", tr!("{file_name}: melebihi batas 10 MB", "{file_name}: over the 10 MB limit")));
                            bytes = Vec::new();
                        } else {
                            bytes.extend_from_slice(&chunk);
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        refused = Some(bad(e));
                        break;
                    }
                }
            }
            if let Some(e) = refused {
                up.error.get_or_insert(e);
                continue;
            }
            if bytes.is_empty() && file_name.is_empty() {
                continue;
            }
            match evidence::check(&file_name, &bytes) {
                Ok(checked) => up.files.push((checked, bytes.into())),
                Err(m) => {
                    up.error.get_or_insert(AppError::invalid("file", m));
                }
            }
        } else {
            match field.text().await {
                Ok(value) if value.len() <= 100_000 => {
                    up.fields.insert(name, value);
                }
                Ok(_) => {
                    up.error.get_or_insert(AppError::invalid(name.clone(), crate::tr!("isian {name} terlalu panjang (lebih dari 100.000 byte)", "the field {name} is too long (over 100,000 bytes)")));
                }
                Err(e) => {
                    up.error.get_or_insert(bad(e));
                    break;
                }
            }
        }
    }
    up
}

/// The body of one request with everything it carried: one evidence file is at most 10 MB, a
/// report with several files at most this.
const MAX_UPLOAD: usize = 25 * 1024 * 1024;

fn is_multipart(parts: &axum::http::request::Parts) -> bool {
    parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"))
}

async fn multipart_of(state: &AppState, parts: axum::http::request::Parts, bytes: bytes::Bytes) -> Result<Upload, AppError> {
    let req = Request::from_parts(parts, Body::from(bytes));
    let mp = Multipart::from_request(req, state).await.map_err(|e| {
        let why = e.body_text();
        AppError::bad_request(tr!("isi formulir unggahan rusak ({why}); kirim ulang", "malformed multipart body ({why}); send it again"))
    })?;
    read_multipart(mp).await.checked()
}

/// A page's multipart form (the public report form, the completion form): every field and
/// file as sent, with its first problem kept inside rather than refused, so that the page can
/// show the form again with what was typed.
pub struct PageUpload(pub Upload);

impl AnonymousBody for PageUpload {
    /// The pages' request limit (the router's upload limit).
    const MAX: usize = 26 * 1024 * 1024;

    fn too_large() -> AppError {
        AppError::too_large(tr!("unggahan terlalu besar: paling banyak 10 MB per berkas dan 25 MB per pengiriman", "the upload is too large: at most 10 MB per file and 25 MB per request"))
    }

    async fn parse(parts: axum::http::request::Parts, bytes: bytes::Bytes, state: &AppState) -> Result<Self, AppError> {
        let req = Request::from_parts(parts, Body::from(bytes));
        let mp = Multipart::from_request(req, state).await.map_err(|e| {
            let why = e.body_text();
            AppError::bad_request(tr!("isi formulir unggahan rusak ({why}); kirim ulang", "malformed multipart body ({why}); send it again"))
        })?;
        Ok(PageUpload(read_multipart(mp).await))
    }
}

#[derive(Serialize, ToSchema)]
pub struct Receipt {
    /// The code to follow the report at /lacak/{receipt}.
    pub receipt: String,
    /// `laporan`, or `informasi_awal` (anonymous, or filed after the window).
    pub kind: String,
    /// `diterima`, or `informasi_awal` for a report filed after the window: kept as initial
    /// information, not registered.
    pub status: String,
    pub evidence: Vec<String>,
    /// What the reporter should know, in plain words: why a late report was kept as initial
    /// information, and the date the window closed.
    #[schema(value_type = Option<String>)]
    pub notice: Option<crate::platform::i18n::Text>,
}

/// The server's holiday cache (see [`store::Holidays`]), for work moved to the database thread.
pub fn holidays(state: &AppState) -> std::sync::Arc<store::Holidays> {
    state.module_arc::<store::Holidays>()
}

/// Stores a public report and returns its receipt (the shared path of the API and the form).
pub async fn file_report(state: &AppState, permit: Permit, request: WriteRequest, input: ReportInput, files: Vec<(CheckedFile, bytes::Bytes)>) -> Result<Response, AppError> {
    let now = clock::now();
    let report = parse_report(state, input, None, now)?;
    let hol = holidays(state);
    let db = state.db.clone();
    state
        .blobs
        .keep_for(bytes_of(&files), async move {
            idempotent_write(&db, request, move |c| {
                let filed = store::create_report(c, &hol, &permit, "publik", &report, &files, now)?;
                let body = Receipt {
                    receipt: filed.receipt,
                    kind: filed.kind.to_string(),
                    status: filed.status.to_string(),
                    evidence: files.iter().map(|(f, _)| f.sha256.clone()).collect(),
                    notice: filed.late_since.map(|closes| store::late_notice(closes, &report.region)),
                };
                Ok((StatusCode::CREATED, body))
            })
            .await
        })
        .await
}

/// The bytes of evidence files, for `BlobStore::keep_for` (which keeps them only if the write
/// that records them is accepted).
pub fn bytes_of(files: &[(CheckedFile, bytes::Bytes)]) -> Vec<bytes::Bytes> {
    files.iter().map(|(_, b)| b.clone()).collect()
}

fn over_upload_limit() -> AppError {
    AppError::too_large(tr!("kiriman melebihi 25 MB; kirim berkas bukti berikutnya satu per satu", "the request is over 25 MB; send further evidence files one by one"))
}

/// What the API receives with evidence: JSON, or multipart with the JSON in one named part
/// (`report`, `completion`) and evidence files in `file` parts.
pub struct WithFiles<T> {
    input: T,
    files: Vec<(CheckedFile, bytes::Bytes)>,
}

/// The multipart part that holds an input's JSON, and whether it may be left out (a
/// completion may bring files alone).
pub trait JsonPart: serde::de::DeserializeOwned + Send {
    const PART: &'static str;
    const REQUIRED: bool;
}

impl JsonPart for ReportInput {
    const PART: &'static str = "report";
    const REQUIRED: bool = true;
}

impl JsonPart for CompletionInput {
    const PART: &'static str = "completion";
    const REQUIRED: bool = false;
}

impl<T: JsonPart> AnonymousBody for WithFiles<T> {
    const MAX: usize = MAX_UPLOAD;

    fn too_large() -> AppError {
        over_upload_limit()
    }

    async fn parse(parts: axum::http::request::Parts, bytes: bytes::Bytes, state: &AppState) -> Result<Self, AppError> {
        if !is_multipart(&parts) {
            return Ok(WithFiles { input: parse_json::<T>(&bytes)?, files: vec![] });
        }
        let up = multipart_of(state, parts, bytes).await?;
        let part = T::PART;
        let json = match up.fields.get(part) {
            Some(json) => json.as_str(),
            None if T::REQUIRED => {
                return Err(AppError::invalid(part, tr!("kiriman multipart memerlukan bagian `{part}` berisi JSON", "the multipart body needs a `{part}` part holding JSON")));
            }
            None => "{}",
        };
        Ok(WithFiles { input: parse_json::<T>(json.as_bytes())?, files: up.files })
    }
}

/// Files a violation report without an account: JSON, or multipart with the JSON in a
/// `report` part and evidence in `file` parts (images or PDF, 10 MB each). Rate-limited per
/// client; `Idempotency-Key` makes a retry safe.
#[utoipa::path(post, path = "/api/v1/reports", tag = "laporan", request_body = ReportInput,
    responses((status = 201, body = Receipt), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create_report(State(state): State<AppState>, w: Anonymous<WithFiles<ReportInput>>) -> Result<Response, AppError> {
    file_report(&state, w.permit, w.request, w.body.input, w.body.files).await
}

/// One evidence file sent as multipart in the field `file`.
pub struct EvidenceBody {
    file: CheckedFile,
    data: bytes::Bytes,
}

impl AnonymousBody for EvidenceBody {
    const MAX: usize = MAX_UPLOAD;

    fn too_large() -> AppError {
        over_upload_limit()
    }

    async fn parse(parts: axum::http::request::Parts, bytes: bytes::Bytes, state: &AppState) -> Result<Self, AppError> {
        if !is_multipart(&parts) {
            return Err(AppError::bad_request(tr!("kirim berkas sebagai multipart/form-data pada isian `file`", "send the file as multipart/form-data in the field `file`")));
        }
        let up = multipart_of(state, parts, bytes).await?;
        let mut files = up.files.into_iter();
        let (file, data) = files.next().ok_or_else(|| AppError::invalid("file", tr!("tidak ada berkas pada isian `file`", "no file in the field `file`")))?;
        if files.next().is_some() {
            return Err(AppError::invalid("file", tr!("satu berkas per kiriman", "one file per request")));
        }
        Ok(EvidenceBody { file, data })
    }
}

/// Adds one evidence file (multipart field `file`) to a report by its receipt, until Bawaslu
/// registers or declines it.
#[utoipa::path(post, path = "/api/v1/reports/{receipt}/evidence", tag = "laporan", params(("receipt" = String, Path)),
    responses((status = 201, body = store::EvidenceInfo), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn add_evidence(State(state): State<AppState>, Path(receipt): Path<String>, w: Anonymous<EvidenceBody>) -> Result<Response, AppError> {
    let (permit, EvidenceBody { file, data }) = (w.permit, w.body);
    let receipt = receipt.trim().to_uppercase();
    let db = state.db.clone();
    state
        .blobs
        .keep_for(vec![data.clone()], async move {
            idempotent_write(&db, w.request, move |c| {
                let info = store::add_evidence(c, &permit, &receipt, &file, &data)?;
                Ok((StatusCode::CREATED, info))
            })
            .await
        })
        .await
}

/// What a reporter sends to complete a report Bawaslu sent back (perbaikan laporan).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CompletionInput {
    /// Further witnesses, added to those already named.
    #[serde(default)]
    pub witnesses: Vec<String>,
    /// What was completed, or further information for Bawaslu (seen only by Bawaslu).
    #[serde(default)]
    pub note: String,
}

/// Checks what a reporter sent to complete a report (shared by the API and the page).
pub fn parse_completion(input: CompletionInput) -> Result<store::Completion, AppError> {
    if input.witnesses.len() > 20 {
        return Err(AppError::invalid("witnesses", crate::tr!("paling banyak 20 saksi", "at most 20 witnesses")));
    }
    let witnesses = input
        .witnesses
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| text::line(&format!("witnesses[{i}]"), w, text::NAME_MAX, true))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(store::Completion { witnesses, note: text::free_text("note", &input.note, text::DESCRIPTION_MAX, false)? })
}

/// Completes a report Bawaslu sent back, by its receipt, within the completion window: JSON,
/// or multipart with the JSON in a `completion` part and evidence in `file` parts. The report
/// returns to kajian awal. Rate-limited per client; `Idempotency-Key` makes a retry safe.
#[utoipa::path(post, path = "/api/v1/reports/{receipt}/completion", tag = "laporan", params(("receipt" = String, Path)), request_body = CompletionInput,
    responses((status = 200, body = PublicStatus), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn complete_report(State(state): State<AppState>, Path(receipt): Path<String>, w: Anonymous<WithFiles<CompletionInput>>) -> Result<Response, AppError> {
    let (permit, request, WithFiles { input, files }) = (w.permit, w.request, w.body);
    let completion = parse_completion(input)?;
    let receipt = receipt.trim().to_uppercase();
    let hol = holidays(&state);
    let db = state.db.clone();
    state
        .blobs
        .keep_for(bytes_of(&files), async move {
            idempotent_write(&db, request, move |c| {
                let now = clock::now();
                store::complete_report(c, &hol, &permit, &receipt, &completion, &files, now)?;
                let status = public_status(c, &hol, &receipt, now)?;
                Ok((StatusCode::OK, status))
            })
            .await
        })
        .await
}

/// What the public sees of a report: its status and dates, never who filed it or what it says.
#[derive(Serialize, ToSchema)]
pub struct PublicStatus {
    pub receipt: String,
    pub kind: String,
    pub status: String,
    pub status_label: String,
    pub received_at: String,
    pub stage: store::Stage,
    /// Each state the case passed through, with when.
    pub steps: Vec<store::PublicStep>,
    /// SHA-256 of each evidence file received.
    pub evidence: Vec<String>,
    /// While Bawaslu waits for the reporter to complete the report: the keys of the unmet
    /// requirements (what to complete, never what the report says).
    pub missing: Vec<String>,
    /// What the reporter should know now, in plain words: what to complete and by when, or why
    /// the report is kept as initial information.
    #[schema(value_type = Option<String>)]
    pub notice: Option<crate::platform::i18n::Text>,
}

/// What the reporter is told about the current state, in plain words (none when the state
/// speaks for itself).
fn public_notice(conn: &mut crate::platform::db::Conn, hol: &store::Holidays, r: &store::ReportRecord, requirements: &[super::Requirement]) -> Result<Option<crate::platform::i18n::Text>, AppError> {
    let deadline = r.deadline_at.as_deref().map(store::parse_time).transpose()?;
    Ok(match r.status.as_str() {
        super::PERBAIKAN => {
            let unmet: Vec<&str> = requirements.iter().filter(|q| !q.met).map(|q| q.key).collect();
            let (what_id, what_en) = super::requirement_labels(&unmet);
            let by = deadline.map(|d| store::long_time(d, &r.region)).unwrap_or_else(|| crate::tr!("-", "-"));
            let (by_id, by_en) = (by.id().to_string(), by.en().to_string());
            Some(crate::tr!(
                "Bawaslu meminta Anda melengkapi laporan ini: {what_id}. Lengkapi paling lambat {by_id}, di halaman ini atau di kantor Bawaslu. Bila tidak dilengkapi sampai batas waktu itu, laporan tidak diregistrasi dan hanya disimpan sebagai informasi awal.",
                "Bawaslu asks you to complete this report: {what_en}. Complete it by {by_en}, on this page or at the Bawaslu office. If it is not completed by then, the report is not registered and is kept only as initial information."
            ))
        }
        super::INFORMASI_AWAL if r.reporter.is_some() => {
            let late = requirements.iter().any(|q| q.key == "tenggat_lapor" && !q.met);
            let election = crate::elections::election(&r.election);
            match (late, election) {
                (true, Some(e)) => {
                    let rule = deadlines::find(e.kind, "batas_lapor").ok_or_else(|| AppError::Internal("no batas_lapor rule".into()))?;
                    let closes = store::deadline_of(conn, hol, rule, store::parse_time(&r.known_at)?, &r.region)?;
                    Some(store::late_notice(closes, &r.region))
                }
                _ => Some(crate::tr!(
                    "Laporan tidak dilengkapi sampai batas waktunya, sehingga tidak diregistrasi. Laporan disimpan sebagai informasi awal yang dapat ditindaklanjuti Bawaslu sebagai temuan.",
                    "The report was not completed in time, so it was not registered. It is kept as initial information that Bawaslu may take up as its own finding."
                )),
            }
        }
        _ => None,
    })
}

pub fn public_status(conn: &mut crate::platform::db::Conn, hol: &store::Holidays, receipt: &str, now: OffsetDateTime) -> Result<PublicStatus, AppError> {
    let receipt = receipt.trim().to_uppercase();
    let r = store::report_by_receipt(conn, &receipt)?.ok_or_else(|| AppError::not_found(tr!("tidak ada laporan dengan tanda terima {receipt}", "no report has the receipt {receipt}")))?;
    let offset = store::offset_of(&r.region);
    let steps = store::public_steps(conn, r.id, offset)?;
    let evidence = store::evidence_list(conn, r.id, offset)?.into_iter().map(|e| e.sha256).collect();
    let requirements = r.requirements(conn, hol)?;
    let notice = public_notice(conn, hol, &r, &requirements)?;
    let missing = if r.status == super::PERBAIKAN { requirements.iter().filter(|q| !q.met).map(|q| q.key.to_string()).collect() } else { vec![] };
    Ok(PublicStatus {
        missing,
        notice,
        stage: r.stage(now),
        status_label: super::state_label(&r.status, crate::platform::web::Lang::Id).to_string(),
        received_at: store::local(&r.received_at, offset),
        receipt: r.receipt,
        kind: r.kind,
        status: r.status,
        steps,
        evidence,
    })
}

/// A report's public status by its receipt.
#[utoipa::path(get, path = "/api/v1/receipts/{receipt}", tag = "laporan", params(("receipt" = String, Path)),
    responses((status = 200, body = PublicStatus), (status = 404, body = ErrorBody)))]
pub async fn receipt_status(State(state): State<AppState>, Path(receipt): Path<String>) -> Result<Json<PublicStatus>, AppError> {
    let hol = holidays(&state);
    Ok(Json(state.db.read(move |c| public_status(c, &hol, &receipt, clock::now())).await?))
}

/// Bawaslu's supervisors record their own findings.
pub(super) const FINDING: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Bawaslu], action: ("mencatat temuan", "record a finding (temuan)") };

#[derive(Deserialize, ToSchema)]
pub struct FindingInput {
    pub election: String,
    pub region: String,
    pub reported: String,
    pub event_at: String,
    /// When the supervisor found it.
    pub known_at: String,
    pub place: String,
    pub description: String,
    #[serde(default)]
    pub witnesses: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CreatedReport)]
pub struct Created {
    pub id: i64,
    pub receipt: String,
}

/// Records a supervisor's finding (temuan); it follows the report workflow.
#[utoipa::path(post, path = "/api/v1/findings", tag = "laporan", request_body = FindingInput,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_finding(State(state): State<AppState>, w: Write) -> Result<Response, AppError> {
    let f: FindingInput = parse_json(&w.body)?;
    let now = clock::now();
    let input = ReportInput {
        election: f.election,
        region: f.region,
        reporter: None,
        reported: f.reported,
        event_at: f.event_at,
        known_at: f.known_at,
        place: f.place,
        description: f.description,
        witnesses: f.witnesses,
    };
    let report = parse_report(&state, input, Some(&w.user.user), now)?;
    let permit = authorize(&w.user.user, FINDING, &report.region)?;
    let unit = w.user.user.unit.name.clone();
    let hol = holidays(&state);
    idempotent_write(&state.db, w.request, move |c| {
        let filed = store::create_report(c, &hol, &permit, &unit, &report, &[], now)?;
        Ok((StatusCode::CREATED, Created { id: filed.id, receipt: filed.receipt }))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The case board

#[derive(Deserialize, IntoParams)]
pub struct ReportQuery {
    election: Option<String>,
    /// Any region code within your scope.
    region: Option<String>,
    status: Option<String>,
    /// Only cases past their current stage's deadline.
    overdue: Option<bool>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportList {
    items: Vec<ReportSummary>,
}

/// What a user's agency sees on the board: Bawaslu every case in scope; police and prosecutors
/// the Gakkumdu cases; DKPP the ethics cases.
pub fn board_filter(user: &User) -> Result<Option<&'static str>, AppError> {
    match user.unit.agency {
        AgencyKind::Bawaslu => Ok(None),
        AgencyKind::Polri | AgencyKind::Kejaksaan => Ok(Some("pidana")),
        AgencyKind::Dkpp => Ok(Some("kode_etik")),
        _ => {
            let unit = &user.unit.name;
            Err(AppError::forbidden(tr!(
                "laporan pelanggaran ditangani Bawaslu (bersama Polri dan Kejaksaan di Sentra Gakkumdu, DKPP untuk kode etik); {unit} tidak termasuk",
                "violation reports are handled by Bawaslu (with Polri and Kejaksaan in Sentra Gakkumdu, DKPP for ethics); {unit} is not one of them"
            )))
        }
    }
}

pub fn report_filter(user: &User, q: ReportQuery) -> Result<ReportFilter, AppError> {
    let class = board_filter(user)?;
    if let Some(e) = &q.election {
        election_field(e)?;
    }
    let region = match q.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => {
            let code = if r == NATIONAL { NATIONAL.to_string() } else { RegionCode::parse(r).map_err(|m| AppError::invalid("region", m))?.as_str().to_string() };
            if !crate::regions::within(&user.unit.region, &code) {
                {
                    let unit = &user.unit.name;
                    return Err(AppError::forbidden(tr!("wilayah {code} di luar wilayah kerja {unit}", "the region {code} is outside the area of {unit}")));
                }
            }
            Some(code)
        }
    };
    if let Some(s) = &q.status
        && !STATE_LABELS.iter().any(|(k, _, _)| k == s)
    {
        return Err(AppError::invalid("status", tr!("status {s:?} tidak dikenal", "unknown status {s:?}")));
    }
    Ok(ReportFilter {
        election: q.election,
        region,
        status: q.status,
        overdue: q.overdue.unwrap_or(false),
        class,
        limit: page_limit(q.limit)?,
        offset: q.offset.unwrap_or(0).max(0),
    })
}

/// Reports in your scope, the nearest deadline first.
#[utoipa::path(get, path = "/api/v1/reports", tag = "laporan", params(ReportQuery),
    responses((status = 200, body = ReportList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_reports(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ReportQuery>) -> Result<Json<ReportList>, AppError> {
    let filter = report_filter(&user.user, q)?;
    let scope = user.user.unit.region.clone();
    let items = state.db.read(move |c| store::list_reports(c, &scope, &filter, clock::now())).await?;
    Ok(Json(ReportList { items }))
}

fn access_or_403(user: &User, r: &store::ReportRecord) -> Result<Access, AppError> {
    store::access(user, &r.region, r.classification.as_deref()).ok_or_else(|| {
        let (id, unit) = (r.id, &user.unit.name);
        AppError::forbidden(tr!("laporan #{id} bukan untuk dilihat {unit}", "report #{id} is not for {unit} to see"))
    })
}

/// One case: its stage clock, timeline, evidence and the moves you may make. The reporter's
/// identity is shown only to Bawaslu.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "laporan", params(("id" = i64, Path)),
    responses((status = 200, body = ReportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_report(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Result<Json<ReportView>, AppError> {
    let hol = holidays(&state);
    let view = state.db.read(move |c| report_view(c, &hol, &user.user, id)).await?;
    Ok(Json(view))
}

pub fn report_view(c: &mut crate::platform::db::Conn, hol: &store::Holidays, user: &User, id: i64) -> Result<ReportView, AppError> {
    let r = store::report_record(c, id)?.ok_or_else(|| AppError::not_found(tr!("laporan #{id} tidak ada", "no report #{id}")))?;
    let access = access_or_403(user, &r)?;
    Ok(r.view(c, hol, user, access, clock::now())?)
}

/// Downloads one evidence file of a case you may see.
#[utoipa::path(get, path = "/api/v1/reports/{id}/evidence/{evidence}", tag = "laporan", params(("id" = i64, Path), ("evidence" = i64, Path)),
    responses((status = 200, description = "the file as received"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_evidence(State(state): State<AppState>, user: CurrentUser, Path((id, eid)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let (name, content_type, sha256) = state
        .db
        .read(move |c| {
            let r = store::report_record(c, id)?.ok_or_else(|| AppError::not_found(tr!("laporan #{id} tidak ada", "no report #{id}")))?;
            access_or_403(&user.user, &r)?;
            store::evidence_file(c, id, eid)?.ok_or_else(|| AppError::not_found(tr!("bukti {eid} tidak ada pada laporan #{id}", "no evidence {eid} in report #{id}")))
        })
        .await?;
    // Read from the blob store only once the access check passed.
    let data = store::evidence_bytes(&state.db, &state.blobs, id, eid, &sha256).await?;
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    let mut resp = data.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")).unwrap_or(HeaderValue::from_static("attachment")));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(resp)
}

#[derive(Deserialize, ToSchema)]
pub struct TransitionInput {
    /// The next state or classification, or `perpanjangan` to extend Bawaslu's decision period.
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

/// Moves a case one step: by the agency that owns the step (403 otherwise), within scope (403),
/// and only where the workflow allows it from the current state (409).
#[utoipa::path(post, path = "/api/v1/reports/{id}/transitions", tag = "laporan", params(("id" = i64, Path)), request_body = TransitionInput,
    responses((status = 200, body = ReportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn transition(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: TransitionInput = parse_json(&w.body)?;
    let reason = text::free_text("reason", &input.reason, text::NOTE_MAX, false)?;
    let user = w.user.user;
    let hol = holidays(&state);
    idempotent_write(&state.db, w.request, move |c| {
        let now = clock::now();
        let r = move_report(c, &hol, &user, id, &input.to, &reason, now)?;
        // After the move the mover may no longer see the case (none of the current roles lose
        // sight of it, but the view follows the same rule as a read).
        let access = store::access(&user, &r.region, r.classification.as_deref()).unwrap_or(Access::Partner);
        let view = r.view(c, &hol, &user, access, now)?;
        Ok((StatusCode::OK, view))
    })
    .await
}

/// Moving a case one step: an operator or above whose scope holds it (the agency that owns the
/// step is the workflow's check).
pub(super) const MOVE_REPORT: Rule = Rule { min_role: Role::Operator, agencies: &[], action: ("memindahkan tahap penanganan laporan", "move a case") };
pub(super) const MOVE_DISPUTE: Rule = Rule { min_role: Role::Operator, agencies: &[], action: ("memindahkan tahap sengketa", "move a dispute") };

/// One report move, shared by the API, the case page and the demo: the report (404), the
/// mover authorised for its region (403), the move named as the workflow knows it (422), then
/// the store applies it under the permit.
pub fn move_report(c: &mut crate::platform::db::Conn, hol: &store::Holidays, user: &User, id: i64, to: &str, reason: &str, now: OffsetDateTime) -> Result<store::ReportRecord, AppError> {
    let r = store::report_or_404(c, id)?;
    let permit = authorize(user, MOVE_REPORT, &r.region)?;
    let to = super::MoveTo::parse(super::Track::Report, to).map_err(store::move_error)?;
    store::move_report(c, hol, &permit, user, &r, to, reason, now)
}

/// One dispute move, shared likewise.
pub fn move_dispute(c: &mut crate::platform::db::Conn, hol: &store::Holidays, user: &User, id: i64, to: &str, reason: &str, now: OffsetDateTime) -> Result<(), AppError> {
    let d = store::dispute_or_404(c, id)?;
    let permit = authorize(user, MOVE_DISPUTE, &d.region)?;
    let to = super::MoveTo::parse(super::Track::Dispute, to).map_err(store::move_error)?;
    store::move_dispute(c, hol, &permit, user, &d, to, reason, now)
}

// ---------------------------------------------------------------------------------------------
// Disputes

/// Bawaslu registers a petition it received.
pub(super) const DISPUTE: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Bawaslu], action: ("mendaftarkan sengketa proses", "register a process dispute") };

#[derive(Deserialize, ToSchema)]
pub struct DisputeInput {
    pub election: String,
    /// The region of the KPU that decided (province, regency or any code below).
    pub region: String,
    /// Who petitions (a party, a candidate pair, a prospective candidate).
    pub petitioner: String,
    /// The KPU decision disputed (number and title).
    pub kpu_decision: String,
    /// The date of the decision, YYYY-MM-DD.
    pub decided_on: String,
    #[serde(default)]
    pub description: String,
}

/// Registers a process dispute (sengketa proses) against a KPU decision; late petitions are
/// refused with the date the window closed.
#[utoipa::path(post, path = "/api/v1/disputes", tag = "laporan", request_body = DisputeInput,
    responses((status = 201, body = DisputeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_dispute(State(state): State<AppState>, w: Write) -> Result<Response, AppError> {
    let d: DisputeInput = parse_json(&w.body)?;
    let election = election_field(&d.election)?;
    let region = RegionCode::parse(d.region.trim()).map_err(|m| AppError::invalid("region", m))?;
    if crate::regions::index_of(&state).get(region.as_str()).is_none() {
        let code = region.as_str();
        return Err(AppError::invalid("region", tr!("tidak ada wilayah dengan kode {code}", "no region has the code {code}")));
    }
    let decided_on = crate::platform::clock::user_day("decided_on", &d.decided_on)?;
    let new = NewDispute {
        election,
        region: region.as_str().to_string(),
        petitioner: text::line("petitioner", &d.petitioner, text::TITLE_MAX, true)?,
        kpu_decision: text::line("kpu_decision", &d.kpu_decision, text::ADDRESS_MAX, true)?,
        decided_on,
        description: text::free_text("description", &d.description, text::DESCRIPTION_MAX, false)?,
    };
    let permit = authorize(&w.user.user, DISPUTE, &new.region)?;
    let user = w.user.user;
    let hol = holidays(&state);
    idempotent_write(&state.db, w.request, move |c| {
        let now = clock::now();
        let id = store::create_dispute(c, &hol, &user, &permit, &new, now)?;
        let view = store::dispute_view(c, &user, id, now)?;
        Ok((StatusCode::CREATED, view))
    })
    .await
}

#[derive(Deserialize, IntoParams)]
pub struct DisputeQuery {
    overdue: Option<bool>,
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DisputeList {
    items: Vec<DisputeSummary>,
}

/// Process disputes in your scope, the nearest deadline first.
#[utoipa::path(get, path = "/api/v1/disputes", tag = "laporan", params(DisputeQuery),
    responses((status = 200, body = DisputeList), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_disputes(State(state): State<AppState>, user: CurrentUser, Query(q): Query<DisputeQuery>) -> Result<Json<DisputeList>, AppError> {
    let limit = page_limit(q.limit)?;
    let scope = user.user.unit.region.clone();
    let items = state.db.read(move |c| store::list_disputes(c, &scope, q.overdue.unwrap_or(false), clock::now(), limit)).await?;
    Ok(Json(DisputeList { items }))
}

#[utoipa::path(get, path = "/api/v1/disputes/{id}", tag = "laporan", params(("id" = i64, Path)),
    responses((status = 200, body = DisputeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_dispute(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Result<Json<DisputeView>, AppError> {
    Ok(Json(state.db.read(move |c| store::dispute_view(c, &user.user, id, clock::now())).await?))
}

/// Moves a dispute along its track (Bawaslu; KPU records its follow-up).
#[utoipa::path(post, path = "/api/v1/disputes/{id}/transitions", tag = "laporan", params(("id" = i64, Path)), request_body = TransitionInput,
    responses((status = 200, body = DisputeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn dispute_transition(State(state): State<AppState>, Path(id): Path<i64>, w: Write) -> Result<Response, AppError> {
    let input: TransitionInput = parse_json(&w.body)?;
    let reason = text::free_text("reason", &input.reason, text::NOTE_MAX, false)?;
    let user = w.user.user;
    let hol = holidays(&state);
    idempotent_write(&state.db, w.request, move |c| {
        let now = clock::now();
        move_dispute(c, &hol, &user, id, &input.to, &reason, now)?;
        let view = store::dispute_view(c, &user, id, now)?;
        Ok((StatusCode::OK, view))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Deadline calculator and holidays

#[derive(Deserialize, IntoParams)]
pub struct DeadlineQuery {
    election: String,
    rule: String,
    /// RFC 3339.
    from: String,
    /// The region whose time zone counts (any region or TPS code).
    region: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineAnswer {
    rule: String,
    /// `hari`, `hari_kerja` or `jam`.
    unit: String,
    count: u32,
    /// RFC 3339 with the region's UTC offset.
    deadline: String,
    time_zone: String,
    source: String,
    certainty: deadlines::Certainty,
}

/// The statutory deadline of a step: the public calculator of the rule table.
#[utoipa::path(get, path = "/api/v1/deadlines", tag = "laporan", params(DeadlineQuery),
    responses((status = 200, body = DeadlineAnswer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deadline(State(state): State<AppState>, Query(q): Query<DeadlineQuery>) -> Result<Json<DeadlineAnswer>, AppError> {
    let election = crate::elections::election(q.election.trim()).ok_or_else(|| {
        let id = &q.election;
        AppError::invalid("election", tr!("pemilihan {id:?} tidak dikenal", "no election {id:?}"))
    })?;
    let rule = deadlines::find(election.kind, q.rule.trim()).ok_or_else(|| {
        let keys: Vec<&str> = deadlines::rules_for(election.kind).iter().map(|r| r.key).collect();
        let (rule, keys) = (&q.rule, keys.join(", "));
        AppError::invalid("rule", tr!("aturan tenggat {rule:?} tidak dikenal: salah satu dari {keys}", "unknown rule {rule:?}: one of {keys}"))
    })?;
    let from = crate::platform::clock::user_instant("from", &q.from)?;
    let code = q.region.trim().to_string();
    let known = if let Ok(t) = TpsCode::parse(&code) { crate::regions::index_of(&state).get(t.village()).is_some() } else { RegionCode::parse(&code).is_ok() && crate::regions::index_of(&state).get(&code).is_some() };
    if !known {
        return Err(AppError::invalid("region", tr!("tidak ada wilayah atau TPS {code:?}", "no region or TPS {code:?}")));
    }
    let tz = crate::regions::time_zone(&code).unwrap_or(crate::regions::TimeZone::Wib);
    let hol = holidays(&state);
    let d = state.db.read(move |c| Ok::<_, AppError>(store::deadline_of(c, &hol, rule, from, &code)?)).await?;
    Ok(Json(DeadlineAnswer {
        rule: rule.key.into(),
        unit: rule.unit.as_str().into(),
        count: rule.count,
        deadline: d.format(&Rfc3339).map_err(|e| AppError::Internal(e.to_string()))?,
        time_zone: tz.as_str().into(),
        source: rule.source.into(),
        certainty: rule.certainty,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct HolidayQuery {
    year: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct HolidayList {
    items: Vec<store::HolidayEntry>,
}

/// The holiday table that working-day deadlines skip.
#[utoipa::path(get, path = "/api/v1/holidays", tag = "laporan", params(HolidayQuery), responses((status = 200, body = HolidayList)))]
pub async fn list_holidays(State(state): State<AppState>, Query(q): Query<HolidayQuery>) -> Result<Json<HolidayList>, AppError> {
    Ok(Json(HolidayList { items: state.db.read(move |c| store::list_holidays(c, q.year)).await? }))
}

/// National administrators keep the holiday table (a new SKB, an election day declared a holiday).
const HOLIDAYS: Rule = Rule { min_role: Role::Admin, agencies: &[], action: ("mengubah daftar hari libur", "edit the holiday table") };

#[derive(Deserialize, ToSchema)]
pub struct HolidayInput {
    name: String,
    /// `libur` or `cuti_bersama`.
    kind: String,
}

fn holiday_date(s: &str) -> Result<time::Date, AppError> {
    crate::platform::clock::user_day("date", s)
}

/// Adds or renames a holiday; deadlines computed from now on skip it.
#[utoipa::path(put, path = "/api/v1/holidays/{date}", tag = "laporan", params(("date" = String, Path)), request_body = HolidayInput,
    responses((status = 200, body = store::HolidayEntry), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn put_holiday(State(state): State<AppState>, Path(date): Path<String>, w: Write) -> Result<Response, AppError> {
    let day = holiday_date(&date)?;
    let input: HolidayInput = parse_json(&w.body)?;
    let name = text::line("name", &input.name, text::NAME_MAX, true)?;
    if !matches!(input.kind.as_str(), "libur" | "cuti_bersama") {
        return Err(AppError::invalid("kind", tr!("jenis hari harus libur atau cuti_bersama", "the kind is libur (holiday) or cuti_bersama (collective leave)")));
    }
    let permit = authorize(&w.user.user, HOLIDAYS, NATIONAL)?;
    let answer = idempotent_write(&state.db, w.request, move |c| {
        let h = store::put_holiday(c, &permit, day, &name, &input.kind)?;
        Ok((StatusCode::OK, h))
    })
    .await;
    // Dropped after the commit, so that no read of the old table can refill the cache.
    holidays(&state).forget();
    answer
}

/// The answer to removing a holiday: the day removed.
#[derive(Serialize, ToSchema)]
pub struct HolidayDeleted {
    /// The day, `YYYY-MM-DD`.
    deleted: String,
}

/// Removes a day from the holiday table.
#[utoipa::path(delete, path = "/api/v1/holidays/{date}", tag = "laporan", params(("date" = String, Path)),
    responses((status = 200, body = HolidayDeleted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_holiday(State(state): State<AppState>, Path(date): Path<String>, w: Write) -> Result<Response, AppError> {
    let day = holiday_date(&date)?;
    let permit = authorize(&w.user.user, HOLIDAYS, NATIONAL)?;
    let answer = idempotent_write(&state.db, w.request, move |c| {
        store::delete_holiday(c, &permit, day)?;
        Ok((StatusCode::OK, HolidayDeleted { deleted: day.to_string() }))
    })
    .await;
    holidays(&state).forget();
    answer
}
