//! Bahasa Indonesia everywhere, English complete: every error code the API answers with says it
//! in both languages (by `Accept-Language`), refused pages speak no English to an Indonesian
//! reader, and dates, times and places read as officials write them.

mod common;

use common::{TestApp, TestDb, add_user, error_of, json};

const PW: &str = "rahasia-kuat-1";
const E: &str = "/api/v1/elections/pilkada-2024/logistics";

/// Common English words that have no place in an Indonesian sentence.
const ENGLISH: &[&str] = &[
    "the", "is", "are", "was", "be", "must", "not", "only", "may", "your", "you", "required", "cannot", "outside", "exists",
    "already", "of", "to", "for", "with", "and", "has", "have", "this", "that", "than", "more", "unknown", "invalid",
    "missing", "no", "too", "many", "try", "again", "minutes", "needs", "found", "page", "over", "sign", "signed", "yet",
    "region", "does", "malformed", "body", "request", "entry", "shipment", "needed", "above", "below", "within",
];

fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| ENGLISH.contains(&w.to_lowercase().as_str()))
        .map(str::to_string)
        .collect()
}

/// A request whose body the server refuses before reading it all: written by hand, so that
/// the early answer is read whatever happens to the rest of the body.
fn oversized(app: &TestApp, method: &str, path: &str, lang: &str, size: usize) -> (u16, common::Value) {
    use std::io::{Read, Write};
    let host = app.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&host).expect("connect");
    let head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAccept-Language: {lang}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).expect("write head");
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < size && s.write_all(&chunk[..chunk.len().min(size - sent)]).is_ok() {
        sent += chunk.len();
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // A chunked body: the JSON sits between the chunk sizes.
    let json = body.find('{').and_then(|a| body.rfind('}').map(|b| &body[a..=b])).unwrap_or("");
    (status, serde_json::from_str(json).unwrap_or(common::Value::Null))
}

/// The message of one request in both languages: (status, code, field, Indonesian, English).
fn both(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<&[u8]>) -> (u16, String, Option<String>, String, String) {
    let ask = |lang: &str| match body {
        Some(b) if b.len() > 1 << 20 => oversized(app, method, path, lang, b.len()),
        _ => app.call(method, path, token, &[("Accept-Language", lang)], body),
    };
    let (s_id, v_id) = ask("id-ID,id;q=0.9");
    let (s_en, v_en) = ask("en-US,en;q=0.8");
    assert_eq!(s_id, s_en, "{method} {path}: the language does not change the status");
    let (code, field) = error_of(&v_id);
    assert_eq!(error_of(&v_en), (code.clone(), field.clone()), "{method} {path}: the language changes only the message");
    let m = |v: &common::Value| v["error"]["message"].as_str().unwrap_or("").to_string();
    (s_id, code, field, m(&v_id), m(&v_en))
}

