//! The violation-report pages ("Laporan") in a real browser (headless Chromium through
//! ChromeDriver) on the demo data, at the real current time (the demo cases are dated relative
//! to it): a citizen files a report about Balongsari with a photo through the public form (no
//! JavaScript) and follows it by its receipt without seeing anything of what was written; the
//! Bawaslu supervisor of Kota Mojokerto finds it on the case board (overdue cases first, CSV
//! without identities), reads the reporter's identity and takes it through kajian awal and
//! registration to Sentra Gakkumdu; the police of Kota Mojokerto then find it on the Gakkumdu
//! board without the reporter's identity and open the investigation; KPU is refused the board.
//! A second scenario keeps a late report as initial information with a receipt saying when the
//! window closed, refuses a program disguised as `foto.jpg` keeping what was typed and storing
//! nothing, has Bawaslu send an incomplete report back to its reporter, who completes it on the
//! receipt page, and has Bawaslu take the late report up as a finding. Screenshots go to /tmp/sinergi-shots/. Without
//! chromium/chromedriver the tests say so and pass.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;
use std::time::Instant;

use common::{TestApp, TestDb};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use webdriver::Browser;

const PASSWORD: &str = "sinergi-demo";
const BAWASLU: &str = "bawaslu.kotamojokerto";
const POLRES: &str = "polres.kotamojokerto";
const KPU: &str = "kpu.kotamojokerto";
const SHOTS: &str = "/tmp/sinergi-shots";
/// WebDriver's key code for Enter.
const ENTER: &str = "\u{E007}";
/// Balongsari, a kelurahan of Magersari in Kota Mojokerto (WIB).
const BALONGSARI: &str = "35.76.02.1008";

/// A 1×1 PNG: a real image as the browser would upload it.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F,
    0x15, 0xC4, 0x89, 0, 0, 0, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0, 0x05, 0, 0x01, 0xFF,
    0x89, 0x99, 0x3D, 0x1D, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// What the citizen types into the form.
struct Report {
    name: &'static str,
    address: &'static str,
    contact: &'static str,
    reported: &'static str,
    place: &'static str,
    description: &'static str,
    witnesses: &'static [&'static str],
    /// `datetime-local` values, local (WIB) time.
    event_at: String,
    known_at: String,
}

fn report(event_at: OffsetDateTime, known_at: OffsetDateTime) -> Report {
    Report {
        name: "Wulan Sari",
        address: "Jl. Balongsari Tengah 7, Mojokerto",
        contact: "0813-5555-0101",
        reported: "Ketua RT 05 Balongsari",
        place: "Depan TPS 003 Balongsari",
        description: "Pembagian kupon sembako bergambar pasangan calon kepada warga yang antre di depan TPS.",
        witnesses: &["Bapak Sutrisno", "Ibu Kartini"],
        event_at: datetime_local(event_at),
        known_at: datetime_local(known_at),
    }
}

/// The service's "now" is the real clock here: the current time in WIB (Kota Mojokerto).
fn now_wib() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7))
}

/// An `<input type=datetime-local>` value ("2026-11-20T09:30").
fn datetime_local(t: OffsetDateTime) -> String {
    t.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]")).expect("format datetime-local")
}

/// The HTTP status the current page was served with.
fn page_status(b: &Browser) -> u64 {
    b.execute("return performance.getEntriesByType('navigation')[0].responseStatus", vec![]).as_u64().unwrap_or(0)
}

fn value_of(b: &Browser, css: &str) -> String {
    b.execute("return document.querySelector(arguments[0]).value", vec![json!(css)]).as_str().unwrap_or_default().to_string()
}

/// Sets a `datetime-local` field the way a date picker would (typing into one is locale-bound).
fn set_value(b: &Browser, css: &str, value: &str) {
    b.execute(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change', {bubbles: true}))",
        vec![json!(css), json!(value)],
    );
    assert_eq!(value_of(b, css), value, "{css} took the value");
}

/// Fills the public form (the election is left at the preselected one).
fn fill_form(b: &Browser, r: &Report) {
    b.send_keys(&b.find("#region"), BALONGSARI);
    b.send_keys(&b.find("#name"), r.name);
    b.send_keys(&b.find("#address"), r.address);
    b.send_keys(&b.find("#contact"), r.contact);
    b.send_keys(&b.find("#reported"), r.reported);
    set_value(b, "#event_at", &r.event_at);
    set_value(b, "#known_at", &r.known_at);
    b.send_keys(&b.find("#place"), r.place);
    b.send_keys(&b.find("#description"), r.description);
    b.send_keys(&b.find("#witnesses"), &r.witnesses.join("\n"));
}

