//! The Koordinasi pages in a real browser (headless Chromium through ChromeDriver) on the demo
//! data, with the service's clock set to the day before voting day (26 Nov 2024, 10:00 WIB):
//! anyone reads the stage timeline of Kota Mojokerto with this week's stages highlighted and
//! subscribes to its calendar; KPU Kota Mojokerto opens its coordination meeting (attendance,
//! speakers, decisions with their action items, who still owes what, the minutes as PDF) and
//! sees what its own unit owes; Bawaslu Kota Mojokerto reads its budget with the chart of plan
//! against realisation and the late NPHD tranche. A second scenario has KPU Kota Mojokerto
//! schedule a meeting through the form (a refusal keeps what was typed) and record its
//! attendance, a speaker, the minutes and a decision with its action item; a guest sees the
//! meeting without the host's forms. Screenshots go to /tmp/sinergi-shots/.
//! Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;

use common::{TestApp, TestDb};
use serde_json::Value;
use webdriver::Browser;

const PASSWORD: &str = "sinergi-demo";
const SHOTS: &str = "/tmp/sinergi-shots";

fn api(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let (s, v) = app.get(path, token);
    assert_eq!(s, 200, "{path}: {v}");
    v
}

/// `Rp 1.439.050.000` → 1439050000.
fn rupiah(s: &str) -> i64 {
    s.trim().strip_prefix("Rp ").unwrap_or_else(|| panic!("{s:?} is not written as rupiah")).replace('.', "").parse().expect("rupiah")
}

/// The demo server (with extra environment) and a browser beside it; None without Chromium.
fn start(db: &TestDb, env: &[(&str, &str)]) -> Option<(TestApp, Browser)> {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return None;
    }
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_env(db, &["--demo"], env));
    let b = browser?;
    b.set_window_size(1280, 900);
    let _ = std::fs::create_dir_all(SHOTS);
    Some((app, b))
}

