//! `/situasi` and `/situasi/{region}`: the situation of a region on one page, each tile a link
//! to its module's page filtered to the region, and a table of the areas below to find the
//! worst one. Complete without script; one column on a phone.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::picture::{ChildRow, Situation};
use crate::platform::auth::CurrentUser;

use crate::platform::i18n::Lang;
use crate::platform::state::AppState;
use crate::platform::web::{OrPage, Page, PageError, layout, number};

#[derive(serde::Deserialize, Default)]
pub struct SituasiQuery {
    pemilu: Option<String>,
    /// The map's layer (kesiapan, kerawanan, laporan, hasil); results from voting day,
    /// readiness before.
    lapis: Option<super::map::Layer>,
    /// Sort key of the table of areas below.
    urut: Option<String>,
}

/// `/situasi`: the viewer's own region.
pub async fn own(state: State<AppState>, lang: Lang, user: Option<CurrentUser>, uri: axum::http::Uri, q: crate::platform::http::Query<SituasiQuery>) -> Result<Response, PageError> {
    show(state, lang, user, uri, None, q).await
}

/// `/situasi/{region}`.
pub async fn region(state: State<AppState>, lang: Lang, user: Option<CurrentUser>, uri: axum::http::Uri, Path(code): Path<String>, q: crate::platform::http::Query<SituasiQuery>) -> Result<Response, PageError> {
    show(state, lang, user, uri, Some(code), q).await
}

async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: Option<CurrentUser>,
    uri: axum::http::Uri,
    code: Option<String>,
    crate::platform::http::Query(q): crate::platform::http::Query<SituasiQuery>,
) -> Result<Response, PageError> {
    // A unit at one TPS (KPPS, PTPS) works from the field app; its situation is its TPS there.
    if code.is_none() && user.as_ref().is_some_and(|u| u.user.unit.region.split('.').count() == 5) {
        return Ok(axum::response::Redirect::to("/lapangan").into_response());
    }
    let (user, region, e) = match scoped(&state, user, &uri, code.as_deref(), q.pemilu.as_deref()) {
        Ok(Scoped(user, region, e)) => (user, region, e),
        Err(login) => return Ok(login),
    };
    let mut s = super::api::situation_of(&state, lang, &user, e, region.clone()).await.or_page(Some(&user))?;
    // The TPS behind each vulnerability count are security data: linked for their readers only.
    let may_list = crate::platform::auth::authorize(&user.user, crate::vulnerability::api::SECURITY_READ, &region).is_ok();
    // The map of the areas below, coloured by the chosen layer; each area opens its situation.
    let layer = q.lapis.unwrap_or(if s.results.open { super::map::Layer::Results } else { super::map::Layer::Readiness });
    let req = super::map::MapRequest { region, layer, election: e, contest: None };
    let map = super::map::component(&state, lang, &user.user, req, |c| format!("/situasi/{c}?pemilu={}&lapis={}", e.id, layer.key())).await.or_page(Some(&user))?;
    let sort = q.urut.as_deref().unwrap_or("siap");
    sort_children(&mut s.children, sort);
    let title = format!("{} {}", lang.pick("Situasi", "Situation of"), s.region.name);
    // Complete as served; with script, it follows the changes (server-sent events).
    let live = format!("/situasi/{}/langsung?pemilu={}", s.region.code, s.election);
    let layers = html! {
        ul.peta-lapis { @for l in super::map::Layer::ALL {
            li { a href={ "?pemilu=" (e.id) "&lapis=" (l.key()) } aria-current=[(l == layer).then_some("page")] data-layer=(l.key()) { (l.name(lang)) } }
        } }
    };
    let body = html! {
        div #situasi data-live=(live) { (page(lang, &s, sort, may_list)) section #peta-wilayah { h2 { (lang.pick("Peta", "Map")) } (layers) (map) } }
        script src="/assets/situasi.js" defer {}
    };
    Ok(layout(Page::new(lang, &title, Some(&user.user), "/situasi"), body).into_response())
}