/// Asserts that the form shows what was typed (after a refusal), naming every field that lost it.
fn assert_kept(b: &Browser, r: &Report, context: &str) {
    let witnesses = r.witnesses.join("\n");
    let expected = [
        ("#election", "pilkada-2024"),
        ("#region", BALONGSARI),
        ("#name", r.name),
        ("#address", r.address),
        ("#contact", r.contact),
        ("#reported", r.reported),
        ("#event_at", r.event_at.as_str()),
        ("#known_at", r.known_at.as_str()),
        ("#place", r.place),
        ("#description", r.description),
        ("#witnesses", witnesses.as_str()),
    ];
    let lost: Vec<String> = expected
        .iter()
        .filter_map(|(css, want)| {
            let got = value_of(b, css).replace("\r\n", "\n");
            (got != *want).then(|| format!("{css}: typed {want:?}, shown {got:?}"))
        })
        .collect();
    assert!(lost.is_empty(), "{context}: the form must come back with what was typed; lost:\n  {}", lost.join("\n  "));
}

fn text_list(b: &Browser, css: &str) -> Vec<String> {
    let v = b.execute("return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim())", vec![json!(css)]);
    serde_json::from_value(v).expect("texts")
}

/// The option values of a select.
fn options(b: &Browser, select: &str) -> Vec<String> {
    let v = b.execute("return [...document.querySelectorAll(arguments[0] + ' option')].map(o => o.value)", vec![json!(select)]);
    serde_json::from_value(v).expect("option values")
}

#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    overdue: String,
    cells: Vec<String>,
}

/// The rows of a case board table: id, overdue flag and cell texts.
fn board(b: &Browser) -> Vec<Row> {
    let v = b.execute(
        "return [...document.querySelectorAll('#reports tbody tr')].map(tr => ({id: tr.dataset.id, overdue: tr.dataset.overdue, cells: [...tr.cells].map(td => td.innerText.trim())}))",
        vec![],
    );
    serde_json::from_value(v).expect("board rows")
}

/// "Sisa hari" as a number: "2 hari" → 2, "Lewat 3 hari" → -3, "—" (final) → None.
fn days_left(cell: &str) -> Option<i64> {
    if cell == "—" {
        return None;
    }
    let days = |s: &str| -> i64 { s.strip_suffix(" hari").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("days left is 'N hari', 'Lewat N hari' or '—': {cell:?}")) };
    Some(match cell.strip_prefix("Lewat ") {
        Some(rest) => -days(rest),
        None => days(cell),
    })
}

/// A same-origin GET from inside the page (so it carries the session cookie): (status, body).
fn fetch(b: &Browser, path: &str) -> (u64, String) {
    let v = b.execute(
        "const x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.send(); return [x.status, x.responseText]",
        vec![json!(path)],
    );
    (v[0].as_u64().unwrap_or(0), v[1].as_str().unwrap_or_default().to_string())
}

/// Records a step through the case page's form and waits for the page to show the new status.
fn move_case(b: &Browser, to: &str, label: &str, reason: &str) {
    let before = b.table_cells("#timeline").len();
    b.click(&b.find(&format!("#to option[value='{to}']")));
    b.send_keys(&b.find("#reason"), reason);
    b.click(&b.find("#move-submit"));
    b.wait_text("#status", |t| t == label);
    let status = b.execute("return document.querySelector('#status').dataset.status", vec![]);
    assert_eq!(status, json!(to), "the case is now {to}");
    let timeline = b.table_cells("#timeline");
    assert_eq!(timeline.len(), before + 1, "the timeline gained the step to {to}: {timeline:?}");
    let last = timeline.last().expect("a timeline row");
    assert_eq!(last[1], label, "the newest step is last: {last:?}");
    assert_eq!(last[3], reason, "the note is kept with the step: {last:?}");
    assert!(last[0].ends_with(" WIB"), "step time in local time: {last:?}");
}

fn api_report_count(app: &TestApp, token: &str) -> usize {
    let (status, body) = app.get("/api/v1/reports?limit=1000", Some(token));
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().map_or(0, Vec::len)
}

fn start(db: &TestDb) -> Option<(TestApp, Browser)> {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return None;
    }
    // Start the server (it loads the demo data) and the browser side by side.
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_with(db, &["--demo"]));
    let b = browser?;
    b.set_window_size(1280, 900);
    Some((app, b))
}

