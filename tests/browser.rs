//! The web UI in a real browser (headless Chromium through ChromeDriver), used the way a new
//! KPU operator would: log in, walk down the region tree by clicking, read a village's TPS,
//! search for a village name, switch the language, log out. Screenshots of the village and
//! search pages go to /tmp/sinergi-shots/. Without chromium/chromedriver the test says so
//! and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;
use std::time::Instant;

use common::{TestApp, TestDb};
use serde_json::json;
use webdriver::Browser;

const USER: &str = "kpu.kotamojokerto";
const PASSWORD: &str = "sinergi-demo";
const SHOTS: &str = "/tmp/sinergi-shots";
/// WebDriver's key code for Enter.
const ENTER: &str = "\u{E007}";

fn html_lang(b: &Browser) -> String {
    b.execute("return document.documentElement.lang", vec![]).as_str().unwrap_or_default().to_string()
}

/// Waits until `<html lang>` is `lang` (i.e. the page in that language has loaded).
fn wait_lang(b: &Browser, lang: &str) {
    b.wait_for(&format!("<html lang=\"{lang}\">"), || (html_lang(b) == lang).then_some(()));
}

/// Parses a count as shown in Bahasa Indonesia (`2.640`).
fn id_number(s: &str) -> i64 {
    assert!(
        !s.is_empty() && s.split('.').enumerate().all(|(i, g)| g.chars().all(|c| c.is_ascii_digit()) && (i == 0 && !g.is_empty() && g.len() <= 3 || g.len() == 3)),
        "{s:?} is not a number written the Indonesian way (e.g. 2.640)"
    );
    s.replace('.', "").parse().expect("number")
}

/// The value of a fact box (`ul.facts li`: label, then the value in bold) by its label.
fn fact(b: &Browser, label: &str) -> String {
    let facts = b.execute(
        "return [...document.querySelectorAll('ul.facts li')].map(li => [li.firstChild ? li.firstChild.textContent.trim() : '', li.querySelector('b') ? li.querySelector('b').innerText.trim() : ''])",
        vec![],
    );
    let facts: Vec<(String, String)> = serde_json::from_value(facts).expect("facts");
    facts
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no fact {label:?} on the page; facts: {facts:?}"))
}

/// Clicks a region in the #children table and checks the page it leads to.
fn open_child(b: &Browser, name: &str, code: &str, level: &str, crumbs: &str) {
    b.click(&b.link("#children", name));
    b.wait_url(|u| u.contains(&format!("/wilayah/{code}?")));
    let h1 = b.wait_text("h1", |t| t.ends_with(name));
    assert_eq!(h1, format!("{level} {name}"), "heading of {name}");
    assert_eq!(b.text_of("nav.crumbs"), crumbs, "breadcrumb on {name}");
    assert_eq!(b.title(), format!("{name} · Sinergi"), "window title on {name}");
    assert_eq!(fact(b, "Kode"), code, "code shown for {name}");
}

