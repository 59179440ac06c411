//! The field app (`/lapangan`) in a real browser (headless Chromium through ChromeDriver, a
//! 360×740 phone window) on the demo data, on both engines: the PTPS of TPS 001 Balongsari
//! opens the app once with signal and logs in; without network (the page cut by DevTools'
//! network emulation, and the server stopped, so the service worker cannot reach it either)
//! the home and the queue page still open from the phone; a form sent without signal waits in
//! the IndexedDB queue "menunggu sinyal", survives a reload, and once the network is back is
//! sent by itself: the server holds exactly one entry, and sending the same item again (same
//! Idempotency-Key) adds none. A refusal by the server (a TPS outside the PTPS's scope) shows
//! in the queue as *ditolak* with the server's reason in Indonesian, and "Perbaiki" opens the
//! form filled in again; corrected, it goes under a new key and replaces the refused item.
//! Photos chosen in a form are queued as JPEG at most 1600 px on the long side and stay with
//! the item when the tab is closed. A session that ended while the phone had no signal keeps
//! the item waiting and asks for the password; after logging in again the same item is sent,
//! once. On a phone shared by two officers an item is sent only under the account that made
//! it. The forms the home links to, and the C.Hasil forms below them, open without signal.
//! The public /lapor form's place picker finds a village by name.
//! Without chromium/chromedriver the tests say so and pass.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::{TestApp, TestDb};
use serde_json::{Value, json};
use webdriver::{Browser, DEMO_PASSWORD as PASSWORD, SHOTS, phone};

const PTPS: &str = "ptps.balongsari";
/// TPS 001 Balongsari (Kecamatan Magersari, Kota Mojokerto): the PTPS's own TPS.
const TPS: &str = "35.76.02.1008.001";

/// A field form, as a module renders it (`platform::field::form`), put into the current page:
/// the TPS-rawan indicators of `tps` (PUT, Bawaslu within its scope).
fn inject_form(b: &Browser, tps: &str, indicator: &str, note: &str) {
    b.execute(
        "const [tps, key, note] = arguments;
         const f = document.createElement('form');
         f.className = 'lapangan'; f.id = 'uji';
         f.dataset.api = '/api/v1/elections/pilkada-2024/vulnerability/tps/' + tps;
         f.dataset.method = 'PUT';
         f.dataset.title = 'Kerawanan TPS ' + tps;
         f.innerHTML = '<p class=\"refusal\" role=\"alert\" hidden></p>' +
           '<input name=\"indicators.0\" type=\"hidden\">' +
           '<textarea name=\"note\"></textarea><button type=\"submit\" id=\"kirim\">Simpan</button><p class=\"status\" role=\"status\" hidden></p>';
         f.querySelector('[name=\"indicators.0\"]').value = key;
         f.querySelector('[name=note]').value = note;
         document.querySelector('main').append(f);",
        vec![json!(tps), json!(indicator), json!(note)],
    );
}

/// A TPS-rawan indicator the server knows.
fn indicator_key(app: &TestApp) -> String {
    let (_, indicators) = app.get("/api/v1/elections/pilkada-2024/vulnerability/indicators", None);
    indicators["items"][0]["key"].as_str().expect("an indicator key").to_string()
}

fn history(db: &TestDb, tps: &str) -> i64 {
    db.scalar(&format!("SELECT COUNT(*) FROM tps_vulnerability_history WHERE tps_code = '{tps}'"))
}

fn states(b: &Browser) -> Vec<(String, String)> {
    b.field_queue().iter().map(|i| (i["state"].as_str().unwrap_or("").to_string(), i["message"].as_str().unwrap_or("").to_string())).collect()
}