fn every_error_code_speaks_both_languages(db: &TestDb) {
    add_user(db, "kpu.mojokerto", "kpu", "35.76", "operator", PW);
    add_user(db, "polres.mojokerto", "polri", "35.76", "operator", PW);
    // No public submission allowed at all: the first one is already over the limit.
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", "2024-11-13T09:00:00+07:00"), ("SINERGI_INTAKE_LIMIT", "0")]);
    let kpu = app.login("kpu.mojokerto", PW);
    let polres = app.login("polres.mojokerto", PW);
    for (election, code) in [("pilkada-2024", "35.76.02.1008.001"), ("pemilu-2024", "35.76.02.1008.001")] {
        let (s, v) = app.post(&format!("/api/v1/elections/{election}/tps"), Some(&kpu), &json!({"code": code, "address": "Jl. Empunala", "dpt": 250}));
        assert_eq!(s, 201, "{v}");
    }
    let (s, v) = app.post(&format!("{E}/receipts"), Some(&kpu), &json!({"region": "35.76", "item": "tinta", "qty": 5}));
    assert_eq!(s, 201, "{v}");
    let (s, shipment) = app.post(&format!("{E}/shipments"), Some(&kpu), &json!({"from": "35.76", "to": "35.76.02", "items": [{"item": "tinta", "qty": 1}]}));
    assert_eq!(s, 201, "{shipment}");
    let sid = shipment["id"].as_i64().expect("id");

    let big = vec![b' '; 41 * 1024 * 1024];
    let bad_sums = json!({
        "source": "saksi",
        "voters": {"dpt": {"l": 100, "p": 100, "total": 200}, "dptb": {"l": 0, "p": 0}, "dpk": {"l": 0, "p": 0}},
        "users": {"dpt": {"l": 5, "p": 5, "total": 10}, "dptb": {"l": 0, "p": 0, "total": 0}, "dpk": {"l": 0, "p": 0, "total": 0}, "jumlah": {"l": 5, "p": 5, "total": 10}},
        "disabled": {"voters": 0, "users": 0},
        "ballots": {"received": 210, "used": 10, "spoiled": 0, "unused": 200},
        "votes": {"01": 7, "02": 1, "03": 1},
        "valid": 10,
        "invalid": 0,
    })
    .to_string();
    let cases: Vec<(&str, String, Option<&str>, Option<Vec<u8>>, u16, &str)> = vec![
        ("GET", "/api/v1/regions?limit=0".into(), None, None, 422, "validation_failed"),
        ("POST", "/api/v1/elections/pilkada-2024/tps".into(), Some(&kpu), Some(br#"{"code": "35.76.02.1008.002", "address": "A", "dpt": "banyak"}"#.to_vec()), 422, "validation_failed"),
        ("POST", "/api/v1/elections/pilkada-2024/tps".into(), Some(&kpu), Some(br#"{"code": "35.76.02.1008.002", "address": "A", "dpt": 900}"#.to_vec()), 422, "validation_failed"),
        ("POST", format!("{E}/receipts"), Some(&kpu), Some(br#"{"region": "35.76.02", "item": "tinta", "qty": 5}"#.to_vec()), 422, "validation_failed"),
        ("POST", "/api/v1/auth/login".into(), None, Some(b"{\"username\": ".to_vec()), 400, "bad_request"),
        ("GET", "/api/v1/me".into(), None, None, 401, "unauthorized"),
        ("GET", "/api/v1/audit".into(), Some(&kpu), None, 403, "forbidden"),
        ("POST", format!("{E}/receipts"), Some(&polres), Some(br#"{"region": "35.76", "item": "tinta", "qty": 5}"#.to_vec()), 403, "forbidden"),
        ("GET", "/api/v1/regions/35.99".into(), None, None, 404, "not_found"),
        ("GET", "/api/v1/tidak-ada".into(), None, None, 404, "not_found"),
        ("POST", format!("{E}/shipments/{sid}/sign"), Some(&kpu), Some(br#"{"as": "receiver"}"#.to_vec()), 409, "conflict"),
        ("POST", "/api/v1/reports".into(), None, Some(b"{}".to_vec()), 429, "too_many_requests"),
        ("PUT", "/api/v1/elections/pilkada-2024/results/35.76.02.1008.001/walikota".into(), None, Some(big), 413, "payload_too_large"),
        ("PUT", "/api/v1/elections/pemilu-2024/results/35.76.02.1008.001/presiden".into(), Some(&kpu), Some(bad_sums.into_bytes()), 422, "rejected"),
    ];
    let mut codes = std::collections::BTreeSet::new();
    for (method, path, token, body, status, code) in &cases {
        let (s, c, field, id, en) = both(&app, method, path, *token, body.as_deref());
        assert_eq!((s, c.as_str()), (*status, *code), "{method} {path}: {id}");
        assert!(!id.is_empty() && !en.is_empty(), "{method} {path}: a message in both languages");
        assert_ne!(id, en, "{method} {path}: the Indonesian and English messages are the same: {id:?}");
        assert!(english_words(&id).is_empty(), "{method} {path}: English words {:?} in the Indonesian message {id:?}", english_words(&id));
        if let Some(f) = field {
            assert!(id.contains(&f) || en.contains(&f) || code == &"validation_failed", "{f}");
        }
        codes.insert(c);
    }
    // Every code an answer can carry but `internal`, which no request should be able to cause.
    let all = ["validation_failed", "rejected", "bad_request", "unauthorized", "forbidden", "not_found", "conflict", "too_many_requests", "payload_too_large"];
    assert_eq!(codes, all.iter().map(|c| c.to_string()).collect(), "each error code provoked");

    // Words a user reads: the malformed number names its field and what it must be.
    let (_, _, _, id, en) = both(&app, "POST", "/api/v1/elections/pilkada-2024/tps", Some(&kpu), Some(br#"{"code": "35.76.02.1008.002", "address": "A", "dpt": "banyak"}"#));
    assert_eq!((id.as_str(), en.as_str()), ("dpt harus berupa bilangan bulat", "dpt must be a whole number"));
    // The authorisation refusal names the agency allowed and the caller's unit.
    let (_, _, _, id, en) = both(&app, "POST", &format!("{E}/receipts"), Some(&polres), Some(br#"{"region": "35.76", "item": "tinta", "qty": 5}"#));
    assert!(id.starts_with("hanya KPU yang boleh mengelola logistik") && id.contains("Polres"), "{id}");
    assert!(en.starts_with("only KPU may manage logistics"), "{en}");
    // A client asking for no language in particular is answered in Bahasa Indonesia.
    let (_, v) = app.get("/api/v1/regions/35.99", None);
    assert_eq!(v["error"]["message"], "wilayah 35.99 tidak ada");
}

fn cookie(app: &TestApp, username: &str) -> String {
    format!("sinergi_session={}", app.login(username, "sinergi-demo"))
}

/// The text of every element the page marks as an error.
fn error_texts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["class=\"error\"", "class=\"error form-error\"", "class=\"field-error\"", "id=\"form-error\""] {
        let mut rest = html;
        while let Some(at) = rest.find(marker) {
            let after = &rest[at..];
            let start = after.find('>').map_or(0, |i| i + 1);
            let end = after.find("</").unwrap_or(after.len());
            if start < end {
                out.push(after[start..end].to_string());
            }
            rest = &after[marker.len()..];
        }
    }
    out
}

#[test]
fn refused_pages_speak_no_english_to_an_indonesian_reader() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-25T10:00:00+07:00")]);
    let kpu = cookie(&app, "kpu.kotamojokerto");
    let polres = cookie(&app, "polres.kotamojokerto");
    let mut pages: Vec<(String, u16, String)> = Vec::new();
    for (path, who) in [
        ("/wilayah/abc", None),
        ("/wilayah/99.99", None),
        ("/halaman-yang-tidak-ada", None),
        ("/logistik/pengiriman/99999?pemilu=pilkada-2024", Some(&kpu)),
        ("/pengamanan?pemilu=pilkada-2024&wilayah=35", Some(&polres)),
    ] {
        let (s, _, html) = app.get_text(path, who.map(String::as_str));
        pages.push((path.to_string(), s, html));
    }
    for (path, who, form) in [
        ("/logistik/pengiriman/3/tandatangan?pemilu=pilkada-2024", &kpu, vec![("as", "supervisor")]),
        ("/logistik/pengiriman/3/tandatangan?pemilu=pilkada-2024", &polres, vec![("as", "escort")]),
        ("/peringatan/999999/baca", &kpu, vec![]),
        ("/masuk", &String::new(), vec![("username", "kpu.kotamojokerto"), ("password", "salah-sekali"), ("next", "/wilayah")]),
    ] {
        let (s, html, _) = app.post_form(path, who, &form);
        pages.push((path.to_string(), s, html));
    }
    for (path, status, html) in &pages {
        assert!(*status >= 400, "{path} is refused: {status}");
        assert!(html.contains("<html lang=\"id\">"), "{path}");
        let errors = error_texts(html);
        assert!(!errors.is_empty(), "{path}: the refusal is shown");
        for e in &errors {
            assert!(english_words(e).is_empty(), "{path}: English {:?} in {e:?}", english_words(e));
        }
    }
    let text = |i: usize| error_texts(&pages[i].2).join(" ");
    assert!(text(0).contains("bukan kode wilayah"), "{}", text(0));
    assert!(text(5).contains("hanya Bawaslu yang boleh"), "the refusal names who may sign: {}", text(5));
    assert!(text(6).contains("sudah menandatangani"), "{}", text(6));
    // The same refusal in English for a reader who switched.
    let (_, _, en) = app.get_text("/wilayah/abc", Some("lang=en"));
    assert!(error_texts(&en).join(" ").contains("is not a region code"), "{en}");
}

/// A query parameter or path parameter that does not parse is refused like any other field:
/// 422 `validation_failed` naming it, in Indonesian by default and English on request; a page
/// shows it on its error page. (axum's own extractors answered 400 in English plain text.)
fn unreadable_parameters_are_refused_in_both_languages(db: &TestDb) {
    add_user(db, "kpu.mojokerto", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let kpu = app.login("kpu.mojokerto", PW);
    for (path, token, field) in [
        ("/api/v1/elections/pilkada-2024/tps?limit=banyak", None, "limit"),
        ("/api/v1/audit?limit=1e3", Some(kpu.as_str()), "limit"),
        ("/api/v1/elections/pilkada-2024/logistics/shipments/satu", Some(kpu.as_str()), "sid"),
        ("/api/v1/reports/abc", Some(kpu.as_str()), "id"),
    ] {
        let (status, code, f, id, en) = both(&app, "GET", path, token, None);
        assert_eq!((status, code.as_str(), f.as_deref()), (422, "validation_failed", Some(field)), "{path}: {id}");
        assert!(id.contains(field) && english_words(&id).is_empty(), "{path}: Indonesian names the parameter: {id:?}");
        assert!(id != en && en.contains(field), "{path}: English on request: {en:?}");
    }
    let (status, ctype, html) = app.get_text("/logistik/pengiriman/satu", Some(&format!("sinergi_session={kpu}")));
    assert_eq!(status, 422);
    assert!(ctype.starts_with("text/html") && html.contains("<html lang=\"id\">"), "a page answers with its error page: {html}");
    let errors = error_texts(&html).join(" ");
    assert!(errors.contains("sid") && english_words(&errors).is_empty(), "{errors}");
}

#[test]
fn dates_times_and_places_read_as_officials_write_them() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-25T10:00:00+07:00")]);
    let kpu = cookie(&app, "kpu.kotamojokerto");
    let (s, _, page) = app.get_text("/logistik/pengiriman/3?pemilu=pilkada-2024", Some(&kpu));
    assert_eq!(s, 200);
    assert!(!page.contains("2024-11-"), "no ISO dates on the page");
    assert!(page.contains(" November 2024 ") && page.contains(" WIB"), "dates as 27 November 2024, times with their zone");
    assert!(page.contains("Kota Mojokerto (35.76)"), "places by name with the code beside");
    let hhmm = page.split(" WIB").filter_map(|p| p.get(p.len().saturating_sub(5)..)).filter(|t| t.as_bytes().get(2) == Some(&b'.')).count();
    assert!(hhmm > 0, "times as 19.00 WIB");

    // Alerts: the short delivery of the demo, by place names, in the reader's language.
    let token = app.login("kpu.kotamojokerto", "sinergi-demo");
    let (_, id) = app.call("GET", "/api/v1/alerts", Some(&token), &[("Accept-Language", "id")], None);
    let (_, en) = app.call("GET", "/api/v1/alerts", Some(&token), &[("Accept-Language", "en")], None);
    let find = |v: &common::Value| {
        v["items"].as_array().and_then(|a| a.iter().find(|x| x["kind"] == "logistik.selisih").cloned()).expect("the short-delivery alert")
    };
    let (a_id, a_en) = (find(&id), find(&en));
    let (m_id, m_en) = (a_id["message"].as_str().unwrap_or(""), a_en["message"].as_str().unwrap_or(""));
    assert!(m_id.starts_with("Pengiriman ") && m_id.contains("Magersari (35.76.02)") && m_id.contains("kurang"), "{m_id}");
    assert!(m_en.starts_with("Shipment ") && m_en.contains("Magersari (35.76.02)") && m_en.contains("short"), "{m_en}");
    assert!(a_id["place"].as_str().is_some_and(|p| p.contains("Magersari")), "{a_id}");
    let (_, _, page) = app.get_text("/peringatan", Some(&kpu));
    assert!(page.contains("Magersari (35.76.02)") && page.contains(" November 2024 ") && !page.contains("T0") && !page.contains("Z<"), "{page}");
    assert!(page.contains("Kritis") || page.contains("Peringatan"), "severity in words");
}

on_both_engines!(every_error_code_speaks_both_languages, unreadable_parameters_are_refused_in_both_languages);
