//! Security through the real server: what needs a login and the right scope (the security
//! plan, posts, grade overrides, shipments on the road), what the public keeps (counts), and
//! that the public never sees an account's username.

mod common;

use common::{TestApp, TestDb, json};

const DEMO: &str = "sinergi-demo";
const V: &str = "/api/v1/elections/pilkada-2024/vulnerability";
const S: &str = "/api/v1/elections/pilkada-2024/security";
const L: &str = "/api/v1/elections/pilkada-2024/logistics";

fn no_redirects() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).max_idle_connections(0).build().into()
}

/// Status and Location of a page fetched without following redirects.
fn page_status(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = no_redirects().get(&app.url(path));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let resp = req.call().expect("GET");
    let loc = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (resp.status().as_u16(), loc)
}

fn security_data_needs_login_and_scope(db: &TestDb) {
    let app = TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-25T10:00:00+07:00")]);
    let polres = app.login("polres.kotamojokerto", DEMO);
    let jombang = app.login("polres.jombang", DEMO);
    let pemkot = app.login("pemkot.kotamojokerto", DEMO);
    let tps = "35.76.02.1008.001";
    let reason = "informasi intelijen: rencana pengerahan massa";
    let (s, v) = app.put(&format!("{V}/tps/{tps}/grade"), Some(&polres), &json!({"category": "sangat_rawan", "reason": reason}));
    assert_eq!(s, 200, "{v}");

    let sensitive = [
        format!("{S}/plan?region=35.76"),
        format!("{S}/plan?region=35.76&format=csv"),
        format!("{V}/tps/{tps}"),
        format!("{L}/shipments?region=35.76"),
        format!("{L}/shipments"),
        format!("{L}/shipments/3"),
    ];
    for path in &sensitive {
        let (s, body) = app.get(path, None);
        assert_eq!(s, 401, "anonymous {path}: {body}");
        let text = body.to_string();
        assert!(!text.contains(reason) && !text.contains("L 1234 MJ") && !text.contains("Suparno"), "{path} leaks: {text}");
    }
    // Out of scope (another regency) and the wrong agency are refused.
    for path in &sensitive[..3] {
        assert_eq!(app.get(path, Some(&jombang)).0, 403, "Polres Jombang reads {path}");
        assert_eq!(app.get(path, Some(&pemkot)).0, 403, "Pemkot reads {path}");
    }
    assert_eq!(app.get(&format!("{L}/shipments?region=35.76"), Some(&jombang)).0, 403);
    assert_eq!(app.get(&format!("{L}/shipments/3"), Some(&jombang)).0, 403);
    let (s, own) = app.get(&format!("{L}/shipments"), Some(&jombang));
    assert_eq!(s, 200, "{own}");
    assert!(!own.to_string().contains("35.76"), "Jombang's default list is its own: {own}");
    // In scope: everything.
    let (s, plan) = app.get(&format!("{S}/plan?region=35.76"), Some(&polres));
    assert_eq!((s, plan["districts"].as_array().is_some_and(|d| !d.is_empty())), (200, true), "{plan}");
    let (s, obs) = app.get(&format!("{V}/tps/{tps}"), Some(&polres));
    assert_eq!((s, obs["override"]["reason"].as_str()), (200, Some(reason)));
    let (s, ship) = app.get(&format!("{L}/shipments/3"), Some(&app.login("kodim.kotamojokerto", DEMO)));
    assert_eq!(s, 200, "{ship}");
    assert!(ship.to_string().contains("L 1234 MJ"), "the vehicle is for those in scope");
    // The public keeps the counts.
    let (s, sum) = app.get(&format!("{V}/summary?region=35.76"), None);
    assert_eq!(s, 200);
    assert!(sum["by_category"]["sangat_rawan"].as_i64().is_some_and(|n| n >= 1), "{sum}");
    assert_eq!(app.get(&format!("{L}/readiness?region=35.76"), None).0, 200);
    assert_eq!(app.get(&format!("{L}/requirements?region=35.76"), None).0, 200);

    // Pages: anonymous visitors are sent to the login, others in the wrong place refused.
    let jombang_cookie = format!("sinergi_session={jombang}");
    for path in ["/pengamanan?pemilu=pilkada-2024&wilayah=35.76", "/logistik/pengiriman?pemilu=pilkada-2024&wilayah=35.76", "/logistik/pengiriman/3?pemilu=pilkada-2024"] {
        let (s, loc) = page_status(&app, path, None);
        assert_eq!(s, 303, "anonymous {path}");
        assert!(loc.starts_with("/masuk?next="), "{path} → {loc}");
        assert_eq!(page_status(&app, path, Some(&jombang_cookie)).0, 403, "Polres Jombang opens {path}");
    }
    let (s, _, html) = app.get_text("/kerawanan?pemilu=pilkada-2024&wilayah=35.76", None);
    assert_eq!(s, 200);
    assert!(html.contains("id=\"kategori\""), "the counts stay public");
    assert!(!html.contains("<svg id=\"peta\"") && !html.contains("/pengamanan?"), "no map or plan for the public");
    let (_, _, html) = app.get_text("/kerawanan?pemilu=pilkada-2024&wilayah=35.76", Some(&format!("sinergi_session={polres}")));
    assert!(html.contains("<svg id=\"peta\""), "the map for the Polres in scope");
}

