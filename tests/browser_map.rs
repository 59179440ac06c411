//! The region map on a 360 px phone in headless Chromium: the Bawaslu supervisor of Kota
//! Mojokerto opens the city's map, taps Magersari (a touch tap on the outline, nothing
//! hovered first) and gets Magersari's map, taps Balongsari and sees its TPS as points. The
//! map fits the phone's width and needs no script. A screenshot goes to /tmp/sinergi-shots/.
//! Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;

use common::{TestApp, TestDb};
use serde_json::json;
use webdriver::Browser;

const CLOCK: &str = "2024-11-26T12:00:00+07:00";

/// Taps the area `code` of the map where its outline (or dot) really is: a point inside the
/// shape's fill, found by the browser, in viewport pixels.
fn tap_area(b: &Browser, code: &str) {
    let at = b.execute(
        "const a = document.querySelector(`svg#peta a[data-code=\"${arguments[0]}\"]`);
         const shape = a.querySelector('path, circle');
         a.scrollIntoView({block: 'center'});
         const box = shape.getBBox(), m = shape.getScreenCTM(), svg = shape.ownerSVGElement;
         for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
           const p = svg.createSVGPoint();
           p.x = box.x + box.width * i / 40; p.y = box.y + box.height * j / 40;
           if (shape.isPointInFill(p)) {
             const s = p.matrixTransform(m);
             // The point must be this area's, not a neighbour's drawn over it.
             const hit = document.elementFromPoint(s.x, s.y);
             if (hit && hit.closest('a') === a) return [s.x, s.y];
           }
         }
         return null;",
        vec![json!(code)],
    );
    let xy = at.as_array().unwrap_or_else(|| panic!("no tappable point inside {code}: {at}"));
    let (x, y) = (xy[0].as_f64().expect("x"), xy[1].as_f64().expect("y"));
    // A finger, not a mouse: touch start and end at the point, no pointer moved there before.
    for kind in ["touchStart", "touchEnd"] {
        let points = if kind == "touchEnd" { json!([]) } else { json!([{ "x": x, "y": y }]) };
        b.cdp("Input.dispatchTouchEvent", json!({ "type": kind, "touchPoints": points }));
    }
}

#[test]
fn tapping_an_area_on_a_phone_opens_its_map() {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", CLOCK)]));
    let Some(b) = browser else { return };
    b.set_window_size(360, 740);
    // A phone: touch input, no hover.
    b.cdp("Emulation.setTouchEmulationEnabled", json!({ "enabled": true, "maxTouchPoints": 5 }));
    b.login(&app.base, "bawaslu.kotamojokerto", "sinergi-demo");

    b.goto(&app.url("/peta/35.76?lapis=kerawanan&pemilu=pilkada-2024"));
    assert_eq!(b.wait_text("main h1", |t| t.starts_with("Peta")), "Peta Kota Mojokerto");
    let fits = b.execute("const r = document.querySelector('svg#peta').getBoundingClientRect(); return [r.width, window.innerWidth, document.scripts.length]", vec![]);
    let fits: Vec<f64> = serde_json::from_value(fits).expect("sizes");
    assert!(fits[0] > 250.0 && fits[0] <= fits[1], "the map fills the phone's width and no more: {fits:?}");
    assert_eq!(fits[2], 0.0, "no script on the page");
    let names: Vec<String> = serde_json::from_value(b.execute("return [...document.querySelectorAll('svg#peta .nama text')].map(t => t.textContent)", vec![])).expect("names");
    assert!(["Prajuritkulon", "Magersari", "Kranggan"].iter().all(|n| names.iter().any(|x| x == n)), "the districts are named on the map: {names:?}");
    let shots = Path::new("/tmp/sinergi-shots");
    let _ = std::fs::create_dir_all(shots);
    b.screenshot(&shots.join("peta-kota-mojokerto-360.png"));

    tap_area(&b, "35.76.02");
    b.wait_url(|u| u.contains("/peta/35.76.02?"));
    assert_eq!(b.wait_text("main h1", |t| t.contains("Magersari")), "Peta Magersari");
    assert!(b.current_url().contains("lapis=kerawanan"), "the layer stays chosen");

    tap_area(&b, "35.76.02.1008");
    b.wait_url(|u| u.contains("/peta/35.76.02.1008?"));
    assert_eq!(b.wait_text("main h1", |t| t.contains("Balongsari")), "Peta Balongsari");
    let points = b.execute("return document.querySelectorAll('svg#peta circle.tps').length", vec![]);
    assert!(points.as_u64().is_some_and(|n| n > 0), "Balongsari's TPS are points: {points}");
    b.screenshot(&shots.join("peta-balongsari-360.png"));

    // The way back up is a link, too.
    b.click(&b.link("nav.crumbs", "Magersari"));
    b.wait_url(|u| u.contains("/peta/35.76.02?"));
}
