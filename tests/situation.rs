//! Situasi wilayah through the real server, on the demo's Kota Mojokerto on the eve of voting
//! day: the API and the page gather every module's figures for the viewer's region; a
//! neighbouring regency never sees them; the Pemda reads counts but not case files; no
//! reporter is ever named; every user lands on their own region — on SQLite and PostgreSQL.

mod common;

use common::{TestApp, TestDb, cli_env, error_of, stderr};

const PW: &str = "sinergi-demo";
const EVE: &str = "2024-11-26T12:00:00+07:00";

fn demo_app(db: &TestDb) -> TestApp {
    // The demo's story is told as of the clock: its deadlines fall around the eve.
    let o = cli_env(db, &[("SINERGI_CLOCK", EVE)], &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", EVE)])
}

/// The visible text of a page (tags dropped), to check what a reader sees.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn the_situation_of_a_region_gathers_every_module(db: &TestDb) {
    let app = demo_app(db);
    let pemda = app.login("pemkot.kotamojokerto", PW);
    let (s, v) = app.get("/api/v1/situation", Some(&pemda));
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["region"]["code"].as_str(), v["region"]["name"].as_str()), (Some("35.76"), Some("Kota Mojokerto")));
    assert_eq!(v["as_of"], "26 November 2024 12.00 WIB");
    // Stage: the quiet period ends today; voting day is H-1.
    assert_eq!(v["stage"]["today"][0]["name"], "Masa tenang", "{}", v["stage"]);
    assert_eq!(v["stage"]["next"][0]["name"], "Pemungutan suara");
    assert_eq!(v["stage"]["next"][0]["days_to_start"], 1);
    // Logistics: the demo's TPS, split three ways; the worst district named, not coded.
    let l = &v["logistics"];
    let total = l["tps_total"].as_i64().expect("tps_total");
    assert!(total > 0, "{l}");
    assert_eq!(l["ready"].as_i64().unwrap_or(-1) + l["partial"].as_i64().unwrap_or(-1) + l["none"].as_i64().unwrap_or(-1), total);
    assert!(l["late_shipments"].as_i64() >= Some(1) && l["discrepant_shipments"].as_i64() >= Some(1), "{l}");
    assert!(!l["worst"][0]["place"]["name"].as_str().unwrap_or("").contains("35."), "{l}");
    // Security, violations, coordination, budget: something in every tile on the eve.
    let cat = &v["security"]["by_category"];
    assert!(cat["rawan"].as_i64() >= Some(1) && cat["sangat_rawan"].as_i64() >= Some(1), "{cat}");
    let viol = &v["violations"];
    assert!(viol["open"].as_i64() >= Some(1) && viol["overdue"].as_i64() >= Some(1), "{viol}");
    assert!(!v["coordination"]["overdue_by_unit"].as_array().expect("units").is_empty(), "{}", v["coordination"]);
    assert!(v["budget"]["absorption_percent"].as_f64() > Some(0.0), "{}", v["budget"]);
    // Results are not expected before voting day.
    assert_eq!(v["results"]["open"], false);
    // The districts below, by name.
    let children: Vec<&str> = v["children"].as_array().expect("children").iter().filter_map(|c| c["place"]["name"].as_str()).collect();
    assert_eq!(children.len(), 3, "{children:?}");
    assert!(children.contains(&"Magersari"), "{children:?}");
    // Each district's row says what that district's own figures say (the table is gathered in
    // one pass over the region, not one query per district).
    let election = v["election"].as_str().expect("election").to_string();
    let (mut rawan_rows, mut open_rows) = (0, 0);
    for row in v["children"].as_array().expect("children") {
        let code = row["place"]["code"].as_str().expect("code");
        let (s, own) = app.get(&format!("/api/v1/situation?region={code}&election={election}"), Some(&pemda));
        assert_eq!(s, 200, "{own}");
        assert_eq!(row["tps"], own["logistics"]["tps_total"], "{code}: {row} vs {}", own["logistics"]);
        assert_eq!(row["ready_percent"], own["logistics"]["ready_percent"], "{code}: {row} vs {}", own["logistics"]);
        assert_eq!(row["open_cases"], own["violations"]["open"], "{code}: {row} vs {}", own["violations"]);
        assert_eq!(row["overdue_cases"], own["violations"]["overdue"], "{code}: {row} vs {}", own["violations"]);
        let (_, summary) = app.get(&format!("/api/v1/elections/{election}/vulnerability/summary?region={code}"), None);
        assert_eq!(row["tps_rawan"], summary["tps_rawan"], "{code}: {row} vs {summary}");
        rawan_rows += row["tps_rawan"].as_i64().unwrap_or(0);
        open_rows += row["open_cases"].as_i64().unwrap_or(0);
    }
    assert!(rawan_rows > 0 && open_rows > 0, "the demo's districts hold rawan TPS and open cases: {}", v["children"]);
    // No reporter's name anywhere: the demo's reporters are in the database, not in the answer.
    let text = v.to_string();
    for name in ["Siti Rahayu", "Nur Hidayah", "Agus Setiawan", "Jl. Empunala"] {
        assert!(!text.contains(name), "reporter {name} shown: {text}");
    }
    // The Pemda reads the counts, not the case files (as before).
    assert_eq!(app.get("/api/v1/reports", Some(&pemda)).0, 403);

    // A district of the region; a village too.
    let (s, v) = app.get("/api/v1/situation?region=35.76.02", Some(&pemda));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["region"]["name"], "Magersari");
    assert!(v["logistics"]["tps_total"].as_i64() < Some(total));

    // Counting night: results open and count per contest.
    let mut app = app;
    drop(std::mem::replace(&mut app, TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", "2024-11-27T21:00:00+07:00")])));
    let pemda = app.login("pemkot.kotamojokerto", PW);
    let (_, v) = app.get("/api/v1/situation", Some(&pemda));
    assert_eq!(v["results"]["open"], true, "{}", v["results"]);
    let contests = v["results"]["contests"].as_array().expect("contests");
    assert!(contests.iter().any(|c| c["name"] == "Wali Kota dan Wakil Wali Kota"), "{contests:?}");
    assert!(contests.iter().all(|c| c["tps_total"].as_i64() > Some(0)), "{contests:?}");
}

fn a_neighbouring_regency_sees_nothing_of_it(db: &TestDb) {
    let app = demo_app(db);
    let jombang = app.login("kpu.jombang", PW);
    let (s, v) = app.get("/api/v1/situation?region=35.76", Some(&jombang));
    assert_eq!(s, 403, "{v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Kota Mojokerto") && message.contains("di luar wilayah Anda"), "{message}");
    let (s, _, html) = app.get_text("/situasi/35.76.02", Some(&format!("sinergi_session={jombang}")));
    assert_eq!(s, 403);
    assert!(!html.contains("Prajuritkulon"), "no figure of Mojokerto's districts");
    // Their own situation names only Jombang's places.
    let (s, v) = app.get("/api/v1/situation", Some(&jombang));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["region"]["name"], "Kabupaten Jombang");
    assert!(!v.to_string().contains("Mojokerto"), "{v}");
    // No account, no situation; an unknown region is named as such.
    assert_eq!(app.get("/api/v1/situation", None).0, 401);
    let (s, v) = app.get("/api/v1/situation?region=99.99", Some(&jombang));
    assert_eq!(s, 404, "{v}");
    let (s, v) = app.get("/api/v1/situation?region=Jombang", Some(&jombang));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("region")), "{v}");
}

