//! The C.Hasil in the field app, server side, on SQLite and PostgreSQL: the contests of a TPS
//! with this officer's progress, the form laid out as the paper for the officer's source, a
//! refusal in Indonesian outside their area, and the body the page's fields make (built here
//! from the served page, as the field app builds it) accepted by `PUT …/results`.

mod common;

use common::{TestApp, TestDb, add_user, cli, stderr};
use serde_json::{Value, json};

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008";

/// The inputs of a page's field form: (name, type attribute or data-type, value).
fn inputs(page: &str) -> Vec<(String, String, String)> {
    let attr = |tag: &str, name: &str| tag.split(&format!(" {name}=\"")).nth(1).and_then(|r| r.split('"').next()).map(str::to_string);
    page.split("<input").skip(1).filter_map(|rest| {
        let tag = rest.split('>').next()?;
        let name = attr(tag, "name")?;
        let kind = attr(tag, "data-type").or_else(|| attr(tag, "type")).unwrap_or_default();
        Some((name, kind, attr(tag, "value").unwrap_or_default()))
    }).collect()
}

/// The JSON body the field app makes of the form: every named field by its dot path, numbers
/// for `data-type="int"`, hidden fields as they are.
fn body_of(page: &str, numbers: &dyn Fn(&str) -> Option<i64>) -> Value {
    let mut body = json!({});
    for (name, kind, value) in inputs(page) {
        let v = match kind.as_str() {
            "int" => match numbers(&name) {
                Some(n) => json!(n),
                None => continue,
            },
            "hidden" => json!(value),
            _ => continue,
        };
        let mut o = &mut body;
        // `[01]` is the object key "01" (a candidate's ballot number), as the field app reads it.
        let parts: Vec<&str> = name.split('.').map(|k| k.strip_prefix('[').and_then(|k| k.strip_suffix(']')).unwrap_or(k)).collect();
        for k in &parts[..parts.len() - 1] {
            if o.get(*k).is_none() {
                o[*k] = json!({});
            }
            o = &mut o[*k];
        }
        o[parts[parts.len() - 1]] = v;
    }
    body
}

/// A Pilkada C.Hasil that adds up, every Jumlah written: DPT 250, 3 more voters, 202 voted.
fn legal(name: &str) -> Option<i64> {
    let lp = |l: i64, p: i64, part: &str| match part {
        "l" => Some(l),
        "p" => Some(p),
        _ => Some(l + p),
    };
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["voters", "dpt", x] => lp(120, 130, x),
        ["voters", "dpph", x] | ["users", "dpph", x] => lp(1, 0, x),
        ["voters", "dptb", x] | ["users", "dptb", x] => lp(2, 0, x),
        ["voters", "jumlah", x] => lp(123, 130, x),
        ["users", "dpt", x] => lp(100, 99, x),
        ["users", "jumlah", x] => lp(103, 99, x),
        ["disabled", "voters"] => Some(2),
        ["disabled", "users"] => Some(1),
        ["ballots", "received"] => Some(257),
        ["ballots", "used"] => Some(202),
        ["ballots", "spoiled"] => Some(1),
        ["ballots", "unused"] => Some(54),
        ["votes", "[01]"] => Some(119),
        ["votes", "[02]"] => Some(1),
        ["valid"] => Some(120),
        ["invalid"] => Some(82),
        _ => panic!("the page has a number the paper form does not: {name}"),
    }
}