fn the_public_never_sees_a_username(db: &TestDb) {
    let app = TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-28T10:00:00+07:00")]);
    let usernames = ["kpu.kotamojokerto", "ppk.magersari", "bawaslu.kotamojokerto", "polres.kotamojokerto"];
    let tps = "35.76.02.1008.001";
    let (s, view) = app.get(&format!("/api/v1/elections/pilkada-2024/results/{tps}/gubernur"), None);
    assert_eq!(s, 200, "{view}");
    let text = view.to_string();
    assert!(text.contains("KPU Kota Mojokerto"), "units are named: {text}");
    let (s, recap) = app.get("/api/v1/elections/pilkada-2024/recap/35.76.02/gubernur", None);
    assert_eq!(s, 200, "{recap}");
    let (_, _, page) = app.get_text(&format!("/hasil/tps/{tps}?pemilu=pilkada-2024&kontes=gubernur"), None);
    for u in usernames {
        assert!(!text.contains(u), "results JSON shows {u}: {text}");
        assert!(!recap.to_string().contains(u), "recap JSON shows {u}");
        assert!(!page.contains(u), "results page shows {u}");
    }
    // Logged in, the shipment page names the signing units, not their accounts.
    let cookie = format!("sinergi_session={}", app.login("kpu.kotamojokerto", DEMO));
    let (_, _, page) = app.get_text("/logistik/pengiriman/2?pemilu=pilkada-2024", Some(&cookie));
    assert!(page.contains("KPU Kota Mojokerto"), "{page}");
    for u in usernames {
        assert!(!page.contains(&format!("({u})")), "shipment page shows {u}");
    }
}

/// A form post with the session cookie, from `origin` (None: no Origin header).
fn form_post(app: &TestApp, path: &str, cookie: &str, origin: Option<&str>, body: &str) -> (u16, String) {
    let mut req = no_redirects().post(&app.url(path)).header("Cookie", cookie).content_type("application/x-www-form-urlencoded");
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    let resp = req.send(body).expect("POST");
    let loc = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (resp.status().as_u16(), loc)
}

fn supervisor_signed(app: &TestApp, token: &str) -> bool {
    let (_, s) = app.get(&format!("{L}/shipments/3"), Some(token));
    s["signatures"].as_array().is_some_and(|a| a.iter().any(|g| g["as"] == "supervisor"))
}

fn cross_site_requests_are_refused(db: &TestDb) {
    let app = TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-25T10:00:00+07:00")]);
    let token = app.login("bawaslu.kotamojokerto", DEMO);
    let cookie = format!("sinergi_session={token}");
    let sign = "/logistik/pengiriman/3/tandatangan?pemilu=pilkada-2024";
    // A page of another site posting the co-sign form with the victim's cookie.
    assert_eq!(form_post(&app, sign, &cookie, Some("http://evil.example"), "as=supervisor").0, 403);
    assert_eq!(form_post(&app, sign, &cookie, Some("null"), "as=supervisor").0, 403, "a sandboxed frame");
    assert_eq!(form_post(&app, sign, &cookie, None, "as=supervisor").0, 403, "neither Origin nor Referer");
    assert!(!supervisor_signed(&app, &token), "nothing was signed");
    // The JSON API does not act on the cookie with a text/plain body (a cross-site "simple request").
    let api_sign = app.url(&format!("{L}/shipments/3/sign"));
    let resp = no_redirects()
        .post(&api_sign)
        .header("Cookie", &cookie)
        .header("Origin", &app.base)
        .content_type("text/plain")
        .send(r#"{"as": "supervisor"}"#)
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 400);
    assert!(!supervisor_signed(&app, &token), "nothing was signed through the API either");
    // Our own page posting: accepted.
    let (s, loc) = form_post(&app, sign, &cookie, Some(&app.base), "as=supervisor");
    assert_eq!((s, loc.as_str()), (303, "/logistik/pengiriman/3?pemilu=pilkada-2024"));
    assert!(supervisor_signed(&app, &token));
    // A login forged from another site is refused too; bearer clients are not affected.
    let resp = no_redirects()
        .post(&app.url("/masuk"))
        .header("Origin", "http://evil.example")
        .content_type("application/x-www-form-urlencoded")
        .send("username=bawaslu.kotamojokerto&password=sinergi-demo")
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 403);
    let (s, _) = app.put(&format!("{V}/tps/35.76.02.1008.001/grade"), Some(&app.login("polres.kotamojokerto", DEMO)), &json!({"category": "rawan", "reason": "uji"}));
    assert_eq!(s, 200, "a bearer client needs no Origin");
}

