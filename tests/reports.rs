//! Laporan & penanganan through the real server: public intake with evidence, the Bawaslu →
//! Sentra Gakkumdu workflow with every refusal (wrong agency, outside scope, illegal move, late
//! filing, disguised or oversize upload), reporter privacy in every output, process disputes,
//! the deadline calculator and holiday table, and the deadline alerts — on SQLite and on
//! PostgreSQL.

mod common;

use common::{TestApp, TestDb, add_user, error_of};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

const PW: &str = "rahasia-123";
const REPORTER: &str = "Siti Pelapor Rahasia";
const CONTACT: &str = "0812-5555-1234";
const VILLAGE: &str = "35.76.02.1008"; // Balongsari, Kota Mojokerto

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format")
}

fn hours_ago(h: i64) -> String {
    rfc(OffsetDateTime::now_utc() - Duration::hours(h))
}

fn report(election: &str, region: &str, reporter: Option<(&str, &str)>) -> Value {
    json!({
        "election": election,
        "region": region,
        "reporter": reporter.map(|(n, c)| json!({"name": n, "address": "Jl. Empunala 12", "contact": c})),
        "reported": "Tim sukses pasangan calon nomor 2",
        "event_at": hours_ago(30),
        "known_at": hours_ago(26),
        "place": "Sekitar TPS 001",
        "description": "Pembagian amplop <b>uang</b> kepada warga",
        "witnesses": ["Budi", "Wati"],
    })
}

/// Users of Kota Mojokerto's Bawaslu, Polres, Kejari and KPU, a Bawaslu of Jombang (another
/// regency), a national KPU admin, and a national Bawaslu admin.
fn users(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "kejari.mjk", "kejaksaan", "35.76", "operator", PW);
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "bawaslu.jbg", "bawaslu", "35.17", "operator", PW);
    add_user(db, "polres.jbg", "polri", "35.17", "operator", PW);
    add_user(db, "admin.kpu", "kpu", "ID", "admin", PW);
}

fn create(app: &TestApp, body: &Value) -> String {
    let (s, v) = app.post("/api/v1/reports", None, body);
    assert_eq!(s, 201, "{v}");
    v["receipt"].as_str().expect("receipt").to_string()
}

fn id_of(app: &TestApp, token: &str, receipt_hint: &str) -> i64 {
    let (s, v) = app.get("/api/v1/reports", Some(token));
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().expect("items");
    let _ = receipt_hint;
    items.iter().map(|i| i["id"].as_i64().expect("id")).max().expect("a report")
}

fn step(app: &TestApp, token: &str, id: i64, to: &str, reason: &str) -> (u16, Value) {
    app.post(&format!("/api/v1/reports/{id}/transitions"), Some(token), &json!({"to": to, "reason": reason}))
}

fn moved(app: &TestApp, token: &str, id: i64, to: &str, reason: &str) -> Value {
    let (s, v) = step(app, token, id, to, reason);
    assert_eq!(s, 200, "move to {to}: {v}");
    v
}

fn refused(app: &TestApp, token: &str, id: i64, to: &str, status: u16) -> String {
    let (s, v) = step(app, token, id, to, "alasan");
    assert_eq!(s, status, "move to {to} should be {status}: {v}");
    error_of(&v).0
}

fn report_flows_from_the_public_through_gakkumdu(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let polres = app.login("polres.mjk", PW);
    let kejari = app.login("kejari.mjk", PW);
    let kpu = app.login("kpu.mjk", PW);
    let other = app.login("bawaslu.jbg", PW);
    let polres_other = app.login("polres.jbg", PW);

    let receipt = create(&app, &report("pilkada-2024", "35.76.02.1008.001", Some((REPORTER, CONTACT))));
    assert!(receipt.starts_with("LP-") && receipt.len() == 17, "{receipt}");

    // The public status shows dates and state only.
    let (s, public) = app.get(&format!("/api/v1/receipts/{}", receipt.to_lowercase()), None);
    assert_eq!(s, 200, "{public}");
    assert_eq!(public["status"], "diterima");
    let text = public.to_string();
    assert!(!text.contains(REPORTER) && !text.contains(CONTACT) && !text.contains("amplop"), "{text}");

    // Bawaslu sees it on its board with the kajian awal clock in WIB, and the identity.
    let id = id_of(&app, &bawaslu, &receipt);
    let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&bawaslu));
    assert_eq!(v["reporter"]["name"], REPORTER);
    assert_eq!(v["stage"]["rule"], "kajian_awal");
    assert!(v["stage"]["deadline"].as_str().expect("deadline").ends_with("T23:59:59+07:00"), "{v}");
    assert_eq!(v["stage"]["overdue"], false);
    assert_eq!(v["actions"], json!(["kajian_awal", "diregistrasi", "tidak_diregistrasi", "perbaikan"]), "the reporter can be asked to complete it");
    let unmet: Vec<&str> = v["requirements"].as_array().expect("requirements").iter().filter(|q| q["met"] == false).filter_map(|q| q["key"].as_str()).collect();
    assert_eq!(unmet, ["bukti"], "no evidence yet; everything else was given");

    // Other agencies and other regions see nothing of it.
    assert_eq!(app.get(&format!("/api/v1/reports/{id}"), Some(&kpu)).0, 403);
    assert_eq!(app.get("/api/v1/reports", Some(&kpu)).0, 403);
    assert_eq!(app.get(&format!("/api/v1/reports/{id}"), Some(&polres)).0, 403);
    assert_eq!(app.get(&format!("/api/v1/reports/{id}"), Some(&other)).0, 403);
    assert_eq!(app.get(&format!("/api/v1/reports/{id}"), None).0, 401);
    let (_, list) = app.get("/api/v1/reports", Some(&polres));
    assert_eq!(list["items"], json!([]), "police see no case before Gakkumdu");

    // Refusals: wrong agency 403, outside scope 403, illegal move 409, unknown state 422,
    // missing reason 422.
    assert_eq!(refused(&app, &polres, id, "diregistrasi", 403), "forbidden");
    assert_eq!(refused(&app, &other, id, "kajian_awal", 403), "forbidden");
    assert_eq!(refused(&app, &bawaslu, id, "putusan", 409), "conflict");
    assert_eq!(refused(&app, &bawaslu, id, "pidana", 409), "conflict");
    assert_eq!(refused(&app, &bawaslu, id, "terbang", 422), "validation_failed");
    let (s, v) = step(&app, &bawaslu, id, "tidak_diregistrasi", " ");
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("reason")), "{v}");

    moved(&app, &bawaslu, id, "kajian_awal", "");
    // No evidence: registering it needs a recorded reason (the old workflow registered it
    // without one).
    let (s, v) = step(&app, &bawaslu, id, "diregistrasi", "");
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("reason")), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("Bukti")), "the refusal names what is missing: {v}");
    let v = moved(&app, &bawaslu, id, "diregistrasi", "Bukti foto diserahkan langsung di kantor");
    assert_eq!(v["stage"]["rule"], "putusan_bawaslu");
    assert!(v["registered_at"].is_string());
    let v = moved(&app, &bawaslu, id, "pidana", "Pembahasan pertama: unsur politik uang terpenuhi");
    assert_eq!(v["classification"], "pidana");
    assert_eq!(v["stage"]["rule"], "penerusan_penyidik");
    assert_eq!(v["stage"]["owners"], json!(["bawaslu", "polri"]));

    // The referral reaches the Polres and Kejari of the region, not the other Polres.
    for (token, expect) in [(&polres, true), (&kejari, true), (&polres_other, false)] {
        let (_, alerts) = app.get("/api/v1/alerts", Some(token));
        let has = alerts["items"].as_array().expect("alerts").iter().any(|a| a["kind"] == "gakkumdu" && a["entity_id"] == json!(id.to_string()));
        assert_eq!(has, expect, "{alerts}");
    }

    // Police see the case now, never the reporter.
    let (s, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&polres));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["reporter"], Value::Null);
    assert!(!v.to_string().contains(REPORTER) && !v.to_string().contains(CONTACT));
    assert_eq!(v["actions"], json!(["penyidikan"]));
    assert_eq!(app.get(&format!("/api/v1/reports/{id}"), Some(&polres_other)).0, 403);

    assert_eq!(refused(&app, &kejari, id, "penyidikan", 403), "forbidden");
    moved(&app, &polres, id, "penyidikan", "");
    let v = moved(&app, &polres, id, "penuntutan", "");
    assert_eq!(v["stage"]["rule"], "pelimpahan_pengadilan");
    moved(&app, &kejari, id, "berkas_dikembalikan", "Keterangan saksi belum lengkap");
    assert_eq!(refused(&app, &kejari, id, "persidangan", 409), "conflict");
    moved(&app, &polres, id, "penuntutan", "");
    assert_eq!(refused(&app, &kejari, id, "berkas_dikembalikan", 409), "conflict"); // once only
    moved(&app, &kejari, id, "persidangan", "");
    moved(&app, &kejari, id, "putusan", "Terbukti; pidana penjara 3 bulan");
    let v = moved(&app, &kejari, id, "banding", "");
    assert_eq!(v["stage"]["rule"], "putusan_pt");
    let v = moved(&app, &kejari, id, "putusan_banding", "PT menguatkan");
    assert_eq!(v["stage"]["deadline"], Value::Null, "a final state has no clock");
    assert_eq!(v["actions"], json!([]));
    let states: Vec<&str> = v["timeline"].as_array().expect("timeline").iter().map(|e| e["to"].as_str().unwrap_or("")).collect();
    assert_eq!(
        states,
        ["diterima", "kajian_awal", "diregistrasi", "pidana", "penyidikan", "penuntutan", "berkas_dikembalikan", "penuntutan", "persidangan", "putusan", "banding", "putusan_banding"]
    );
    assert_eq!(refused(&app, &kejari, id, "banding", 409), "conflict");

    // Neither the audit API nor the board CSV carries the identity.
    let admin = app.login("admin.kpu", PW);
    let (s, audit) = app.get("/api/v1/audit?entity_type=report&limit=500", Some(&admin));
    assert_eq!(s, 200, "{audit}");
    assert!(audit["items"].as_array().is_some_and(|a| a.len() >= 12), "{audit}");
    assert!(!audit.to_string().contains(REPORTER) && !audit.to_string().contains(CONTACT));
    let (s, ctype, csv) = app.get_text("/laporan/unduh.csv", Some(&format!("sinergi_session={bawaslu}")));
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/csv"));
    assert!(csv.contains("Tim sukses pasangan calon nomor 2") && csv.contains("Putusan banding (PT)"), "{csv}");
    assert!(!csv.contains(REPORTER) && !csv.contains(CONTACT), "{csv}");
    // The public page neither.
    let (s, _, page) = app.get_text(&format!("/lacak/{receipt}"), None);
    assert_eq!(s, 200);
    assert!(page.contains("Putusan banding") && !page.contains(REPORTER) && !page.contains("amplop"));
}

