//! Notifications on a 360 px phone in headless Chromium, as the administrator of Bawaslu Kota
//! Mojokerto sets them up on the eve of voting day: subscribes an email and a webhook channel
//! through the form (a wrong address first: refused beside its field, in Indonesian, nothing
//! saved), reads them listed in words, removes one; the header counts the unit's unread alerts;
//! the alerts page links each alert to what it is about, with a local time; the delivery log
//! says in words what reached the receivers (an SMTP server and an HTTP receiver the test
//! starts, `tests/common/receivers.rs`). No page runs off the phone's screen.
//! Without chromium/chromedriver, or python3 with aiosmtpd, the test says so and passes.

mod common;
#[path = "common/receivers.rs"]
mod receivers;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{TestApp, TestDb, Value, json};
use webdriver::Browser;

const CLOCK: &str = "2024-11-26T12:00:00+07:00";
const PW: &str = "rahasia-123";
const MONTHS: [&str; 12] = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];

/// Nothing on the page is wider than the phone.
fn fits(b: &Browser, page: &str) {
    let overflow = b.execute(
        "const wide = [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || '').slice(0, 40));
         return [document.documentElement.scrollWidth - window.innerWidth, wide]",
        vec![],
    );
    assert!(overflow[0].as_i64().is_some_and(|o| o <= 0), "{page} is wider than the phone: {overflow}");
}

/// A local time as people write it: "26 November 2024 12.02 WIB".
fn local_time_in(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(5).any(|w| {
        w[0].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
            && MONTHS.contains(&w[1])
            && w[2].len() == 4
            && w[2].parse::<u16>().is_ok()
            && w[3].len() == 5
            && w[3].as_bytes()[2] == b'.'
            && w[3].split('.').all(|n| n.parse::<u8>().is_ok())
            && ["WIB", "WITA", "WIT"].contains(&w[4])
    })
}

/// Chooses `value` in the select `css` the way a finger does: the option is tapped.
fn choose(b: &Browser, css: &str, value: &str) {
    b.click(&b.find(&format!("{css} option[value='{value}']")));
}

fn submit_channel(b: &Browser, channel: &str, target: &str) {
    choose(b, "#sub-channel", channel);
    let input = b.find("#sub-target");
    b.clear(&input);
    b.send_keys(&input, target);
    b.click(&b.find("#subscribe-form button[type=submit]"));
}

/// A citizen's report in Balongsari as of the test's clock, sent as the public sends it.
fn citizen_report(app: &TestApp) {
    let (s, v) = app.post(
        "/api/v1/reports",
        None,
        &json!({
            "election": "pilkada-2024", "region": "35.76.02.1008",
            "reporter": {"name": "Siti", "address": "Jl. Empunala 12", "contact": "0812-5555-1234"},
            "reported": "Tim sukses pasangan calon nomor 2", "event_at": "2024-11-25T09:00:00+07:00", "known_at": "2024-11-25T20:00:00+07:00",
            "place": "Sekitar TPS 001", "description": "Pembagian amplop uang kepada warga", "witnesses": ["Budi", "Wati"],
        }),
    );
    assert_eq!(s, 201, "{v}");
}

