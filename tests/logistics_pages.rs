//! Logistics pages over HTTP on the demo: requirements and stock, the shipment board, a
//! shipment's co-sign button for the right agency, readiness, CSV downloads.

mod common;

use common::{TestApp, TestDb};

fn cookie_for(app: &TestApp, username: &str) -> String {
    format!("sinergi_session={}", app.login(username, "sinergi-demo"))
}

#[test]
fn logistics_pages_on_the_demo() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_env(&db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-25T10:00:00+07:00")]);
    let kpu = cookie_for(&app, "kpu.kotamojokerto");

    let (s, _, html) = app.get_text("/logistik?pemilu=pilkada-2024&wilayah=35.76", Some(&kpu));
    assert_eq!(s, 200);
    assert!(html.contains("Surat suara Gubernur dan Wakil Gubernur"), "catalogue names");
    assert!(html.contains("id=\"kebutuhan\""));
    let (_, ctype, csv) = app.get_text("/logistik?pemilu=pilkada-2024&wilayah=35.76&status=csv", Some(&kpu));
    assert!(ctype.starts_with("text/csv"));
    assert!(common::sheet_rows(&csv).iter().any(|r| r[0] == "surat_suara:gubernur"), "{csv}");

    let (s, _, board) = app.get_text("/logistik/pengiriman?pemilu=pilkada-2024&wilayah=35.76", Some(&kpu));
    assert_eq!(s, 200);
    for status in ["direncanakan", "dikirim", "menunggu_tanda_tangan_penerima", "diterima"] {
        assert!(board.contains(&format!("data-status=\"{status}\"")), "{status}");
    }
    assert!(board.contains("kurang, rusak"), "the short delivery to Magersari shows");
    let (_, _, csv) = app.get_text("/logistik/pengiriman?pemilu=pilkada-2024&wilayah=35.76&status=csv", Some(&kpu));
    let rows = common::sheet_rows(&csv);
    let ba2 = rows.iter().position(|r| r[0] == "BA-2").expect("BA-2");
    assert_eq!((common::cell(&rows, ba2, "kode_asal"), common::cell(&rows, ba2, "kode_tujuan")), ("35.76", "35.76.02"));
    assert_eq!((common::cell(&rows, ba2, "kepada"), common::cell(&rows, ba2, "status")), ("Magersari (35.76.02)", "Diterima"));
    assert!(common::cell(&rows, ba2, "diterima").contains(" November 2024 "), "{:?}", rows[ba2]);
    assert!(rows.iter().any(|r| r.iter().any(|c| c == "Diterima, menunggu tanda tangan penerima")), "TPS that counted their goods but have not signed for them: {csv}");

    // Shipment 3 (to Kranggan) is on the road: sender and escort signed, supervisor not yet.
    let bawaslu = cookie_for(&app, "bawaslu.kotamojokerto");
    let (_, _, page) = app.get_text("/logistik/pengiriman/3?pemilu=pilkada-2024", Some(&bawaslu));
    assert!(page.contains("data-role=\"supervisor\""), "Bawaslu may sign as supervisor");
    assert!(!page.contains("data-role=\"escort\"") && !page.contains("data-role=\"sender\""));
    assert!(!page.contains("data-role=\"receiver\""), "nobody receives before arrival");
    let (_, _, kodim) = app.get_text("/logistik/pengiriman/3?pemilu=pilkada-2024", Some(&cookie_for(&app, "kodim.kotamojokerto")));
    assert!(!kodim.contains("data-role="), "TNI signs nothing here");

    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).max_idle_connections(0).build().into();
    let resp = agent
        .post(&app.url("/logistik/pengiriman/3/tandatangan?pemilu=pilkada-2024"))
        .header("Cookie", &bawaslu)
        .header("Origin", &app.base)
        .content_type("application/x-www-form-urlencoded")
        .send("as=supervisor")
        .expect("sign");
    assert_eq!(resp.status().as_u16(), 303);
    let (_, _, page) = app.get_text("/logistik/pengiriman/3?pemilu=pilkada-2024", Some(&bawaslu));
    assert!(page.contains("Bawaslu Kota Mojokerto") && !page.contains("(bawaslu.kotamojokerto)"), "the signature is shown by unit, not account");
    assert!(!page.contains("data-role=\"supervisor\""), "signed once");
    let mut refused = agent
        .post(&app.url("/logistik/pengiriman/3/tandatangan?pemilu=pilkada-2024"))
        .header("Cookie", &cookie_for(&app, "kodim.kotamojokerto"))
        .header("Origin", &app.base)
        .content_type("application/x-www-form-urlencoded")
        .send("as=escort")
        .expect("sign");
    assert_eq!(refused.status().as_u16(), 403);
    let page = refused.body_mut().read_to_string().unwrap_or_default();
    assert!(page.contains("hanya Polri yang boleh"), "the refusal in Bahasa Indonesia names who may sign");
    // Not a dead end: the shipment page again, with the refused form as it was sent and the
    // reason inside it.
    assert!(page.contains("id=\"signatures\""), "the shipment page is shown again: {page}");
    let form = &page[page.find("id=\"sign-escort\"").expect("the refused form is shown again")..];
    let form = &form[..form.find("</form>").expect("end of form")];
    assert!(form.contains("name=\"as\" value=\"escort\""), "what was sent is kept: {form}");
    assert!(form.contains("role=\"alert\"") && form.contains("hanya Polri yang boleh"), "the reason beside the button: {form}");
    // Signing twice: 409, the same page, the reason in the supervisor's form.
    let mut again = agent
        .post(&app.url("/logistik/pengiriman/3/tandatangan?pemilu=pilkada-2024"))
        .header("Cookie", &bawaslu)
        .header("Origin", &app.base)
        .content_type("application/x-www-form-urlencoded")
        .send("as=supervisor")
        .expect("sign");
    assert_eq!(again.status().as_u16(), 409);
    let page = again.body_mut().read_to_string().unwrap_or_default();
    let form = &page[page.find("id=\"sign-supervisor\"").expect("the refused form is shown again")..];
    let form = &form[..form.find("</form>").expect("end of form")];
    assert!(form.contains("sudah menandatangani") && form.contains("value=\"supervisor\""), "{form}");

    // The short delivery's alert on the alerts page, acknowledged with its button.
    let polres = cookie_for(&app, "polres.kotamojokerto");
    let (s, _, alerts) = app.get_text("/peringatan", Some(&polres));
    assert_eq!(s, 200);
    assert!(alerts.contains("Pengiriman 2 dari Kota Mojokerto (35.76) ke Magersari (35.76.02): kurang, rusak"), "places by name: {alerts}");
    assert!(alerts.contains("Tandai sudah dibaca"));
    let resp = agent.post(&app.url("/peringatan/1/baca")).header("Cookie", &polres).header("Origin", &app.base).send_empty().expect("ack");
    assert_eq!(resp.status().as_u16(), 303);
    let (_, _, alerts) = app.get_text("/peringatan", Some(&polres));
    assert!(alerts.contains("dibaca 25 November 2024 "), "acknowledged for Polres: {alerts}");
    let (_, _, theirs) = app.get_text("/peringatan", Some(&bawaslu));
    assert!(theirs.contains("Tandai sudah dibaca"), "still open for Bawaslu");
    // Jombang's KPU has alerts of its own (a late action item of its demo meeting), none of Mojokerto.
    let (_, _, none) = app.get_text("/peringatan", Some(&cookie_for(&app, "kpu.jombang")));
    assert!(!none.contains("Mojokerto") && !none.contains("35.76"), "Jombang sees nothing of Mojokerto: {none}");

    // English on request.
    let (_, _, en) = app.get_text("/logistik/kesiapan?pemilu=pilkada-2024&wilayah=35.76.02.1008", Some(&format!("{kpu}; lang=en")));
    assert!(en.contains("TPS readiness") && en.contains("Partly supplied") && en.contains("Shipment board"), "{en}");

    let (s, _, ready) = app.get_text("/logistik/kesiapan?pemilu=pilkada-2024&wilayah=35.76.02.1008", Some(&kpu));
    assert_eq!(s, 200);
    assert!(ready.contains("id=\"ready\">3<"), "half of Balongsari's six TPS are ready");
    assert!(ready.contains("id=\"partial\">1<") && ready.contains("id=\"none\">2<"));
    assert!(ready.contains("TPS 004 Balongsari"));
    let (_, _, csv) = app.get_text("/logistik/kesiapan?pemilu=pilkada-2024&wilayah=35.76.02.1008&status=csv", Some(&kpu));
    assert!(csv.contains("35.76.02.1008.004"));
}

#[test]
fn vulnerability_pages_on_the_demo() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_with(&db, &["--demo"]);
    let polres = cookie_for(&app, "polres.kotamojokerto");
    let (s, _, html) = app.get_text("/kerawanan?pemilu=pilkada-2024&wilayah=35.76", Some(&polres));
    assert_eq!(s, 200);
    assert!(html.contains("<svg id=\"peta\""), "a map");
    assert!(["k1", "k2", "k3", "k4"].iter().any(|k| html.contains(&format!("<path class=\"{k}\""))), "districts with TPS rawan are coloured");
    assert!(html.contains("Riwayat kekerasan dan/atau intimidasi"), "the indicator table");
    let (s, _, plan) = app.get_text("/pengamanan?pemilu=pilkada-2024&wilayah=35.76", Some(&polres));
    assert_eq!(s, 200);
    assert!(plan.contains("data-shortfall=\"true\""), "Magersari falls short");
    assert!(plan.contains("Magersari"));
    let (s, _, _) = app.get_text("/kerawanan?pemilu=pilkada-2024&wilayah=35", None);
    assert_eq!(s, 200, "a whole province draws");
}
