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
    // The tile's "TPS rawan" is the table's column: the areas below add up to it.
    let column: i64 = v["children"].as_array().expect("children").iter().filter_map(|c| c["tps_rawan"].as_i64()).sum();
    assert!(column > 0);
    assert_eq!(v["security"]["tps_rawan"].as_i64(), Some(column), "{}", v["security"]);
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

/// The report's map: the areas below filled by readiness (the eve of voting day), each named,
/// the legend and the outlines' credit line; a province's regencies too, those too small to
/// name keyed by number below the map.
fn the_daily_report_holds_the_map(db: &TestDb) {
    let app = demo_app(db);
    let token = app.login("pemkot.kotamojokerto", PW);
    let (s, _, pdf) = get_pdf(&app, "/situasi/35.76/laporan.pdf", &format!("sinergi_session={token}"));
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&pdf));
    let text = String::from_utf8_lossy(&pdf);
    // Names on the map are drawn outlined then filled ("1 Tr … 0 Tr"): not the table's lines.
    let on_map = |name: &str| text.contains(&format!("1 Tr ({name}) Tj"));
    for district in ["Prajuritkulon", "Magersari", "Kranggan"] {
        assert!(on_map(district), "{district} named on the map");
    }
    for want in ["(Peta: Kesiapan logistik \\267 Kota Mojokerto) Tj", "(TPS yang logistiknya siap) Tj", "(Batas wilayah: cahyadsn/wilayah_boundaries \\251 2024\\2262025 Cahya DSN \\(MIT\\)) Tj"] {
        assert!(text.contains(want), "the report holds {want}");
    }
    // The outlines are paths, filled and outlined, in the legend's colours.
    let paths = text.matches(" l\n").count();
    assert!(paths > 100 && text.contains(" m\n") && text.matches("h\nB*\n").count() >= 3, "{paths} line segments");
    assert!(["0.173 0.482 0.714 rg", "0.671 0.851 0.914 rg", "1 1 0.749 rg", "0.992 0.682 0.38 rg", "0.843 0.098 0.11 rg"].iter().any(|c| text.contains(c)), "an area coloured by its class");
    assert!(pdf.len() < 200_000, "a small file: {} bytes", pdf.len());

    // The province: its 38 regencies and cities, the small ones keyed by number.
    let jatim = app.login("kpu.jatim", PW);
    let (s, _, pdf) = get_pdf(&app, "/situasi/35/laporan.pdf", &format!("sinergi_session={jatim}"));
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&pdf));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("1 Tr (Kab. Jember) Tj") && text.contains("1 Tr (Kab. Banyuwangi) Tj"), "large regencies named on the map");
    let key = text.lines().filter(|l| l.contains(" Kota Mojokerto")).collect::<Vec<_>>().join("\n");
    assert!(key.chars().any(|c| c.is_ascii_digit()), "Kota Mojokerto, too small to name on a province's map, is keyed: {key}");
    assert!(text.contains("Batas wilayah: cahyadsn/wilayah_boundaries"));
    assert!(pdf.len() < 400_000, "a small file: {} bytes", pdf.len());
}

const COUNTING_NIGHT: &str = "2024-11-27T21:00:00+07:00";

/// The area `code` of the recap progress in a situation answer.
fn recap_area<'a>(v: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    v["results"]["recap"]["areas"].as_array().and_then(|a| a.iter().find(|x| x["place"]["code"] == code)).unwrap_or_else(|| panic!("no {code} in {}", v["results"]["recap"]))
}

/// The row of `code` in the page's recap table, as the reader sees it.
fn recap_row(html: &str, code: &str) -> String {
    let table = html.split_once("id=\"rekap-wilayah\"").expect("the recap table").1;
    let row = table.split_once(&format!("data-code=\"{code}\"")).unwrap_or_else(|| panic!("no row {code}: {table}")).1;
    visible(row.split("</tr>").next().unwrap_or_default())
}

