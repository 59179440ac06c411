//! The C.Hasil field form in a real browser (headless Chromium through ChromeDriver, a 360×740
//! phone window) on the demo data, on both engines: the PTPS of TPS 001 Balongsari opens the
//! app once with signal; the Wali Kota form is laid out in one column; a form that does not add
//! up is refused in the page before it is queued, naming the identity in Indonesian (the live
//! check names it while typing, a warning does not block); then without network (DevTools'
//! emulation, and the server stopped so the service worker cannot reach it either) the form
//! opens from the phone, is filled in with a photo of a page and queued; it is still queued
//! after a reload; when the network returns the server holds exactly one new entry, with its
//! photo. Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use common::TestDb;
use serde_json::{Value, json};
use webdriver::{Browser, DEMO_PASSWORD as PASSWORD, SHOTS, phone};

const PTPS: &str = "ptps.balongsari";
const TPS: &str = "35.76.02.1008.001";

/// Fills every number of the form with a count that adds up (Pilkada: DPT 250 and 3 more
/// voters, 202 voted, 257 ballots), the candidates' votes summing to the valid ones, and
/// signals the page as typing would.
const FILL: &str = r#"
const f = document.querySelector('form.lapangan');
const lp = (l, p, part) => part === 'l' ? l : part === 'p' ? p : l + p;
const rows = { 'voters.dpt': [120, 130], 'voters.dpph': [1, 0], 'voters.dptb': [2, 0], 'voters.jumlah': [123, 130],
  'users.dpt': [100, 99], 'users.dpph': [1, 0], 'users.dptb': [2, 0], 'users.jumlah': [103, 99] };
const plain = { 'disabled.voters': 2, 'disabled.users': 1, 'ballots.received': 257, 'ballots.used': 202,
  'ballots.spoiled': 1, 'ballots.unused': 54, 'valid': 120, 'invalid': 82 };
const votes = Array.from(f.querySelectorAll('input[name^="votes."]'));
votes.forEach((el, i) => { el.value = i === 0 ? String(120 - votes.length + 1) : '1'; });
for (const el of f.querySelectorAll('input[data-type=int]')) {
  const parts = el.name.split('.');
  const row = rows[parts[0] + '.' + parts[1]];
  if (row) el.value = String(lp(row[0], row[1], parts[2]));
  else if (el.name in plain) el.value = String(plain[el.name]);
}
f.dispatchEvent(new Event('input', { bubbles: true }));
return votes.map(el => el.name);
"#;

fn set(b: &Browser, name: &str, value: &str) {
    let el = b.find(&format!("form.lapangan input[name='{name}']"));
    b.clear(&el);
    b.send_keys(&el, value);
}