#[test]
fn a_citizen_reports_with_a_photo_bawaslu_sends_it_to_gakkumdu_and_the_police_take_it_up() {
    let started = Instant::now();
    let db = TestDb::sqlite();
    let Some((app, b)) = start(&db) else { return };
    let shots = Path::new(SHOTS);
    let now = now_wib();
    let r = report(now - time::Duration::hours(3), now - time::Duration::hours(2));
    let photo = db.dir().join("foto-tps.png");
    std::fs::write(&photo, PNG).expect("write the photo");
    let photo_sha = hex::encode(Sha256::digest(PNG));

    // --- The public form, without an account and without JavaScript ----------------------
    b.goto(&app.url("/wilayah"));
    b.click(&b.link("header", "Lapor"));
    b.wait_url(|u| u.ends_with("/lapor"));
    assert_eq!(b.text_of("main h1"), "Lapor pelanggaran");
    assert_eq!(b.title(), "Lapor pelanggaran · Sinergi");
    assert!(b.find_all("#current-user").is_empty(), "the citizen is not logged in");
    // The only script is the place picker (a file; the form posts without it).
    assert_eq!(
        b.execute("return [...document.scripts].map(s => new URL(s.src).pathname)", vec![]),
        json!(["/assets/picker.js"]),
        "no script but the place picker"
    );
    let form = b.find("form.report");
    assert_eq!(b.attribute(&form, "method").as_deref(), Some("post"));
    assert_eq!(b.attribute(&form, "enctype").as_deref(), Some("multipart/form-data"));
    assert_eq!(options(&b, "#election"), ["pemilu-2024", "pilkada-2024"]);
    assert_eq!(value_of(&b, "#election"), "pilkada-2024", "the regional election is preselected");
    assert_eq!(b.find_all("form.report input[type=file][name=file]").len(), 3, "up to three files from the form");
    assert_eq!(b.text_of("label[for=reported]"), "Terlapor");
    assert_eq!(b.text_of("#submit-report"), "Kirim laporan");
    assert!(b.find_all("#form-error").is_empty(), "no error before anything was sent");

    fill_form(&b, &r);
    b.send_keys(&b.find("#file"), photo.to_str().expect("utf-8 path"));
    b.screenshot(&shots.join("reports-form.png"));
    b.click(&b.find("#submit-report"));

    // --- The receipt page ---------------------------------------------------------------
    let url = b.wait_url(|u| u.contains("/lacak/"));
    let receipt = url.split("/lacak/").nth(1).and_then(|s| s.strip_suffix("?baru=1")).unwrap_or_else(|| panic!("receipt URL {url}")).to_string();
    assert!(
        receipt.len() == 17
            && receipt.starts_with("LP-")
            && receipt[3..].split('-').all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()))
            && !receipt[3..].contains(['I', 'L', 'O', 'U']),
        "receipt looks like LP-XXXX-XXXX-XXXX without easily misheard letters: {receipt}"
    );
    assert!(b.text_of("#new-receipt").contains(&receipt), "the new receipt is announced");
    assert_eq!(b.text_of("#receipt"), receipt);
    assert_eq!(b.text_of("#status"), "Diterima");
    assert_eq!(b.attribute(&b.find("#status"), "data-status").as_deref(), Some("diterima"));
    assert!(b.text_of("#deadline").ends_with(" WIB"), "the kajian-awal deadline in Kota Mojokerto's time");
    let steps = b.table_cells("#steps");
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0][0], "Diterima");
    assert_eq!(text_list(&b, "#evidence li"), [format!("SHA-256 {photo_sha}")], "the photo's fingerprint is the SHA-256 of the file sent");
    let source = b.page_source();
    for secret in [r.name, r.address, r.contact, r.description, r.reported, r.place, r.witnesses[0]] {
        assert!(!source.contains(secret), "the public receipt page must not show {secret:?}");
    }
    assert_eq!(b.execute("return document.scripts.length", vec![]), json!(0));
    b.screenshot(&shots.join("reports-receipt.png"));

    // Looking the receipt up again, typed in lower case.
    b.goto(&app.url("/lacak"));
    b.send_keys(&b.find("#kode"), &format!("{}{ENTER}", receipt.to_lowercase()));
    b.wait_url(|u| u.ends_with(&format!("/lacak/{receipt}")));
    assert_eq!(b.text_of("#receipt"), receipt);
    assert!(b.find_all("#new-receipt").is_empty(), "only a fresh submission says 'saved'");

    // The case board is not public.
    b.goto(&app.url("/laporan"));
    b.wait_url(|u| u.contains("/masuk"));
    assert!(b.find_all("#reports").is_empty());

    // --- Bawaslu Kota Mojokerto: the board ----------------------------------------------
    b.login(&app.base, BAWASLU, PASSWORD);
    b.click(&b.link("header", "Penanganan"));
    b.wait_url(|u| u.ends_with("/laporan"));
    assert_eq!(b.text_of("main h1"), "Penanganan pelanggaran");
    let rows = board(&b);
    assert_eq!(b.text_of("#count"), rows.len().to_string(), "#count counts the rows");
    let overdue = rows.iter().filter(|r| r.overdue == "1").count();
    assert!(overdue >= 1, "the demo has an overdue case in Kota Mojokerto: {rows:#?}");
    assert_eq!(b.text_of("#overdue-count"), overdue.to_string());
    let mine = rows.iter().find(|row| row.cells[3] == r.reported).unwrap_or_else(|| panic!("the new report is on the board: {rows:#?}"));
    let id = mine.id.clone();
    assert_eq!(mine.cells[0], format!("#{id}"));
    assert_eq!(mine.cells[1], "Laporan", "a report with the reporter's identity is a formal laporan");
    assert_eq!(mine.cells[2], "Balongsari");
    assert_eq!(mine.cells[4], "Diterima");
    assert_eq!(mine.overdue, "0", "just received, not overdue");
    assert!(mine.cells[5].ends_with(" WIB"), "{mine:?}");
    let magersari = rows
        .iter()
        .find(|row| row.cells[3] == "Kepala Kelurahan Magersari")
        .unwrap_or_else(|| panic!("the demo case about Magersari's lurah is on the board: {rows:#?}"));
    assert_eq!(magersari.overdue, "1", "still in kajian awal six days after receipt: flagged overdue {magersari:?}");
    assert!(magersari.cells[6].starts_with("Lewat ") && magersari.cells[6].ends_with(" hari"), "{magersari:?}");
    // Most urgent first: by days left (overdue, most overdue first), cases without a running
    // clock last.
    let left: Vec<Option<i64>> = rows.iter().map(|row| days_left(&row.cells[6])).collect();
    let first_final = left.iter().position(Option::is_none).unwrap_or(left.len());
    assert!(left[first_final..].iter().all(Option::is_none), "closed cases come last: {rows:#?}");
    assert!(left[..first_final].windows(2).all(|w| w[0] <= w[1]), "sorted by days left: {left:?}");
    let first_on_time = rows.iter().position(|row| row.overdue == "0").unwrap_or(rows.len());
    assert!(rows[first_on_time..].iter().all(|row| row.overdue == "0"), "every overdue case comes before the others: {rows:#?}");
    for row in &rows {
        assert_eq!(row.overdue == "1", row.cells[6].starts_with("Lewat "), "the flag and the text agree: {row:?}");
    }
    assert!(!b.text_of("main").contains("Agus Setiawan") && !b.text_of("main").contains(r.name), "the board lists cases, not reporters");
    b.screenshot(&shots.join("reports-board.png"));

    // The CSV of the board: the cases, never who reported them.
    let csv_link = b.link("main form.tools", "Unduh CSV");
    let href = b.attribute(&csv_link, "href").expect("CSV href");
    assert!(href.contains("/laporan/unduh.csv"), "{href}");
    let (status, csv) = fetch(&b, &href);
    assert_eq!(status, 200, "{csv}");
    assert!(csv.trim_start_matches('\u{feff}').starts_with("nomor;"), "CSV header: {csv}");
    assert_eq!(csv.lines().count(), rows.len() + 1, "one line per case: {csv}");
    assert!(csv.lines().any(|l| l.starts_with(&format!("{id};")) && l.contains(r.reported)), "{csv}");
    for secret in [r.name, r.address, r.contact, r.description, "Agus Setiawan", "Siti Rahayu", "0812-0000-0000"] {
        assert!(!csv.contains(secret), "the CSV must not contain {secret:?}: {csv}");
    }

    // Only the overdue ones.
    b.click(&b.find("main form.tools input[name=terlambat]"));
    b.click(&b.find("main form.tools button[type=submit]"));
    b.wait_url(|u| u.contains("terlambat=1"));
    let late = board(&b);
    assert_eq!(late.len(), overdue, "the filter keeps exactly the overdue cases: {late:#?}");
    assert!(late.iter().all(|row| row.overdue == "1"), "{late:#?}");
    assert!(late.iter().any(|row| row.cells[3] == "Kepala Kelurahan Magersari"));
    assert!(b.attribute(&b.find("main form.tools input[name=terlambat]"), "checked").is_some(), "the filter stays ticked");

    // --- Bawaslu: the case ---------------------------------------------------------------
    b.goto(&app.url("/laporan"));
    b.click(&b.link("#reports", &format!("#{id}")));
    b.wait_url(|u| u.ends_with(&format!("/laporan/{id}")));
    assert_eq!(b.text_of("main h1"), format!("Laporan #{id} · Laporan"));
    assert_eq!(b.text_of("#status"), "Diterima");
    assert!(b.text_of("#deadline").ends_with(" WIB"));
    let days = b.text_of("#days-left");
    assert!(matches!(days_left(&days), Some(0..=2)), "kajian awal has two days: {days:?}");
    let reporter = b.text_of("#reporter");
    for part in [r.name, r.address, r.contact] {
        assert!(reporter.contains(part), "Bawaslu sees the reporter's {part:?}: {reporter:?}");
    }
    assert_eq!(b.text_of("#reported"), r.reported);
    assert_eq!(b.text_of("#description"), r.description);
    let evidence = b.table_cells("#evidence");
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    assert_eq!(evidence[0], ["foto-tps.png", "image/png", &PNG.len().to_string(), &photo_sha], "the photo as received");
    // The file link downloads the photo itself (with the page's session).
    let file_href = b.attribute(&b.link("#evidence", "foto-tps.png"), "href").expect("evidence link");
    let got = b.execute(
        "const x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.overrideMimeType('text/plain; charset=x-user-defined'); x.send();
         return [x.status, x.getResponseHeader('content-type'), [...x.responseText].map(c => c.charCodeAt(0) & 0xff)]",
        vec![json!(file_href)],
    );
    assert_eq!((got[0].as_u64(), got[1].as_str()), (Some(200), Some("image/png")), "downloading the evidence: {got}");
    let bytes: Vec<u8> = serde_json::from_value(got[2].clone()).expect("evidence bytes");
    assert_eq!(bytes, PNG, "the stored photo is byte for byte what was sent");
    assert_eq!(options(&b, "#to"), ["kajian_awal", "diregistrasi", "tidak_diregistrasi"], "what Bawaslu may do with a received report");
    assert_eq!(text_list(&b, "#to option"), ["Kajian awal", "Diregistrasi", "Tidak diregistrasi"]);
    let timeline = b.table_cells("#timeline");
    assert_eq!(timeline.len(), 1, "{timeline:?}");
    assert_eq!(timeline[0][1], "Diterima");

    move_case(&b, "kajian_awal", "Kajian awal", "Kajian awal dimulai; saksi akan dihubungi.");
    move_case(&b, "diregistrasi", "Diregistrasi", "Syarat formal dan materiel terpenuhi.");
    let next = options(&b, "#to");
    assert!(next.contains(&"pidana".to_string()) && next.contains(&"administrasi".to_string()), "a registered report is classified next: {next:?}");
    move_case(&b, "pidana", "Dugaan tindak pidana (Gakkumdu)", "Pembahasan pertama Sentra Gakkumdu: dugaan politik uang.");
    assert_eq!(b.text_of("#classification"), "Dugaan tindak pidana (Gakkumdu)");
    assert_eq!(options(&b, "#to"), ["penyidikan", "dihentikan"], "Bawaslu forwards to the investigator or stops the case");
    let timeline = b.table_cells("#timeline");
    assert_eq!(timeline.iter().map(|t| t[1].as_str()).collect::<Vec<_>>(), ["Diterima", "Kajian awal", "Diregistrasi", "Dugaan tindak pidana (Gakkumdu)"]);
    assert!(timeline[1..].iter().all(|t| t[2].contains(BAWASLU)), "each step names who took it: {timeline:?}");
    assert!(matches!(days_left(&b.text_of("#days-left")), Some(0..=1)), "1 × 24 hours to hand it to the investigator");
    b.screenshot(&shots.join("reports-case.png"));

    // The citizen's receipt follows the steps, still without content.
    b.goto(&app.url(&format!("/lacak/{receipt}")));
    assert_eq!(b.attribute(&b.find("#status"), "data-status").as_deref(), Some("pidana"));
    assert_eq!(b.table_cells("#steps").len(), 4);
    let source = b.page_source();
    assert!(!source.contains(r.name) && !source.contains(r.description) && !source.contains("dugaan politik uang"), "no names, content or notes in public");
    b.logout();

    // --- The police of Kota Mojokerto: Sentra Gakkumdu -----------------------------------
    b.login(&app.base, POLRES, PASSWORD);
    b.goto(&app.url("/gakkumdu"));
    assert_eq!(b.text_of("main h1"), "Sentra Gakkumdu");
    let rows = board(&b);
    let row = rows.iter().find(|row| row.id == id).unwrap_or_else(|| panic!("the case is on the Gakkumdu board: {rows:#?}"));
    assert_eq!(row.cells[4], "Dugaan tindak pidana (Gakkumdu)");
    assert!(rows.iter().all(|row| row.cells[3] != "Kepala Kelurahan Magersari"), "cases that are not crimes stay with Bawaslu: {rows:#?}");
    assert!(!b.text_of("main").contains(r.name));
    b.click(&b.link("#reports", &format!("#{id}")));
    b.wait_url(|u| u.ends_with(&format!("/laporan/{id}")));
    let reporter = b.text_of("#reporter");
    assert!(reporter.starts_with("Disembunyikan"), "the police do not see who reported: {reporter:?}");
    let source = b.page_source();
    for secret in [r.name, r.address, r.contact] {
        assert!(!source.contains(secret), "the police's case page must not contain {secret:?}");
    }
    assert_eq!(b.text_of("#reported"), r.reported, "the police see the case itself");
    assert_eq!(b.text_of("#description"), r.description);
    assert_eq!(options(&b, "#to"), ["penyidikan"], "the police may open the investigation, nothing else");
    move_case(&b, "penyidikan", "Penyidikan", "Surat perintah penyidikan diterbitkan.");
    assert!(b.table_cells("#timeline").last().is_some_and(|t| t[2].contains(POLRES)));
    b.screenshot(&shots.join("reports-case-police.png"));
    b.logout();

    // --- KPU does not handle violation reports --------------------------------------------
    b.login(&app.base, KPU, PASSWORD);
    b.goto(&app.url("/laporan"));
    assert_eq!(page_status(&b), 403, "KPU is refused the case board");
    assert!(b.text_of("main p.error").contains("Bawaslu"), "the refusal says who handles reports");
    assert!(b.find_all("#reports").is_empty());
    b.goto(&app.url(&format!("/laporan/{id}")));
    assert_eq!(page_status(&b), 403, "nor the case");
    assert!(!b.page_source().contains(r.description));

    // A prosecutor of another regency does not see the case either (API).
    let kejari = app.login("kejari.jombang", PASSWORD);
    let (status, body) = app.get(&format!("/api/v1/reports/{id}"), Some(&kejari));
    assert_eq!(status, 403, "{body}");

    let took = started.elapsed();
    eprintln!("browser reports test took {took:.1?} (screenshots in {SHOTS})");
    assert!(took.as_secs() < 60, "the browser test should stay well under a minute, took {took:?}");
}

