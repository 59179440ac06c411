//! The situation page in a real browser on a phone (360 px), as a Pemda viewer of Kota
//! Mojokerto uses it on the eve of voting day: log in and land on the region's situation, read
//! every tile without the page running off the screen, tap a district in the table of areas
//! below and land on its own situation. Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::{TestApp, TestDb};
use webdriver::Browser;

#[test]
fn a_pemda_viewer_reads_the_region_and_taps_into_a_district_on_a_phone() {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-26T12:00:00+07:00")]));
    let Some(b) = browser else { return };
    b.set_window_size(360, 740);

    b.login(&app.base, "pemkot.kotamojokerto", "sinergi-demo");
    assert_eq!(b.text_of("main h1"), "Situasi Kota Mojokerto");
    assert!(b.text_of("#as-of").contains("26 November 2024 12.00 WIB"));
    for (tile, want) in [("#tahapan", "Masa tenang"), ("#logistik", "TPS siap"), ("#keamanan", "Sangat rawan"), ("#pelanggaran", "Kasus terbuka"), ("#anggaran", "Serapan")] {
        let text = b.text_of(tile);
        assert!(text.contains(want), "{tile} says {want}: {text}");
    }
    // Nothing runs off a phone's screen, the table of areas included.
    let overflow = b.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]);
    assert!(overflow.as_i64().is_some_and(|o| o <= 0), "the page is wider than the phone: {overflow}");

    // Live: the unit reads an alert elsewhere (the API); the page drops it without a reload.
    let token = app.login("pemkot.kotamojokerto", "sinergi-demo");
    let (_, alerts) = app.get("/api/v1/alerts?unacknowledged=true", Some(&token));
    let first = alerts["items"][0].clone();
    let message = first["message"].as_str().expect("an alert for the Pemda").to_string();
    assert!(b.text_of("#peringatan").contains(&message), "the alert is on the page first");
    b.execute("window.__samePage = true", vec![]);
    let id = first["id"].as_i64().expect("id");
    assert_eq!(app.post(&format!("/api/v1/alerts/{id}/ack"), Some(&token), &serde_json::json!({})).0, 204);
    b.wait_text("#peringatan", |t| !t.contains(&message));
    assert_eq!(b.execute("return window.__samePage === true", vec![]), serde_json::json!(true), "updated in place, not reloaded");

    // Tap a district by its name: its own situation opens (nothing depends on hover).
    b.click(&b.link("#anak", "Magersari"));
    b.wait_url(|u| u.contains("/situasi/35.76.02"));
    assert_eq!(b.text_of("main h1"), "Situasi Magersari");
    assert!(b.text_of("#anak").contains("Balongsari"), "the villages of Magersari are listed");
}

/// The Polres of Kota Mojokerto on a phone: the security tile names the district short of
/// personnel; tapping a category opens its TPS list, one card per TPS, nothing off the screen,
/// and the long list goes on with "Berikutnya".
#[test]
fn a_polres_opens_the_tps_of_a_category_on_a_phone() {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-26T12:00:00+07:00")]));
    let Some(b) = browser else { return };
    b.set_window_size(360, 740);
    b.login(&app.base, "polres.kotamojokerto", "sinergi-demo");
    let tile = b.text_of("#keamanan");
    assert!(tile.contains("Magersari") && tile.contains("kurang 8 polisi"), "the gap is named: {tile}");
    let wide = || b.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]);
    assert!(wide().as_i64().is_some_and(|o| o <= 0), "the situation is wider than the phone: {}", wide());

    b.click(&b.link("#keamanan", "Rawan"));
    b.wait_url(|u| u.contains("/kerawanan/tps") && u.contains("kategori=rawan"));
    assert_eq!(b.text_of("main h1"), "TPS rawan di Kota Mojokerto");
    assert!(b.text_of("ul.tps-list").contains("TPS "), "the TPS are listed");
    assert!(wide().as_i64().is_some_and(|o| o <= 0), "the list is wider than the phone: {}", wide());

    b.click(&b.link("#kategori", "Kurang rawan"));
    b.wait_url(|u| u.contains("kategori=kurang_rawan"));
    assert!(wide().as_i64().is_some_and(|o| o <= 0), "the long list is wider than the phone: {}", wide());
    b.click(&b.link("main", "Berikutnya →"));
    b.wait_url(|u| u.contains("after="));
    assert!(b.text_of("ul.tps-list").contains("TPS "), "the next page lists more");
}