/// A small photo of a page of the form: a PNG the app turns into a JPEG before queueing.
fn page_photo(w: u32, h: u32) -> Vec<u8> {
    use std::io::Write;
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            let ink = (x / 7 + y / 11) % 9 == 0;
            raw.extend_from_slice(if ink { &[30, 30, 40] } else { &[245, 245, 240] });
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

fn entries(db: &TestDb) -> i64 {
    db.scalar(&format!("SELECT COUNT(*) FROM result_entries WHERE tps_code = '{TPS}' AND contest = 'walikota' AND source = 'bawaslu'"))
}

fn chasil_is_checked_in_the_page_and_queued_offline(db: &TestDb) {
    let Some((mut app, b)) = phone(db) else { return };
    let form_url = format!("/lapangan/hasil/{TPS}/walikota?pemilu=pilkada-2024");

    // Online, once: the home keeps the TPS's page and the forms it links to on the phone.
    b.login_field(&app, PTPS);
    b.wait_service_worker();
    b.wait_for("the home's forms kept for use offline", || b.execute("return document.body.dataset.warmed || null", vec![]).as_str().map(str::to_string));
    b.goto(&app.url(&format!("/lapangan/hasil/{TPS}")));
    let contests = b.text_of("main");
    assert!(contests.contains("C.Hasil Wali Kota") && contests.contains("Bawaslu (PTPS)"), "{contests}");

    // The form, one column on a 360 px phone.
    b.goto(&app.url(&form_url));
    assert!(b.text_of("h1").starts_with("C.Hasil Wali Kota"), "{}", b.text_of("h1"));
    let names = b.execute(FILL, vec![]);
    assert_eq!(names.as_array().map(Vec::len), Some(3), "the three pairs of Kota Mojokerto: {names}");
    b.wait_text("#cek-status", |t| t == "Semua pemeriksaan cocok.");
    let width = b.execute("return document.documentElement.scrollWidth", vec![]).as_u64().unwrap_or(0);
    assert!(width <= 360, "no sideways scrolling on a 360 px phone: {width}");
    // The running totals: Jumlah cells computed as the numbers are typed.
    set(&b, "users.dpt.l", "101");
    let total = b.text_of("table[data-group=users] tr[data-row=dpt] output");
    assert_eq!(total, "= 200", "L + P computed beside the Jumlah the paper says (199)");
    b.wait_text("#cek-daftar", |t| t.contains("L + P = Jumlah pada baris DPT pengguna hak pilih"));
    set(&b, "users.dpt.l", "100");

    // A form that does not add up: the valid votes are not the candidates' sum. The page names
    // the identity live, and refuses it on submit: nothing is queued.
    set(&b, "valid", "121");
    let live = b.wait_text("#cek-daftar", |t| t.contains("jumlah suara semua calon = suara sah"));
    assert!(live.contains("120 ≠ 121"), "both sides: {live}");
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-chasil-tidak-cocok.png"));
    b.click(&b.find("form.lapangan button[type=submit]"));
    let refusal = b.wait_text("form.lapangan p.refusal", |t| !t.is_empty());
    assert!(refusal.contains("jumlah suara semua calon = suara sah") && refusal.contains("tidak dimasukkan ke antrean"), "{refusal}");
    assert!(b.field_queue().is_empty(), "refused before it is queued");
    set(&b, "valid", "120");
    // More ballots than DPT + reserve is only a warning: shown, not blocking.
    b.wait_text("#cek-status", |t| t == "Semua pemeriksaan cocok.");

    // Without network: the form opens from the phone, is filled in with a photo and queued.
    let photo = db.dir().join("c-hasil-halaman-1.png");
    std::fs::write(&photo, page_photo(900, 1200)).expect("write the photo");
    let before = entries(db);
    b.set_offline(true);
    app.stop();
    b.refresh();
    assert!(b.text_of("h1").starts_with("C.Hasil Wali Kota"), "the form opens without network");
    b.execute(FILL, vec![]);
    b.wait_text("#cek-status", |t| t == "Semua pemeriksaan cocok.");
    b.send_keys(&b.find("label[data-page='1'] input[type=file]"), photo.to_str().expect("path"));
    b.click(&b.find("form.lapangan button[type=submit]"));
    b.wait_text("form.lapangan p.status", |t| t.contains("Tersimpan di antrean"));
    let item = b.wait_queue_state(0, "menunggu");
    assert_eq!((item["method"].as_str(), item["url"].as_str()), (Some("PUT"), Some(&*format!("/api/v1/elections/pilkada-2024/results/{TPS}/walikota"))));
    b.screenshot(&std::path::Path::new(SHOTS).join("lapangan-chasil-luring.png"));

    // Reloaded without network: still queued, photo and all.
    b.refresh();
    b.goto(&app.url("/lapangan/antrean"));
    b.wait_text("#antrean li.item", |t| t.contains("C.Hasil Wali Kota") && t.contains("Menunggu sinyal"));
    let q = b.field_queue();
    assert_eq!((q.len(), q[0]["has_body"].as_bool()), (1, Some(true)), "{q:?}");

    // The network returns: exactly one new entry, with its photo.
    app.restart(db);
    b.set_offline(false);
    b.wait_queue_state(0, "terkirim");
    assert_eq!(entries(db), before + 1, "the server holds exactly one new entry");
    let (_, v) = app.get(&format!("/api/v1/elections/pilkada-2024/results/{TPS}/walikota"), None);
    let mine = v["sources"].as_array().and_then(|s| s.iter().find(|s| s["source"] == "bawaslu")).cloned().unwrap_or(Value::Null);
    assert_eq!(mine["tally"]["valid"], 120, "{v}");
    let photos = mine["photos"].as_array().cloned().unwrap_or_default();
    assert_eq!(photos.len(), 1, "the photo of the page is kept with the entry: {mine}");
    let sha = photos[0].as_str().expect("its SHA-256");
    let jpeg = app.get_bytes(&format!("/foto/{sha}"), &app.login(PTPS, PASSWORD));
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "the photo as queued on the phone: a JPEG");
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(&jpeg).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hash, sha, "served under its SHA-256");
}

