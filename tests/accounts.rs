//! Account lifecycle (B10) through the real server and the real command line, on both engines:
//! disable, enable, a new password and ending sessions — from the CLI while the server runs (a
//! separate process, whose change the server honours on the very next request), from the JSON
//! API and from the /pengguna page, within the administrator's scope only; the password policy;
//! and the audit entries.

mod common;

use common::{TestApp, TestDb, cli, cli_lang, error_of, json, stderr, stdout};

const PW: &str = "rahasia-kuat-1";

fn login_status(app: &TestApp, user: &str, password: &str) -> u16 {
    app.post("/api/v1/auth/login", None, &json!({"username": user, "password": password})).0
}

fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/me", Some(token)).0
}

fn audited(db: &TestDb, action: &str, user: &str) -> i64 {
    db.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity_id = '{user}'"))
}

fn cli_disable_enable_reset_and_revoke_take_effect_at_once(db: &TestDb) {
    common::add_user(db, "kpu.jbg", "kpu", "35.17", "operator", PW);
    let app = TestApp::spawn(db);
    let token = app.login("kpu.jbg", PW);
    // Two requests fill the server's session cache; the CLI cannot reach it.
    assert_eq!(me_status(&app, &token), 200);
    assert_eq!(me_status(&app, &token), 200);

    let o = cli(db, &["user", "disable", "kpu.jbg"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("dinonaktifkan") && stdout(&o).contains("1 sesi"), "{}", stdout(&o));
    // The very next request with the old token is refused: no waiting for a cache to expire.
    let started = std::time::Instant::now();
    assert_eq!(me_status(&app, &token), 401, "the old token still works after `user disable`");
    eprintln!("refused {} ms after the CLI returned", started.elapsed().as_millis());
    // Disabled: the right password gets the same answer as a wrong one (no account oracle).
    let (s, body) = app.post("/api/v1/auth/login", None, &json!({"username": "kpu.jbg", "password": PW}));
    let (s2, body2) = app.post("/api/v1/auth/login", None, &json!({"username": "kpu.jbg", "password": "salah-sekali-9"}));
    assert_eq!((s, s2), (401, 401));
    assert_eq!(body["error"]["message"], body2["error"]["message"]);
    let o = cli(db, &["user", "list"], None);
    assert!(stdout(&o).lines().any(|l| l.starts_with("kpu.jbg") && l.contains("nonaktif")), "{}", stdout(&o));

    let o = cli(db, &["user", "enable", "kpu.jbg"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = app.login("kpu.jbg", PW);
    assert_eq!(me_status(&app, &token), 200);

    // A new password through stdin: the old password fails, the new one works, old sessions die.
    let o = cli(db, &["user", "reset-password", "kpu.jbg", "--password-stdin"], Some("Tiga-Kancil-Melompat-7\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(me_status(&app, &token), 401, "the session survived a password reset");
    assert_eq!(login_status(&app, "kpu.jbg", PW), 401);
    let token = app.login("kpu.jbg", "Tiga-Kancil-Melompat-7");
    assert_eq!(me_status(&app, &token), 200);
    assert_eq!(me_status(&app, &token), 200);

    let o = cli_lang(db, "en", &["user", "revoke", "kpu.jbg"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ended 1 session(s) of kpu.jbg"), "{}", stdout(&o));
    assert_eq!(me_status(&app, &token), 401, "the session survived `user revoke`");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM sessions"), 0);

    // An unknown user is named, in both languages, with a failing exit.
    let o = cli(db, &["user", "disable", "tidak.ada"], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("pengguna tidak.ada tidak ada"), "{}", stderr(&o));
    let o = cli_lang(db, "en", &["user", "reset-password", "tidak.ada", "--password-stdin"], Some("Tiga-Kancil-Melompat-7\n"));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no user tidak.ada"), "{}", stderr(&o));

    for action in ["user.disabled", "user.enabled", "user.password_reset", "user.sessions_revoked"] {
        assert_eq!(audited(db, action, "kpu.jbg"), 1, "{action} audited once");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%Kancil%'"), 0, "the password is never audited");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.disabled' AND actor = 'system:cli'"), 1);
    let o = cli(db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", stdout(&o));
}

fn common_passwords_and_the_username_are_refused(db: &TestDb) {
    // `user add` and `user reset-password` from the CLI, in Bahasa Indonesia by default.
    for (user, pw, words) in [
        ("kpu.a", "bismillah", "terlalu umum"),
        ("kpu.a", "Jakarta123", "terlalu umum"),
        ("kpu.a", "kpu.a2024!", "nama pengguna"),
        ("kpu.a", "xx-a.upk-xx", "nama pengguna"),
    ] {
        let o = cli(db, &["user", "add", user, "--agency", "kpu", "--region", "35.17", "--role", "operator", "--password-stdin"], Some(&format!("{pw}\n")));
        assert!(!o.status.success(), "{pw} was accepted");
        assert!(stderr(&o).contains(words) && stderr(&o).contains("kata sandi"), "{pw}: {}", stderr(&o));
    }
    let o = cli_lang(db, "en", &["user", "add", "kpu.a", "--agency", "kpu", "--region", "35.17", "--role", "operator", "--password-stdin"], Some("Sayangkamu\n"));
    assert!(stderr(&o).contains("too common"), "{}", stderr(&o));
    common::add_user(db, "kpu.a", "kpu", "35.17", "operator", PW);
    let o = cli(db, &["user", "reset-password", "kpu.a", "--password-stdin"], Some("merdeka45\n"));
    assert!(!o.status.success() && stderr(&o).contains("terlalu umum"), "{}", stderr(&o));

    // The API names the field `password`, in the caller's language.
    common::add_user(db, "admin.jbg", "kpu", "35.17", "admin", PW);
    let app = TestApp::spawn(db);
    let admin = app.login("admin.jbg", PW);
    let (s, v) = app.put("/api/v1/users/kpu.a/password", Some(&admin), &json!({"password": "qwerty123"}));
    assert_eq!(s, 422, "{v}");
    assert_eq!(error_of(&v), ("validation_failed".to_string(), Some("password".to_string())), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("terlalu umum")), "{v}");
    let (s, v) = app.call("PUT", "/api/v1/users/kpu.a/password", Some(&admin), &[("Accept-Language", "en")], Some(br#"{"password": "KPU.A-lagi-99"}"#));
    assert_eq!(s, 422, "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("username")), "{v}");
    assert_eq!(login_status(&app, "kpu.a", PW), 200, "the refused resets changed nothing");
}

fn the_api_manages_accounts_within_scope_only(db: &TestDb) {
    common::add_user(db, "admin.jbg", "kpu", "35.17", "admin", PW);
    common::add_user(db, "kpu.jbg", "kpu", "35.17", "operator", PW);
    common::add_user(db, "ppk.jbg", "kpu", "35.17.01", "operator", PW);
    common::add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    common::add_user(db, "kpu.jatim", "kpu", "35", "admin", PW);
    common::add_user(db, "bawaslu.jbg", "bawaslu", "35.17", "operator", PW);
    let app = TestApp::spawn(db);
    let admin = app.login("admin.jbg", PW);
    let mjk = app.login("kpu.mjk", PW);

    // Beside, above and across agencies: 403, and nothing changes.
    for target in ["kpu.mjk", "kpu.jatim", "bawaslu.jbg"] {
        let (s, v) = app.post(&format!("/api/v1/users/{target}/disable"), Some(&admin), &json!({}));
        assert_eq!(s, 403, "{target}: {v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        let (s, _) = app.call("DELETE", &format!("/api/v1/users/{target}/sessions"), Some(&admin), &[], None);
        assert_eq!(s, 403);
        assert_eq!(login_status(&app, target, PW), 200, "{target} was changed");
    }
    assert_eq!(me_status(&app, &mjk), 200);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM users WHERE active = false"), 0);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'user.%' AND action <> 'user.create'"), 0);
    // An operator may not manage accounts at all, and learns nothing about which exist.
    let op = app.login("kpu.jbg", PW);
    let (s1, _) = app.post("/api/v1/users/ppk.jbg/disable", Some(&op), &json!({}));
    let (s2, _) = app.post("/api/v1/users/tidak.ada/disable", Some(&op), &json!({}));
    assert_eq!((s1, s2), (403, 403));
    let (s, _) = app.post("/api/v1/users/ppk.jbg/disable", None, &json!({}));
    assert_eq!(s, 401);

    // Within scope: the kabupaten's own and a kecamatan below it.
    let ppk = app.login("ppk.jbg", PW);
    let (s, v) = app.post("/api/v1/users/ppk.jbg/disable", Some(&admin), &json!({}));
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["active"].as_bool(), v["sessions_ended"].as_u64(), v["unit"]["name"].as_str()), (Some(false), Some(1), Some("PPK Perak")), "{v}");
    assert_eq!(me_status(&app, &ppk), 401);
    assert_eq!(login_status(&app, "ppk.jbg", PW), 401);
    let (s, v) = app.post("/api/v1/users/ppk.jbg/enable", Some(&admin), &json!({}));
    assert_eq!((s, v["active"].as_bool()), (200, Some(true)), "{v}");
    let ppk = app.login("ppk.jbg", PW);
    let (s, v) = app.put("/api/v1/users/ppk.jbg/password", Some(&admin), &json!({"password": "Tiga-Kancil-Melompat-7"}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(me_status(&app, &ppk), 401);
    assert_eq!(login_status(&app, "ppk.jbg", PW), 401);
    let ppk = app.login("ppk.jbg", "Tiga-Kancil-Melompat-7");
    let (s, v) = app.call("DELETE", "/api/v1/users/ppk.jbg/sessions", Some(&admin), &[], None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(me_status(&app, &ppk), 401);
    let (s, v) = app.post("/api/v1/users/tidak.ada/enable", Some(&admin), &json!({}));
    assert_eq!((s, error_of(&v).0.as_str()), (404, "not_found"), "{v}");
    // An administrator cannot lock themselves out.
    let (s, _) = app.post("/api/v1/users/admin.jbg/disable", Some(&admin), &json!({}));
    assert_eq!(s, 409);
    for action in ["user.disabled", "user.enabled", "user.password_reset", "user.sessions_revoked"] {
        assert_eq!(
            db.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity_id = 'ppk.jbg' AND actor = 'admin.jbg'")),
            1,
            "{action}"
        );
    }
}

fn the_accounts_page_serves_admins_in_their_scope(db: &TestDb) {
    common::add_user(db, "admin.jbg", "kpu", "35.17", "admin", PW);
    common::add_user(db, "kpu.jbg", "kpu", "35.17", "operator", PW);
    common::add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let cookie = format!("sinergi_session={}", app.login("admin.jbg", PW));
    let (s, _, page) = app.get_text("/pengguna", Some(&cookie));
    assert_eq!(s, 200);
    assert!(page.contains("KPU Kabupaten Jombang") && page.contains("kpu.jbg") && page.contains("Aktif"), "{page}");
    assert!(!page.contains("kpu.mjk") && !page.contains("Kota Mojokerto"), "an account beside the scope is listed");
    assert!(page.contains("href=\"/pengguna\""), "no link in the navigation for an admin");

    // A common password: the page again, the message beside the field, the password not kept.
    let (s, page, _) = app.post_form("/pengguna/kpu.jbg/sandi", &cookie, &[("password", "bismillah")]);
    assert_eq!(s, 422);
    assert!(page.contains("data-field=\"password\"") && page.contains("terlalu umum"), "{page}");
    assert!(!page.contains("value=\"bismillah\""));
    // Disable through the page: back to the list, which says so.
    let (s, _, loc) = app.post_form("/pengguna/kpu.jbg/nonaktifkan", &cookie, &[]);
    assert_eq!(s, 303);
    let (_, _, page) = app.get_text(loc.as_deref().unwrap_or("/pengguna").split('#').next().unwrap_or("/pengguna"), Some(&cookie));
    assert!(page.contains("Nonaktif") && page.contains("dinonaktifkan"), "{page}");
    assert_eq!(login_status(&app, "kpu.jbg", PW), 401);
    // Beside the scope by a forged post: refused on the page, nothing changes.
    let (s, page, _) = app.post_form("/pengguna/kpu.mjk/nonaktifkan", &cookie, &[]);
    assert_eq!(s, 403, "{page}");
    assert!(page.contains("di luar wilayah kerja"), "{page}");
    assert_eq!(login_status(&app, "kpu.mjk", PW), 200);

    // Not an administrator: the page error in the reader's language, no link.
    let op = format!("sinergi_session={}", app.login("kpu.mjk", PW));
    let (s, _, page) = app.get_text("/pengguna", Some(&op));
    assert_eq!(s, 403);
    assert!(page.contains("tidak boleh mengelola akun pengguna"), "{page}");
    let (_, _, page) = app.get_text("/pengguna", Some(&format!("{op}; lang=en")));
    assert!(page.contains("may not manage user accounts"), "{page}");
    let (_, _, page) = app.get_text("/wilayah", Some(&op));
    assert!(!page.contains("href=\"/pengguna\""));
}

on_both_engines!(
    cli_disable_enable_reset_and_revoke_take_effect_at_once,
    common_passwords_and_the_username_are_refused,
    the_api_manages_accounts_within_scope_only,
    the_accounts_page_serves_admins_in_their_scope
);
