//! The registry through the real server: regions, elections and TPS, login and scope,
//! idempotent writes, the audit API and the OpenAPI document — on SQLite and PostgreSQL.

mod common;

use common::{TestApp, TestDb, add_user, error_of, json};

const PW: &str = "rahasia-kuat-1";

fn regions_and_time_zones(db: &TestDb) {
    let app = TestApp::spawn(db);
    let (s, body) = app.get("/healthz", None);
    assert_eq!((s, body), (200, json!({"status": "ok"})));

    let (s, body) = app.get("/api/v1/regions", None);
    assert_eq!(s, 200);
    let provinces = body["items"].as_array().expect("items");
    assert_eq!(provinces.len(), 38);
    let tz = |code: &str| {
        provinces.iter().find(|p| p["code"] == code).map(|p| p["timezone"].as_str().unwrap_or("").to_string()).unwrap_or_default()
    };
    for (code, want) in [("35", "WIB"), ("61", "WIB"), ("62", "WIB"), ("63", "WITA"), ("64", "WITA"), ("65", "WITA"), ("51", "WITA"), ("73", "WITA"), ("81", "WIT"), ("82", "WIT")] {
        assert_eq!(tz(code), want, "province {code}");
    }
    for papua in ["91", "92", "93", "94", "95", "96"] {
        assert_eq!(tz(papua), "WIT", "Papua province {papua}");
    }

    let (s, v) = app.get("/api/v1/regions/35.76.02.1008", None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["name"], "Balongsari");
    assert_eq!(v["level"], "village");
    assert_eq!(v["parent"], "35.76.02");
    assert_eq!(v["timezone"], "WIB");
    let path: Vec<&str> = v["path"].as_array().expect("path").iter().map(|p| p["name"].as_str().unwrap_or("")).collect();
    assert_eq!(path, ["Jawa Timur", "Kota Mojokerto", "Magersari", "Balongsari"]);

    let (_, papua) = app.get("/api/v1/regions/91.03", None);
    assert_eq!((papua["timezone"].as_str(), papua["utc_offset"].as_str()), (Some("WIT"), Some("+09:00")));

    let (s, jatim) = app.get("/api/v1/regions/35", None);
    assert_eq!(s, 200);
    assert_eq!(jatim["level"], "province");
    assert_eq!(jatim["parent"], serde_json::Value::Null);
    assert_eq!(jatim["children_count"], 38, "Jawa Timur has 38 regencies and cities");

    let (s, kids) = app.get("/api/v1/regions/35.76/children", None);
    assert_eq!(s, 200);
    let names: Vec<&str> = kids["items"].as_array().expect("items").iter().map(|k| k["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["Prajuritkulon", "Magersari", "Kranggan"]);
    assert!(kids["items"].as_array().expect("items").iter().all(|k| k["level"] == "district"));

    // Seven villages answer to Balongsari (six so named, and Cibalongsari), told apart by
    // their paths; exact names come first.
    let (s, hits) = app.get("/api/v1/regions?q=BALONGSARI", None);
    assert_eq!(s, 200);
    let exact: Vec<&serde_json::Value> = hits["items"].as_array().expect("items").iter().collect();
    assert_eq!(exact.len(), 7);
    assert!(exact[..6].iter().all(|h| h["name"] == "Balongsari"));
    assert_eq!(exact[6]["name"], "Cibalongsari");
    let mut paths: Vec<&str> = exact.iter().map(|h| h["path_text"].as_str().unwrap_or("")).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 7, "every Balongsari has its own path");
    assert!(paths.contains(&"Jawa Timur › Kota Mojokerto › Magersari › Balongsari"));

    let (s, e) = app.get("/api/v1/regions/35.99", None);
    assert_eq!(s, 404);
    assert_eq!(error_of(&e).0, "not_found");
    let (s, e) = app.get("/api/v1/regions/35.7", None);
    assert_eq!(s, 422);
    assert_eq!(error_of(&e), ("validation_failed".into(), Some("code".into())));
    let (s, e) = app.get("/api/v1/nothing-here", None);
    assert_eq!(s, 404);
    assert_eq!(error_of(&e).0, "not_found");
}

fn elections_and_contests(db: &TestDb) {
    add_user(db, "kpu.ri", "kpu", "ID", "admin", PW);
    let app = TestApp::spawn(db);
    let (s, v) = app.get("/api/v1/elections", None);
    assert_eq!(s, 200);
    let ids: Vec<&str> = v["items"].as_array().expect("items").iter().map(|e| e["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, ["pemilu-2024", "pilkada-2024"]);
    assert_eq!(v["items"][0]["voting_day"], "2024-02-14");
    assert_eq!(v["items"][0]["max_voters_per_tps"], 300);
    assert_eq!(v["items"][1]["voting_day"], "2024-11-27");
    assert_eq!(v["items"][1]["max_voters_per_tps"], 600);

    let token = app.login("kpu.ri", PW);
    let contests = |election: &str, code: &str| -> Vec<String> {
        let (s, v) = app.post(
            &format!("/api/v1/elections/{election}/tps"),
            Some(&token),
            &json!({"code": code, "address": "Balai Warga", "dpt": 250}),
        );
        assert!(s == 201 || s == 200, "{v}");
        let (s, v) = app.get(&format!("/api/v1/elections/{election}/tps/{code}"), None);
        assert_eq!(s, 200, "{v}");
        v["contests"].as_array().expect("contests").iter().map(|c| c["key"].as_str().unwrap_or("").to_string()).collect()
    };
    assert_eq!(contests("pilkada-2024", "35.76.02.1008.001"), ["gubernur", "walikota"]);
    assert_eq!(contests("pilkada-2024", "35.17.01.2001.001"), ["gubernur", "bupati"]);
    assert_eq!(contests("pilkada-2024", "34.71.01.1001.001"), ["walikota"], "no governor contest in DI Yogyakarta");
    assert_eq!(contests("pilkada-2024", "31.71.01.1001.001"), ["gubernur"], "no mayor contest in Jakarta's cities");
    assert_eq!(contests("pemilu-2024", "31.71.01.1001.001"), ["presiden", "dpr", "dpd", "dprd_provinsi"], "no DPRD kab/kota in DKI");
    assert_eq!(contests("pemilu-2024", "35.76.02.1008.001"), ["presiden", "dpr", "dpd", "dprd_provinsi", "dprd_kabkota"]);

    // The two elections keep separate TPS.
    let (_, p) = app.get("/api/v1/regions/35.76.02.1008", None);
    assert_eq!(p["tps_count"]["pilkada-2024"], 1);
    assert_eq!(p["tps_count"]["pemilu-2024"], 1);
    let (s, e) = app.get("/api/v1/elections/pilpres-2029/tps", None);
    assert_eq!(s, 404);
    assert_eq!(error_of(&e).0, "not_found");
}

fn tps_writes_check_input_login_role_and_scope(db: &TestDb) {
    add_user(db, "kpu.jombang", "kpu", "35.17", "operator", PW);
    add_user(db, "viewer.jombang", "kpu", "35.17", "viewer", PW);
    add_user(db, "polres.jombang", "polri", "35.17", "admin", PW);
    let app = TestApp::spawn(db);
    let kpu = app.login("kpu.jombang", PW);
    let path = "/api/v1/elections/pilkada-2024/tps";
    let tps = json!({"code": "35.17.01.2001.001", "address": "Balai Desa, Jl. Raya 1", "dpt": 480, "lat": -7.62, "lon": 112.2});

    let (s, e) = app.post(path, None, &tps);
    assert_eq!(s, 401);
    assert_eq!(error_of(&e).0, "unauthorized");
    let (s, e) = app.post(path, Some("not-a-token"), &tps);
    assert_eq!(s, 401, "{e}");

    let (s, v) = app.post(path, Some(&kpu), &tps);
    assert_eq!(s, 201, "{v}");
    assert_eq!((v["code"].as_str(), v["dpt"].as_i64(), v["number"].as_i64()), (Some("35.17.01.2001.001"), Some(480), Some(1)));
    let mut changed = tps.clone();
    changed["dpt"] = json!(500);
    let (s, v) = app.post(path, Some(&kpu), &changed);
    assert_eq!(s, 200, "an existing TPS is updated: {v}");
    let (_, got) = app.get("/api/v1/elections/pilkada-2024/tps/35.17.01.2001.001", None);
    assert_eq!(got["dpt"], 500);
    let (_, village) = app.get("/api/v1/regions/35.17.01.2001", None);
    assert_eq!((village["tps_count"]["pilkada-2024"].as_i64(), village["dpt_total"]["pilkada-2024"].as_i64()), (Some(1), Some(500)));
    let (_, regency) = app.get("/api/v1/regions/35.17", None);
    assert_eq!(regency["dpt_total"]["pilkada-2024"], 500, "the regency's totals follow the update");

    let refusals = [
        (json!({"code": "35.17.01.2001.1", "address": "x", "dpt": 1}), 422, "code"),
        (json!({"code": "35.17.01.2999.001", "address": "x", "dpt": 1}), 422, "code"),
        (json!({"code": "35.17.01.2001.002", "address": "x", "dpt": -1}), 422, "dpt"),
        (json!({"code": "35.17.01.2001.002", "address": "x", "dpt": 601}), 422, "dpt"),
        (json!({"code": "35.17.01.2001.002", "address": "x", "dpt": 10, "lat": 95.0, "lon": 112.0}), 422, "lat"),
        (json!({"code": "35.17.01.2001.002", "address": "x", "dpt": 10, "lat": -7.0, "lon": 181.0}), 422, "lon"),
        (json!({"code": "35.17.01.2001.002", "address": "  ", "dpt": 10}), 422, "address"),
        (json!({"code": "35.17.01.2001.002", "address": "x"}), 422, "dpt"),
        (json!({"code": "35.17.01.2001.002", "address": "x", "dpt": "banyak"}), 422, "dpt"),
    ];
    for (body, status, field) in refusals {
        let (s, e) = app.post(path, Some(&kpu), &body);
        assert_eq!(s, status, "{body} → {e}");
        assert_eq!(error_of(&e), ("validation_failed".to_string(), Some(field.to_string())), "{body}");
    }
    let (s, e, _) = app.post_raw(path, Some(&kpu), &[], "{\"code\": \"35.17");
    assert_eq!(s, 400, "{e}");
    assert_eq!(error_of(&e).0, "bad_request");

    // Outside the scope, wrong agency, too small a role.
    let (s, e) = app.post(path, Some(&kpu), &json!({"code": "35.76.02.1008.001", "address": "x", "dpt": 10}));
    assert_eq!(s, 403, "Kota Mojokerto is outside KPU Jombang: {e}");
    assert_eq!(error_of(&e).0, "forbidden");
    let message = e["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("Balongsari") && message.contains("di luar wilayah kerja"), "the place by name, not only its code: {message}");
    let polres = app.login("polres.jombang", PW);
    let (s, _) = app.post(path, Some(&polres), &json!({"code": "35.17.01.2001.003", "address": "x", "dpt": 10}));
    assert_eq!(s, 403, "only KPU keeps the TPS registry");
    let viewer = app.login("viewer.jombang", PW);
    let (s, _) = app.post(path, Some(&viewer), &json!({"code": "35.17.01.2001.003", "address": "x", "dpt": 10}));
    assert_eq!(s, 403, "a viewer cannot write");

    // Nothing refused was stored.
    assert_eq!(db.scalar("SELECT COUNT(*) FROM tps"), 1);
    let (s, e) = app.get("/api/v1/elections/pilkada-2024/tps/35.17.01.2001.003", None);
    assert_eq!((s, error_of(&e).0.as_str()), (404, "not_found"));
}

fn tps_lists_paginate_and_filter(db: &TestDb) {
    add_user(db, "kpu.jatim", "kpu", "35", "operator", PW);
    let app = TestApp::spawn(db);
    let token = app.login("kpu.jatim", PW);
    let codes = [
        "35.17.01.2001.001", "35.17.01.2001.002", "35.17.01.2002.001", "35.17.02.2001.001", "35.17.02.2001.002",
        "35.76.02.1008.001", "35.76.02.1008.002",
    ];
    for c in codes {
        let (s, v) = app.post("/api/v1/elections/pemilu-2024/tps", Some(&token), &json!({"code": c, "address": "TPS", "dpt": 200}));
        assert_eq!(s, 201, "{v}");
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let q = match &after {
            Some(a) => format!("/api/v1/elections/pemilu-2024/tps?region=35.17&limit=2&after={a}"),
            None => "/api/v1/elections/pemilu-2024/tps?region=35.17&limit=2".to_string(),
        };
        let (s, v) = app.get(&q, None);
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["total"], 5);
        seen.extend(v["items"].as_array().expect("items").iter().map(|t| t["code"].as_str().unwrap_or("").to_string()));
        match v["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, &codes[..5], "every Jombang TPS once, in order, none from Mojokerto");
    let (_, v) = app.get("/api/v1/elections/pemilu-2024/tps?region=35.17.02", None);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
    let (_, v) = app.get("/api/v1/elections/pemilu-2024/tps", None);
    assert_eq!(v["total"], 7, "the nation");
    let (s, e) = app.get("/api/v1/elections/pemilu-2024/tps?limit=0", None);
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("limit")));
    let (s, _) = app.get("/api/v1/elections/pemilu-2024/tps?region=35.98", None);
    assert_eq!(s, 404);
}

fn retried_writes_are_applied_once(db: &TestDb) {
    add_user(db, "kpu.mojokerto", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let token = app.login("kpu.mojokerto", PW);
    let path = "/api/v1/elections/pilkada-2024/tps";
    let body = json!({"code": "35.76.02.1008.003", "address": "Jl. Empunala", "dpt": 410}).to_string();
    let key = [("Idempotency-Key", "hp-budi-0001")];
    let (s1, v1, _) = app.post_raw(path, Some(&token), &key, &body);
    assert_eq!(s1, 201, "{v1}");
    let audit_after_first = db.scalar("SELECT COUNT(*) FROM audit_log");
    let (s2, v2, h2) = app.post_raw(path, Some(&token), &key, &body);
    assert_eq!((s2, &v2), (201, &v1), "a retry gets the first answer");
    assert!(h2.iter().any(|(k, v)| k == "idempotent-replayed" && v == "true"));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log"), audit_after_first, "the retry wrote nothing");
    let (_, region) = app.get("/api/v1/regions/35.76.02.1008", None);
    assert_eq!(region["dpt_total"]["pilkada-2024"], 410, "counted once");

    let other = json!({"code": "35.76.02.1008.003", "address": "Jl. Empunala", "dpt": 411}).to_string();
    let (s, e, _) = app.post_raw(path, Some(&token), &key, &other);
    assert_eq!(s, 422, "{e}");
    assert_eq!(error_of(&e).1.as_deref(), Some("Idempotency-Key"));
    let (_, got) = app.get("/api/v1/elections/pilkada-2024/tps/35.76.02.1008.003", None);
    assert_eq!(got["dpt"], 410);
}

fn login_me_logout_and_lockout(db: &TestDb) {
    add_user(db, "bawaslu.jombang", "bawaslu", "35.17", "supervisor", PW);
    let app = TestApp::spawn(db);
    let token = app.login("bawaslu.jombang", PW);
    let (s, me) = app.get("/api/v1/me", Some(&token));
    assert_eq!(s, 200);
    assert_eq!(me["username"], "bawaslu.jombang");
    assert_eq!(me["agency"], "bawaslu");
    assert_eq!(me["unit"]["name"], "Bawaslu Kabupaten Jombang");
    assert!(me["unit"]["id"].as_i64().is_some());
    assert_eq!(me["region"], "35.17");
    assert_eq!(me["role"], "supervisor");
    let (s, _) = app.get("/api/v1/me", None);
    assert_eq!(s, 401);

    // A session past its expiry is refused.
    let old = app.login("bawaslu.jombang", PW);
    db.tamper("UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z' WHERE expires_at > '2001'");
    let (s, _) = app.get("/api/v1/me", Some(&old));
    assert_eq!(s, 401, "an expired session no longer works");
    let token = app.login("bawaslu.jombang", PW);

    let (s, _, _) = app.post_raw("/api/v1/auth/logout", Some(&token), &[], "");
    assert_eq!(s, 204);
    let (s, _) = app.get("/api/v1/me", Some(&token));
    assert_eq!(s, 401, "a revoked token no longer works");

    let (s, e) = app.post("/api/v1/auth/login", None, &json!({"username": "bawaslu.jombang", "password": "salah"}));
    assert_eq!((s, error_of(&e).0.as_str()), (401, "unauthorized"));
    assert_eq!(e["error"]["message"], "nama pengguna atau kata sandi salah", "a failed login says so, not 'login first'");
    let (s, _) = app.post("/api/v1/auth/login", None, &json!({"username": "nobody", "password": "salah"}));
    assert_eq!(s, 401);
    let (s, e) = app.post("/api/v1/auth/login", None, &json!({"username": "bawaslu.jombang"}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("password")));
    for _ in 0..4 {
        app.post("/api/v1/auth/login", None, &json!({"username": "bawaslu.jombang", "password": "salah"}));
    }
    let (s, e) = app.post("/api/v1/auth/login", None, &json!({"username": "bawaslu.jombang", "password": PW}));
    assert_eq!(s, 429, "locked after five failures, even with the right password: {e}");
    assert_eq!(error_of(&e).0, "too_many_requests");
}

fn audit_api_is_for_admins_in_scope(db: &TestDb) {
    add_user(db, "admin.ri", "kpu", "ID", "admin", PW);
    add_user(db, "admin.jombang", "kpu", "35.17", "admin", PW);
    add_user(db, "op.jombang", "kpu", "35.17", "operator", PW);
    add_user(db, "op.mojokerto", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let j = app.login("op.jombang", PW);
    let m = app.login("op.mojokerto", PW);
    let (s1, _) = app.post("/api/v1/elections/pemilu-2024/tps", Some(&j), &json!({"code": "35.17.01.2001.001", "address": "A", "dpt": 100}));
    let (s2, _) = app.post("/api/v1/elections/pemilu-2024/tps", Some(&m), &json!({"code": "35.76.01.1003.001", "address": "B", "dpt": 100}));
    assert_eq!((s1, s2), (201, 201));

    let (s, e) = app.get("/api/v1/audit", Some(&j));
    assert_eq!((s, error_of(&e).0.as_str()), (403, "forbidden"));
    let national = app.login("admin.ri", PW);
    let (s, v) = app.get("/api/v1/audit?entity_type=tps", Some(&national));
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["entity_id"], "pemilu-2024/35.76.01.1003.001", "newest first");
    assert_eq!(items[0]["actor"], "op.mojokerto");
    assert_eq!(items[0]["agency"], "kpu");
    assert_eq!(items[0]["action"], "tps.create");
    assert!(items[0]["hash"].as_str().is_some_and(|h| h.len() == 64));
    assert_eq!(items[0]["prev_hash"], items[1]["hash"].clone(), "entry after entry, chained");

    let regional = app.login("admin.jombang", PW);
    let (_, v) = app.get("/api/v1/audit?entity_type=tps", Some(&regional));
    let ids: Vec<&str> = v["items"].as_array().expect("items").iter().map(|e| e["entity_id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, ["pemilu-2024/35.17.01.2001.001"], "a regional admin sees only their region");
    let (_, v) = app.get("/api/v1/audit?entity_type=tps&entity_id=pemilu-2024/35.76.01.1003.001", Some(&national));
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
}

fn openapi_describes_every_endpoint(db: &TestDb) {
    let app = TestApp::spawn(db);
    let (s, doc) = app.get("/api/v1/openapi.json", None);
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for (p, method) in [
        ("/healthz", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/regions", "get"),
        ("/api/v1/regions/{code}", "get"),
        ("/api/v1/regions/{code}/children", "get"),
        ("/api/v1/elections", "get"),
        ("/api/v1/elections/{id}/tps", "get"),
        ("/api/v1/elections/{id}/tps", "post"),
        ("/api/v1/elections/{id}/tps/{code}", "get"),
        ("/api/v1/audit", "get"),
        ("/api/v1/alerts", "get"),
        ("/api/v1/alerts/{id}/ack", "post"),
        ("/api/v1/notifications/subscriptions", "get"),
        ("/api/v1/notifications/subscriptions", "post"),
        ("/api/v1/notifications/subscriptions/{id}", "delete"),
        ("/api/v1/notifications/deliveries", "get"),
        ("/api/v1/elections/{id}/logistics/items", "get"),
        ("/api/v1/elections/{id}/logistics/items/{key}", "put"),
        ("/api/v1/elections/{id}/logistics/requirements", "get"),
        ("/api/v1/elections/{id}/logistics/stock", "get"),
        ("/api/v1/elections/{id}/logistics/receipts", "post"),
        ("/api/v1/elections/{id}/logistics/shipments", "get"),
        ("/api/v1/elections/{id}/logistics/shipments", "post"),
        ("/api/v1/elections/{id}/logistics/shipments/{sid}", "get"),
        ("/api/v1/elections/{id}/logistics/shipments/{sid}/dispatch", "post"),
        ("/api/v1/elections/{id}/logistics/shipments/{sid}/receive", "post"),
        ("/api/v1/elections/{id}/logistics/shipments/{sid}/sign", "post"),
        ("/api/v1/elections/{id}/logistics/shipments/{sid}/berita-acara.pdf", "get"),
        ("/api/v1/elections/{id}/logistics/readiness", "get"),
        ("/api/v1/elections/{id}/vulnerability/indicators", "get"),
        ("/api/v1/elections/{id}/vulnerability/indicators/{key}", "put"),
        ("/api/v1/elections/{id}/vulnerability/tps/{code}", "get"),
        ("/api/v1/elections/{id}/vulnerability/tps/{code}", "put"),
        ("/api/v1/elections/{id}/vulnerability/tps/{code}/grade", "put"),
        ("/api/v1/elections/{id}/vulnerability/summary", "get"),
        ("/api/v1/elections/{id}/vulnerability/rules/{code}", "put"),
        ("/api/v1/elections/{id}/vulnerability/ikp/{code}", "put"),
        ("/api/v1/elections/{id}/vulnerability/ikp/{code}", "get"),
        ("/api/v1/elections/{id}/security/personnel/{code}", "put"),
        ("/api/v1/elections/{id}/security/patterns/{code}", "put"),
        ("/api/v1/elections/{id}/security/plan", "get"),
        ("/api/v1/reports", "post"),
        ("/api/v1/reports", "get"),
        ("/api/v1/reports/{receipt}/evidence", "post"),
        ("/api/v1/receipts/{receipt}", "get"),
        ("/api/v1/findings", "post"),
        ("/api/v1/reports/{id}", "get"),
        ("/api/v1/reports/{id}/evidence/{evidence}", "get"),
        ("/api/v1/reports/{id}/transitions", "post"),
        ("/api/v1/disputes", "post"),
        ("/api/v1/disputes", "get"),
        ("/api/v1/disputes/{id}", "get"),
        ("/api/v1/disputes/{id}/transitions", "post"),
        ("/api/v1/deadlines", "get"),
        ("/api/v1/holidays", "get"),
        ("/api/v1/holidays/{date}", "put"),
        ("/api/v1/holidays/{date}", "delete"),
    ] {
        assert!(paths.get(p).and_then(|m| m.get(method)).is_some(), "{method} {p} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

fn acknowledged_writes_survive_a_kill(db: &TestDb) {
    add_user(db, "kpu.madiun", "kpu", "35.77", "operator", PW);
    let mut app = TestApp::spawn(db);
    let token = app.login("kpu.madiun", PW);
    let codes: Vec<String> = (1..=20).map(|i| format!("35.77.01.1001.{i:03}")).collect();
    for c in &codes {
        let (s, v) = app.post("/api/v1/elections/pemilu-2024/tps", Some(&token), &json!({"code": c, "address": "TPS", "dpt": 280}));
        assert_eq!(s, 201, "{v}");
    }
    app.kill(); // SIGKILL: no shutdown, no flush
    let app = TestApp::spawn(db);
    let (_, v) = app.get("/api/v1/elections/pemilu-2024/tps?region=35.77.01.1001", None);
    assert_eq!(v["total"], 20);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(20), "every acknowledged TPS is still there");
    let o = common::cli(db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

on_both_engines!(
    acknowledged_writes_survive_a_kill,
    regions_and_time_zones,
    elections_and_contests,
    tps_writes_check_input_login_role_and_scope,
    tps_lists_paginate_and_filter,
    retried_writes_are_applied_once,
    login_me_logout_and_lockout,
    audit_api_is_for_admins_in_scope,
    openapi_describes_every_endpoint,
);
