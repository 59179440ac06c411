//! Koordinasi through the real server: stage status on days around their boundaries and across
//! the three time zones, local activities, the iCalendar feed read by an iCalendar parser;
//! meetings, decisions and action items with every permission refusal; the budget and NPHD
//! grants in exact rupiah; and the alerts for late action items, late tranches and a stage
//! starting tomorrow — on SQLite and on PostgreSQL.

mod common;

use common::{TestApp, TestDb, add_user, error_of};
use serde_json::{Value, json};

const PW: &str = "rahasia-123";

fn status_of(app: &TestApp, query: &str, key: &str) -> (String, String) {
    let (s, v) = app.get(&format!("/api/v1/elections/pilkada-2024/stages?{query}"), None);
    assert_eq!(s, 200, "{v}");
    let st = v["items"].as_array().expect("items").iter().find(|x| x["key"] == key).unwrap_or_else(|| panic!("no stage {key}: {v}"));
    (st["status"].as_str().expect("status").to_string(), v["on"].as_str().expect("on").to_string())
}

fn stages_follow_the_local_calendar(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "kpu.jbg", "kpu", "35.17", "operator", PW);
    let app = TestApp::spawn(db);

    // The binding shape of a stage.
    let (s, v) = app.get("/api/v1/elections/pilkada-2024/stages?on=2024-11-26", None);
    assert_eq!(s, 200, "{v}");
    let first = &v["items"][0];
    for field in ["key", "name", "start", "end", "agencies", "status"] {
        assert!(!first[field].is_null(), "stage without {field}: {first}");
    }
    let rekap_ppk = v["items"].as_array().expect("items").iter().find(|x| x["key"] == "rekapitulasi_ppk").expect("PPK recap sub-stage");
    assert_eq!((rekap_ppk["parent"].as_str(), rekap_ppk["level"].as_str()), (Some("penghitungan_rekapitulasi"), Some("district")));

    // Days around the boundaries: a stage runs from its first to its last day inclusive.
    for (on, key, want) in [
        ("2024-11-23", "kampanye", "berlangsung"),
        ("2024-11-24", "kampanye", "selesai"),
        ("2024-11-23", "masa_tenang", "akan_datang"),
        ("2024-11-24", "masa_tenang", "berlangsung"),
        ("2024-11-26", "masa_tenang", "berlangsung"),
        ("2024-11-26", "pemungutan_suara", "akan_datang"),
        ("2024-11-27", "pemungutan_suara", "berlangsung"),
        ("2024-11-28", "pemungutan_suara", "selesai"),
        ("2024-11-28", "penghitungan_rekapitulasi", "berlangsung"),
        ("2024-12-16", "penghitungan_rekapitulasi", "berlangsung"),
        ("2024-12-17", "penghitungan_rekapitulasi", "selesai"),
    ] {
        assert_eq!(status_of(&app, &format!("on={on}"), key).0, want, "{key} on {on}");
    }

    // One instant, three local days: 16:30 UTC on 26 Nov is 23:30 in Jakarta (WIB), 00:30 on
    // the 27th in Denpasar (WITA) and 01:30 on the 27th in Jayapura (WIT).
    let instant = "2024-11-26T16:30:00Z";
    assert_eq!(status_of(&app, &format!("on={instant}&region=31.71"), "pemungutan_suara"), ("akan_datang".into(), "2024-11-26".into()));
    assert_eq!(status_of(&app, &format!("on={instant}&region=31.71"), "masa_tenang").0, "berlangsung");
    assert_eq!(status_of(&app, &format!("on={instant}&region=51.71"), "pemungutan_suara"), ("berlangsung".into(), "2024-11-27".into()));
    assert_eq!(status_of(&app, &format!("on={instant}&region=91.71"), "pemungutan_suara"), ("berlangsung".into(), "2024-11-27".into()));
    // The last second of the 26th in WIB is still masa tenang there; one second later it is voting day.
    assert_eq!(status_of(&app, "on=2024-11-26T23:59:59%2B07:00&region=35.76", "pemungutan_suara").0, "akan_datang");
    assert_eq!(status_of(&app, "on=2024-11-27T00:00:00%2B07:00&region=35.76", "pemungutan_suara").0, "berlangsung");

    // Bad questions get a clear answer.
    let (s, v) = app.get("/api/v1/elections/pilkada-2024/stages?on=27-11-2024", None);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("on")));
    let (s, v) = app.get("/api/v1/elections/pilkada-2024/stages?region=35.99", None);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("region")));
    assert_eq!(app.get("/api/v1/elections/pilkada-2030/stages", None).0, 404);
    let (s, v) = app.get("/api/v1/elections/pemilu-2024/stages?on=2024-02-14", None);
    assert_eq!(s, 200);
    assert!(v["items"].as_array().expect("items").iter().any(|x| x["key"] == "pemungutan_suara" && x["status"] == "berlangsung"));

    // A local activity of Kota Mojokerto: shown there and below it, not in Jombang.
    let kpu = app.login("kpu.mjk", PW);
    let activity = json!({"key": "sosialisasi_tahapan", "name": "Sosialisasi tahapan di Alun-alun", "start": "2024-10-07", "end": "2024-10-09", "region": "35.76", "agencies": ["kpu", "pemda"]});
    let (s, v) = app.post("/api/v1/elections/pilkada-2024/stages", Some(&kpu), &activity);
    assert_eq!(s, 201, "{v}");
    assert_eq!((v["key"].as_str(), v["region"].as_str()), (Some("sosialisasi_tahapan"), Some("35.76")));
    let has = |q: &str| app.get(&format!("/api/v1/elections/pilkada-2024/stages?{q}"), None).1["items"].as_array().expect("items").iter().any(|x| x["key"] == "sosialisasi_tahapan");
    assert!(has("region=35.76") && has("region=35.76.02.1008"), "local activity shown in its region and below");
    assert!(!has("region=35.17") && !has(""), "not elsewhere, not in the national schedule");
    assert_eq!(status_of(&app, "on=2024-10-09&region=35.76", "sosialisasi_tahapan").0, "berlangsung");
    // Refusals leave the schedule as it was.
    let count = || app.get("/api/v1/elections/pilkada-2024/stages?region=35.76", None).1["items"].as_array().map_or(0, Vec::len);
    let before = count();
    let polres = app.login("polres.mjk", PW);
    let jbg = app.login("kpu.jbg", PW);
    assert_eq!(app.post("/api/v1/elections/pilkada-2024/stages", Some(&polres), &activity).0, 403);
    assert_eq!(app.post("/api/v1/elections/pilkada-2024/stages", Some(&jbg), &activity).0, 403);
    assert_eq!(app.post("/api/v1/elections/pilkada-2024/stages", None, &activity).0, 401);
    for (field, bad) in [("key", json!("Sosialisasi!")), ("end", json!("2024-10-01")), ("start", json!("7 Okt")), ("region", json!("ID"))] {
        let mut b = activity.clone();
        b[field] = bad;
        let (s, v) = app.post("/api/v1/elections/pilkada-2024/stages", Some(&kpu), &b);
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(field)), "{field}: {v}");
    }
    assert_eq!(count(), before);

    // The iCalendar feed, read by an iCalendar parser.
    let (s, ctype, body) = app.get_text("/api/v1/elections/pilkada-2024/stages.ics?region=35.76", None);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/calendar"), "{ctype}");
    assert!(body.contains("\r\n") && body.split("\r\n").all(|l| l.len() <= 75), "CRLF lines of at most 75 octets");
    let mut parser = ical::IcalParser::new(body.as_bytes());
    let cal = parser.next().expect("one calendar").expect("a valid calendar");
    assert!(parser.next().is_none());
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone());
    let n_stages = app.get("/api/v1/elections/pilkada-2024/stages?region=35.76", None).1["items"].as_array().map_or(0, Vec::len);
    assert_eq!(cal.events.len(), n_stages, "one event per stage");
    let mut uids: Vec<String> = cal.events.iter().map(|e| prop(e, "UID").expect("UID")).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), n_stages, "unique UIDs");
    assert!(cal.events.iter().all(|e| prop(e, "DTSTAMP").is_some() && prop(e, "DTSTART").is_some()));
    let voting = cal.events.iter().find(|e| prop(e, "SUMMARY").is_some_and(|s| s.ends_with("Pemungutan suara"))).expect("voting day event");
    assert_eq!((prop(voting, "DTSTART").as_deref(), prop(voting, "DTEND").as_deref()), (Some("20241127"), Some("20241128")));
    assert!(cal.events.iter().any(|e| prop(e, "SUMMARY").is_some_and(|s| s.contains("Sosialisasi tahapan di Alun-alun"))));
    let national = app.get_text("/api/v1/elections/pilkada-2024/stages.ics", None).2;
    assert!(!national.contains("Alun-alun"));
}