/// "27 November 2024".
fn long_date(d: time::Date) -> String {
    const BULAN: [&str; 12] = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
    format!("{} {} {}", d.day(), BULAN[usize::from(u8::from(d.month())) - 1], d.year())
}

/// The id of the newest report on Bawaslu's board with status `status`.
fn newest_with_status(app: &TestApp, token: &str, status: &str) -> i64 {
    let (_, body) = app.get(&format!("/api/v1/reports?limit=1000&status={status}"), Some(token));
    body["items"].as_array().into_iter().flatten().filter_map(|i| i["id"].as_i64()).max().unwrap_or_else(|| panic!("a {status} report: {body}"))
}

#[test]
fn a_late_report_is_kept_an_incomplete_one_is_sent_back_and_a_disguised_program_is_refused() {
    let started = Instant::now();
    let db = TestDb::sqlite();
    let Some((app, b)) = start(&db) else { return };
    let token = app.login(BAWASLU, PASSWORD);
    let before = api_report_count(&app, &token);
    assert!(before > 0, "the demo has reports in Kota Mojokerto");
    let now = now_wib();

    // A report of something learned of ten days ago, past the seven-day window: not turned
    // away (it used to be refused and lost) but kept as initial information, with a receipt
    // and the date the window closed.
    let late = report(now - time::Duration::days(12), now - time::Duration::days(10));
    b.goto(&app.url("/lapor"));
    fill_form(&b, &late);
    b.click(&b.find("#submit-report"));
    b.wait_url(|u| u.contains("/lacak/"));
    let closes = (now - time::Duration::days(10)).date() + time::Duration::days(7);
    let notice = b.wait_text("#notice", |t| !t.is_empty());
    assert!(
        notice.contains(&format!("disimpan sebagai informasi awal, karena batas waktu pelaporan sudah berakhir pada {} pukul 23.59 WIB", long_date(closes)))
            || notice.contains(&format!("simpan sebagai informasi awal, karena batas waktu pelaporan sudah berakhir pada {} pukul 23.59 WIB", long_date(closes))),
        "{notice:?}"
    );
    assert!(notice.contains("temuan"), "the citizen learns Bawaslu may still act on it: {notice:?}");
    assert_eq!(b.text_of("#status"), "Tidak diregistrasi; disimpan sebagai informasi awal");
    assert!(!b.text_of("main").contains(late.description), "nothing of the report on the receipt page");
    b.screenshot(&Path::new(SHOTS).join("reports-late-receipt.png"));
    assert_eq!(api_report_count(&app, &token), before + 1, "the citizen's information is kept");

    // Corrected dates, but the "photo" is a Windows program renamed foto.jpg.
    let r = report(now - time::Duration::hours(3), now - time::Duration::hours(2));
    b.goto(&app.url("/lapor"));
    fill_form(&b, &r);
    let fake = db.dir().join("foto.jpg");
    std::fs::write(&fake, b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode.\r\n").expect("write the fake photo");
    b.send_keys(&b.find("#file"), fake.to_str().expect("utf-8 path"));
    b.click(&b.find("#submit-report"));
    // The reason beside the file field, the head saying the report was not saved.
    let error = b.wait_text("#report-form .field-error[data-field=file]", |t| t.contains("foto.jpg"));
    assert!(b.current_url().ends_with("/lapor"), "still on the form: {}", b.current_url());
    assert_eq!(page_status(&b), 422);
    let head = b.text_of("#form-error");
    assert!(head.starts_with("Laporan belum tersimpan:") && !head.contains("foto.jpg"), "the head names the field, the reason sits beside it: {head:?} / {error:?}");
    b.screenshot(&Path::new(SHOTS).join("reports-form-refused.png"));
    assert_eq!(api_report_count(&app, &token), before + 1, "the refused report was not stored");
    assert_kept(&b, &r, "disguised upload");

    // A report without evidence or witnesses.
    let bare = Report { witnesses: &[], ..report(now - time::Duration::hours(3), now - time::Duration::hours(2)) };
    b.goto(&app.url("/lapor"));
    fill_form(&b, &bare);
    b.click(&b.find("#submit-report"));
    b.wait_url(|u| u.contains("/lacak/"));
    let receipt = b.wait_text("#receipt", |t| t.starts_with("LP-"));
    let receipt_page = b.current_url().split('?').next().unwrap_or_default().to_string();

    // Bawaslu asks the reporter to complete it from the case page.
    b.login(&app.url(""), BAWASLU, PASSWORD);
    let id = newest_with_status(&app, &token, "diterima");
    b.goto(&app.url(&format!("/laporan/{id}")));
    b.wait_text("main h1", |t| t.contains(&format!("#{id}")));
    let note = b.text_of("#requirements-note");
    assert!(note.contains("Registrasi hanya dengan alasan"), "{note:?}");
    assert!(options(&b, "#to").contains(&"perbaikan".to_string()));
    // Registering it without a reason is refused beside the reason, the choice kept.
    b.click(&b.find("#to option[value='diregistrasi']"));
    b.click(&b.find("#move-submit"));
    let refusal = b.wait_text("#move-form .field-error", |t| !t.is_empty());
    assert!(refusal.contains("Bukti, Saksi"), "{refusal:?}");
    assert_eq!(page_status(&b), 422);
    assert_eq!(value_of(&b, "#to"), "diregistrasi");
    move_case(&b, "perbaikan", "Menunggu kelengkapan dari pelapor", "Lampirkan foto kejadian dan nama saksi");
    let deadline = b.text_of("#deadline");
    assert!(deadline.ends_with("23.59 WIB"), "{deadline:?}");

    // The reporter reads what to complete and by when, then completes it on the receipt page.
    b.goto(&receipt_page);
    assert_eq!(b.wait_text("#status", |t| !t.is_empty()), "Menunggu kelengkapan dari pelapor");
    let notice = b.text_of("#notice");
    assert!(notice.contains("Bukti, Saksi") && notice.contains("Lengkapi paling lambat"), "{notice:?}");
    assert_eq!(text_list(&b, "#missing li"), ["Bukti", "Saksi"]);
    assert_eq!(b.text_of("#deadline"), deadline, "the same clock on both pages");
    assert!(!b.text_of("main").contains("Lampirkan foto kejadian"), "the officer's note stays internal");
    b.screenshot(&Path::new(SHOTS).join("reports-completion-asked.png"));
    let photo = db.dir().join("kejadian.png");
    std::fs::write(&photo, PNG).expect("write the photo");
    b.send_keys(&b.find("#witnesses"), "Pak Darto");
    b.send_keys(&b.find("#note"), "Foto kejadian terlampir");
    b.send_keys(&b.find("#file"), photo.to_str().expect("utf-8 path"));
    b.click(&b.find("#submit-completion"));
    b.wait_text("#completed", |t| !t.is_empty());
    assert_eq!(b.text_of("#status"), "Kajian awal", "back to Bawaslu's assessment");
    assert!(b.text_of("#receipt") == receipt);
    let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&token));
    assert!(v["requirements"].as_array().into_iter().flatten().all(|q| q["met"] == true), "evidence and a witness now: {v}");

    // Bawaslu takes the late report up as its own finding from the case page.
    let late_id = newest_with_status(&app, &token, "informasi_awal");
    b.goto(&app.url(&format!("/laporan/{late_id}")));
    assert_eq!(b.wait_text("#status", |t| !t.is_empty()), "Tidak diregistrasi; disimpan sebagai informasi awal");
    assert!(options(&b, "#to").contains(&"jadikan_temuan".to_string()));
    b.click(&b.find("#to option[value='jadikan_temuan']"));
    b.send_keys(&b.find("#reason"), "Diteliti sebagai temuan pengawas");
    b.click(&b.find("#move-submit"));
    b.wait_text("#status", |t| t == "Diregistrasi");
    assert!(b.text_of("main h1").ends_with("· Temuan"), "{:?}", b.text_of("main h1"));
    let last = b.table_cells("#timeline").last().cloned().unwrap_or_default();
    assert_eq!((last[1].as_str(), last[3].as_str()), ("Dijadikan temuan Bawaslu", "Diteliti sebagai temuan pengawas"), "{last:?}");
    b.screenshot(&Path::new(SHOTS).join("reports-taken-up.png"));

    let took = started.elapsed();
    eprintln!("browser report law test took {took:.1?}");
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[test]
fn the_form_refuses_hidden_text_direction_characters_naming_the_field() {
    let db = TestDb::sqlite();
    let Some((app, b)) = start(&db) else { return };
    let token = app.login(BAWASLU, PASSWORD);
    let before = api_report_count(&app, &token);

    // A place that displays as "Depan TPS 003 Balongsari" but is stored reversed after the
    // RIGHT-TO-LEFT OVERRIDE: refused, not kept to mislead whoever reads it later.
    let now = now_wib();
    let mut r = report(now - time::Duration::hours(3), now - time::Duration::hours(2));
    b.goto(&app.url("/lapor"));
    fill_form(&b, &r);
    r.place = "Depan TPS 003 \u{202E}iraslognaB";
    b.clear(&b.find("#place"));
    set_value(&b, "#place", r.place);
    b.click(&b.find("#submit-report"));
    let error = b.wait_text("#form-error", |t| !t.is_empty());
    assert!(b.current_url().ends_with("/lapor"), "still on the form: {}", b.current_url());
    assert_eq!(page_status(&b), 422);
    assert!(error.starts_with("Laporan belum tersimpan:") && error.contains("Tempat kejadian"), "names the field by its label: {error:?}");
    let why = b.text_of("#report-form .field-error[data-field=place]");
    assert!(why.contains("arah teks"), "says why beside the field: {why:?}");
    assert_eq!(b.find_all("#report-form .field-error").len(), 1, "beside that field only");
    assert_eq!(b.attribute(&b.find("#place"), "aria-invalid").as_deref(), Some("true"), "the field is marked");
    assert_eq!(b.attribute(&b.find("#description"), "aria-invalid"), None, "other fields are not marked");
    assert_kept(&b, &r, "direction override");
    assert_eq!(api_report_count(&app, &token), before, "nothing stored");
}