/// The viewer, the region asked for (their own by default; checked against their scope) and
/// its election; or the answer instead: the login page, or the refusal's page.
// The error is the answer itself (a page), built at most once per request.
#[allow(clippy::result_large_err)]
fn scoped(state: &AppState, user: Option<CurrentUser>, uri: &axum::http::Uri, code: Option<&str>, pemilu: Option<&str>) -> Result<Scoped, Response> {
    let Some(user) = user else { return Err(crate::platform::web::login_first(&uri.to_string())) };
    let region = super::api::region_for(state, &user, code).or_page(Some(&user)).map_err(IntoResponse::into_response)?;
    let e = super::api::election_for(pemilu, &region).or_page(Some(&user)).map_err(IntoResponse::into_response)?;
    Ok(Scoped(user, region, e))
}

struct Scoped(CurrentUser, String, &'static crate::elections::ElectionDef);

/// The worst first for every figure that is bad when high; readiness lowest first.
fn sort_children(rows: &mut [ChildRow], key: &str) {
    match key {
        "nama" => rows.sort_by(|a, b| a.place.name.cmp(&b.place.name)),
        "rawan" => rows.sort_by_key(|r| std::cmp::Reverse(r.tps_rawan)),
        "kasus" => rows.sort_by_key(|r| std::cmp::Reverse(r.open_cases)),
        "terlambat" => rows.sort_by_key(|r| std::cmp::Reverse(r.overdue_cases)),
        "hasil" => rows.sort_by_key(|r| r.results_in),
        _ => rows.sort_by(|a, b| a.ready_percent.total_cmp(&b.ready_percent)),
    }
}

fn pct(lang: Lang, p: f64) -> String {
    crate::platform::web::percent(lang, p, 1)
}

fn days(lang: Lang, n: i64) -> String {
    match (lang, n) {
        (_, 0) => lang.pick("hari ini", "today").to_string(),
        (Lang::Id, n) if n > 0 => format!("H-{n}"),
        (Lang::Id, n) => format!("H+{}", -n),
        (_, n) if n > 0 => format!("in {n} days"),
        (_, n) => format!("{} days ago", -n),
    }
}

fn category(lang: Lang, key: &str) -> &'static str {
    match key {
        "sangat_rawan" => lang.pick("Sangat rawan", "Highly vulnerable"),
        "rawan" => lang.pick("Rawan", "Vulnerable"),
        _ => lang.pick("Kurang rawan", "Less vulnerable"),
    }
}

/// The recap per area below: where each stands in words, each a link to its recap.
fn recap(lang: Lang, rp: &super::picture::RecapProgress) -> Markup {
    let n = |v: i64| number(lang, v);
    html! {
        div #rekap-progres {
            h3 { (lang.pick("Rekapitulasi", "Recap")) " " (rp.name) }
            p #rekap-ringkas { (rp.summary) }
            div.scroll { table #rekap-wilayah {
                thead { tr { th { (lang.pick("Wilayah", "Area")) } th.num { (lang.pick("TPS masuk", "TPS in")) } th { (lang.pick("Keadaan", "State")) } } }
                tbody { @for a in &rp.areas { tr data-code=(a.place.code) data-state=(a.state) {
                    td { a href=(a.link) { (a.place.name) } }
                    td.num { (n(a.tps_in)) " / " (n(a.tps_total)) }
                    td { (a.state_label) }
                } } }
            } }
        }
    }
}