fn offline_queue_sends_once(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let key = indicator_key(&app);

    // Online, once: log in; the home lists the PTPS's own TPS by name, and the service worker
    // takes over.
    b.login_field(&app, PTPS);
    assert_eq!(b.text_of("h1"), "Pekerjaan saya");
    let home = b.text_of("main");
    assert!(home.contains("TPS saya") && home.contains("TPS 001 Balongsari"), "{home}");
    assert_eq!(b.attribute(&b.find("ul.tasks a"), "href").as_deref(), Some(&*format!("/lapangan/hasil/{TPS}")));
    b.wait_service_worker();
    let width = b.execute("return document.documentElement.scrollWidth", vec![]).as_u64().unwrap_or(0);
    assert!(width <= 360, "one column on a 360 px phone, no sideways scrolling: {width}");
    b.goto(&app.url("/lapangan/antrean"));
    b.wait_text("#antrean", |t| t.contains("Antrean kosong"));
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-home.png"));

    // DevTools' emulation cuts the page's own requests (and sets navigator.onLine) but not the
    // service worker's: a fresh API read through the worker still reaches the running server.
    b.set_offline(true);
    let probe = b.execute_async(
        "const done = arguments[arguments.length - 1];
         fetch('/api/v1/elections?probe=' + Date.now()).then(r => done(r.status)).catch(e => done('network error'));",
        vec![],
    );
    eprintln!("with DevTools offline, a fetch through the service worker answers: {probe}");
    assert_eq!(b.execute("return navigator.onLine", vec![]), json!(false));
    // So the server goes too: nothing reaches it any more, worker included.
    app.stop();

    b.refresh();
    assert_eq!(b.text_of("h1"), "Antrean kiriman", "the queue page opens without network");
    b.goto(&app.url("/lapangan"));
    assert_eq!(b.text_of("h1"), "Pekerjaan saya", "the home opens without network");
    assert!(b.text_of("main").contains("TPS 001 Balongsari"));
    assert_eq!(b.text_of("#sinyal"), "Tanpa sinyal");

    // A form sent without signal waits in the queue.
    inject_form(&b, TPS, &key, "Dicatat tanpa sinyal");
    b.click(&b.find("#kirim"));
    b.wait_text("#uji p.status", |t| t.contains("Tersimpan di antrean"));
    let q = b.wait_queue_state(0, "menunggu");
    assert_eq!(q["method"], "PUT");
    assert_eq!(b.text_of("#antrean-count"), "1", "the badge counts what waits");

    // It survives a reload without network, and the queue page says it waits.
    b.goto(&app.url("/lapangan/antrean"));
    let item = b.wait_text("#antrean li.item", |t| t.contains("Menunggu sinyal"));
    assert!(item.contains(&format!("Kerawanan TPS {TPS}")), "{item}");
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-antrean-luring.png"));
    let before = history(db, TPS);

    // The network returns: the server first, then the page's `online` event sends the queue.
    app.restart(db);
    b.set_offline(false);
    b.wait_queue_state(0, "terkirim");
    b.wait_text("#antrean li.item .state", |t| t == "Terkirim");
    assert_eq!(history(db, TPS), before + 1, "the server holds exactly one entry");
    assert!(b.find_all("#antrean-count:not([hidden])").is_empty(), "nothing waits any more");

    // Sending the same item again (as a retry after a lost answer would) adds nothing: the
    // server answers the same key with its first answer.
    let id = b.field_queue()[0]["id"].as_str().expect("id").to_string();
    let (status, _) = app.call(
        "PUT",
        &format!("/api/v1/elections/pilkada-2024/vulnerability/tps/{TPS}"),
        Some(&app.login(PTPS, PASSWORD)),
        &[("Idempotency-Key", &id)],
        Some(json!({"indicators": [key], "note": "Dicatat tanpa sinyal"}).to_string().as_bytes()),
    );
    assert!(status < 300, "a repeat of the same key is answered as the first: {status}");
    b.refresh();
    b.wait_text("#antrean li.item .state", |t| t == "Terkirim");
    assert_eq!(history(db, TPS), before + 1, "still exactly one entry");

    // A refusal: a TPS of another village is outside the PTPS's scope. The queue shows it
    // refused, with the server's reason in Indonesian, and "Perbaiki" leads back to the form.
    let other = app.get("/api/v1/elections/pilkada-2024/tps?region=35.76.01&limit=1", None).1;
    let other_tps = other["items"][0]["code"].as_str().expect("a TPS in Prajurit Kulon").to_string();
    b.goto(&app.url("/lapangan"));
    inject_form(&b, &other_tps, &key, "Di luar wilayah");
    b.click(&b.find("#kirim"));
    b.wait_text("#uji p.refusal", |t| t.contains("Ditolak server"));
    let refused = b.wait_queue_state(1, "ditolak");
    let message = refused["message"].as_str().unwrap_or("");
    assert!(message.contains("di luar wilayah kerja satuan Anda"), "the server's reason in Indonesian: {message}");
    b.goto(&app.url("/lapangan/antrean"));
    let row = b.wait_text("#antrean li.item[data-state=ditolak]", |t| t.contains("Ditolak"));
    assert!(row.contains("di luar wilayah kerja satuan Anda"), "{row}");
    let fix = b.attribute(&b.find("#antrean li.item[data-state=ditolak] a.fix"), "href").expect("Perbaiki link");
    assert!(fix.starts_with("/lapangan?antrean="), "{fix}");
    assert_eq!(states(&b).len(), 2);
    assert_eq!(b.text_of("#antrean-count"), "1", "the refused item still counts as open");
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-antrean-ditolak.png"));
}

