//! Public reads for millions (issue 16): the public results answers carry an ETag and a
//! Cache-Control that fits them, answer 304 to a reader who has them, are kept in memory for
//! the public while nothing changes, and are answered anew as soon as a write lands, on this
//! server or (PostgreSQL) on another one. On SQLite and on PostgreSQL, through real servers.

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, TestDb, add_user, presiden_form};
use serde_json::Value;

const PW: &str = "rahasia-123";
const SUMMARY: &str = "/api/v1/elections/pemilu-2024/results/summary?contest=presiden&region=35.76";
const PAGE: &str = "/hasil?pemilu=pemilu-2024&kontes=presiden&wilayah=35.76";

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn read(app: &TestApp, path: &str, etag: Option<&str>) -> (u16, String, Option<String>, Option<String>) {
    let headers: Vec<(&str, &str)> = etag.map(|e| ("If-None-Match", e)).into_iter().collect();
    let (s, body, h) = app.call_text("GET", path, None, &headers, None);
    (s, body, header(&h, "etag").map(str::to_string), header(&h, "cache-control").map(str::to_string))
}

fn field(body: &str, name: &str) -> i64 {
    serde_json::from_str::<Value>(body).ok().and_then(|v| v[name].as_i64()).unwrap_or(-1)
}

fn public_answers_are_kept_revalidated_and_answered_anew_after_a_write(db: &TestDb) {
    common::import_tps(db, "pemilu-2024", &[("35.76.02.1008.001", 250), ("35.76.02.1008.002", 250)]);
    add_user(db, "kpps.a", "kpu", "35.76.02", "operator", PW);
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    let a = TestApp::spawn(db);
    let b = matches!(db, TestDb::Postgres { .. }).then(|| TestApp::spawn(db));
    let count = |app: &TestApp, tps: &str| {
        for user in ["kpps.a", "kpps.b"] {
            let (s, v) = app.put(&format!("/api/v1/elections/pemilu-2024/results/{tps}/presiden"), Some(&app.login(user, PW)), &presiden_form("kpu", [100, 80, 20], 3));
            assert_eq!(s, 200, "{v}");
        }
    };

    for path in [SUMMARY, PAGE] {
        // Public, fresh for a few seconds, with a validator; the reader who has it gets 304.
        let (s, body, etag, cache) = read(&a, path, None);
        assert_eq!((s, cache.as_deref()), (200, Some("public, max-age=5")), "{path}");
        let etag = etag.unwrap_or_else(|| panic!("{path}: no ETag"));
        let (s, again, same, _) = read(&a, path, Some(&etag));
        assert_eq!((s, again.as_str(), same.as_deref()), (304, "", Some(etag.as_str())), "{path}");
        assert!(!body.is_empty());
    }

    // An official's answer is theirs: private, no shared copy, no validator.
    let token = a.login("kpps.a", PW);
    let (_, _, h) = a.call_text("GET", SUMMARY, Some(&token), &[], None);
    assert_eq!((header(&h, "cache-control"), header(&h, "etag")), (Some("private, no-cache"), None));

    // A write on this server: the very next public read is the new answer (200, a new ETag).
    let (_, before, etag, _) = read(&a, SUMMARY, None);
    assert_eq!(field(&before, "tps_in"), 0);
    count(&a, "35.76.02.1008.001");
    let (s, after, new_etag, _) = read(&a, SUMMARY, etag.as_deref());
    assert_eq!((s, field(&after, "tps_in")), (200, 1), "{after}");
    assert_ne!(new_etag, etag);

    // Kept in memory while nothing is written: a change made behind the service's back (no
    // commit of its own) shows only once the answer's few seconds are over.
    let (_, kept, _, _) = read(&a, SUMMARY, None);
    db.tamper("UPDATE result_totals SET anomalies = 7 WHERE region_code = '35.76'");
    assert_eq!(field(&read(&a, SUMMARY, None).1, "anomalies"), field(&kept, "anomalies"), "answered from memory");
    let started = Instant::now();
    while field(&read(&a, SUMMARY, None).1, "anomalies") != 7 {
        assert!(started.elapsed() < Duration::from_secs(10), "the kept answer outlived its max-age");
        std::thread::sleep(Duration::from_millis(200));
    }

    // PostgreSQL: a write on another server renews this server's public answer at once (the
    // other server's commit is heard, not waited out).
    if let Some(b) = &b {
        let (_, before, etag, _) = read(b, SUMMARY, None);
        assert_eq!(field(&before, "tps_in"), 1);
        count(&a, "35.76.02.1008.002");
        let started = Instant::now();
        loop {
            let (s, body, _, _) = read(b, SUMMARY, etag.as_deref());
            if s == 200 && field(&body, "tps_in") == 2 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(2), "the other server still answers {s} {body}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A download of the national open data as a browser makes it (gzip taken): (status, the CSV,
/// headers).
fn download(app: &TestApp, etag: Option<&str>) -> (u16, String, Vec<(String, String)>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_idle_connections(0).build().into();
    let mut req = agent.get(&app.url("/api/v1/elections/pemilu-2024/results/export")).header("Accept-Encoding", "gzip");
    if let Some(e) = etag {
        req = req.header("If-None-Match", e);
    }
    let mut resp = req.call().expect("GET");
    let headers: Vec<(String, String)> = resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let raw = resp.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap_or_default();
    let text = if header(&headers, "content-encoding") == Some("gzip") {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut out).expect("gunzip");
        out
    } else {
        String::from_utf8_lossy(&raw).to_string()
    };
    (resp.status().as_u16(), text, headers)
}

fn the_national_open_data_is_made_ahead_and_kept_up(db: &TestDb) {
    common::import_tps(db, "pemilu-2024", &[("35.76.02.1008.001", 250), ("35.76.02.1008.002", 250)]);
    add_user(db, "kpps.a", "kpu", "35.76.02", "operator", PW);
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_EXPORT_SECS", "1")]);
    let wait = |what: &str, f: &mut dyn FnMut() -> bool| {
        let started = Instant::now();
        while !f() {
            assert!(started.elapsed() < Duration::from_secs(10), "{what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // Once made, the file is what downloads get: gzipped ahead, with its validator and time.
    let mut first = (0, String::new(), vec![]);
    wait("a snapshot of the national export", &mut || {
        first = download(&app, None);
        header(&first.2, "x-snapshot-at").is_some()
    });
    let (s, csv, h) = &first;
    assert_eq!((*s, header(h, "content-encoding"), header(h, "cache-control")), (200, Some("gzip"), Some("public, max-age=1")));
    assert!(csv.starts_with('\u{feff}') && csv.contains("kode_tps;") && !csv.contains("35.76.02.1008.001"), "as Excel reads it, nothing counted yet: {csv:.300}");
    let etag = header(h, "etag").expect("etag").to_string();
    assert_eq!(download(&app, Some(&etag)).0, 304);
    // A result counted: the next snapshot (within a second or two) has it, under a new ETag.
    for user in ["kpps.a", "kpps.b"] {
        let (s, v) = app.put("/api/v1/elections/pemilu-2024/results/35.76.02.1008.001/presiden", Some(&app.login(user, PW)), &presiden_form("kpu", [100, 80, 20], 3));
        assert_eq!(s, 200, "{v}");
    }
    let before = csv.clone();
    wait("the snapshot to take the new result", &mut || {
        let (s, csv, h) = download(&app, Some(&etag));
        s == 200 && csv != before && csv.contains("35.76.02.1008.001") && header(&h, "etag") != Some(etag.as_str())
    });
    // A region's export is still made for its reader.
    let (s, _, h) = app.call_text("GET", "/api/v1/elections/pemilu-2024/results/export?region=35.76", None, &[], None);
    assert_eq!((s, header(&h, "x-snapshot-at")), (200, None));
}

on_both_engines!(public_answers_are_kept_revalidated_and_answered_anew_after_a_write, the_national_open_data_is_made_ahead_and_kept_up);
