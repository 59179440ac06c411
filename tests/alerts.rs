//! Alerts as people read them: each links to what it is about, speaks Indonesian (kind and
//! severity by name, the place by name, the time in the region's zone), stays one alert per
//! thing as the thing changes, and is counted in the page header until the unit reads it —
//! on SQLite and on PostgreSQL.

mod common;

use common::{TestApp, TestDb, Value, add_user, json};

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008"; // Balongsari, Kota Mojokerto

fn users(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    add_user(db, "polres.mjk", "polri", "35.76", "operator", PW);
    add_user(db, "kejari.mjk", "kejaksaan", "35.76", "operator", PW);
    add_user(db, "polres.jbg", "polri", "35.17", "operator", PW);
}

/// A citizen's report in Balongsari, taken by Bawaslu to Sentra Gakkumdu; returns its id.
pub fn report_to_gakkumdu(app: &TestApp, bawaslu: &str) -> i64 {
    common::citizen_report(app, VILLAGE);
    let (_, list) = app.get("/api/v1/reports", Some(bawaslu));
    let id = list["items"].as_array().and_then(|a| a.iter().filter_map(|i| i["id"].as_i64()).max()).expect("the report");
    for (to, why) in [("kajian_awal", ""), ("diregistrasi", "Bukti foto diserahkan langsung di kantor"), ("pidana", "Unsur politik uang terpenuhi")] {
        let (s, v) = app.post(&format!("/api/v1/reports/{id}/transitions"), Some(bawaslu), &json!({"to": to, "reason": why}));
        assert_eq!(s, 200, "move to {to}: {v}");
    }
    id
}

fn gakkumdu_alerts(app: &TestApp, token: &str, report: i64) -> Vec<Value> {
    let (s, v) = app.get("/api/v1/alerts", Some(token));
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().cloned().unwrap_or_default().into_iter().filter(|a| a["kind"] == "gakkumdu" && a["entity_id"].as_str() == Some(report.to_string().as_str())).collect()
}

fn one_alert_per_thing_linked_and_in_words(db: &TestDb) {
    users(db);
    let app = TestApp::spawn(db);
    let (bawaslu, polres, kejari) = (app.login("bawaslu.mjk", PW), app.login("polres.mjk", PW), app.login("kejari.mjk", PW));
    let id = report_to_gakkumdu(&app, &bawaslu);

    let first = gakkumdu_alerts(&app, &polres, id);
    assert_eq!(first.len(), 1, "{first:?}");
    let a = &first[0];
    assert_eq!(a["link"], format!("/laporan/{id}"), "links to the case");
    assert_eq!(a["kind_label"], "Perkara di Sentra Gakkumdu");
    assert_eq!(a["severity_label"], "Peringatan");
    assert_eq!(a["revision"], 1);
    assert!(a["place"].as_str().is_some_and(|p| p.starts_with("Balongsari")), "{a}");
    let time = a["time"].as_str().unwrap_or("");
    assert!(time.ends_with(" WIB") && !time.contains('T') && !time.contains('Z') && time.contains('.'), "local time in words: {time}");
    let alert = a["id"].as_i64().expect("id");
    let (s, _, _) = app.post_raw(&format!("/api/v1/alerts/{alert}/ack"), Some(&polres), &[], "");
    assert_eq!(s, 204);

    // The case moves on and comes back to the police: the same alert, changed, unread again.
    for (who, to) in [(&polres, "penyidikan"), (&polres, "penuntutan"), (&kejari, "berkas_dikembalikan")] {
        let (s, v) = app.post(&format!("/api/v1/reports/{id}/transitions"), Some(who), &json!({"to": to, "reason": "Keterangan saksi belum lengkap"}));
        assert_eq!(s, 200, "move to {to}: {v}");
    }
    let now = gakkumdu_alerts(&app, &polres, id);
    assert_eq!(now.len(), 1, "one alert per thing, not a second one: {now:?}");
    assert_eq!(now[0]["id"], alert, "the same alert");
    assert_eq!(now[0]["revision"], 2);
    assert!(now[0]["message"].as_str().is_some_and(|m| m.contains("dikembalikan")), "{}", now[0]);
    assert!(now[0]["acknowledged_at"].is_null(), "a changed alert is read again");
    assert!(now[0]["updated_at"].is_string());
    let (s, en) = app.call("GET", "/api/v1/alerts", Some(&polres), &[("Accept-Language", "en")], None);
    assert_eq!(s, 200);
    let en = en["items"].as_array().and_then(|a| a.iter().find(|x| x["id"] == alert).cloned()).expect("in English too");
    assert_eq!(en["severity_label"], "Warning");
    assert_eq!(en["kind_label"], "Case in Sentra Gakkumdu");

    // Another regency's police never see it.
    let jbg = app.login("polres.jbg", PW);
    assert!(gakkumdu_alerts(&app, &jbg, id).is_empty());

    // The page: linked, in words, and the header counts what the unit has not read.
    let cookie = format!("sinergi_session={polres}");
    let unread = app.get("/api/v1/alerts?unacknowledged=true", Some(&polres)).1["items"].as_array().map_or(0, Vec::len);
    assert!(unread >= 1);
    let (s, _, page) = app.get_text("/peringatan", Some(&cookie));
    assert_eq!(s, 200);
    assert!(page.contains(&format!("href=\"/laporan/{id}\"")), "the alert links to its case");
    assert!(page.contains("Perkara di Sentra Gakkumdu") && page.contains("Peringatan") && page.contains("diperbarui"), "{page}");
    assert!(page.contains("Balongsari (35.76.02.1008)") && page.contains(" WIB"), "place by name, local time");
    assert!(!page.contains("Z<") && !page.contains(":00Z") && !page.contains(">warning<"), "no raw UTC or English severity");
    let count = |page: &str| page.split("id=\"alerts-count\"").nth(1).and_then(|r| r.split('>').nth(1)).and_then(|r| r.split('<').next()).map(str::to_string);
    assert_eq!(count(&page), Some(unread.to_string()), "the header counts the unit's unread alerts");
    let (_, _, elsewhere) = app.get_text("/tahapan", Some(&cookie));
    assert_eq!(count(&elsewhere), Some(unread.to_string()), "on every page");
    for a in app.get("/api/v1/alerts?unacknowledged=true", Some(&polres)).1["items"].as_array().cloned().unwrap_or_default() {
        app.post_raw(&format!("/api/v1/alerts/{}/ack", a["id"]), Some(&polres), &[], "");
    }
    let (_, _, page) = app.get_text("/peringatan", Some(&cookie));
    assert_eq!(count(&page), None, "nothing unread, no count");
}

on_both_engines!(one_alert_per_thing_linked_and_in_words);
