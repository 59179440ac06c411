//! The TPS permalink checks the public log in the reader's browser (headless Chromium through
//! ChromeDriver), on SQLite and PostgreSQL: with two agreeing KPU entries and Bawaslu's copy in
//! the log, the page recomputes their leaves' inclusion up to the signed checkpoint's root and
//! says the numbers it shows are the log's — on a desktop window and on a 360×740 phone, in
//! Bahasa Indonesia and in English, with WebCrypto and with the page's own SHA-256 (a LAN
//! server over plain http has no WebCrypto). Then the database is altered behind the server's
//! back, and the page names what differs each time: a leaf changed where no number is (only the
//! inclusion check can see it), a leaf's numbers changed, the numbers the page shows changed
//! while the log is intact (only the comparison can see it), and an entry pointed
//! at another TPS's leaf (only the check of what the leaf names can see it). Screenshots go to
//! /tmp/sinergi-shots/. Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{TestApp, TestDb, add_user, cli, stderr};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use webdriver::Browser;

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008";
const SHOTS: &str = "/tmp/sinergi-shots";

fn tally(source: &str, v: [i64; 3]) -> Value {
    common::presiden_form(source, v, 3)
}

fn submit(app: &TestApp, token: &str, tps: &str, body: &Value) {
    let (s, v) = app.put(&format!("/api/v1/elections/pemilu-2024/results/{tps}/presiden"), Some(token), body);
    assert_eq!(s, 200, "{v}");
}