#[test]
fn a_new_operator_logs_in_browses_to_a_village_searches_and_switches_language() {
    let started = Instant::now();
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    // Start the server (it loads the demo data) and the browser side by side.
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_with(&db, &["--demo"]));
    let Some(b) = browser else { return };
    b.set_window_size(1280, 900);
    let shots = Path::new(SHOTS);

    // --- Log in -------------------------------------------------------------------------
    b.goto(&app.url("/masuk"));
    assert_eq!(html_lang(&b), "id", "the UI is in Bahasa Indonesia by default");
    assert_eq!(b.text_of("main h1"), "Masuk ke Sinergi");
    assert_eq!(b.text_of("label[for=username]"), "Nama pengguna");
    assert_eq!(b.text_of("label[for=password]"), "Kata sandi");
    assert_eq!(b.text_of("#login-submit"), "Masuk");
    let focused = b.execute("return document.activeElement && document.activeElement.id", vec![]);
    assert_eq!(focused, json!("username"), "the username field has the focus on arrival");

    // A wrong password keeps you on the form with a message, and nothing logged in.
    b.send_keys(&b.find("#username"), USER);
    b.send_keys(&b.find("#password"), "salah-sandi");
    b.click(&b.find("#login-submit"));
    assert_eq!(b.wait_text("p.error", |t| !t.is_empty()), "Nama pengguna atau kata sandi salah.");
    assert!(b.find_all("#current-user").is_empty(), "a wrong password must not log in");

    let username = b.find("#username");
    b.clear(&username);
    b.send_keys(&username, USER);
    b.send_keys(&b.find("#password"), PASSWORD);
    b.click(&b.find("#login-submit"));
    let url = b.wait_url(|u| u.ends_with("/situasi"));
    assert_eq!(url, app.url("/situasi"), "after logging in you land on your own region's situation");
    assert_eq!(b.text_of("main h1"), "Situasi Kota Mojokerto");
    let who = b.text_of("#current-user");
    assert!(who.contains(USER), "header shows who is logged in: {who:?}");
    assert!(b.find_all("#login-link").is_empty(), "no login link once logged in");
    assert_eq!(html_lang(&b), "id");
    b.click(&b.link("header", "Wilayah"));
    b.wait_url(|u| u.ends_with("/wilayah"));
    assert_eq!(b.text_of("main h1"), "Indonesia");
    assert_eq!(b.text_of("nav.crumbs"), "Indonesia");
    let provinces = b.table_cells("#children");
    assert_eq!(provinces.len(), 38, "Indonesia has 38 provinces");
    assert_eq!(fact(&b, "Provinsi"), "38");

    // --- Walk down to Balongsari by clicking --------------------------------------------
    open_child(&b, "Jawa Timur", "35", "Provinsi", "Indonesia");
    open_child(&b, "Kota Mojokerto", "35.76", "Kabupaten/Kota", "Indonesia › Jawa Timur");
    open_child(&b, "Magersari", "35.76.02", "Kecamatan", "Indonesia › Jawa Timur › Kota Mojokerto");
    // Magersari lists Balongsari with its TPS count before you open it.
    let magersari = b.table_cells("#children");
    let listed = magersari.iter().find(|r| r.get(1).is_some_and(|n| n == "Balongsari")).expect("Balongsari listed under Magersari");
    let listed_tps = id_number(&listed[3]);
    open_child(&b, "Balongsari", "35.76.02.1008", "Desa/Kelurahan", "Indonesia › Jawa Timur › Kota Mojokerto › Magersari");

    // --- The village's TPS --------------------------------------------------------------
    assert_eq!(b.text_of("main h2"), "Daftar TPS");
    let rows = b.table_cells("#tps");
    assert!(!rows.is_empty(), "Balongsari has TPS in the demo");
    let mut dpt_sum = 0;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), 4, "TPS row {i}: {r:?}");
        let no = &r[0];
        assert!(no.len() == 3 && no.chars().all(|c| c.is_ascii_digit()), "TPS number is three digits: {r:?}");
        assert_eq!(no, &format!("{:03}", i + 1), "TPS are numbered 001, 002, … in order");
        assert_eq!(r[1], format!("35.76.02.1008.{no}"), "TPS code: {r:?}");
        assert!(r[2].contains("Balongsari"), "address names the village: {r:?}");
        let dpt = id_number(&r[3]);
        assert!((1..=1000).contains(&dpt), "a TPS has a plausible number of voters: {r:?}");
        dpt_sum += dpt;
    }
    let total = b.text_of("#tps-total");
    assert_eq!(id_number(&total), rows.len() as i64, "#tps-total shows the number of TPS listed");
    assert_eq!(listed_tps, rows.len() as i64, "the district's table and the village page agree on the TPS count");
    assert_eq!(id_number(&fact(&b, "DPT")), dpt_sum, "the DPT total is the sum of the TPS rows");
    let csv = b.link("main", "Unduh CSV");
    assert!(b.attribute(&csv, "href").is_some_and(|h| h.contains("/wilayah/35.76.02.1008/tps.csv")), "CSV download link");
    b.screenshot(&shots.join("village.png"));

    // The breadcrumb leads back up.
    b.click(&b.link("nav.crumbs", "Kota Mojokerto"));
    assert_eq!(b.wait_text("h1", |t| t.ends_with("Kota Mojokerto")), "Kabupaten/Kota Kota Mojokerto");

    // --- Search -------------------------------------------------------------------------
    let q = b.find("header form[role=search] input[name=q]");
    assert_eq!(b.attribute(&q, "placeholder").as_deref(), Some("Cari wilayah…"));
    b.send_keys(&q, &format!("balongsari{ENTER}"));
    b.wait_url(|u| u.contains("/cari?q=balongsari"));
    assert_eq!(b.wait_text("main h1", |t| t.starts_with("Hasil pencarian")), "Hasil pencarian: balongsari");
    let results = b.table_cells("#results");
    // Name cell: the name, then on its own line the path from the province down.
    let hits: Vec<(String, String, String, String)> = results
        .iter()
        .map(|r| {
            let (name, path) = r[0].split_once('\n').unwrap_or_else(|| panic!("result without a path line: {r:?}"));
            (name.trim().to_string(), path.trim().to_string(), r[1].clone(), r[2].clone())
        })
        .collect();
    let exact: Vec<_> = hits.iter().filter(|h| h.0 == "Balongsari").collect();
    // The region data has six villages called Balongsari (and one Cibalongsari); exact
    // matches come first.
    assert_eq!(exact.len(), 6, "six villages named exactly Balongsari: {hits:#?}");
    assert_eq!(hits.len(), 7, "and one more whose name contains it: {hits:#?}");
    assert!(hits[..exact.len()].iter().all(|h| h.0 == "Balongsari"), "exact name matches are listed first: {hits:#?}");
    assert_eq!(hits[6].0, "Cibalongsari");
    let mut paths: Vec<&str> = hits.iter().map(|h| h.1.as_str()).collect();
    for h in &hits {
        assert_eq!(h.2, "Desa/Kelurahan", "{h:?}");
        assert!(h.0.to_lowercase().contains("balongsari"), "{h:?}");
        assert!(h.1.ends_with(&format!(" › {}", h.0)) && h.1.split(" › ").count() == 4, "path line province › regency › district › village: {h:?}");
    }
    assert!(paths.contains(&"Jawa Timur › Kota Mojokerto › Magersari › Balongsari"), "{paths:?}");
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), hits.len(), "each Balongsari is told apart by its path");
    b.screenshot(&shots.join("search.png"));

    // --- Language switch ----------------------------------------------------------------
    assert_eq!(b.text_of("#lang-switch"), "English");
    b.click(&b.find("#lang-switch"));
    wait_lang(&b, "en");
    assert!(b.current_url().ends_with("/cari?q=balongsari"), "the switch returns to the same page: {}", b.current_url());
    assert_eq!(b.text_of("main h1"), "Search results: balongsari");
    assert_eq!(b.text_of("#lang-switch"), "Bahasa Indonesia");
    assert_eq!(b.text_of("header button"), "Log out");
    let heads = b.execute("return [...document.querySelectorAll('#results thead th')].map(th => th.innerText.trim())", vec![]);
    assert_eq!(heads, json!(["Name", "Level", "Code"]));
    assert!(b.table_cells("#results").iter().all(|r| r[1] == "Village"), "levels in English");
    let placeholder = b.attribute(&b.find("input[name=q]"), "placeholder");
    assert_eq!(placeholder.as_deref(), Some("Search regions…"));
    // Open the Kota Mojokerto Balongsari from the results: the village page, in English.
    b.click(&b.find("#results a[href='/wilayah/35.76.02.1008']"));
    assert_eq!(b.wait_text("main h1", |t| t.ends_with("Balongsari")), "Village Balongsari");
    assert_eq!(b.text_of("nav.crumbs"), "Indonesia › Jawa Timur › Kota Mojokerto › Magersari");
    assert_eq!(b.text_of("main h2"), "Polling stations");
    let heads = b.execute("return [...document.querySelectorAll('#tps thead th')].map(th => th.innerText.trim())", vec![]);
    assert_eq!(heads, json!(["TPS", "Code", "Address", "Registered voters"]));
    assert_eq!(b.table_cells("#tps").len(), rows.len(), "same TPS list in English");
    assert!((1000..1_000_000).contains(&dpt_sum), "DPT total {dpt_sum} in the range the format check expects");
    let en_total = format!("{},{:03}", dpt_sum / 1000, dpt_sum % 1000);
    assert_eq!(fact(&b, "Registered voters"), en_total, "English groups thousands with a comma");
    b.screenshot(&shots.join("village-en.png"));

    // The language stays English across pages; log out and the login page is English too.
    b.click(&b.find("header button"));
    b.wait_for("the login link after logging out", || b.try_find_all("#login-link").ok().filter(|v| !v.is_empty()));
    assert_eq!(html_lang(&b), "en");
    assert_eq!(b.text_of("#login-link"), "Log in");
    b.click(&b.find("#login-link"));
    assert_eq!(b.wait_text("main h1", |t| t.starts_with("Log in")), "Log in to Sinergi");
    assert_eq!(b.text_of("label[for=username]"), "Username");
    assert_eq!(b.text_of("label[for=password]"), "Password");
    assert_eq!(b.text_of("#login-submit"), "Log in");
    assert_eq!(b.text_of("footer"), "Region data: idn-area-data (ODbL), Kemendagri codes.");

    // And back to Bahasa Indonesia.
    b.click(&b.find("#lang-switch"));
    wait_lang(&b, "id");
    assert!(b.current_url().ends_with("/masuk"));
    assert_eq!(b.text_of("main h1"), "Masuk ke Sinergi");
    assert_eq!(b.text_of("#login-link"), "Masuk");

    let source: String = b.page_source();
    assert!(source.contains("Nama pengguna") && !source.contains("Username"), "login page fully back in Bahasa Indonesia");
    eprintln!("browser test took {:.1?} (screenshots in {SHOTS})", started.elapsed());
}