fn pages_carry_security_headers_and_safe_redirects(db: &TestDb) {
    common::add_user(db, "kpu.madiun", "kpu", "35.77", "operator", "rahasia-kuat-1");
    let app = TestApp::spawn(db);
    for path in ["/wilayah", "/masuk", "/api/v1/elections", "/tidak-ada"] {
        let resp = no_redirects().get(&app.url(path)).call().expect("GET");
        let h = |k: &str| resp.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        if !path.starts_with("/api/") {
            let csp = h("content-security-policy");
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{path}: {csp}");
        }
    }
    let login = |next: &str| {
        let body = format!("username=kpu.madiun&password=rahasia-kuat-1&next={}", next);
        let resp = no_redirects().post(&app.url("/masuk")).content_type("application/x-www-form-urlencoded").send(&body).expect("POST");
        let loc = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (resp.status().as_u16(), loc, cookie)
    };
    for evil in ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "javascript:alert(1)", "https://evil.example/", "/%20/evil.example"] {
        let (s, loc, _) = login(evil);
        assert_eq!((s, loc.as_str()), (303, "/situasi"), "next={evil}: the user's own situation");
    }
    let (s, loc, cookie) = login("/rapat?x=1");
    assert_eq!((s, loc.as_str()), (303, "/rapat?x=1"), "a page of this site is kept");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "plain HTTP: {cookie}");
    for evil in ["/%09/evil.example", "//evil.example", "/%5Cevil.example"] {
        let resp = no_redirects().get(&app.url(&format!("/bahasa?l=en&next={evil}"))).call().expect("GET");
        assert_eq!(resp.headers().get("location").and_then(|v| v.to_str().ok()), Some("/wilayah"), "bahasa next={evil}");
    }
    // A line break in a target: 400 before anything is written.
    let sessions = db.scalar("SELECT COUNT(*) FROM sessions");
    let (s, _, cookie) = login("/rapat%0D%0ASet-Cookie:%20x=y");
    assert_eq!((s, cookie.contains("sinergi_session=")), (400, false));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM sessions"), sessions, "no session was opened");
    let resp = no_redirects().get(&app.url("/bahasa?l=en&next=/wilayah%0D%0ASet-Cookie:%20x=y")).call().expect("GET");
    assert_eq!(resp.status().as_u16(), 400);
    let token = app.login("kpu.madiun", "rahasia-kuat-1");
    let lines = db.scalar("SELECT COUNT(*) FROM budget_lines");
    let (s, _) = form_post(&app, "/anggaran/pagu?wilayah=35.77%0D%0ALocation:%20//evil.example", &format!("sinergi_session={token}"), Some(&app.base), "program=P&activity=A&amount=1000&stage=");
    assert_eq!(s, 400);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM budget_lines"), lines, "no budget line was written");
}

fn cookies_are_secure_over_https(db: &TestDb) {
    common::add_user(db, "kpu.madiun", "kpu", "35.77", "operator", "rahasia-kuat-1");
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_PUBLIC_URL", "https://sinergi.example.go.id")]);
    let resp = no_redirects()
        .post(&app.url("/masuk"))
        .content_type("application/x-www-form-urlencoded")
        .send("username=kpu.madiun&password=rahasia-kuat-1")
        .expect("POST");
    let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(cookie.starts_with("sinergi_session=") && cookie.contains("; Secure"), "{cookie}");
    // Behind the proxy the public origin is ours, whatever Host the proxy sends.
    let token = cookie.trim_start_matches("sinergi_session=").split(';').next().unwrap_or("").to_string();
    let resp = no_redirects()
        .post(&app.url("/keluar"))
        .header("Cookie", &format!("sinergi_session={token}"))
        .header("Origin", "https://sinergi.example.go.id")
        .send_empty()
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 303, "logged out from the public origin");
}