fn every_user_lands_on_their_own_situation(db: &TestDb) {
    let app = demo_app(db);
    let token = app.login("bawaslu.kotamojokerto", PW);
    let cookie = format!("sinergi_session={token}");
    // The login form without a target lands on /situasi; so does the site's root.
    let (s, _, location) = app.post_form("/masuk", "", &[("username", "bawaslu.kotamojokerto"), ("password", PW)]);
    assert_eq!((s, location.as_deref()), (303, Some("/situasi")));
    assert_eq!(app.get_redirect("/", &cookie), (303, Some("/situasi".to_string())));
    assert_eq!(app.get_redirect("/", ""), (303, Some("/wilayah".to_string())));

    let (s, _, html) = app.get_text("/situasi", Some(&cookie));
    assert_eq!(s, 200);
    let text = visible(&html);
    for want in ["Situasi Kota Mojokerto", "26 November 2024 12.00 WIB", "Masa tenang", "Pemungutan suara", "TPS siap", "Sangat rawan", "Kasus terbuka", "Serapan", "Magersari", "Prajuritkulon"] {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    // What the unit must do comes first, soonest deadline first: Bawaslu's cases, the overdue one on top.
    let first = text.find("Perlu tindakan unit Anda").expect("to-do section");
    assert!(first < text.find("Tahapan").unwrap_or(0), "the unit's work comes before the tiles");
    let (_, v) = app.get("/api/v1/situation", Some(&token));
    let to_do = v["to_do"].as_array().expect("to_do");
    assert!(to_do.len() >= 2, "{to_do:?}");
    assert_eq!((to_do[0]["overdue"].as_bool(), to_do[0]["link"].as_str().map(|l| l.starts_with("/laporan/"))), (Some(true), Some(true)), "{to_do:?}");
    assert!(to_do.iter().all(|d| d["due"].as_str().is_some_and(|d| d.ends_with(" WIB"))), "{to_do:?}");
    // KPU owes an action item from the coordination meeting; the Pemda viewer owes nothing here.
    let kpu = app.login("kpu.kotamojokerto", PW);
    let (_, v) = app.get("/api/v1/situation", Some(&kpu));
    assert!(v["to_do"].as_array().expect("to_do").iter().any(|d| d["what"].as_str().is_some_and(|w| w.starts_with("Tindak lanjut")) && d["overdue"] == true), "{}", v["to_do"]);
    let pemda = app.login("pemkot.kotamojokerto", PW);
    assert_eq!(app.get("/api/v1/situation", Some(&pemda)).1["to_do"], serde_json::json!([]));
    // Places by name: no Kemendagri code in what the reader sees (the alerts' own wording is
    // the alerts' concern).
    let tiles = text.split("Peringatan untuk unit Anda").next().unwrap_or_default();
    assert!(!tiles.contains("35.76"), "a code is shown: {tiles}");
    // Each tile leads to its module, filtered to the region.
    assert!(html.contains("href=\"/logistik/kesiapan?pemilu=pilkada-2024&amp;wilayah=35.76\""), "{html}");
    assert!(html.contains("href=\"/situasi/35.76.02?pemilu=pilkada-2024\""), "{html}");
    // The map of the districts, coloured by readiness before voting day; each opens its situation.
    let map = html.split_once("id=\"peta-wilayah\"").expect("the map section").1;
    assert!(map.contains("<svg"), "an SVG map");
    assert!(map.contains("href=\"/situasi/35.76.02?pemilu=pilkada-2024&amp;lapis=kesiapan\""), "Magersari opens its situation: {map}");
    let (_, _, html) = app.get_text("/situasi?lapis=kerawanan", Some(&cookie));
    assert!(html.contains("href=\"/situasi/35.76.02?pemilu=pilkada-2024&amp;lapis=kerawanan\""), "the chosen layer is kept");
    // The table of areas sorts by another figure on request.
    let (_, _, html) = app.get_text("/situasi?urut=nama", Some(&cookie));
    let t = visible(&html);
    let (k, m, p) = (t.find("Kranggan").unwrap_or(usize::MAX), t.find("Magersari").unwrap_or(0), t.rfind("Prajuritkulon").unwrap_or(0));
    assert!(k < m && m < p, "sorted by name: {t}");
    // Module pages open on the viewer's own region, with a contest held there; the public's
    // still open on the nation.
    for path in ["/hasil", "/kerawanan", "/logistik"] {
        let (s, _, html) = app.get_text(path, Some(&cookie));
        assert_eq!(s, 200, "{path}");
        let h1 = visible(html.split("<h1").nth(1).and_then(|h| h.split("</h1>").next()).unwrap_or_default());
        assert!(h1.contains("Kota Mojokerto"), "{path} opens on the viewer's region: {h1}");
    }
    let (_, _, html) = app.get_text("/hasil", Some(&cookie));
    assert!(visible(&html).contains("Gubernur"), "a contest held in Kota Mojokerto");
    let (_, _, html) = app.get_text("/hasil", None);
    let h1 = visible(html.split("<h1").nth(1).and_then(|h| h.split("</h1>").next()).unwrap_or_default());
    assert!(h1.contains("Indonesia"), "the public's /hasil: {h1}");
    // A KPPS at one TPS lands in the field app.
    let kpps = app.login("kpps.balongsari", PW);
    assert_eq!(app.get_redirect("/situasi", &format!("sinergi_session={kpps}")), (303, Some("/lapangan".to_string())));
}


fn the_daily_report_is_made_each_morning_kept_and_verifiable(db: &TestDb) {
    let o = cli_env(db, &[("SINERGI_CLOCK", EVE)], &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    // A wrong report hour stops the start, saying why.
    let o = cli_env(db, &[("SINERGI_REPORT_HOUR", "25")], &["serve", "--listen", "127.0.0.1:0"], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("SINERGI_REPORT_HOUR"), "{}", stderr(&o));

    // The morning sweep makes the report of every regency with units once it is past 06.00 there.
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", EVE), ("SINERGI_REPORT_HOUR", "6"), ("SINERGI_SWEEP_SECS", "1")]);
    let made = |region: &str| db.scalar(&format!("SELECT COUNT(*) FROM situation_reports WHERE region_code = '{region}' AND election_id = 'pilkada-2024' AND day = '2024-11-26'"));
    for _ in 0..100 {
        if made("35.76") > 0 && made("35.17") > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!((made("35.76"), made("35.17")), (1, 1), "one report per regency, election and day");

    let token = app.login("pemkot.kotamojokerto", PW);
    let cookie = format!("sinergi_session={token}");
    let (s, headers, pdf) = get_pdf(&app, "/situasi/35.76/laporan.pdf", &cookie);
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&pdf));
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = String::from_utf8_lossy(&pdf);
    for want in ["LAPORAN SITUASI HARIAN", "Kota Mojokerto", "26 November 2024", "Yang masih terbuka per instansi", "Bawaslu: ", "halaman 1 dari", "Prajuritkulon"] {
        assert!(text.contains(want), "the report says {want}");
    }
    // Its fingerprint is served with it and is the file's.
    let sha = headers.iter().find(|(k, _)| k == "x-content-sha256").map(|(_, v)| v.clone()).expect("X-Content-SHA256");
    assert_eq!(sha, sha256_hex(&pdf));
    // As it was made: asked again, the same bytes.
    assert_eq!(get_pdf(&app, "/situasi/35.76/laporan.pdf?tanggal=2024-11-26", &cookie).2, pdf);
    // The QR code's address, printed beside it, opens the public verification page.
    let start = text.find("/laporan-situasi/").expect("verification address in the PDF");
    let path: String = text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '-').collect();
    let (s, _, page) = app.get_text(&path, None);
    assert_eq!(s, 200, "{path}");
    assert!(page.contains("TERCATAT") && page.contains(&sha) && page.contains("Kota Mojokerto"), "{page}");
    assert_eq!(app.get_text("/laporan-situasi/bukan-kode", None).0, 404);

    // A day without a report, and a day that is not a day, each say so.
    let (s, _, body) = get_pdf(&app, "/situasi/35.76/laporan.pdf?tanggal=2024-11-20", &cookie);
    assert_eq!(s, 404);
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("laporan situasi Kota Mojokerto tanggal 20 November 2024"), "{body}");
    let (s, _, body) = get_pdf(&app, "/situasi/35.76/laporan.pdf?tanggal=kemarin", &cookie);
    assert_eq!(s, 422, "{}", String::from_utf8_lossy(&body));

    // The list: today's summary and its WhatsApp link, and the kept reports.
    let (s, _, html) = app.get_text("/situasi/35.76/laporan", Some(&cookie));
    assert_eq!(s, 200);
    assert!(html.contains("href=\"https://wa.me/?text=%2ALaporan%20Situasi%20Harian%20Kota%20Mojokerto%2A"), "{html}");
    assert!(visible(&html).contains("26 November 2024"), "the kept report is listed");
    // Another regency's report is not for Jombang to read.
    let jombang = app.login("kpu.jombang", PW);
    assert_eq!(get_pdf(&app, "/situasi/35.76/laporan.pdf", &format!("sinergi_session={jombang}")).0, 403);
}