fn page(lang: Lang, s: &Situation, sort: &str, may_list: bool) -> Markup {
    let (e, r) = (&s.election, &s.region.code);
    let q = format!("pemilu={e}&wilayah={r}");
    let n = |v: i64| number(lang, v);
    html! {
        h1 { (lang.pick("Situasi", "Situation of")) " " (s.region.name) }
        p.muted #as-of { (s.election_name) " · " (lang.pick("per", "as of")) " " (s.as_of) }
        section.tile #perlu-tindakan {
            h2 { (lang.pick("Perlu tindakan unit Anda", "Needs your unit's action")) }
            @if s.to_do.is_empty() { p { (lang.pick("Tidak ada yang menunggu unit Anda.", "Nothing is waiting for your unit.")) } }
            @else { ol { @for d in &s.to_do { li.overdue[d.overdue] {
                a href=(d.link) { (d.what) } " · " (lang.pick("batas", "due")) " " (d.due)
                @if d.overdue { " · " strong { (lang.pick("terlambat", "overdue")) } }
            } } } }
        }
        section.tile #tahapan {
            h2 { a href={ "/tahapan?" (q) } { (lang.pick("Tahapan", "Stage")) } }
            @if s.stage.today.is_empty() && s.stage.next.is_empty() { p.muted { (lang.pick("Tidak ada tahapan berlangsung atau akan datang.", "No stage running or coming.")) } }
            ul { @for st in &s.stage.today { li { b { (st.name) } " · " (lang.pick("berlangsung, berakhir", "running, ends")) " " (st.end) " (" (days(lang, st.days_to_end)) ")" } }
                 @for st in &s.stage.next { li { (st.name) " · " (lang.pick("mulai", "starts")) " " (st.start) " (" (days(lang, st.days_to_start)) ")" } } }
        }
        section.tile #logistik {
            h2 { a href={ "/logistik/kesiapan?" (q) } { (lang.pick("Logistik", "Logistics")) } }
            @if s.logistics.tps_total == 0 { p.muted { (lang.pick("Belum ada TPS terdaftar di wilayah ini.", "No TPS registered in this area yet.")) } } @else {
                ul.facts {
                    li { (lang.pick("TPS siap", "TPS ready")) b { (n(s.logistics.ready)) " (" (pct(lang, s.logistics.ready_percent)) ")" } }
                    li { (lang.pick("Sebagian", "Partly")) b { (n(s.logistics.partial)) " (" (pct(lang, s.logistics.partial_percent)) ")" } }
                    li { (lang.pick("Belum ada apa pun", "Nothing yet")) b { (n(s.logistics.none)) " (" (pct(lang, s.logistics.none_percent)) ")" } }
                    li { a href={ "/logistik/pengiriman?" (q) } { (lang.pick("Pengiriman terlambat", "Late shipments")) } b { (n(s.logistics.late_shipments)) } }
                    li { a href={ "/logistik/pengiriman?" (q) } { (lang.pick("Pengiriman berselisih", "Shipments with differences")) } b { (n(s.logistics.discrepant_shipments)) } }
                }
                @if !s.logistics.worst.is_empty() {
                    p { (lang.pick("Paling belum siap:", "Least ready:")) " "
                        @for (i, a) in s.logistics.worst.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ "/situasi/" (a.place.code) "?pemilu=" (e) } { (a.place.name) } " " (pct(lang, a.ready_percent))
                        } }
                }
            }
        }
        section.tile #keamanan {
            h2 { a href={ "/kerawanan?" (q) } { (lang.pick("Keamanan", "Security")) } }
            // Bawaslu's "TPS rawan" (any indicator met) is the table's column below; the grades
            // that follow are the security plan's, so both are named for what they count.
            p #tps-rawan { (lang.pick("TPS rawan (memenuhi indikator Bawaslu)", "Vulnerable TPS (meeting a Bawaslu indicator)")) " " b { (n(s.security.tps_rawan)) } " " (lang.pick("dari", "of")) " " (n(s.security.tps_total)) }
            p.muted { (lang.pick("Kategori rencana pengamanan:", "Security plan grades:")) }
            ul.facts { @for key in ["sangat_rawan", "rawan", "kurang_rawan"] {
                li { @if may_list { a href={ "/kerawanan/tps?" (q) "&kategori=" (key) } data-category=(key) { (category(lang, key)) } } @else { a href={ "/kerawanan?" (q) } { (category(lang, key)) } }
                    b { (n(s.security.by_category.get(key).copied().unwrap_or(0))) " TPS" } }
            } }
            @if s.security.personnel_gaps.is_empty() { p #kekurangan-personel { (lang.pick("Tidak ada wilayah yang kekurangan personel pengamanan.", "No area lacks security personnel.")) } }
            @else {
                p { (lang.pick("Kekurangan personel pengamanan:", "Security personnel lacking:")) }
                ul #kekurangan-personel { @for g in &s.security.personnel_gaps { li data-area=(g.place.code) {
                    a href={ "/pengamanan?pemilu=" (e) "&wilayah=" (g.plan_region) } { (g.place.name) } ": "
                    (lang.pick("kurang ", "short of ")) b { (n(g.police_short)) } (lang.pick(" polisi (perlu ", " police (need ")) (n(g.police_needed)) (lang.pick(", ada ", ", have ")) (n(g.police_available)) ") "
                    (lang.pick("dan ", "and ")) b { (n(g.linmas_short)) } (lang.pick(" Linmas (perlu ", " Linmas (need ")) (n(g.linmas_needed)) (lang.pick(", ada ", ", have ")) (n(g.linmas_available)) ")"
                } } }
                @if s.security.personnel_gap_areas > s.security.personnel_gaps.len() as i64 {
                    p.muted { (lang.pick("dan ", "and ")) (n(s.security.personnel_gap_areas - s.security.personnel_gaps.len() as i64)) (lang.pick(" wilayah lain", " more areas")) }
                }
            }
            // A plan is a regency's (its Polres's): below one, the regency's plan; above one,
            // the areas lacking personnel above link to theirs.
            @if let Some(regency) = s.region.code.get(..5).filter(|_| s.region.code.len() >= 5) {
                p #rencana { a href={ "/pengamanan?pemilu=" (e) "&wilayah=" (regency) } { (lang.pick("Rencana pengamanan dan kebutuhan personel", "Security plan and personnel needs")) } }
            }
        }
        section.tile #pelanggaran {
            h2 { a href="/laporan" { (lang.pick("Pelanggaran", "Violations")) } }
            ul.facts {
                li { (lang.pick("Kasus terbuka", "Open cases")) b { (n(s.violations.open)) } }
                li { a href="/laporan?terlambat=1" { (lang.pick("Lewat batas waktu", "Overdue")) } b { (n(s.violations.overdue)) } }
                li { (lang.pick("Batas waktu hari ini atau besok", "Due today or tomorrow")) b { (n(s.violations.near_deadline)) } }
                li { a href="/gakkumdu" { (lang.pick("Di Sentra Gakkumdu", "With Sentra Gakkumdu")) } b { (n(s.violations.gakkumdu)) } }
                li { (lang.pick("Masuk hari ini", "New today")) b { (n(s.violations.new_today)) } }
            }
            @if !s.violations.open_by_status.is_empty() {
                p.muted { @for (i, st) in s.violations.open_by_status.iter().enumerate() {
                    @if i > 0 { " · " } (crate::reports::state_label(&st.state, lang)) " " (n(st.count))
                } }
            }
        }
        section.tile #hasil {
            h2 { a href={ "/hasil?" (q) } { (lang.pick("Hasil", "Results")) } }
            @if !s.results.open { p.muted { (lang.pick("Hasil masuk mulai hari pemungutan suara.", "Results come in from voting day.")) } }
            @else if s.results.contests.is_empty() { p.muted { (lang.pick("Tidak ada pemilihan yang diselenggarakan di wilayah ini.", "No contest is held in this area.")) } }
            @else { table { thead { tr { th { (lang.pick("Pemilihan", "Contest")) } th.num { (lang.pick("TPS masuk", "TPS in")) } th.num { (lang.pick("Sumber berbeda", "Sources differ")) } th.num { (lang.pick("Anomali", "Anomalies")) } } }
                tbody { @for c in &s.results.contests { tr {
                    td { a href={ "/hasil?" (q) "&kontes=" (c.contest) } { (c.name) } }
                    td.num { (n(c.tps_in)) " / " (n(c.tps_total)) }
                    td.num { (n(c.disagreements)) } td.num { (n(c.anomalies)) }
                } } } } }
            @if let Some(rp) = &s.results.recap { (recap(lang, rp)) }
        }
        section.tile #koordinasi {
            h2 { a href="/tindak-lanjut" { (lang.pick("Koordinasi", "Coordination")) } }
            p { a #laporan-harian href={ "/situasi/" (r) "/laporan?pemilu=" (e) } { (lang.pick("Laporan Situasi Harian (PDF dan WhatsApp)", "Daily situation report (PDF and WhatsApp)")) } }
            @if s.coordination.overdue_by_unit.is_empty() { p { (lang.pick("Tidak ada tindak lanjut yang terlambat.", "No action item is overdue.")) } }
            @else { p { (lang.pick("Tindak lanjut terlambat:", "Overdue action items:")) } ul { @for u in &s.coordination.overdue_by_unit { li { (u.unit) " " b { (n(u.count)) } } } } }
            @match &s.coordination.next_meeting {
                Some(m) => p { (lang.pick("Rapat berikutnya:", "Next meeting:")) " " a href={ "/rapat/" (m.id) } { (m.title) } ", " (m.starts) ", " (m.place) },
                None => p.muted { (lang.pick("Belum ada rapat terjadwal.", "No meeting scheduled.")) },
            }
        }
        section.tile #anggaran {
            h2 { a href="/anggaran" { (lang.pick("Anggaran", "Budget")) } }
            ul.facts {
                li { (lang.pick("Serapan", "Absorption")) b { (pct(lang, s.budget.absorption_percent)) } }
                li { (lang.pick("Tahap NPHD terlambat", "Late NPHD tranches")) b { (n(s.budget.late_tranches)) } }
            }
        }
        section.tile #peringatan {
            h2 { a href="/peringatan" { (lang.pick("Peringatan untuk unit Anda", "Alerts for your unit")) } }
            @if s.alerts.is_empty() { p { (lang.pick("Tidak ada peringatan yang belum dibaca.", "No unread alert.")) } }
            @else { ul { @for a in &s.alerts { li {
                @if let Some(l) = &a.link { a href=(l) { (a.message) } } @else { (a.message) }
                " · " span.muted { (a.at) }
            } } } }
        }
        @if !s.children.is_empty() {
            section #wilayah-bawah {
                h2 { (lang.pick("Wilayah di bawahnya", "Areas below")) }
                div.scroll { table #anak {
                    thead { tr {
                        @for (key, id, en) in [("nama", "Wilayah", "Area"), ("siap", "TPS siap", "TPS ready"), ("rawan", "TPS rawan", "Vulnerable TPS"), ("kasus", "Kasus terbuka", "Open cases"), ("terlambat", "Lewat batas", "Overdue"), ("hasil", "TPS masuk", "TPS in")] {
                            th.num[key != "nama"] { @if key == sort { (lang.pick(id, en)) " ▲" } @else { a href={ "?pemilu=" (e) "&urut=" (key) } { (lang.pick(id, en)) } } }
                        }
                    } }
                    tbody { @for c in &s.children { tr {
                        td { a href={ "/situasi/" (c.place.code) "?pemilu=" (e) } { (c.place.name) } }
                        td.num { (pct(lang, c.ready_percent)) " · " (n(c.tps)) }
                        td.num { (n(c.tps_rawan)) } td.num { (n(c.open_cases)) } td.num { (n(c.overdue_cases)) } td.num { (n(c.results_in)) }
                    } } }
                } }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Laporan Situasi Harian

