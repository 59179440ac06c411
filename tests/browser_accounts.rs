//! The accounts page in a real browser at a phone's width (360 px), as a provincial KPU
//! administrator uses it: open Pengguna from the header, disable an operator and read the new
//! state in Bahasa Indonesia, then try a common password and read the refusal beside the field.
//! Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::{TestApp, TestDb, json};
use webdriver::Browser;

const PASSWORD: &str = "sinergi-demo";
const CARD: &str = "article[data-username='kpu.kotamojokerto']";

#[test]
fn an_admin_disables_an_account_and_is_told_why_a_password_is_refused_on_a_phone() {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_with(&db, &["--demo"]));
    let Some(b) = browser else { return };
    b.set_window_size(360, 740);
    let operator = app.login("kpu.kotamojokerto", PASSWORD);

    b.login(&app.base, "kpu.jatim", PASSWORD);
    b.click(&b.find("#users-link"));
    b.wait_url(|u| u.ends_with("/pengguna"));
    assert_eq!(b.text_of("h1"), "Akun pengguna");
    let card = b.find(CARD);
    assert!(b.text(&card).contains("KPU Kota Mojokerto"), "the unit is named: {}", b.text(&card));
    assert_eq!(b.text_of(&format!("{CARD} .state")), "Aktif");
    // Nothing runs off a phone's screen.
    let overflow = b.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]);
    assert!(overflow.as_i64().is_some_and(|o| o <= 0), "the page is wider than the phone: {overflow}");

    b.click(&b.find(&format!("{CARD} form[action$='/nonaktifkan'] button")));
    let done = b.wait_text("#done", |t| t.contains("dinonaktifkan"));
    assert!(done.contains("KPU Kota Mojokerto"), "{done}");
    assert_eq!(b.text_of(&format!("{CARD} .state")), "Nonaktif");
    assert_eq!(app.get("/api/v1/me", Some(&operator)).0, 401, "the operator's session survived");
    let (s, _) = app.post("/api/v1/auth/login", None, &json!({"username": "kpu.kotamojokerto", "password": PASSWORD}));
    assert_eq!(s, 401);

    // A common password: the same page, the message beside the password field, nothing kept.
    let field = b.find(&format!("{CARD} input[name=password]"));
    b.send_keys(&field, "bismillah");
    b.click(&b.find(&format!("{CARD} form[action$='/sandi'] button")));
    let message = b.wait_text(&format!("{CARD} form[action$='/sandi'] .field-error[data-field=password]"), |t| !t.is_empty());
    assert!(message.contains("terlalu umum"), "{message}");
    let input = format!("{CARD} input[name=password]");
    assert_eq!(b.attribute(&b.find(&input), "aria-invalid").as_deref(), Some("true"));
    assert_eq!(b.execute("return document.querySelector(arguments[0]).value", vec![json!(input)]).as_str(), Some(""), "the refused password is shown again");
    let _ = std::fs::create_dir_all("/tmp/sinergi-shots");
    b.screenshot(std::path::Path::new("/tmp/sinergi-shots/pengguna-360.png"));
}