fn administrative_ethics_and_other_law_cases_end_where_the_law_sends_them(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let dkpp_user = {
        add_user(db, "dkpp.ri", "dkpp", "ID", "operator", PW);
        app.login("dkpp.ri", PW)
    };
    let mut ids = vec![];
    for _ in 0..4 {
        create(&app, &report("pemilu-2024", VILLAGE, Some((REPORTER, CONTACT))));
        ids.push(id_of(&app, &bawaslu, ""));
    }
    for id in &ids {
        moved(&app, &bawaslu, *id, "diregistrasi", "Bukti diserahkan di kantor Bawaslu");
    }
    // Administrative: Pemilu decides within 7 working days, extendable once to 14.
    let v = moved(&app, &bawaslu, ids[0], "administrasi", "");
    let short = v["stage"]["deadline"].as_str().expect("deadline").to_string();
    let v = moved(&app, &bawaslu, ids[0], "perpanjangan", "Keterangan tambahan dari pelapor");
    assert_eq!(v["status"], "administrasi");
    assert_eq!(v["stage"]["rule"], "putusan_bawaslu_diperpanjang");
    assert!(v["stage"]["deadline"].as_str().expect("deadline") > short.as_str());
    assert_eq!(refused(&app, &bawaslu, ids[0], "perpanjangan", 409), "conflict");
    let v = moved(&app, &bawaslu, ids[0], "diputus", "Terbukti melanggar tata cara");
    assert_eq!(v["stage"]["owners"], json!([]));
    // Ethics → DKPP, who is told and then sees the case, without the identity.
    moved(&app, &bawaslu, ids[1], "kode_etik", "");
    moved(&app, &bawaslu, ids[1], "diteruskan_dkpp", "");
    let (_, alerts) = app.get("/api/v1/alerts", Some(&dkpp_user));
    assert!(alerts["items"].as_array().expect("alerts").iter().any(|a| a["entity_id"] == json!(ids[1].to_string())), "{alerts}");
    let (s, v) = app.get(&format!("/api/v1/reports/{}", ids[1]), Some(&dkpp_user));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["reporter"], Value::Null);
    assert_eq!(app.get(&format!("/api/v1/reports/{}", ids[0]), Some(&dkpp_user)).0, 403);
    // Other law → the competent agency, with its name as the reason.
    moved(&app, &bawaslu, ids[2], "hukum_lain", "");
    assert_eq!(refused(&app, &bawaslu, ids[2], "diputus", 409), "conflict");
    moved(&app, &bawaslu, ids[2], "diteruskan_instansi", "Badan Kepegawaian Negara");
    // Not a violation needs its reason.
    let (s, _) = step(&app, &bawaslu, ids[3], "bukan_pelanggaran", "");
    assert_eq!(s, 422);
    moved(&app, &bawaslu, ids[3], "bukan_pelanggaran", "Bukan pelanggaran pemilu");
    let (_, list) = app.get("/api/v1/reports?status=diteruskan_dkpp", Some(&bawaslu));
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(app.get("/api/v1/reports?status=nope", Some(&bawaslu)).0, 422);
    assert_eq!(app.get("/api/v1/reports?region=35.17", Some(&bawaslu)).0, 403);
}