fn unit_id(app: &TestApp, token: &str, name: &str) -> i64 {
    let (s, v) = app.get("/api/v1/units?region=35.76", Some(token));
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().expect("items").iter().find(|u| u["name"] == name).and_then(|u| u["id"].as_i64()).unwrap_or_else(|| panic!("no unit {name}: {v}"))
}

fn meetings_turn_decisions_into_owned_actions(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "kejari.mjk", "kejaksaan", "35.76", "operator", PW);
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "viewer", PW);
    add_user(db, "kpu.jbg", "kpu", "35.17", "operator", PW);
    add_user(db, "kpu.jatim", "kpu", "35", "supervisor", PW);
    let app = TestApp::spawn(db);
    let kpu = app.login("kpu.mjk", PW);
    let polres = app.login("polres.mjk", PW);
    let kejari = app.login("kejari.mjk", PW);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let jbg = app.login("kpu.jbg", PW);
    let jatim = app.login("kpu.jatim", PW);
    let (u_polres, u_kejari, u_bawaslu) = (unit_id(&app, &kpu, "Polres Mojokerto Kota"), unit_id(&app, &kpu, "Kejari Kota Mojokerto"), unit_id(&app, &kpu, "Bawaslu Kota Mojokerto"));
    let u_jbg = app.get("/api/v1/units?region=35.17", Some(&jbg)).1["items"].as_array().expect("items").iter().find(|u| u["name"] == "KPU Kabupaten Jombang").and_then(|u| u["id"].as_i64()).expect("KPU Jombang");

    let meeting = json!({
        "title": "Rakor kesiapan pemungutan suara", "kind": "rakor", "region": "35.76", "host_unit": "KPU Kota Mojokerto",
        "starts_at": "2024-10-14T09:00:00+07:00", "place": "Aula KPU", "invited_units": [u_polres, u_kejari, u_bawaslu], "agenda": "Pengamanan TPS"
    });
    let count = || app.get("/api/v1/meetings?region=35.76", Some(&kpu)).1["items"].as_array().map_or(0, Vec::len);
    // Refused: another agency's unit as host, bad fields, a region outside the host, no login.
    let mut as_polres = meeting.clone();
    as_polres["host_unit"] = json!(u_polres);
    assert_eq!(app.post("/api/v1/meetings", Some(&kpu), &as_polres).0, 403);
    for (field, bad) in [("kind", json!("arisan")), ("starts_at", json!("14 Oktober")), ("region", json!("35.17")), ("title", json!("")), ("host_unit", json!("Unit yang tidak ada"))] {
        let mut b = meeting.clone();
        b[field] = bad;
        let (s, v) = app.post("/api/v1/meetings", Some(&kpu), &b);
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(field)), "{field}: {v}");
    }
    let mut ghost = meeting.clone();
    ghost["invited_units"] = json!([u_polres, 999_999]);
    let (s, v) = app.post("/api/v1/meetings", Some(&kpu), &ghost);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("invited_units[1]")));
    assert_eq!(app.post("/api/v1/meetings", None, &meeting).0, 401);
    assert_eq!(count(), 0, "nothing stored by the refusals");

    let (s, m) = app.post("/api/v1/meetings", Some(&kpu), &meeting);
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_i64().expect("id");
    assert_eq!(m["host_unit"]["name"], "KPU Kota Mojokerto");
    assert_eq!(m["starts_at"], "2024-10-14T09:00:00+07:00");
    assert_eq!(m["invited"].as_array().map(Vec::len), Some(3));
    assert!(m["invited"].as_array().expect("invited").iter().all(|i| i["attendance"] == "diundang"));

    // Only the host edits; the provincial KPU supervisor may act for it.
    let path = format!("/api/v1/meetings/{id}");
    assert_eq!(app.patch(&path, Some(&polres), &json!({"minutes": "x"})).0, 403);
    assert_eq!(app.patch(&path, Some(&jbg), &json!({"minutes": "x"})).0, 403);
    let (s, v) = app.patch(&path, Some(&kpu), &json!({"minutes": "Komunikasi tidak boleh terputus.", "invite": ["KPU Kabupaten Jombang"]}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["minutes"], "Komunikasi tidak boleh terputus.");
    assert_eq!(v["invited"].as_array().map(Vec::len), Some(4));
    assert_eq!(app.patch(&path, Some(&jatim), &json!({"place": "Aula KPU Kota Mojokerto"})).0, 200);
    let (s, v) = app.post(&format!("{path}/speakers"), Some(&kpu), &json!({"unit": u_kejari, "name": "Kasi Intel", "topic": "Gakkumdu"}));
    assert_eq!((s, v["speakers"][0]["unit"]["name"].as_str()), (201, Some("Kejari Kota Mojokerto")));
    assert_eq!(app.post(&format!("{path}/speakers"), Some(&polres), &json!({"unit": u_polres, "name": "Kabag Ops", "topic": "TPS"})).0, 403);
    let att = |body: Value| app.put(&format!("{path}/attendance"), Some(&kpu), &body);
    assert_eq!(att(json!({"unit": u_polres, "attendance": "hadir"})).0, 200);
    let (s, v) = att(json!({"unit": u_kejari, "attendance": "diwakili"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("represented_by")));
    assert_eq!(att(json!({"unit": u_kejari, "attendance": "diwakili", "represented_by": "Jaksa Fungsional"})).0, 200);
    let (s, v) = att(json!({"unit": u_bawaslu, "attendance": "tidur"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("attendance")));
    let (_, v) = att(json!({"unit": u_bawaslu, "attendance": "tidak_hadir"}));
    let attendance: Vec<(i64, String)> = v["invited"].as_array().expect("invited").iter().map(|i| (i["unit"]["id"].as_i64().unwrap_or(0), i["attendance"].as_str().unwrap_or("").to_string())).collect();
    assert!(attendance.contains(&(u_polres, "hadir".into())) && attendance.contains(&(u_kejari, "diwakili".into())) && attendance.contains(&(u_bawaslu, "tidak_hadir".into())));

    // Decisions become action items owned by invited units.
    let actions = format!("{path}/actions");
    let decision = "Komunikasi antarlembaga tidak boleh terputus";
    let (s, late) = app.post(&actions, Some(&kpu), &json!({"decision": decision, "owner_unit": u_polres, "due": "2024-10-20", "description": "Bentuk grup komunikasi"}));
    assert_eq!(s, 201, "{late}");
    assert_eq!((late["status"].as_str(), late["decision"].as_str()), (Some("terlambat"), Some(decision)));
    let decision_id = late["decision_id"].as_i64().expect("decision id");
    let (s, open) = app.post(&actions, Some(&kpu), &json!({"decision": decision_id, "owner_unit": u_kejari, "due": "2099-01-31", "description": "Jaksa piket"}));
    assert_eq!((s, open["status"].as_str()), (201, Some("terbuka")));
    // Refused: an owner who was not invited, a decision of another meeting, bad due date, not the host.
    let stranger = json!({"decision": decision, "owner_unit": "Polres Jombang", "due": "2099-01-01", "description": "x"});
    let (s, v) = app.post(&actions, Some(&kpu), &stranger);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("owner_unit")), "{v}");
    let (s, v) = app.post(&actions, Some(&kpu), &json!({"decision": 987_654, "owner_unit": u_polres, "due": "2099-01-01", "description": "x"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("decision")));
    let (s, v) = app.post(&actions, Some(&kpu), &json!({"decision": decision, "owner_unit": u_polres, "due": "besok", "description": "x"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("due")));
    assert_eq!(app.post(&actions, Some(&polres), &json!({"decision": decision, "owner_unit": u_polres, "due": "2099-01-01", "description": "x"})).0, 403);
    // A retried request with its Idempotency-Key makes one item.
    let retry = json!({"decision": "Pengamanan TPS rawan", "owner_unit": u_jbg, "due": "2099-02-01", "description": "Koordinasi lintas kabupaten"}).to_string();
    let (s1, a1, _) = app.post_raw(&actions, Some(&kpu), &[("Idempotency-Key", "rakor-1-aksi-3")], &retry);
    let (s2, a2, h2) = app.post_raw(&actions, Some(&kpu), &[("Idempotency-Key", "rakor-1-aksi-3")], &retry);
    assert_eq!((s1, s2, a1["id"].clone()), (201, 201, a2["id"].clone()));
    assert!(h2.iter().any(|(k, v)| k == "idempotent-replayed" && v == "true"));
    let (_, v) = app.get(&path, Some(&kpu));
    assert_eq!(v["decisions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["decisions"].as_array().expect("decisions").iter().map(|d| d["actions"].as_array().map_or(0, Vec::len)).sum::<usize>(), 3);

    // What each unit owes, and what is late.
    let (_, v) = app.get(&format!("/api/v1/actions?owner_unit={u_polres}&overdue=true"), Some(&polres));
    let ids: Vec<i64> = v["items"].as_array().expect("items").iter().filter_map(|a| a["id"].as_i64()).collect();
    assert_eq!(ids, vec![late["id"].as_i64().expect("id")]);
    let (_, v) = app.get(&format!("/api/v1/actions?owner_unit={u_kejari}&overdue=true"), Some(&kejari));
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0), "the open item is not late");
    let (_, v) = app.get(&path, Some(&kpu));
    let owing: Vec<(i64, i64, i64)> = v["owing"].as_array().expect("owing").iter().map(|o| (o["unit"]["id"].as_i64().unwrap_or(0), o["open"].as_i64().unwrap_or(0), o["late"].as_i64().unwrap_or(0))).collect();
    assert!(owing.contains(&(u_polres, 1, 1)) && owing.contains(&(u_kejari, 1, 0)), "{owing:?}");

    // The owner or the host moves an item; nobody else; terlambat is never set by hand.
    let item = format!("/api/v1/actions/{}", late["id"]);
    assert_eq!(app.patch(&item, Some(&kejari), &json!({"status": "selesai"})).0, 403);
    assert_eq!(app.patch(&item, Some(&bawaslu), &json!({"status": "selesai"})).0, 403);
    let (s, v) = app.patch(&item, Some(&polres), &json!({"status": "terlambat"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("status")));
    let (s, v) = app.patch(&item, Some(&polres), &json!({"status": "berjalan"}));
    assert_eq!((s, v["status"].as_str()), (200, Some("terlambat")), "still late while not finished");
    let (s, v) = app.patch(&item, Some(&polres), &json!({"status": "selesai", "evidence": "Surat B/123/X/2024"}));
    assert_eq!((s, v["status"].as_str(), v["evidence"].as_str(), v["updated_by"].as_str()), (200, Some("selesai"), Some("Surat B/123/X/2024"), Some("Polres Mojokerto Kota")), "the unit that moved it, never the account");
    let (s, v) = app.patch(&format!("/api/v1/actions/{}", open["id"]), Some(&kpu), &json!({"status": "berjalan"}));
    assert_eq!((s, v["status"].as_str()), (200, Some("berjalan")), "the host may move it");
    assert_eq!(app.get(&format!("/api/v1/actions?owner_unit={u_polres}&overdue=true"), Some(&polres)).1["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(app.patch("/api/v1/actions/424242", Some(&polres), &json!({"status": "selesai"})).0, 404);

    // Scope: Jombang's KPU was invited later and sees the meeting; a Bawaslu of another regency does not.
    add_user(db, "bawaslu.jbg", "bawaslu", "35.17", "operator", PW);
    let other = app.login("bawaslu.jbg", PW);
    assert_eq!(app.get(&path, Some(&jbg)).0, 200);
    assert_eq!(app.get(&path, Some(&other)).0, 403);
    assert_eq!(app.get("/api/v1/meetings?region=35.17", Some(&other)).1["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(app.get("/api/v1/meetings?region=35.76", Some(&other)).0, 403);
    assert_eq!(app.get(&path, None).0, 401);

    // The minutes as PDF.
    let pdf = app.get_bytes(&format!("{path}/notulen.pdf"), &kejari);
    let text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    for want in ["NOTULEN RAPAT", "Rakor kesiapan pemungutan suara", "Polres Mojokerto Kota", "Bentuk grup komunikasi", "Jaksa Fungsional"] {
        assert!(text.contains(want), "minutes PDF without {want}");
    }

    // Long minutes run onto more pages; nothing is cut.
    let long: Vec<String> = (1..=120).map(|i| format!("Butir {i}: pembahasan pengamanan TPS rawan di kelurahan ke-{i}.")).collect();
    assert_eq!(app.patch(&path, Some(&kpu), &json!({"minutes": long.join("\n")})).0, 200);
    let pdf = app.get_bytes(&format!("{path}/notulen.pdf"), &kpu);
    let text = String::from_utf8_lossy(&pdf);
    let pages: usize = text.split("/Count ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).expect("page count");
    assert!(pages >= 3, "{pages} pages");
    assert!(text.contains("Butir 120: pembahasan") && text.contains(&format!("halaman {pages} dari {pages}")), "the last item and the page numbers");
    assert!(text.contains("Jaksa piket"), "the action items after the long minutes");

    // Everything was audited.
    add_user(db, "admin.ri", "kpu", "ID", "admin", PW);
    let (s, audit) = app.get("/api/v1/audit?limit=200", Some(&app.login("admin.ri", PW)));
    assert_eq!(s, 200, "{audit}");
    let actions_logged: Vec<&str> = audit["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["meeting.create", "meeting.update", "meeting.speaker", "meeting.attendance", "meeting.decision", "action.create", "action.update"] {
        assert!(actions_logged.contains(&a), "no audit entry {a}");
    }
}

fn budget_and_grants_in_exact_rupiah(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "pemkot.mjk", "pemda", "35.76", "operator", PW);
    add_user(db, "bawaslu.jbg", "bawaslu", "35.17", "operator", PW);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let polres = app.login("polres.mjk", PW);
    let pemkot = app.login("pemkot.mjk", PW);
    let jbg = app.login("bawaslu.jbg", PW);

    // Amounts up to the ceiling (Rp 100 triliun, above a whole national election's budget),
    // in exact rupiah.
    let plans: [i64; 3] = [99_999_999_999_999, 333_333_333_333, 1];
    let mut lines = vec![];
    for (i, plan) in plans.iter().enumerate() {
        let (s, v) = app.post(
            "/api/v1/budget/lines",
            Some(&bawaslu),
            &json!({"program": "Pengawasan tahapan", "activity": format!("Kegiatan {i}"), "region": "35.76", "unit": "Bawaslu Kota Mojokerto", "amount": plan, "stage": "kampanye"}),
        );
        assert_eq!(s, 201, "{v}");
        lines.push(v["id"].as_i64().expect("id"));
    }
    let spent: [(usize, i64); 3] = [(0, 50_000_000_000_000), (1, 111_111_111_111), (1, 1)];
    for (line, amount) in spent {
        let (s, v) = app.post(&format!("/api/v1/budget/lines/{}/realisations", lines[line]), Some(&bawaslu), &json!({"amount": amount, "date": "2024-10-15", "document_no": "SPM-1"}));
        assert_eq!(s, 201, "{v}");
    }
    // Refused, and nothing stored: another agency, fractions, negatives, outside scope, another agency's unit.
    let line = json!({"program": "P", "activity": "A", "region": "35.76", "unit": "Bawaslu Kota Mojokerto", "amount": 1000});
    assert_eq!(app.post("/api/v1/budget/lines", Some(&polres), &line).0, 403);
    assert_eq!(app.post("/api/v1/budget/lines", Some(&jbg), &line).0, 403);
    for (field, bad) in [
        ("amount", json!(1000.5)),
        ("amount", json!(-5)),
        ("amount", json!("1000")),
        ("amount", json!(100_000_000_000_001i64)),
        ("amount", json!(i64::MAX)),
        ("program", json!("")),
        ("region", json!("35.99")),
    ] {
        let mut b = line.clone();
        b[field] = bad;
        let (s, v) = app.post("/api/v1/budget/lines", Some(&bawaslu), &b);
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(field)), "{field}={}: {v}", b[field]);
    }
    let mut b = line.clone();
    b["unit"] = json!("Polres Mojokerto Kota");
    assert_eq!(app.post("/api/v1/budget/lines", Some(&bawaslu), &b).0, 403);
    let (s, v) = app.post(&format!("/api/v1/budget/lines/{}/realisations", lines[0]), Some(&bawaslu), &json!({"amount": 5, "date": "15/10/2024", "document_no": "SPM-2"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("date")));
    assert_eq!(app.post(&format!("/api/v1/budget/lines/{}/realisations", lines[0]), Some(&polres), &json!({"amount": 5, "date": "2024-10-15", "document_no": "SPM-2"})).0, 403);

    let (s, sum) = app.get("/api/v1/budget/summary?region=35.76", Some(&bawaslu));
    assert_eq!(s, 200, "{sum}");
    let plan_total: i64 = plans.iter().sum();
    let real_total: i64 = spent.iter().map(|s| s.1).sum();
    assert_eq!(sum["plan"].as_i64(), Some(plan_total));
    assert_eq!(sum["realised"].as_i64(), Some(real_total));
    assert_eq!(sum["lines"][1]["realised"].as_i64(), Some(111_111_111_112));
    assert_eq!(sum["absorption_percent"].as_f64(), Some(49.94));

    // Spending beyond a line's plan is refused, naming what is left; nothing is stored.
    let (s, v) = app.post(&format!("/api/v1/budget/lines/{}/realisations", lines[2]), Some(&bawaslu), &json!({"amount": 2, "date": "2024-10-15", "document_no": "SPM-9"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("amount")), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("Rp 1") && m.contains("sisa")), "names the plan left: {v}");
    let (s, v) = app.post(&format!("/api/v1/budget/lines/{}/realisations", lines[0]), Some(&bawaslu), &json!({"amount": 50_000_000_000_000i64, "date": "2024-10-15", "document_no": "SPM-9"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("amount")), "one rupiah over the plan: {v}");
    let (s, v) = app.post(&format!("/api/v1/budget/lines/{}/realisations", lines[0]), Some(&bawaslu), &json!({"amount": 49_999_999_999_999i64, "date": "2024-10-15", "document_no": "SPM-10"}));
    assert_eq!(s, 201, "exactly the plan left: {v}");
    let (_, sum) = app.get("/api/v1/budget/summary?region=35.76", Some(&bawaslu));
    assert_eq!(sum["lines"][0]["realised"].as_i64(), Some(99_999_999_999_999), "{sum}");
    assert_eq!(sum["realised"].as_i64(), Some(real_total + 49_999_999_999_999), "{sum}");

    // An NPHD grant with the Permendagri default tranches: 40 % within 14 working days of
    // signing (Friday 10 Nov 2023 → Thursday 30 Nov 2023), 60 % five months before voting day.
    let grant = json!({"grantor_region": "35.76", "recipient_unit": "Bawaslu Kota Mojokerto", "amount": 1_000_000_001, "signed_on": "2023-11-10", "document_no": "NPHD/01"});
    assert_eq!(app.post("/api/v1/budget/grants", Some(&polres), &grant).0, 403, "neither the Pemda nor the recipient");
    for (field, bad) in [("amount", json!(0)), ("signed_on", json!("10-11-2023")), ("grantor_region", json!("35.76.02")), ("scheme", json!("cicil"))] {
        let mut b = grant.clone();
        b[field] = bad;
        let (s, v) = app.post("/api/v1/budget/grants", Some(&pemkot), &b);
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(field)), "{field}: {v}");
    }
    let mut b = grant.clone();
    b["tranches"] = json!([{"share_percent": 40, "due": "2023-11-30"}, {"share_percent": 50, "due": "2024-06-27"}]);
    let (s, v) = app.post("/api/v1/budget/grants", Some(&pemkot), &b);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("tranches")));
    assert_eq!(app.get("/api/v1/budget/summary?region=35.76", Some(&bawaslu)).1["grants"].as_array().map(Vec::len), Some(0));
    let (s, v) = app.post("/api/v1/budget/grants", Some(&pemkot), &grant);
    assert_eq!(s, 201, "{v}");
    let g = &v["grants"][0];
    let tranches: Vec<(i64, i64, String)> = g["tranches"].as_array().expect("tranches").iter().map(|t| (t["share_percent"].as_i64().unwrap_or(0), t["amount"].as_i64().unwrap_or(0), t["due"].as_str().unwrap_or("").to_string())).collect();
    assert_eq!(tranches, vec![(40, 400_000_000, "2023-11-30".into()), (60, 600_000_001, "2024-06-27".into())]);
    let gid = g["id"].as_i64().expect("grant id");
    // Disbursements: the recipient records them; more than a tranche owes is refused.
    let disb = format!("/api/v1/budget/grants/{gid}/disbursements");
    assert_eq!(app.post(&disb, Some(&bawaslu), &json!({"tranche": 1, "amount": 400_000_000, "paid_on": "2023-11-28"})).0, 201);
    let (s, v) = app.post(&disb, Some(&pemkot), &json!({"tranche": 2, "amount": 600_000_002, "paid_on": "2024-07-01"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("amount")));
    let (s, v) = app.post(&disb, Some(&pemkot), &json!({"tranche": 3, "amount": 1, "paid_on": "2024-07-01"}));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("tranche")));
    assert_eq!(app.post(&disb, Some(&pemkot), &json!({"tranche": 2, "amount": 600_000_000, "paid_on": "2024-07-01"})).0, 201);
    let (_, sum) = app.get("/api/v1/budget/summary?region=35.76", Some(&pemkot));
    assert_eq!((sum["granted"].as_i64(), sum["disbursed"].as_i64()), (Some(1_000_000_001), Some(1_000_000_000)));
    let statuses: Vec<&str> = sum["grants"][0]["tranches"].as_array().expect("tranches").iter().filter_map(|t| t["status"].as_str()).collect();
    assert_eq!(statuses, vec!["lunas", "terlambat"], "one rupiah short is still late");
    assert_eq!(sum["overdue_tranches"][0]["outstanding"].as_i64(), Some(1));
    // All at once: 100 % within 14 days.
    let mut once = grant.clone();
    once["scheme"] = json!("sekaligus");
    once["document_no"] = json!("NPHD/02");
    let (s, v) = app.post("/api/v1/budget/grants", Some(&bawaslu), &once);
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["grants"][1]["tranches"][0]["due"], "2023-11-24");

    // Scope, export.
    assert_eq!(app.get("/api/v1/budget/summary?region=35.76", Some(&jbg)).0, 403);
    assert_eq!(app.get("/api/v1/budget/summary?region=35.17", Some(&jbg)).1["plan"].as_i64(), Some(0));
    let (s, ctype, csv) = app.get_text("/api/v1/budget/export?region=35.76&format=csv", None);
    assert_eq!((s, ctype.as_str()), (401, "application/json"));
    let bytes = app.get_bytes("/api/v1/budget/export?region=35.76&format=csv", &bawaslu);
    let csv_text = String::from_utf8(bytes).expect("utf-8");
    assert!(csv_text.starts_with('\u{feff}'), "BOM for Excel");
    assert!(csv_text.contains("99999999999999") && csv_text.contains("NPHD/01") && csv_text.contains("Terlambat cair"), "{csv_text}");
    let rows = common::sheet_rows(&csv_text);
    assert!(rows.iter().any(|r| r.contains(&"Kota Mojokerto".to_string())), "region names beside codes: {rows:?}");
    let _ = csv;
}

/// The text of the message shown beside `field` on a re-rendered page (`span.field-error`).
fn beside<'a>(html: &'a str, field: &str) -> &'a str {
    let marker = format!("class=\"field-error\" role=\"alert\" data-field=\"{field}\">");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no message beside {field}: {html}")) + marker.len();
    &html[start..start + html[start..].find("</span>").expect("end of message")]
}

