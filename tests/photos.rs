//! Photos kept: a C.Hasil's page photos go to the blob store only when the entry is accepted,
//! once however often the field app resends it, are served at `/foto/{sha256}` with their hash
//! and a thumbnail, and show on the TPS permalink beside the numbers — with the store in a
//! directory beside the database and in a real S3-compatible server (`s3s-fs`), on SQLite and
//! PostgreSQL.

mod common;

use common::{TestApp, TestDb, add_user, cli, error_of, stderr};
use serde_json::{Value, json};
use sha2::Digest;

const PW: &str = "rahasia-123";
const TPS: &str = "35.76.02.1008.001";
const PUT: &str = "/api/v1/elections/pilkada-2024/results/35.76.02.1008.001/gubernur";

fn sha(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A real JPEG of a page, as the field app sends it (downscaled, quality 80); `shade` makes
/// each page's bytes differ.
fn page_jpeg(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(800, 1100, |x, y| image::Rgb([shade, (x % 200) as u8, (y % 200) as u8]));
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)).expect("jpeg");
    out
}

/// Bawaslu's copy of the governor's C.Hasil at the TPS (adds up).
fn entry(source: &str) -> Value {
    json!({
        "source": source,
        "voters": {"dpt": {"l": 120, "p": 130}, "dpph": {"l": 1, "p": 0}, "dptb": {"l": 2, "p": 0}},
        "users": {"dpt": {"l": 100, "p": 99}, "dpph": {"l": 1, "p": 0}, "dptb": {"l": 2, "p": 0}},
        "disabled": {"voters": 2, "users": 1},
        "ballots": {"received": 257, "used": 202, "spoiled": 1, "unused": 54},
        "votes": {"01": 120, "02": 79}, "valid": 199, "invalid": 3,
    })
}

/// A TPS of the Pilkada with its governor candidates, and the accounts that enter results.
fn setup(db: &TestDb, env: &[(&str, &str)]) -> TestApp {
    let file = db.dir().join("tps.csv");
    std::fs::write(&file, format!("code,address,dpt,lat,lon\n{TPS},Jl. Contoh,250,,\n")).expect("write");
    let o = cli(db, &["import", "tps", "--election", "pilkada-2024", file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    add_user(db, "kpu.jatim", "kpu", "35", "supervisor", PW);
    add_user(db, "kpu.a", "kpu", "35.76", "operator", PW);
    add_user(db, "kpu.b", "kpu", "35.76", "operator", PW);
    add_user(db, "ptps", "bawaslu", "35.76", "operator", PW);
    let app = TestApp::spawn_env(db, &[], env);
    let list = json!({"candidates": [{"number": 1, "name": "Pasangan Satu"}, {"number": 2, "name": "Pasangan Dua"}]});
    let (s, v) = app.put("/api/v1/elections/pilkada-2024/candidates/35/gubernur", Some(&app.login("kpu.jatim", PW)), &list);
    assert_eq!(s, 200, "{v}");
    app
}

/// GET without a login: (status, headers, bytes).
fn fetch(app: &TestApp, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(&app.url(path)).call().expect("GET");
    let hs = resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    (resp.status().as_u16(), hs, resp.body_mut().read_to_vec().expect("body"))
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> &'a str {
    hs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v.as_str())
}

fn put_keyed(app: &TestApp, token: &str, key: &str, body: &Value) -> (u16, Value, Vec<(String, String)>) {
    let (s, text, hs) = app.call_text("PUT", PUT, Some(token), &[("Idempotency-Key", key), ("Accept-Language", "id")], Some(body.to_string().as_bytes()));
    (s, serde_json::from_str(&text).unwrap_or(Value::String(text)), hs)
}

/// Where the store keeps blobs: asks it by listing (directory, or the S3 server's folder).
trait Kept {
    fn holds(&self, sha: &str) -> bool;
    fn count(&self) -> usize;
}

struct Dir(std::path::PathBuf);

fn count_files(dir: &std::path::Path, keep: &dyn Fn(&str) -> bool) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += count_files(&p, keep);
        } else if keep(&e.file_name().to_string_lossy()) {
            n += 1;
        }
    }
    n
}