/// A multipart body with a `report` JSON part and files.
fn multipart(report: Option<&Value>, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "sinergi-test-boundary-7d1f";
    let mut body = Vec::new();
    if let Some(r) = report {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{r}\r\n").as_bytes());
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R'];

fn intake_refuses_bad_input_and_stores_nothing_of_it(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let count = || db.scalar("SELECT COUNT(*) FROM reports");
    let evidence = || db.scalar("SELECT COUNT(*) FROM report_evidence");

    let good = report("pilkada-2024", VILLAGE, Some((REPORTER, CONTACT)));
    let cases: Vec<(Value, &str)> = vec![
        ({ let mut r = good.clone(); r["reported"] = json!(" "); r }, "reported"),
        ({ let mut r = good.clone(); r["region"] = json!("35.76.02"); r }, "region"),
        ({ let mut r = good.clone(); r["region"] = json!("35.76.02.9999"); r }, "region"),
        ({ let mut r = good.clone(); r["election"] = json!("pemilu-2019"); r }, "election"),
        ({ let mut r = good.clone(); r["event_at"] = json!("kemarin"); r }, "event_at"),
        ({ let mut r = good.clone(); r["event_at"] = json!(rfc(OffsetDateTime::now_utc() + Duration::days(1))); r }, "event_at"),
        ({ let mut r = good.clone(); r["known_at"] = json!(hours_ago(40)); r }, "known_at"),
        ({ let mut r = good.clone(); r["reporter"]["address"] = json!(""); r }, "reporter.address"),
        ({ let mut r = good.clone(); r.as_object_mut().expect("obj").remove("description"); r }, "description"),
    ];
    for (body, field) in cases {
        let (s, v) = app.post("/api/v1/reports", None, &body);
        assert_eq!(s, 422, "{body} → {v}");
        assert_eq!(error_of(&v), ("validation_failed".into(), Some(field.into())), "{v}");
    }
    let (s, v, _) = app.post_raw("/api/v1/reports", None, &[], "{\"election\": ");
    assert_eq!((s, error_of(&v).0.as_str()), (400, "bad_request"));
    assert_eq!(count(), 0);

    // A disguised executable and an oversize file are refused; nothing of the report is kept.
    let (ct, body) = multipart(Some(&good), &[("foto.jpg", b"MZ\x90\x00 not an image")]);
    let (s, v) = app.post_bytes("/api/v1/reports", None, &[], &ct, &body);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("file")), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("foto.jpg")), "{v}");
    let mut big = vec![0u8; 10 * 1024 * 1024 + 1];
    big[..5].copy_from_slice(b"%PDF-");
    let (ct, body) = multipart(Some(&good), &[("besar.pdf", &big)]);
    let (s, v) = app.post_bytes("/api/v1/reports", None, &[], &ct, &body);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("file")), "{v}");
    assert_eq!((count(), evidence()), (0, 0));

    // A good multipart report with a photo, then a PDF through the evidence endpoint.
    let (ct, body) = multipart(Some(&good), &[("foto.png", PNG)]);
    let (s, v) = app.post_bytes("/api/v1/reports", None, &[("Idempotency-Key", "hp-1")], &ct, &body);
    assert_eq!(s, 201, "{v}");
    let png_hash = hex(&Sha256::digest(PNG));
    assert_eq!(v["evidence"], json!([png_hash]));
    let receipt = v["receipt"].as_str().expect("receipt").to_string();
    // The phone retries on a bad connection: the same answer, no second report.
    let (s, again) = app.post_bytes("/api/v1/reports", None, &[("Idempotency-Key", "hp-1")], &ct, &body);
    assert_eq!((s, &again["receipt"]), (201, &json!(receipt)));
    assert_eq!(count(), 1);

    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec();
    let (ct, body) = multipart(None, &[("pernyataan.pdf", &pdf)]);
    let (s, v) = app.post_bytes(&format!("/api/v1/reports/{receipt}/evidence"), None, &[], &ct, &body);
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["content_type"], "application/pdf");
    assert_eq!(v["sha256"], hex(&Sha256::digest(&pdf)));
    let (s, v) = app.post_bytes("/api/v1/reports/LP-0000-0000-0000/evidence", None, &[], &ct, &body);
    assert_eq!(s, 404, "{v}");
    let (ct2, body2) = multipart(None, &[("x.jpg", b"<?php echo 1; ?>")]);
    assert_eq!(app.post_bytes(&format!("/api/v1/reports/{receipt}/evidence"), None, &[], &ct2, &body2).0, 422);
    assert_eq!(evidence(), 2);

    // Bawaslu downloads exactly the bytes received.
    let id = id_of(&app, &bawaslu, &receipt);
    let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&bawaslu));
    let files = v["evidence"].as_array().expect("evidence");
    assert_eq!(files.len(), 2);
    let pdf_id = files[1]["id"].as_i64().expect("id");
    assert_eq!(app.get_bytes(&format!("/api/v1/reports/{id}/evidence/{pdf_id}"), &bawaslu), pdf);

    // Once registered, the report takes no more evidence.
    moved(&app, &bawaslu, id, "diregistrasi", "Saksi akan dipanggil untuk klarifikasi");
    assert_eq!(app.post_bytes(&format!("/api/v1/reports/{receipt}/evidence"), None, &[], &ct, &body).0, 409);

    // Anonymous: kept as informasi awal, whatever its date, and cannot be registered.
    let mut anon = report("pilkada-2024", VILLAGE, None);
    anon["known_at"] = json!(hours_ago(20 * 24));
    anon["event_at"] = json!(hours_ago(21 * 24));
    let (s, v) = app.post("/api/v1/reports", None, &anon);
    assert_eq!((s, &v["kind"]), (201, &json!("informasi_awal")), "{v}");
    let anon_id = id_of(&app, &bawaslu, "");
    assert_eq!(refused(&app, &bawaslu, anon_id, "diregistrasi", 409), "conflict");
    moved(&app, &bawaslu, anon_id, "tidak_diregistrasi", "Informasi awal; ditindaklanjuti sebagai bahan pengawasan");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn findings_are_recorded_by_bawaslu_only(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let polres = app.login("polres.mjk", PW);
    let other = app.login("bawaslu.jbg", PW);
    let finding = json!({
        "election": "pilkada-2024", "region": VILLAGE, "reported": "KPPS TPS 002",
        "event_at": hours_ago(5), "known_at": hours_ago(4), "place": "TPS 002", "description": "Surat suara kurang",
    });
    let (s, v) = app.post("/api/v1/findings", Some(&polres), &finding);
    assert_eq!(s, 403, "{v}");
    assert_eq!(app.post("/api/v1/findings", Some(&other), &finding).0, 403);
    assert_eq!(app.post("/api/v1/findings", None, &finding).0, 401);
    let (s, v) = app.post("/api/v1/findings", Some(&bawaslu), &finding);
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().expect("id");
    let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&bawaslu));
    assert_eq!(v["kind"], "temuan");
    assert_eq!(v["timeline"][0]["unit"], "Bawaslu Kota Mojokerto");
    moved(&app, &bawaslu, id, "diregistrasi", "Temuan pengawas; bukti dalam berita acara pengawasan");
}

fn public_intake_is_rate_limited_per_client(db: &TestDb) {
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_INTAKE_LIMIT", "2")]);
    let body = report("pilkada-2024", VILLAGE, Some((REPORTER, CONTACT)));
    create(&app, &body);
    create(&app, &body);
    let (s, v) = app.post("/api/v1/reports", None, &body);
    assert_eq!((s, error_of(&v).0.as_str()), (429, "too_many_requests"), "{v}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM reports"), 2);
    drop(app);
    // Behind a trusted reverse proxy each citizen counts by the address the proxy saw; a
    // forwarded address from anyone else is ignored.
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_INTAKE_LIMIT", "1"), ("SINERGI_TRUSTED_PROXY", "127.0.0.1")]);
    let from = |ip: &str| app.post_raw("/api/v1/reports", None, &[("X-Forwarded-For", &format!("203.0.113.9, {ip}"))], &body.to_string()).0;
    assert_eq!((from("198.51.100.1"), from("198.51.100.2"), from("198.51.100.1")), (201, 201, 429));
}

