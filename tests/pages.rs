//! The web pages over HTTP: Bahasa Indonesia first with an English switch, the region
//! browser's content, escaping of what users typed, CSV downloads, login by form.

mod common;

use common::{TestApp, TestDb, add_user, json};

const PW: &str = "rahasia-kuat-1";

fn pages_speak_indonesian_first(db: &TestDb) {
    let app = TestApp::spawn(db);
    let (s, ctype, html) = app.get_text("/wilayah", None);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(html.contains("<html lang=\"id\">"), "{html}");
    assert!(html.contains("Wilayah") && html.contains("Masuk") && html.contains("Jawa Timur"));
    assert!(html.contains("href=\"/assets/app.css\""), "the stylesheet is served by the app itself");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing is loaded from the internet");
    let (s, ctype, css) = app.get_text("/assets/app.css", None);
    assert_eq!((s, ctype.starts_with("text/css")), (200, true));
    assert!(css.contains("body"));

    let (_, _, en) = app.get_text("/wilayah", Some("lang=en"));
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Log in") && en.contains("Regions"));
    assert!(html.len() < 30_000, "the Indonesia page stays light: {} bytes", html.len());
    // Pages travel gzipped to clients that accept it (every browser does).
    let raw = std::process::Command::new("curl")
        .args(["-s", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", &app.url("/wilayah")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_lowercase());
    if let Ok(headers) = raw {
        assert!(headers.contains("content-encoding: gzip"), "{headers}");
    }
}

fn region_browser_shows_counts_and_escapes_input(db: &TestDb) {
    add_user(db, "kpu.mojokerto", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let token = app.login("kpu.mojokerto", PW);
    let (s, v) = app.post(
        "/api/v1/elections/pilkada-2024/tps",
        Some(&token),
        &json!({"code": "35.76.02.1008.001", "address": "<script>alert('x')</script> Jl. Empunala", "dpt": 512}),
    );
    assert_eq!(s, 201, "{v}");
    let (s, _, html) = app.get_text("/wilayah/35.76.02.1008?pemilu=pilkada-2024", None);
    assert_eq!(s, 200);
    assert!(html.contains("&lt;script&gt;alert"), "typed text is escaped");
    assert!(!html.contains("<script>alert"), "no script injection");
    assert!(html.contains("Balongsari") && html.contains("Magersari") && html.contains("Kota Mojokerto"));
    assert!(html.contains("WIB"));
    assert!(html.contains(">001<") && html.contains(">512<"), "the TPS row with its number and DPT");
    assert!(html.contains("Gubernur dan Wakil Gubernur") && html.contains("Wali Kota"));

    let (s, _, district) = app.get_text("/wilayah/35.76.02?pemilu=pilkada-2024", None);
    assert_eq!(s, 200);
    assert!(district.contains("href=\"/wilayah/35.76.02.1008?pemilu=pilkada-2024\""), "children link down");

    let (s, ctype, csv) = app.get_text("/wilayah/35.76.02.1008/tps.csv?pemilu=pilkada-2024", None);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/csv"));
    let rows = common::sheet_rows(&csv);
    assert_eq!(rows[0][..5], ["code", "address", "dpt", "lat", "lon"], "the import format first");
    assert_eq!(rows[1][0], "35.76.02.1008.001");
    assert_eq!(common::cell(&rows, 1, "kecamatan"), "Magersari", "names beside the code");
    let (_, _, kids) = app.get_text("/wilayah/35.76/unduh.csv?pemilu=pilkada-2024", None);
    let kids = common::sheet_rows(&kids);
    assert!(kids.iter().any(|r| r[..3] == ["35.76.02", "Magersari", "Kecamatan"] && r[4..] == ["1", "512"]), "{kids:?}");

    let (s, _, missing) = app.get_text("/wilayah/35.99", None);
    assert_eq!(s, 404);
    assert!(missing.contains("Halaman tidak ditemukan"));
    let (_, _, found) = app.get_text("/cari?q=balongsari", None);
    assert!(found.contains("Jawa Timur › Kota Mojokerto › Magersari › Balongsari"));
}

fn login_form_sets_a_session_cookie(db: &TestDb) {
    add_user(db, "bawaslu.jombang", "bawaslu", "35.17", "supervisor", PW);
    let app = TestApp::spawn(db);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
    let mut wrong = agent
        .post(&app.url("/masuk"))
        .content_type("application/x-www-form-urlencoded")
        .send("username=bawaslu.jombang&password=salah")
        .expect("post");
    assert_eq!(wrong.status().as_u16(), 401);
    assert!(wrong.body_mut().read_to_string().unwrap_or_default().contains("Nama pengguna atau kata sandi salah"));
    let ok = agent
        .post(&app.url("/masuk"))
        .content_type("application/x-www-form-urlencoded")
        .send(format!("username=bawaslu.jombang&password={PW}"))
        .expect("post");
    assert_eq!(ok.status().as_u16(), 303);
    let cookie = ok.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("cookie").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let session = cookie.split(';').next().expect("pair").to_string();
    let (_, _, html) = app.get_text("/wilayah", Some(&session));
    assert!(html.contains("bawaslu.jombang") && html.contains("Bawaslu Kabupaten Jombang"), "the header names the user");
    let (s, me) = {
        let mut r = agent.get(&app.url("/api/v1/me")).header("Cookie", &session).call().expect("me");
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default())
    };
    assert_eq!(s, 200, "{me}");
}

/// A page handler's error goes through the one `PageError`: the layout's error page, in the
/// request's language, with the status of the error.
fn page_errors_are_the_layout_error_page_in_the_request_language(db: &TestDb) {
    let app = TestApp::spawn(db);
    for (path, status) in [("/hasil/rekap/99.99", 404), ("/wilayah/35.xx/tps.csv", 422)] {
        let (s, ctype, id) = app.get_text(path, None);
        assert_eq!(s, status, "{path}: {id}");
        assert!(ctype.starts_with("text/html") && id.contains("<html lang=\"id\">") && id.contains("class=\"error\""), "{path}: {id}");
        let (_, _, en) = app.get_text(path, Some("lang=en"));
        assert!(en.contains("<html lang=\"en\">") && en.contains("class=\"error\""), "{path}: {en}");
        if status == 404 {
            assert!(id.contains("Halaman tidak ditemukan.") && en.contains("Page not found."), "{path}");
        }
    }
}

on_both_engines!(
    pages_speak_indonesian_first,
    region_browser_shows_counts_and_escapes_input,
    login_form_sets_a_session_cookie,
    page_errors_are_the_layout_error_page_in_the_request_language
);