#[derive(serde::Deserialize, Default)]
pub struct ReportQuery {
    pemilu: Option<String>,
    /// The local day, YYYY-MM-DD (today by default).
    tanggal: Option<String>,
}

/// The site's address for a QR code: `SINERGI_PUBLIC_URL`, else the address this request came to.
pub fn site_base(headers: &axum::http::HeaderMap) -> String {
    if let Some(u) = crate::platform::guard::public_url() {
        return u.to_string();
    }
    crate::platform::guard::request_origin(headers)
}

/// `/situasi/{region}/laporan.pdf?tanggal=YYYY-MM-DD`: the day's report as it was made (today's
/// is made on the first request if the morning has not made it yet).
pub async fn report_pdf(
    State(state): State<AppState>,
    lang: Lang,
    user: Option<CurrentUser>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    crate::platform::http::Query(q): crate::platform::http::Query<ReportQuery>,
) -> Result<Response, PageError> {
    let (user, region, e) = match scoped(&state, user, &uri, Some(&code), q.pemilu.as_deref()) {
        Ok(Scoped(user, region, e)) => (user, region, e),
        Err(login) => return Ok(login),
    };
    let now = crate::platform::clock::now();
    let today = now.to_offset(crate::reports::store::offset_of(&region)).date();
    let day = match q.tanggal.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => today,
        Some(t) => crate::coordination::store::parse_day("tanggal", t).or_page(Some(&user))?,
    };
    let report = if day == today {
        Some(super::report::today(&state, e, &region, now, &site_base(&headers)).await.or_page(Some(&user))?)
    } else {
        let r = region.clone();
        state.db.read(move |c| super::report::find(c, &r, e.id, day)).await.or_page(Some(&user))?
    };
    let Some(report) = report else {
        // Said in words, with the list of the days there are (the error page's bare "not found"
        // would not tell the reader which day is missing).
        let (place, d) = (super::picture::place(crate::regions::index_of(&state), &region).name, crate::platform::i18n::date(lang, day));
        let message = crate::tr!("Belum ada laporan situasi {place} tanggal {d}.", "There is no situation report of {place} for {d}.");
        let body = html! {
            p.error { (message.get(lang)) }
            p { a href={ "/situasi/" (region) "/laporan?pemilu=" (e.id) } { (lang.pick("Laporan yang tersimpan", "The reports kept")) } }
        };
        return Ok((axum::http::StatusCode::NOT_FOUND, layout(Page::new(lang, "Sinergi", Some(&user.user), "/situasi"), body)).into_response());
    };
    let bytes = state
        .blobs
        .get(&report.sha256)
        .await
        .map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))
        .or_page(Some(&user))?
        .ok_or_else(|| crate::platform::error::AppError::Internal(format!("the report {} is missing from the blob store", report.sha256)))
        .or_page(Some(&user))?;
    let name = format!("laporan-situasi-{}-{}.pdf", region, report.day);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
            (axum::http::HeaderName::from_static("x-content-sha256"), report.sha256.clone()),
        ],
        bytes,
    )
        .into_response())
}