fn the_deadline_calculator_follows_the_rule_table_and_the_holidays(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let get = |q: &str| app.get(&format!("/api/v1/deadlines?{q}"), None);
    // Pilkada filing window from Papua (WIT): 00:30 WIT on 26 Nov is still 25 Nov in UTC.
    let (s, v) = get("election=pilkada-2024&rule=batas_lapor&from=2024-11-25T15:30:00Z&region=91.71");
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!({
        "rule": "batas_lapor", "unit": "hari", "count": 7, "deadline": "2024-12-03T23:59:59+09:00", "time_zone": "WIT",
        "source": "UU 1/2015 Ps 134(4)", "certainty": "sourced"
    }));
    // Pemilu's decision in working days over a weekend and two holidays (8 Feb Isra Mikraj
    // received, 9 Feb cuti bersama, 14 Feb voting day).
    let (_, v) = get("election=pemilu-2024&rule=putusan_bawaslu&from=2024-02-08T09:00:00%2B07:00&region=35.76");
    assert_eq!((v["unit"].as_str(), v["deadline"].as_str()), (Some("hari_kerja"), Some("2024-02-21T23:59:59+07:00")));
    // The 1x24 hours forwarding keeps the clock time.
    let (_, v) = get("election=pemilu-2024&rule=penerusan_penyidik&from=2024-02-10T01:00:00Z&region=51.71");
    assert_eq!((v["unit"].as_str(), v["deadline"].as_str()), (Some("jam"), Some("2024-02-11T09:00:00+08:00")));

    for (q, field) in [
        ("election=pilkada-2024&rule=nope&from=2024-11-25T15:30:00Z&region=35.76", "rule"),
        ("election=x&rule=banding&from=2024-11-25T15:30:00Z&region=35.76", "election"),
        ("election=pilkada-2024&rule=banding&from=25/11/2024&region=35.76", "from"),
        ("election=pilkada-2024&rule=banding&from=2024-11-25T15:30:00Z&region=99.99", "region"),
    ] {
        let (s, v) = get(q);
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(field)), "{q}: {v}");
    }

    // An administrator adds a holiday and the working-day deadline moves a day.
    let (_, holidays) = app.get("/api/v1/holidays?year=2026", None);
    assert!(holidays["items"].as_array().is_some_and(|a| a.iter().any(|h| h["date"] == "2026-12-25")), "{holidays}");
    let q = "election=pemilu-2024&rule=sengketa_permohonan&from=2026-12-01T10:00:00%2B07:00&region=35.76";
    assert_eq!(get(q).1["deadline"], "2026-12-04T23:59:59+07:00");
    let kpu = app.login("kpu.mjk", PW);
    assert_eq!(app.put("/api/v1/holidays/2026-12-03", Some(&kpu), &json!({"name": "Libur", "kind": "libur"})).0, 403);
    let admin = app.login("admin.kpu", PW);
    let (s, v) = app.put("/api/v1/holidays/2026-12-03", Some(&admin), &json!({"name": "Hari libur daerah contoh", "kind": "libur"}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(get(q).1["deadline"], "2026-12-07T23:59:59+07:00", "Thursday off: Wed, Fri, Mon");
    assert_eq!(app.put("/api/v1/holidays/2026-13-03", Some(&admin), &json!({"name": "x", "kind": "libur"})).0, 422);
    assert_eq!(app.put("/api/v1/holidays/2026-12-03", Some(&admin), &json!({"name": "x", "kind": "minggu"})).0, 422);
}

fn disputes_run_their_own_track(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let kpu = app.login("kpu.mjk", PW);
    let today = OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset")).date();
    let petition = |decided: time::Date| {
        json!({
            "election": "pilkada-2024", "region": "35.76", "petitioner": "Bakal pasangan calon perseorangan",
            "kpu_decision": "Keputusan KPU Kota Mojokerto Nomor 12/2024", "decided_on": decided.to_string(),
            "description": "Dukungan dinyatakan tidak memenuhi syarat",
        })
    };
    assert_eq!(app.post("/api/v1/disputes", Some(&kpu), &petition(today)).0, 403);
    let (s, v) = app.post("/api/v1/disputes", Some(&bawaslu), &petition(today - Duration::days(12)));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("decided_on")), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("permohonan terlambat") && m.contains(" pukul ") && m.contains("hari kerja")), "in Bahasa Indonesia, the date in words: {v}");
    let (_, en, _) = app.post_raw("/api/v1/disputes", Some(&bawaslu), &[("Accept-Language", "en")], &petition(today - Duration::days(12)).to_string());
    assert!(en["error"]["message"].as_str().is_some_and(|m| m.contains("the petition is late") && m.contains("working days")), "in English on request: {en}");
    let (s, v) = app.post("/api/v1/disputes", Some(&bawaslu), &petition(today));
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().expect("id");
    assert_eq!(v["status"], "diregistrasi");
    assert_eq!(v["stage"]["rule"], "sengketa_mediasi");
    let path = format!("/api/v1/disputes/{id}/transitions");
    let go = |token: &str, to: &str, reason: &str| app.post(&path, Some(token), &json!({"to": to, "reason": reason}));
    assert_eq!(go(&kpu, "mediasi", "").0, 403);
    assert_eq!(go(&bawaslu, "diputus", "x").0, 409);
    assert_eq!(go(&bawaslu, "mediasi", "").0, 200);
    let (s, v) = go(&bawaslu, "adjudikasi", "Mediasi tidak mencapai mufakat");
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["stage"]["rule"], "sengketa_putusan");
    let (s, v) = go(&bawaslu, "diputus", "Permohonan dikabulkan sebagian");
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["stage"]["owners"], json!(["kpu"]));
    let (_, alerts) = app.get("/api/v1/alerts", Some(&kpu));
    assert!(alerts["items"].as_array().expect("alerts").iter().any(|a| a["entity_type"] == "dispute" && a["message"].as_str().is_some_and(|m| m.contains("menindaklanjuti"))), "{alerts}");
    assert_eq!(go(&bawaslu, "ditindaklanjuti", "x").0, 403);
    let (s, v) = go(&kpu, "ditindaklanjuti", "Keputusan KPU Nomor 15/2024 menetapkan ulang");
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["timeline"].as_array().map(Vec::len), Some(5));
    let (_, list) = app.get("/api/v1/disputes", Some(&kpu));
    assert_eq!(list["items"][0]["status"], "ditindaklanjuti");
}