fn is_blob(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Kept for Dir {
    fn holds(&self, sha: &str) -> bool {
        self.0.join(&sha[0..2]).join(&sha[2..4]).join(sha).is_file()
    }
    fn count(&self) -> usize {
        count_files(&self.0, &|n| is_blob(n))
    }
}

/// The C.Hasil photo story, whichever store holds the photos.
fn photos_story(db: &TestDb, app: &TestApp, kept: &dyn Kept) {
    let ptps = app.login("ptps", PW);
    let (p1, p2) = (page_jpeg(10), page_jpeg(200));
    let (s1, s2) = (sha(&p1), sha(&p2));

    // Refusals first: nothing of a refused entry is kept.
    let refused = page_jpeg(90);
    let mut bad = entry("bawaslu");
    bad["valid"] = json!(198); // 120 + 79 is 199: the form does not add up
    bad["photos"] = json!([b64(&refused)]);
    let (s, v, _) = put_keyed(app, &ptps, "tolak-1", &bad);
    assert_eq!(s, 422, "{v}");
    assert!(!kept.holds(&sha(&refused)), "a refused entry leaves no photo in the store");
    assert_eq!(fetch(app, &format!("/foto/{}", sha(&refused))).0, 404);

    let mut too_big = entry("bawaslu");
    let mut huge = p2.clone();
    huge.resize(5 * 1024 * 1024 + 1, 0);
    too_big["photos"] = json!([b64(&p1), b64(&huge)]);
    let (s, v, _) = put_keyed(app, &ptps, "tolak-2", &too_big);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("photos[1]")), "{v}");
    let msg = v["error"]["message"].as_str().unwrap_or("");
    assert!(msg.contains("halaman 2") && msg.contains("5 MB"), "names the page and the limit in Indonesian: {msg}");

    let mut not_image = entry("bawaslu");
    not_image["photos"] = json!([b64(b"%PDF-1.4 bukan foto")]);
    let (s, v, _) = put_keyed(app, &ptps, "tolak-3", &not_image);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("photos[0]")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap_or("").contains("halaman 1 bukan gambar"), "{v}");
    assert_eq!(kept.count(), 0, "no refusal stored anything: the first page of the too-large entry neither");
    assert!(!kept.holds(&s1));

    // Accepted, sent three times with the same key (the field app's queue after a lost answer).
    let mut good = entry("bawaslu");
    good["photos"] = json!([b64(&p1), b64(&p2)]);
    let (s, v, _) = put_keyed(app, &ptps, "antrean-1", &good);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sources"][0]["photos"], json!([s1, s2]));
    assert_eq!(v["sources"][0]["photo_sha256"], json!(s1), "photo_sha256 stays the form's first photo");
    for _ in 0..2 {
        let (s, again, hs) = put_keyed(app, &ptps, "antrean-1", &good);
        assert_eq!((s, header(&hs, "idempotent-replayed")), (200, "true"));
        assert_eq!(again, v, "the same answer");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM result_entries"), 1, "one entry for three sends");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM result_photos"), 2);
    assert!(kept.holds(&s1) && kept.holds(&s2));
    assert_eq!(kept.count(), 2, "each photo once");

    // Served with its hash, cached for good, and a thumbnail.
    let (s, hs, bytes) = fetch(app, &format!("/foto/{s1}"));
    assert_eq!(s, 200);
    assert_eq!(bytes, p1, "byte for byte what was sent");
    assert_eq!(header(&hs, "x-content-sha256"), s1);
    assert_eq!(sha(&bytes), header(&hs, "x-content-sha256"), "anyone can check it");
    assert_eq!(header(&hs, "content-type"), "image/jpeg");
    assert!(header(&hs, "cache-control").contains("immutable") && header(&hs, "cache-control").contains("public"), "{hs:?}");
    let (s, hs, small) = fetch(app, &format!("/foto/{s2}/kecil"));
    assert_eq!((s, header(&hs, "content-type")), (200, "image/jpeg"));
    let thumb = image::load_from_memory(&small).expect("a thumbnail that decodes");
    assert!(thumb.width().max(thumb.height()) <= 320 && small.len() < p2.len() / 3, "{}x{}, {} bytes", thumb.width(), thumb.height(), small.len());
    assert_eq!(fetch(app, &format!("/foto/{s2}/kecil")).2, small, "the kept thumbnail the second time");
    assert_eq!(fetch(app, &format!("/foto/{}", sha(b"tidak ada"))).0, 404);
    assert_eq!(fetch(app, "/foto/..%2F..%2Fetc%2Fpasswd").0, 404);

    // The permalink shows Bawaslu's photos beside its numbers, with their SHA-256.
    let (s, _, page) = app.get_text(&format!("/hasil/tps/{TPS}?pemilu=pilkada-2024&kontes=gubernur"), None);
    assert_eq!(s, 200);
    for h in [&s1, &s2] {
        assert!(page.contains(&format!("href=\"/foto/{h}\"")) && page.contains(&format!("src=\"/foto/{h}/kecil\"")), "thumbnail linking to full size");
        assert!(page.contains(&format!("<code class=\"sha\">{h}</code>")), "the hash is shown");
    }

    // KPU: a photo of a pending entry stays unseen, like its numbers, until two entries agree.
    let p3 = page_jpeg(150);
    let s3 = sha(&p3);
    let mut kpu = entry("kpu");
    kpu["photos"] = json!([b64(&p3)]);
    let (s, v, _) = put_keyed(app, &app.login("kpu.a", PW), "kpu-a", &kpu);
    assert_eq!(s, 200, "{v}");
    assert_eq!(fetch(app, &format!("/foto/{s3}")).0, 404, "pending KPU entry");
    let (s, v, _) = put_keyed(app, &app.login("kpu.b", PW), "kpu-b", &entry("kpu"));
    assert_eq!((s, v["status"].as_str()), (200, Some("sah")), "{v}");
    assert_eq!(v["counted_photos"], json!([s3]));
    assert_eq!(fetch(app, &format!("/foto/{s3}")).0, 200, "counted: public");
    let (_, _, page) = app.get_text(&format!("/hasil/tps/{TPS}?pemilu=pilkada-2024&kontes=gubernur"), None);
    assert!(page.contains(&format!("src=\"/foto/{s3}/kecil\"")), "KPU's photo beside the counted numbers");
}