/// Waits for a signed checkpoint of at least `size` leaves.
fn wait_checkpoint(app: &TestApp, size: u64) {
    let start = Instant::now();
    loop {
        let (s, v) = app.get("/api/v1/elections/pemilu-2024/results/35.76.02.1008.001/presiden/proof", None);
        if s == 200 && v["tree_size"].as_u64().is_some_and(|n| n >= size) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no checkpoint of {size} leaves: {v}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The leaf's bytes, as hex, for putting back with `set_leaf`.
/// Waits (up to 5 s) until every entry of the TPS's result has its leaf index: on PostgreSQL a
/// leaf is queued with its entry and sequenced within a fraction of a second; until then the
/// page rightly says the entry is not yet in the log.
fn wait_sequenced(app: &TestApp, tps: &str) {
    let start = Instant::now();
    loop {
        let (s, v) = app.get(&format!("/api/v1/elections/pemilu-2024/results/{tps}/presiden/proof"), None);
        if s == 200 && v["entries"].as_array().is_some_and(|e| e.iter().all(|e| e["leaf_index"].is_u64())) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "entries not sequenced after 5 s: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn leaf_hex(db: &TestDb, index: u64) -> String {
    let sql = match db {
        TestDb::Sqlite { .. } => format!("SELECT hex(data) FROM tlog_leaves WHERE idx = {index}"),
        TestDb::Postgres { .. } => format!("SELECT encode(data, 'hex') FROM tlog_leaves WHERE idx = {index}"),
    };
    let hex: String = match db {
        TestDb::Sqlite { dir } => rusqlite::Connection::open(dir.join("sinergi.db")).expect("open").query_row(&sql, [], |r| r.get(0)).expect("leaf"),
        TestDb::Postgres { .. } => ::postgres::Client::connect(&db.url(), ::postgres::NoTls).expect("connect").query_one(&sql, &[]).expect("leaf").get(0),
    };
    hex.to_lowercase()
}

fn set_leaf(db: &TestDb, index: u64, text: &str) {
    let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
    match db {
        TestDb::Sqlite { .. } => db.tamper(&format!("UPDATE tlog_leaves SET data = X'{hex}' WHERE idx = {index}")),
        TestDb::Postgres { .. } => db.tamper(&format!("UPDATE tlog_leaves SET data = decode('{hex}', 'hex') WHERE idx = {index}")),
    }
}

fn leaf_text(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
    String::from_utf8(bytes).expect("a leaf is UTF-8")
}

/// Loads the permalink and waits until the check has a verdict other than "checking" or
/// "pending"; returns (verdict state, its text, the mark of each listed source).
fn verdict(b: &Browser, url: &str) -> (String, String, Vec<(String, String)>) {
    if !url.is_empty() {
        b.goto(url);
    }
    let state = b.wait_for("the log check's verdict", || {
        let v = b.execute("var s = document.getElementById('log-proof'); return s && s.getAttribute('data-verdict')", vec![]);
        v.as_str().filter(|s| !["checking", "pending"].contains(s)).map(str::to_string)
    });
    let text = b.text_of("#log-verdict");
    let marks = b.execute(
        "return [...document.querySelectorAll('#log-entries li')].map(li => [li.dataset.source, li.querySelector('.check').innerText.trim()])",
        vec![],
    );
    (state, text, serde_json::from_value(marks).expect("marks"))
}

/// The verdict of a page changed behind the service's back (the database altered, no commit of
/// the service's own): the public sees it once the copy kept for it is past its few seconds
/// (platform::pubcache), so the page is read again until its verdict says `shown` or 12 s have
/// passed.
fn verdict_once_shown(b: &Browser, url: &str, shown: &str) -> (String, String, Vec<(String, String)>) {
    let started = std::time::Instant::now();
    loop {
        let v = verdict(b, url);
        if v.1.contains(shown) || started.elapsed() > std::time::Duration::from_secs(12) {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

fn permalink_checks_the_log(db: &TestDb) {
    let started = Instant::now();
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let mut csv = String::from("code,address,dpt,lat,lon\n");
    for n in 1..=2 {
        csv.push_str(&format!("{VILLAGE}.{n:03},Jl. Contoh,250,,\n"));
    }
    let file = db.dir().join("tps.csv");
    std::fs::write(&file, csv).expect("write tps");
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    add_user(db, "kpps.a", "kpu", "35.76.02", "operator", PW);
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    add_user(db, "ptps", "bawaslu", "35.76", "operator", PW);
    let (app, browser) = Browser::start_beside(|| TestApp::spawn(db));
    let Some(b) = browser else { return };
    let shots = Path::new(SHOTS);
    let _ = std::fs::create_dir_all(shots);
    let tps = format!("{VILLAGE}.001");
    let url = app.url(&format!("/hasil/tps/{tps}?kontes=presiden&pemilu=pemilu-2024"));

    // Leaves 0 and 1: KPU's agreeing double entry; then the checkpoint; then leaf 2, Bawaslu's
    // copy, just before the page opens (sequenced, it may be newer than the checkpoint: the page
    // waits).
    submit(&app, &app.login("kpps.a", PW), &tps, &tally("kpu", [100, 80, 20]));
    submit(&app, &app.login("kpps.b", PW), &tps, &tally("kpu", [100, 80, 20]));
    wait_checkpoint(&app, 2);
    submit(&app, &app.login("ptps", PW), &tps, &tally("bawaslu", [100, 79, 21]));
    wait_sequenced(&app, &tps);

    // --- 1. Verified, on a desktop window and on a phone --------------------------------------
    b.set_window_size(1280, 900);
    let (state, text, marks) = verdict(&b, &url);
    assert_eq!(state, "verified", "{text}");
    assert_eq!(text, "Terverifikasi: angka di halaman ini sama dengan log publik (checkpoint ukuran 3).");
    assert_eq!(marks, [("kpu".to_string(), "✓ cocok dengan log".to_string()), ("bawaslu".to_string(), "✓ cocok dengan log".to_string())]);
    assert_eq!(b.text_of("#log-entries li[data-source=kpu]"), "KPU (disahkan), revisi 1: Tercatat di log publik #0, #1 ✓ cocok dengan log");
    let sha = b.execute("return document.getElementById('log-proof').dataset.sha", vec![]);
    assert_eq!(sha, json!("webcrypto"), "127.0.0.1 is a secure context: WebCrypto");
    b.screenshot(&shots.join("log-proof-desktop.png"));

    b.set_window_size(360, 740);
    let (state, text, _) = verdict(&b, &url);
    assert_eq!(state, "verified", "{text}");
    let fits = b.execute(
        "var s = document.getElementById('log-proof').getBoundingClientRect(); return [s.left >= 0 && s.right <= document.documentElement.clientWidth, document.documentElement.clientWidth]",
        vec![],
    );
    assert_eq!(fits[0], json!(true), "the log section fits a 360 px phone: {fits}");
    b.execute("document.getElementById('log-proof').scrollIntoView()", vec![]);
    b.screenshot(&shots.join("log-proof-phone.png"));

    // --- 2. Without WebCrypto (plain http on a LAN), the page's own SHA-256 -------------------
    let vectors: Vec<Vec<u8>> = vec![vec![], b"abc".to_vec(), "Kelurahan Gununggedangan — TPS 001 é".repeat(9).into_bytes(), (0..=255u8).cycle().take(1000).collect()];
    for v in &vectors {
        let got = b.execute("return Array.from(window.sinergiSha256(new Uint8Array(arguments[0])))", vec![json!(v)]);
        let want: Vec<u8> = Sha256::digest(v).to_vec();
        assert_eq!(got, json!(want), "the page's SHA-256 of {} bytes", v.len());
    }
    b.execute("Object.defineProperty(Crypto.prototype, 'subtle', { get: function () { return undefined; }, configurable: true }); window.sinergiVerifyLog()", vec![]);
    let (state, text, _) = verdict(&b, "");
    assert_eq!(state, "verified", "{text}");
    assert_eq!(b.execute("return [!!window.crypto.subtle, document.getElementById('log-proof').dataset.sha]", vec![]), json!([false, "js"]));

    // --- 3. In English ---------------------------------------------------------------------------
    b.goto(&app.url(&format!("/bahasa?l=en&next=/hasil/tps/{tps}?kontes=presiden%26pemilu=pemilu-2024")));
    let (state, text, marks) = verdict(&b, "");
    assert_eq!(state, "verified", "{text}");
    assert_eq!(text, "Verified: the numbers on this page are the public log's (checkpoint of size 3).");
    assert_eq!(marks[0].1, "✓ matches the log");
    b.goto(&app.url("/bahasa?l=id&next=/wilayah"));

    // --- 4. A leaf altered where no number is: only the inclusion check sees it ---------------
    let original = leaf_hex(db, 2);
    let text_of_leaf = leaf_text(&original);
    assert!(text_of_leaf.contains("\"unit\":\"Bawaslu"), "{text_of_leaf}");
    let forged = text_of_leaf.replacen("\"unit\":\"Bawaslu", "\"unit\":\"Panwas", 1);
    set_leaf(db, 2, &forged);
    let (state, text, marks) = verdict(&b, &url);
    assert_eq!(state, "failed", "{text}");
    assert_eq!(
        text,
        "TIDAK COCOK dengan log publik: bukti inklusi entri #2 tidak sampai ke akar checkpoint ukuran 3 (isi entri di server telah berubah dari yang tercatat)."
    );
    assert_eq!(marks, [("kpu".to_string(), "✓ cocok dengan log".to_string()), ("bawaslu".to_string(), "✗ tidak cocok".to_string())]);
    b.screenshot(&shots.join("log-proof-altered.png"));

    // --- 5. A leaf's numbers altered: both checks see it, the field is named -------------------
    let forged = text_of_leaf.replacen("\"02\":79", "\"02\":97", 1);
    assert_ne!(forged, text_of_leaf);
    set_leaf(db, 2, &forged);
    let (state, text, _) = verdict(&b, &url);
    assert_eq!(state, "failed", "{text}");
    assert!(text.starts_with("TIDAK COCOK dengan log publik: bukti inklusi entri #2 tidak sampai"), "{text}");
    assert!(text.contains("entri #2, Suara 2 "), "the differing row by its name: {text}");
    assert!(text.ends_with(": halaman 79, log 97."), "{text}");
    set_leaf(db, 2, &text_of_leaf);
    assert_eq!(leaf_hex(db, 2), original);
    assert_eq!(verdict(&b, &url).0, "verified", "put back, the leaf verifies again");

    // --- 6. The page's numbers altered, the log intact: only the comparison sees it ------------
    db.tamper("UPDATE result_entries SET tally = replace(tally, '\"01\":100', '\"01\":101') WHERE source = 'bawaslu'");
    let (state, text, marks) = verdict_once_shown(&b, &url, "halaman 101");
    assert_eq!(state, "failed", "{text}");
    assert!(text.starts_with("TIDAK COCOK dengan log publik: entri #2, Suara 1 "), "no inclusion failure, the numbers differ: {text}");
    assert!(text.ends_with(": halaman 101, log 100."), "{text}");
    assert!(!text.contains("bukti inklusi"), "{text}");
    assert_eq!(marks[1].1, "✗ tidak cocok");
    db.tamper("UPDATE result_entries SET tally = replace(tally, '\"01\":101', '\"01\":100') WHERE source = 'bawaslu'");

    // --- 7. An entry pointed at another TPS's leaf with the same numbers: the leaf is in the
    // log and its numbers match, but it is not this TPS's -----------------------------------------
    let other = format!("{VILLAGE}.002");
    submit(&app, &app.login("ptps", PW), &other, &tally("bawaslu", [100, 79, 21]));
    wait_checkpoint(&app, 4);
    db.tamper(&format!("UPDATE result_entries SET log_index = 3 WHERE source = 'bawaslu' AND tps_code = '{tps}'"));
    let (state, text, _) = verdict_once_shown(&b, &url, "entri #3 mencatat");
    assert_eq!(state, "failed", "{text}");
    assert_eq!(text, format!("TIDAK COCOK dengan log publik: entri #3 mencatat TPS {other}, halaman ini {tps}."));

    let took = started.elapsed();
    eprintln!("browser log proof test took {took:.1?}");
}

on_both_engines!(permalink_checks_the_log);