/// The queue item `id`'s body as queued (JSON), read from IndexedDB.
fn queued_body(b: &Browser, id: &str) -> Value {
    let v = b.execute_async(
        "const [id, done] = arguments;
         window.Lapangan.get(id).then(i => done(i && i.body), e => done('error ' + e));",
        vec![json!(id)],
    );
    serde_json::from_str(v.as_str().unwrap_or_else(|| panic!("a body for {id}: {v}"))).expect("the body is JSON")
}

/// A PNG of `w`×`h` pixels, one colour per row band (a phone camera's photo is far larger
/// than the 1600 px the app keeps).
fn big_png(w: u32, h: u32) -> Vec<u8> {
    use std::io::Write;
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend_from_slice(&[(y * 255 / h) as u8, (x * 255 / w) as u8, 120]);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&raw).expect("deflate");
    let idat = z.finish().expect("deflate");
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn a_refused_item_is_corrected_and_sent_under_a_new_key(db: &TestDb) {
    let Some((app, b)) = phone(db) else { return };
    let key = indicator_key(&app);
    b.login_field(&app, PTPS);
    b.wait_service_worker();
    let before = history(db, TPS);

    // The server refuses a field (422): the form and the queue say why, in Indonesian.
    inject_form(&b, TPS, "bukan_indikator", "Perlu diperbaiki");
    b.click(&b.find("#kirim"));
    b.wait_text("#uji p.refusal", |t| t.contains("Ditolak server") && t.contains("bukan_indikator"));
    let refused = b.wait_queue_state(0, "ditolak");
    let old_id = refused["id"].as_str().expect("id").to_string();
    assert!(refused["message"].as_str().unwrap_or("").contains("tidak dikenal"), "{refused}");
    assert_eq!(history(db, TPS), before, "nothing stored for a refused item");

    // "Perbaiki" opens its form with what was sent, to correct and send again.
    b.goto(&app.url("/lapangan/antrean"));
    b.click(&b.find("#antrean li.item[data-state=ditolak] a.fix"));
    b.wait_url(|u| u.contains(&format!("antrean={old_id}")));
    // The form page (here the home with the form put in again, as a module's page has it).
    inject_form(&b, TPS, "", "");
    b.execute("return window.Lapangan.refill()", vec![]);
    b.wait_for("the refused answers back in the form", || {
        let v = b.execute("return [document.querySelector('#uji [name=\"indicators.0\"]').value, document.querySelector('#uji [name=note]').value]", vec![]);
        (v == json!(["bukan_indikator", "Perlu diperbaiki"])).then_some(())
    });
    assert!(b.text_of("#uji p.refusal").contains("tidak dikenal"), "the reason stays beside the form");
    b.execute("document.querySelector('#uji [name=\"indicators.0\"]').value = arguments[0]", vec![json!(key)]);
    b.click(&b.find("#kirim"));
    b.wait_text("#uji p.status", |t| t.contains("Terkirim"));
    let q = b.field_queue();
    assert_eq!(q.len(), 1, "the corrected item replaced the refused one: {q:?}");
    assert_eq!(q[0]["state"], "terkirim");
    assert_ne!(q[0]["id"].as_str(), Some(old_id.as_str()), "sent under a new key");
    assert_eq!(history(db, TPS), before + 1);
}