/// The budget forms on /anggaran as a browser posts them: a refused form comes back (422) with
/// the message in Bahasa Indonesia (English on request) beside the field and everything typed
/// still in its fields, and nothing is stored; amounts are typed as officials write them,
/// `1.250.000,00` included.
fn refused_budget_forms_come_back_with_what_was_typed(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "pemkot.mjk", "pemda", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let pemkot = app.login("pemkot.mjk", PW);
    let (cookie, pemkot_cookie) = (format!("sinergi_session={bawaslu}"), format!("sinergi_session={pemkot}"));
    let plan = |token: &str| app.get("/api/v1/budget/summary?region=35.76", Some(token)).1;

    // A plan line with cents: refused beside the amount, the other fields kept, nothing stored.
    let line = [("program", "Pengawasan tahapan"), ("activity", "Pengawasan rekapitulasi"), ("stage", "kampanye"), ("amount", "1.250.000,50")];
    let (s, html, _) = app.post_form("/anggaran/pagu?wilayah=35.76", &cookie, &line);
    assert_eq!(s, 422, "{html}");
    let msg = beside(&html, "amount");
    assert!(msg.contains("rupiah bulat") && msg.contains("1.250.000,50"), "{msg}");
    for kept in ["value=\"Pengawasan tahapan\"", "value=\"Pengawasan rekapitulasi\"", "value=\"kampanye\"", "value=\"1.250.000,50\""] {
        assert!(html.contains(kept), "{kept} kept");
    }
    assert!(html.contains("<details id=\"line-details\" open"), "the refused form is open");
    assert!(!html.contains("whole number") && !html.contains("is not"), "no English on an Indonesian page");
    assert_eq!(plan(&bawaslu)["lines"].as_array().map(Vec::len), Some(0), "nothing stored");
    // The same in English for someone who chose it.
    let (_, en, _) = app.post_form("/anggaran/pagu?wilayah=35.76", &format!("{cookie}; lang=en"), &line);
    assert!(beside(&en, "amount").contains("whole rupiah"), "{}", beside(&en, "amount"));
    // An English decimal point, an empty programme: each named beside its own field.
    let (s, html, _) = app.post_form("/anggaran/pagu?wilayah=35.76", &cookie, &[("program", "P"), ("activity", "A"), ("amount", "12.50")]);
    assert_eq!(s, 422);
    assert!(beside(&html, "amount").contains("titik ribuan"), "{}", beside(&html, "amount"));
    let (s, html, _) = app.post_form("/anggaran/pagu?wilayah=35.76", &cookie, &[("program", ""), ("activity", "A"), ("amount", "1000")]);
    assert_eq!(s, 422);
    assert!(!beside(&html, "program").is_empty() && !html.contains("data-field=\"amount\""));
    // Typed as a spreadsheet copies it: stored as whole rupiah.
    let mut ok = line;
    ok[3] = ("amount", "1.250.000,00");
    let (s, _, location) = app.post_form("/anggaran/pagu?wilayah=35.76", &cookie, &ok);
    assert_eq!((s, location.as_deref()), (303, Some("/anggaran?wilayah=35.76")));
    let sum = plan(&bawaslu);
    assert_eq!((sum["plan"].as_i64(), sum["lines"][0]["plan"].as_i64()), (Some(1_250_000), Some(1_250_000)));
    let line_id = sum["lines"][0]["id"].as_i64().expect("line id");

    // Spending with a date the page cannot read: the date is named, the amount and document kept.
    let path = format!("/anggaran/pagu/{line_id}/realisasi");
    let (s, html, _) = app.post_form(&path, &cookie, &[("amount", "Rp 250.000"), ("date", "kemarin"), ("document_no", "SPM-7/2024")]);
    assert_eq!(s, 422, "{html}");
    assert!(beside(&html, "date").contains("tanggal"), "{}", beside(&html, "date"));
    assert!(html.contains("value=\"Rp 250.000\"") && html.contains("value=\"SPM-7/2024\""));
    assert_eq!(plan(&bawaslu)["realised"].as_i64(), Some(0));
    let (s, _, _) = app.post_form(&path, &cookie, &[("amount", "Rp 250.000,00"), ("date", "2024-10-15"), ("document_no", "SPM-7/2024")]);
    assert_eq!(s, 303);
    assert_eq!(plan(&bawaslu)["realised"].as_i64(), Some(250_000));

    // A grant with a date in the wrong order: the recipient stays chosen, the amount kept.
    let recipient = unit_id(&app, &pemkot, "Bawaslu Kota Mojokerto").to_string();
    let grant = [("grantor_region", "35.76"), ("recipient_unit", recipient.as_str()), ("amount", "Rp 1.000.000.000,00"), ("signed_on", "10-11-2023"), ("document_no", "NPHD/01"), ("scheme", "sekaligus")];
    let (s, html, _) = app.post_form("/anggaran/hibah?wilayah=35.76", &pemkot_cookie, &grant);
    assert_eq!(s, 422, "{html}");
    assert!(!beside(&html, "signed_on").is_empty());
    assert!(html.contains("value=\"Rp 1.000.000.000,00\"") && html.contains("value=\"NPHD/01\"") && html.contains("<details id=\"grant-details\" open"));
    assert!(html.contains(&format!("<option value=\"{recipient}\" selected")), "the recipient stays chosen");
    assert!(html.contains("<option value=\"sekaligus\" selected"), "the scheme stays chosen");
    assert_eq!(plan(&pemkot)["grants"].as_array().map(Vec::len), Some(0));
    let mut ok = grant;
    ok[3] = ("signed_on", "2023-11-10");
    let (s, _, _) = app.post_form("/anggaran/hibah?wilayah=35.76", &pemkot_cookie, &ok);
    assert_eq!(s, 303);
    let sum = plan(&pemkot);
    assert_eq!(sum["granted"].as_i64(), Some(1_000_000_000));
    let gid = sum["grants"][0]["id"].as_i64().expect("grant id");

    // Paying more than the tranche owes: refused beside the amount in that tranche's form only.
    let path = format!("/anggaran/hibah/{gid}/pencairan");
    let (s, html, _) = app.post_form(&path, &pemkot_cookie, &[("tranche", "1"), ("amount", "1.000.000.001"), ("paid_on", "2023-11-20"), ("document_no", "SP2D-1")]);
    assert_eq!(s, 422, "{html}");
    let msg = beside(&html, "amount");
    assert!(msg.contains("Rp 1.000.000.000") && !msg.contains(" is "), "{msg}");
    assert!(html.contains("value=\"1.000.000.001\"") && html.contains("value=\"2023-11-20\"") && html.contains("value=\"SP2D-1\""));
    assert_eq!(plan(&pemkot)["disbursed"].as_i64(), Some(0));
}

