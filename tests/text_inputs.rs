//! Hostile text in every kind of write: NUL and other control characters, text-direction
//! overrides and oversize values are refused with 422 naming the field (in the request's
//! language), nothing is stored, PostgreSQL no longer answers 500, and no page or answer shows
//! the database's own words — on SQLite and on PostgreSQL.

mod common;

use common::{TestApp, TestDb, Value, add_user, error_of, json};

const PW: &str = "rahasia-kuat-1";

/// (what it is, the value) — each must be refused wherever a person types text.
fn hostile() -> Vec<(&'static str, String)> {
    vec![
        ("NUL", "Jl. Empunala\u{0}12".to_string()),
        ("control", "bel\u{7}di sini".to_string()),
        ("escape", "\u{1b}[31mmerah".to_string()),
        ("bidi override", "faktur\u{202E}fdp.exe".to_string()),
        ("bidi isolate", "nama\u{2066}tersembunyi".to_string()),
        // Above every cap (the longest, minutes, is 50,000 characters).
        ("oversize", "x".repeat(60_001)),
    ]
}

fn set(body: &Value, path: &[&str], value: &str) -> Value {
    let mut b = body.clone();
    let mut at = &mut b;
    for (i, key) in path.iter().enumerate() {
        let idx: Option<usize> = key.parse().ok();
        if i + 1 == path.len() {
            match idx {
                Some(n) => at[n] = json!(value),
                None => at[*key] = json!(value),
            }
        } else {
            at = match idx {
                Some(n) => &mut at[n],
                None => &mut at[*key],
            };
        }
    }
    b
}