/// The sweep raises "two days left" and then "overdue" to the agency that must act, once each.
fn deadline_alerts_reach_the_agency_that_must_act(db: &TestDb) {
    users(db);
    let id = {
        let app = TestApp::spawn(db);
        let bawaslu = app.login("bawaslu.mjk", PW);
        create(&app, &report("pemilu-2024", VILLAGE, Some((REPORTER, CONTACT))));
        let id = id_of(&app, &bawaslu, "");
        moved(&app, &bawaslu, id, "diregistrasi", "Bukti diserahkan di kantor Bawaslu");
        moved(&app, &bawaslu, id, "pidana", "");
        moved(&app, &app.login("polres.mjk", PW), id, "penyidikan", "");
        id
    };
    let kinds = |app: &TestApp, token: &str| -> Vec<String> {
        let (_, v) = app.get("/api/v1/alerts", Some(token));
        v["items"].as_array().expect("alerts").iter().filter(|a| a["entity_id"] == json!(id.to_string())).map(|a| a["kind"].as_str().unwrap_or("").to_string()).collect()
    };
    let wait_for = |app: &TestApp, token: &str, kind: &str| {
        for _ in 0..100 {
            if kinds(app, token).iter().any(|k| k == kind) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("no {kind} alert: {:?}", kinds(app, token));
    };
    // Pemilu investigation: 14 calendar days. Twelve and a half days later, two days are left.
    let soon = rfc(OffsetDateTime::now_utc() + Duration::hours(12 * 24 + 12));
    {
        let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", &soon)]);
        let polres = app.login("polres.mjk", PW);
        wait_for(&app, &polres, "tenggat_dekat");
        let bawaslu = app.login("bawaslu.mjk", PW);
        assert!(!kinds(&app, &bawaslu).contains(&"tenggat_dekat".to_string()), "Bawaslu does not own the investigation");
        let (_, v) = app.get("/api/v1/reports?overdue=true", Some(&polres));
        assert_eq!(v["items"], json!([]));
    }
    let late = rfc(OffsetDateTime::now_utc() + Duration::days(20));
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", &late)]);
    let polres = app.login("polres.mjk", PW);
    wait_for(&app, &polres, "tenggat_lewat");
    let (_, v) = app.get("/api/v1/reports?overdue=true", Some(&polres));
    assert_eq!(v["items"][0]["id"], id);
    assert_eq!(v["items"][0]["stage"]["overdue"], true);
    assert!(v["items"][0]["stage"]["days_left"].as_i64().is_some_and(|d| d < 0));
    let k = kinds(&app, &polres);
    assert_eq!(k.iter().filter(|k| *k == "tenggat_lewat").count(), 1, "{k:?}");
}

fn pages_escape_what_people_typed_and_hide_the_reporter(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let (s, _, form) = app.get_text("/lapor", None);
    assert_eq!(s, 200);
    // The place picker's script is a file; the form itself posts without it.
    assert!(form.contains("enctype=\"multipart/form-data\"") && !form.contains("<script>"), "the form works without JavaScript");
    assert!(form.contains("Kirim laporan"));
    // A citizen finds the village by name; its page links to the form with the code filled in.
    let (_, _, village) = app.get_text(&format!("/wilayah/{VILLAGE}"), None);
    assert!(village.contains(&format!("/lapor?wilayah={VILLAGE}&amp;pemilu=")), "no report link on the village page");
    let (_, _, prefilled) = app.get_text(&format!("/lapor?wilayah={VILLAGE}&pemilu=pemilu-2024"), None);
    assert!(prefilled.contains(&format!("value=\"{VILLAGE}\"")) && prefilled.contains("value=\"pemilu-2024\" selected"), "{prefilled}");
    let mut body = report("pilkada-2024", VILLAGE, Some(("<script>alert(1)</script>", CONTACT)));
    body["description"] = json!("<img src=x onerror=alert(2)>");
    let receipt = create(&app, &body);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let id = id_of(&app, &bawaslu, &receipt);
    let cookie = format!("sinergi_session={bawaslu}");
    let (s, _, page) = app.get_text(&format!("/laporan/{id}"), Some(&cookie));
    assert_eq!(s, 200);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>alert(1)"), "reporter escaped");
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;") && !page.contains("<img src=x"), "description escaped");
    assert!(page.contains("id=\"move-form\""));
    let (s, _, board) = app.get_text("/laporan", Some(&cookie));
    assert_eq!(s, 200);
    assert!(board.contains(&format!("data-id=\"{id}\"")));
    let (s, _, _) = app.get_text("/laporan", Some(&format!("sinergi_session={}", app.login("kpu.mjk", PW))));
    assert_eq!(s, 403);
    let (_, _, track) = app.get_text(&format!("/lacak/{receipt}"), None);
    assert!(track.contains(&receipt) && !track.contains("alert(1)") && !track.contains("alert(2)") && !track.contains(CONTACT));
    assert_eq!(app.get_text("/lacak/LP-0000-0000-0000", None).0, 404);
}

/// A page form post as a browser sends it (no redirects followed): status and page.
fn post_page(app: &TestApp, path: &str, cookie: Option<&str>, content_type: &str, body: &[u8]) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
    let mut req = agent.post(&app.url(path)).header("Origin", &app.base).header("Content-Type", content_type);
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut resp = req.send(body).expect("post");
    (resp.status().as_u16(), resp.body_mut().read_to_string().unwrap_or_default())
}

/// The message shown beside `field` on a re-rendered page (`span.field-error`), if any.
fn beside_field(page: &str, field: &str) -> Option<String> {
    let marker = format!("class=\"field-error\" role=\"alert\" data-field=\"{field}\">");
    let at = page.find(&marker)? + marker.len();
    page[at..].split("</span>").next().map(str::to_string)
}

/// A refused step on the dispute page used to dead-end on an error page and lose the reason
/// typed; now the dispute page comes back with the message beside the field at fault, the
/// chosen step and the typed reason kept.
fn a_refused_dispute_step_comes_back_in_its_form(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let today = OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset")).date();
    let (s, v) = app.post(
        "/api/v1/disputes",
        Some(&bawaslu),
        &json!({
            "election": "pilkada-2024", "region": "35.76", "petitioner": "Bakal pasangan calon perseorangan",
            "kpu_decision": "Keputusan KPU Kota Mojokerto Nomor 12/2024", "decided_on": today.to_string(),
        }),
    );
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().expect("id");
    let cookie = format!("sinergi_session={bawaslu}");
    let form = "application/x-www-form-urlencoded";
    let path = format!("/sengketa/{id}/langkah");

    // Declining the petition needs a reason: said beside the reason, the choice kept.
    let (s, page) = post_page(&app, &path, Some(&cookie), form, b"to=tidak_diterima&reason=");
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("id=\"move-form\""), "the dispute page with its form, not an error page: {page}");
    let msg = beside_field(&page, "reason").unwrap_or_else(|| panic!("no message beside the reason: {page}"));
    assert!(msg.contains("wajib disertai alasan") && msg.contains("Tidak diterima"), "{msg}");
    assert!(page.contains("<option value=\"tidak_diterima\" selected>"), "the chosen step kept: {page}");

    // A reason hiding a text-direction override: refused beside the reason, what was typed kept.
    let typed = "Pemohon bukan \u{202E}nopmaR";
    let body = format!("to=tidak_diterima&reason={}", typed.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
    let (s, page) = post_page(&app, &path, Some(&cookie), form, body.as_bytes());
    assert_eq!(s, 422, "{page}");
    assert!(beside_field(&page, "reason").is_some_and(|m| m.contains("arah teks")), "{page}");
    assert!(page.contains(&format!(">{typed}</textarea>")), "the reason typed is kept: {page}");

    // Nothing moved; a good step still goes through and back to the dispute page.
    let (_, v) = app.get(&format!("/api/v1/disputes/{id}"), Some(&bawaslu));
    assert_eq!(v["status"], "diregistrasi");
    let (s, _) = post_page(&app, &path, Some(&cookie), form, b"to=mediasi&reason=");
    assert_eq!(s, 303);
    let (_, v) = app.get(&format!("/api/v1/disputes/{id}"), Some(&bawaslu));
    assert_eq!(v["status"], "mediasi");
    // A step refused because the workflow does not allow it names no field: at the head of
    // the form, the typed reason kept.
    let (s, page) = post_page(&app, &path, Some(&cookie), form, b"to=diputus&reason=Dikabulkan");
    assert_eq!(s, 409, "{page}");
    assert!(page.contains("class=\"error form-error\"") && page.contains("tidak dapat dipindah"), "{page}");
    assert!(page.contains(">Dikabulkan</textarea>"), "{page}");
}

