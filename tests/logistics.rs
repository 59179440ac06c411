//! Logistik through the real server: requirements, warehouse receipts, shipments down the
//! tiers with co-signed handovers, discrepancy alerts and readiness — with the refusals.

mod common;

use common::{TestApp, TestDb, Value, add_user, error_of, json};

const PW: &str = "rahasia-kuat-1";
const E: &str = "/api/v1/elections/pilkada-2024/logistics";

fn qty(list: &Value, item: &str) -> Option<i64> {
    list["items"].as_array()?.iter().find(|i| i["item"] == item).and_then(|i| i["qty"].as_i64())
}

fn requirements_follow_dpt_reserve_and_contests(db: &TestDb) {
    add_user(db, "kpu.mojokerto", "kpu", "35.76", "operator", PW);
    add_user(db, "kpu.ri", "kpu", "ID", "admin", PW);
    let app = TestApp::spawn(db);
    let kpu = app.login("kpu.mojokerto", PW);
    for (code, dpt) in [("35.76.02.1008.001", 400), ("35.76.02.1008.002", 250)] {
        let (s, v) = app.post("/api/v1/elections/pilkada-2024/tps", Some(&kpu), &json!({"code": code, "address": "TPS", "dpt": dpt}));
        assert_eq!(s, 201, "{v}");
    }
    let (s, items) = app.get(&format!("{E}/items"), None);
    assert_eq!(s, 200);
    let keys: Vec<&str> = items["items"].as_array().expect("items").iter().map(|i| i["key"].as_str().unwrap_or("")).collect();
    for k in ["surat_suara:gubernur", "surat_suara:bupati", "surat_suara:walikota", "kotak_suara", "bilik_suara", "tinta", "segel"] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let (s, one) = app.get(&format!("{E}/requirements?region=35.76.02.1008.001"), None);
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["tps_count"], 1);
    assert_eq!(qty(&one, "surat_suara:gubernur"), Some(410), "400 + 2.5% = 410");
    assert_eq!(qty(&one, "surat_suara:walikota"), Some(410));
    assert_eq!(qty(&one, "surat_suara:bupati"), None, "a city elects no regent");
    assert_eq!(qty(&one, "kotak_suara"), Some(2));
    let (_, village) = app.get(&format!("{E}/requirements?region=35.76.02.1008"), None);
    assert_eq!(village["tps_count"], 2);
    assert_eq!(qty(&village, "surat_suara:gubernur"), Some(410 + 257), "250 + 6.25 rounded up to 7, per TPS");
    assert_eq!(qty(&village, "bilik_suara"), Some(8));
    let (_, province) = app.get(&format!("{E}/requirements?region=35"), None);
    assert_eq!(province["items"], village["items"], "a province sums its TPS");
    let (s, e) = app.get(&format!("{E}/requirements?region=35.7"), None);
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("region")));

    // The national KPU admin edits the catalogue; a regency operator may not.
    let (s, _) = app.put(&format!("{E}/items/bilik_suara"), Some(&kpu), &json!({"qty": 5}));
    assert_eq!(s, 403);
    let admin = app.login("kpu.ri", PW);
    let (s, v) = app.put(&format!("{E}/items/bilik_suara"), Some(&admin), &json!({"qty": 5}));
    assert_eq!(s, 200, "{v}");
    let (_, village) = app.get(&format!("{E}/requirements?region=35.76.02.1008"), None);
    assert_eq!(qty(&village, "bilik_suara"), Some(10));
    let (s, _) = app.put(&format!("{E}/items/helikopter"), Some(&admin), &json!({"qty": 1}));
    assert_eq!(s, 404);
}