fn setup(db: &TestDb) -> TestApp {
    let mut csv = String::from("code,address,dpt,lat,lon\n");
    for i in 1..=3 {
        csv.push_str(&format!("{VILLAGE}.{i:03},Jl. Contoh,250,,\n"));
    }
    let file = db.dir().join("tps.csv");
    std::fs::write(&file, csv).expect("write tps");
    let o = cli(db, &["import", "tps", "--election", "pilkada-2024", file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    add_user(db, "pps.a", "kpu", VILLAGE, "operator", PW);
    add_user(db, "pps.b", "kpu", VILLAGE, "operator", PW);
    add_user(db, "ptps", "bawaslu", VILLAGE, "operator", PW);
    add_user(db, "kpu.jbg", "kpu", "35.17", "operator", PW);
    add_user(db, "polres", "polri", "35.76", "viewer", PW);
    add_user(db, "kpu.jatim", "kpu", "35", "supervisor", PW);
    let app = TestApp::spawn(db);
    let jatim = app.login("kpu.jatim", PW);
    let list = json!({"candidates": [{"number": 1, "name": "Pasangan Satu"}, {"number": 2, "name": "Pasangan Dua"}]});
    assert_eq!(app.put("/api/v1/elections/pilkada-2024/candidates/35/gubernur", Some(&jatim), &list).0, 200);
    assert_eq!(app.put("/api/v1/elections/pilkada-2024/candidates/35.76/walikota", Some(&jatim), &json!({"candidates": [{"number": 1, "name": "Wali Satu"}]})).0, 200);
    app
}

fn cookie(token: &str) -> String {
    format!("sinergi_session={token}")
}

fn the_field_form_is_the_api_entry(db: &TestDb) {
    let app = setup(db);
    let tps = format!("{VILLAGE}.001");
    let pps = app.login("pps.a", PW);

    // The TPS's contests in the election that has it (as the home links it), none sent yet.
    let (s, _, page) = app.get_text(&format!("/lapangan/hasil/{tps}"), Some(&cookie(&pps)));
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("TPS 001 ") && page.contains("KPU (KPPS/PPS)"), "{page}");
    for k in ["gubernur", "walikota"] {
        assert!(page.contains(&format!("href=\"/lapangan/hasil/{tps}/{k}?pemilu=pilkada-2024\"")), "{k}: {page}");
    }
    assert_eq!(page.matches("data-state=\"belum\"").count(), 2, "{page}");
    assert!(page.contains("belum dikirim") && page.contains("Pilkada") && !page.contains("Pemilu 2024"), "only the election whose register has the TPS: {page}");
    assert!(page.contains("href=\"/api/v1/elections/pilkada-2024/form-rules\"") && page.contains("href=\"/lapangan/chasil.js\""), "kept for use offline: {page}");

    // The form, laid out as the paper: the Pilkada categories in order, the candidates by
    // number and name, the KPU source, the photo input; the live checker and its table.
    let form_url = format!("/lapangan/hasil/{tps}/gubernur?pemilu=pilkada-2024");
    let (s, _, page) = app.get_text(&form_url, Some(&cookie(&pps)));
    assert_eq!(s, 200, "{page}");
    assert!(page.contains(&format!("data-api=\"/api/v1/elections/pilkada-2024/results/{tps}/gubernur\"")) && page.contains("data-method=\"PUT\""), "{page}");
    assert!(page.contains("name=\"source\" value=\"kpu\""), "{page}");
    let order: Vec<usize> = ["Pemilih dalam DPT", "Pemilih pindahan (DPPh)", "Pemilih tambahan dengan KTP-el (DPTb)", "Pengguna hak pilih", "Pemilih disabilitas", "Surat suara yang diterima", "Pasangan Satu", "Pasangan Dua", "Jumlah suara sah", "Jumlah suara tidak sah"]
        .iter()
        .map(|s| page.find(s).unwrap_or_else(|| panic!("{s} on the page: {page}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "the paper's order: {order:?}");
    assert!(page.contains("data-photo=\"photos\"") && page.contains("capture=\"environment\""), "{page}");
    assert!(page.contains("src=\"/lapangan/chasil.js\"") && page.contains("data-src=\"/api/v1/elections/pilkada-2024/form-rules\""), "{page}");
    assert!(!page.contains("<script>") && !page.contains("onclick"), "no inline script under the CSP");
    let (s, _, js) = app.get_text("/lapangan/chasil.js", None);
    assert!(s == 200 && js.contains("window.Lapangan.check"), "the checker is served");

    // The body the page's fields make is the API's entry, accepted as it is.
    let body = body_of(&page, &legal);
    assert_eq!(body["source"], "kpu");
    assert_eq!(body["users"]["dpph"], json!({"l": 1, "p": 0, "total": 1}), "{body}");
    assert_eq!(body["votes"], json!({"01": 119, "02": 1}), "ballot numbers are keys: {body}");
    let api = format!("/api/v1/elections/pilkada-2024/results/{tps}/gubernur");
    let (s, v) = app.put(&api, Some(&pps), &body);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "menunggu_entri_kedua");
    let pps_b = app.login("pps.b", PW);
    let (_, _, page_b) = app.get_text(&form_url, Some(&cookie(&pps_b)));
    let (s, v) = app.put(&api, Some(&pps_b), &body_of(&page_b, &legal));
    assert_eq!((s, v["status"].as_str()), (200, Some("sah")), "two KPU entries agree: {v}");
    // Left empty, the optional Jumlah cells are simply not sent, and the entry still stands.
    let tps3 = format!("{VILLAGE}.003");
    let (_, _, page3) = app.get_text(&format!("/lapangan/hasil/{tps3}/gubernur?pemilu=pilkada-2024"), Some(&cookie(&pps_b)));
    let bare = body_of(&page3, &|n| if n.contains("jumlah") || n.ends_with(".total") { None } else { legal(n) });
    assert!(bare["users"].get("jumlah").is_none() && bare["voters"]["dpt"].get("total").is_none(), "{bare}");
    let (s, v) = app.put(&format!("/api/v1/elections/pilkada-2024/results/{tps3}/gubernur"), Some(&pps_b), &bare);
    assert_eq!((s, v["status"].as_str()), (200, Some("menunggu_entri_kedua")), "{v}");

    // Progress per contest: accepted for gubernur, not sent for walikota.
    let (_, _, page) = app.get_text(&format!("/lapangan/hasil/{tps}?pemilu=pilkada-2024"), Some(&cookie(&pps)));
    assert!(page.contains("data-contest=\"gubernur\" data-state=\"diterima\"") && page.contains("data-contest=\"walikota\" data-state=\"belum\""), "{page}");
    let tps2 = format!("{VILLAGE}.002");
    let (_, _, page2) = app.get_text(&format!("/lapangan/hasil/{tps2}/gubernur?pemilu=pilkada-2024"), Some(&cookie(&pps)));
    assert_eq!(app.put(&format!("/api/v1/elections/pilkada-2024/results/{tps2}/gubernur"), Some(&pps), &body_of(&page2, &legal)).0, 200);
    let (_, _, page) = app.get_text(&format!("/lapangan/hasil/{tps2}?pemilu=pilkada-2024"), Some(&cookie(&pps)));
    assert!(page.contains("data-contest=\"gubernur\" data-state=\"terkirim\"") && page.contains("menunggu entri kedua"), "{page}");

    // Bawaslu's PTPS enters Bawaslu's copy; a witness and the public theirs.
    let ptps = app.login("ptps", PW);
    let (_, _, page) = app.get_text(&form_url, Some(&cookie(&ptps)));
    assert!(page.contains("name=\"source\" value=\"bawaslu\"") && page.contains("Bawaslu (PTPS)"), "{page}");
    assert_eq!(app.put(&api, Some(&ptps), &body_of(&page, &legal)).0, 200);
    let (_, _, page) = app.get_text(&format!("/lapangan/hasil/{tps}?pemilu=pilkada-2024"), Some(&cookie(&ptps)));
    assert!(page.contains("data-contest=\"gubernur\" data-state=\"diterima\""), "{page}");
    let polres = app.login("polres", PW);
    let (_, _, page) = app.get_text(&form_url, Some(&cookie(&polres)));
    assert!(page.contains("name=\"source\" value=\"saksi\""), "{page}");
    let (s, _, page) = app.get_text(&form_url, None);
    assert!(s == 200 && page.contains("name=\"source\" value=\"publik\""), "{page}");
    assert_eq!(app.put(&api, None, &body_of(&page, &legal)).0, 200);

    // Outside the officer's area: refused, in Indonesian, naming the TPS and the unit.
    let jbg = app.login("kpu.jbg", PW);
    for url in [format!("/lapangan/hasil/{tps}?pemilu=pilkada-2024"), form_url.clone()] {
        let (s, _, page) = app.get_text(&url, Some(&cookie(&jbg)));
        assert_eq!(s, 403, "{url}: {page}");
        assert!(page.contains("di luar wilayah kerja") && !page.contains("data-api="), "{url}: {page}");
    }
    // No such TPS, no such contest here.
    assert_eq!(app.get_text(&format!("/lapangan/hasil/{VILLAGE}.099?pemilu=pilkada-2024"), Some(&cookie(&pps))).0, 404);
    assert_eq!(app.get_text(&format!("/lapangan/hasil/{tps}/bupati?pemilu=pilkada-2024"), Some(&cookie(&pps))).0, 404);
    let (s, _, page) = app.get_text(&format!("/lapangan/hasil/{tps}/presiden?pemilu=pilkada-2024"), Some(&cookie(&pps)));
    assert_eq!(s, 404, "{page}");
}

on_both_engines!(the_field_form_is_the_api_entry);
