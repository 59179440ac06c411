//! The field app's server side, on both engines with the demo data: KPPS and PTPS are units at
//! a TPS (and only they); `/lapangan` sends a visitor to log in and lists each officer's own
//! TPS by name; the queue page needs no session; the service worker, manifest and icons are
//! served with the headers an installable app needs; and the places API finds places by name
//! within a scope, lists a cascade level by level, names one place by its code and finds the
//! nearest TPS, refusing bad parameters by name.

mod common;

use common::{TestApp, TestDb, Value, cli, stderr, stdout};

const PASSWORD: &str = "sinergi-demo";

fn no_redirects() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).max_idle_connections(0).build().into()
}

/// An answer: (status, Location, headers as lower-case pairs, body).
type Fetched = (u16, Option<String>, Vec<(String, String)>, Vec<u8>);

/// GET without following redirects.
fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> Fetched {
    let mut req = no_redirects().get(&app.url(path));
    if let Some(t) = token {
        req = req.header("Cookie", &format!("sinergi_session={t}"));
    }
    let mut resp = req.call().expect("GET");
    let status = resp.status().as_u16();
    let headers: Vec<(String, String)> =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or("").to_string())).collect();
    let location = headers.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone());
    (status, location, headers, resp.body_mut().read_to_vec().unwrap_or_default())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn page(app: &TestApp, path: &str, token: &str) -> String {
    let (status, _, _, body) = fetch(app, path, Some(token));
    assert_eq!(status, 200, "{path}");
    String::from_utf8(body).expect("utf-8 page")
}

fn places(app: &TestApp, query: &str) -> Vec<Value> {
    let (s, v) = app.get(&format!("/api/v1/places?{query}"), None);
    assert_eq!(s, 200, "{query}: {v}");
    v["items"].as_array().cloned().unwrap_or_default()
}