fn recap_progress_follows_the_plenaries(db: &TestDb) {
    // Counting night as the demo loads it (no feeder: not `serve --demo`): Prajurit Kulon and
    // Magersari have their district recap, Kranggan is still counting.
    let o = cli_env(db, &[("SINERGI_CLOCK", COUNTING_NIGHT)], &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", COUNTING_NIGHT)]);
    let pemda = app.login("pemkot.kotamojokerto", PW);
    let cookie = format!("sinergi_session={pemda}");
    let (s, v) = app.get("/api/v1/situation", Some(&pemda));
    assert_eq!(s, 200, "{v}");
    let recap = &v["results"]["recap"];
    assert_eq!(recap["name"], "Gubernur dan Wakil Gubernur", "{recap}");
    assert_eq!(recap["summary"], "2 dari 3 kecamatan sudah direkap", "{recap}");
    let kranggan = recap_area(&v, "35.76.03");
    assert_eq!((kranggan["state"].as_str(), kranggan["state_label"].as_str()), (Some("penghitungan_berjalan"), Some("penghitungan berjalan")), "{kranggan}");
    let (tps_in, tps_total) = (kranggan["tps_in"].as_i64().expect("tps_in"), kranggan["tps_total"].as_i64().expect("tps_total"));
    assert!(0 < tps_in && tps_in < tps_total, "{kranggan}");
    assert_eq!(kranggan["link"], "/hasil/rekap/35.76.03?pemilu=pilkada-2024&kontes=gubernur");
    assert_eq!(recap_area(&v, "35.76.01")["state_label"], "rekap ditetapkan");
    // The page says the same, each district a link to its recap.
    let (_, _, html) = app.get_text("/situasi", Some(&cookie));
    assert!(visible(&html).contains("2 dari 3 kecamatan sudah direkap"), "{html}");
    let row = recap_row(&html, "35.76.03");
    assert!(row.contains("Kranggan") && row.contains("penghitungan berjalan") && row.contains(&format!("{tps_in} / {tps_total}")), "{row}");
    assert!(html.contains("href=\"/hasil/rekap/35.76.03?pemilu=pilkada-2024&amp;kontes=gubernur\""), "Kranggan opens its recap");
    let (_, _, en) = app.get_text("/situasi", Some(&format!("{cookie}; lang=en")));
    assert!(recap_row(&en, "35.76.01").contains("recap adopted") && visible(&en).contains("2 of 3 districts recapped"), "{en}");
    // The province sees Kota Mojokerto waiting for its last district.
    let jatim = app.login("kpu.jatim", PW);
    let (s, p) = app.get("/api/v1/situation?region=35", Some(&jatim));
    assert_eq!(s, 200, "{p}");
    assert_eq!(recap_area(&p, "35.76")["state_label"], "rekap kecamatan berjalan (2 dari 3)", "{}", recap_area(&p, "35.76"));

    // Kranggan's plenary reads out its numbers: the district is recapped, and the city is ready
    // for its own recap.
    let kpu = app.login("kpu.kotamojokerto", PW);
    let (s, sum) = app.get("/api/v1/elections/pilkada-2024/recap/35.76.03/gubernur", None);
    assert_eq!(s, 200, "{sum}");
    let (s, put) = app.put("/api/v1/elections/pilkada-2024/recap/35.76.03/gubernur", Some(&kpu), &sum["children_sum"]);
    assert_eq!(s, 200, "{put}");
    let (_, v) = app.get("/api/v1/situation", Some(&pemda));
    assert_eq!(recap_area(&v, "35.76.03")["state"], "rekap_ditetapkan", "{}", v["results"]["recap"]);
    assert_eq!(v["results"]["recap"]["summary"], "3 dari 3 kecamatan sudah direkap");
    let (_, _, html) = app.get_text("/situasi", Some(&cookie));
    assert!(recap_row(&html, "35.76.03").contains("rekap ditetapkan"), "{html}");
    let (_, p) = app.get("/api/v1/situation?region=35", Some(&jatim));
    assert_eq!(recap_area(&p, "35.76")["state_label"], "siap direkap");
    // A district's own page: its villages, and its plenary in the line above them.
    let (_, d) = app.get("/api/v1/situation?region=35.76.03", Some(&pemda));
    assert!(d["results"]["recap"]["summary"].as_str().is_some_and(|s| s.starts_with("Rekap kecamatan ditetapkan")), "{}", d["results"]["recap"]);
    assert!(d["results"]["recap"]["areas"].as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|x| x["state"] == "rekap_ditetapkan")), "{}", d["results"]["recap"]);
    // The daily report has it as a table.
    let (s, _, pdf) = get_pdf(&app, "/situasi/35.76/laporan.pdf", &cookie);
    assert_eq!(s, 200);
    let text = String::from_utf8_lossy(&pdf);
    for want in ["Rekapitulasi Gubernur dan Wakil Gubernur", "3 dari 3 kecamatan sudah direkap", "rekap ditetapkan"] {
        assert!(text.contains(want), "the report says {want}");
    }
}

