//! Field devices (issue 16): the unit's administrator issues a one-time code, a phone exchanges
//! it for a session that lasts the election period (no password on voting morning), the
//! administrator lists the account's devices and revokes one. Through the API and through the
//! pages, on SQLite and on PostgreSQL.

mod common;

use common::{TestApp, TestDb, add_user, error_of};
use serde_json::json;

const PW: &str = "rahasia-123";

/// The enrolment form as a phone sends it: (status, the session cookie it set, body).
fn enrol_by_page(app: &TestApp, code: &str) -> (u16, Option<String>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).max_idle_connections(0).build().into();
    let body: String = form_urlencoded::Serializer::new(String::new()).append_pair("code", code).finish();
    let mut resp = agent.post(&app.url("/lapangan/daftar")).header("Origin", &app.base).content_type("application/x-www-form-urlencoded").send(body).expect("POST");
    let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|c| c.split(';').next()).map(str::to_string);
    (resp.status().as_u16(), cookie, resp.body_mut().read_to_string().unwrap_or_default())
}

fn a_phone_enrolled_from_a_code_stays_logged_in_until_revoked(db: &TestDb) {
    add_user(db, "admin.mjk", "kpu", "35.76", "admin", PW);
    add_user(db, "kpps.satu", "kpu", "35.76.02.1008.001", "operator", PW);
    add_user(db, "kpu.op", "kpu", "35.76", "operator", PW);
    add_user(db, "admin.bawaslu", "bawaslu", "35.76", "admin", PW);
    let app = TestApp::spawn(db);
    let admin = app.login("admin.mjk", PW);
    let path = "/api/v1/users/kpps.satu/devices";

    // Only the unit's administrator of the same agency issues codes; bad input names its field.
    assert_eq!(app.post(path, Some(&app.login("kpu.op", PW)), &json!({"device": "HP TPS 001"})).0, 403);
    assert_eq!(app.post(path, Some(&app.login("admin.bawaslu", PW)), &json!({"device": "HP TPS 001"})).0, 403);
    for (body, field) in [(json!({"device": ""}), "device"), (json!({"device": "HP", "until": "2099-01-01"}), "until"), (json!({"device": "HP", "until": "besok"}), "until")] {
        let (s, v) = app.post(path, Some(&admin), &body);
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(field)), "{v}");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM device_codes"), 0, "a refusal stores nothing");

    // A code, shown once, with its link; the phone exchanges it for a long session.
    let (s, issued) = app.post(path, Some(&admin), &json!({"device": "HP KPPS TPS 001"}));
    assert_eq!(s, 201, "{issued}");
    let code = issued["code"].as_str().expect("code").to_string();
    assert_eq!(code.len(), 14, "ABCD-EFGH-JKLM: {code}");
    assert!(issued["link"].as_str().is_some_and(|l| l.ends_with(&format!("/lapangan/daftar?kode={code}"))), "{issued}");
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM device_codes WHERE code_hash = '{code}' OR device = '{code}'")), 0, "kept by its hash only");
    let (s, v) = app.post("/api/v1/auth/enrol", None, &json!({"code": code.to_lowercase().replace('-', " ")}));
    assert_eq!(s, 200, "typed in lower case with spaces: {v}");
    let device = v["token"].as_str().expect("token").to_string();
    assert_eq!(v["expires_at"], issued["session_until"]);
    let (s, me) = app.get("/api/v1/me", Some(&device));
    assert_eq!((s, me["username"].as_str()), (200, Some("kpps.satu")));
    // One use only.
    let (s, v) = app.post("/api/v1/auth/enrol", None, &json!({"code": code}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("code")), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("sudah dipakai")), "{v}");

    // The administrator sees the device, and revokes it: its very next request is refused.
    let (s, list) = app.get(path, Some(&admin));
    assert_eq!(s, 200, "{list}");
    let devices = list["devices"].as_array().expect("devices");
    assert_eq!(devices.iter().map(|d| d["device"].as_str().unwrap_or("")).collect::<Vec<_>>(), ["HP KPPS TPS 001"]);
    let id = devices[0]["id"].as_str().expect("id").to_string();
    // The officer's own password login is another session and is not a device.
    let laptop = app.login("kpps.satu", PW);
    assert_eq!(app.get(path, Some(&admin)).1["devices"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.call("DELETE", &format!("{path}/0123456789abcdef"), Some(&admin), &[], None).0, 404);
    assert_eq!(app.call("DELETE", &format!("{path}/{id}"), Some(&admin), &[], None).0, 204);
    assert_eq!(app.get("/api/v1/me", Some(&device)).0, 401);
    assert_eq!(app.get("/api/v1/me", Some(&laptop)).0, 200, "the password session stands");

    // Through the pages: the administrator issues a code (shown with a QR code and a WhatsApp
    // link), the phone opens the link, sends the form and lands in the field app logged in.
    let cookie = format!("sinergi_session={admin}");
    let (s, html, _) = app.post_form("/pengguna/kpps.satu/perangkat", &cookie, &[("device", "HP cadangan"), ("until", "")]);
    assert_eq!(s, 200, "{html}");
    let code = html.split("id=\"device-code\">").nth(1).and_then(|r| r.split('<').next()).expect("the code on the page").to_string();
    assert!(html.contains("<svg class=\"qr\"") && html.contains("https://wa.me/?text="), "QR code and WhatsApp link");
    let (s, _, page) = app.get_text(&format!("/lapangan/daftar?kode={code}"), None);
    assert_eq!(s, 200);
    assert!(page.contains(&format!("value=\"{code}\"")), "the link fills the code in: {page}");
    let (s, _, body) = enrol_by_page(&app, "SALAH-KODE-1");
    assert_eq!(s, 422);
    assert!(body.contains("kode perangkat tidak dikenal"), "{body}");
    let (s, set, _) = enrol_by_page(&app, &code);
    assert_eq!(s, 303);
    let set = set.expect("a session cookie");
    let (s, _, home) = app.get_text("/lapangan", Some(&set));
    assert_eq!(s, 200);
    assert!(home.contains("kpps.satu"), "logged in on the phone");
    let (_, list) = app.get(path, Some(&admin));
    assert_eq!(list["devices"].as_array().map(Vec::len), Some(1));
    let (_, _, page) = app.get_text("/pengguna/kpps.satu/perangkat", Some(&cookie));
    assert!(page.contains("HP cadangan"), "listed on the page");
    let id = list["devices"][0]["id"].as_str().expect("id").to_string();
    let (s, _, to) = app.post_form(&format!("/pengguna/kpps.satu/perangkat/{id}/cabut"), &cookie, &[]);
    assert_eq!((s, to.as_deref()), (303, Some("/pengguna/kpps.satu/perangkat")));
    assert_eq!(app.get("/api/v1/me", Some(set.trim_start_matches("sinergi_session="))).0, 401);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'device.enrolled'"), 2);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'device.revoked'"), 2);

    // Guessing is locked out as password guessing is: wrong codes from one address end in 429,
    // then even a right code from there waits.
    let (_, issued) = app.post(path, Some(&admin), &json!({"device": "HP terakhir"}));
    let statuses: Vec<u16> = (0..31).map(|i| app.post("/api/v1/auth/enrol", None, &json!({"code": format!("{:04}-TEBAK-{i:04}", i % 7)})).0).collect();
    assert_eq!(statuses[0], 422);
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let (s, v) = app.post("/api/v1/auth/enrol", None, &json!({"code": issued["code"]}));
    assert_eq!((s, error_of(&v).0.as_str()), (429, "too_many_requests"), "{v}");
}

on_both_engines!(a_phone_enrolled_from_a_code_stays_logged_in_until_revoked);