/// The photos are stored before the entry's write and outside it; what the writer refuses
/// (a rule only the stored results can tell) leaves nothing, even when another entry with the
/// same photo is accepted at the same moment. Runs after `photos_story` (Bawaslu's copy of the
/// TPS is entered).
fn refusals_in_the_writer_story(db: &TestDb, app: &TestApp, kept: &dyn Kept) {
    let ptps = app.login("ptps", PW);
    let entries = db.scalar("SELECT COUNT(*) FROM result_entries");
    let before = kept.count();

    // Bawaslu's copy is in: a second one without a reason is refused by the writer.
    let photo = page_jpeg(33);
    let mut again = entry("bawaslu");
    again["photos"] = json!([b64(&photo)]);
    let (s, v, _) = put_keyed(app, &ptps, "ulang-tanpa-alasan", &again);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("reason")), "{v}");
    assert!(!kept.holds(&sha(&photo)), "refused in the writer: the stored photo is removed again");
    assert_eq!(kept.count(), before);

    // The same photo in two entries at once, one refused by the writer and one accepted (a
    // correction with its reason), in rounds so that both orders of their outcomes happen.
    for round in 0..6u8 {
        let photo = page_jpeg(60 + round);
        let mut refused = entry("bawaslu");
        refused["photos"] = json!([b64(&photo)]);
        let mut correction = refused.clone();
        correction["reason"] = json!(format!("koreksi salinan ke-{round}"));
        let (a, b) = std::thread::scope(|t| {
            let a = t.spawn(|| put_keyed(app, &ptps, &format!("serentak-tolak-{round}"), &refused).0);
            let b = t.spawn(|| put_keyed(app, &ptps, &format!("serentak-terima-{round}"), &correction).0);
            (a.join().expect("refused"), b.join().expect("accepted"))
        });
        assert_eq!((a, b), (422, 200), "round {round}");
        assert!(kept.holds(&sha(&photo)), "round {round}: the accepted entry's photo is kept");
        let (s, hs, bytes) = fetch(app, &format!("/foto/{}", sha(&photo)));
        assert_eq!((s, bytes == photo, header(&hs, "x-content-sha256") == sha(&photo)), (200, true, true), "round {round}: and served");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM result_entries"), entries + 6);
}