/// Opens `/situasi/{region}/langsung` and hands each event name that arrives to the returned
/// receiver (a thread reads the stream).
fn listen(app: &TestApp, region: &str, cookie: &str) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let url = app.url(&format!("/situasi/{region}/langsung"));
    let cookie = cookie.to_string();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let Ok(resp) = agent.get(&url).header("Cookie", &cookie).call() else { return };
        let _ = tx.send(format!("status {}", resp.status().as_u16()));
        for line in std::io::BufReader::new(resp.into_body().into_reader()).lines() {
            let Ok(line) = line else { return };
            if let Some(name) = line.strip_prefix("event: ") {
                if tx.send(name.to_string()).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

fn changes_reach_the_page_live_on_every_server(db: &TestDb) {
    let app = demo_app(db);
    let token = app.login("bawaslu.kotamojokerto", PW);
    let cookie = format!("sinergi_session={token}");
    let events = listen(&app, "35.76", &cookie);
    assert_eq!(events.recv_timeout(std::time::Duration::from_secs(10)).as_deref(), Ok("status 200"));
    // A neighbouring regency may not follow Mojokerto.
    let jombang = app.login("kpu.jombang", PW);
    assert_eq!(listen(&app, "35.76", &format!("sinergi_session={jombang}")).recv_timeout(std::time::Duration::from_secs(10)).as_deref(), Ok("status 403"));

    // The logins above were writes (sessions): let their event pass, then nothing changes and
    // nothing is sent.
    while events.recv_timeout(std::time::Duration::from_secs(4)).is_ok() {}
    assert!(events.recv_timeout(std::time::Duration::from_secs(2)).is_err(), "an event without a change");
    // A unit reads an alert: the page hears of it.
    let (_, alerts) = app.get("/api/v1/alerts?unacknowledged=true", Some(&token));
    let id = alerts["items"][0]["id"].as_i64().expect("an alert to read");
    assert_eq!(app.post(&format!("/api/v1/alerts/{id}/ack"), Some(&token), &serde_json::json!({})).0, 204);
    assert_eq!(events.recv_timeout(std::time::Duration::from_secs(10)).as_deref(), Ok("berubah"));

    // PostgreSQL: a second server on the same database; a write there reaches this server's page.
    if db.url().starts_with("postgres") {
        let other = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", EVE)]);
        let token = other.login("bawaslu.kotamojokerto", PW);
        while events.recv_timeout(std::time::Duration::from_secs(4)).is_ok() {}
        let (_, alerts) = other.get("/api/v1/alerts?unacknowledged=true", Some(&token));
        let id = alerts["items"][0]["id"].as_i64().expect("another alert to read");
        assert_eq!(other.post(&format!("/api/v1/alerts/{id}/ack"), Some(&token), &serde_json::json!({})).0, 204);
        assert_eq!(events.recv_timeout(std::time::Duration::from_secs(10)).as_deref(), Ok("berubah"), "the other server's write reached this page");
    }
}

/// A GET answered as bytes, with its status and headers (names in lower case).
fn get_pdf(app: &TestApp, path: &str, cookie: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(&app.url(path)).header("Cookie", cookie).call().expect("GET");
    let headers = resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    (resp.status().as_u16(), headers, resp.body_mut().read_to_vec().expect("body"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

on_both_engines!(
    the_situation_of_a_region_gathers_every_module,
    a_neighbouring_regency_sees_nothing_of_it,
    every_user_lands_on_their_own_situation,
    the_daily_report_is_made_each_morning_kept_and_verifiable,
    changes_reach_the_page_live_on_every_server
);