/// Stocks the Kota Mojokerto warehouse with everything two TPS in Balongsari need.
fn setup_chain(db: &TestDb) -> (TestApp, std::collections::HashMap<&'static str, String>) {
    for (u, agency, region) in [
        ("kpu.mojokerto", "kpu", "35.76"),
        ("ppk.magersari", "kpu", "35.76.02"),
        ("pps.balongsari", "kpu", "35.76.02.1008"),
        ("bawaslu.mojokerto", "bawaslu", "35.76"),
        ("polres.mojokerto", "polri", "35.76"),
        ("kodim.mojokerto", "tni", "35.76"),
        ("kpu.jombang", "kpu", "35.17"),
        ("bawaslu.jombang", "bawaslu", "35.17"),
    ] {
        add_user(db, u, agency, region, "operator", PW);
    }
    // Two weeks before Pilkada day: every deadline still ahead.
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", "2024-11-13T09:00:00+07:00")]);
    let mut t = std::collections::HashMap::new();
    for u in ["kpu.mojokerto", "ppk.magersari", "pps.balongsari", "bawaslu.mojokerto", "polres.mojokerto", "kodim.mojokerto", "kpu.jombang", "bawaslu.jombang"] {
        t.insert(u, app.login(u, PW));
    }
    for (code, dpt) in [("35.76.02.1008.001", 400), ("35.76.02.1008.002", 250)] {
        let (s, v) = app.post("/api/v1/elections/pilkada-2024/tps", Some(&t["kpu.mojokerto"]), &json!({"code": code, "address": "TPS", "dpt": dpt}));
        assert_eq!(s, 201, "{v}");
    }
    let (_, need) = app.get(&format!("{E}/requirements?region=35.76.02.1008"), None);
    for line in need["items"].as_array().expect("items") {
        let (s, v) = app.post(
            &format!("{E}/receipts"),
            Some(&t["kpu.mojokerto"]),
            &json!({"region": "35.76", "item": line["item"], "qty": line["qty"].as_i64().unwrap_or(0) + 20, "damaged": 3}),
        );
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["good"].as_i64(), line["qty"].as_i64().map(|q| q + 17), "received minus damaged is good stock");
    }
    (app, t)
}

fn all_of(need: &Value) -> Vec<Value> {
    need["items"].as_array().expect("items").iter().map(|l| json!({"item": l["item"], "qty": l["qty"]})).collect()
}