/// The meeting page's host forms and the owes page as a browser posts them: a refused form comes
/// back with the message beside its field and what was typed, nothing stored; a refusal for a
/// row the reader cannot change is said at the head of the page, in Bahasa Indonesia.
fn refused_meeting_forms_come_back_with_what_was_typed(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let (kpu, polres, bawaslu) = (app.login("kpu.mjk", PW), app.login("polres.mjk", PW), app.login("bawaslu.mjk", PW));
    let (u_polres, u_bawaslu) = (unit_id(&app, &kpu, "Polres Mojokerto Kota"), unit_id(&app, &kpu, "Bawaslu Kota Mojokerto"));
    let meeting = json!({"title": "Rakor pengamanan", "kind": "rakor", "region": "35.76", "host_unit": "KPU Kota Mojokerto",
        "starts_at": "2024-10-14T09:00:00+07:00", "place": "Aula KPU", "invited_units": [u_polres], "agenda": ""});
    let (s, m) = app.post("/api/v1/meetings", Some(&kpu), &meeting);
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_i64().expect("id");
    let cookie = format!("sinergi_session={kpu}");
    let path = |tail: &str| format!("/rapat/{id}/{tail}");
    let view = || app.get(&format!("/api/v1/meetings/{id}"), Some(&kpu)).1;

    // A speaker without a name: named beside the name, the topic kept.
    let (s, html, _) = app.post_form(&path("narasumber"), &cookie, &[("unit", &u_polres.to_string()), ("name", " "), ("topic", "Pengamanan TPS rawan")]);
    assert_eq!(s, 422, "{html}");
    assert!(!beside(&html, "name").is_empty());
    assert!(html.contains("value=\"Pengamanan TPS rawan\"") && html.contains(&format!("<option value=\"{u_polres}\" selected")));
    assert_eq!(view()["speakers"].as_array().map(Vec::len), Some(0));
    // An action item for a unit that was not invited, due on a date the page cannot read.
    let action = [("decision", "Patroli gabungan"), ("owner_unit", &u_bawaslu.to_string()), ("due", "2024-10-20"), ("description", "Jadwal patroli di TPS rawan")];
    let (s, html, _) = app.post_form(&path("tindak-lanjut"), &cookie, &action);
    assert_eq!(s, 422, "{html}");
    let msg = beside(&html, "owner_unit");
    assert!(msg.contains("Bawaslu Kota Mojokerto") && msg.contains("tidak diundang"), "{msg}");
    assert!(html.contains("value=\"Patroli gabungan\"") && html.contains("Jadwal patroli di TPS rawan</textarea>") && html.contains("value=\"2024-10-20\""));
    let mut bad_due = action;
    bad_due[1] = ("owner_unit", "");
    let (s, html, _) = app.post_form(&path("tindak-lanjut"), &cookie, &bad_due);
    assert_eq!(s, 422);
    assert!(!beside(&html, "owner_unit").is_empty());
    assert_eq!(view()["decisions"].as_array().map(Vec::len), Some(0), "nothing stored");
    // Attendance with a state the form does not offer.
    let (s, html, _) = app.post_form(&path("kehadiran"), &cookie, &[("unit", &u_polres.to_string()), ("attendance", "libur"), ("represented_by", "Kabag Ops")]);
    assert_eq!(s, 422);
    assert!(beside(&html, "attendance").contains("Hadir"), "{}", beside(&html, "attendance"));
    assert!(html.contains("value=\"Kabag Ops\""));
    // Someone who is not the host: the page says so at its head (it holds no host forms).
    let (s, html, _) = app.post_form(&path("notulen"), &format!("sinergi_session={polres}"), &[("minutes", "Catatan")]);
    assert_eq!(s, 403);
    assert!(html.contains("hanya penyelenggara (KPU Kota Mojokerto)"), "{html}");

    // The owner's row on the owes page.
    let mut ok = action;
    let owner = u_polres.to_string();
    ok[1] = ("owner_unit", &owner);
    let (s, _, _) = app.post_form(&path("tindak-lanjut"), &cookie, &ok);
    assert_eq!(s, 303);
    let aid = view()["decisions"][0]["actions"][0]["id"].as_i64().expect("action id");
    let polres_cookie = format!("sinergi_session={polres}");
    let (s, html, _) = app.post_form(&format!("/tindak-lanjut/{aid}"), &polres_cookie, &[("status", "terlambat"), ("evidence", "Surat perintah patroli")]);
    assert_eq!(s, 422, "{html}");
    assert!(beside(&html, "status").contains("Terbuka, Berjalan atau Selesai"));
    assert!(html.contains("value=\"Surat perintah patroli\""));
    // Bawaslu owes nothing here: its refusal is said at the head of its page.
    let (s, html, _) = app.post_form(&format!("/tindak-lanjut/{aid}"), &format!("sinergi_session={bawaslu}"), &[("status", "selesai"), ("evidence", "")]);
    assert_eq!(s, 403);
    assert!(html.contains("hanya pelaksana (Polres Mojokerto Kota)"), "{html}");
    let stored = &view()["decisions"][0]["actions"][0];
    assert!(stored["status"] != "selesai" && stored["evidence"] == "", "nothing stored: {stored}");
}