/// The `--demo` server with extra environment.
fn demo_server(db: &TestDb, clock: &str, feed_secs: &str) -> TestApp {
    TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", clock), ("SINERGI_DEMO_FEED_SECS", feed_secs)])
}

/// Kota Mojokerto's TPS counted for the governor (public summary).
fn governor_in(app: &TestApp) -> (i64, i64) {
    let (s, v) = app.get("/api/v1/elections/pilkada-2024/results/summary?contest=gubernur&region=35.76", None);
    assert_eq!(s, 200, "{v}");
    (v["tps_in"].as_i64().expect("tps_in"), v["tps_total"].as_i64().expect("tps_total"))
}

fn the_demo_eve_has_something_in_every_tile(db: &TestDb) {
    let app = demo_server(db, EVE, "0.5");
    let pemda = app.login("pemkot.kotamojokerto", PW);
    let (_, v) = app.get("/api/v1/situation", Some(&pemda));
    let next = &v["coordination"]["next_meeting"];
    assert!(next["title"].as_str().is_some_and(|t| t.contains("Forkopimda")), "the Forkopimda meets tonight: {}", v["coordination"]);
    assert_eq!(next["starts"], "26 November 2024 19.00 WIB");
    let (s, _, html) = app.get_text("/situasi", Some(&format!("sinergi_session={pemda}")));
    assert_eq!(s, 200);
    // A tile's text as read, spaces collapsed.
    let tile = |id: &str| {
        let section = html.split_once(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no tile {id}")).1.split("</section>").next().unwrap_or_default();
        visible(section).split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let coordination = tile("koordinasi");
    assert!(coordination.contains("Rapat berikutnya:") && coordination.contains("Forkopimda") && coordination.contains("26 November 2024 19.00 WIB"), "{coordination}");
    assert!(coordination.contains("Tindak lanjut terlambat:"), "{coordination}");
    let logistics = tile("logistik");
    assert!(logistics.contains("TPS siap") && logistics.contains("Paling belum siap:"), "{logistics}");
    let security = tile("keamanan");
    assert!(security.contains("Sangat rawan") && !security.contains("Sangat rawan 0 TPS") && !security.contains(" Rawan 0 TPS"), "{security}");
    assert!(security.contains("TPS rawan (memenuhi indikator Bawaslu) 48 dari 165"), "the table's TPS rawan are named in the tile: {security}");
    let violations = tile("pelanggaran");
    assert!(violations.contains("Kasus terbuka") && !violations.contains("Kasus terbuka 0 "), "{violations}");
    let budget = tile("anggaran");
    assert!(budget.contains("Serapan") && budget.contains('%') && !budget.contains("Serapan 0,00%"), "{budget}");
    assert!(tile("hasil").contains("Hasil masuk mulai hari pemungutan suara."), "results wait for voting day");
    // The feeder waits for counting night: nothing comes in on the eve.
    let before = governor_in(&app);
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(governor_in(&app), before, "no result enters on the eve");
}

fn the_demo_count_moves_on_counting_night(db: &TestDb) {
    let mut app = demo_server(db, "2024-11-27T19:00:00+07:00", "1");
    let token = app.login("bawaslu.kotamojokerto", PW);
    let events = listen(&app, "35.76", &format!("sinergi_session={token}"));
    let (first, total) = governor_in(&app);
    std::thread::sleep(std::time::Duration::from_secs(3));
    let (_, v) = app.get("/api/v1/situation", Some(&token));
    let then = v["results"]["contests"].as_array().and_then(|c| c.iter().find(|x| x["contest"] == "gubernur")).and_then(|g| g["tps_in"].as_i64()).expect("governor in the situation");
    assert!(then > first, "the count rose from {first} to {then} of {total}");
    // The live page hears of it.
    let heard = (0..5).find_map(|_| events.recv_timeout(std::time::Duration::from_secs(3)).ok().filter(|e| e == "berubah"));
    assert_eq!(heard.as_deref(), Some("berubah"), "the live page follows the count");
    // Until every TPS is entered (one awaits its second entry and two are held on mismatched
    // entries: they never count), then it stops.
    let mut last = then;
    for _ in 0..60 {
        std::thread::sleep(std::time::Duration::from_secs(1));
        last = governor_in(&app).0;
        if last == total - 3 {
            break;
        }
    }
    assert_eq!(last, total - 3, "every TPS entered but the three the demo holds");
    let (_, _, page) = app.get_text("/hasil?pemilu=pilkada-2024&kontes=gubernur&wilayah=35.76", None);
    assert!(page.contains(&format!("<span data-field=\"tps_in\">{last}</span>")), "/hasil shows it");
    // A restart changes nothing: what is in stays in, once.
    drop(std::mem::replace(&mut app, demo_server(db, "2024-11-27T19:30:00+07:00", "1")));
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(governor_in(&app).0, total - 3);
    let entries = db.scalar("SELECT COUNT(*) FROM result_entries WHERE election_id = 'pilkada-2024' AND contest = 'gubernur' AND source = 'kpu' AND tps_code >= '35.76.03' AND tps_code < '35.76.03/'");
    let tps = db.scalar("SELECT COUNT(*) FROM tps WHERE election_id = 'pilkada-2024' AND code >= '35.76.03' AND code < '35.76.03/'");
    assert_eq!(entries, 2 * tps, "Kranggan: two KPU entries per TPS, none twice");
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

    // Signing in changes no one's picture: nothing is sent.
    assert!(events.recv_timeout(std::time::Duration::from_secs(3)).is_err(), "signing in woke the page");
    // A change in Jombang is not Mojokerto's: its page stays still.
    let polres = app.login("polres.jombang", PW);
    let (s, v) = app.call("PUT", "/api/v1/elections/pilkada-2024/security/personnel/35.17.01", Some(&polres), &[], Some(br#"{"polri": 12}"#));
    assert_eq!(s, 200, "{v}");
    assert!(events.recv_timeout(std::time::Duration::from_secs(4)).is_err(), "a change in Jombang woke Mojokerto's page");
    // The same in Mojokerto does.
    let polres = app.login("polres.kotamojokerto", PW);
    let (s, v) = app.call("PUT", "/api/v1/elections/pilkada-2024/security/personnel/35.76.01", Some(&polres), &[], Some(br#"{"polri": 12}"#));
    assert_eq!(s, 200, "{v}");
    assert_eq!(events.recv_timeout(std::time::Duration::from_secs(10)).as_deref(), Ok("berubah"));
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

/// Every TPS code a list page shows (`data-tps`), following its "Berikutnya" links to the end;
/// with the visible text of every page.
fn list_pages(app: &TestApp, first: &str, cookie: &str) -> (Vec<String>, String) {
    let (mut codes, mut text, mut next) = (vec![], String::new(), Some(first.to_string()));
    while let Some(path) = next.take() {
        let (s, _, html) = app.get_text(&path, Some(cookie));
        assert_eq!(s, 200, "{path}: {html}");
        codes.extend(html.split("data-tps=\"").skip(1).filter_map(|r| r.split('"').next()).map(str::to_string));
        text.push_str(&visible(&html));
        let tag = html.split("id=\"berikutnya\"").nth(1).and_then(|r| r.split('>').next()).unwrap_or_default();
        next = tag.split("href=\"").nth(1).and_then(|r| r.split('"').next()).map(|h| h.replace("&amp;", "&"));
        assert!(codes.len() <= 10_000, "the pages never end");
    }
    (codes, text)
}

fn a_category_count_opens_the_list_of_its_tps(db: &TestDb) {
    let app = demo_app(db);
    let polres = app.login("polres.kotamojokerto", PW);
    let cookie = format!("sinergi_session={polres}");
    let (_, v) = app.get("/api/v1/situation", Some(&polres));
    let count = |k: &str| v["security"]["by_category"][k].as_i64().expect("a count");
    let (rawan, sangat) = (count("rawan"), count("sangat_rawan"));
    let kurang = count("kurang_rawan");
    assert!(kurang > 100 && rawan >= 1 && sangat >= 1, "{}", v["security"]);

    // On the situation page each category's count leads to its list, filtered to the region.
    let (_, _, html) = app.get_text("/situasi", Some(&cookie));
    let href = "/kerawanan/tps?pemilu=pilkada-2024&wilayah=35.76&kategori=rawan";
    assert!(html.contains(&format!("href=\"{}\"", href.replace('&', "&amp;"))), "the rawan count links to its list: {html}");
    let (codes, text) = list_pages(&app, href, &cookie);
    assert_eq!(codes.len() as i64, rawan, "the list holds every rawan TPS the tile counts");
    assert!(
        ["Riwayat kekerasan dan/atau intimidasi", "Politik uang", "TPS rawan konflik", "Politisasi SARA dan ujaran kebencian", "Riwayat penolakan penyelenggaraan pemungutan suara"]
            .iter()
            .any(|l| text.contains(l)),
        "indicator labels: {text}"
    );
    assert!(text.contains("TPS rawan di Kota Mojokerto") && !text.contains("kekerasan_intimidasi"), "no key is shown: {text}");
    // The long list, page by page (fifty a page): as long as the count, only Kota Mojokerto's TPS.
    let (codes, text) = list_pages(&app, "/kerawanan/tps?pemilu=pilkada-2024&wilayah=35.76&kategori=kurang_rawan", &cookie);
    assert_eq!(codes.len() as i64, kurang, "the list holds every kurang rawan TPS the tile counts");
    assert!(codes.iter().all(|c| c.starts_with("35.76.")), "{codes:?}");
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, codes, "in code order (district, village, TPS), each once");
    // Each row by name, with its address and indicators in plain Indonesian.
    for want in ["Kecamatan Magersari", "Balongsari", "TPS 0", "Kurang rawan", "Tidak ada indikator tercatat"] {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    assert!(!text.contains("35.76."), "no code is shown: {text}");
    // The API: the same TPS, each with its address, names and labels.
    let api = "/api/v1/elections/pilkada-2024/vulnerability/tps?region=35.76&grade=kurang_rawan&limit=40";
    let (s, page) = app.get(api, Some(&polres));
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["total"].as_i64(), Some(kurang));
    let first = &page["items"][0];
    assert_eq!(first["code"].as_str(), codes.first().map(String::as_str));
    assert!(!first["address"].as_str().unwrap_or_default().is_empty() && text.contains(first["address"].as_str().unwrap_or("?")), "{first}");
    assert!(first["name"].as_str().is_some_and(|n| n.starts_with("TPS ")) && first["district"].is_string() && first["village"].is_string(), "{first}");
    let (_, r) = app.get("/api/v1/elections/pilkada-2024/vulnerability/tps?region=35.76&grade=rawan", Some(&polres));
    assert!(r["items"][0]["indicators"][0]["label"].as_str().is_some_and(|l| l.chars().next().is_some_and(char::is_uppercase)), "{r}");
    let (mut seen, mut next) = (0, page["next"].as_str().map(str::to_string));
    seen += page["items"].as_array().map_or(0, Vec::len);
    while let Some(after) = next.take() {
        let (_, p) = app.get(&format!("{api}&after={after}"), Some(&polres));
        seen += p["items"].as_array().map_or(0, Vec::len);
        next = p["next"].as_str().map(str::to_string);
    }
    assert_eq!(seen as i64, kurang);
    let (sangat_codes, _) = list_pages(&app, "/kerawanan/tps?pemilu=pilkada-2024&wilayah=35.76&kategori=sangat_rawan", &cookie);
    assert_eq!(sangat_codes.len() as i64, sangat);
    // A Polres override wins, as in the security plan: a kurang rawan TPS raised to sangat rawan joins that list.
    let kurang = app.get("/api/v1/elections/pilkada-2024/vulnerability/tps?region=35.76&grade=kurang_rawan&limit=1", Some(&polres)).1;
    let raised = kurang["items"][0]["code"].as_str().expect("a kurang rawan TPS").to_string();
    let (s, o) = app.put(&format!("/api/v1/elections/pilkada-2024/vulnerability/tps/{raised}/grade"), Some(&polres), &serde_json::json!({"category": "sangat_rawan", "reason": "informasi intelijen"}));
    assert_eq!(s, 200, "{o}");
    let (_, p) = app.get("/api/v1/elections/pilkada-2024/vulnerability/tps?region=35.76&grade=sangat_rawan", Some(&polres));
    assert_eq!(p["total"].as_i64(), Some(sangat + 1));
    assert!(p["items"].as_array().expect("items").iter().any(|t| t["code"] == raised.as_str() && t["overridden"] == true), "{p}");
    // The kerawanan page's counts lead there too.
    let (_, _, html) = app.get_text("/kerawanan?pemilu=pilkada-2024&wilayah=35.76", Some(&cookie));
    assert!(html.contains("href=\"/kerawanan/tps?pemilu=pilkada-2024&amp;wilayah=35.76&amp;kategori=sangat_rawan\""), "{html}");

    // Jombang's KPU reads Jombang's list, never Mojokerto's.
    let jombang = app.login("kpu.jombang", PW);
    let jc = format!("sinergi_session={jombang}");
    let (own, _) = list_pages(&app, "/kerawanan/tps?kategori=rawan", &jc);
    assert!(!own.is_empty() && own.iter().all(|c| c.starts_with("35.17.")), "{own:?}");
    let (s, _, html) = app.get_text(href, Some(&jc));
    assert_eq!(s, 403);
    assert!(!html.contains("data-tps") && visible(&html).contains("di luar wilayah kerja satuan Anda"), "{html}");
    let (s, e) = app.get("/api/v1/elections/pilkada-2024/vulnerability/tps?region=35.76&grade=rawan", Some(&jombang));
    assert_eq!(s, 403, "{e}");
    // The Pemda reads the counts, not the TPS behind them: refused in Indonesian, and not led there.
    let pemda = app.login("pemkot.kotamojokerto", PW);
    let pc = format!("sinergi_session={pemda}");
    let (s, _, html) = app.get_text(href, Some(&pc));
    assert_eq!(s, 403);
    assert!(visible(&html).contains("yang boleh membaca data pengamanan"), "{html}");
    let (s, e) = app.get("/api/v1/elections/pilkada-2024/vulnerability/tps?region=35.76&grade=rawan", Some(&pemda));
    assert_eq!(s, 403, "{e}");
    assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("yang boleh membaca data pengamanan")), "{e}");
    assert!(!app.get_text("/situasi", Some(&pc)).2.contains("/kerawanan/tps"), "no link to a list the Pemda may not read");
    // Without an account: the login page; a category that does not exist is named.
    assert_eq!(app.get_redirect(href, "").0, 303);
    assert_eq!(app.get("/api/v1/elections/pilkada-2024/vulnerability/tps?region=35.76&grade=rawan", None).0, 401);
    let (s, _, html) = app.get_text("/kerawanan/tps?kategori=aman", Some(&cookie));
    assert_eq!(s, 422);
    assert!(visible(&html).contains("kategori harus kurang_rawan, rawan atau sangat_rawan"), "{html}");
}

fn personnel_gaps_are_shown_per_area(db: &TestDb) {
    let app = demo_app(db);
    let polres = app.login("polres.kotamojokerto", PW);
    // The demo's Magersari lacks 8 police and 20 Linmas; its neighbours field enough.
    let (_, plan) = app.get("/api/v1/elections/pilkada-2024/security/plan?region=35.76", Some(&polres));
    let magersari = plan["districts"].as_array().expect("districts").iter().find(|d| d["code"] == "35.76.02").expect("Magersari").clone();
    let (_, v) = app.get("/api/v1/situation", Some(&polres));
    let gaps = v["security"]["personnel_gaps"].as_array().expect("personnel_gaps").clone();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(v["security"]["personnel_gap_areas"], 1);
    let g = &gaps[0];
    assert_eq!((g["place"]["name"].as_str(), g["plan_region"].as_str()), (Some("Magersari"), Some("35.76")));
    assert_eq!((g["police_short"].as_i64(), g["linmas_short"].as_i64()), (Some(8), Some(20)), "{g}");
    // The same numbers as the security plan, without its per-TPS scan.
    assert_eq!(g["police_needed"], magersari["needed"]["police"]);
    assert_eq!(g["linmas_needed"], magersari["needed"]["linmas"]);
    assert_eq!(g["police_available"].as_i64(), Some(magersari["available"]["polri"].as_i64().unwrap_or(-1) + magersari["available"]["tni"].as_i64().unwrap_or(-1)));
    assert_eq!(g["linmas_available"], magersari["available"]["linmas"]);
    // On the page: by name, with the numbers, linked to the security plan.
    let cookie = format!("sinergi_session={polres}");
    let (_, _, html) = app.get_text("/situasi", Some(&cookie));
    let tile = visible(html.split("id=\"kekurangan-personel\"").nth(1).expect("the gaps").split("</ul>").next().unwrap_or_default());
    let (need, have) = (g["police_needed"].as_i64().unwrap_or(0), g["police_available"].as_i64().unwrap_or(0));
    for want in ["Magersari".to_string(), "kurang  8  polisi".to_string(), format!("perlu {need}, ada {have}"), "20  Linmas".to_string()] {
        assert!(tile.contains(&want), "{want} missing: {tile}");
    }
    assert!(html.contains("href=\"/pengamanan?pemilu=pilkada-2024&amp;wilayah=35.76\">Magersari"), "{html}");
    // The plan is the regency's: from a district's page too, never a region without a plan.
    for page in ["/situasi", "/situasi/35.76.02?pemilu=pilkada-2024"] {
        let (_, _, html) = app.get_text(page, Some(&cookie));
        assert!(html.contains("id=\"rencana\"><a href=\"/pengamanan?pemilu=pilkada-2024&amp;wilayah=35.76\""), "{page}: {html}");
    }
    // A district sees itself; a district with enough personnel sees none.
    let (_, d) = app.get("/api/v1/situation?region=35.76.02", Some(&polres));
    assert_eq!(d["security"]["personnel_gaps"][0]["place"]["name"], "Magersari");
    let (_, d) = app.get("/api/v1/situation?region=35.76.01", Some(&polres));
    assert_eq!(d["security"]["personnel_gaps"], serde_json::json!([]));
    // A province sees its regencies: those without personnel recorded lack all they need.
    let jatim = app.login("kpu.jatim", PW);
    let (s, p) = app.get("/api/v1/situation?region=35", Some(&jatim));
    assert_eq!(s, 200, "{p}");
    let gaps = p["security"]["personnel_gaps"].as_array().expect("gaps");
    let mojokerto = gaps.iter().find(|g| g["place"]["code"] == "35.76").expect("Kota Mojokerto");
    assert_eq!((mojokerto["place"]["name"].as_str(), mojokerto["police_short"].as_i64(), mojokerto["linmas_short"].as_i64()), (Some("Kota Mojokerto"), Some(8), Some(20)));
    let jombang = gaps.iter().find(|g| g["place"]["code"] == "35.17").expect("Kabupaten Jombang");
    assert!(jombang["police_short"] == jombang["police_needed"] && jombang["police_available"] == 0, "{jombang}");
    assert!(gaps.windows(2).all(|w| w[0]["police_short"].as_i64() >= w[1]["police_short"].as_i64()), "worst first: {gaps:?}");
    // A province has no plan of its own: its page links each regency's instead.
    let (_, _, html) = app.get_text("/situasi/35?pemilu=pilkada-2024", Some(&format!("sinergi_session={jatim}")));
    assert!(!html.contains("id=\"rencana\"") && !html.contains("/pengamanan?pemilu=pilkada-2024&amp;wilayah=35\""), "{html}");
    assert!(html.contains("href=\"/pengamanan?pemilu=pilkada-2024&amp;wilayah=35.17\">Kabupaten Jombang"), "{html}");
    // The daily report prints them in its security table.
    let (s, _, pdf) = get_pdf(&app, "/situasi/35.76/laporan.pdf", &cookie);
    assert_eq!(s, 200);
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains(&format!("polisi {need}/{have}/8")), "the gap in the report");
    assert!(text.contains("/kerawanan/tps?pemilu=pilkada-2024&wilayah=35.76&kategori=sangat_rawan"), "the list's address beside the count");
    // Personnel recorded show at once, though a server keeps the gaps between requests.
    let (s, v) = app.put("/api/v1/elections/pilkada-2024/security/personnel/35.76.02", Some(&polres), &serde_json::json!({"polri": 500, "tni": 0, "linmas": 500}));
    assert_eq!(s, 200, "{v}");
    let (_, after) = app.get("/api/v1/situation?region=35", Some(&jatim));
    let after = after["security"]["personnel_gaps"].as_array().expect("gaps").clone();
    assert!(after.iter().all(|g| g["place"]["code"] != "35.76"), "Kota Mojokerto lacks no one now: {after:?}");
    assert!(after.iter().any(|g| g["place"]["code"] == "35.17"), "Jombang still does: {after:?}");
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
    the_daily_report_holds_the_map,
    changes_reach_the_page_live_on_every_server,
    recap_progress_follows_the_plenaries,
    the_demo_eve_has_something_in_every_tile,
    the_demo_count_moves_on_counting_night,
    a_category_count_opens_the_list_of_its_tps,
    personnel_gaps_are_shown_per_area
);
