//! Laporan Situasi Harian: the situation of a region as a printed report for the morning
//! Forkopimda meeting (the tiles as tables, what is open per agency, numbered pages, a QR code
//! that verifies it) with a short plain-text summary to pass on by WhatsApp. Made each morning at
//! `SINERGI_REPORT_HOUR` local time (06.00 by default) for every regency and province that has
//! agency units, or on the first request of the day; kept, listed and served as it was made.

use maud::html;
use time::{Date, OffsetDateTime};

use super::map::Layer;
use super::picture::{self, Situation};
use crate::elections::ElectionDef;
use crate::params;
use crate::platform::auth::Permit;
use crate::platform::db::{Conn, DbError, Row};
use crate::platform::error::AppError;
use crate::platform::i18n::{self, Lang};
use crate::platform::map::{Atlas, MapView};
use crate::platform::pdf::Flow;
use crate::platform::state::AppState;

/// A report as it was made.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = DailyReport)]
pub struct StoredReport {
    pub region: String,
    pub election: String,
    /// The local day it reports on, YYYY-MM-DD.
    pub day: String,
    /// RFC 3339 (UTC).
    pub generated_at: String,
    /// SHA-256 of the PDF: what the verification page shows.
    pub sha256: String,
    #[serde(skip)]
    pub token: String,
    /// The plain-text summary (Bahasa Indonesia), as sent on.
    pub summary: String,
}

const COLS: &str = "region_code, election_id, day, generated_at, sha256, token, summary";

fn from_row(r: &Row) -> Result<StoredReport, DbError> {
    Ok(StoredReport { region: r.get(0)?, election: r.get(1)?, day: r.get(2)?, generated_at: r.get(3)?, sha256: r.get(4)?, token: r.get(5)?, summary: r.get(6)? })
}

pub fn find(conn: &mut Conn, region: &str, election: &str, day: Date) -> Result<Option<StoredReport>, DbError> {
    conn.query_opt(&format!("SELECT {COLS} FROM situation_reports WHERE region_code = $1 AND election_id = $2 AND day = $3"), params![region, election, day_key(day)])?
        .map(|r| from_row(&r))
        .transpose()
}

pub fn by_token(conn: &mut Conn, token: &str) -> Result<Option<StoredReport>, DbError> {
    conn.query_opt(&format!("SELECT {COLS} FROM situation_reports WHERE token = $1"), params![token])?.map(|r| from_row(&r)).transpose()
}

/// The reports of a region, newest day first.
pub fn list(conn: &mut Conn, region: &str, election: &str, limit: i64) -> Result<Vec<StoredReport>, DbError> {
    conn.query(&format!("SELECT {COLS} FROM situation_reports WHERE region_code = $1 AND election_id = $2 ORDER BY day DESC LIMIT $3"), params![region, election, limit])?
        .iter()
        .map(from_row)
        .collect()
}

/// Keeps a made report; a report for that region, election and day already kept wins (two
/// servers, or the morning sweep and a reader at the same minute, make it once).
pub fn keep(conn: &mut Conn, permit: &Permit, r: &StoredReport) -> Result<StoredReport, AppError> {
    let inserted = conn.execute(
        &format!("INSERT INTO situation_reports ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region_code, election_id, day) DO NOTHING"),
        params![r.region.as_str(), r.election.as_str(), r.day.as_str(), r.generated_at.as_str(), r.sha256.as_str(), r.token.as_str(), r.summary.as_str()],
    )?;
    if inserted > 0 {
        crate::platform::audit::record(
            conn,
            permit,
            crate::platform::audit::Change {
                action: "situation.report",
                entity_type: "situation_report",
                entity_id: &format!("{}/{}/{}", r.region, r.election, r.day),
                region: Some(&r.region),
                detail: serde_json::json!({"sha256": r.sha256}),
            },
        )?;
    }
    conn.query_one(&format!("SELECT {COLS} FROM situation_reports WHERE region_code = $1 AND election_id = $2 AND day = $3"), params![r.region.as_str(), r.election.as_str(), r.day.as_str()])
        .and_then(|row| from_row(&row))
        .map_err(AppError::from)
}