fn alerts_for_late_actions_tranches_and_tomorrows_stage(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "pemkot.mjk", "pemda", "35.76", "operator", PW);
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "kejari.jbg", "kejaksaan", "35.17", "operator", PW);
    // The day before voting day, in WIB.
    let app = TestApp::spawn_env(db, &[], &[("SINERGI_CLOCK", "2024-11-26T10:00:00+07:00"), ("SINERGI_SWEEP_SECS", "1")]);
    let kpu = app.login("kpu.mjk", PW);
    let polres = app.login("polres.mjk", PW);
    let pemkot = app.login("pemkot.mjk", PW);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let kejari = app.login("kejari.jbg", PW);
    let u_polres = unit_id(&app, &kpu, "Polres Mojokerto Kota");
    let (s, m) = app.post("/api/v1/meetings", Some(&kpu), &json!({"title": "Rakor", "kind": "rakor", "region": "35.76", "host_unit": "KPU Kota Mojokerto", "starts_at": "2024-11-01T09:00:00+07:00", "place": "KPU", "invited_units": [u_polres]}));
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_i64().expect("id");
    let (s, a) = app.post(&format!("/api/v1/meetings/{id}/actions"), Some(&kpu), &json!({"decision": "Pengamanan", "owner_unit": u_polres, "due": "2024-11-25", "description": "Pasang posko"}));
    assert_eq!((s, a["status"].as_str()), (201, Some("terlambat")));
    let (s, _) = app.post("/api/v1/budget/grants", Some(&pemkot), &json!({"grantor_region": "35.76", "recipient_unit": "Bawaslu Kota Mojokerto", "amount": 500_000, "signed_on": "2023-11-10"}));
    assert_eq!(s, 201);

    let alerts = |token: &str| -> Vec<(String, String)> {
        app.get("/api/v1/alerts", Some(token)).1["items"].as_array().map_or(vec![], |v| v.iter().map(|a| (a["kind"].as_str().unwrap_or("").to_string(), a["message"].as_str().unwrap_or("").to_string())).collect())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while alerts(&polres).iter().filter(|(k, _)| k == "tindak_lanjut_terlambat" || k == "tahapan_besok").count() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    std::thread::sleep(std::time::Duration::from_millis(2500)); // more sweeps: none may repeat
    let p = alerts(&polres);
    assert_eq!(p.iter().filter(|(k, _)| k == "tindak_lanjut_terlambat").count(), 1, "{p:?}");
    assert!(p.iter().any(|(k, m)| k == "tindak_lanjut_terlambat" && m.contains("Pasang posko")));
    let voting: Vec<&(String, String)> = p.iter().filter(|(k, m)| k == "tahapan_besok" && m.contains("Pemungutan suara")).collect();
    assert_eq!(voting.len(), 1, "voting day starts tomorrow, once: {p:?}");
    assert!(!p.iter().any(|(k, m)| k == "tahapan_besok" && m.contains("Masa tenang")), "a stage already running is not announced");
    // The broadcast reaches a regency unit of another regency too; the tranche alert only the recipient's region.
    let k = alerts(&kejari);
    assert!(k.iter().any(|(kind, m)| kind == "tahapan_besok" && m.contains("Pemungutan suara")), "{k:?}");
    assert!(!k.iter().any(|(kind, _)| kind == "hibah_terlambat"));
    // Both tranches fell due unpaid (30 Nov 2023 and 27 Jun 2024): the recipient and the Pemda
    // hear of each, once.
    for token in [&bawaslu, &pemkot] {
        let b = alerts(token);
        let late: Vec<&(String, String)> = b.iter().filter(|(kind, _)| kind == "hibah_terlambat").collect();
        assert_eq!(late.len(), 2, "{b:?}");
        assert!(late.iter().any(|(_, m)| m.contains("Tahap 1") && m.contains("Rp 200.000")) && late.iter().any(|(_, m)| m.contains("Tahap 2") && m.contains("Rp 300.000")));
    }
    assert!(!alerts(&polres).iter().any(|(kind, _)| kind == "hibah_terlambat"));
    // Acknowledging a broadcast works for each unit.
    let (_, list) = app.get("/api/v1/alerts", Some(&kejari));
    let bid = list["items"].as_array().expect("items").iter().find(|a| a["kind"] == "tahapan_besok").and_then(|a| a["id"].as_i64()).expect("broadcast id");
    let (s, v) = app.post(&format!("/api/v1/alerts/{bid}/ack"), Some(&kejari), &json!({}));
    assert!(s == 200 || s == 204, "{s} {v}");
}

