//! The logistics pages in a real browser (headless Chromium through ChromeDriver) on the demo
//! data, on 25 November 2024, clicked through the way the Bawaslu supervisor of Kota
//! Mojokerto would: requirements and stock, the shipment board, co-signing the shipment that
//! is on its way to Kranggan, the readiness of Balongsari's TPS, and the public verification
//! page of the berita acara. Screenshots of the board, the shipment and the readiness page go
//! to /tmp/sinergi-shots/. Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;
use std::time::Instant;

use common::{TestApp, TestDb};
use serde_json::json;
use webdriver::Browser;

const USER: &str = "bawaslu.kotamojokerto";
const PASSWORD: &str = "sinergi-demo";
const SHOTS: &str = "/tmp/sinergi-shots";
/// The demo story's "today": after Balongsari's first TPS deliveries, before election day.
const CLOCK: &str = "2024-11-25T10:00:00+07:00";

/// Header texts of a table.
fn table_heads(b: &Browser, table: &str) -> Vec<String> {
    let v = b.execute("return [...document.querySelectorAll(arguments[0] + ' thead th')].map(th => th.innerText.trim())", vec![json!(table)]);
    serde_json::from_value(v).expect("table heads as text")
}

/// Parses a count as shown in Bahasa Indonesia (`2.640`).
fn id_number(s: &str) -> i64 {
    assert!(
        !s.is_empty() && s.split('.').enumerate().all(|(i, g)| g.chars().all(|c| c.is_ascii_digit()) && (i == 0 && !g.is_empty() && g.len() <= 3 || g.len() == 3)),
        "{s:?} is not a number written the Indonesian way (e.g. 2.640)"
    );
    s.replace('.', "").parse().expect("number")
}

/// The `data-role` of every co-sign button on the page.
fn sign_buttons(b: &Browser) -> Vec<String> {
    let v = b.execute("return [...document.querySelectorAll('button.sign')].map(x => x.dataset.role)", vec![]);
    serde_json::from_value(v).expect("sign button roles")
}

/// The rows of the #signatures table as (label, who, when).
fn signatures(b: &Browser) -> Vec<(String, String, String)> {
    b.table_cells("#signatures")
        .into_iter()
        .map(|r| {
            assert_eq!(r.len(), 3, "a signature row has label, signer and time: {r:?}");
            (r[0].clone(), r[1].clone(), r[2].clone())
        })
        .collect()
}

fn signature_of(b: &Browser, label: &str) -> (String, String) {
    let rows = signatures(b);
    rows.iter()
        .find(|r| r.0 == label)
        .map(|r| (r.1.clone(), r.2.clone()))
        .unwrap_or_else(|| panic!("no signature row {label:?}: {rows:?}"))
}