pub fn day_key(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn pct(p: f64) -> String {
    crate::platform::web::percent(Lang::Id, p, 1)
}

/// What is still open, per agency, in one line each (Indonesian, as the meeting reads it).
fn open_per_agency(s: &Situation) -> Vec<String> {
    let mut out = vec![
        format!(
            "KPU: {} TPS belum siap logistik ({} sebagian, {} belum ada), {} pengiriman terlambat, {} berselisih.",
            s.logistics.partial + s.logistics.none,
            s.logistics.partial,
            s.logistics.none,
            s.logistics.late_shipments,
            s.logistics.discrepant_shipments
        ),
        format!("Bawaslu: {} kasus terbuka, {} lewat batas waktu, {} berbatas waktu hari ini atau besok.", s.violations.open, s.violations.overdue, s.violations.near_deadline),
        format!("Polri dan Kejaksaan: {} kasus di Sentra Gakkumdu.", s.violations.gakkumdu),
        format!(
            "Polri dan TNI: {} TPS sangat rawan, {} TPS rawan; {} wilayah kekurangan personel pengamanan.",
            s.security.by_category.get("sangat_rawan").copied().unwrap_or(0),
            s.security.by_category.get("rawan").copied().unwrap_or(0),
            s.security.personnel_gap_areas
        ),
        format!("Pemda: serapan anggaran {}, {} tahap hibah NPHD terlambat.", pct(s.budget.absorption_percent), s.budget.late_tranches),
    ];
    for u in &s.coordination.overdue_by_unit {
        out.push(format!("{}: {} tindak lanjut rapat terlambat.", u.unit, u.count));
    }
    out
}

/// The short summary passed on to the Forkopimda group.
pub fn summary_text(s: &Situation, day: Date) -> String {
    let mut t = format!("*Laporan Situasi Harian {}*\n{} · {}\n", s.region.name, s.election_name, i18n::date(Lang::Id, day));
    if let Some(st) = s.stage.today.first() {
        t.push_str(&format!("Tahapan: {} (berakhir {})\n", st.name, st.end));
    }
    if let Some(st) = s.stage.next.first() {
        t.push_str(&format!("Berikutnya: {}, {} (H-{})\n", st.name, st.start, st.days_to_start.max(0)));
    }
    t.push_str(&format!("Logistik: {} dari {} TPS siap ({})\n", s.logistics.ready, s.logistics.tps_total, pct(s.logistics.ready_percent)));
    t.push_str(&format!("Kasus terbuka: {}, lewat batas: {}\n", s.violations.open, s.violations.overdue));
    for c in &s.results.contests {
        t.push_str(&format!("Hasil {}: {} dari {} TPS masuk\n", c.name, c.tps_in, c.tps_total));
    }
    if let Some(rp) = &s.results.recap {
        t.push_str(&format!("Rekap {}: {}\n", rp.name, rp.summary));
    }
    t
}

/// The report as a PDF: every tile as a table of lines, what is open per agency, the areas
/// below and their map, numbered pages and a QR code to `verify_url` on the first page.
pub fn pdf(s: &Situation, map: Option<(&Atlas, &MapView)>, day: Date, made: &str, verify_url: &str) -> Result<Vec<u8>, AppError> {
    let mut f = Flow::new();
    if let Some(first) = f.pages.first_mut() {
        first.qr(455.0, 700.0, 90.0, verify_url).map_err(AppError::Internal)?;
    }
    f.put(14.0, true, "LAPORAN SITUASI HARIAN", 0.0);
    f.put(12.0, true, &s.region.name, 0.0);
    f.put(9.0, false, &format!("{} · tanggal {} · dibuat {made}", s.election_name, i18n::date(Lang::Id, day)), 0.0);
    f.put(8.0, false, &format!("Periksa keaslian: {verify_url}"), 0.0);
    f.put(9.0, false, "", 0.0);
    f.put(11.0, true, "Tahapan", 0.0);
    for st in &s.stage.today {
        f.put(9.0, false, &format!("- Berlangsung: {} ({} s.d. {})", st.name, st.start, st.end), 8.0);
    }
    for st in &s.stage.next {
        f.put(9.0, false, &format!("- Akan datang: {}, mulai {} (H-{})", st.name, st.start, st.days_to_start.max(0)), 8.0);
    }
    let l = &s.logistics;
    f.put(11.0, true, "Logistik", 0.0);
    for line in [
        format!("- TPS siap: {} dari {} ({})", l.ready, l.tps_total, pct(l.ready_percent)),
        format!("- Sebagian: {} ({}); belum ada apa pun: {} ({})", l.partial, pct(l.partial_percent), l.none, pct(l.none_percent)),
        format!("- Pengiriman terlambat: {}; berselisih: {}", l.late_shipments, l.discrepant_shipments),
    ] {
        f.put(9.0, false, &line, 8.0);
    }
    if !l.worst.is_empty() {
        let worst: Vec<String> = l.worst.iter().map(|a| format!("{} {}", a.place.name, pct(a.ready_percent))).collect();
        f.put(9.0, false, &format!("- Paling belum siap: {}", worst.join(", ")), 8.0);
    }
    f.put(11.0, true, "Keamanan", 0.0);
    // The site's address is the verification link's; each count's list is printed beside it.
    let base = verify_url.rsplit_once("/laporan-situasi/").map_or("", |(b, _)| b);
    for (key, label) in [("sangat_rawan", "Sangat rawan"), ("rawan", "Rawan"), ("kurang_rawan", "Kurang rawan")] {
        f.put(9.0, false, &format!("- {label}: {} TPS", s.security.by_category.get(key).copied().unwrap_or(0)), 8.0);
        f.put(8.0, false, &format!("Daftar: {base}/kerawanan/tps?pemilu={}&wilayah={}&kategori={key}", s.election, s.region.code), 16.0);
    }
    if s.security.personnel_gaps.is_empty() {
        f.put(9.0, false, "- Tidak ada wilayah yang kekurangan personel pengamanan.", 8.0);
    } else {
        f.put(9.0, true, "Kekurangan personel · polisi perlu/ada/kurang · Linmas perlu/ada/kurang", 8.0);
        for g in &s.security.personnel_gaps {
            f.put(
                9.0,
                false,
                &format!("{} · polisi {}/{}/{} · Linmas {}/{}/{}", g.place.name, g.police_needed, g.police_available, g.police_short, g.linmas_needed, g.linmas_available, g.linmas_short),
                8.0,
            );
        }
        let more = s.security.personnel_gap_areas - s.security.personnel_gaps.len() as i64;
        if more > 0 {
            f.put(9.0, false, &format!("dan {more} wilayah lain"), 8.0);
        }
    }
    let v = &s.violations;
    f.put(11.0, true, "Pelanggaran", 0.0);
    f.put(9.0, false, &format!("- Kasus terbuka: {}; lewat batas waktu: {}; batas hari ini atau besok: {}", v.open, v.overdue, v.near_deadline), 8.0);
    f.put(9.0, false, &format!("- Di Sentra Gakkumdu: {}; masuk hari ini: {}", v.gakkumdu, v.new_today), 8.0);
    for st in &v.open_by_status {
        f.put(9.0, false, &format!("  {}: {}", crate::reports::state_label(&st.state, Lang::Id), st.count), 16.0);
    }
    f.put(11.0, true, "Hasil", 0.0);
    if !s.results.open {
        f.put(9.0, false, "- Hasil masuk mulai hari pemungutan suara.", 8.0);
    }
    for c in &s.results.contests {
        f.put(9.0, false, &format!("- {}: {} dari {} TPS masuk; sumber berbeda di {} TPS; anomali {}", c.name, c.tps_in, c.tps_total, c.disagreements, c.anomalies), 8.0);
    }
    if let Some(rp) = &s.results.recap {
        f.put(11.0, true, &format!("Rekapitulasi {}", rp.name), 0.0);
        f.put(9.0, false, &format!("- {}", rp.summary), 8.0);
        f.put(9.0, true, "Wilayah · TPS masuk · keadaan", 8.0);
        for a in &rp.areas {
            f.put(9.0, false, &format!("{} · {} dari {} · {}", a.place.name, a.tps_in, a.tps_total, a.state_label), 8.0);
        }
    }
    f.put(11.0, true, "Koordinasi dan anggaran", 0.0);
    match &s.coordination.next_meeting {
        Some(m) => f.put(9.0, false, &format!("- Rapat berikutnya: {}, {}, {}", m.title, m.starts, m.place), 8.0),
        None => f.put(9.0, false, "- Belum ada rapat terjadwal.", 8.0),
    }
    f.put(9.0, false, &format!("- Serapan anggaran: {}; tahap hibah NPHD terlambat: {}", pct(s.budget.absorption_percent), s.budget.late_tranches), 8.0);
    f.put(11.0, true, "Yang masih terbuka per instansi", 0.0);
    for line in open_per_agency(s) {
        f.put(9.0, false, &format!("- {line}"), 8.0);
    }
    if !s.children.is_empty() {
        f.put(11.0, true, "Wilayah di bawahnya", 0.0);
        f.put(9.0, true, "Wilayah · TPS · siap · TPS rawan · kasus terbuka · lewat batas · TPS masuk", 8.0);
        for c in &s.children {
            f.put(9.0, false, &format!("{} · {} · {} · {} · {} · {} · {}", c.place.name, c.tps, pct(c.ready_percent), c.tps_rawan, c.open_cases, c.overdue_cases, c.results_in), 8.0);
        }
    }
    if let Some((atlas, view)) = map {
        // The map wants most of a page: on the next one unless this one still has room.
        f.drawing(420.0, |page, top, width, height| {
            page.text(50.0, top - 11.0, 11.0, true, &format!("Peta: {}", view.label));
            22.0 + crate::platform::map::draw_pdf(atlas, view, page, 50.0, top - 22.0, width, height - 22.0)
        });
    }
    let (name, date) = (s.region.name.clone(), i18n::date(Lang::Id, day));
    Ok(f.finish(&format!("Laporan Situasi Harian {name} {date}"), |n, total| format!("Laporan Situasi Harian {name} · {date} · halaman {n} dari {total}")))
}

/// The report of `region` for the local day of `now`: the one kept, else made now, stored
/// (the PDF in the blob store) and kept. `base` is the site's address for the QR code.
pub async fn today(state: &AppState, e: &'static ElectionDef, region: &str, now: OffsetDateTime, base: &str) -> Result<StoredReport, AppError> {
    let offset = crate::reports::store::offset_of(region);
    let day = now.to_offset(offset).date();
    let r = region.to_string();
    if let Some(kept) = state.db.read(move |c| find(c, &r, e.id, day)).await? {
        return Ok(kept);
    }
    let (st, r) = (state.clone(), region.to_string());
    let (s, map) = state
        .db
        .read(move |c| {
            let index = crate::regions::index_of(&st);
            let s = picture::gather(c, index, st.module(), Lang::Id, None, e, &r, now)?;
            // The map of the areas below, coloured by what the day is about: readiness before
            // voting day, results in from it (as the situation page chooses).
            let layer = if s.results.open { Layer::Results } else { Layer::Readiness };
            let map = super::map::for_report(c, index, super::atlas_of(&st), e, &r, layer)?;
            Ok::<_, AppError>((s, map))
        })
        .await?;
    let token = crate::platform::auth::new_token()?;
    let url = format!("{base}/laporan-situasi/{token}");
    let made = i18n::moment(Lang::Id, now.to_offset(offset));
    let bytes = pdf(&s, Some((super::atlas_of(state), &map)), day, &made, &url)?;
    let sha256 = state.blobs.put(bytes.into()).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let report = StoredReport {
        region: region.to_string(),
        election: e.id.to_string(),
        day: day_key(day),
        generated_at: crate::platform::clock::rfc3339(now),
        sha256,
        token,
        summary: summary_text(&s, day),
    };
    let permit = Permit::system("laporan-situasi", region);
    state.db.write(move |c| keep(c, &permit, &report)).await
}

/// The regencies and provinces that have agency units: those that get a report each morning.
fn regions_with_units(conn: &mut Conn) -> Result<Vec<String>, DbError> {
    conn.query("SELECT DISTINCT region_code FROM agency_units WHERE LENGTH(region_code) IN (2, 5) ORDER BY region_code", &[])?.iter().map(|r| r.get(0)).collect()
}

/// The local hour of the morning report (`--report-hour`: 0–23, 6 by default; `off` makes none,
/// e.g. on a server that only takes results).
pub fn report_hour() -> Option<u8> {
    crate::platform::settings::get().report_hour.0
}

/// Each minute: every region whose local time has passed the report hour and that has no report
/// for today gets one, for each election held there.
pub async fn morning(state: AppState, base: String, hour: u8, lease: std::sync::Arc<crate::platform::lease::Lease>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        // One server of a deployment makes the day's reports: the holder of the sweeps' lease
        // (which the deadline sweeper renews).
        if !lease.held() {
            continue;
        }
        let regions = match state.db.read(regions_with_units).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("daily report: cannot list regions: {e}");
                continue;
            }
        };
        let now = crate::platform::clock::now();
        for region in regions {
            if now.to_offset(crate::reports::store::offset_of(&region)).hour() < hour {
                continue;
            }
            for e in crate::elections::ELECTIONS.iter().filter(|e| e.contests.iter().any(|k| k.coverage.holds_at(&region))) {
                if let Err(err) = today(&state, e, &region, now, &base).await {
                    tracing::warn!("daily report of {region} ({}) failed: {err}", e.id);
                }
            }
        }
    }
}