/// The public form's refusal sits beside the field it concerns, not only at the top, and
/// everything typed comes back.
fn the_public_form_refusal_sits_beside_its_field(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let boundary = "sinergi-lapor-boundary";
    let now = OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset"));
    let local = |t: OffsetDateTime| format!("{:04}-{:02}-{:02}T{:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute());
    let fields = [
        ("election", "pilkada-2024".to_string()),
        ("region", VILLAGE.to_string()),
        ("name", REPORTER.to_string()),
        ("address", "Jl. Empunala 12".to_string()),
        ("contact", CONTACT.to_string()),
        ("reported", "Tim sukses calon".to_string()),
        ("event_at", local(now - Duration::hours(3))),
        ("known_at", local(now - Duration::hours(2))),
        ("place", "Depan TPS 003 \u{202E}iraslognaB".to_string()),
        ("description", "Pembagian amplop berisi uang".to_string()),
        ("witnesses", "Pak Darto".to_string()),
    ];
    let mut body = Vec::new();
    for (k, v) in &fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let (s, page) = post_page(&app, "/lapor", None, &format!("multipart/form-data; boundary={boundary}"), &body);
    assert_eq!(s, 422, "{page}");
    let msg = beside_field(&page, "place").unwrap_or_else(|| panic!("no message beside the place: {page}"));
    assert!(msg.contains("arah teks"), "{msg}");
    assert!(beside_field(&page, "description").is_none(), "only the field at fault: {page}");
    assert!(page.contains("id=\"form-error\"") && page.contains("Tempat kejadian"), "the head names the field to correct: {page}");
    for (k, v) in &fields[1..] {
        if *k == "witnesses" {
            assert!(page.contains(&format!(">{v}</textarea>")), "{k} kept: {page}");
        } else if *k != "description" {
            assert!(page.contains(&format!("value=\"{v}\"")), "{k} kept: {page}");
        }
    }
    assert!(page.contains("Pembagian amplop berisi uang</textarea>"), "{page}");
}

/// The board's CSV names classifications and deadline stages in words (English when the
/// reader's language is English), and its dates read "27 November 2024 19.00 WIB".
fn the_board_csv_is_in_words(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    create(&app, &report("pemilu-2024", VILLAGE, Some((REPORTER, CONTACT))));
    let id = id_of(&app, &bawaslu, "");
    moved(&app, &bawaslu, id, "diregistrasi", "Bukti diserahkan di kantor Bawaslu");
    moved(&app, &bawaslu, id, "kode_etik", "");
    let cookie = format!("sinergi_session={bawaslu}");
    let (s, _, csv) = app.get_text("/laporan/unduh.csv", Some(&cookie));
    assert_eq!(s, 200, "{csv}");
    let csv = csv.trim_start_matches('\u{feff}');
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let row: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).and_then(|i| row.get(i).copied()).unwrap_or_default();
    assert_eq!(col("klasifikasi"), "Pelanggaran kode etik", "{csv}");
    assert_eq!(col("tahap_tenggat"), "Putusan Bawaslu", "{csv}");
    assert_eq!(col("terlambat"), "tidak", "{csv}");
    let months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
    for c in ["diterima", "tenggat"] {
        let v = col(c);
        assert!(months.iter().any(|m| v.contains(&format!(" {m} "))) && v.ends_with(" WIB") && v.contains('.'), "{c}: {v:?}");
    }
    let (_, _, en) = app.get_text("/laporan/unduh.csv", Some(&format!("{cookie}; lang=en")));
    assert!(en.contains("Ethics violation") && en.contains("Bawaslu decision") && !en.contains("kode_etik"), "{en}");
}

on_both_engines!(
    report_flows_from_the_public_through_gakkumdu,
    administrative_ethics_and_other_law_cases_end_where_the_law_sends_them,
    intake_refuses_bad_input_and_stores_nothing_of_it,
    findings_are_recorded_by_bawaslu_only,
    public_intake_is_rate_limited_per_client,
    the_deadline_calculator_follows_the_rule_table_and_the_holidays,
    disputes_run_their_own_track,
    deadline_alerts_reach_the_agency_that_must_act,
    pages_escape_what_people_typed_and_hide_the_reporter,
    every_step_of_the_workflow_works_for_its_owner_only,
    a_late_report_is_kept_as_initial_information,
    an_incomplete_report_is_sent_back_to_the_reporter_with_a_clock,
    a_refused_dispute_step_comes_back_in_its_form,
    the_public_form_refusal_sits_beside_its_field,
    the_board_csv_is_in_words,
);

/// The shortest way from `start` to `target` through the workflow's steps (never through an
/// extension, which keeps the state).
fn path_to(steps: &[sinergi::reports::Step], start: &str, target: &str) -> Vec<(String, String)> {
    let mut frontier = vec![(start.to_string(), Vec::<(String, String)>::new())];
    let mut seen = vec![start.to_string()];
    while !frontier.is_empty() {
        let mut next = vec![];
        for (state, path) in frontier {
            if state == target {
                return path;
            }
            for s in steps.iter().filter(|s| s.from.contains(&state.as_str()) && s.to != sinergi::reports::EXTEND) {
                if !seen.contains(&s.to.to_string()) {
                    seen.push(s.to.to_string());
                    let mut p = path.clone();
                    p.push((s.to.to_string(), s.by[0].as_str().to_string()));
                    next.push((s.to.to_string(), p));
                }
            }
        }
        frontier = next;
    }
    panic!("{target} cannot be reached from {start}");
}

/// Every step of both workflow tables, from every state it leaves: refused to an agency that
/// does not own it (403), then made by its owner, with the state and clock that follow.
fn every_step_of_the_workflow_works_for_its_owner_only(db: &TestDb) {
    users(db);
    add_user(db, "kpu.mjk2", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_INTAKE_LIMIT", "1000")]);
    let token = |agency: &str| match agency {
        "bawaslu" => app.login("bawaslu.mjk", PW),
        "polri" => app.login("polres.mjk", PW),
        "kejaksaan" => app.login("kejari.mjk", PW),
        _ => app.login("kpu.mjk", PW),
    };
    let tokens: Vec<(&str, String)> = ["bawaslu", "polri", "kejaksaan", "kpu"].into_iter().map(|a| (a, token(a))).collect();
    let of = |agency: &str| tokens.iter().find(|(a, _)| *a == agency).map(|(_, t)| t.clone()).expect("token");
    let bawaslu = of("bawaslu");
    let mut made = 0;
    for step in sinergi::reports::REPORT_STEPS {
        for from in step.from {
            // Initial information (a late report, or an anonymous tip) for the moves that
            // only it takes; a report with a named reporter and no evidence otherwise.
            let start = if *from == sinergi::reports::INFORMASI_AWAL {
                create(&app, &late_report("pemilu-2024"));
                sinergi::reports::INFORMASI_AWAL
            } else if step.to == sinergi::reports::TAKE_UP {
                create(&app, &report("pemilu-2024", VILLAGE, None));
                "diterima"
            } else {
                create(&app, &report("pemilu-2024", VILLAGE, Some((REPORTER, CONTACT))));
                "diterima"
            };
            let id = id_of(&app, &bawaslu, "");
            for (to, agency) in path_to(sinergi::reports::REPORT_STEPS, start, from) {
                moved(&app, &of(&agency), id, &to, "langkah sebelumnya");
            }
            for (agency, t) in &tokens {
                if !step.by.iter().any(|b| b.as_str() == *agency) {
                    let (s, v) = step_as(&app, t, id, step.to);
                    assert_eq!(s, 403, "{agency} moving {from} → {}: {v}", step.to);
                }
            }
            let v = moved(&app, &of(step.by[0].as_str()), id, step.to, "alasan langkah");
            assert_eq!(v["status"], sinergi::reports::state_after(from, step.to), "{from} → {}", step.to);
            assert_eq!(v["stage"]["deadline"].is_null(), v["stage"]["owners"] == json!([]), "a clock runs exactly while someone must act: {v}");
            made += 1;
        }
    }
    assert!(made >= 24, "{made}");
    // The board: open cases by deadline, then final ones; pages of any size add up to it.
    let (_, all) = app.get("/api/v1/reports?limit=1000", Some(&bawaslu));
    let all: Vec<&Value> = all["items"].as_array().expect("items").iter().collect();
    let ids: Vec<i64> = all.iter().map(|r| r["id"].as_i64().expect("id")).collect();
    let open = all.iter().take_while(|r| !r["stage"]["deadline"].is_null()).count();
    assert!(open > 0 && open < all.len(), "a mix of open and final cases");
    assert!(all[open..].iter().all(|r| r["stage"]["deadline"].is_null()), "final cases come last");
    let deadlines: Vec<&str> = all[..open].iter().map(|r| r["stage"]["deadline"].as_str().unwrap_or("")).collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "{deadlines:?}");
    let mut paged = vec![];
    for offset in (0..ids.len() + 7).step_by(7) {
        let (_, page) = app.get(&format!("/api/v1/reports?limit=7&offset={offset}"), Some(&bawaslu));
        paged.extend(page["items"].as_array().expect("items").iter().map(|r| r["id"].as_i64().expect("id")));
    }
    assert_eq!(paged, ids);
    let (_, district) = app.get("/api/v1/reports?limit=1000&region=35.76.02", Some(&bawaslu));
    assert_eq!(district["items"].as_array().map(Vec::len), Some(ids.len()), "every case is in Magersari");
    let (_, village) = app.get("/api/v1/reports?limit=1000&region=35.76.02.1009", Some(&bawaslu));
    assert_eq!(village["items"], json!([]));
    // The nation's and the province's Bawaslu see the same cases, in the same order.
    add_user(db, "bawaslu.ri", "bawaslu", "ID", "operator", PW);
    add_user(db, "bawaslu.jatim", "bawaslu", "35", "operator", PW);
    for user in ["bawaslu.ri", "bawaslu.jatim"] {
        let (_, list) = app.get("/api/v1/reports?limit=1000", Some(&app.login(user, PW)));
        let seen: Vec<i64> = list["items"].as_array().expect("items").iter().map(|r| r["id"].as_i64().expect("id")).collect();
        assert_eq!(seen, ids, "{user}");
    }
    // The dispute track the same way.
    let today = OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset")).date();
    for step in sinergi::reports::DISPUTE_STEPS {
        for from in step.from {
            let (s, v) = app.post("/api/v1/disputes", Some(&bawaslu), &json!({
                "election": "pemilu-2024", "region": "35.76", "petitioner": "Partai contoh", "kpu_decision": "Keputusan KPU", "decided_on": today.to_string(),
            }));
            assert_eq!(s, 201, "{v}");
            let id = v["id"].as_i64().expect("id");
            let go = |agency: &str, to: &str| app.post(&format!("/api/v1/disputes/{id}/transitions"), Some(&of(agency)), &json!({"to": to, "reason": "alasan"}));
            for (to, agency) in path_to(sinergi::reports::DISPUTE_STEPS, "diregistrasi", from) {
                assert_eq!(go(&agency, &to).0, 200);
            }
            for (agency, _) in &tokens {
                if !step.by.iter().any(|b| b.as_str() == *agency) {
                    assert_eq!(go(agency, step.to).0, 403, "{agency}: {from} → {}", step.to);
                }
            }
            let (s, v) = go(step.by[0].as_str(), step.to);
            assert_eq!((s, v["status"].as_str()), (200, Some(step.to)), "{v}");
        }
    }
}