#[test]
fn a_unit_admin_sets_up_channels_and_follows_alerts_on_a_phone() {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    if let Some(why) = receivers::missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let db = TestDb::sqlite();
    let mail = receivers::smtp(&db.dir());
    let hook = receivers::webhook_on(receivers::free_port(), &db.dir(), "hook", &[]);
    let smtp_url = format!("smtp://127.0.0.1:{}", mail.port);
    let env = [("SINERGI_CLOCK", CLOCK), ("SINERGI_SMTP_URL", smtp_url.as_str()), ("SINERGI_SMTP_FROM", "Sinergi <sinergi@sinergi.test>")];
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_env(&db, &["--demo"], &env));
    let Some(b) = browser else { return };
    // The administrator of the demo's Bawaslu Kota Mojokerto (the demo's accounts there are
    // supervisors, who may not manage channels).
    common::add_user(&db, "admin.bawaslu.mjk", "bawaslu", "35.76", "admin", PW);
    let token = app.login("admin.bawaslu.mjk", PW);
    b.set_window_size(360, 740);
    b.login(&app.base, "admin.bawaslu.mjk", PW);
    let shots = Path::new("/tmp/sinergi-shots");
    let _ = std::fs::create_dir_all(shots);

    // No channel yet.
    b.goto(&app.url("/peringatan/saluran"));
    assert!(b.text_of("main h1").starts_with("Saluran pemberitahuan · Bawaslu Kota Mojokerto"), "{}", b.text_of("main h1"));
    assert!(b.text_of("#no-channels").contains("belum punya saluran"));
    fits(&b, "/peringatan/saluran");

    // A wrong email address: refused beside the destination field, in Indonesian; what was
    // typed stays; nothing is saved.
    submit_channel(&b, "email", "piket-bawaslu.test");
    let error = b.text_of("#subscribe-form .field-error[data-field=target]");
    assert!(error.contains("\"piket-bawaslu.test\" bukan alamat email"), "{error}");
    assert_eq!(b.attribute(&b.find("#sub-target"), "aria-invalid").as_deref(), Some("true"));
    let label = b.text_of("label[for=sub-target]");
    assert!(label.starts_with("Tujuan"), "the field refused is the destination: {label}");
    assert_eq!(b.execute("return document.querySelector('#sub-target').value", vec![]), json!("piket-bawaslu.test"), "what was typed stays");
    assert_eq!(b.execute("return document.querySelector('#sub-channel').value", vec![]), json!("email"));
    assert!(b.find_all("#channels").is_empty() && b.find_all("#created").is_empty(), "nothing saved");
    let (_, listed) = app.get("/api/v1/notifications/subscriptions", Some(&token));
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0), "{listed}");
    fits(&b, "the refused form");

    // Put right: new reports of warning and above, by email.
    let input = b.find("#sub-target");
    b.clear(&input);
    b.send_keys(&input, "piket@bawaslu.test");
    b.click(&b.find("#subscribe-form input[name=kinds][value=laporan_baru]"));
    choose(&b, "#sub-severity", "warning");
    b.click(&b.find("#subscribe-form button[type=submit]"));
    assert!(b.text_of("#created").contains("Saluran ditambahkan: Email piket@bawaslu.test"));

    // A webhook: a destination that is not a URL first, then the receiver; its key shown once.
    submit_channel(&b, "webhook", "gateway-wa-bawaslu");
    let error = b.text_of("#subscribe-form .field-error[data-field=target]");
    assert!(error.contains("bukan alamat webhook") && error.contains("URL lengkap"), "{error}");
    assert_eq!(app.get("/api/v1/notifications/subscriptions", Some(&token)).1["items"].as_array().map(Vec::len), Some(1), "the refused webhook is not saved");
    let url = hook.url("/bawaslu-mjk");
    submit_channel(&b, "webhook", &url);
    assert!(b.text_of("#created").contains(&format!("Saluran ditambahkan: Webhook {url}")));
    assert!(b.text_of("#secret").len() >= 32, "the signing key, once");
    fits(&b, "/peringatan/saluran with the key");
    b.screenshot(&shots.join("peringatan-saluran-360.png"));

    // Listed in words: channel, destination, kinds and severity by name, never a stored key.
    let rows = b.table_cells("#channels");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let email = rows.iter().find(|r| r[0] == "Email").unwrap_or_else(|| panic!("the email row: {rows:?}"));
    assert_eq!(email[1..4], ["piket@bawaslu.test", "Laporan atau temuan baru", "Peringatan"], "{rows:?}");
    let web = rows.iter().find(|r| r[0] == "Webhook").unwrap_or_else(|| panic!("the webhook row: {rows:?}"));
    assert_eq!(web[1..4], [url.as_str(), "Semua jenis peringatan", "Info"], "{rows:?}");
    let all = b.text_of("#channels");
    for key in ["laporan_baru", "warning", "info", "critical", "email", "webhook"] {
        assert!(!all.split_whitespace().any(|w| w == key), "no stored key {key:?} in the list: {all}");
    }

    // Something happens: a citizen reports money politics in Balongsari.
    citizen_report(&app);
    mail.wait_for(1, 30);
    hook.wait_for(1, 30);

    // The header counts the unit's unread alerts, on every page.
    b.goto(&app.url("/peringatan"));
    let unread = app.get("/api/v1/alerts?unacknowledged=true", Some(&token)).1["items"].as_array().map_or(0, Vec::len);
    assert!(unread >= 1);
    assert_eq!(b.text_of("#alerts-count"), unread.to_string(), "the header's count");
    fits(&b, "/peringatan");
    b.screenshot(&shots.join("peringatan-360.png"));

    // Every alert links to what it is about, says where by name and when in local time.
    let rows: Vec<Value> = serde_json::from_value(b.execute(
        "return [...document.querySelectorAll('#alerts tbody tr')].map(tr => ({
            id: tr.dataset.id, link: tr.querySelector('td:nth-child(2) a')?.getAttribute('href') ?? null,
            text: tr.cells[1].innerText, place: [...tr.cells[1].querySelectorAll('span.muted')].pop()?.innerText.split(' · ')[0] ?? '',
            severity: tr.cells[0].innerText }))",
        vec![],
    ))
    .expect("rows");
    assert!(!rows.is_empty());
    for r in &rows {
        let text = r["text"].as_str().unwrap_or("");
        assert!(r["link"].as_str().is_some_and(|l| l.starts_with('/') && l.len() > 1), "alert {} links to its subject: {r}", r["id"]);
        assert!(local_time_in(text), "alert {} has a local time like \"26 November 2024 12.02 WIB\": {text:?}", r["id"]);
        assert!(r["place"].as_str().is_some_and(|p| p.chars().any(char::is_alphabetic)), "alert {} names its place: {r}", r["id"]);
        assert!(["Info", "Peringatan", "Kritis"].contains(&r["severity"].as_str().unwrap_or("")), "severity in words: {r}");
    }
    let (_, api) = app.get("/api/v1/alerts", Some(&token));
    let new_report = api["items"].as_array().and_then(|a| a.iter().find(|x| x["kind"] == "laporan_baru").cloned()).expect("the new report's alert");
    let link = new_report["link"].as_str().expect("a link").to_string();
    let row = rows.iter().find(|r| r["id"] == new_report["id"].to_string()).unwrap_or_else(|| panic!("the new report's alert on the page: {rows:?}"));
    assert!(row["text"].as_str().is_some_and(|t| t.contains("Balongsari (35.76.02.1008)") && t.contains("26 November 2024 12.")), "{row}");
    // Tapping it opens the case.
    b.click(&b.find(&format!("#alerts tr[data-id='{}'] a[href='{link}']", new_report["id"])));
    b.wait_url(|u| u.ends_with(&link));
    assert!(b.text_of("main h1").contains("Laporan"), "{}", b.text_of("main h1"));

    // The delivery log says what happened, in words.
    let deadline = Instant::now() + Duration::from_secs(30);
    let attempts = loop {
        b.goto(&app.url("/peringatan/pengiriman"));
        let rows = if b.find_all("#attempts").is_empty() { vec![] } else { b.table_cells("#attempts") };
        if rows.iter().filter(|r| r.iter().any(|c| c.starts_with("Terkirim"))).count() >= 2 {
            break rows;
        }
        assert!(Instant::now() < deadline, "the log never showed both deliveries: {rows:?}");
        std::thread::sleep(Duration::from_millis(500));
    };
    let id = new_report["id"].as_i64().expect("id");
    for (channel, destination, result) in [("Email", "piket@bawaslu.test", "Terkirim — penerima menjawab SMTP 250"), ("Webhook", url.as_str(), "Terkirim — penerima menjawab HTTP 200")] {
        let row = attempts.iter().find(|r| r[1] == channel).unwrap_or_else(|| panic!("a {channel} attempt: {attempts:?}"));
        assert!(local_time_in(&row[0]), "when, in local time: {row:?}");
        assert_eq!(row[2], destination, "{row:?}");
        assert_eq!(row[3], format!("#{id} versi 1 · Laporan atau temuan baru"), "{row:?}");
        assert_eq!(row[4], result, "{row:?}");
    }
    fits(&b, "/peringatan/pengiriman");
    b.screenshot(&shots.join("peringatan-pengiriman-360.png"));

    // Removing the webhook: its row's button; the email stays.
    b.goto(&app.url("/peringatan/saluran"));
    let web_row = b.find_all("#channels tbody tr").into_iter().find(|tr| b.text(tr).contains(&url)).expect("the webhook's row");
    let button = b.find_in(&web_row, "button[type=submit]");
    assert_eq!(b.text(&button[0]), "Hapus");
    b.click(&button[0]);
    b.wait_for("the webhook's row to go", || (b.find_all("#channels tbody tr").len() == 1).then_some(()));
    let rows = b.table_cells("#channels");
    assert_eq!(rows[0][0..2], ["Email", "piket@bawaslu.test"], "{rows:?}");
    fits(&b, "/peringatan/saluran after removing");
}
