//! Rekap API: contests and candidates, TPS result entries by source, the result of one TPS,
//! live summaries, the plenary recap, and the open-data export.

use crate::tr;
use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use crate::platform::http::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Source;
use super::form::{self, FormRules, FormTable, Tally};
use super::store::{self, Candidate, RecapView, ResultView, Submission, Summary};
use crate::agencies::{AgencyKind, Role};
use crate::elections::api::election_or_404;
use crate::elections::{ContestDef, ElectionDef, TpsCode};
use crate::platform::auth::{CurrentUser, Rule, authorize};
use crate::platform::clock;
use crate::platform::error::{AppError, ErrorBody};
use crate::platform::db::{Batch, Conn, DbError};
use crate::platform::http::{self, Prior, Write, WriteRequest, idempotent_write, parse_json};
use crate::regions::{Level, NATIONAL, RegionCode};
use crate::platform::state::AppState;

fn contest_of(e: &'static ElectionDef, key: &str) -> Result<&'static ContestDef, AppError> {
    e.contests.iter().find(|c| c.key == key).ok_or_else(|| {
        let keys: Vec<&str> = e.contests.iter().map(|c| c.key).collect();
        let (id, keys) = (e.id, keys.join(", "));
        AppError::not_found(tr!("tidak ada jenis pemilihan {key:?} pada {id}: salah satu dari {keys}", "no contest {key:?} in {id}: one of {keys}"))
    })
}

fn region_param(state: &AppState, r: Option<&str>) -> Result<String, AppError> {
    match r.map(str::trim).filter(|r| !r.is_empty()) {
        None | Some(NATIONAL) => Ok(NATIONAL.to_string()),
        Some(r) => {
            let code = RegionCode::parse(r).map_err(|m| AppError::invalid("region", m))?;
            if crate::regions::index_of(&state).get(code.as_str()).is_none() {
                return Err(AppError::not_found(tr!("tidak ada wilayah dengan kode {r}", "no region has the code {r}")));
            }
            Ok(code.as_str().to_string())
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = ContestCandidates)]
pub struct ContestView {
    key: &'static str,
    name: &'static str,
    candidates: Vec<Candidate>,
}

#[derive(Serialize, ToSchema)]
pub struct ContestList {
    items: Vec<ContestView>,
}

#[derive(Deserialize, IntoParams)]
pub struct RegionQuery {
    /// A region or TPS code (default: the nation).
    region: Option<String>,
}

/// The contests held at a place, each with its candidates there.
#[utoipa::path(get, path = "/api/v1/elections/{id}/contests", tag = "rekap", params(("id" = String, Path), RegionQuery),
    responses((status = 200, body = ContestList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn contests(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<RegionQuery>) -> Result<Json<ContestList>, AppError> {
    let e = election_or_404(&id)?;
    let code = match q.region.as_deref().map(str::trim) {
        Some(t) if TpsCode::parse(t).is_ok() => t.to_string(),
        other => region_param(&state, other)?,
    };
    let items = state
        .db
        .read(move |c| {
            e.contests_at(&code)
                .into_iter()
                .map(|k| Ok(ContestView { key: k.key, name: k.name, candidates: store::candidates_at(c, e, k.key, &code)? }))
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    Ok(Json(ContestList { items }))
}

#[derive(Deserialize, ToSchema)]
pub struct CandidateInput {
    number: i64,
    name: crate::platform::text::Name,
}

#[derive(Deserialize, ToSchema)]
pub struct CandidatesInput {
    candidates: Vec<CandidateInput>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateList {
    items: Vec<Candidate>,
}

/// KPU registers the candidates of a province (governor, DPD) or regency (regent, mayor).
const CANDIDATES: Rule = Rule { min_role: Role::Supervisor, agencies: &[AgencyKind::Kpu], action: ("mendaftarkan calon", "register candidates") };

/// Registers the candidates of a regional contest (KPU of that province or regency), before
/// any result is entered.
#[utoipa::path(put, path = "/api/v1/elections/{id}/candidates/{area}/{contest}", tag = "rekap",
    params(("id" = String, Path), ("area" = String, Path), ("contest" = String, Path)), request_body = CandidatesInput,
    responses((status = 200, body = CandidateList), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_candidates(State(state): State<AppState>, Path((id, area, contest)): Path<(String, String, String)>, w: Write) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let k = contest_of(e, &contest)?;
    if matches!(k.key, "presiden" | "dpr" | "dprd_provinsi" | "dprd_kabkota") {
        let key = k.key;
        return Err(AppError::invalid(
            "contest",
            crate::tr!("calon dan partai {key} berlaku nasional dan sudah tersedia di sistem", "{key} lists the national candidates and parties; they are built in"),
        ));
    }
    let code = RegionCode::parse(&area).map_err(|m| AppError::invalid("area", m))?;
    let wanted = if matches!(k.key, "gubernur" | "dpd") { Level::Province } else { Level::Regency };
    if code.level() != wanted || !k.coverage.holds_at(code.as_str()) {
        let key = k.key;
        let (per_id, per_en) = if wanted == Level::Province { ("provinsi", "province") } else { ("kabupaten/kota", "regency or city") };
        return Err(AppError::invalid(
            "area",
            crate::tr!(
                "calon {key} didaftarkan per {per_id} tempat pemilihan itu diselenggarakan",
                "{key} candidates are registered per {per_en} where the contest is held"
            ),
        ));
    }
    let input: CandidatesInput = parse_json(&w.body)?;
    if input.candidates.is_empty() {
        return Err(AppError::invalid("candidates", tr!("paling sedikit satu calon", "at least one candidate")));
    }
    let mut list = vec![];
    for (i, c) in input.candidates.iter().enumerate() {
        if !(1..=99).contains(&c.number) || input.candidates[..i].iter().any(|o| o.number == c.number) {
            return Err(AppError::invalid(format!("candidates[{i}].number"), tr!("nomor urut 1–99 dan tidak boleh sama", "ballot numbers are 1–99 and distinct")));
        }
        let name = c.name.as_str();
        if name.is_empty() {
            return Err(crate::platform::text::Problem::Required.into_error(&format!("candidates[{i}].name")));
        }
        list.push((c.number, name.to_string()));
    }
    let permit = authorize(&w.user.user, CANDIDATES, code.as_str())?;
    let area = code.as_str().to_string();
    let out = idempotent_write(&state.db, w.request, move |c| {
        let items = store::set_candidates(c, &permit, e, k.key, &area, &list)?;
        Ok((StatusCode::OK, CandidateList { items }))
    })
    .await;
    state.module::<super::CandidateCache>().forget();
    out
}

// ---------------------------------------------------------------------------------------------
// Entries

/// A C.Hasil entry: the form's numbers and who gives them.
#[derive(Deserialize, ToSchema)]
pub struct EntryInput {
    /// `kpu`, `bawaslu`, `saksi` or `publik`.
    source: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    tally: Tally,
    /// Required for a correction of an agreed result (a new revision).
    #[serde(default)]
    reason: crate::platform::text::Note,
    /// A photo of the form, base64 (JPEG/PNG/PDF, up to 5 MB), kept in the blob store as
    /// page 1 (older clients; `photos` is the field app's).
    #[serde(default)]
    photo: Option<String>,
    /// A photo of each page of the form, base64 JPEG or PNG without a `data:` prefix, up to
    /// 5 MB each and at most 12 pages. Kept in the blob store only when the entry is accepted;
    /// served at `/foto/{sha256}`.
    #[serde(default)]
    photos: Vec<String>,
}

/// One page's photo in the entry, as the server keeps it.
pub struct Photo {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// Pages of a form a request may carry photos of (a Pemilu DPRD C.Hasil runs to several).
pub const MAX_PHOTOS: usize = 12;
/// One photo's size limit.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// The entry's body: twelve pages of downscaled photos fit easily (the field app sends about
/// 300 KB a page), twelve 5 MB originals do not.
const MAX_ENTRY_BYTES: usize = 40 * 1024 * 1024;

/// Decodes and checks the entry's photos: the old single `photo` (page 1; JPEG, PNG or PDF)
/// then each of `photos` (JPEG or PNG), each at most 5 MB. A refusal names the page.
pub fn decode_photos(single: Option<&str>, pages: &[String]) -> Result<Vec<Photo>, AppError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = vec![];
    if let Some(p) = single.map(str::trim).filter(|p| !p.is_empty()) {
        let bytes = b64.decode(p).map_err(|_| AppError::invalid("photo", tr!("foto tidak dalam base64", "the photo is not base64")))?;
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(AppError::invalid("photo", tr!("foto melebihi 5 MB", "the photo is over 5 MB")));
        }
        let sha256 = crate::reports::evidence::check("photo", &bytes).map_err(|m| AppError::invalid("photo", m))?.sha256;
        out.push(Photo { bytes, sha256 });
    }
    if pages.len() > MAX_PHOTOS {
        let (n, max) = (pages.len(), MAX_PHOTOS);
        return Err(AppError::invalid("photos", tr!("{n} foto; paling banyak {max} foto, satu per halaman formulir", "{n} photos; at most {max}, one per page of the form")));
    }
    for (i, p) in pages.iter().enumerate() {
        let (field, page) = (format!("photos[{i}]"), i + 1);
        let bytes = b64
            .decode(p.trim())
            .map_err(|_| AppError::invalid(&field, tr!("foto halaman {page} tidak dalam base64", "the photo of page {page} is not base64")))?;
        if bytes.len() > MAX_PHOTO_BYTES {
            let mb = format!("{:.1}", bytes.len() as f64 / (1024.0 * 1024.0)).replace('.', ",");
            let mb_en = format!("{:.1}", bytes.len() as f64 / (1024.0 * 1024.0));
            return Err(AppError::invalid(
                &field,
                tr!("foto halaman {page} berukuran {mb} MB, melebihi batas 5 MB; kecilkan fotonya", "the photo of page {page} is {mb_en} MB, over the 5 MB limit; make it smaller"),
            ));
        }
        if !matches!(crate::platform::blob::content_type(&bytes), Some("image/jpeg" | "image/png")) {
            return Err(AppError::invalid(&field, tr!("foto halaman {page} bukan gambar JPEG atau PNG", "the photo of page {page} is not a JPEG or PNG image")));
        }
        let sha256 = crate::platform::blob::key_of(&bytes);
        out.push(Photo { bytes, sha256 });
    }
    Ok(out)
}

pub(super) fn rule_for(source: Source) -> Option<Rule> {
    match source {
        Source::Kpu => Some(Rule { min_role: Role::Operator, agencies: &[AgencyKind::Kpu], action: ("memasukkan hasil KPU", "enter KPU results") }),
        Source::Bawaslu => Some(Rule { min_role: Role::Operator, agencies: &[AgencyKind::Bawaslu], action: ("memasukkan salinan hasil Bawaslu", "enter Bawaslu's copy of results") }),
        Source::Saksi => Some(Rule { min_role: Role::Viewer, agencies: &[], action: ("memasukkan salinan saksi", "enter a witness copy") }),
        Source::Publik => None,
    }
}

/// Checks an entry against the form of its election and the candidates at the TPS.
pub fn gate(tally: &Tally, e: &ElectionDef, candidates: &[String]) -> Result<Vec<form::Failure>, AppError> {
    let rules = form::entry_rules(e, candidates);
    form::check_shape(tally, &rules).map_err(|(field, m)| AppError::invalid(field, m))?;
    let (hard, warnings) = form::check(tally, &rules);
    if !hard.is_empty() {
        // Each failed identity by its statement on the paper form, with both sides, so the
        // officer reads which numbers to look at again (the key stays in `details`).
        let table = form::identities(e.kind);
        let said = |f: &form::Failure, id: bool| {
            let statement = table.iter().find(|i| i.name == f.identity).map_or(f.identity.as_str(), |i| if id { &i.statement_id } else { &i.statement_en });
            format!("{statement} ({} : {})", f.left, f.right)
        };
        let list = |id: bool| hard.iter().map(|f| said(f, id)).collect::<Vec<_>>().join("; ");
        let (names_id, names_en) = (list(true), list(false));
        return Err(AppError::Rejected {
            message: crate::tr!("isian formulir tidak cocok: {names_id}", "the form does not add up: {names_en}"),
            details: serde_json::json!({ "failures": hard }),
        });
    }
    Ok(warnings)
}

/// The C.Hasil of an election as data: its categories with their names in the paper's order,
/// its numbers in the paper's order with their labels and bounds, the constants of the
/// election's rules, and every identity expanded per category with its terms. The entry gate
/// (`PUT …/results/{tps}/{contest}`) evaluates exactly this table; the field app checks a form
/// with it before queueing. Public: it is the law's arithmetic, and a phone caches it.
#[utoipa::path(get, path = "/api/v1/elections/{id}/form-rules", tag = "rekap", params(("id" = String, Path)),
    responses((status = 200, body = FormTable), (status = 404, body = ErrorBody)))]
pub async fn form_rules(Path(id): Path<String>) -> Result<Json<FormTable>, AppError> {
    let e = election_or_404(&id)?;
    Ok(Json(form::table(e)))
}

/// Enters one TPS result for a contest from one source. KPU entries need two matching entries
/// by different users before they count; a correction of an agreed result is a new revision
/// with a reason. Forms that do not add up are refused with every failed identity.
#[utoipa::path(put, path = "/api/v1/elections/{id}/results/{tps}/{contest}", tag = "rekap",
    params(("id" = String, Path), ("tps" = String, Path), ("contest" = String, Path)), request_body = EntryInput,
    responses((status = 200, body = ResultView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_result(State(state): State<AppState>, Path((id, tps, contest)): Path<(String, String, String)>, req: Request) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let k = contest_of(e, &contest)?;
    let tps = TpsCode::parse(&tps).map_err(|m| AppError::invalid("tps", m))?;
    let code = tps.as_str().to_string();
    if !k.coverage.holds_at(&code) {
        let key = k.key;
        return Err(AppError::not_found(crate::tr!("pemilihan {key} tidak diselenggarakan di {code}", "{key} is not held at {code}")));
    }
    let (mut parts, body) = req.into_parts();
    let (user, session) = match CurrentUser::for_batched_write(&mut parts, &state).await? {
        Some((u, session)) => (Some(u), session),
        None => (None, None),
    };
    let body = axum::body::to_bytes(body, MAX_ENTRY_BYTES)
        .await
        .map_err(|_| AppError::too_large(crate::tr!("isian hasil beserta fotonya lebih dari 40 MB", "the entry with its photos is over 40 MB")))?;
    let input: EntryInput = parse_json(&body)?;
    let source = Source::parse(&input.source).ok_or_else(|| AppError::invalid("source", tr!("sumber harus kpu, bawaslu, saksi atau publik", "the source is kpu, bawaslu, saksi (witness) or publik (public)")))?;
    let (permit, principal) = match (rule_for(source), &user) {
        (Some(rule), Some(u)) => (authorize(&u.user, rule, &code)?, u.user.id.to_string()),
        (Some(_), None) => return Err(AppError::Unauthorized),
        (None, _) => crate::platform::http::admit_anonymous(&state, &parts.extensions, &parts.headers).await?,
    };
    let request = WriteRequest::new(&parts.headers, &principal, parts.method.as_str(), parts.uri.path(), &body)?;
    let photos = decode_photos(input.photo.as_deref(), &input.photos)?;
    let photo_sha256 = photos.first().map(|p| p.sha256.clone());
    let hashes: Vec<String> = photos.iter().map(|p| p.sha256.clone()).collect();
    let reason = input.reason.into_string();
    let tally = input.tally;
    let candidates = super::candidates_of(&state, e, k.key, &code).await?;
    let warnings = gate(&tally, e, &candidates)?;
    let entry = Entry {
        request,
        lang: crate::platform::i18n::Lang::current(),
        permit,
        election: e,
        contest: k,
        tps,
        submission: Some(Submission::new(source, tally, warnings, reason, photo_sha256, hashes)),
        public: user.is_none(),
        session: session.clone(),
    };
    let db = state.db.clone();
    let sessions = state.sessions.clone();
    // The photos are stored before the entry's write and kept only if it is accepted; a failed
    // store refuses the entry (a retry with the same Idempotency-Key then tries again).
    let bytes = photos.into_iter().map(|p| bytes::Bytes::from(p.bytes)).collect();
    state
        .blobs
        .keep_for(bytes, async move {
            match db.write_batched(entry).await? {
                Ok((status, body, replayed)) => Ok(http::answer(status, body, replayed)),
                Err(AppError::Unauthorized) => {
                    // The session ended (logged out, revoked): the cache forgets it too.
                    if let Some(hash) = session {
                        sessions.remove(&hash);
                    }
                    Err(AppError::Unauthorized)
                }
                Err(e) => Err(e),
            }
        })
        .await
}

/// One C.Hasil through every check that needs no database, waiting to be stored with the
/// others of its group commit (on election night, the forms of many TPS at once).
struct Entry {
    request: WriteRequest,
    lang: crate::platform::i18n::Lang,
    permit: crate::platform::auth::Permit,
    election: &'static ElectionDef,
    contest: &'static ContestDef,
    tps: TpsCode,
    /// Taken when stored.
    submission: Option<Submission>,
    /// Sent without an account: the answer names units, not users.
    public: bool,
    /// The session of a user from the cache, to be confirmed in the write
    /// (`CurrentUser::for_batched_write`).
    session: Option<String>,
}

/// An entry's answer as sent and kept for its Idempotency-Key: status, body, and whether it is
/// the answer to an earlier request.
type Answer = (u16, String, bool);

impl Batch for Entry {
    type Output = Result<Answer, AppError>;

    /// Like `idempotent_write` for each entry, with one lookup of the keys in the idempotency
    /// store (answers kept before entries kept their keys, keys used for other writes) and one
    /// `submit_all` for the group, which keeps each entry's key with it and answers a retry from
    /// the entries.
    fn run(conn: &mut Conn, mut items: Vec<Entry>) -> Result<Vec<Self::Output>, DbError> {
        // Sessions first: a write whose session ended is refused, replays included.
        let sessions: Vec<&str> = items.iter().filter_map(|i| i.session.as_deref()).collect();
        let standing = if sessions.is_empty() { Default::default() } else { crate::platform::auth::standing(conn, &sessions, &clock::now_rfc3339())? };
        let ended: Vec<bool> = items.iter().map(|i| i.session.as_ref().is_some_and(|h| !standing.contains(h))).collect();
        let priors = http::priors(conn, &items.iter().map(|i| &i.request).collect::<Vec<_>>())?;
        let mut out: Vec<Option<Self::Output>> = (0..items.len()).map(|_| None).collect();
        for (i, _) in ended.iter().enumerate().filter(|(_, e)| **e) {
            out[i] = Some(Err(AppError::Unauthorized));
        }
        let fresh: Vec<usize> = (0..items.len()).filter(|&i| !ended[i] && matches!(priors[i], Ok(Prior::New))).collect();
        store_entries(conn, &mut items, &fresh, &mut out)?;
        // A request sent twice in one group gets the first one's answer; when that one was
        // refused, the second runs after it, as if it had come later.
        let mut again: Vec<usize> = vec![];
        let mut retried: Vec<usize> = vec![];
        for (i, prior) in priors.into_iter().enumerate() {
            if ended[i] {
                continue;
            }
            out[i] = match prior {
                Ok(Prior::New) => continue,
                Ok(Prior::Replay { status, body }) => Some(Ok((status, body, true))),
                Err(refused) => Some(Err(refused)),
                Ok(Prior::Earlier(j)) => match &out[j] {
                    Some(Ok((status, body, _))) => Some(Ok((*status, body.clone(), true))),
                    _ if !retried.contains(&j) => {
                        retried.push(j);
                        again.push(i);
                        continue;
                    }
                    _ => Some(Err(AppError::conflict(tr!("permintaan yang sama sedang diproses; kirim ulang sebentar lagi", "the same request is being processed; send it again shortly")))),
                },
            };
        }
        store_entries(conn, &mut items, &again, &mut out)?;
        Ok(out.into_iter().map(|o| o.unwrap_or_else(|| Err(AppError::Internal("an entry got no answer".into())))).collect())
    }
}

/// Stores the entries `which` of `items` with one `submit_all`, and keeps their answers.
fn store_entries(conn: &mut Conn, items: &mut [Entry], which: &[usize], out: &mut [Option<Result<Answer, AppError>>]) -> Result<(), DbError> {
    if which.is_empty() {
        return Ok(());
    }
    let now = clock::now_rfc3339();
    let submissions: Vec<Option<Submission>> = which.iter().map(|&i| items[i].submission.take()).collect();
    let mut forms = vec![];
    let mut stored = vec![];
    for (&i, s) in which.iter().zip(submissions) {
        let it = &items[i];
        match s {
            Some(submission) => {
                forms.push(store::Form { permit: &it.permit, election: it.election, contest: it.contest, tps: &it.tps, submission, request: Some(&it.request) });
                stored.push(i);
            }
            None => out[i] = Some(Err(AppError::Internal("an entry was stored twice".into()))),
        }
    }
    // The answers are not kept apart: an entry keeps its request's key, and a retry is answered
    // from the entries (`store::submit_all`).
    let views = store::submit_all(conn, forms, &now)?;
    for (i, stored) in stored.into_iter().zip(views) {
        let it = &items[i];
        out[i] = Some(stored.and_then(|s| {
            let v = if it.public { s.view.with_unit_names(conn)? } else { s.view };
            Ok((200, http::serialise(it.lang, &v)?, s.replayed))
        }));
    }
    Ok(())
}

/// Every source's numbers for one TPS and contest, the double-entry status, and where the
/// sources differ (public).
#[utoipa::path(get, path = "/api/v1/elections/{id}/results/{tps}/{contest}", tag = "rekap",
    params(("id" = String, Path), ("tps" = String, Path), ("contest" = String, Path)),
    responses((status = 200, body = ResultView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_result(State(state): State<AppState>, user: Option<CurrentUser>, Path((id, tps, contest)): Path<(String, String, String)>) -> Result<Json<ResultView>, AppError> {
    let public = user.is_none();
    let e = election_or_404(&id)?;
    let k = contest_of(e, &contest)?;
    let code = TpsCode::parse(&tps).map_err(|m| AppError::invalid("tps", m))?;
    let view = state
        .db
        .read(move |c| {
            if crate::elections::store::get_tps(c, e.id, code.as_str())?.is_none() {
                let (name, code) = (e.name, code.as_str());
                return Err(AppError::not_found(crate::tr!("TPS {code} tidak terdaftar pada {name}", "no TPS {code} in {name}")));
            }
            let view = store::view(c, e.id, k.key, &code)?;
            Ok(if public { view.with_unit_names(c)? } else { view })
        })
        .await?;
    Ok(Json(view))
}

/// Where a TPS's entries are in the public log, proved against the latest signed checkpoint.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ResultProof {
    /// The latest signed checkpoint (a C2SP signed note, as `GET /log/checkpoint` serves it).
    pub checkpoint: String,
    /// Its tree size and base64 root hash.
    pub tree_size: u64,
    pub root: String,
    /// Every entry of this TPS result, oldest first.
    pub entries: Vec<LeafProof>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct LeafProof {
    pub source: String,
    pub revision: i64,
    /// Null while the entry is being recorded: it waits for the log's sequencer (PostgreSQL,
    /// a fraction of a second), and `recording` is true.
    pub leaf_index: Option<u64>,
    /// The entry is accepted and its leaf queued, but not yet in the log: ask again shortly.
    pub recording: bool,
    /// The leaf's bytes (canonical JSON, see `results::leaf`), as text.
    pub leaf: String,
    /// The inclusion proof's hashes (base64, RFC 9162 order) in the checkpoint's tree; null
    /// while the entry is newer than the checkpoint (signed within a second or so).
    pub inclusion: Option<Vec<String>>,
}

/// The leaf of every entry of a TPS's result and its inclusion proof against the latest signed
/// checkpoint, for anyone to check that the numbers shown are the ones in the public log.
#[utoipa::path(get, path = "/api/v1/elections/{id}/results/{tps}/{contest}/proof", tag = "rekap",
    params(("id" = String, Path), ("tps" = String, Path), ("contest" = String, Path)),
    responses((status = 200, body = ResultProof), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn result_proof(State(state): State<AppState>, Path((id, tps, contest)): Path<(String, String, String)>) -> Result<Json<ResultProof>, AppError> {
    use crate::platform::tlog;
    let e = election_or_404(&id)?;
    let k = contest_of(e, &contest)?;
    let code = TpsCode::parse(&tps).map_err(|m| AppError::invalid("tps", m))?;
    let b64 = |h: &tlog::Hash| base64::engine::general_purpose::STANDARD.encode(h.0);
    let proof = state
        .db
        .read(move |c| -> Result<ResultProof, AppError> {
            let list = store::log_entries(c, e.id, k.key, code.as_str())?;
            if list.is_empty() {
                let code = code.as_str();
                return Err(AppError::not_found(tr!("belum ada hasil TPS {code} yang tercatat di log", "no result of TPS {code} is in the log yet")));
            }
            let recording = list.iter().any(|p| p.index.is_none());
            let (head, note) = tlog::checkpoint::latest(c)?.ok_or_else(|| {
                if recording {
                    let code = code.as_str();
                    AppError::not_found(tr!("hasil TPS {code} sedang dicatat di log; coba lagi sebentar lagi", "the result of TPS {code} is being recorded in the log; try again in a moment"))
                } else {
                    AppError::not_found(tr!("log belum memiliki checkpoint bertanda tangan; coba lagi sebentar lagi", "the log has no signed checkpoint yet; try again in a moment"))
                }
            })?;
            let mut entries = Vec::with_capacity(list.len());
            for p in list {
                let (index, leaf) = match (p.index, p.ticket) {
                    (Some(index), _) => (Some(index), tlog::leaf(c, index)?.ok_or_else(|| AppError::Internal(format!("log leaf {index} is missing")))?),
                    // Still queued, or sequenced a moment ago.
                    (None, Some(ticket)) => {
                        let found = tlog::find(c, ticket)?.ok_or_else(|| AppError::Internal(format!("log ticket {ticket} has no leaf")))?;
                        (found.index, found.leaf)
                    }
                    (None, None) => return Err(AppError::Internal("a result entry has neither a log index nor a ticket".into())),
                };
                let inclusion = match index {
                    Some(i) if i < head.size => Some(tlog::inclusion(c, i, head.size)?.iter().map(b64).collect()),
                    _ => None,
                };
                entries.push(LeafProof { source: p.source, revision: p.revision, leaf_index: index, recording: index.is_none(), leaf: String::from_utf8_lossy(&leaf).into_owned(), inclusion });
            }
            Ok(ResultProof { checkpoint: note, tree_size: head.size, root: b64(&head.root), entries })
        })
        .await?;
    Ok(Json(proof))
}

#[derive(Deserialize, IntoParams)]
pub struct SummaryQuery {
    region: Option<String>,
    contest: String,
    /// Also the totals of each region directly below.
    children: Option<bool>,
}

/// Live totals for a region and contest from the aggregates kept as results are counted.
#[utoipa::path(get, path = "/api/v1/elections/{id}/results/summary", tag = "rekap", params(("id" = String, Path), SummaryQuery),
    responses((status = 200, body = Summary), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn summary(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>, Query(q): Query<SummaryQuery>) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let k = contest_of(e, &q.contest)?;
    let region = region_param(&state, q.region.as_deref())?;
    let children: Option<Vec<String>> =
        q.children.unwrap_or(false).then(|| crate::regions::index_of(&state).children_codes(&region).into_iter().filter(|c| k.coverage.holds_at(c)).collect());
    // Public, and live: every reader of the next few seconds gets this answer (platform::pubcache).
    Ok(crate::platform::pubcache::public(
        crate::platform::pubcache::LIVE,
        Json(
        super::read_results(&state, user.is_none(), move |c| {
                let mut s = store::summary(c, e, k, &region)?;
                if let Some(kids) = children {
                    let totals = store::totals_of(c, e.id, k.key, &kids)?;
                    s.children = Some(
                        kids.into_iter()
                            .map(|code| {
                                let t = totals.get(&code).cloned().unwrap_or_default();
                                store::ChildTotals { region: code, tps_in: t.tps_in, valid: t.valid, invalid: t.invalid, discrepancies: t.discrepancies, votes: t.votes }
                            })
                            .collect(),
                    );
                }
                Ok(s)
            })
            .await?,
        ),
    ))
}

// ---------------------------------------------------------------------------------------------
// Tiered recap

#[derive(Deserialize, ToSchema)]
pub struct RecapInput {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    tally: Tally,
    #[serde(default)]
    reason: crate::platform::text::Note,
}

/// KPU's committee of that level enters the plenary's numbers: PPK (district), KPU kab/kota,
/// KPU provinsi.
pub(super) const RECAP: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Kpu], action: ("memasukkan rekapitulasi pleno", "enter a plenary recap") };

fn recap_region(state: &AppState, region: &str) -> Result<(String, Level), AppError> {
    let code = RegionCode::parse(region).map_err(|m| AppError::invalid("region", m))?;
    if crate::regions::index_of(&state).get(code.as_str()).is_none() {
        return Err(AppError::not_found(tr!("tidak ada wilayah dengan kode {region}", "no region has the code {region}")));
    }
    let level = code.level();
    if level == Level::Village {
        return Err(AppError::invalid("region", tr!("rekapitulasi ada per kecamatan (D.Hasil kecamatan), kabupaten/kota atau provinsi; desa/kelurahan tidak memilikinya", "recaps are per district (D.Hasil kecamatan), regency or province; a village has none")));
    }
    Ok((code.as_str().to_string(), level))
}

/// The plenary's totals for a district, regency or province (D.Hasil), kept as revisions.
#[utoipa::path(put, path = "/api/v1/elections/{id}/recap/{region}/{contest}", tag = "rekap",
    params(("id" = String, Path), ("region" = String, Path), ("contest" = String, Path)), request_body = RecapInput,
    responses((status = 200, body = RecapView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_recap(State(state): State<AppState>, Path((id, region, contest)): Path<(String, String, String)>, w: Write) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let k = contest_of(e, &contest)?;
    let (code, _) = recap_region(&state, &region)?;
    if !k.coverage.holds_at(&code) {
        let key = k.key;
        return Err(AppError::not_found(crate::tr!("pemilihan {key} tidak diselenggarakan di {code}", "{key} is not held in {code}")));
    }
    let input: RecapInput = parse_json(&w.body)?;
    let candidates = super::candidates_of(&state, e, k.key, &code).await?;
    // A plenary's numbers are sums of its TPS: at most the per-TPS ceiling times the TPS the
    // register has in the region.
    let stats_code = code.clone();
    let (tps_here, _) = state.db.read(move |c| crate::elections::store::stats(c, e.id, &stats_code)).await?;
    let reserve_bp = form::reserve_bp(e.kind);
    let max_count = form::tps_ceiling(e.max_voters_by_law, reserve_bp).saturating_mul(tps_here.max(0));
    let rules = FormRules { kind: e.kind, candidates: &candidates, max_voters_per_tps: i64::MAX, reserve_bp, max_count };
    form::check_shape(&input.tally, &rules).map_err(|(field, m)| AppError::invalid(field, m))?;
    let permit = authorize(&w.user.user, RECAP, &code)?;
    let children = children_of(&state, &code);
    idempotent_write(&state.db, w.request, move |c| {
        store::put_recap(c, &permit, e.id, k.key, &code, &input.tally, &input.reason, &clock::now_rfc3339())?;
        Ok((StatusCode::OK, store::recap_view(c, e, k, &code, &children)?))
    })
    .await
}

fn children_of(state: &AppState, code: &str) -> Vec<String> {
    crate::regions::index_of(&state).children_codes(code)
}

/// The plenary's totals beside the sum of the children, the fields that differ, and the
/// children still missing (public).
#[utoipa::path(get, path = "/api/v1/elections/{id}/recap/{region}/{contest}", tag = "rekap",
    params(("id" = String, Path), ("region" = String, Path), ("contest" = String, Path)),
    responses((status = 200, body = RecapView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_recap(State(state): State<AppState>, user: Option<CurrentUser>, Path((id, region, contest)): Path<(String, String, String)>) -> Result<Json<RecapView>, AppError> {
    let e = election_or_404(&id)?;
    let k = contest_of(e, &contest)?;
    let (code, _) = recap_region(&state, &region)?;
    let children: Vec<String> = children_of(&state, &code).into_iter().filter(|c| k.coverage.holds_at(c)).collect();
    let public = user.is_none();
    Ok(Json(
        state
            .db
            .read(move |c| {
                let v = store::recap_view(c, e, k, &code, &children)?;
                Ok::<_, AppError>(if public { v.with_unit_names(c)? } else { v })
            })
            .await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Open data

#[derive(Deserialize, IntoParams)]
pub struct ExportQuery {
    region: Option<String>,
    /// `csv` (default) or `json` (one JSON object per line).
    format: Option<String>,
}

/// Every TPS result of a region (agreed KPU numbers, status and flags), streamed: CSV with one
/// row per TPS and contest, or JSON lines.
#[utoipa::path(get, path = "/api/v1/elections/{id}/results/export", tag = "rekap", params(("id" = String, Path), ExportQuery),
    responses((status = 200, description = "CSV or JSON lines"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(State(state): State<AppState>, Path(id): Path<String>, Query(q): Query<ExportQuery>, headers: axum::http::HeaderMap) -> Result<Response, AppError> {
    let e = election_or_404(&id)?;
    let region = region_param(&state, q.region.as_deref())?;
    let json = match q.format.as_deref().unwrap_or("csv") {
        "csv" => false,
        "json" => true,
        other => return Err(AppError::invalid("format", tr!("format {other:?}: pilih csv atau json", "format {other:?}: csv or json"))),
    };
    // The nation's, the one everybody downloads, from the file made ahead (`snapshot`).
    if region == crate::regions::NATIONAL
        && let Some(resp) = super::snapshot::serve(state.module::<super::snapshot::Snapshots>(), e, json, &headers).await
    {
        return Ok(resp);
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(16);
    let db = state.db.clone();
    tokio::spawn(async move {
        let tx2 = tx.clone();
        let r = db.read(move |c| store::export(c, e, &region, json, &mut |chunk| tx2.blocking_send(Ok(bytes::Bytes::from(chunk))).is_ok())).await;
        if let Err(err) = r {
            let _ = tx.send(Err(std::io::Error::other(err.to_string()))).await;
        }
    });
    // The receiver itself is the stream: it keeps answering "no more" once the channel is done.
    // (An `unfold` stream panics when polled after its end, and the gzip encoder does poll it
    // again, so every compressed download used to be cut short.)
    let mut rx = rx;
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut resp = Body::from_stream(stream).into_response();
    let (ctype, ext) = if json { ("application/x-ndjson", "jsonl") } else { ("text/csv; charset=utf-8", "csv") };
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"hasil-{}.{ext}\"", e.id)) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

