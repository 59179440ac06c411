//! Notifications that leave the app, against real receivers the tests start: an SMTP server
//! (Python's aiosmtpd, `tests/support/smtp_sink.py`) and an HTTP receiver (Python's
//! http.server, `tests/support/webhook_receiver.py`), which record what they get and verify
//! nothing. Delivered by email and webhook with a valid HMAC signature and the alert's id; a
//! receiver that is down, then answers 500, then 200 gets the same delivery again until it
//! acknowledges; a Sinergi server killed with SIGKILL while a receiver holds the request loses
//! nothing after a restart; each unit receives only what its agency and scope see; the
//! delivery log says what happened, in Indonesian — on SQLite and on PostgreSQL.
//! Without python3 (or aiosmtpd) the scenarios are skipped, saying why.

mod common;
#[path = "common/receivers.rs"]
mod receivers;

use std::time::{Duration, Instant};

use base64::Engine;
use common::{TestApp, TestDb, Value, add_user, error_of, json};
use hmac::{Hmac, Mac};
use receivers::{Receiver, free_port, missing, smtp, webhook_on};

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008"; // Balongsari, Kota Mojokerto
const FROM: &str = "Sinergi <sinergi@sinergi.test>";

fn env_for(smtp: Option<&Receiver>) -> Vec<(String, String)> {
    smtp.map(|s| vec![("SINERGI_SMTP_URL".to_string(), format!("smtp://127.0.0.1:{}", s.port)), ("SINERGI_SMTP_FROM".to_string(), FROM.to_string())]).unwrap_or_default()
}

fn spawn(db: &TestDb, env: &[(String, String)]) -> TestApp {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestApp::spawn_env(db, &[], &env)
}

fn users(db: &TestDb) {
    add_user(db, "admin.bawaslu.mjk", "bawaslu", "35.76", "admin", PW);
    add_user(db, "op.bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "admin.polres.mjk", "polri", "35.76", "admin", PW);
    add_user(db, "admin.bawaslu.jbg", "bawaslu", "35.17", "admin", PW);
}

fn subscribe(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, v) = app.post("/api/v1/notifications/subscriptions", Some(token), &body);
    assert_eq!(s, 201, "{v}");
    v
}