fn photos_are_downscaled_and_kept_in_the_queue(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    b.login_field(&app, PTPS);
    b.wait_service_worker();
    let photo = db.dir().join("c-hasil-halaman-1.png");
    std::fs::write(&photo, big_png(2400, 1800)).expect("write the photo");
    app.stop();
    b.set_offline(true);
    b.refresh();
    b.execute(
        r#"const f = document.createElement('form');
         f.className = 'lapangan'; f.id = 'foto';
         f.dataset.api = '/api/v1/elections/pilkada-2024/results/35.76.02.1008.001/walikota';
         f.dataset.method = 'PUT'; f.dataset.title = 'C.Hasil Wali Kota · TPS 001 Balongsari';
         f.innerHTML = '<input name="source" type="hidden" value="bawaslu"><input name="voters.dpt.l" data-type="int" value="120">' +
           '<input name="voters.dpt.p" data-type="int" value=""><input type="file" id="foto-file" accept="image/*" data-photo="photos" multiple>' +
           '<button type="submit" id="simpan">Simpan</button>';
         document.querySelector('main').append(f);"#,
        vec![],
    );
    b.send_keys(&b.find("#foto-file"), photo.to_str().expect("path"));
    b.click(&b.find("#simpan"));
    let item = b.wait_queue_state(0, "menunggu");
    let body = queued_body(&b, item["id"].as_str().expect("id"));
    assert_eq!(body["source"], "bawaslu");
    assert_eq!(body["voters"]["dpt"]["l"], 120, "an int field is a number");
    assert!(body["voters"]["dpt"].get("p").is_none(), "an empty int field is left out: {}", body["voters"]);
    let photos = body["photos"].as_array().expect("photos as a list");
    assert_eq!(photos.len(), 1);
    let b64 = photos[0].as_str().expect("base64 text");
    assert!(b64.starts_with("/9j/"), "a JPEG, without a data: prefix");
    let size = b.execute_async(
        "const [b64, done] = arguments; const img = new Image();
         img.onload = () => done([img.naturalWidth, img.naturalHeight]); img.onerror = () => done('not an image');
         img.src = 'data:image/jpeg;base64,' + b64;",
        vec![json!(b64)],
    );
    assert_eq!(size, json!([1600, 1200]), "the long side is 1600 px, the shape kept");

    // Closing the tab does not lose it: a new tab of the app still has it, photo included.
    let old = b.window_handle();
    b.new_tab();
    b.goto(&app.url("/lapangan/antrean"));
    b.close_window(&old);
    b.wait_text("#antrean li.item", |t| t.contains("C.Hasil Wali Kota") && t.contains("Menunggu sinyal"));
    let again = b.field_queue();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["has_body"], true, "the body with its photo is still on the phone");
}