#[test]
fn stages_meetings_what_is_owed_and_the_budget_in_a_browser() {
    let db = TestDb::sqlite();
    let Some((app, b)) = start(&db, &[("SINERGI_CLOCK", "2024-11-26T10:00:00+07:00")]) else { return };
    let shots = Path::new(SHOTS);

    // Stages, without logging in, through the navigation.
    b.goto(&app.url("/wilayah"));
    b.click(&b.link("header", "Koordinasi"));
    b.wait_url(|u| u.contains("/tahapan"));
    b.goto(&app.url("/tahapan?pemilu=pilkada-2024&wilayah=35.76"));
    assert_eq!(b.text_of("#today"), "26 November 2024", "the day as officials write it");
    let stages = api(&app, "/api/v1/elections/pilkada-2024/stages?region=35.76", None);
    let rows = b.find_all("#stages tbody tr");
    assert_eq!(rows.len(), stages["items"].as_array().map_or(0, Vec::len), "one row per stage");
    let row = |key: &str| b.find(&format!("#stages tr[data-key='{key}']"));
    let attr = |key: &str, name: &str| b.attribute(&row(key), name);
    assert_eq!(attr("masa_tenang", "data-status").as_deref(), Some("berlangsung"));
    assert!(b.text(&row("masa_tenang")).contains("Berlangsung"));
    // This week is Monday 25 Nov to Sunday 1 Dec: masa tenang, voting day, the count and the
    // recap levels up to the province (30 Nov); the campaign ended on Saturday 23 Nov.
    for key in ["masa_tenang", "pemungutan_suara", "penghitungan_rekapitulasi", "rekapitulasi_ppk"] {
        assert_eq!(attr(key, "data-this-week").as_deref(), Some("1"), "{key} this week");
    }
    for key in ["kampanye", "penetapan_paslon"] {
        assert_eq!(attr(key, "data-this-week"), None, "{key} not this week");
    }
    let highlighted = b.execute("return getComputedStyle(document.querySelector(\"tr[data-key='masa_tenang'] td\")).backgroundColor", vec![]);
    let plain = b.execute("return getComputedStyle(document.querySelector(\"tr[data-key='kampanye'] td\")).backgroundColor", vec![]);
    assert_ne!(highlighted, plain, "this week's rows stand out");
    let ics = b.attribute(&b.find("#ics"), "href").expect("calendar link");
    let (s, ctype, body) = app.get_text(&ics.replace(&app.base, ""), None);
    assert!(s == 200 && ctype.starts_with("text/calendar") && body.contains("BEGIN:VEVENT"), "{s} {ctype}");
    b.screenshot(&shots.join("koordinasi-tahapan.png"));

    // The meeting of KPU Kota Mojokerto.
    b.login(&app.base, "kpu.kotamojokerto", PASSWORD);
    let token = app.login("kpu.kotamojokerto", PASSWORD);
    b.goto(&app.url("/rapat"));
    // The 14 October meeting (the eve's meetings are scheduled after it, so listed above it).
    let first = b.link("#meetings tbody", "Rapat koordinasi persiapan Pilkada Kota Mojokerto 2024 dengan Forkopimda");
    b.click(&first);
    b.wait_url(|u| u.contains("/rapat/"));
    let id: i64 = b.current_url().rsplit('/').next().and_then(|s| s.parse().ok()).expect("meeting id in the URL");
    let m = api(&app, &format!("/api/v1/meetings/{id}"), Some(&token));
    assert_eq!(b.text_of("#meeting-title"), m["title"].as_str().expect("title"));
    let kind = match m["kind"].as_str() {
        Some("rakor") => "Rapat koordinasi",
        Some("fgd") => "Diskusi kelompok terpumpun (FGD)",
        Some("sosialisasi") => "Sosialisasi",
        Some("konsolidasi") => "Konsolidasi",
        other => panic!("unknown kind {other:?}"),
    };
    assert_eq!(b.text_of("#kind"), kind, "the kind by name, not its key");
    let table = b.text(&b.find("table.actions"));
    assert!(!table.contains("2024-") && table.contains(" 2024"), "due days in words: {table}");
    assert_eq!(b.find_all("#attendance tbody tr").len(), m["invited"].as_array().map_or(0, Vec::len));
    let absent = b.find_all("#attendance tr[data-attendance='tidak_hadir']");
    assert_eq!(absent.len(), m["invited"].as_array().expect("invited").iter().filter(|i| i["attendance"] == "tidak_hadir").count());
    assert_eq!(b.find_all("#speakers tr").len(), 4, "Kejari, Polres, Kodim and Bawaslu spoke");
    assert_eq!(b.find_all("#decisions li").len(), m["decisions"].as_array().map_or(0, Vec::len));
    let actions: Vec<Value> = m["decisions"].as_array().expect("decisions").iter().flat_map(|d| d["actions"].as_array().cloned().unwrap_or_default()).collect();
    for a in &actions {
        let tr = b.find(&format!("table.actions tr[data-id='{}']", a["id"]));
        assert_eq!(b.attribute(&tr, "data-status").as_deref(), a["status"].as_str());
    }
    let statuses: Vec<&str> = actions.iter().filter_map(|a| a["status"].as_str()).collect();
    assert!(statuses.contains(&"selesai") && statuses.contains(&"berjalan") && statuses.contains(&"terlambat") && statuses.contains(&"terbuka"), "every state in the demo meeting: {statuses:?}");
    assert_eq!(b.find_all("#owing tbody tr").len(), m["owing"].as_array().map_or(0, Vec::len));
    let pdf = b.attribute(&b.find("#notulen"), "href").expect("minutes link");
    assert!(app.get_bytes(&pdf.replace(&app.base, ""), &token).starts_with(b"%PDF-"));
    b.screenshot(&shots.join("koordinasi-rapat.png"));

    // What KPU Kota Mojokerto still owes, across meetings.
    b.goto(&app.url("/tindak-lanjut"));
    let me = api(&app, "/api/v1/me", Some(&token));
    let unit = me["unit"]["id"].as_i64().expect("unit id");
    let owed = api(&app, &format!("/api/v1/actions?owner_unit={unit}&open=true"), Some(&token));
    let late = api(&app, &format!("/api/v1/actions?owner_unit={unit}&overdue=true"), Some(&token));
    assert_eq!(b.text_of("#owed-count"), owed["items"].as_array().map_or(0, Vec::len).to_string());
    assert_eq!(b.text_of("#late-count"), late["items"].as_array().map_or(0, Vec::len).to_string());
    assert!(!late["items"].as_array().expect("items").is_empty(), "the demo has a late item of KPU Kota Mojokerto");
    // The owner finishes the late item from this page, with its evidence.
    let item = late["items"][0]["id"].as_i64().expect("id");
    let row = format!("table.actions tr[data-id='{item}']");
    b.execute(&format!("document.querySelector(\"{row} select[name=status]\").value = 'selesai'"), vec![]);
    let evidence = b.find(&format!("{row} input[name=evidence]"));
    b.send_keys(&evidence, "Daftar kontak dikirim, surat 12/PL.02/2024");
    b.click(&b.find(&format!("{row} button")));
    b.wait_for("the late count to drop", || (b.text_of("#late-count") == (late["items"].as_array().map_or(0, Vec::len) - 1).to_string()).then_some(()));
    assert!(b.find_all(&row).is_empty(), "a finished item leaves what the unit owes");
    let done = api(&app, &format!("/api/v1/actions?meeting={}", late["items"][0]["meeting_id"]), Some(&token));
    let done = done["items"].as_array().expect("items").iter().find(|a| a["id"] == item).expect("the item").clone();
    assert_eq!((done["status"].as_str(), done["evidence"].as_str(), done["updated_by"].as_str()), (Some("selesai"), Some("Daftar kontak dikirim, surat 12/PL.02/2024"), Some("KPU Kota Mojokerto")), "the unit that moved it, never the account");
    b.screenshot(&shots.join("koordinasi-tindak-lanjut.png"));
    b.logout();

    // Bawaslu Kota Mojokerto's budget.
    b.login(&app.base, "bawaslu.kotamojokerto", PASSWORD);
    let token = app.login("bawaslu.kotamojokerto", PASSWORD);
    b.goto(&app.url("/anggaran"));
    let s = api(&app, "/api/v1/budget/summary?region=35.76", Some(&token));
    assert_eq!(rupiah(&b.text_of("#plan")), s["plan"].as_i64().expect("plan"));
    assert_eq!(rupiah(&b.text_of("#realised")), s["realised"].as_i64().expect("realised"));
    assert_eq!(rupiah(&b.text_of("#disbursed")), s["disbursed"].as_i64().expect("disbursed"));
    assert_eq!(b.text_of("#absorption"), format!("{:.2}%", s["absorption_percent"].as_f64().expect("absorption")).replace('.', ","));
    let bars = b.find_all("#budget-chart g[data-activity]");
    assert_eq!(bars.len(), s["lines"].as_array().map_or(0, Vec::len), "a bar per activity");
    // Each bar is as long as its amount: realisation over plan in the drawing equals the figures.
    for g in &bars {
        let plan: f64 = b.attribute(g, "data-plan").and_then(|v| v.parse().ok()).expect("plan");
        let real: f64 = b.attribute(g, "data-realised").and_then(|v| v.parse().ok()).expect("realised");
        let rects = b.find_in(g, "rect");
        let w = |i: usize| -> f64 { b.attribute(&rects[i], "width").and_then(|v| v.parse().ok()).expect("width") };
        if plan > 0.0 {
            assert!((w(1) / w(0) - real / plan).abs() < 0.01, "bar lengths follow the amounts");
        }
    }
    let late_tranches = b.find_all("table.tranches tr[data-status='terlambat']");
    assert_eq!(late_tranches.len(), s["overdue_tranches"].as_array().map_or(0, Vec::len));
    assert_eq!(late_tranches.len(), 1, "the demo grant's second tranche is late");
    assert!(b.text(&late_tranches[0]).contains("Terlambat cair"));
    b.screenshot(&shots.join("koordinasi-anggaran.png"));
}