fn shipments_move_stock_and_flag_discrepancies(db: &TestDb) {
    let (app, t) = setup_chain(db);
    let kpu = &t["kpu.mojokerto"];
    let (_, need) = app.get(&format!("{E}/requirements?region=35.76.02.1008"), None);
    let items = all_of(&need);

    // Refusals first: nothing may change.
    let refusals = [
        (json!({"region": "35.76.02", "item": "tinta", "qty": 5}), "region"),
        (json!({"region": "35.76", "item": "tinta", "qty": 0}), "qty"),
        (json!({"region": "35.76", "item": "tinta", "qty": 5, "damaged": 6}), "damaged"),
        (json!({"region": "35.76", "item": "helikopter", "qty": 5}), "item"),
    ];
    for (body, field) in refusals {
        let (s, e) = app.post(&format!("{E}/receipts"), Some(kpu), &body);
        assert_eq!((s, error_of(&e).1.as_deref()), (422, Some(field)), "{body}: {e}");
    }
    let (s, _) = app.post(&format!("{E}/receipts"), Some(&t["kpu.jombang"]), &json!({"region": "35.76", "item": "tinta", "qty": 5}));
    assert_eq!(s, 403, "KPU Jombang cannot book stock into Mojokerto's warehouse");
    let (s, _) = app.post(&format!("{E}/receipts"), Some(&t["polres.mojokerto"]), &json!({"region": "35.76", "item": "tinta", "qty": 5}));
    assert_eq!(s, 403, "only KPU keeps stock");

    let plan = |body: Value| app.post(&format!("{E}/shipments"), Some(kpu), &body);
    let mut too_much = items.clone();
    too_much[0]["qty"] = json!(1_000_000);
    let (s, e) = plan(json!({"from": "35.76", "to": "35.76.02", "items": too_much}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("items[0].qty")), "cannot send more than is on hand: {e}");
    let (s, e) = plan(json!({"from": "35.76", "to": "35.76.02.1008", "items": items}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("to")), "a village is not directly below a regency");
    let (s, e) = plan(json!({"from": "35.76", "to": "35.76.02", "items": [{"item": "tinta", "qty": 1}, {"item": "tinta", "qty": 1}]}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("items[1].item")));
    let (s, _) = app.post(&format!("{E}/shipments"), Some(&t["kpu.jombang"]), &json!({"from": "35.76", "to": "35.76.02", "items": items}));
    assert_eq!(s, 403);
    let (_, stock) = app.get(&format!("{E}/stock?region=35.76"), None);
    let before: i64 = stock["items"].as_array().expect("items").iter().map(|l| l["good"].as_i64().unwrap_or(0)).sum();

    // Plan (retried once with the same key), dispatch, co-sign.
    let body = json!({"from": "35.76", "to": "35.76.02", "items": items, "seals": ["KPU-35.76-0001", "KPU-35.76-0002"], "vehicle": "W 1234 XY", "driver": "Slamet"}).to_string();
    let key = [("Idempotency-Key", "plan-magersari-1")];
    let (s, shipment, _) = app.post_raw(&format!("{E}/shipments"), Some(kpu), &key, &body);
    assert_eq!(s, 201, "{shipment}");
    let (s2, again, _) = app.post_raw(&format!("{E}/shipments"), Some(kpu), &key, &body);
    assert_eq!((s2, &again["id"]), (201, &shipment["id"]), "a retried plan is the same shipment");
    // The retry's answer is the first answer byte for byte, and that is the shipment as the
    // API shows it anywhere (its typed form, not a re-serialised JSON value).
    let (s3, replay, headers) = app.call_text("POST", &format!("{E}/shipments"), Some(kpu), &key, Some(body.as_bytes()));
    assert_eq!(s3, 201);
    assert!(headers.iter().any(|(k, v)| k == "idempotent-replayed" && v == "true"), "{headers:?}");
    let sid = shipment["id"].as_i64().expect("id");
    let (_, shown, _) = app.call_text("GET", &format!("{E}/shipments/{sid}"), Some(kpu), &[], None);
    assert_eq!(replay, shown, "the replayed answer is the typed shipment, byte for byte");
    assert!(replay.starts_with("{\"id\":"), "fields in the documented order: {replay}");
    assert_eq!(shipment["status"], "direncanakan");
    assert_eq!(shipment["due_at"], "2024-11-13T16:59:59Z", "PPK: H-14, end of day WIB");
    let (_, stock) = app.get(&format!("{E}/stock?region=35.76"), None);
    let after: i64 = stock["items"].as_array().expect("items").iter().map(|l| l["good"].as_i64().unwrap_or(0)).sum();
    let sent: i64 = items.iter().map(|i| i["qty"].as_i64().unwrap_or(0)).sum();
    assert_eq!(before - after, sent, "planned goods leave the warehouse once");

    let sid = shipment["id"].as_i64().expect("id");
    let path = format!("{E}/shipments/{sid}");
    let sign = |who: &str, role: &str| app.post(&format!("{path}/sign"), Some(&t[who]), &json!({"as": role}));
    assert_eq!(sign("bawaslu.mojokerto", "supervisor").0, 409, "nothing to sign before dispatch");
    let (s, v) = app.post(&format!("{path}/dispatch"), Some(kpu), &json!({}));
    assert_eq!((s, v["status"].as_str()), (200, Some("dikirim")), "{v}");
    let (s, e) = app.post(&format!("{path}/dispatch"), Some(kpu), &json!({}));
    assert_eq!((s, error_of(&e).0.as_str()), (409, "conflict"));
    assert_eq!(sign("kpu.mojokerto", "sender").0, 200);
    assert_eq!(sign("bawaslu.mojokerto", "supervisor").0, 200);
    assert_eq!(sign("bawaslu.mojokerto", "supervisor").0, 409, "signed once");
    assert_eq!(sign("polres.mojokerto", "supervisor").0, 403, "the supervisor is Bawaslu");
    assert_eq!(sign("kodim.mojokerto", "escort").0, 403, "the escort is Polri");
    assert_eq!(sign("bawaslu.jombang", "supervisor").0, 403, "outside scope");
    assert_eq!(sign("polres.mojokerto", "escort").0, 200);
    assert_eq!(sign("ppk.magersari", "receiver").0, 409, "the receiver signs after receipt");

    // Receive two short and one damaged.
    let received: Vec<Value> = items
        .iter()
        .map(|i| {
            let q = i["qty"].as_i64().unwrap_or(0);
            match i["item"].as_str() {
                Some("surat_suara:gubernur") => json!({"item": i["item"], "qty": q - 2, "damaged": 0}),
                Some("kotak_suara") => json!({"item": i["item"], "qty": q, "damaged": 1}),
                _ => json!({"item": i["item"], "qty": q}),
            }
        })
        .collect();
    let (s, _) = app.post(&format!("{path}/receive"), Some(&t["kpu.jombang"]), &json!({"items": received}));
    assert_eq!(s, 403);
    let (s, e) = app.post(&format!("{path}/receive"), Some(&t["ppk.magersari"]), &json!({"items": received[..1]}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("items")), "every item must be counted");
    let (s, v) = app.post(&format!("{path}/receive"), Some(&t["ppk.magersari"]), &json!({"items": received, "note": "2 surat suara kurang"}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "diterima");
    assert_eq!(v["flags"], json!(["short", "damaged"]));
    let gub = v["items"].as_array().expect("items").iter().find(|i| i["item"] == "surat_suara:gubernur").expect("line").clone();
    assert_eq!(gub["difference"], -2);
    let (s, _) = app.post(&format!("{path}/receive"), Some(&t["ppk.magersari"]), &json!({"items": received}));
    assert_eq!(s, 409, "received once");
    assert_eq!(sign("ppk.magersari", "receiver").0, 200);
    let (_, full) = app.get(&path, Some(&t["bawaslu.mojokerto"]));
    let roles: Vec<&str> = full["signatures"].as_array().expect("sigs").iter().map(|g| g["as"].as_str().unwrap_or("")).collect();
    assert_eq!(roles.len(), 4, "{roles:?}");
    let (_, ppk) = app.get(&format!("{E}/stock?region=35.76.02"), None);
    let line = |item: &str| ppk["items"].as_array().and_then(|a| a.iter().find(|l| l["item"] == item).cloned()).unwrap_or(Value::Null);
    assert_eq!(line("kotak_suara")["damaged"], 1);
    assert_eq!(line("surat_suara:gubernur")["good"].as_i64(), qty(&need, "surat_suara:gubernur").map(|q| q - 2));

    // The discrepancy reached KPU, Bawaslu and Polri of Kota Mojokerto, nobody else.
    let alerts_of = |who: &str| app.get("/api/v1/alerts?unacknowledged=true", Some(&t[who])).1["items"].as_array().cloned().unwrap_or_default();
    for who in ["kpu.mojokerto", "ppk.magersari", "bawaslu.mojokerto", "polres.mojokerto"] {
        let a = alerts_of(who);
        assert_eq!(a.len(), 1, "{who}: {a:?}");
        assert_eq!(a[0]["kind"], "logistik.selisih");
        assert_eq!(a[0]["severity"], "critical");
    }
    assert!(alerts_of("kodim.mojokerto").is_empty(), "TNI was not named");
    assert!(alerts_of("kpu.jombang").is_empty(), "outside scope");
    let id = alerts_of("kpu.mojokerto")[0]["id"].as_i64().expect("id");
    let (s, _, _) = app.post_raw(&format!("/api/v1/alerts/{id}/ack"), Some(kpu), &[], "");
    assert_eq!(s, 204);
    assert!(alerts_of("kpu.mojokerto").is_empty(), "acknowledged for KPU Kota Mojokerto");
    assert_eq!(alerts_of("bawaslu.mojokerto").len(), 1, "still open for Bawaslu");
    let (s, _, _) = app.post_raw(&format!("/api/v1/alerts/{id}/ack"), Some(&t["kpu.jombang"]), &[], "");
    assert_eq!(s, 404, "an alert outside scope does not exist for that user");

    // The berita acara, its QR code's page, and what happens when the record is altered.
    let (s, ctype, _) = app.get_text(&format!("{path}/berita-acara.pdf"), None);
    assert_eq!(s, 401, "the document is for logged-in users: {ctype}");
    let pdf = app.get_bytes(&format!("{path}/berita-acara.pdf"), kpu);
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("BERITA ACARA SERAH TERIMA LOGISTIK"));
    assert!(text.contains("Magersari") && text.contains("Kota Mojokerto"));
    assert!(text.contains("KPU-35.76-0001") && text.contains("W 1234 XY"));
    assert!(text.contains("Selisih: kurang, rusak"));
    assert!(text.contains("Panwaslu") || text.contains("Bawaslu Kota Mojokerto"), "the supervisor's unit is printed");
    // Who planned and who signed, by unit: the account names are half of a login.
    for username in ["kpu.mojokerto", "bawaslu.mojokerto", "polres.mojokerto", "ppk.magersari"] {
        assert!(!text.contains(username), "no username {username} on the berita acara");
    }
    assert!(text.contains("oleh KPU Kota Mojokerto"), "the planning unit is named");
    let verification = full["verification"].as_str().expect("verification path").to_string();
    assert!(text.contains(&verification), "the QR code's address is printed beside it");
    let (s, _, page) = app.get_text(&verification, None);
    assert_eq!(s, 200);
    assert!(page.contains("SAH DAN LENGKAP"), "received and signed by all four: {page}");
    assert!(page.contains("Bawaslu Kota Mojokerto"));
    db.tamper(&format!("UPDATE logistics_shipment_items SET received = received + 2 WHERE shipment_id = {sid} AND item = 'surat_suara:gubernur'"));
    let (_, _, page) = app.get_text(&verification, None);
    assert!(page.contains("TIDAK COCOK"), "an altered record is called out");
    let (s, _, _) = app.get_text("/verifikasi/00ff00ff", None);
    assert_eq!(s, 404);

    let (_, list) = app.get(&format!("{E}/shipments?region=35.76.02&status=diterima"), Some(&t["kpu.mojokerto"]));
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (_, none) = app.get(&format!("{E}/shipments?region=35.17"), Some(&t["kpu.jombang"]));
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    let o = common::cli(db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

/// The public page a berita acara's QR code opens.
fn verdict_of(app: &TestApp, verification: &str) -> String {
    let (s, _, page) = app.get_text(verification, None);
    assert_eq!(s, 200);
    page
}

fn verification_and_status_say_what_is_signed(db: &TestDb) {
    let (app, t) = setup_chain(db);
    let kpu = &t["kpu.mojokerto"];
    let sign = |path: &str, who: &str, role: &str| {
        let (s, v) = app.post(&format!("{path}/sign"), Some(&t[who]), &json!({"as": role}));
        assert_eq!(s, 200, "{who} as {role}: {v}");
        v
    };
    let (_, need) = app.get(&format!("{E}/requirements?region=35.76.02.1008"), None);
    let (s, planned) = app.post(&format!("{E}/shipments"), Some(kpu), &json!({"from": "35.76", "to": "35.76.02", "items": all_of(&need)}));
    assert_eq!(s, 201, "{planned}");
    let path = format!("{E}/shipments/{}", planned["id"]);
    let verification = planned["verification"].as_str().expect("verification").to_string();

    // 0 of 4: the fingerprint matches, but nothing is signed — never a green "genuine".
    let page = verdict_of(&app, &verification);
    assert!(!page.contains("ASLI") && !page.contains("SAH DAN LENGKAP"), "an unsigned record is not called genuine: {page}");
    assert!(page.contains("BELUM LENGKAP"), "{page}");
    assert!(page.contains("cocok: catatan tidak diubah sejak ditulis oleh sistem"), "the fingerprint is reported on its own: {page}");
    assert!(page.contains("0 dari 4 tanda tangan: belum ada; belum: pengirim (KPU), penerima (KPU), pengawas Bawaslu, pengawal Polri"), "{page}");
    assert_eq!((planned["handover"].as_str(), planned["complete"].as_bool()), (Some("direncanakan"), Some(false)));
    assert_eq!(planned["unsigned"], json!(["sender", "receiver", "supervisor", "escort"]));

    // 2 of 4, then the goods arrive: counted, but not received until the receiver signs.
    assert_eq!(app.post(&format!("{path}/dispatch"), Some(kpu), &json!({})).0, 200);
    sign(&path, "kpu.mojokerto", "sender");
    let v = sign(&path, "bawaslu.mojokerto", "supervisor");
    assert_eq!(v["handover"], "dikirim");
    let got: Vec<Value> = planned["items"].as_array().expect("items").iter().map(|i| json!({"item": i["item"], "qty": i["sent"]})).collect();
    let (s, arrived) = app.post(&format!("{path}/receive"), Some(&t["ppk.magersari"]), &json!({"items": got}));
    assert_eq!(s, 200, "{arrived}");
    assert_eq!(arrived["status"], "diterima", "the goods' step: counted on arrival");
    assert_eq!(arrived["handover"], "menunggu_tanda_tangan_penerima", "not a receipt before the receiver signs: {arrived}");
    assert_eq!(arrived["complete"], false);
    assert_eq!(arrived["unsigned"], json!(["receiver", "escort"]));
    let page = verdict_of(&app, &verification);
    assert!(page.contains("BELUM LENGKAP") && !page.contains("SAH DAN LENGKAP"), "{page}");
    assert!(page.contains("2 dari 4 tanda tangan: pengirim (KPU), pengawas Bawaslu; belum: penerima (KPU), pengawal Polri"), "{page}");
    assert!(page.contains("Diterima, menunggu tanda tangan penerima"), "the status shown waits for the receiver: {page}");
    let cookie = format!("sinergi_session={}", app.login("kpu.mojokerto", PW));
    let sid = planned["id"].as_i64().expect("id");
    let (_, _, shipment_page) = app.get_text(&format!("/logistik/pengiriman/{sid}?pemilu=pilkada-2024"), Some(&cookie));
    assert!(shipment_page.contains("data-status=\"menunggu_tanda_tangan_penerima\""), "{shipment_page}");
    assert!(shipment_page.contains("Diterima, menunggu tanda tangan penerima"));
    let (_, _, board) = app.get_text("/logistik/pengiriman?pemilu=pilkada-2024&wilayah=35.76", Some(&cookie));
    let waiting = board.split("data-status=\"menunggu_tanda_tangan_penerima\"").nth(1).and_then(|r| r.split("</table>").next()).unwrap_or("");
    assert!(waiting.contains(&format!("BA-{sid}")), "the board lists it as awaiting the receiver: {board}");
    let received = board.split("data-status=\"diterima\"").nth(1).and_then(|r| r.split("</table>").next()).unwrap_or("");
    assert!(!received.contains(&format!("BA-{sid}")), "not among the received: {board}");
    let (_, _, csv) = app.get_text("/logistik/pengiriman?pemilu=pilkada-2024&wilayah=35.76&status=csv", Some(&cookie));
    assert!(csv.contains("Diterima, menunggu tanda tangan penerima"), "{csv}");
    let pdf = String::from_utf8_lossy(&app.get_bytes(&format!("{path}/berita-acara.pdf"), kpu)).to_string();
    assert!(pdf.contains("Diterima, menunggu tanda tangan penerima"), "the printed status too");
    assert!(pdf.contains("2 dari 4 tanda tangan"), "the printed record says what is signed");
    assert!(pdf.contains("BELUM LENGKAP"), "and that it is not yet a valid handover");

    // 4 of 4: only now a complete, valid handover.
    let v = sign(&path, "ppk.magersari", "receiver");
    assert_eq!(v["handover"], "diterima");
    let v = sign(&path, "polres.mojokerto", "escort");
    assert_eq!((v["complete"].as_bool(), v["unsigned"].as_array().map(Vec::len)), (Some(true), Some(0)));
    let page = verdict_of(&app, &verification);
    assert!(page.contains("SAH DAN LENGKAP"), "{page}");
    assert!(page.contains("4 dari 4 tanda tangan: pengirim (KPU), penerima (KPU), pengawas Bawaslu, pengawal Polri"), "{page}");
    let pdf = String::from_utf8_lossy(&app.get_bytes(&format!("{path}/berita-acara.pdf"), kpu)).to_string();
    assert!(!pdf.contains("BELUM LENGKAP"), "a complete record is not marked incomplete");
    let (_, list) = app.get(&format!("{E}/shipments?region=35.76.02&status=diterima"), Some(kpu));
    assert_eq!(list["items"][0]["handover"], "diterima");

    // Altered: the fingerprint fails and the verdict says so, whatever the signatures.
    db.tamper(&format!("UPDATE logistics_shipments SET driver = 'Orang lain' WHERE id = {sid}"));
    let page = verdict_of(&app, &verification);
    assert!(page.contains("TIDAK COCOK") && !page.contains("SAH DAN LENGKAP"), "{page}");
    assert!(page.contains("tidak cocok: catatan diubah di luar sistem"), "{page}");
}

fn readiness_counts_what_arrived_at_each_tps(db: &TestDb) {
    let (app, t) = setup_chain(db);
    let (_, r) = app.get(&format!("{E}/readiness?region=35.76"), None);
    assert_eq!(r["tps_total"], 2);
    assert_eq!((r["ready"].as_i64(), r["partial"].as_i64(), r["none"].as_i64()), (Some(0), Some(0), Some(2)));

    // Down the tiers to TPS 001 in full, one item to TPS 002.
    let hop = |who: &str, receiver: &str, from: &str, to: &str, items: Vec<Value>| {
        let (s, v) = app.post(&format!("{E}/shipments"), Some(&t[who]), &json!({"from": from, "to": to, "items": items}));
        assert_eq!(s, 201, "{from} → {to}: {v}");
        let path = format!("{E}/shipments/{}", v["id"]);
        assert_eq!(app.post(&format!("{path}/dispatch"), Some(&t[who]), &json!({})).0, 200);
        let got: Vec<Value> = v["items"].as_array().expect("items").iter().map(|i| json!({"item": i["item"], "qty": i["sent"]})).collect();
        let (s, v) = app.post(&format!("{path}/receive"), Some(&t[receiver]), &json!({"items": got}));
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["flags"], json!([]), "nothing missing");
    };
    let (_, village_need) = app.get(&format!("{E}/requirements?region=35.76.02.1008"), None);
    let (_, tps_need) = app.get(&format!("{E}/requirements?region=35.76.02.1008.001"), None);
    hop("kpu.mojokerto", "ppk.magersari", "35.76", "35.76.02", all_of(&village_need));
    hop("ppk.magersari", "pps.balongsari", "35.76.02", "35.76.02.1008", all_of(&village_need));
    hop("pps.balongsari", "pps.balongsari", "35.76.02.1008", "35.76.02.1008.001", all_of(&tps_need));
    hop("pps.balongsari", "pps.balongsari", "35.76.02.1008", "35.76.02.1008.002", vec![json!({"item": "tinta", "qty": 2})]);
    let (s, r) = app.get(&format!("{E}/readiness?region=35.76.02.1008"), None);
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["tps_total"].as_i64(), r["ready"].as_i64(), r["partial"].as_i64(), r["none"].as_i64()), (Some(2), Some(1), Some(1), Some(0)));
    assert_eq!(r["not_ready"], json!(["35.76.02.1008.002"]));
    let (_, r) = app.get(&format!("{E}/readiness?region=35.76.02.1008.001"), None);
    assert_eq!((r["tps_total"].as_i64(), r["ready"].as_i64()), (Some(1), Some(1)));
    let (s, e) = app.post(&format!("{E}/shipments"), Some(&t["pps.balongsari"]), &json!({"from": "35.76.02.1008", "to": "35.76.02.1008.009", "items": [{"item": "tinta", "qty": 1}]}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("to")), "no such TPS");
}