/// The PTPS logs in with signal, then without it (the page cut, the server stopped) queues the
/// TPS-rawan indicators of its TPS with `note`; the item waits. Returns how many indicator
/// entries the TPS had before.
fn ptps_queues_offline(app: &mut TestApp, b: &Browser, db: &TestDb, note: &str) -> i64 {
    let key = indicator_key(app);
    b.login_field(app, PTPS);
    b.wait_service_worker();
    let before = history(db, TPS);
    app.stop();
    b.set_offline(true);
    b.refresh();
    inject_form(b, TPS, &key, note);
    b.click(&b.find("#kirim"));
    b.wait_queue_state(0, "menunggu");
    before
}

fn an_ended_session_keeps_the_queue_and_asks_for_the_password(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let before = ptps_queues_offline(&mut app, &b, db, "Dicatat sebelum sesi berakhir");

    // The session ends while the phone has no signal (as after 12 hours).
    let o = common::cli(db, &["user", "revoke", PTPS], None);
    assert!(o.status.success(), "revoke: {}", common::stderr(&o));
    app.restart(db);
    b.set_offline(false);
    let waiting = b.wait_for("the queue to ask for the password", || {
        let q = b.field_queue();
        q.first().filter(|i| i["state"] == "menunggu" && i["message"].as_str().is_some_and(|m| m.contains("masuk lagi"))).cloned()
    });
    assert_eq!(history(db, TPS), before, "nothing was stored without a session");
    b.goto(&app.url("/lapangan/antrean"));
    let row = b.wait_text("#antrean li.item", |t| t.contains("Sesi berakhir"));
    assert!(row.contains("Menunggu sinyal"), "{row}");

    // Logging in again from the queue's link sends the same item, once.
    let again = b.execute("return document.querySelector('#antrean li.item a.login-again').getAttribute('href')", vec![]);
    b.goto(&app.url(again.as_str().expect("the login link")));
    b.wait_url(|u| u.contains("/masuk") && u.contains("next=%2Flapangan%2Fantrean"));
    b.send_keys(&b.find("#username"), PTPS);
    b.send_keys(&b.find("#password"), PASSWORD);
    b.click(&b.find("#login-submit"));
    b.wait_url(|u| u.ends_with("/lapangan/antrean"));
    let sent = b.wait_queue_state(0, "terkirim");
    assert_eq!(sent["id"], waiting["id"], "the same item, under its first key");
    assert_eq!(history(db, TPS), before + 1);
}

fn a_shared_phone_sends_each_item_as_the_account_that_made_it(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let key = indicator_key(&app);
    b.login_field(&app, "pkd.balongsari");
    b.wait_service_worker();
    let before = history(db, TPS);
    app.stop();
    b.set_offline(true);
    b.refresh();
    inject_form(&b, TPS, &key, "Dicatat PKD");
    b.click(&b.find("#kirim"));
    b.wait_queue_state(0, "menunggu");
    app.restart(db);
    b.set_offline(false);
    b.wait_queue_state(0, "terkirim");
    assert_eq!(history(db, TPS), before + 1);

    // Now without signal again: the PKD queues, then hands the phone to the PTPS.
    app.stop();
    b.set_offline(true);
    b.goto(&app.url("/lapangan"));
    inject_form(&b, TPS, &key, "Dicatat PKD, dikirim nanti");
    b.click(&b.find("#kirim"));
    b.wait_queue_state(1, "menunggu");
    // The phone changes hands before the signal returns: no app page is open as the PKD.
    b.goto("about:blank");
    app.restart(db);
    b.set_offline(false);
    b.login_to(&app, PTPS, "/lapangan/antrean");
    // The PTPS's session does not send the PKD's item; the queue says whose it is.
    let waiting = b.wait_for("the PKD's item held for its account", || {
        let q = b.field_queue();
        q.get(1).filter(|i| i["state"] == "menunggu" && i["message"].as_str().is_some_and(|m| m.contains("pkd.balongsari"))).cloned()
    });
    assert_eq!(history(db, TPS), before + 1, "nothing sent under the wrong account");
    // The PKD logs in again: it goes, once.
    b.login_to(&app, "pkd.balongsari", "/lapangan/antrean");
    let sent = b.wait_queue_state(1, "terkirim");
    assert_eq!(sent["id"], waiting["id"]);
    assert_eq!(history(db, TPS), before + 2);
}