/// Sets a form field's value the way a date or time picker would.
fn set_value(b: &Browser, css: &str, value: &str) {
    b.execute("document.querySelector(arguments[0]).value = arguments[1]", vec![Value::from(css), Value::from(value)]);
}

#[test]
fn a_host_schedules_a_meeting_and_records_it_in_the_browser() {
    let db = TestDb::sqlite();
    let Some((app, b)) = start(&db, &[]) else { return };
    let shots = Path::new(SHOTS);
    b.login(&app.base, "kpu.kotamojokerto", PASSWORD);
    let token = app.login("kpu.kotamojokerto", PASSWORD);
    let before = api(&app, "/api/v1/meetings", Some(&token))["items"].as_array().map_or(0, Vec::len);

    // A meeting placed outside the host's area is refused, and the form keeps what was typed.
    b.goto(&app.url("/rapat"));
    b.click(&b.find("#new-meeting"));
    b.wait_url(|u| u.ends_with("/rapat/baru"));
    b.send_keys(&b.find("#title"), "Rakor distribusi logistik ke TPS");
    b.clear(&b.find("#region"));
    b.send_keys(&b.find("#region"), "35.17");
    set_value(&b, "#starts_at", "2024-11-20T13:30");
    b.send_keys(&b.find("#place"), "Aula KPU Kota Mojokerto");
    let invite = |name: &str| {
        let label = b.find_all("#invited label.check").into_iter().find(|l| b.text(l).trim() == name).unwrap_or_else(|| panic!("no checkbox for {name}"));
        b.click(&b.find_in(&label, "input")[0]);
    };
    invite("Polres Mojokerto Kota");
    invite("Bawaslu Kota Mojokerto");
    b.click(&b.find("#schedule-submit"));
    let error = b.wait_text("#schedule-form .field-error[data-field=region]", |t| !t.is_empty());
    assert!(error.contains("Kabupaten Jombang") && error.contains("di luar wilayah"), "the place by name, in Bahasa Indonesia: {error}");
    assert_eq!(b.attribute(&b.find("#region"), "aria-invalid").as_deref(), Some("true"));
    assert_eq!(b.attribute(&b.find("#title"), "value").as_deref(), Some("Rakor distribusi logistik ke TPS"));
    assert_eq!(b.find_all("#invited input:checked").len(), 2, "the invitations are kept");
    assert_eq!(api(&app, "/api/v1/meetings", Some(&token))["items"].as_array().map_or(0, Vec::len), before, "nothing stored");

    // Corrected, it is scheduled at 13:30 WIB.
    b.clear(&b.find("#region"));
    b.send_keys(&b.find("#region"), "35.76");
    b.click(&b.find("#schedule-submit"));
    b.wait_url(|u| u.contains("/rapat/") && !u.ends_with("/baru"));
    let id: i64 = b.current_url().rsplit('/').next().and_then(|s| s.parse().ok()).expect("meeting id");
    let m = api(&app, &format!("/api/v1/meetings/{id}"), Some(&token));
    assert_eq!(m["starts_at"], "2024-11-20T13:30:00+07:00");
    let invited: Vec<&str> = m["invited"].as_array().expect("invited").iter().filter_map(|i| i["unit"]["name"].as_str()).collect();
    assert_eq!(invited.len(), 2);
    assert!(invited.contains(&"Polres Mojokerto Kota") && invited.contains(&"Bawaslu Kota Mojokerto"));

    // The host records attendance, a speaker, the minutes, and a decision with its action item.
    let polres_id = m["invited"].as_array().expect("invited").iter().find(|i| i["unit"]["name"] == "Polres Mojokerto Kota").and_then(|i| i["unit"]["id"].as_i64()).expect("polres");
    let row = format!("form.attendance[data-unit='{polres_id}']");
    set_value(&b, &format!("{row} select"), "diwakili");
    b.send_keys(&b.find(&format!("{row} input[name=represented_by]")), "Kasat Samapta");
    b.click(&b.find(&format!("{row} button")));
    b.wait_for("the attendance to show", || b.try_find_all(&format!("#attendance tr[data-unit='{polres_id}'][data-attendance='diwakili']")).ok().filter(|v| !v.is_empty()));
    set_value(&b, "#speaker-unit", &polres_id.to_string());
    b.send_keys(&b.find("#speaker-name"), "Kabag Ops Polres");
    b.send_keys(&b.find("#speaker-topic"), "Pengawalan logistik");
    b.click(&b.find("#speaker-form button"));
    b.wait_for("the speaker to show", || b.try_find_all("#speakers tr").ok().filter(|v| v.len() == 1));
    b.send_keys(&b.find("#minutes-text"), "Distribusi dikawal dari gudang sampai PPK.");
    b.click(&b.find("#minutes-form button"));
    b.wait_text("#minutes", |t| t.contains("dikawal"));
    b.send_keys(&b.find("#action-decision"), "Distribusi logistik dikawal");
    set_value(&b, "#action-owner", &polres_id.to_string());
    set_value(&b, "#action-due", "2024-11-24");
    b.send_keys(&b.find("#action-description"), "Jadwal pengawalan per kecamatan");
    b.click(&b.find("#action-form button"));
    b.wait_for("the decision to show", || b.try_find_all("#decisions li").ok().filter(|v| v.len() == 1));
    let m = api(&app, &format!("/api/v1/meetings/{id}"), Some(&token));
    let p = m["invited"].as_array().expect("invited").iter().find(|i| i["unit"]["id"] == polres_id).expect("polres").clone();
    assert_eq!((p["attendance"].as_str(), p["represented_by"].as_str()), (Some("diwakili"), Some("Kasat Samapta")));
    assert_eq!(m["speakers"][0]["topic"], "Pengawalan logistik");
    assert_eq!(m["minutes"], "Distribusi dikawal dari gudang sampai PPK.");
    let a = &m["decisions"][0]["actions"][0];
    assert_eq!((a["owner_unit"]["id"].as_i64(), a["due"].as_str(), m["decisions"][0]["text"].as_str()), (Some(polres_id), Some("2024-11-24"), Some("Distribusi logistik dikawal")));
    b.screenshot(&shots.join("koordinasi-rapat-baru.png"));

    // A guest reads the meeting without the host's forms.
    b.logout();
    b.login(&app.base, "polres.kotamojokerto", PASSWORD);
    b.goto(&app.url(&format!("/rapat/{id}")));
    assert_eq!(b.text_of("#meeting-title"), "Rakor distribusi logistik ke TPS");
    assert!(b.find_all("#host-forms").is_empty(), "only the host records the meeting");
}