fn hostile_text_is_refused_naming_the_field(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "kpu.jatim", "kpu", "35", "supervisor", PW);
    add_user(db, "kpu.ri", "kpu", "ID", "admin", PW);
    // Public intake is rate-limited per client; this test sends some thirty refused reports.
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_INTAKE_LIMIT", "1000")]);
    let kpu = app.login("kpu.mjk", PW);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let jatim = app.login("kpu.jatim", PW);
    let ri = app.login("kpu.ri", PW);
    // A TPS to map (its own address is tried below on another code).
    let (s, v) = app.post("/api/v1/elections/pilkada-2024/tps", Some(&kpu), &json!({"code": "35.76.02.1008.001", "address": "Balai RW 01", "dpt": 250}));
    assert_eq!(s, 201, "{v}");

    let now = time::OffsetDateTime::now_utc();
    let rfc = |h: i64| (now - time::Duration::hours(h)).format(&time::format_description::well_known::Rfc3339).expect("time");
    let report = json!({
        "election": "pilkada-2024", "region": "35.76.02.1008",
        "reporter": {"name": "Siti", "address": "Jl. Empunala 12", "contact": "0812"},
        "reported": "Tim sukses", "event_at": rfc(30), "known_at": rfc(26), "place": "Dekat TPS 001",
        "description": "Pembagian uang", "witnesses": ["Budi", "Wati"],
    });
    let meeting = json!({
        "title": "Rakor", "kind": "rakor", "region": "35.76", "host_unit": "KPU Kota Mojokerto",
        "starts_at": "2024-10-14T09:00:00+07:00", "place": "Aula KPU", "agenda": "Pengamanan TPS"
    });
    let line = json!({"program": "Pengawasan", "activity": "Patroli", "region": "35.76", "unit": "Bawaslu Kota Mojokerto", "amount": 1000, "stage": "kampanye"});
    type Case<'a> = (&'a str, &'a str, &'a str, Value, &'a [&'a str]);
    let cases: Vec<Case<'_>> = vec![
        ("POST", "/api/v1/elections/pilkada-2024/tps", &kpu, json!({"code": "35.76.02.1008.002", "address": "TPS", "dpt": 250}), &["address"]),
        ("POST", "/api/v1/reports", "", report.clone(), &["description"]),
        ("POST", "/api/v1/reports", "", report.clone(), &["reporter", "name"]),
        ("POST", "/api/v1/reports", "", report.clone(), &["witnesses", "1"]),
        ("POST", "/api/v1/meetings", &kpu, meeting.clone(), &["title"]),
        ("POST", "/api/v1/meetings", &kpu, meeting.clone(), &["agenda"]),
        ("POST", "/api/v1/budget/lines", &bawaslu, line.clone(), &["program"]),
        ("PUT", "/api/v1/elections/pilkada-2024/logistics/items/tinta", &ri, json!({"name": "Tinta"}), &["name"]),
        ("PUT", "/api/v1/elections/pilkada-2024/vulnerability/tps/35.76.02.1008.001", &bawaslu, json!({"indicators": [], "note": "catatan"}), &["note"]),
        ("PUT", "/api/v1/elections/pilkada-2024/candidates/35/gubernur", &jatim, json!({"candidates": [{"number": 1, "name": "Pasangan Satu"}]}), &["candidates", "0", "name"]),
    ];
    let audit = db.scalar("SELECT COUNT(*) FROM audit_log");
    let stored = |db: &TestDb| {
        ["SELECT COUNT(*) FROM tps", "SELECT COUNT(*) FROM reports", "SELECT COUNT(*) FROM meetings", "SELECT COUNT(*) FROM budget_lines", "SELECT COUNT(*) FROM candidates"]
            .map(|q| db.scalar(q))
    };
    let before = stored(db);
    for (method, path, token, body, field_path) in &cases {
        let token = (!token.is_empty()).then_some(*token);
        let field = field_path.iter().fold(String::new(), |acc, k| match k.parse::<usize>() {
            Ok(n) => format!("{acc}[{n}]"),
            Err(_) if acc.is_empty() => k.to_string(),
            Err(_) => format!("{acc}.{k}"),
        });
        for (what, value) in hostile() {
            let bad = set(body, field_path, &value);
            let (s, v) = if *method == "PUT" { app.put(path, token, &bad) } else { app.post(path, token, &bad) };
            assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(field.as_str())), "{what} in {field} of {method} {path}: {v}");
        }
    }
    assert_eq!(stored(db), before, "nothing stored");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log"), audit, "nothing audited");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM tps_vulnerability"), 0);

    // The message names the field and why, in the request's language.
    let bad = set(&report, &["place"], "a\u{0}b");
    let (s, v, _) = app.post_raw("/api/v1/reports", None, &[], &bad.to_string());
    assert_eq!(s, 422);
    let msg = v["error"]["message"].as_str().unwrap_or("").to_string();
    assert!(msg.contains("place") && msg.contains("karakter kendali"), "{msg}");
    let (_, v, _) = app.post_raw("/api/v1/reports", None, &[("Accept-Language", "en")], &bad.to_string());
    let msg = v["error"]["message"].as_str().unwrap_or("").to_string();
    assert!(msg.contains("place") && msg.contains("control characters"), "{msg}");
    let (_, v, _) = app.post_raw("/api/v1/reports", None, &[], &set(&report, &["place"], &"y".repeat(501)).to_string());
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("paling banyak 500 karakter")), "{v}");

    // Line breaks are text in a description, not in a one-line field.
    let (s, v) = app.post("/api/v1/reports", None, &set(&report, &["place"], "baris satu\nbaris dua"));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("place")), "{v}");
    let (s, v) = app.post("/api/v1/reports", None, &set(&report, &["description"], "Baris satu.\r\n\tBaris dua."));
    assert_eq!(s, 201, "{v}");
}

fn error_pages_show_no_internals(db: &TestDb) {
    let app = TestApp::spawn(db);
    assert_eq!(app.get_text("/wilayah/35.76?pemilu=pilkada-2024", None).0, 200);
    // The database loses a table under the running server (a failed migration, a mistaken
    // hand edit): pages and answers say "internal error", never the engine's words.
    db.tamper("DROP TABLE tps_stats");
    let leaks = ["tps_stats", "no such table", "relation", "sqlite", "postgres", "SELECT", "database:"];
    let (s, _, page) = app.get_text("/wilayah/35.76?pemilu=pilkada-2024", None);
    assert_eq!(s, 500, "{page}");
    assert!(page.contains("kejadian ini sudah dicatat"), "says it was logged: {page}");
    for leak in leaks {
        assert!(!page.contains(leak), "the page shows {leak:?}: {page}");
    }
    let (s, v) = app.get("/api/v1/regions/35.76", None);
    assert_eq!(s, 500, "{v}");
    for leak in leaks {
        assert!(!v.to_string().contains(leak), "the answer shows {leak:?}: {v}");
    }
}

on_both_engines!(hostile_text_is_refused_naming_the_field, error_pages_show_no_internals);
