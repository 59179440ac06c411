//! Field devices (issue 16) in a real browser at a phone's width (360×740), on both engines, as
//! KPU Jawa Timur's administrator and the KPPS of TPS 001 Balongsari use them on the demo data:
//! the administrator opens the KPPS account's devices page, makes a code and sees it with its
//! QR code and a WhatsApp link; the phone opens the link, enrols and lands in the field app,
//! logged in without a password; the same code a second time is refused beside the field, in
//! Indonesian; the administrator sees the device listed by name with its dates and the revoke
//! button without scrolling sideways, revokes it, and the phone's session ends. Nothing on these
//! pages is wider than the phone.
//! Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::TestDb;
use webdriver::{Browser, SHOTS, phone};

const KPPS: &str = "kpps.balongsari";
const PAGE: &str = "/pengguna/kpps.balongsari/perangkat";

/// How far the page runs past the phone's width (0 or less: it fits).
fn overflow(b: &Browser) -> i64 {
    b.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]).as_i64().unwrap_or(i64::MAX)
}

/// A date as "6 Desember 2026", not "2026-12-06".
fn written_out(text: &str) -> bool {
    const MONTHS: [&str; 12] = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
    let iso = text.as_bytes().windows(10).any(|w| w.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() }));
    MONTHS.iter().any(|m| text.contains(&format!(" {m} 20"))) && !iso
}

fn a_device_is_enrolled_from_a_code_and_revoked_on_a_phone(db: &TestDb) {
    let Some((app, b)) = phone(db) else { return };
    let engine = if matches!(db, TestDb::Sqlite { .. }) { "sqlite" } else { "postgres" };
    let shot = |name: &str| b.screenshot(&std::path::Path::new(SHOTS).join(format!("perangkat-{engine}-{name}.png")));

    // The administrator makes a code for the KPPS's phone.
    b.login_to(&app, "kpu.jatim", PAGE);
    let h1 = b.text_of("h1");
    assert!(h1.starts_with("Perangkat lapangan") && h1.contains("Balongsari"), "the unit is named: {h1}");
    assert_eq!(b.text_of("#no-devices"), "Belum ada perangkat.");
    assert!(overflow(&b) <= 0, "the devices page is wider than the phone: {}", overflow(&b));
    // The phone's date picker shows the date its own way: the label names the limits, not a format.
    assert_eq!(b.text_of("label[for=until]"), "Tetap masuk sampai (paling lama 62 hari; kosong: 30 hari)");
    b.send_keys(&b.find("#device"), "HP KPPS TPS 001");
    b.click(&b.find("#issue button[type=submit]"));
    let code = b.wait_text("#device-code", |t| !t.is_empty());
    let link = b.attribute(&b.find("#device-link"), "href").expect("the enrolment link");
    assert!(link.contains("/lapangan/daftar?kode="), "{link}");
    assert_eq!(b.find_all("#kode-baru svg").len(), 1, "a QR code of the link");
    let share = b.attribute(&b.find("#share-whatsapp"), "href").unwrap_or_default();
    assert!(share.starts_with("https://wa.me/?text=") && share.contains(&code), "the WhatsApp message carries the code: {share}");
    let until = b.text_of("#kode-baru");
    assert!(until.contains(" WIB") && written_out(&until), "dates are written out, in WIB: {until}");
    assert!(overflow(&b) <= 0, "the code and its QR code fit the phone: {}", overflow(&b));
    shot("kode");
    b.logout();

    // The phone opens the link: the code is filled in; one tap and it is in the field app.
    b.goto(&link);
    assert_eq!(b.attribute(&b.find("#code"), "value").as_deref(), Some(code.as_str()));
    assert!(overflow(&b) <= 0, "the enrolment page is wider than the phone: {}", overflow(&b));
    b.click(&b.find("#enrol-submit"));
    b.wait_url(|u| u.ends_with("/lapangan"));
    let token = b.cookie("sinergi_session").expect("the device's session cookie");
    let (s, me) = app.get("/api/v1/me", Some(&token));
    assert_eq!((s, me["username"].as_str()), (200, Some(KPPS)), "{me}");

    // The same code again (another phone, or a screenshot passed around): refused, nothing made.
    b.goto(&app.url("/lapangan/daftar"));
    b.send_keys(&b.find("#code"), &code);
    b.click(&b.find("#enrol-submit"));
    let refused = b.wait_text("#enrol .error", |t| !t.is_empty());
    assert!(refused.contains("sudah dipakai"), "{refused}");
    assert_eq!(b.attribute(&b.find("#code"), "value").as_deref(), Some(code.as_str()), "the code stays in the field");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM sessions WHERE device IS NOT NULL"), 1);
    shot("ditolak");

    // The administrator sees the phone by name and revokes it; the phone is logged out.
    b.login_to(&app, "kpu.jatim", PAGE);
    let rows = b.table_cells("#devices");
    assert_eq!(rows.len(), 1, "{rows:?} {} {}", b.current_url(), b.text_of("main"));
    assert!(rows[0][0].starts_with("HP KPPS TPS 001"), "{rows:?}");
    let table_fits = b.execute("const t = document.querySelector('#devices'); return t.parentElement.clientWidth - t.scrollWidth", vec![]);
    assert!(table_fits.as_i64().is_some_and(|d| d >= 0), "the whole row shows on the phone, revoke button included: {table_fits}");
    assert!(rows[0][1..3].iter().all(|d| d.contains(" WIB") && written_out(d)), "{rows:?}");
    assert!(overflow(&b) <= 0, "the devices table scrolls inside the phone, the page does not: {}", overflow(&b));
    shot("daftar");
    b.click(&b.find("#devices form button"));
    b.wait_text("#no-devices", |t| t == "Belum ada perangkat.");
    assert_eq!(app.get("/api/v1/me", Some(&token)).0, 401, "the revoked phone is logged out");
}

on_both_engines!(a_device_is_enrolled_from_a_code_and_revoked_on_a_phone);