/// A photo of `w`×`h` pixels whose top `noisy` rows are noise (a JPEG's size grows with them):
/// the stand-in for a phone's picture of a page of the form.
fn noisy_photo(w: u32, h: u32, noisy: u32) -> Vec<u8> {
    let mut png = page_photo(w, h);
    // Rebuild with noise in the first rows (a simple LCG, reproducible).
    use std::io::Write;
    let mut seed: u32 = 0x2024_1127;
    let mut raw = Vec::with_capacity(((w * 3 + 1) * h) as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            if y < noisy {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let v = (seed >> 24) as u8;
                raw.extend_from_slice(&[v, v.wrapping_add(40), v.wrapping_sub(30)]);
            } else {
                let ink = (x / 7 + y / 11) % 9 == 0;
                raw.extend_from_slice(if ink { &[30, 30, 40] } else { &[245, 245, 240] });
            }
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&raw).expect("deflate");
    let idat = z.finish().expect("deflate");
    // Same header as `page_photo`; only the pixel data differs.
    let ihdr_end = 8 + 8 + 13 + 4;
    png.truncate(ihdr_end);
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    };
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// The 400 kbit/s uplink (bench/chasil-upload.sh, docs/PERFORMANCE.md): a C.Hasil with a photo
/// of about 300 KB (as queued: JPEG, at most 1600 px) sent with DevTools' throttling at 50,000
/// bytes/s up. It completes, and the form shows how far the upload has got while it goes.
/// Run with `--ignored` (it takes the upload's time).
#[test]
#[ignore]
fn upload_at_400_kbit_per_second() {
    let db = TestDb::sqlite();
    let Some((app, b)) = phone(&db) else { return };
    b.login_field(&app, PTPS);
    b.wait_service_worker();
    b.goto(&app.url(&format!("/lapangan/hasil/{TPS}/walikota?pemilu=pilkada-2024")));
    b.execute(FILL, vec![]);
    b.wait_text("#cek-status", |t| t == "Semua pemeriksaan cocok.");
    let noisy: u32 = std::env::var("NOISY_ROWS").ok().and_then(|n| n.parse().ok()).unwrap_or(25);
    let photo = db.dir().join("c-hasil-halaman-1.png");
    std::fs::write(&photo, noisy_photo(1600, 1200, noisy)).expect("write the photo");
    b.send_keys(&b.find("label[data-page='1'] input[type=file]"), photo.to_str().expect("path"));
    // What is queued: the photo's size as sent (base64 in the body), and the body's.
    b.execute(
        "window.__photo = 0; window.__steps = [];
         window.Lapangan.check(document.querySelector('form.lapangan'), (body) => { window.__photo = (body.photos || []).reduce((n, p) => n + p.length, 0); return null; });
         document.addEventListener('lapangan:kemajuan', (e) => window.__steps.push([Date.now(), e.detail.loaded, e.detail.total]));",
        vec![],
    );
    b.cdp("Network.enable", json!({}));
    b.cdp("Network.emulateNetworkConditions", json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 50_000}));
    let started = std::time::Instant::now();
    b.click(&b.find("form.lapangan button[type=submit]"));
    let mut shown: Vec<String> = vec![];
    let done = loop {
        let status = b.execute("const p = document.querySelector('form.lapangan p.status'); return p && !p.hidden ? p.textContent : ''", vec![]);
        let status = status.as_str().unwrap_or("").to_string();
        if !status.is_empty() && shown.last() != Some(&status) {
            shown.push(status.clone());
        }
        if status.starts_with("Terkirim") {
            break started.elapsed();
        }
        assert!(started.elapsed().as_secs() < 120, "not sent within two minutes: {shown:?}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let photo_b64 = b.execute("return window.__photo", vec![]).as_u64().unwrap_or(0);
    let steps = b.execute("return window.__steps", vec![]);
    let total = steps.as_array().and_then(|s| s.last()).and_then(|s| s[2].as_u64()).unwrap_or(0);
    let progress: Vec<&String> = shown.iter().filter(|s| s.starts_with("Mengirim: ")).collect();
    println!("photo as queued: {} bytes JPEG ({photo_b64} base64); request body {total} bytes", photo_b64 * 3 / 4);
    println!("at 400 kbit/s up (50,000 bytes/s): sent in {:.1} s (the body alone needs {:.1} s at that rate)", done.as_secs_f64(), total as f64 / 50_000.0);
    println!("progress shown ({} steps): {:?}", progress.len(), shown);
    assert!(progress.len() >= 3, "the upload's progress is shown as it goes: {shown:?}");
    assert!(done.as_secs_f64() >= total as f64 / 50_000.0 * 0.8, "the throttling applied");
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM result_entries WHERE tps_code = '{TPS}' AND contest = 'walikota' AND source = 'bawaslu' AND entered_by = '{PTPS}'")), 1);
}

on_both_engines!(chasil_is_checked_in_the_page_and_queued_offline);