/// A photo that cannot be stored refuses the entry, which leaves no row; sent again under the
/// same key once the store is back, it is accepted with its photo. The local store only: the
/// S3 client retries a failing server for up to minutes before it gives up (the same refusal,
/// too slow for a test), and a missing bucket is made again by s3s-fs.
fn a_failed_store_refuses_the_entry(db: &TestDb, app: &TestApp, kept: &Dir) {
    let ptps = app.login("ptps", PW);
    let entries = db.scalar("SELECT COUNT(*) FROM result_entries");
    let photo = page_jpeg(77);
    let mut fix = entry("bawaslu");
    fix["photos"] = json!([b64(&photo)]);
    fix["reason"] = json!("koreksi setelah gangguan penyimpanan");
    // The store's folder moved away and a file in its place: no put can succeed.
    let away = kept.0.with_extension("rusak");
    std::fs::rename(&kept.0, &away).expect("move the store away");
    std::fs::write(&kept.0, b"not a folder").expect("block the store");
    let (s, v, _) = put_keyed(app, &ptps, "saat-gangguan", &fix);
    std::fs::remove_file(&kept.0).expect("unblock");
    std::fs::rename(&away, &kept.0).expect("put the store back");
    assert!(s >= 500, "{s} {v}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM result_entries"), entries, "no row for an entry whose photo was not kept");
    assert!(!kept.holds(&sha(&photo)));
    let (s, v, hs) = put_keyed(app, &ptps, "saat-gangguan", &fix);
    assert_eq!((s, header(&hs, "idempotent-replayed")), (200, ""), "{v}");
    assert!(kept.holds(&sha(&photo)));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM result_entries"), entries + 1);
}

fn photos_in_the_local_store(db: &TestDb) {
    let app = setup(db, &[]);
    // The default store: a folder beside the database.
    let kept = Dir(db.dir().join("sinergi-blobs"));
    photos_story(db, &app, &kept);
    refusals_in_the_writer_story(db, &app, &kept);
    a_failed_store_refuses_the_entry(db, &app, &kept);
}

/// A real S3-compatible server (`s3s-fs`, from `cargo install s3s-fs --features binary`; `.ci/run`
/// installs it) on a free local port, storing into a folder; None with the reason printed when
/// it is not installed.
struct S3Server {
    child: std::process::Child,
    root: std::path::PathBuf,
    endpoint: String,
}

const BUCKET: &str = "sinergi-foto";