/// A refused step on the dispute page comes back in its form, the message beside the reason
/// and the chosen step and typed reason kept (it used to dead-end on an error page and lose
/// them); corrected, the step goes through.
#[test]
fn a_refused_dispute_step_comes_back_beside_its_field() {
    let db = TestDb::sqlite();
    let Some((app, b)) = start(&db) else { return };
    let token = app.login(BAWASLU, PASSWORD);
    let (s, v) = app.post(
        "/api/v1/disputes",
        Some(&token),
        &json!({
            "election": "pilkada-2024", "region": "35.76", "petitioner": "Bakal pasangan calon perseorangan",
            "kpu_decision": "Keputusan KPU Kota Mojokerto Nomor 12/2024", "decided_on": now_wib().date().to_string(),
        }),
    );
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().expect("id");
    b.login(&app.url(""), BAWASLU, PASSWORD);
    b.goto(&app.url(&format!("/sengketa/{id}")));
    b.wait_text("main h1", |t| t.contains(&format!("#{id}")));
    b.click(&b.find("#to option[value='tidak_diterima']"));
    let typed = "Pemohon bukan peserta \u{202E}nopmaR";
    set_value(&b, "#reason", typed);
    b.click(&b.find("#move-submit"));
    let why = b.wait_text("#move-form .field-error[data-field=reason]", |t| !t.is_empty());
    assert!(why.contains("arah teks"), "{why:?}");
    assert_eq!(page_status(&b), 422);
    assert_eq!(value_of(&b, "#to"), "tidak_diterima", "the chosen step kept");
    assert_eq!(value_of(&b, "#reason"), typed, "the typed reason kept");
    assert_eq!(b.text_of("#status"), "Diregistrasi", "nothing moved");
    b.screenshot(&Path::new(SHOTS).join("reports-dispute-refused.png"));
    b.clear(&b.find("#reason"));
    b.send_keys(&b.find("#reason"), "Pemohon bukan peserta pemilihan");
    b.click(&b.find("#move-submit"));
    b.wait_text("#status", |t| t == "Tidak diterima");
    assert!(b.find_all(".field-error").is_empty());
}