fn field_units_home_and_shell(db: &TestDb) {
    let o = cli(db, &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    let listed = stdout(&o);
    for name in ["kpps.balongsari", "ptps.balongsari", "pps.balongsari", "pkd.balongsari", "polsek.magersari", "koramil.magersari"] {
        assert!(listed.contains(name), "the demo prints the field login {name}");
    }
    // A KPPS is a KPU unit at its TPS, named by it; other agencies have no unit at a TPS.
    let o = cli(db, &["user", "add", "kpps.tps002", "--agency", "kpu", "--region", "35.76.02.1008.002", "--role", "operator", "--password-stdin"], Some("rahasia-kpps-002\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("KPPS TPS 002 Balongsari"), "{}", stdout(&o));
    let o = cli(db, &["user", "add", "polri.tps", "--agency", "polri", "--region", "35.76.02.1008.002", "--role", "operator", "--password-stdin"], Some("rahasia-polri-tps\n"));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("satuan di TPS hanya untuk KPU (KPPS) dan Bawaslu (PTPS)"), "{}", stderr(&o));
    let o = cli(db, &["user", "add", "kpps.x", "--agency", "kpu", "--region", "35.76.02.9999.001", "--role", "operator", "--password-stdin"], Some("rahasia-kpps-xx\n"));
    assert!(!o.status.success() && stderr(&o).contains("35.76.02.9999"), "an unknown village is refused: {}", stderr(&o));

    let app = TestApp::spawn(db);
    // A visitor is sent to log in and back.
    let (status, location, _, _) = fetch(&app, "/lapangan", None);
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/masuk?next=/lapangan"));

    // The PTPS's home names its TPS and links to its C.Hasil, kept for offline use.
    let ptps = app.login("ptps.balongsari", PASSWORD);
    let home = page(&app, "/lapangan", &ptps);
    assert!(home.contains("PTPS TPS 001 Balongsari"), "the unit by name");
    assert!(home.contains("TPS saya") && home.contains("TPS 001 Balongsari"));
    assert!(home.contains(r#"href="/lapangan/hasil/35.76.02.1008.001" data-offline"#), "{home}");
    assert!(home.contains(r#"rel="manifest" href="/lapangan/manifest.webmanifest""#));
    assert!(!home.contains("<script>"), "no inline script");
    // The PPS sees the TPS of its village; a Polsek has its personnel form, no TPS work; a
    // unit with no field work (the Kejaksaan) is told so.
    let pps = app.login("pps.balongsari", PASSWORD);
    let home = page(&app, "/lapangan", &pps);
    assert!(home.contains("TPS di desa/kelurahan saya") && home.contains("TPS 002 Balongsari"), "{home}");
    let polsek = app.login("polsek.magersari", PASSWORD);
    let home = page(&app, "/lapangan", &polsek);
    assert!(!home.contains("TPS saya") && home.contains(r#"href="/lapangan/personel" data-offline"#) && home.contains("Polsek Magersari"), "{home}");
    let kejari = app.login("kejari.kotamojokerto", PASSWORD);
    let home = page(&app, "/lapangan", &kejari);
    assert!(home.contains(r#"id="no-work""#), "{home}");

    // The queue page is the phone's, and opens without a session.
    let (status, _, headers, body) = fetch(&app, "/lapangan/antrean", None);
    assert_eq!(status, 200);
    let body = String::from_utf8(body).expect("utf-8");
    assert!(body.contains("Antrean kiriman") && body.contains("hanya dapat ditampilkan dengan JavaScript"));
    assert!(header(&headers, "content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));

    // The worker may control the home itself (/lapangan) and is never cached by HTTP; the
    // versioned script is cached for good.
    let (status, _, headers, sw) = fetch(&app, "/lapangan/sw.js", None);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "service-worker-allowed"), Some("/lapangan"));
    assert_eq!(header(&headers, "cache-control"), Some("no-cache"));
    let sw = String::from_utf8(sw).expect("utf-8");
    let version = home.split("/lapangan/app.js?v=").nth(1).and_then(|r| r.split('"').next()).expect("versioned script").to_string();
    assert!(sw.contains(&format!("const VERSION = '{version}'")), "the worker names the pages' version");
    let (_, _, headers, _) = fetch(&app, &format!("/lapangan/app.js?v={version}"), None);
    assert!(header(&headers, "cache-control").is_some_and(|c| c.contains("immutable")));
    let (_, manifest) = app.get("/lapangan/manifest.webmanifest", None);
    assert_eq!(manifest["start_url"], "/lapangan");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["name"], "Sinergi Lapangan");
    for size in ["192", "512"] {
        let (status, _, headers, png) = fetch(&app, &format!("/lapangan/icon-{size}.png"), None);
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), Some("image/png"));
        assert!(png.starts_with(b"\x89PNG"));
        let w = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        assert_eq!(w.to_string(), size, "icon-{size}.png is {w} px wide");
    }
}

fn places_by_name_within_a_scope(db: &TestDb) {
    let o = cli(db, &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    let app = TestApp::spawn(db);

    // By name: every Balongsari in the country, with its path; within Kota Mojokerto one.
    let all = places(&app, "q=balongsari&level=village");
    assert!(all.len() >= 5, "{all:?}");
    let mine = places(&app, "q=balongsari&level=village&within=35.76");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["code"], "35.76.02.1008");
    assert_eq!(mine[0]["path"], "Jawa Timur › Kota Mojokerto › Magersari › Balongsari");
    // A TPS by number and village name.
    let tps = places(&app, "q=tps%201%20balongsari&level=village,tps&within=35.76");
    assert_eq!(tps[0]["code"], "35.76.02.1008.001");
    assert_eq!(tps[0]["name"], "TPS 001");

    // The cascade: districts of the city, villages of a district, TPS of a village; a scope
    // below a level gives its own ancestor (a KPPS's district is its own).
    let districts = places(&app, "within=35.76&level=district");
    assert!(districts.iter().any(|d| d["name"] == "Magersari"), "{districts:?}");
    assert!(districts.iter().all(|d| d["code"].as_str().is_some_and(|c| c.starts_with("35.76.") && c.len() == 8)));
    let villages = places(&app, "within=35.76.02&level=village");
    assert!(villages.iter().any(|v| v["code"] == "35.76.02.1008"));
    let tps = places(&app, "within=35.76.02.1008&level=tps&election=pilkada-2024");
    assert!(tps.len() >= 2 && tps[0]["code"] == "35.76.02.1008.001", "{tps:?}");
    let own = places(&app, "within=35.76.02.1008.001&level=district");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["code"], "35.76.02");
    // One place by its code.
    let one = places(&app, "code=35.76.02.1008.001");
    assert_eq!(one[0]["path"], "Jawa Timur › Kota Mojokerto › Magersari › Balongsari › TPS 001");
    assert!(places(&app, "code=35.76.02.1008.999").is_empty(), "no such TPS");

    // The nearest TPS to a TPS's own position is that TPS.
    let (_, t) = app.get("/api/v1/elections/pilkada-2024/tps/35.76.02.1008.001", None);
    let (lat, lon) = (t["lat"].as_f64().expect("lat"), t["lon"].as_f64().expect("lon"));
    let (s, near) = app.get(&format!("/api/v1/places/nearest?election=pilkada-2024&lat={lat}&lon={lon}&within=35.76"), None);
    assert_eq!(s, 200, "{near}");
    assert_eq!(near["items"][0]["code"], "35.76.02.1008.001");
    assert_eq!(near["items"][0]["distance_m"], 0.0);
    assert!(near["items"].as_array().is_some_and(|a| a.len() <= 5));

    // Bad parameters are refused by name, in Indonesian.
    for (query, field) in [("level=kota", "level"), ("q=a", "q"), ("within=99.99", "within"), ("limit=0", "limit"), ("election=pemilu-1999", "election")] {
        let (s, v) = app.get(&format!("/api/v1/places?{query}"), None);
        assert_eq!(s, 422, "{query}: {v}");
        assert_eq!(v["error"]["field"], field, "{query}: {v}");
    }
    let (s, v) = app.get("/api/v1/places/nearest?lat=91&lon=112", None);
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("lat")), "{v}");
}

/// A logout form's post, with the session cookie and our own Origin, as a browser sends it.
fn post_logout(app: &TestApp, path: &str, token: &str) -> Fetched {
    let mut resp = no_redirects()
        .post(&app.url(path))
        .header("Cookie", &format!("sinergi_session={token}"))
        .header("Origin", app.base.as_str())
        .content_type("application/x-www-form-urlencoded")
        .send("akun=ptps.balongsari")
        .expect("POST");
    let headers: Vec<(String, String)> =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or("").to_string())).collect();
    let location = headers.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone());
    (resp.status().as_u16(), location, headers, resp.body_mut().read_to_vec().unwrap_or_default())
}

/// Every logout passes through the field app's scope (so its service worker forgets the
/// officer's copies on a shared phone) and asks the browser to drop its HTTP cache, never its
/// storage (the queue of items not yet sent lives there).
fn logout_passes_through_the_field_app(db: &TestDb) {
    let o = cli(db, &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    let app = TestApp::spawn(db);
    let ptps = app.login("ptps.balongsari", PASSWORD);
    let home = page(&app, "/lapangan", &ptps);
    assert!(home.contains(r#"action="/lapangan/keluar""#) && home.contains(r#"name="akun" value="ptps.balongsari""#), "{home}");

    // The home's button: back to the home, which asks the next officer to log in.
    let (status, location, headers, _) = post_logout(&app, "/lapangan/keluar", &ptps);
    assert_eq!((status, location.as_deref()), (303, Some("/lapangan")));
    assert_eq!(header(&headers, "clear-site-data"), Some("\"cache\""));
    assert!(header(&headers, "set-cookie").is_some_and(|c| c.starts_with("sinergi_session=;") && c.contains("Max-Age=0")));
    let (status, location, _, _) = fetch(&app, "/lapangan", Some(&ptps));
    assert_eq!((status, location.as_deref()), (303, Some("/masuk?next=/lapangan")), "the session is over");

    // The console's button: through /lapangan/keluar on to the public map, as before.
    let kpu = app.login("kpu.kotamojokerto", PASSWORD);
    let (status, location, headers, _) = post_logout(&app, "/keluar", &kpu);
    assert_eq!((status, location.as_deref()), (303, Some("/lapangan/keluar")));
    assert_eq!(header(&headers, "clear-site-data"), Some("\"cache\""));
    let (status, location, _, _) = fetch(&app, "/lapangan/keluar", None);
    assert_eq!((status, location.as_deref()), (303, Some("/wilayah")));
    let (status, _) = app.get("/api/v1/me", Some(&kpu));
    assert_eq!(status, 401);
}

/// The nearest TPS is found through the position index on both engines, right up to the edge
/// of its ±0.2° box, in every direction and on cell boundaries (PostgreSQL rounds where SQLite
/// truncates), and not beyond it.
fn nearest_reaches_the_edges_of_its_box(db: &TestDb) {
    let o = cli(db, &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    // TPS 001 Balongsari alone at sea, on a cell boundary (−105.5 + 1000 = 894.5).
    db.tamper("UPDATE tps SET lat = -10.55, lon = 140.55 WHERE code = '35.76.02.1008.001'");
    let app = TestApp::spawn(db);
    let near = |lat: f64, lon: f64| {
        let (s, v) = app.get(&format!("/api/v1/places/nearest?election=pilkada-2024&lat={lat}&lon={lon}"), None);
        assert_eq!(s, 200, "{v}");
        v["items"].as_array().cloned().unwrap_or_default()
    };
    for (dlat, dlon) in [(0.0, 0.0), (0.199, 0.199), (-0.199, -0.199), (0.199, -0.199), (-0.199, 0.199), (0.05, -0.15), (-0.1, 0.0)] {
        let items = near(-10.55 + dlat, 140.55 + dlon);
        assert_eq!(items.len(), 1, "({dlat}, {dlon}): {items:?}");
        assert_eq!(items[0]["code"], "35.76.02.1008.001");
    }
    for (dlat, dlon) in [(0.21, 0.0), (-0.21, 0.0), (0.0, 0.21), (0.0, -0.21)] {
        assert!(near(-10.55 + dlat, 140.55 + dlon).is_empty(), "({dlat}, {dlon}) lies outside the box");
    }
}

on_both_engines!(field_units_home_and_shell, places_by_name_within_a_scope, logout_passes_through_the_field_app, nearest_reaches_the_edges_of_its_box);