/// The public verification page a report's QR code opens: which report, when it was made, and
/// the SHA-256 of the file, so that a printed or forwarded copy can be checked.
pub fn verification_page(lang: Lang, r: Option<&StoredReport>, place: &str) -> maud::Markup {
    html! {
        h1 { (lang.pick("Verifikasi laporan situasi harian", "Verify a daily situation report")) }
        @match r {
            None => p.error #verify-result { (lang.pick("Laporan dengan kode ini tidak dikenal.", "No report has this code.")) },
            Some(r) => {
                p #verify-result { strong { (lang.pick("TERCATAT", "RECORDED")) } " — "
                    (lang.pick("Laporan Situasi Harian", "Daily situation report")) " " (place) ", "
                    (crate::coordination::store::stored_day(&r.day).map(|d| i18n::date(lang, d)).unwrap_or_else(|_| r.day.clone())) "." }
                table.kv {
                    tr { th { (lang.pick("Dibuat", "Made")) } td { (i18n::moment_at(lang, &r.generated_at, crate::reports::store::offset_of(&r.region))) } }
                    tr { th { "SHA-256" } td { code { (r.sha256) } } }
                }
                p.muted { (lang.pick("Berkas PDF yang asli memiliki sidik SHA-256 di atas; berkas yang diubah tidak.", "The genuine PDF has the SHA-256 above; an altered file does not.")) }
            }
        }
    }
}