impl S3Server {
    fn start(dir: &std::path::Path) -> Option<S3Server> {
        let bin = std::env::var("SINERGI_S3_SERVER").ok().or_else(|| {
            // On PATH, or where `cargo install` puts it.
            let home = std::env::var("HOME").unwrap_or_default();
            let path = std::env::var("PATH").unwrap_or_default();
            path.split(':')
                .map(|d| format!("{d}/s3s-fs"))
                .chain([format!("{home}/.cargo/bin/s3s-fs")])
                .find(|p| std::path::Path::new(p).is_file())
        });
        let Some(bin) = bin else {
            eprintln!("skipped: no S3 server; install one with `cargo install s3s-fs --features binary` (or set SINERGI_S3_SERVER)");
            return None;
        };
        let root = dir.join("s3");
        std::fs::create_dir_all(root.join(BUCKET)).expect("bucket folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let mut child = std::process::Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", "sinergi", "--secret-key", "rahasia-s3-123"])
            .arg(&root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        let addr = format!("127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(&addr).is_ok() {
                return Some(S3Server { child, root, endpoint: format!("http://{addr}") });
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("s3s-fs did not listen on {addr}");
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SINERGI_BLOB_URL", format!("s3://{BUCKET}")),
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "sinergi".into()),
            ("AWS_SECRET_ACCESS_KEY", "rahasia-s3-123".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The objects the S3 server holds, as files in its bucket's folder.
struct Bucket(std::path::PathBuf);

impl Kept for Bucket {
    fn holds(&self, sha: &str) -> bool {
        self.0.join(&sha[0..2]).join(&sha[2..4]).join(sha).is_file()
    }
    fn count(&self) -> usize {
        count_files(&self.0, &|n| is_blob(n))
    }
}

fn photos_in_an_s3_store(db: &TestDb) {
    let Some(s3) = S3Server::start(&db.dir()) else { return };
    let env = s3.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = setup(db, &env);
    let kept = Bucket(s3.root.join(BUCKET));
    photos_story(db, &app, &kept);
    refusals_in_the_writer_story(db, &app, &kept);
    assert!(!db.dir().join("sinergi-blobs").join("tmp").exists() || Dir(db.dir().join("sinergi-blobs")).count() == 0, "nothing went to the local folder");
}

/// A report with one PDF of evidence through the public API; answers (report id, bytes, sha).
fn report_with_evidence(app: &TestApp, bawaslu: &str) -> (i64, Vec<u8>, String) {
    let t = |h: i64| (time::OffsetDateTime::now_utc() - time::Duration::hours(h)).format(&time::format_description::well_known::Rfc3339).expect("time");
    let report = json!({
        "election": "pilkada-2024", "region": "35.76.02.1008",
        "reporter": {"name": "Siti", "address": "Jl. Empunala 12", "contact": "0812-5555-1234"},
        "reported": "Tim sukses", "event_at": t(30), "known_at": t(26), "place": "TPS 001",
        "description": "Pembagian amplop", "witnesses": ["Budi"],
    });
    let pdf = b"%PDF-1.7\n% pernyataan saksi\n".to_vec();
    let boundary = "batas-uji-foto";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{report}\r\n").into_bytes();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"saksi.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(&pdf);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (s, v) = app.post_bytes("/api/v1/reports", None, &[], &format!("multipart/form-data; boundary={boundary}"), &body);
    assert_eq!(s, 201, "{v}");
    let (_, list) = app.get("/api/v1/reports", Some(bawaslu));
    let id = list["items"][0]["id"].as_i64().expect("report id");
    (id, pdf.clone(), sha(&pdf))
}

/// Evidence kept in the database by an older version moves into the blob store at start,
/// once; downloads still give the same bytes to those allowed, and nobody else.
fn evidence_moves_from_the_database_into_the_store(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "bawaslu.jbg", "bawaslu", "35.17", "operator", PW);
    let store = Dir(db.dir().join("sinergi-blobs"));
    let (id, pdf, pdf_sha) = {
        let app = TestApp::spawn(db);
        let bawaslu = app.login("bawaslu.mjk", PW);
        let (id, pdf, pdf_sha) = report_with_evidence(&app, &bawaslu);
        assert!(store.holds(&pdf_sha), "new evidence goes straight to the store");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM report_evidence WHERE length(data) > 0"), 0, "and not into the database");
        (id, pdf, pdf_sha)
    };
    // As an older version left it: the bytes in the database, nothing in the store.
    let hex_pdf = hex::encode(&pdf);
    db.tamper(&match db {
        TestDb::Sqlite { .. } => format!("UPDATE report_evidence SET data = X'{hex_pdf}'"),
        TestDb::Postgres { .. } => format!("UPDATE report_evidence SET data = '\\x{hex_pdf}'::bytea"),
    });
    std::fs::remove_file(store.0.join(&pdf_sha[0..2]).join(&pdf_sha[2..4]).join(&pdf_sha)).expect("remove the blob");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM report_evidence WHERE length(data) > 0"), 1);
    for start in 0..2 {
        let app = TestApp::spawn(db);
        assert!(store.holds(&pdf_sha), "start {start}: the bytes are in the store");
        assert_eq!(store.count(), 1);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM report_evidence WHERE length(data) > 0"), 0, "start {start}: the database column is emptied");
        let bawaslu = app.login("bawaslu.mjk", PW);
        let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&bawaslu));
        let eid = v["evidence"][0]["id"].as_i64().expect("evidence id");
        assert_eq!(v["evidence"][0]["sha256"], json!(pdf_sha));
        assert_eq!(app.get_bytes(&format!("/api/v1/reports/{id}/evidence/{eid}"), &bawaslu), pdf, "the same bytes");
        // Outside the case's scope, or without a login: still refused; /foto does not serve it.
        let other = app.login("bawaslu.jbg", PW);
        assert_eq!(app.get(&format!("/api/v1/reports/{id}/evidence/{eid}"), Some(&other)).0, 403);
        assert_eq!(app.get(&format!("/api/v1/reports/{id}/evidence/{eid}"), None).0, 401);
        assert_eq!(fetch(&app, &format!("/foto/{pdf_sha}")).0, 404, "evidence is not a public photo");
    }
}