#[test]
fn the_bawaslu_supervisor_checks_logistics_cosigns_a_shipment_and_verifies_its_berita_acara() {
    let started = Instant::now();
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    // Start the server (it loads the demo data) and the browser side by side.
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", CLOCK)]));
    let Some(b) = browser else { return };
    b.set_window_size(1280, 900);
    let shots = Path::new(SHOTS);

    // --- Log in -------------------------------------------------------------------------
    b.goto(&app.url("/masuk"));
    b.send_keys(&b.find("#username"), USER);
    b.send_keys(&b.find("#password"), PASSWORD);
    b.click(&b.find("#login-submit"));
    b.wait_url(|u| u.ends_with("/situasi"));
    let who = b.text_of("#current-user");
    assert!(who.contains(USER) && who.contains("Bawaslu Kota Mojokerto"), "header shows the supervisor: {who:?}");

    // --- Requirements and stock ---------------------------------------------------------
    b.click(&b.link("header", "Logistik"));
    let url = b.wait_url(|u| u.contains("/logistik"));
    assert_eq!(url, app.url("/logistik"), "the header link opens the logistics overview");
    let h1 = b.wait_text("main h1", |t| t.starts_with("Logistik"));
    if h1 != "Logistik Kota Mojokerto (35.76)" {
        // The default region was not the user's own: ask for it.
        b.goto(&app.url("/logistik?pemilu=pilkada-2024&wilayah=35.76"));
    }
    assert_eq!(b.wait_text("main h1", |t| t.contains("35.76")), "Logistik Kota Mojokerto (35.76)", "a supervisor lands on their own city");
    assert_eq!(b.title(), "Logistik Kota Mojokerto (35.76) · Sinergi");
    let selected = b.execute("return document.querySelector('#pemilu').value", vec![]);
    assert_eq!(selected, json!("pilkada-2024"), "the regional election is the default");
    assert_eq!(table_heads(&b, "#kebutuhan"), ["Barang", "Kebutuhan TPS", "Stok baik di sini", "Rusak"]);
    let needs = b.table_cells("#kebutuhan");
    let gubernur = needs
        .iter()
        .find(|r| r[0] == "Surat suara Gubernur dan Wakil Gubernur")
        .unwrap_or_else(|| panic!("the governor ballot is listed by its catalogue name: {needs:?}"));
    let (need, good, damaged) = (id_number(&gubernur[1]), id_number(&gubernur[2]), id_number(&gubernur[3]));
    assert!(need > 1000, "the city's TPS need thousands of governor ballots: {gubernur:?}");
    // The warehouse got 1 % over the need and 0.3 % were damaged in sorting; two districts'
    // worth have gone out since.
    assert!(damaged == need * 3 / 1000 && damaged > 0, "damaged ballots in the warehouse: {gubernur:?}");
    assert!(good > 0 && good < need, "part of the stock has left for the districts: {gubernur:?}");
    for r in &needs {
        assert_eq!(r.len(), 4, "{r:?}");
        assert!(!r[0].contains('_') && !r[0].contains(':'), "items by name, not by key: {r:?}");
        id_number(&r[1]);
        id_number(&r[2]);
        id_number(&r[3]);
    }

    // --- The shipment board -------------------------------------------------------------
    b.click(&b.link("main p.tools", "Papan pengiriman"));
    b.wait_url(|u| u.contains("/logistik/pengiriman?"));
    assert_eq!(b.wait_text("main h1", |t| t.starts_with("Papan pengiriman")), "Papan pengiriman Kota Mojokerto (35.76)");
    let statuses = b.execute("return [...document.querySelectorAll('table.board')].map(t => t.dataset.status)", vec![]);
    assert_eq!(
        statuses,
        json!(["direncanakan", "dikirim", "menunggu_tanda_tangan_penerima", "diterima"]),
        "one table per status, in the order things happen; counted on arrival is not received until the receiver signs"
    );
    let waiting = b.table_cells("table.board[data-status=menunggu_tanda_tangan_penerima]");
    assert!(
        !waiting.is_empty() && waiting.iter().all(|r| r[2].starts_with("TPS ") && r[4] == "3/4"),
        "Balongsari's TPS counted their goods, but no KPPS has signed for them: {waiting:?}"
    );
    assert_eq!(table_heads(&b, "table.board[data-status=dikirim]"), ["No.", "Dari", "Kepada", "Batas tiba", "Tanda tangan", "Selisih"]);
    let received = b.table_cells("table.board[data-status=diterima]");
    let magersari = received
        .iter()
        .find(|r| r[2] == "Magersari (35.76.02)")
        .unwrap_or_else(|| panic!("the delivery to Magersari is on the board as received: {received:?}"));
    assert_eq!(magersari[1], "Kota Mojokerto (35.76)", "{magersari:?}");
    assert_eq!(magersari[4], "4/4", "all four signed for Magersari: {magersari:?}");
    assert_eq!(magersari[5], "kurang, rusak", "Magersari got fewer ballots and a broken box: {magersari:?}");
    let prajurit = received.iter().find(|r| r[2] == "Prajuritkulon (35.76.01)").unwrap_or_else(|| panic!("Prajuritkulon: {received:?}"));
    assert_eq!(prajurit[5], "", "Prajuritkulon was served in full: {prajurit:?}");
    let in_transit = b.table_cells("table.board[data-status=dikirim]");
    assert_eq!(in_transit.len(), 1, "one shipment is on the road: {in_transit:?}");
    let kranggan = &in_transit[0];
    assert_eq!((kranggan[1].as_str(), kranggan[2].as_str()), ("Kota Mojokerto (35.76)", "Kranggan (35.76.03)"), "{kranggan:?}");
    assert_eq!(
        (kranggan[4].as_str(), kranggan[5].as_str()),
        ("2/4", "terlambat"),
        "sender and escort signed; due on 13 November and still on the road on the 25th: {kranggan:?}"
    );
    assert!(kranggan[3].ends_with(" WIB"), "due time in local time: {kranggan:?}");
    assert!(kranggan[0].starts_with("BA-"), "{kranggan:?}");
    b.screenshot(&shots.join("logistics-board.png"));

    // --- Co-sign the shipment to Kranggan -----------------------------------------------
    b.click(&b.link("table.board[data-status=dikirim]", &kranggan[0]));
    let shipment_url = b.wait_url(|u| u.contains("/logistik/pengiriman/") && !u.contains("/pengiriman?"));
    let id: i64 = shipment_url
        .split("/logistik/pengiriman/")
        .nth(1)
        .and_then(|rest| rest.split(['?', '/']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("shipment id in {shipment_url}"));
    assert_eq!(kranggan[0], format!("BA-{id}"));
    assert_eq!(b.wait_text("main h1", |t| t.starts_with("Pengiriman")), format!("Pengiriman BA-{id}"));
    assert_eq!(b.text_of("#status"), "Dalam perjalanan");
    let flags = b.find_all("#flags");
    assert_eq!(flags.len(), 1, "a shipment still on the road after its deadline is flagged late");
    let items = b.table_cells("#items");
    assert!(!items.is_empty(), "the shipment lists what was sent");
    // The shipment page prints quantities bare ("1000"), the other pages the Indonesian way
    // ("1.000"); accept either here.
    for r in &items {
        let sent: i64 = r[1].replace('.', "").parse().unwrap_or_else(|_| panic!("quantity sent: {r:?}"));
        assert!(sent > 0 && r[2] == "-" && r[3] == "-" && r[4] == "-", "sent, not yet received: {r:?}");
    }
    assert_eq!(signature_of(&b, "Pengawas (Bawaslu)").0, "belum", "the supervisor has not signed yet");
    assert_eq!(signature_of(&b, "Yang menerima (KPU)").0, "belum");
    assert!(signature_of(&b, "Yang menyerahkan (KPU)").0.contains("KPU Kota Mojokerto"));
    assert!(signature_of(&b, "Pengawal (Polri)").0.contains("Polres Mojokerto Kota"));
    assert_eq!(sign_buttons(&b), ["supervisor"], "Bawaslu may sign as supervisor and as nothing else");
    let button = b.find("button.sign[data-role=supervisor]");
    assert_eq!(b.text(&button), "Tanda tangani sebagai pengawas");
    b.screenshot(&shots.join("logistics-shipment.png"));

    b.click(&button);
    // The form posts and redirects back to the same shipment, now signed.
    // (The supervisor is the third signer row; wait_text survives the page load in between.)
    b.wait_text("#signatures tr:nth-child(3) td:nth-child(2)", |t| t != "belum");
    assert!(b.current_url().contains(&format!("/logistik/pengiriman/{id}")), "back on the shipment: {}", b.current_url());
    let (who, when) = signature_of(&b, "Pengawas (Bawaslu)");
    assert_eq!(who, "Bawaslu Kota Mojokerto", "units, not accounts");
    assert_eq!(when, "25 November 2024 10.00 WIB", "signed at the (rehearsal) clock's time, in WIB");
    assert!(sign_buttons(&b).is_empty(), "nothing left for Bawaslu to sign");
    assert_eq!(b.text_of("#status"), "Dalam perjalanan", "signing does not change the status");
    b.screenshot(&shots.join("logistics-shipment-signed.png"));

    // --- Readiness of Balongsari's TPS --------------------------------------------------
    b.click(&b.link("header", "Logistik"));
    b.click(&b.link("main p.tools", "Kesiapan TPS"));
    b.wait_url(|u| u.contains("/logistik/kesiapan?"));
    assert_eq!(b.wait_text("main h1", |t| t.starts_with("Kesiapan TPS")), "Kesiapan TPS Kota Mojokerto (35.76)");
    b.goto(&app.url("/logistik/kesiapan?pemilu=pilkada-2024&wilayah=35.76.02.1008"));
    assert_eq!(b.wait_text("main h1", |t| t.contains("Balongsari")), "Kesiapan TPS Balongsari (35.76.02.1008)");
    assert_eq!(b.text_of("#ready"), "3", "half of Balongsari's six TPS have everything");
    assert_eq!(b.text_of("#partial"), "1", "one got only boxes and booths");
    assert_eq!(b.text_of("#none"), "2", "two have nothing yet");
    let not_ready: Vec<String> = b.table_cells("#not-ready").into_iter().map(|r| r.join(" ")).collect();
    assert_eq!(
        not_ready,
        [
            "TPS 004 Balongsari (35.76.02.1008.004)",
            "TPS 005 Balongsari (35.76.02.1008.005)",
            "TPS 006 Balongsari (35.76.02.1008.006)",
        ],
        "the TPS not ready, in order"
    );
    b.screenshot(&shots.join("logistics-readiness.png"));

    // --- The public verification page of the berita acara -------------------------------
    b.goto(&shipment_url);
    assert_eq!(b.wait_text("main h1", |t| t.starts_with("Pengiriman")), format!("Pengiriman BA-{id}"));
    b.click(&b.link("main p.tools", "Halaman verifikasi"));
    b.wait_url(|u| u.contains("/verifikasi/"));
    let verdict = b.text_of("#verdict");
    assert!(verdict.starts_with("BELUM LENGKAP"), "still on the road and unsigned by the receiver: not a valid handover: {verdict:?}");
    assert_eq!(b.text_of("#fingerprint"), "cocok: catatan tidak diubah sejak ditulis oleh sistem", "the record still matches its hash after the signature");
    assert_eq!(b.text_of("#signed"), "3 dari 4 tanda tangan: pengirim (KPU), pengawas Bawaslu, pengawal Polri; belum: penerima (KPU)");
    let body = b.text_of("main");
    assert!(body.contains(&format!("BA-{id}/pilkada-2024")), "the verification page names the berita acara: {body}");
    assert!(body.contains("Kranggan (35.76.03)"), "{body}");
    assert!(body.contains("Pengawas (Bawaslu): Bawaslu Kota Mojokerto"), "the new signature is public: {body}");
    assert!(!body.contains("bawaslu.kotamojokerto"), "the public page names units, not user names: {body}");
    b.screenshot(&shots.join("logistics-verify.png"));

    let took = started.elapsed();
    eprintln!("browser logistics test took {took:.1?}");
    assert!(took.as_secs() < 30, "the browser test should stay well under 30 s, took {took:?}");
}

/// Opens the verification page of the shipment to `to` listed under `status` on Kota
/// Mojokerto's board, the way a reader would: board → shipment → "Halaman verifikasi".
fn open_verification(b: &Browser, app: &TestApp, status: &str, to: &str) -> String {
    b.goto(&app.url("/logistik/pengiriman?pemilu=pilkada-2024&wilayah=35.76"));
    b.wait_text("main h1", |t| t.starts_with("Papan pengiriman"));
    let table = format!("table.board[data-status={status}]");
    let rows = b.table_cells(&table);
    let row = rows.iter().find(|r| r[2].starts_with(to)).unwrap_or_else(|| panic!("{to} under {status}: {rows:?}"));
    b.click(&b.link(&table, &row[0]));
    b.wait_url(|u| u.contains("/logistik/pengiriman/"));
    b.click(&b.link("main p.tools", "Halaman verifikasi"));
    b.wait_url(|u| u.contains("/verifikasi/"))
}

/// The verification page never calls a record valid on its fingerprint alone: 0 of 4, 3 of 4
/// and 2 of 4 signatures read "BELUM LENGKAP" with what is and is not signed; only the fully
/// signed, received record reads "SAH DAN LENGKAP"; an altered one reads "TIDAK COCOK".
#[test]
fn the_verification_page_says_what_is_and_is_not_signed() {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", CLOCK)]));
    let Some(b) = browser else { return };
    b.set_window_size(1280, 900);
    b.login(&app.url(""), USER, PASSWORD);

    // 0 of 4: planned for a TPS, nobody has signed.
    open_verification(&b, &app, "direncanakan", "TPS");
    let verdict = b.find("#verdict");
    assert_eq!(b.attribute(&verdict, "class").as_deref(), Some("warn"), "amber, not green");
    assert!(b.text(&verdict).starts_with("BELUM LENGKAP"), "{:?}", b.text(&verdict));
    assert!(!b.text_of("main").contains("ASLI"), "no bare 'genuine' for an unsigned record");
    assert_eq!(b.text_of("#fingerprint"), "cocok: catatan tidak diubah sejak ditulis oleh sistem");
    assert_eq!(b.text_of("#signed"), "0 dari 4 tanda tangan: belum ada; belum: pengirim (KPU), penerima (KPU), pengawas Bawaslu, pengawal Polri");
    assert_eq!(b.text_of("#status"), "Direncanakan");

    // 2 of 4: on the road to Kranggan, signed by the sender and the escort.
    open_verification(&b, &app, "dikirim", "Kranggan");
    assert!(b.text_of("#verdict").starts_with("BELUM LENGKAP"));
    assert_eq!(b.text_of("#signed"), "2 dari 4 tanda tangan: pengirim (KPU), pengawal Polri; belum: penerima (KPU), pengawas Bawaslu");
    assert_eq!(b.text_of("#status"), "Dalam perjalanan");

    // 3 of 4 and counted at the TPS: arrived, but the receiver has not signed.
    open_verification(&b, &app, "menunggu_tanda_tangan_penerima", "TPS");
    assert!(b.text_of("#verdict").starts_with("BELUM LENGKAP"));
    assert_eq!(b.text_of("#status"), "Diterima, menunggu tanda tangan penerima");
    assert!(b.text_of("#signed").ends_with("belum: penerima (KPU)"));

    // 4 of 4, received at Magersari: the only complete, valid handover.
    let magersari = open_verification(&b, &app, "diterima", "Magersari");
    let verdict = b.find("#verdict");
    assert_eq!(b.attribute(&verdict, "class").as_deref(), Some("ok"));
    assert!(b.text(&verdict).starts_with("SAH DAN LENGKAP"), "{:?}", b.text(&verdict));
    assert_eq!(b.text_of("#signed"), "4 dari 4 tanda tangan: pengirim (KPU), penerima (KPU), pengawas Bawaslu, pengawal Polri");
    assert_eq!(b.text_of("#status"), "Diterima");
    b.screenshot(&Path::new(SHOTS).join("logistics-verify-complete.png"));

    // Altered behind the system's back: the fingerprint fails, whatever was signed.
    db.tamper("UPDATE logistics_shipments SET driver = 'Orang lain' WHERE to_code = '35.76.02'");
    b.goto(&magersari);
    let verdict = b.find("#verdict");
    assert_eq!(b.attribute(&verdict, "class").as_deref(), Some("error"));
    assert!(b.text(&verdict).starts_with("TIDAK COCOK"), "{:?}", b.text(&verdict));
    assert_eq!(b.text_of("#fingerprint"), "tidak cocok: catatan diubah di luar sistem");
}