fn the_forms_of_the_home_open_without_signal(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    b.login_field(&app, "kpps.balongsari");
    b.wait_service_worker();
    // The home keeps what it links to (and one level further: the C.Hasil forms) while online.
    let warmed = b.wait_for("the home's forms kept for offline", || {
        b.execute("return document.body.dataset.warmed || null", vec![]).as_str().map(str::to_string)
    });
    assert!(warmed.parse::<u32>().unwrap_or(0) >= 3, "the TPS page, its forms and their rules: {warmed}");
    app.stop();
    b.set_offline(true);
    b.goto(&app.url(&format!("/lapangan/hasil/{TPS}")));
    b.wait_text("main", |t| t.contains("TPS 001 Balongsari"));
    let form = b.execute("return [...document.querySelectorAll('main a[data-offline]')].map(a => a.getAttribute('href'))", vec![]);
    let first = form[0].as_str().expect("a form link on the TPS page").to_string();
    b.goto(&app.url(&first));
    b.find("form.lapangan");
    assert!(b.find_all("#offline-missing").is_empty(), "{first} opened from the phone, not the 'not kept' page");
}

fn lapor_picker_by_name(db: &TestDb) {
    let Some((app, b)) = phone(db) else { return };
    b.goto(&app.url("/lapor"));
    let search = b.find(".picker input.place-search");
    b.send_keys(&search, "balongsari");
    let hit = b.wait_for("a hit for Balongsari", || {
        b.try_find_all(".place-hits button.place-hit").ok()?.into_iter().find(|h| b.try_text(h).is_ok_and(|t| t.contains("Balongsari") && t.contains("Kota Mojokerto")))
    });
    b.click(&hit);
    b.wait_for("the village code in the field", || {
        let v = b.execute("return document.getElementById('region').value", vec![]);
        (v == json!("35.76.02.1008")).then_some(())
    });
    let picked = b.text_of(".picker .picked");
    assert!(picked.contains("Magersari") && picked.contains("Balongsari"), "the place by name: {picked}");
    // The lists follow down to the village, and a TPS of it can be chosen by name.
    b.wait_for("the TPS list of Balongsari", || {
        let n = b.execute("return document.querySelector('select[data-level=tps]').options.length", vec![]).as_u64()?;
        (n > 1).then_some(())
    });
    b.execute(
        "const s = document.querySelector('select[data-level=tps]'); s.selectedIndex = 1; s.dispatchEvent(new Event('change'));",
        vec![],
    );
    b.wait_for("a TPS code in the field", || {
        let v = b.execute("return document.getElementById('region').value", vec![]);
        v.as_str().filter(|c| c.starts_with("35.76.02.1008.")).map(str::to_string)
    });
    assert!(b.text_of(".picker .picked").contains("TPS 001"));
}

/// The demo account's unit, as its pages name it.
fn unit_name(app: &TestApp, user: &str) -> String {
    let (_, me) = app.get("/api/v1/me", Some(&app.login(user, PASSWORD)));
    me["unit"]["name"].as_str().expect("unit name").to_string()
}

/// What the page shows, whole.
fn page_text(b: &Browser) -> String {
    b.execute("return document.documentElement.innerText", vec![]).as_str().unwrap_or("").to_string()
}