/// `/situasi/{region}/laporan`: the reports kept, newest first, with today's summary and its
/// "Kirim ke WhatsApp" link.
pub async fn report_list(
    State(state): State<AppState>,
    lang: Lang,
    user: Option<CurrentUser>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    crate::platform::http::Query(q): crate::platform::http::Query<ReportQuery>,
) -> Result<Response, PageError> {
    let (user, region, e) = match scoped(&state, user, &uri, Some(&code), q.pemilu.as_deref()) {
        Ok(Scoped(user, region, e)) => (user, region, e),
        Err(login) => return Ok(login),
    };
    let now = crate::platform::clock::now();
    let latest = super::report::today(&state, e, &region, now, &site_base(&headers)).await.or_page(Some(&user))?;
    let r = region.clone();
    let kept = state.db.read(move |c| super::report::list(c, &r, e.id, 60)).await.or_page(Some(&user))?;
    let place = super::picture::place(crate::regions::index_of(&state), &region).name;
    let title = format!("{} {place}", lang.pick("Laporan Situasi Harian", "Daily situation report of"));
    let wa = format!("https://wa.me/?text={}", crate::platform::web::urlencode(&latest.summary));
    let body = html! {
        h1 { (title) }
        p { a href={ "/situasi/" (region) "?pemilu=" (e.id) } { (lang.pick("Kembali ke situasi", "Back to the situation")) } }
        h2 { (lang.pick("Ringkasan hari ini", "Today's summary")) }
        pre #ringkasan { (latest.summary) }
        p.tools {
            a #pdf-hari-ini href={ "/situasi/" (region) "/laporan.pdf?pemilu=" (e.id) "&tanggal=" (latest.day) } { (lang.pick("Unduh PDF hari ini", "Download today's PDF")) }
            a #kirim-wa href=(wa) rel="noopener" { (lang.pick("Kirim ke WhatsApp", "Send to WhatsApp")) }
        }
        h2 { (lang.pick("Laporan tersimpan", "Reports kept")) }
        table #riwayat {
            thead { tr { th { (lang.pick("Tanggal", "Day")) } th { (lang.pick("Dibuat", "Made")) } th { "PDF" } } }
            tbody { @for k in &kept { tr {
                td { (crate::coordination::store::stored_day(&k.day).map(|d| crate::platform::i18n::date(lang, d)).unwrap_or_else(|_| k.day.clone())) }
                td { (crate::platform::i18n::moment_at(lang, &k.generated_at, crate::reports::store::offset_of(&k.region))) }
                td { a href={ "/situasi/" (region) "/laporan.pdf?pemilu=" (e.id) "&tanggal=" (k.day) } { (lang.pick("Unduh", "Download")) } }
            } } }
        }
    };
    Ok(layout(Page::new(lang, &title, Some(&user.user), "/situasi"), body).into_response())
}