/// Five failures of a stranger lock that name from the stranger's address only; the operator
/// at the office still logs in, and every failure and the lockout are in the audit log.
fn a_stranger_cannot_lock_an_operator_out(db: &TestDb) {
    common::add_user(db, "kpu.madiun", "kpu", "35.77", "operator", "rahasia-kuat-1");
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_TRUSTED_PROXY", "127.0.0.1")]);
    let login = |ip: &str, pw: &str| {
        let body = json!({"username": "kpu.madiun", "password": pw}).to_string();
        app.post_raw("/api/v1/auth/login", None, &[("X-Forwarded-For", ip)], &body).0
    };
    for _ in 0..5 {
        assert_eq!(login("203.0.113.9", "tebakan-salah"), 401);
    }
    assert_eq!(login("203.0.113.9", "rahasia-kuat-1"), 429, "locked from the stranger's address");
    // The login page says how long the lock lasts, and Retry-After carries the same wait.
    let resp = no_redirects()
        .post(&app.url("/masuk"))
        .header("X-Forwarded-For", "203.0.113.9")
        .header("Origin", &app.base)
        .content_type("application/x-www-form-urlencoded")
        .send("username=kpu.madiun&password=rahasia-kuat-1")
        .expect("POST");
    let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    assert_eq!(resp.status().as_u16(), 429);
    assert!((14 * 60..=15 * 60).contains(&retry), "Retry-After is the lock's 15 minutes: {retry}");
    let page = resp.into_body().read_to_string().unwrap_or_default();
    assert!(page.contains("coba lagi 15 menit lagi"), "{page}");
    assert_eq!(login("198.51.100.7", "rahasia-kuat-1"), 200, "the operator logs in from the office");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'"), 5, "each failure is audited");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.lockout'"), 1, "the lockout is audited");
    let o = common::cli(db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

/// A storm of anonymous logins, each from its own address so no lockout shields the hashing:
/// password hashing stays bounded (the excess gets 429 with Retry-After at once), the server's
/// memory stays flat instead of growing by Argon2's 19 MiB per waiting login, and the operator
/// still logs in afterwards. Unbounded, 48 concurrent hashes alone would take ~900 MiB, and a
/// fresh 19 MiB working block per login left 100-200 MiB behind after each storm.
fn a_login_storm_keeps_memory_flat(db: &TestDb) {
    common::add_user(db, "kpu.madiun", "kpu", "35.77", "operator", "rahasia-kuat-1");
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_TRUSTED_PROXY", "127.0.0.1")]);
    let login = |ip: &str, pw: &str| {
        let body = json!({"username": "kpu.madiun", "password": pw}).to_string();
        let (s, _, headers) = app.post_raw("/api/v1/auth/login", None, &[("X-Forwarded-For", ip)], &body);
        (s, headers.into_iter().find(|(k, _)| k == "retry-after").map(|(_, v)| v))
    };
    // Warm up: a few hashes, so the hashing threads hold their working memory.
    for i in 0..4 {
        assert_eq!(login(&format!("192.0.2.{i}"), "salah").0, 401);
    }
    let before = app.rss_kib();
    let storm = |round: usize| -> Vec<(u16, Option<String>)> {
        std::thread::scope(|s| {
            let threads: Vec<_> = (0..48)
                .map(|t| {
                    let login = &login;
                    s.spawn(move || (0..10).map(|i| login(&format!("10.{round}.{t}.{i}"), "tebakan")).collect::<Vec<_>>())
                })
                .collect();
            threads.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        })
    };
    let answers = storm(0);
    let first = app.rss_kib();
    // Storms again: what the first one took must be all it ever takes.
    for round in 1..3 {
        assert!(storm(round).iter().all(|(s, _)| *s == 401 || *s == 429));
    }
    let after = app.rss_kib();
    assert_eq!(answers.len(), 480, "every login was answered");
    assert!(answers.iter().all(|(s, _)| *s == 401 || *s == 429), "only refusals: {:?}", answers.iter().map(|a| a.0).collect::<std::collections::BTreeSet<_>>());
    let busy: Vec<_> = answers.iter().filter(|(s, _)| *s == 429).collect();
    assert!(!busy.is_empty(), "the excess was turned away rather than queued");
    assert!(busy.iter().all(|(_, r)| r.as_deref().and_then(|v| v.parse::<u64>().ok()).is_some_and(|v| v >= 1)), "every 429 says when to retry");
    eprintln!("login storm: {} refused 401, {} turned away 429; VmRSS {before} KiB -> {first} KiB -> {after} KiB", answers.len() - busy.len(), busy.len());
    // At most one 19 MiB Argon2 block per hashing thread (one per core) may be new since the
    // warm-up; measured within 3 MiB on two cores. A fresh block per login grew it 100-200 MiB.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    assert!(after < before + (cores * 20 + 16) * 1024, "memory stayed flat: {before} KiB -> {after} KiB");
    assert_eq!(login("198.51.100.7", "rahasia-kuat-1").0, 200, "the operator still logs in");
}

on_both_engines!(
    a_login_storm_keeps_memory_flat,
    a_stranger_cannot_lock_an_operator_out,
    security_data_needs_login_and_scope,
    the_public_never_sees_a_username,
    cross_site_requests_are_refused,
    pages_carry_security_headers_and_safe_redirects,
    cookies_are_secure_over_https
);