fn a_shared_phone_forgets_the_officer_at_logout(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let key = indicator_key(&app);
    let (a, officer_b) = (PTPS, "polsek.magersari");
    let (unit_a, unit_b) = (unit_name(&app, a), unit_name(&app, officer_b));
    let sessions = |user: &str| db.scalar(&format!("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = '{user}'"));
    let api_sessions = sessions(a);
    let tps_page = format!("/lapangan/hasil/{TPS}");

    // Officer A opens the app with signal: the home, the TPS page and its forms are kept.
    b.login_field(&app, a);
    b.wait_service_worker();
    b.wait_for("the home's forms kept for offline", || b.execute("return document.body.dataset.warmed || null", vec![]).as_str().map(str::to_string));
    b.goto(&app.url(&tps_page));
    b.wait_text("main", |t| t.contains("TPS 001 Balongsari"));
    let kept = b.execute_async(
        "const done = arguments[arguments.length - 1];
         caches.open('lapangan-halaman').then(c => c.keys()).then(k => done(k.map(r => new URL(r.url).pathname)));",
        vec![],
    );
    assert!(kept.as_array().is_some_and(|k| k.iter().any(|p| p == tps_page.as_str())), "A's TPS page is kept: {kept}");

    // Without signal A queues an item, then logs out and hands the phone over.
    app.stop();
    b.set_offline(true);
    b.goto(&app.url("/lapangan"));
    assert!(b.text_of("#current-user").contains(&unit_a), "A's home opens from the phone");
    inject_form(&b, TPS, &key, "Catatan milik A");
    b.click(&b.find("#kirim"));
    b.wait_queue_state(0, "menunggu");
    b.click(&b.find("form.logout button"));
    let gone = b.wait_text("main", |t| t.contains("Perlu masuk"));
    assert!(!gone.contains(&unit_a), "{gone}");

    // The next person, still without signal: neither the home nor A's TPS page shows A's work.
    for path in ["/lapangan", tps_page.as_str()] {
        b.goto(&app.url(path));
        b.find("#offline-login");
        let text = page_text(&b);
        assert!(!text.contains(&unit_a) && !text.contains("TPS 001 Balongsari") && !text.contains(a), "{path} shows nothing of A's: {text}");
    }
    // The queue page still opens; A's item is kept but its contents are not shown.
    b.goto(&app.url("/lapangan/antrean"));
    let line = b.wait_text("#antrean li.others", |t| !t.is_empty());
    assert_eq!(line, "1 isian milik akun lain menunggu akun itu masuk kembali.");
    let text = page_text(&b);
    assert!(!text.contains("Kerawanan TPS") && !text.contains(&unit_a) && !text.contains(a), "{text}");
    assert!(b.find_all("#antrean li.item").is_empty());
    let q = b.field_queue();
    assert_eq!((q.len(), q[0]["state"].as_str()), (1, Some("menunggu")), "the item is not lost");
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-keluar-antrean.png"));

    // The signal returns: the logout made without it ends A's session on the server first, so
    // the app asks for a login instead of opening A's home; A's item is not sent.
    app.restart(db);
    b.set_offline(false);
    b.goto(&app.url("/lapangan"));
    b.wait_url(|u| u.contains("/masuk"));
    assert_eq!(sessions(a), api_sessions, "A's session on the phone ended");

    // Officer B logs in and sees their own work, and of A's only the count.
    b.login_to(&app, officer_b, "/lapangan");
    assert!(b.text_of("#current-user").contains(&unit_b));
    let home = page_text(&b);
    assert!(!home.contains(&unit_a) && !home.contains("TPS 001 Balongsari"), "{home}");
    b.goto(&app.url("/lapangan/antrean"));
    b.wait_text("#antrean li.others", |t| t.starts_with("1 isian milik akun lain"));
    assert_eq!(b.field_queue()[0]["state"], "menunggu", "A's item waits for A, not sent as B");

    // B logs out with signal: the same, B's home is not shown to the next person.
    b.goto(&app.url("/lapangan"));
    b.wait_service_worker();
    b.click(&b.find("form.logout button"));
    b.wait_url(|u| u.contains("/masuk"));
    app.stop();
    b.set_offline(true);
    b.goto(&app.url("/lapangan"));
    b.find("#offline-login");
    assert!(!page_text(&b).contains(&unit_b));
}