/// `sinergi backup --out FILE` keeps the database and every blob while the server runs; a
/// server started on the backup alone (the database restored, `SINERGI_BLOBS` at the `blobs`
/// folder beside FILE) serves the photos and the evidence.
fn a_backup_keeps_the_photos_and_evidence(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    let app = setup(db, &[]);
    let ptps = app.login("ptps", PW);
    let photo = page_jpeg(42);
    let mut good = entry("bawaslu");
    good["photos"] = json!([b64(&photo)]);
    let (s, v, _) = put_keyed(&app, &ptps, "cadangan-1", &good);
    assert_eq!(s, 200, "{v}");
    let bawaslu = app.login("bawaslu.mjk", PW);
    let (report, pdf, pdf_sha) = report_with_evidence(&app, &bawaslu);

    // A folder is not a file: refused, naming the option, nothing written.
    let dir = db.dir().join("cadangan");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let o = cli(db, &["backup", "--out", dir.to_str().expect("path")], None);
    assert!(!o.status.success() && stderr(&o).contains("--out") && stderr(&o).contains("folder"), "{}", stderr(&o));
    assert!(!dir.join("blobs").exists());
    // Nor is the live database (the copy would be renamed over it under the server).
    if let TestDb::Sqlite { dir: live } = db {
        let o = cli(db, &["backup", "--out", live.join("sinergi.db").to_str().expect("path")], None);
        assert!(!o.status.success() && stderr(&o).contains("sedang dicadangkan"), "{}", stderr(&o));
    }

    // Backed up while the server serves (it is still running), once the entry is under a
    // signed checkpoint: a backup taken before then holds a leaf no key signed yet, which any
    // key may sign after a restore (hence: restore with the key that signed, as below).
    let started = std::time::Instant::now();
    while app.get_text("/log/checkpoint", None).2.lines().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0) < 1 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no checkpoint of the entry after 10 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let file = dir.join(if matches!(db, TestDb::Sqlite { .. }) { "sinergi.db" } else { "sinergi.pgdump" });
    let out = file.to_str().expect("path");
    let o = cli(db, &["backup", "--out", out], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = common::stdout(&o);
    assert!(said.contains("2 blob") && said.contains("2 baru"), "the summary says what was kept: {said}");
    let again = cli(db, &["backup", "--out", out], None);
    assert!(common::stdout(&again).contains("0 baru"), "a second backup adds only what is new: {}", common::stdout(&again));
    let kept = Dir(dir.join("blobs"));
    assert!(kept.holds(&sha(&photo)) && kept.holds(&pdf_sha) && kept.count() == 2);
    assert_eq!(app.get("/healthz", None).0, 200, "the server went on serving");
    drop(app);

    // Restore: a fresh database from the snapshot, the blobs from the backup folder.
    let restored = match db {
        TestDb::Sqlite { .. } => format!("sqlite://{}", file.display()),
        TestDb::Postgres { admin_url, name, .. } => {
            let target = format!("{name}_r");
            let mut c = ::postgres::Client::connect(admin_url, ::postgres::NoTls).expect("connect");
            c.batch_execute(&format!("CREATE DATABASE {target}")).expect("create");
            let url = format!("{}/{target}", admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b));
            let o = std::process::Command::new("pg_restore").args(["--no-owner", "--dbname", &url]).arg(&file).output().expect("pg_restore");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            url
        }
    };
    // The restored database runs with the log's key where it lives (a backup does not copy
    // the signing key: docs/OPERATIONS.md); SQLite's is beside the original database file.
    let key = db.dir().join("sinergi-log.key");
    let key = match db {
        TestDb::Sqlite { .. } => vec![("SINERGI_LOG_KEY", key.to_str().expect("path"))],
        TestDb::Postgres { .. } => vec![],
    };
    let blobs = dir.join("blobs");
    let mut env = key.clone();
    env.push(("SINERGI_BLOBS", blobs.to_str().expect("path")));
    let app = TestApp::spawn_env(db, &["--db", &restored], &env);
    let (s, _, bytes) = fetch(&app, &format!("/foto/{}", sha(&photo)));
    assert_eq!((s, bytes == photo), (200, true), "the photo from the backup");
    let bawaslu = app.login("bawaslu.mjk", PW);
    let (_, v) = app.get(&format!("/api/v1/reports/{report}"), Some(&bawaslu));
    let eid = v["evidence"][0]["id"].as_i64().expect("evidence id");
    assert_eq!(app.get_bytes(&format!("/api/v1/reports/{report}/evidence/{eid}"), &bawaslu), pdf);
    drop(app);
    // The restored audit chain and results log hold together, checked against that key.
    for what in ["audit", "log"] {
        let o = common::cli_env(db, &key, &[what, "verify", "--db", &restored], None);
        assert!(o.status.success(), "{what} verify of the restored database: {}{}", common::stdout(&o), stderr(&o));
    }
    if let TestDb::Postgres { admin_url, name, .. } = db
        && let Ok(mut c) = ::postgres::Client::connect(admin_url, ::postgres::NoTls)
    {
        let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}_r WITH (FORCE)"));
    }
}

on_both_engines!(photos_in_the_local_store, photos_in_an_s3_store, evidence_moves_from_the_database_into_the_store, a_backup_keeps_the_photos_and_evidence);