/// What officials see of a meeting, its minutes, the stages and the budget: kinds, states and
/// stages by their names, days as "27 November 2024", and the unit that changed something —
/// never a key, an ISO date or another official's username.
fn users_see_names_states_and_dates_not_keys_or_usernames(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let (kpu, polres, bawaslu) = (app.login("kpu.mjk", PW), app.login("polres.mjk", PW), app.login("bawaslu.mjk", PW));
    let (u_polres, u_bawaslu) = (unit_id(&app, &kpu, "Polres Mojokerto Kota"), unit_id(&app, &kpu, "Bawaslu Kota Mojokerto"));
    let meeting = json!({
        "title": "FGD pengamanan TPS", "kind": "fgd", "region": "35.76", "host_unit": "KPU Kota Mojokerto",
        "starts_at": "2024-11-20T19:00:00+07:00", "place": "Aula KPU", "invited_units": [u_polres, u_bawaslu]
    });
    let (s, m) = app.post("/api/v1/meetings", Some(&kpu), &meeting);
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["region_name"], "Kota Mojokerto");
    let id = m["id"].as_i64().expect("id");
    let path = format!("/api/v1/meetings/{id}");
    assert_eq!(app.put(&format!("{path}/attendance"), Some(&kpu), &json!({"unit": u_bawaslu, "attendance": "tidak_hadir"})).0, 200);
    let (s, a) = app.post(&format!("{path}/actions"), Some(&kpu), &json!({"decision": "Patroli bersama", "owner_unit": u_polres, "due": "2099-01-31", "description": "Patroli malam"}));
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["updated_by"], "KPU Kota Mojokerto");
    let (s, a) = app.patch(&format!("/api/v1/actions/{}", a["id"]), Some(&polres), &json!({"status": "berjalan", "evidence": "Sprin 12"}));
    assert_eq!((s, a["updated_by"].as_str()), (200, Some("Polres Mojokerto Kota")), "{a}");
    for answer in [app.get(&path, Some(&kpu)).1, app.get(&format!("/api/v1/actions?meeting={id}"), Some(&kpu)).1] {
        let text = answer.to_string();
        assert!(text.contains("Polres Mojokerto Kota") && !text.contains("polres.mjk") && !text.contains("kpu.mjk"), "{text}");
    }

    // The pages, seen by the host: the kind by name, times and days in words, the unit that moved the item.
    let cookie = format!("sinergi_session={kpu}");
    let (s, _, page) = app.get_text("/rapat", Some(&cookie));
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("Diskusi kelompok terpumpun (FGD)") && page.contains("20 November 2024 19.00 WIB"), "{page}");
    assert!(!page.contains(">fgd<"), "no kind key: {page}");
    let (s, _, page) = app.get_text(&format!("/rapat/{id}"), Some(&cookie));
    assert_eq!(s, 200, "{page}");
    assert!(page.contains(r#"<b id="kind">Diskusi kelompok terpumpun (FGD)</b>"#), "the kind by name: {page}");
    assert!(page.contains("31 Januari 2099") && !page.contains("2099-01-31"), "the due day in words: {page}");
    assert!(page.contains(r#"<td class="opt updated-by">Polres Mojokerto Kota</td>"#), "who moved it, by unit: {page}");
    assert!(!page.contains("polres.mjk"), "another official's username is never shown: {page}");
    let (_, _, page) = app.get_text(&format!("/rapat/{id}"), Some(&format!("{cookie}; lang=en")));
    assert!(page.contains("Focus group discussion (FGD)") && page.contains("31 January 2099") && page.contains("In progress"), "{page}");
    let (_, _, page) = app.get_text("/rapat/baru", Some(&cookie));
    assert!(page.contains(r#"<option value="sosialisasi">Sosialisasi</option>"#) && page.contains("Rapat koordinasi"), "kinds to choose by name: {page}");

    // The minutes PDF: the kind, the region, attendance and the action's state by name, the day in words.
    let pdf = app.get_bytes(&format!("{path}/notulen.pdf"), &bawaslu);
    // PDF strings escape their parentheses.
    let text = String::from_utf8_lossy(&pdf).replace("\\(", "(").replace("\\)", ")");
    for want in ["Diskusi kelompok terpumpun (FGD)", "Kota Mojokerto", "Bawaslu Kota Mojokerto: Tidak hadir", "tenggat 31 Januari 2099, Berjalan"] {
        assert!(text.contains(want), "minutes PDF without {want:?}");
    }
    for key in ["fgd ", "tidak_hadir", "tidak hadir", "2099-01-31", "berjalan)", "polres.mjk", "kpu.mjk"] {
        assert!(!text.contains(key), "minutes PDF shows {key:?}");
    }

    // The stage timeline: days as officials write them.
    let (s, _, page) = app.get_text("/tahapan?pemilu=pilkada-2024&wilayah=35.76", None);
    assert_eq!(s, 200);
    assert!(page.contains("27 November 2024") && !page.contains("2024-11-27"), "{page}");

    // The budget: the stage a line serves by its name, on the page and in the spreadsheet.
    let line = json!({"program": "Pengawasan", "activity": "Patroli TPS", "region": "35.76", "unit": "Bawaslu Kota Mojokerto", "amount": 5_000_000, "stage": "pemungutan_suara"});
    assert_eq!(app.post("/api/v1/budget/lines", Some(&bawaslu), &line).0, 201);
    let (s, _, page) = app.get_text("/anggaran?wilayah=35.76", Some(&format!("sinergi_session={bawaslu}")));
    assert_eq!(s, 200, "{page}");
    assert!(page.contains(r#"<td class="opt stage">Pemungutan suara</td>"#) && !page.contains("pemungutan_suara"), "{page}");
    let csv = String::from_utf8(app.get_bytes("/api/v1/budget/export?region=35.76&format=csv", &bawaslu)).expect("utf-8");
    let rows = common::sheet_rows(&csv);
    assert_eq!(common::cell(&rows, 1, "tahapan_atau_jatuh_tempo"), "Pemungutan suara", "{rows:?}");
    assert!(!csv.contains("pemungutan_suara") && !csv.contains("bawaslu.mjk"), "{csv}");
}

/// The decision an action item carries out is a decision's id or its text; anything else is
/// refused naming `decision`, in the asker's language.
fn the_decision_is_an_id_or_a_text(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let kpu = app.login("kpu.mjk", PW);
    let u_polres = unit_id(&app, &kpu, "Polres Mojokerto Kota");
    let meeting = json!({"title": "Rakor", "kind": "rakor", "region": "35.76", "host_unit": "KPU Kota Mojokerto", "starts_at": "2024-10-14T09:00:00+07:00", "place": "Aula", "invited_units": [u_polres]});
    let (s, m) = app.post("/api/v1/meetings", Some(&kpu), &meeting);
    assert_eq!(s, 201, "{m}");
    let actions = format!("/api/v1/meetings/{}/actions", m["id"]);
    let action = |decision: Value| json!({"decision": decision, "owner_unit": u_polres, "due": "2099-01-31", "description": "Patroli"});
    let (s, by_text) = app.post(&actions, Some(&kpu), &action(json!("Patroli bersama")));
    assert_eq!(s, 201, "{by_text}");
    let (s, by_id) = app.post(&actions, Some(&kpu), &action(by_text["decision_id"].clone()));
    assert_eq!((s, by_id["decision"].as_str()), (201, Some("Patroli bersama")), "{by_id}");
    for (bad, id_message, en_message) in [
        (json!({"id": 1}), "kesepakatan berupa nomornya atau teksnya", "decision is a decision id or its text"),
        (json!(true), "kesepakatan berupa nomornya atau teksnya", "decision is a decision id or its text"),
        (json!([1]), "kesepakatan berupa nomornya atau teksnya", "decision is a decision id or its text"),
        (json!(null), "kesepakatan berupa nomornya atau teksnya", "decision is a decision id or its text"),
        (json!(1.5), "nomor kesepakatan harus bilangan bulat", "a decision id is a whole number"),
        (json!(""), "decision wajib diisi", "decision is required"),
    ] {
        let body = action(bad.clone()).to_string();
        let (s, v, _) = app.post_raw(&actions, Some(&kpu), &[], &body);
        assert_eq!((s, error_of(&v).1.as_deref(), v["error"]["message"].as_str()), (422, Some("decision"), Some(id_message)), "{bad}: {v}");
        let (s, v, _) = app.post_raw(&actions, Some(&kpu), &[("Accept-Language", "en")], &body);
        assert_eq!((s, v["error"]["message"].as_str()), (422, Some(en_message)), "{bad}: {v}");
    }
    let (s, v) = app.post(&actions, Some(&kpu), &action(json!("a\u{0}b")));
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("decision")), "text is checked like every text: {v}");
    let (_, v) = app.get(&format!("/api/v1/meetings/{}", m["id"]), Some(&kpu));
    assert_eq!(v["decisions"].as_array().map(Vec::len), Some(1), "nothing stored by the refusals");
}

on_both_engines!(
    stages_follow_the_local_calendar,
    meetings_turn_decisions_into_owned_actions,
    budget_and_grants_in_exact_rupiah,
    refused_budget_forms_come_back_with_what_was_typed,
    refused_meeting_forms_come_back_with_what_was_typed,
    alerts_for_late_actions_tranches_and_tomorrows_stage,
    users_see_names_states_and_dates_not_keys_or_usernames,
    the_decision_is_an_id_or_a_text
);