/// "TPS terdekat": the phone's position (DevTools' geolocation override, some 30 m from TPS 001
/// Balongsari) gives the TPS nearest to it by name, with the distance; choosing it fills the
/// code in.
fn the_nearest_tps_from_the_phones_location(db: &TestDb) {
    let Some((app, b)) = phone(db) else { return };
    let (_, t) = app.get(&format!("/api/v1/elections/pilkada-2024/tps/{TPS}"), None);
    let (lat, lon) = (t["lat"].as_f64().expect("the demo TPS have coordinates"), t["lon"].as_f64().expect("lon"));
    b.goto(&app.url("/lapor"));
    b.set_location(lat + 0.0002, lon + 0.0002);
    b.click(&b.find(".picker button.place-nearest"));
    let first = b.wait_for("the nearest TPS listed", || b.try_find_all(".place-hits button.place-hit").ok()?.into_iter().next());
    let text = b.text(&first);
    assert!(text.starts_with("TPS 001") && text.contains("Balongsari") && text.ends_with(" m"), "the nearest by name, with its distance: {text}");
    let metres: f64 = text.rsplit(" · ").next().and_then(|d| d.trim_end_matches(" m").parse().ok()).unwrap_or(f64::NAN);
    assert!((10.0..60.0).contains(&metres), "about 30 m away: {text}");
    let hits = b.find_all(".place-hits button.place-hit").len();
    assert!((2..=5).contains(&hits), "the few nearest, TPS 001 first: {hits}");
    b.click(&first);
    b.wait_for("the TPS code in the field", || (b.execute("return document.getElementById('region').value", vec![]) == json!(TPS)).then_some(()));
    assert!(b.text_of(".picker .picked").contains("Balongsari › TPS 001"));
}

/// Background Sync, the worker's own way of sending the queue: an item queued while nothing
/// could be sent waits; the page stays cut off (so only the worker can reach the server) and
/// DevTools dispatches the sync event "antrean" to the worker; the server then holds the entry
/// once, and the queue says *terkirim*. DevTools names a registration by an id it only tells
/// in events, which ChromeDriver's `goog/cdp/execute` does not pass on; ids are handed out
/// from 0 in a fresh profile, and an id that names no registration is ignored, so the event is
/// dispatched to the first few.
fn background_sync_sends_the_queue_from_the_worker(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let before = ptps_queues_offline(&mut app, &b, db, "Dikirim oleh Background Sync");
    // The sync the page registered is tried at once, finds no server and is put off by the
    // browser (minutes); let that first try end before the server comes back.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    app.restart(db);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(history(db, TPS), before, "nothing sent before the sync event");
    assert_eq!(b.execute("return navigator.onLine", vec![]), json!(false), "the page itself cannot send");

    let origin = app.url("");
    let origin = origin.trim_end_matches('/');
    b.cdp("ServiceWorker.enable", json!({}));
    for id in 0..4 {
        b.cdp("ServiceWorker.dispatchSyncEvent", json!({ "origin": origin, "registrationId": id.to_string(), "tag": "antrean", "lastChance": false }));
    }
    b.wait_queue_state(0, "terkirim");
    assert_eq!(history(db, TPS), before + 1, "the worker sent it, once");
}

on_both_engines!(offline_queue_sends_once, a_refused_item_is_corrected_and_sent_under_a_new_key, photos_are_downscaled_and_kept_in_the_queue,
    an_ended_session_keeps_the_queue_and_asks_for_the_password, the_forms_of_the_home_open_without_signal,
    a_shared_phone_sends_each_item_as_the_account_that_made_it, lapor_picker_by_name, a_shared_phone_forgets_the_officer_at_logout,
    the_nearest_tps_from_the_phones_location, background_sync_sends_the_queue_from_the_worker);