/// `/laporan-situasi/{token}` (public): what a report's QR code opens.
pub async fn report_verify(State(state): State<AppState>, lang: Lang, user: Option<CurrentUser>, Path(token): Path<String>) -> Result<Response, PageError> {
    let t = token.clone();
    let found = state.db.read(move |c| super::report::by_token(c, &t)).await.or_page(user.as_ref())?;
    let place = found.as_ref().map(|r| super::picture::place(crate::regions::index_of(&state), &r.region).name).unwrap_or_default();
    let status = if found.is_some() { axum::http::StatusCode::OK } else { axum::http::StatusCode::NOT_FOUND };
    let body = super::report::verification_page(lang, found.as_ref(), &place);
    let title = lang.pick("Verifikasi laporan situasi harian", "Verify a daily situation report");
    Ok((status, layout(Page::new(lang, title, user.as_ref().map(|u| &u.user), "/laporan-situasi"), body)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Live

/// `/situasi/{region}/langsung`: a server-sent event `berubah` whenever a write touched the
/// region, an area inside it or one above it (here or on another server of the same
/// PostgreSQL), at most one per two seconds; the page's script then fetches the page again and
/// swaps its content.
pub async fn live(State(state): State<AppState>, user: Option<CurrentUser>, Path(code): Path<String>) -> Result<Response, PageError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    let Some(user) = user else { return Err(crate::platform::error::AppError::Unauthorized.into()) };
    let region = super::api::region_for(&state, &user, Some(&code)).or_page(Some(&user))?;
    let rx = state.db.changes();
    let stream = futures_util::stream::unfold((rx, region), |(mut rx, region)| async move {
        loop {
            match rx.recv().await {
                Ok(touched) if touched.concerns(&region) => break,
                Ok(_) => {}
                // Missed some: one of them may have been ours.
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => return None,
            }
        }
        // Coalesce a burst (election night) into one event.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        while !matches!(rx.try_recv(), Err(TryRecvError::Empty | TryRecvError::Closed)) {}
        Some((Ok::<_, std::convert::Infallible>(Event::default().event("berubah").data("1")), (rx, region)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// The page's script: on `berubah`, fetch the page again and swap the content in place.
pub async fn live_script() -> Response {
    use axum::http::{HeaderValue, header};
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        include_str!("../../assets/situasi.js"),
    )
        .into_response()
}