/// A named reporter's report filed after the window (known 20 days ago).
fn late_report(election: &str) -> Value {
    let mut r = report(election, VILLAGE, Some((REPORTER, CONTACT)));
    r["event_at"] = json!(hours_ago(21 * 24));
    r["known_at"] = json!(hours_ago(20 * 24));
    r
}

/// "27 November 2024": a date the way the notices write it.
fn long_date(d: time::Date, english: bool) -> String {
    const BULAN: [&str; 12] = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
    const MONTH: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    let m = usize::from(u8::from(d.month())) - 1;
    format!("{} {} {}", d.day(), if english { MONTH[m] } else { BULAN[m] }, d.year())
}

/// A citizen's report after the filing window is kept as informasi awal with a receipt and a
/// plain notice of the date the window closed (it used to be refused and lost); Bawaslu cannot
/// register it, but takes it up as a finding (temuan) with a reason.
fn a_late_report_is_kept_as_initial_information(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    // Pilkada: 7 calendar days from knowing (UU 1/2015 Ps 134(4)); known 8½ days ago.
    let known = OffsetDateTime::now_utc() - Duration::hours(8 * 24 + 12);
    let mut late = report("pilkada-2024", VILLAGE, Some((REPORTER, CONTACT)));
    late["event_at"] = json!(rfc(known - Duration::hours(2)));
    late["known_at"] = json!(rfc(known));
    let closes = known.to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("WIB")).date() + Duration::days(7);
    let (s, v) = app.post("/api/v1/reports", None, &late);
    assert_eq!(s, 201, "a late report is received, not refused: {v}");
    assert_eq!((v["kind"].as_str(), v["status"].as_str()), (Some("informasi_awal"), Some("informasi_awal")), "{v}");
    let notice = v["notice"].as_str().expect("a notice");
    assert!(
        notice.contains(&format!("disimpan sebagai informasi awal, karena batas waktu pelaporan sudah berakhir pada {} pukul 23.59 WIB", long_date(closes, false)))
            || notice.contains(&format!("simpan sebagai informasi awal, karena batas waktu pelaporan sudah berakhir pada {} pukul 23.59 WIB", long_date(closes, false))),
        "{notice}"
    );
    let receipt = v["receipt"].as_str().expect("receipt").to_string();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM reports"), 1, "the citizen's information is kept");
    // In English for a client that asks for it.
    let (s, en, _) = app.post_raw("/api/v1/reports", None, &[("Accept-Language", "en")], &late.to_string());
    assert_eq!(s, 201);
    assert!(en["notice"].as_str().is_some_and(|n| n.contains(&format!("the filing window closed on {}, 23.59 WIB", long_date(closes, true)))), "{en}");

    // The receipt page says the same, and nothing of the report.
    let (_, public) = app.get(&format!("/api/v1/receipts/{receipt}"), None);
    assert_eq!(public["status"], "informasi_awal");
    assert!(public["notice"].as_str().is_some_and(|n| n.contains(&long_date(closes, false))), "{public}");
    let (s, _, page) = app.get_text(&format!("/lacak/{receipt}"), None);
    assert_eq!(s, 200);
    assert!(page.contains("id=\"notice\"") && page.contains(&long_date(closes, false)), "{page}");
    assert!(page.contains("Tidak diregistrasi; disimpan sebagai informasi awal"));
    assert!(!page.contains(REPORTER) && !page.contains("amplop"));

    // Bawaslu sees it as initial information on its clock for setting a finding.
    let id = id_of(&app, &bawaslu, &receipt) - 1;
    let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&bawaslu));
    assert_eq!((v["kind"].as_str(), v["status"].as_str()), (Some("informasi_awal"), Some("informasi_awal")), "{v}");
    assert_eq!(v["reporter"]["name"], REPORTER, "the citizen stays known to Bawaslu");
    assert_eq!(v["stage"]["rule"], "penetapan_temuan");
    assert_eq!(v["actions"], json!(["tidak_diregistrasi", "jadikan_temuan"]));
    let states: Vec<&str> = v["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["to"].as_str()).collect();
    assert_eq!(states, ["diterima", "informasi_awal"]);
    assert_eq!(refused(&app, &bawaslu, id, "diregistrasi", 409), "conflict");
    let (s, e) = step(&app, &bawaslu, id, "jadikan_temuan", "");
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("reason")));
    assert_eq!(refused(&app, &app.login("polres.mjk", PW), id, "jadikan_temuan", 403), "forbidden");
    // Taken up from the case page: the same move through the form.
    let cookie = format!("sinergi_session={bawaslu}");
    let (_, _, case) = app.get_text(&format!("/laporan/{id}"), Some(&cookie));
    assert!(case.contains("value=\"jadikan_temuan\"") && case.contains("Jadikan temuan Bawaslu"), "{case}");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
    let resp = agent
        .post(&app.url(&format!("/laporan/{id}/langkah")))
        .header("Cookie", &cookie)
        .header("Origin", &app.base)
        .content_type("application/x-www-form-urlencoded")
        .send("to=jadikan_temuan&reason=Diteliti%20sebagai%20temuan%20pengawas")
        .expect("move");
    assert_eq!(resp.status().as_u16(), 303);
    let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&bawaslu));
    assert_eq!((v["kind"].as_str(), v["status"].as_str()), (Some("temuan"), Some("diregistrasi")), "{v}");
    assert_eq!(v["stage"]["rule"], "putusan_bawaslu");
    let last = v["timeline"].as_array().and_then(|t| t.last()).cloned().unwrap_or(Value::Null);
    assert_eq!((last["to"].as_str(), last["reason"].as_str()), (Some("jadikan_temuan"), Some("Diteliti sebagai temuan pengawas")));

    // A supervisor's own finding after its window is still refused, in words.
    let mut finding = late.clone();
    finding.as_object_mut().expect("obj").remove("reporter");
    let (s, e) = app.post("/api/v1/findings", Some(&bawaslu), &finding);
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("known_at")), "{e}");
}

