//! The logistics and finding field forms in a real browser (headless Chromium through
//! ChromeDriver, a 360×740 phone window) on the demo data, on both engines. The KPU of Kota
//! Mojokerto opens the receipt of shipment BA-3 (on its way to Kranggan) with signal; without
//! network (DevTools' emulation, and the server stopped) the form still opens from the phone,
//! the counts prefilled from what was sent; one item is counted short and the receipt waits in
//! the queue; when the network returns it is sent by itself and the server holds it once (the
//! same key again changes nothing); receiving it a second time is refused, *ditolak*, with the
//! reason in Indonesian. The PKD of Balongsari records a finding without signal the same way,
//! and a finding in a village outside its area shows *ditolak* in the queue with the server's
//! reason in Indonesian. Without chromium/chromedriver the tests say so and pass.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::TestDb;
use serde_json::{Value, json};
use webdriver::{Browser, DEMO_PASSWORD as PASSWORD, SHOTS, phone};


fn one_column(b: &Browser) {
    let width = b.execute("return document.documentElement.scrollWidth", vec![]).as_u64().unwrap_or(0);
    assert!(width <= 360, "one column on a 360 px phone, no sideways scrolling: {width}");
}

fn receipt_offline_sends_once(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let kpu = "kpu.kotamojokerto";
    b.login_field(&app, kpu);
    b.wait_service_worker();
    let page = app.url("/lapangan/logistik/3?pemilu=pilkada-2024");
    b.goto(&page);
    b.find("section#receive form.lapangan");
    one_column(&b);
    let token = app.login(kpu, PASSWORD);
    let (_, before) = app.get("/api/v1/elections/pilkada-2024/logistics/shipments/3", Some(&token));
    let sent = before["items"][0]["sent"].as_i64().expect("sent");

    // No signal: the server is gone too. The receipt form opens from the phone.
    b.set_offline(true);
    app.stop();
    b.refresh();
    let qty = b.find("#got-0");
    assert_eq!(b.attribute(&qty, "value").as_deref(), Some(&*sent.to_string()), "the count is prefilled from what was sent");
    b.clear(&qty);
    b.send_keys(&qty, &(sent - 1).to_string());
    b.click(&b.find("section#receive button[type=submit]"));
    b.wait_text("section#receive p.status", |t| t.contains("Tersimpan di antrean"));
    let q = b.wait_queue_state(0, "menunggu");
    assert_eq!(q["url"], "/api/v1/elections/pilkada-2024/logistics/shipments/3/receive");
    // The body as queued, to send again under the same key below.
    let queued = b.execute_async(
        "const [id, done] = arguments;
         window.Lapangan.get(id).then(i => done(i && i.body), e => done('error ' + e));",
        vec![q["id"].clone()],
    );
    let queued = queued.as_str().expect("the queued body").to_string();
    let parsed: Value = serde_json::from_str(&queued).expect("JSON");
    assert_eq!(parsed["items"][0]["qty"], json!(sent - 1), "{queued}");
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-terima-luring.png"));

    // Signal returns: sent by itself, once.
    app.restart(db);
    b.set_offline(false);
    let done = b.wait_queue_state(0, "terkirim");
    let token = app.login(kpu, PASSWORD);
    let (_, after) = app.get("/api/v1/elections/pilkada-2024/logistics/shipments/3", Some(&token));
    assert_eq!(after["status"], "diterima", "{after}");
    assert_eq!(after["items"][0]["received"], json!(sent - 1), "what the phone counted");
    assert!(after["flags"].as_array().is_some_and(|f| f.contains(&json!("short"))), "the shortage is marked: {after}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'shipment.receive' AND entity_id = '3'"), 1, "the server holds it once");
    let id = done["id"].as_str().expect("id").to_string();
    let (status, _) = app.call("POST", "/api/v1/elections/pilkada-2024/logistics/shipments/3/receive", Some(&token), &[("Idempotency-Key", &id)], Some(queued.as_bytes()));
    assert!(status < 300, "the same key again is answered as the first: {status}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'shipment.receive' AND entity_id = '3'"), 1, "still once");

    // Receiving it again (a new submission, a new key) is refused: ditolak, in Indonesian.
    b.click(&b.find("section#receive button[type=submit]"));
    let refused = b.wait_queue_state(1, "ditolak");
    let message = refused["message"].as_str().unwrap_or("");
    assert!(message.contains("tidak dapat diterima"), "the server's reason in Indonesian: {message}");
    b.goto(&app.url("/lapangan/antrean"));
    let row = b.wait_text("#antrean li.item[data-state=ditolak]", |t| t.contains("Ditolak"));
    assert!(row.contains("tidak dapat diterima"), "{row}");
}