/// The receiver photographs the goods on arrival: kept in the blob store only when the receipt
/// is accepted, shown on the shipment's page, served to those who may read the shipment only,
/// and sealed into the record's hash.
fn a_receipt_keeps_its_photo_of_the_goods(db: &TestDb) {
    use base64::Engine;
    use sha2::Digest;
    let (app, t) = setup_chain(db);
    let kpu = &t["kpu.mojokerto"];
    let (_, need) = app.get(&format!("{E}/requirements?region=35.76.02.1008"), None);
    let items = all_of(&need);
    let (s, shipment) = app.post(&format!("{E}/shipments"), Some(kpu), &json!({"from": "35.76", "to": "35.76.02", "items": items}));
    assert_eq!(s, 201, "{shipment}");
    let sid = shipment["id"].as_i64().expect("id");
    let path = format!("{E}/shipments/{sid}");
    assert_eq!(app.post(&format!("{path}/dispatch"), Some(kpu), &json!({})).0, 200);

    let mut jpeg = Vec::new();
    image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 255) as u8, 90, (y % 255) as u8]))
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80))
        .expect("jpeg");
    let sha = hex::encode(sha2::Sha256::digest(&jpeg));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&jpeg);
    let blob = db.dir().join("sinergi-blobs").join(&sha[0..2]).join(&sha[2..4]).join(&sha);
    let received: Vec<Value> = items.iter().map(|i| json!({"item": i["item"], "qty": i["qty"]})).collect();
    let ppk = &t["ppk.magersari"];

    // Refused receipts keep nothing: an item missing, then a photo that is not an image.
    let (s, e) = app.post(&format!("{path}/receive"), Some(ppk), &json!({"items": received[..1], "photo": b64}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("items")), "{e}");
    assert!(!blob.exists(), "nothing kept for a refused receipt");
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 bukan foto");
    let (s, e) = app.post(&format!("{path}/receive"), Some(ppk), &json!({"items": received, "photo": pdf}));
    assert_eq!((s, error_of(&e).1.as_deref()), (422, Some("photo")), "{e}");
    assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("bukan gambar JPEG atau PNG")), "{e}");

    let (s, v) = app.post(&format!("{path}/receive"), Some(ppk), &json!({"items": received, "photo": b64}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["photo_sha256"], json!(sha));
    assert_eq!(std::fs::read(&blob).expect("kept in the store"), jpeg);

    // The shipment page shows it; /foto serves it to those who may read the shipment only.
    let cookie = |token: &str| format!("sinergi_session={token}");
    let (s, _, page) = app.get_text(&format!("/logistik/pengiriman/{sid}?pemilu=pilkada-2024"), Some(&cookie(kpu)));
    assert_eq!(s, 200);
    assert!(page.contains(&format!("src=\"/foto/{sha}/kecil\"")) && page.contains(&sha), "thumbnail and hash on the page");
    let (s, _) = app.get(&format!("/foto/{sha}"), Some(&t["bawaslu.mojokerto"]));
    assert_eq!(s, 200, "Bawaslu Mojokerto reads the shipment");
    assert_eq!(app.get(&format!("/foto/{sha}"), None).0, 404, "not public");
    assert_eq!(app.get(&format!("/foto/{sha}"), Some(&t["bawaslu.jombang"])).0, 404, "outside the shipment's scope");

    // The photo is part of the sealed record: changing it shows as an altered record.
    let (_, full) = app.get(&path, Some(kpu));
    let token = full["verification"].as_str().expect("verification").to_string();
    let (_, _, ok) = app.get_text(&token, None);
    assert!(ok.contains("data-intact=\"true\""), "intact before tampering");
    db.tamper(&format!("UPDATE logistics_shipments SET photo_sha256 = '{}' WHERE id = {sid}", "0".repeat(64)));
    let (_, _, after) = app.get_text(&token, None);
    assert!(after.contains("data-intact=\"false\""), "the verification page notices the changed photo");
}

on_both_engines!(
    requirements_follow_dpt_reserve_and_contests,
    shipments_move_stock_and_flag_discrepancies,
    verification_and_status_say_what_is_signed,
    readiness_counts_what_arrived_at_each_tps,
    a_receipt_keeps_its_photo_of_the_goods
);