/// A citizen's report in Balongsari: Bawaslu Kota Mojokerto's alert. Returns the alert's id.
fn raise(app: &TestApp, bawaslu: &str) -> i64 {
    common::citizen_report(app, VILLAGE);
    let (_, alerts) = app.get("/api/v1/alerts", Some(bawaslu));
    alerts["items"].as_array().and_then(|a| a.iter().find(|x| x["kind"] == "laporan_baru")).and_then(|a| a["id"].as_i64()).expect("the new report's alert")
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks one webhook request: signed with `secret`, carrying `alert`.
fn check_webhook(headers: &Value, body: &[u8], secret: &str, alert: i64) -> Value {
    assert_eq!(headers["x-sinergi-signature"].as_str(), Some(hmac_hex(secret, body).as_str()), "a valid HMAC-SHA256 signature of the body");
    assert_eq!(headers["x-sinergi-alert-id"], alert.to_string());
    assert!(headers["idempotency-key"].as_str().is_some_and(|k| k.starts_with(&format!("sinergi-{alert}-"))), "{headers}");
    let v: Value = serde_json::from_slice(body).expect("JSON body");
    assert_eq!(v["alert_id"], alert);
    assert_eq!(v["idempotency_key"], headers["idempotency-key"]);
    v
}

/// A mail's text body, undoing quoted-printable or base64.
fn mail_body(raw: &str) -> String {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let head = head.to_ascii_lowercase();
    if head.contains("content-transfer-encoding: base64") {
        let b: String = body.split_whitespace().collect();
        return String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(b).unwrap_or_default()).into_owned();
    }
    if !head.contains("content-transfer-encoding: quoted-printable") {
        return body.to_string();
    }
    let joined = body.replace("=\r\n", "");
    let mut out = vec![];
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn log(app: &TestApp, token: &str) -> Value {
    let (s, v) = app.get("/api/v1/notifications/deliveries", Some(token));
    assert_eq!(s, 200, "{v}");
    v
}

fn wait_delivered(app: &TestApp, token: &str, n: usize, secs: u64) -> Value {
    wait_delivered_of(app, token, None, n, secs)
}

/// Waits until `n` deliveries (of `alert`, when named) are acknowledged; the log then.
fn wait_delivered_of(app: &TestApp, token: &str, alert: Option<i64>, n: usize, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let v = log(app, token);
        let done = v["attempts"].as_array().map_or(0, |a| a.iter().filter(|x| x["delivered"] == true && alert.is_none_or(|id| x["alert_id"] == id)).count());
        if done >= n {
            return v;
        }
        assert!(Instant::now() < deadline, "{n} deliveries not acknowledged in {secs} s: {v}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn delivered_by_email_and_webhook_to_the_units_it_reaches(db: &TestDb) {
    if let Some(why) = missing() {
        eprintln!("skipped: {why}");
        return;
    }
    users(db);
    let mail = smtp(&db.dir());
    let hook = webhook_on(free_port(), &db.dir(), "hook", &[]);
    let app = spawn(db, &env_for(Some(&mail)));
    let admin = app.login("admin.bawaslu.mjk", PW);
    let email = subscribe(&app, &admin, json!({"channel": "email", "target": "piket@bawaslu.test", "kinds": ["laporan_baru"], "min_severity": "warning"}));
    assert!(email.get("secret").is_none(), "email has no key");
    let web = subscribe(&app, &admin, json!({"channel": "webhook", "target": hook.url("/bawaslu-mjk")}));
    let secret = web["secret"].as_str().expect("the webhook's key, once").to_string();
    assert!(secret.len() >= 32);
    // Units the alert does not reach: another agency in the same city, the same agency in
    // another regency; and a kind the email does not take.
    let polres = app.login("admin.polres.mjk", PW);
    subscribe(&app, &polres, json!({"channel": "webhook", "target": hook.url("/polres-mjk")}));
    let jombang = app.login("admin.bawaslu.jbg", PW);
    subscribe(&app, &jombang, json!({"channel": "webhook", "target": hook.url("/bawaslu-jbg")}));
    let (s, listed) = app.get("/api/v1/notifications/subscriptions", Some(&admin));
    assert_eq!(s, 200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert!(!listed.to_string().contains(&secret), "the key is not listed again");
    // Only the unit's administrator subscribes.
    let operator = app.login("op.bawaslu.mjk", PW);
    let (s, v) = app.post("/api/v1/notifications/subscriptions", Some(&operator), &json!({"channel": "webhook", "target": hook.url("/x")}));
    assert_eq!((s, error_of(&v).0.as_str()), (403, "forbidden"), "{v}");

    let alert = raise(&app, &admin);
    mail.wait_for(1, 30);
    hook.wait_for(1, 30);
    let got = wait_delivered(&app, &admin, 2, 30);

    let raw = std::fs::read_to_string(&mail.received()[0]).expect("the mail");
    assert!(raw.contains("X-Envelope-To: piket@bawaslu.test"), "{raw}");
    assert!(raw.contains(&format!("X-Sinergi-Alert-Id: {alert}")), "the alert's id in a header: {raw}");
    assert!(raw.contains(&format!("Message-ID: <sinergi-{alert}-1-")), "a Message-ID that stays the same on redelivery: {raw}");
    let text = mail_body(&raw);
    assert!(text.contains(&format!("ID peringatan: {alert} (versi 1)")), "and in the body: {text}");
    assert!(text.contains("Laporan baru #") && text.contains("Balongsari (35.76.02.1008)") && text.contains(" WIB"), "{text}");
    assert!(text.contains("Jenis: Laporan atau temuan baru") && text.contains("Tingkat: Peringatan") && text.contains("Tautan: /laporan/"), "{text}");

    let requests = hook.requests();
    assert_eq!(requests.len(), 1, "only Bawaslu Kota Mojokerto's webhook: {:?}", requests.iter().map(|r| &r.0).collect::<Vec<_>>());
    let (path, headers, body) = &requests[0];
    assert_eq!(path, "/bawaslu-mjk");
    let v = check_webhook(headers, body, &secret, alert);
    assert_eq!(v["severity_label"], "Peringatan");
    assert_eq!(v["kind_label"], "Laporan atau temuan baru");
    assert!(v["place"].as_str().is_some_and(|p| p.starts_with("Balongsari")), "{v}");
    assert!(v["time"].as_str().is_some_and(|t| t.ends_with(" WIB")), "{v}");
    assert!(v["text"].as_str().is_some_and(|t| t.contains("Laporan baru #") && t.contains(&format!("ID peringatan {alert}"))), "{v}");

    // The log: two attempts, both acknowledged; the other units' logs stay empty.
    let attempts = got["attempts"].as_array().cloned().unwrap_or_default();
    assert_eq!(attempts.len(), 2, "{got}");
    let results: Vec<&str> = attempts.iter().filter_map(|a| a["result"].as_str()).collect();
    assert!(results.contains(&"Terkirim — penerima menjawab HTTP 200") && results.contains(&"Terkirim — penerima menjawab SMTP 250"), "{results:?}");
    std::thread::sleep(Duration::from_secs(3));
    for other in [&polres, &jombang] {
        let v = log(&app, other);
        assert_eq!(v["attempts"].as_array().map(Vec::len), Some(0), "{v}");
        assert_eq!(v["pending"].as_array().map(Vec::len), Some(0), "{v}");
    }
    assert_eq!(hook.requests().len(), 1);

    // The pages: the channels and the log, in Indonesian.
    let cookie = format!("sinergi_session={admin}");
    let (s, _, page) = app.get_text("/peringatan/saluran", Some(&cookie));
    assert_eq!(s, 200);
    assert!(page.contains("piket@bawaslu.test") && page.contains("Laporan atau temuan baru") && page.contains("Semua jenis peringatan") && page.contains("Hapus"), "{page}");
    let (s, _, page) = app.get_text("/peringatan/pengiriman", Some(&cookie));
    assert_eq!(s, 200);
    assert!(page.contains("Terkirim — penerima menjawab SMTP 250") && page.contains("Terkirim — penerima menjawab HTTP 200"), "{page}");
    assert!(page.contains(" WIB") && page.contains(&format!("#{alert} versi 1")), "{page}");

    // Removing a channel (the page's button, the API's job).
    let id = email["id"].as_i64().expect("id");
    let (s, _, to) = app.post_form(&format!("/peringatan/saluran/{id}/hapus"), &cookie, &[]);
    assert_eq!((s, to.as_deref()), (303, Some("/peringatan/saluran")));
    let (_, listed) = app.get("/api/v1/notifications/subscriptions", Some(&admin));
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

fn retried_until_the_receiver_acknowledges(db: &TestDb) {
    if let Some(why) = missing() {
        eprintln!("skipped: {why}");
        return;
    }
    users(db);
    // Nobody listens on the port at first.
    let port = free_port();
    let app = spawn(db, &[]);
    let admin = app.login("admin.bawaslu.mjk", PW);
    let web = subscribe(&app, &admin, json!({"channel": "webhook", "target": format!("http://127.0.0.1:{port}/gateway"), "secret": "kunci-rahasia-gateway-wa-01"}));
    assert!(web["secret"] == "kunci-rahasia-gateway-wa-01");
    // Email without SMTP on this server: refused, saying so.
    let (s, v) = app.post("/api/v1/notifications/subscriptions", Some(&admin), &json!({"channel": "email", "target": "piket@bawaslu.test"}));
    assert_eq!(s, 422, "{v}");
    assert_eq!(error_of(&v).1.as_deref(), Some("channel"));
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.starts_with("email belum dapat dipakai")), "{v}");

    let alert = raise(&app, &admin);
    let deadline = Instant::now() + Duration::from_secs(30);
    while log(&app, &admin)["attempts"].as_array().is_none_or(|a| a.is_empty()) {
        assert!(Instant::now() < deadline, "no attempt while the receiver was down");
        std::thread::sleep(Duration::from_millis(300));
    }
    // Up, but failing once: 500, then 200.
    let hook = webhook_on(port, &db.dir(), "hook", &["--fail", "1"]);
    let got = wait_delivered_of(&app, &admin, Some(alert), 1, 60);
    let requests: Vec<_> = hook.requests().into_iter().filter(|(_, h, _)| h["x-sinergi-alert-id"].as_str() == Some(alert.to_string().as_str())).collect();
    assert_eq!(requests.len(), 2, "one 500, one 200");
    let keys: Vec<&Value> = requests.iter().map(|(_, h, _)| &h["idempotency-key"]).collect();
    assert_eq!(keys[0], keys[1], "the same key on redelivery");
    for (_, headers, body) in &requests {
        check_webhook(headers, body, "kunci-rahasia-gateway-wa-01", alert);
    }
    let results: Vec<String> =
        got["attempts"].as_array().cloned().unwrap_or_default().iter().rev().filter(|a| a["alert_id"] == alert).filter_map(|a| a["result"].as_str().map(str::to_string)).collect();
    assert_eq!(
        results,
        ["Gagal — tidak dapat tersambung ke penerima", "Gagal — penerima menjawab HTTP 500", "Terkirim — penerima menjawab HTTP 200"],
        "{got}"
    );
    let (_, _, page) = app.get_text("/peringatan/pengiriman", Some(&format!("sinergi_session={admin}")));
    assert!(page.contains("Gagal — tidak dapat tersambung ke penerima") && page.contains("Gagal — penerima menjawab HTTP 500"), "{page}");
}

fn nothing_lost_when_the_server_is_killed_mid_delivery(db: &TestDb) {
    if let Some(why) = missing() {
        eprintln!("skipped: {why}");
        return;
    }
    users(db);
    // The receiver takes 6 s to answer: the server is killed while it holds the request.
    let hook = webhook_on(free_port(), &db.dir(), "hook", &["--hold", "6"]);
    let mut app = spawn(db, &[]);
    let admin = app.login("admin.bawaslu.mjk", PW);
    let web = subscribe(&app, &admin, json!({"channel": "webhook", "target": hook.url("/gateway")}));
    let secret = web["secret"].as_str().expect("key").to_string();
    let alert = raise(&app, &admin);
    hook.wait_for(1, 30);
    app.kill();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM notify_outbox WHERE state = 'terkirim'"), 0, "not acknowledged before the kill");
    app.restart_env(db, &[]);
    let admin = app.login("admin.bawaslu.mjk", PW);
    let got = wait_delivered_of(&app, &admin, Some(alert), 1, 90);
    // Only this alert's deliveries (the deadline sweep at the restart may raise the case's
    // "deadline near" alert, which goes to the same webhook).
    let requests: Vec<_> = hook.requests().into_iter().filter(|(_, h, _)| h["x-sinergi-alert-id"].as_str() == Some(alert.to_string().as_str())).collect();
    assert!(requests.len() >= 2, "sent again after the restart");
    let first = &requests[0].1["idempotency-key"];
    for (_, headers, body) in &requests {
        check_webhook(headers, body, &secret, alert);
        assert_eq!(&headers["idempotency-key"], first, "the same delivery, the same key");
    }
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM notify_outbox WHERE state = 'terkirim' AND alert_id = {alert}")), 1);
    let results: Vec<&str> = got["attempts"].as_array().map(|a| a.iter().filter(|x| x["alert_id"] == alert).filter_map(|x| x["result"].as_str()).collect()).unwrap_or_default();
    assert!(results.iter().any(|r| r.starts_with("Gagal — terputus")), "the cut-off attempt is in the log: {results:?}");
}

on_both_engines!(delivered_by_email_and_webhook_to_the_units_it_reaches, retried_until_the_receiver_acknowledges, nothing_lost_when_the_server_is_killed_mid_delivery);