fn finding_offline_and_refused(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let pkd = "pkd.balongsari";
    b.login_field(&app, pkd);
    b.wait_service_worker();
    b.goto(&app.url("/lapangan/temuan"));
    b.find("section#temuan form.lapangan");
    one_column(&b);
    let findings = || db.scalar("SELECT COUNT(*) FROM reports WHERE kind = 'temuan'");
    let before = findings();

    b.set_offline(true);
    app.stop();
    b.refresh();
    let fill = |region: &str, what: &str| {
        let r = b.find("#region");
        b.clear(&r);
        b.send_keys(&r, region);
        for (css, text) in [("#reported", "Tim sukses paslon 2"), ("#place", "Depan TPS 001 Balongsari"), ("#description", what)] {
            let el = b.find(css);
            b.clear(&el);
            b.send_keys(&el, text);
        }
        b.click(&b.find("section#temuan button[type=submit]"));
    };
    fill("35.76.02.1008.001", "Pembagian amplop kepada pemilih yang antre.");
    b.wait_text("section#temuan p.status", |t| t.contains("Tersimpan di antrean"));
    b.wait_queue_state(0, "menunggu");

    app.restart(db);
    b.set_offline(false);
    b.wait_queue_state(0, "terkirim");
    assert_eq!(findings(), before + 1, "the server holds the finding once");

    // A village outside the PKD's area: refused, and the queue says why in Indonesian.
    let other = app.get("/api/v1/elections/pilkada-2024/tps?region=35.76.01&limit=1", None).1;
    let other_tps = other["items"][0]["code"].as_str().expect("a TPS in Prajurit Kulon").to_string();
    b.goto(&app.url("/lapangan/temuan"));
    fill(&other_tps, "Di luar wilayah.");
    let refused = b.wait_queue_state(1, "ditolak");
    let message = refused["message"].as_str().unwrap_or("");
    assert!(message.contains("di luar wilayah kerja satuan Anda"), "the server's reason in Indonesian: {message}");
    b.goto(&app.url("/lapangan/antrean"));
    let row = b.wait_text("#antrean li.item[data-state=ditolak]", |t| t.contains("Ditolak"));
    assert!(row.contains("di luar wilayah kerja satuan Anda"), "{row}");
    one_column(&b);
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-temuan-ditolak.png"));
    assert_eq!(findings(), before + 1, "nothing stored for the refused one");
}

/// A citizen without an account reports from the app: the queue sends it and keeps the receipt
/// number, the only way to follow the report, as a link to its tracking page.
fn citizen_report_keeps_its_receipt(db: &TestDb) {
    let Some((app, b)) = phone(db) else { return };
    b.goto(&app.url("/lapangan/lapor?pemilu=pilkada-2024&wilayah=35.76.02.1008"));
    b.find("section#lapor form.lapangan");
    let reports = || db.scalar("SELECT COUNT(*) FROM reports");
    let before = reports();
    for (css, text) in [("#reported", "Tim sukses paslon 2"), ("#place", "Depan TPS 001 Balongsari"), ("#description", "Pembagian amplop kepada pemilih yang antre.")] {
        let el = b.find(css);
        b.clear(&el);
        b.send_keys(&el, text);
    }
    b.click(&b.find("section#lapor button[type=submit]"));
    let sent = b.wait_queue_state(0, "terkirim");
    assert_eq!(reports(), before + 1, "the server holds the report once");
    let receipt = sent["receipt"].as_str().unwrap_or("").to_string();
    assert!(!receipt.is_empty(), "the queue keeps the receipt: {sent}");
    b.goto(&app.url("/lapangan/antrean"));
    let row = b.wait_text("#antrean li.item[data-state=terkirim] p.receipt", |t| t.contains(&receipt));
    assert!(row.starts_with("Nomor tanda terima"), "{row}");
    let link = b.find("#antrean li.item p.receipt a");
    assert_eq!(b.attribute(&link, "href").as_deref(), Some(format!("/lacak/{receipt}").as_str()));
}

on_both_engines!(receipt_offline_sends_once, finding_offline_and_refused, citizen_report_keeps_its_receipt);