#[test]
fn bawaslu_plans_and_spends_and_the_pemda_pays_the_late_tranche_in_the_browser() {
    let db = TestDb::sqlite();
    let Some((app, b)) = start(&db, &[]) else { return };
    b.login(&app.base, "bawaslu.kotamojokerto", PASSWORD);
    let token = app.login("bawaslu.kotamojokerto", PASSWORD);
    let before = api(&app, "/api/v1/budget/summary?region=35.76", Some(&token));

    // A new line, typed the way officials write amounts.
    b.goto(&app.url("/anggaran"));
    b.click(&b.find("#line-details summary"));
    b.send_keys(&b.find("#line-program"), "Pengawasan tahapan");
    b.send_keys(&b.find("#line-activity"), "Pengawasan rekapitulasi");
    b.send_keys(&b.find("#line-stage"), "penghitungan_rekapitulasi");
    b.send_keys(&b.find("#line-amount"), "Rp 250.000.000");
    b.click(&b.find("#line-form button"));
    b.wait_url(|u| u.contains("/anggaran?wilayah=35.76"));
    assert_eq!(rupiah(&b.text_of("#plan")), before["plan"].as_i64().expect("plan") + 250_000_000);
    let s = api(&app, "/api/v1/budget/summary?region=35.76", Some(&token));
    let line = s["lines"].as_array().expect("lines").iter().find(|l| l["activity"] == "Pengawasan rekapitulasi").expect("the new line").clone();
    assert_eq!((line["plan"].as_i64(), line["stage"].as_str()), (Some(250_000_000), Some("penghitungan_rekapitulasi")));

    // Spending against it with cents: the form comes back with the message in Bahasa Indonesia
    // beside the amount and everything typed still there; nothing is stored.
    let row = format!("#lines tr[data-id='{}']", line["id"]);
    let form = format!("#realisation-{}", line["id"]);
    b.send_keys(&b.find(&format!("{row} input[name=amount]")), "1.250.000,50");
    set_value(&b, &format!("{row} input[name=date]"), "2024-12-02");
    b.send_keys(&b.find(&format!("{row} input[name=document_no]")), "SPM-1201/2024");
    b.click(&b.find(&format!("{row} button")));
    let error = b.wait_text(&format!("{form} .field-error[data-field=amount]"), |t| !t.is_empty());
    assert!(error.contains("rupiah bulat") && error.contains("1.250.000,50"), "{error}");
    let typed = |name: &str| b.attribute(&b.find(&format!("{form} input[name={name}]")), "value").unwrap_or_default();
    assert_eq!((typed("amount"), typed("date"), typed("document_no")), ("1.250.000,50".to_string(), "2024-12-02".to_string(), "SPM-1201/2024".to_string()));
    assert_eq!(b.attribute(&b.find(&format!("{form} input[name=amount]")), "aria-invalid").as_deref(), Some("true"));
    assert_eq!(api(&app, "/api/v1/budget/summary?region=35.76", Some(&token))["realised"], s["realised"]);
    b.screenshot(&Path::new(SHOTS).join("koordinasi-anggaran-ditolak.png"));
    // Corrected in place, as a spreadsheet writes it: stored as Rp 1.250.000.
    let amount = b.find(&format!("{form} input[name=amount]"));
    b.clear(&amount);
    b.send_keys(&amount, "1.250.000,00");
    b.click(&b.find(&format!("{form} button")));
    b.wait_url(|u| u.contains("/anggaran?wilayah=35.76"));
    assert_eq!(rupiah(&b.text_of("#realised")), s["realised"].as_i64().expect("realised") + 1_250_000);
    b.logout();

    // The Pemkot pays what is left of the late tranche; it is no longer late.
    b.login(&app.base, "kesbangpol.kotamojokerto", PASSWORD);
    b.goto(&app.url("/anggaran?wilayah=35.76"));
    let late = b.find("table.tranches tr[data-status='terlambat']");
    let owed = b.attribute(&b.find_in(&late, "input[name=amount]")[0], "value").expect("amount left");
    assert_eq!(owed, "890000000");
    set_value(&b, "table.tranches tr[data-status='terlambat'] input[name=paid_on]", "2024-12-05");
    b.send_keys(&b.find_in(&late, "input[name=document_no]")[0], "SP2D-2024-3301");
    b.click(&b.find_in(&late, "button")[0]);
    b.wait_url(|u| u.contains("/anggaran?wilayah=35.76"));
    assert!(b.find_all("table.tranches tr[data-status='terlambat']").is_empty(), "the tranche is paid");
    let s = api(&app, "/api/v1/budget/summary?region=35.76", Some(&app.login("kesbangpol.kotamojokerto", PASSWORD)));
    assert_eq!((s["disbursed"].as_i64(), s["overdue_tranches"].as_array().map(Vec::len)), (Some(3_150_000_000), Some(0)));
}