/// Bawaslu asks the reporter to complete a report whose requirements are unmet, on a clock
/// the reporter sees on the receipt page; completing it returns it to kajian awal; letting
/// the window lapse keeps it as informasi awal, not registered.
fn an_incomplete_report_is_sent_back_to_the_reporter_with_a_clock(db: &TestDb) {
    users(db);
    let (first, second) = {
        let app = TestApp::spawn(db);
        let bawaslu = app.login("bawaslu.mjk", PW);
        let mut body = report("pemilu-2024", VILLAGE, Some((REPORTER, CONTACT)));
        body["witnesses"] = json!([]);
        let receipt = create(&app, &body);
        let id = id_of(&app, &bawaslu, &receipt);

        // Without evidence or witnesses it cannot be registered without a reason.
        let (s, e) = step(&app, &bawaslu, id, "diregistrasi", "");
        assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("reason")), "{e}");
        assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("Bukti, Saksi")), "{e}");
        // The same refusal through the case page's form: the page comes back with the message
        // beside the reason and the chosen step kept.
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        let mut resp = agent
            .post(&app.url(&format!("/laporan/{id}/langkah")))
            .header("Cookie", &format!("sinergi_session={bawaslu}"))
            .header("Origin", &app.base)
            .content_type("application/x-www-form-urlencoded")
            .send("to=diregistrasi&reason=")
            .expect("move");
        assert_eq!(resp.status().as_u16(), 422);
        let page = resp.body_mut().read_to_string().unwrap_or_default();
        assert!(page.contains("data-field=\"reason\"") && page.contains("Bukti, Saksi"), "{page}");
        assert!(page.contains("<option value=\"diregistrasi\" selected>"), "{page}");
        let (s, e) = step(&app, &bawaslu, id, "perbaikan", " ");
        assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("reason")), "say what to complete");
        assert_eq!(refused(&app, &app.login("polres.mjk", PW), id, "perbaikan", 403), "forbidden");
        let v = moved(&app, &bawaslu, id, "perbaikan", "Lampirkan foto pembagian amplop dan nama saksi");
        assert_eq!(v["status"], "perbaikan");
        assert_eq!(v["stage"]["rule"], "perbaikan_laporan");
        assert_eq!(v["stage"]["owners"], json!(["bawaslu"]));
        let deadline = v["stage"]["deadline"].as_str().expect("deadline").to_string();
        assert!(deadline.ends_with("T23:59:59+07:00"), "{deadline}");
        assert_eq!(v["actions"], json!(["kajian_awal"]), "neither registered nor asked again while waiting");
        assert_eq!(refused(&app, &bawaslu, id, "diregistrasi", 409), "conflict");

        // The reporter sees what to complete and by when, not the report nor the officer's note.
        let (_, public) = app.get(&format!("/api/v1/receipts/{receipt}"), None);
        assert_eq!(public["status"], "perbaikan");
        assert_eq!(public["missing"], json!(["bukti", "saksi"]));
        assert_eq!(public["stage"]["deadline"], json!(deadline));
        let notice = public["notice"].as_str().expect("notice");
        assert!(notice.contains("Bukti, Saksi") && notice.contains("Lengkapi paling lambat"), "{notice}");
        let text = public.to_string();
        assert!(!text.contains("amplop") && !text.contains(REPORTER) && !text.contains("Lampirkan"), "{text}");
        let (_, _, page) = app.get_text(&format!("/lacak/{receipt}"), None);
        assert!(page.contains("Menunggu kelengkapan dari pelapor") && page.contains("id=\"complete-form\""), "{page}");
        assert!(page.contains("Lengkapi paling lambat"), "{page}");

        // Completing: nothing sent is refused; a photo and a witness return it to review.
        let (s, e) = app.post(&format!("/api/v1/reports/{receipt}/completion"), None, &json!({}));
        assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("witnesses")), "{e}");
        let completion = json!({"witnesses": ["Pak Darto"], "note": "Foto terlampir"});
        let boundary = "sinergi-completion-boundary";
        let mut mp = Vec::new();
        mp.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"completion\"\r\n\r\n{completion}\r\n").as_bytes());
        mp.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"amplop.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
        mp.extend_from_slice(PNG);
        mp.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let (s, v) = app.post_bytes(&format!("/api/v1/reports/{receipt}/completion"), None, &[], &format!("multipart/form-data; boundary={boundary}"), &mp);
        assert_eq!(s, 200, "{v}");
        assert_eq!((v["status"].as_str(), v["missing"].as_array().map(Vec::len)), (Some("kajian_awal"), Some(0)), "{v}");
        let (s, _) = app.post(&format!("/api/v1/reports/{receipt}/completion"), None, &completion);
        assert_eq!(s, 409, "completed once");
        let (_, v) = app.get(&format!("/api/v1/reports/{id}"), Some(&bawaslu));
        assert!(v["requirements"].as_array().expect("reqs").iter().all(|q| q["met"] == true), "{v}");
        assert_eq!(v["witnesses"], json!(["Pak Darto"]));
        assert_eq!(v["stage"]["rule"], "kajian_awal");
        let last = v["timeline"].as_array().and_then(|t| t.last()).cloned().unwrap_or(Value::Null);
        assert_eq!((last["to"].as_str(), last["reason"].as_str(), last["by"].as_str()), (Some("kajian_awal"), Some("Foto terlampir"), Some("publik")));
        moved(&app, &bawaslu, id, "diregistrasi", "");

        // A second report is asked to complete, and its reporter does not.
        let receipt2 = create(&app, &body);
        let id2 = id_of(&app, &bawaslu, &receipt2);
        moved(&app, &bawaslu, id2, "perbaikan", "Lampirkan bukti");
        (id, (id2, receipt2))
    };
    let (id2, receipt2) = second;
    let _ = first;
    // Ten days on, the sweep at start finds the window lapsed.
    let later = rfc(OffsetDateTime::now_utc() + Duration::days(10));
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", &later)]);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let mut v = Value::Null;
    for _ in 0..100 {
        v = app.get(&format!("/api/v1/reports/{id2}"), Some(&bawaslu)).1;
        if v["status"] == "informasi_awal" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!((v["status"].as_str(), v["kind"].as_str()), (Some("informasi_awal"), Some("informasi_awal")), "{v}");
    let last = v["timeline"].as_array().and_then(|t| t.last()).cloned().unwrap_or(Value::Null);
    assert!(last["reason"].as_str().is_some_and(|r| r.contains("tidak melengkapi") && r.contains("tidak diregistrasi")), "{last}");
    assert_eq!(v["actions"], json!(["tidak_diregistrasi", "jadikan_temuan"]));
    assert_eq!(refused(&app, &bawaslu, id2, "diregistrasi", 409), "conflict");
    let (_, public) = app.get(&format!("/api/v1/receipts/{receipt2}"), None);
    assert!(public["notice"].as_str().is_some_and(|n| n.contains("tidak dilengkapi") && n.contains("informasi awal")), "{public}");
    let (_, alerts) = app.get("/api/v1/alerts", Some(&bawaslu));
    assert!(
        alerts["items"].as_array().expect("alerts").iter().any(|a| a["entity_id"] == json!(id2.to_string()) && a["message"].as_str().is_some_and(|m| m.contains("tidak melengkapi"))),
        "Bawaslu is told: {alerts}"
    );
}

fn step_as(app: &TestApp, token: &str, id: i64, to: &str) -> (u16, Value) {
    step(app, token, id, to, "alasan")
}
