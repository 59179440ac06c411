//! The public results pages ("Rekap") in a real browser (headless Chromium through
//! ChromeDriver) on the demo's Pilkada 2024 count of Kota Mojokerto, as a citizen who is not
//! logged in would use them: the city's governor totals against the summary API, a drill-down
//! by clicking to Magersari and its villages (a TPS awaiting its second entry, two held on
//! mismatching entries, one where Bawaslu's copy differs), the permalink of that TPS with the
//! differing rows marked, the totals updating without a reload after two KPU users enter a new
//! Kranggan TPS, and every number in the served HTML (no JavaScript needed). Screenshots go to
//! /tmp/sinergi-shots/. Without chromium/chromedriver the test says so and passes.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::Path;
use std::time::Instant;

use common::{TestApp, TestDb};
use serde_json::{Value, json};
use webdriver::Browser;

const PASSWORD: &str = "sinergi-demo";
const SHOTS: &str = "/tmp/sinergi-shots";
const ELECTION: &str = "pilkada-2024";
const CONTEST: &str = "gubernur";
const KOTA: &str = "35.76";
const MAGERSARI: &str = "35.76.02";
const KRANGGAN: &str = "35.76.03";

fn page(region: &str) -> String {
    format!("/hasil?pemilu={ELECTION}&kontes={CONTEST}&wilayah={region}")
}

fn permalink(tps: &str) -> String {
    format!("/hasil/tps/{tps}?kontes={CONTEST}&pemilu={ELECTION}")
}

/// Parses a count as shown in Bahasa Indonesia (`2.640`).
fn id_number(s: &str) -> i64 {
    assert!(
        !s.is_empty() && s.split('.').enumerate().all(|(i, g)| g.chars().all(|c| c.is_ascii_digit()) && (i == 0 && !g.is_empty() && g.len() <= 3 || g.len() == 3)),
        "{s:?} is not a number written the Indonesian way (e.g. 2.640)"
    );
    s.replace('.', "").parse().expect("number")
}

/// Writes a count the Indonesian way (`42553` → `42.553`).
fn id_format(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Parses a percentage as shown (`56,75`).
fn id_percent(s: &str) -> f64 {
    let (whole, frac) = s.split_once(',').unwrap_or_else(|| panic!("{s:?} is not a percentage with a decimal comma"));
    assert_eq!(frac.len(), 2, "two decimals: {s:?}");
    format!("{whole}.{frac}").parse().unwrap_or_else(|_| panic!("percentage {s:?}"))
}

fn summary(app: &TestApp, region: &str) -> Value {
    let (s, v) = app.get(&format!("/api/v1/elections/{ELECTION}/results/summary?contest={CONTEST}&region={region}"), None);
    assert_eq!(s, 200, "summary of {region}: {v}");
    v
}

fn result_view(app: &TestApp, tps: &str) -> Value {
    let (s, v) = app.get(&format!("/api/v1/elections/{ELECTION}/results/{tps}/{CONTEST}"), None);
    assert_eq!(s, 200, "result of {tps}: {v}");
    v
}

/// Every TPS of a region, in code order.
fn tps_of(app: &TestApp, region: &str) -> Vec<String> {
    let (s, v) = app.get(&format!("/api/v1/elections/{ELECTION}/tps?region={region}&limit=100"), None);
    assert_eq!(s, 200, "{v}");
    assert!(v["next"].is_null(), "one page holds every TPS of {region}: {v}");
    v["items"].as_array().expect("items").iter().map(|t| t["code"].as_str().expect("code").to_string()).collect()
}

/// The text of `[data-field=FIELD]` inside `ul#summary`, right now.
fn fact(b: &Browser, field: &str) -> String {
    b.text_of(&format!("ul#summary [data-field={field}]"))
}

/// `(id, votes text, share text)` of every candidate row, read in one round trip.
fn candidates(b: &Browser) -> Vec<(String, String, String)> {
    let v = b.execute(
        "return [...document.querySelectorAll('table#candidates tr[data-candidate]')].map(tr => [tr.dataset.candidate,
            tr.querySelector('[data-field=votes]').innerText.trim(), tr.querySelector('[data-field=share]').innerText.trim()])",
        vec![],
    );
    serde_json::from_value::<Vec<(String, String, String)>>(v).expect("candidate rows")
}

/// `(tps, status, visible cells)` of every row of the village's TPS table.
fn tps_rows(b: &Browser) -> Vec<(String, String, Vec<String>)> {
    let v = b.execute(
        "return [...document.querySelectorAll('table#tps tr[data-tps]')].map(tr => [tr.dataset.tps, tr.dataset.status,
            [...tr.cells].map(td => td.innerText.trim())])",
        vec![],
    );
    serde_json::from_value(v).expect("TPS rows")
}

/// The `data-code` of every row of the children table.
fn child_codes(b: &Browser) -> Vec<String> {
    let v = b.execute("return [...document.querySelectorAll('table#children tr[data-code]')].map(tr => tr.dataset.code)", vec![]);
    serde_json::from_value(v).expect("child codes")
}

/// Clicks the link of a children-table row and waits for that region's page.
fn click_child(b: &Browser, code: &str, name_hint: &str) {
    b.click(&b.find(&format!("table#children tr[data-code='{code}'] a")));
    b.wait_url(|u| u.ends_with(&format!("wilayah={code}")));
    b.wait_text("main h1", |t| t.ends_with(name_hint));
}

#[test]
fn the_public_follows_the_count_of_kota_mojokerto_down_to_a_tps_and_sees_it_update_live() {
    let started = Instant::now();
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let db = TestDb::sqlite();
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_with(&db, &["--demo"]));
    let Some(b) = browser else { return };
    b.set_window_size(1280, 900);
    let shots = Path::new(SHOTS);

    // --- 1. The city's governor totals, as the public sees them --------------------------
    let before = summary(&app, KOTA);
    b.goto(&app.url(&page(KOTA)));
    let h1 = b.wait_text("main h1", |t| t.contains("Kota Mojokerto"));
    assert_eq!(h1, "Hasil Gubernur dan Wakil Gubernur · Kota Mojokerto");
    assert!(b.title().contains("Kota Mojokerto"), "title: {}", b.title());
    assert!(b.find_all("#current-user").is_empty(), "nobody is logged in");
    assert_eq!(id_number(&fact(&b, "tps_total")), 165, "Kota Mojokerto has 165 TPS");
    for field in ["tps_in", "tps_total", "valid", "invalid", "users", "discrepancies", "anomalies"] {
        let shown = fact(&b, field);
        assert_eq!(id_number(&shown), before[field].as_i64().expect(field), "{field} on the page ({shown:?}) equals the summary API");
    }
    let (tps_in, tps_total, valid) = (before["tps_in"].as_i64().unwrap(), before["tps_total"].as_i64().unwrap(), before["valid"].as_i64().unwrap());
    assert!(tps_in > 0 && tps_in < tps_total, "part of the city is in: {tps_in}/{tps_total}");
    assert!(valid >= 1000, "thousands of valid votes, so the thousands separator shows: {valid}");
    assert!(fact(&b, "valid").contains('.'), "{:?} is written with a thousands dot", fact(&b, "valid"));
    let share_in = id_percent(&fact(&b, "share_in"));
    assert!((share_in - tps_in as f64 * 100.0 / tps_total as f64).abs() < 0.011, "share of TPS in: {share_in}");
    assert_eq!(id_number(&fact(&b, "discrepancies")), 1, "one TPS where a source differs from KPU (Bawaslu at Magersari's 5th)");

    let rows = candidates(&b);
    let api_candidates = before["candidates"].as_array().expect("candidates");
    assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["01", "02", "03"], "the three Jawa Timur pairs in ballot order");
    let mut share_sum = 0.0;
    for ((id, votes, share), c) in rows.iter().zip(api_candidates) {
        assert_eq!(c["id"].as_str(), Some(id.as_str()));
        assert_eq!(id_number(votes), c["votes"].as_i64().expect("votes"), "votes of pair {id}");
        let pct = id_percent(share);
        assert!((pct - c["votes"].as_i64().unwrap() as f64 * 100.0 / valid as f64).abs() < 0.011, "share of pair {id}: {share}");
        share_sum += pct;
    }
    assert!((99.9..=100.0).contains(&share_sum), "the shares add up to ~100%: {share_sum}");
    let names = b.table_cells("table#candidates");
    assert!(names[1][1].contains("Khofifah"), "pairs by name: {names:?}");
    assert_eq!(child_codes(&b), ["35.76.01", MAGERSARI, KRANGGAN], "the city's three districts");
    b.screenshot(&shots.join("results-regency.png"));

    // --- 2. Drill down by clicking: Magersari, then its villages --------------------------
    click_child(&b, MAGERSARI, "· Magersari");
    let mag = summary(&app, MAGERSARI);
    assert_eq!(id_number(&fact(&b, "tps_in")), mag["tps_in"].as_i64().unwrap(), "Magersari's TPS in");
    assert_eq!(id_number(&fact(&b, "discrepancies")), 1, "the discrepancy is in Magersari");
    let magersari_tps = tps_of(&app, MAGERSARI);
    let villages = child_codes(&b);
    assert!(villages.len() > 1 && villages.iter().all(|v| v.len() == 13 && v.starts_with("35.76.02.")), "{villages:?}");
    let mut seen: Vec<(String, String)> = vec![];
    for village in &villages {
        click_child(&b, village, "");
        b.find("table#tps");
        assert!(b.find_all("table#children").is_empty(), "a village has no children table, only its TPS");
        let rows = tps_rows(&b);
        let expected: Vec<&String> = magersari_tps.iter().filter(|t| t.starts_with(village.as_str())).collect();
        assert_eq!(rows.iter().map(|r| &r.0).collect::<Vec<_>>(), expected, "every TPS of {village}, in code order");
        for (tps, status, cells) in &rows {
            let api = result_view(&app, tps);
            assert_eq!(api["status"].as_str(), Some(status.as_str()), "status of {tps} on the page equals the API");
            assert_eq!(cells[0], format!("TPS {}", &tps[14..]), "{cells:?}");
            let vote_cells = &cells[2..5];
            if status == "sah" {
                let counted = &api["counted"]["votes"];
                for (i, id) in ["01", "02", "03"].iter().enumerate() {
                    assert_eq!(id_number(&vote_cells[i]), counted[id].as_i64().unwrap(), "votes {id} at {tps}");
                }
            } else {
                assert!(vote_cells.iter().all(String::is_empty), "no numbers shown for {tps} until two entries agree: {cells:?}");
            }
            if api["discrepancy"] == json!(true) {
                assert!(cells[5].contains("sumber berbeda"), "the row of {tps} says the sources differ: {cells:?}");
            }
            seen.push((tps.clone(), status.clone()));
        }
        if village == &villages[0] {
            assert_eq!(rows[0].0, magersari_tps[0], "the village of Magersari's first TPS comes first");
            assert_eq!(rows[0].1, "menunggu_entri_kedua", "Magersari's first TPS awaits its second entry");
            b.screenshot(&shots.join("results-village.png"));
        }
        let statuses: Vec<&str> = seen.iter().map(|s| s.1.as_str()).collect();
        if statuses.contains(&"menunggu_entri_kedua") && statuses.contains(&"selisih") {
            break;
        }
        // Back up to Magersari through the breadcrumb.
        b.click(&b.find(&format!("nav.crumbs a[href$='wilayah={MAGERSARI}']")));
        b.wait_url(|u| u.ends_with(&format!("wilayah={MAGERSARI}")));
        b.wait_text("main h1", |t| t.ends_with("· Magersari"));
    }
    let held: Vec<&str> = seen.iter().filter(|s| s.1 == "selisih").map(|s| s.0.as_str()).collect();
    assert_eq!(held, [&magersari_tps[1][..], &magersari_tps[2][..]], "Magersari's 2nd and 3rd TPS are held on mismatching entries: {seen:?}");

    // --- 3. The permalink of the TPS where Bawaslu's copy differs --------------------------
    let differing: Vec<&String> = magersari_tps.iter().filter(|t| result_view(&app, t)["discrepancy"] == json!(true)).collect();
    assert_eq!(differing, [&magersari_tps[4]], "only Magersari's 5th TPS has a source differing from KPU");
    let tps = differing[0].clone();
    let api = result_view(&app, &tps);
    let village = &tps[..13];
    if !b.current_url().ends_with(&format!("wilayah={village}")) {
        b.goto(&app.url(&page(village)));
    }
    b.click(&b.find(&format!("table#tps tr[data-tps='{tps}'] a")));
    let url = b.wait_url(|u| u.contains("/hasil/tps/"));
    assert_eq!(url, app.url(&permalink(&tps)), "the TPS link is its permalink");
    let h1 = b.wait_text("main h1", |t| t.starts_with("TPS"));
    assert_eq!(h1, format!("TPS {} Gununggedangan · Gubernur dan Wakil Gubernur", &tps[14..]));
    let status = b.find("#status");
    assert_eq!(b.attribute(&status, "data-status").as_deref(), Some("sah"), "KPU's two entries agree there");
    assert_eq!(b.text_of("#discrepancy"), "sumber berbeda");
    let heads = b.execute("return [...document.querySelectorAll('table#sources thead th')].map(th => th.innerText.trim())", vec![]);
    assert_eq!(heads, json!(["Isian", "KPU (disahkan)", "Bawaslu"]), "one column per source, the agreed KPU numbers first");
    let sources = b.execute("return [...document.querySelectorAll('table#sources thead th[data-source]')].map(th => th.dataset.source)", vec![]);
    assert_eq!(sources, json!(["kpu", "bawaslu"]));
    let label = b.execute("return document.querySelector('table#sources tr[data-field=\"votes.02\"] td').innerText.trim()", vec![]);
    assert_eq!(label, json!("Suara 2 Khofifah Indar Parawansa – Emil Elestianto Dardak"), "rows are named as the form names them");
    let differs = b.execute("return [...document.querySelectorAll('table#sources tr.differs')].map(tr => tr.dataset.field)", vec![]);
    assert_eq!(differs, json!(["votes.02", "votes.03"]), "exactly the two pairs' votes differ");
    let cells = |field: &str| -> (i64, i64) {
        let r = b.execute(
            "return [...document.querySelectorAll('table#sources tr[data-field=\"' + arguments[0] + '\"] td')].map(td => td.innerText.trim())",
            vec![json!(field)],
        );
        let r: Vec<String> = serde_json::from_value(r).expect("cells");
        assert_eq!(r.len(), 3, "{field}: {r:?}");
        (id_number(&r[1]), id_number(&r[2]))
    };
    let (kpu02, baw02) = cells("votes.02");
    let (kpu03, baw03) = cells("votes.03");
    assert_eq!((baw02, baw03), (kpu02 - 5, kpu03 + 5), "Bawaslu saw five votes fewer for 02 and five more for 03");
    assert_eq!((kpu02, kpu03), (api["counted"]["votes"]["02"].as_i64().unwrap(), api["counted"]["votes"]["03"].as_i64().unwrap()), "kpu = the agreed numbers");
    let (kpu01, baw01) = cells("votes.01");
    assert_eq!(kpu01, baw01, "pair 01 agrees");
    let (kpu_valid, baw_valid) = cells("valid");
    assert_eq!((kpu_valid, baw_valid), (api["counted"]["valid"].as_i64().unwrap(), kpu_valid), "the valid total agrees");
    let history = b.table_cells("table#history");
    assert_eq!(history.len(), api["history"].as_array().unwrap().len(), "every entry in the history: {history:?}");
    assert_eq!(history.iter().filter(|r| r[1] == "KPU (disahkan)").count(), 2, "two KPU entries: {history:?}");
    assert_eq!(history.iter().filter(|r| r[1] == "Bawaslu").count(), 1, "one Bawaslu copy: {history:?}");
    assert!(history.iter().all(|r| r[0].ends_with(" WIB") && r[0].contains(" 20")), "local times as 27 November 2024 19.00 WIB: {history:?}");
    assert!(history.iter().all(|r| r[3].starts_with('#')), "where each entry is in the public log: {history:?}");
    assert!(history.iter().all(|r| !r[4].is_empty() && !r[4].contains('.') && r[4] != "—"), "who entered it, by unit name, never a username: {history:?}");
    assert_eq!(b.text_of("main > p.muted code"), permalink(&tps), "the page names its permalink");
    // The page checks its numbers against the public log (tests/browser_log_proof.rs); the
    // text is compared once that check has settled.
    b.wait_text("#log-proof[data-verdict=verified] #log-verdict", |t| t.starts_with("Terverifikasi: angka di halaman ini sama dengan log publik"));
    let main_text = b.text_of("main");
    b.screenshot(&shots.join("results-tps.png"));
    // Opened fresh, the permalink shows the same page.
    b.goto("about:blank");
    b.goto(&app.url(&permalink(&tps)));
    b.wait_text("main h1", |t| t.starts_with("TPS"));
    b.wait_text("#log-proof[data-verdict=verified] #log-verdict", |t| t.starts_with("Terverifikasi"));
    assert_eq!(b.text_of("main"), main_text, "the permalink opened fresh shows the same page");

    // --- 4. Live update without a reload ---------------------------------------------------
    let kranggan = tps_of(&app, KRANGGAN);
    assert!(kranggan.len() >= 30, "Kranggan has at least 30 TPS: {}", kranggan.len());
    let new_tps = kranggan[29].clone();
    assert_eq!(result_view(&app, &new_tps)["status"], "belum_masuk", "Kranggan's 30th TPS is not in yet");
    b.goto(&app.url(&page(KOTA)));
    b.wait_text("main h1", |t| t.ends_with("· Kota Mojokerto"));
    let old_in = id_number(&fact(&b, "tps_in"));
    let old_valid = id_number(&fact(&b, "valid"));
    let old_02 = id_number(&candidates(&b)[1].1);
    let kranggan_row = format!("table#children tr[data-code='{KRANGGAN}'] [data-field=tps_in]");
    let old_kranggan = id_number(&b.text_of(&kranggan_row));
    assert_eq!(old_in, tps_in, "nothing changed since step 1");
    b.execute("window.__marker = 1", vec![]);
    let entry = json!({
        "source": "kpu",
        "voters": {"dpt": {"l": 120, "p": 130}, "dpph": {"l": 1, "p": 0}, "dptb": {"l": 2, "p": 0}},
        "users": {"dpt": {"l": 100, "p": 99}, "dpph": {"l": 1, "p": 0}, "dptb": {"l": 2, "p": 0}},
        "disabled": {"voters": 2, "users": 1},
        "ballots": {"received": 257, "used": 202, "spoiled": 1, "unused": 54},
        "votes": {"01": 20, "02": 110, "03": 69},
        "valid": 199,
        "invalid": 3
    });
    let path = format!("/api/v1/elections/{ELECTION}/results/{new_tps}/{CONTEST}");
    let first = app.login("kpu.kotamojokerto", PASSWORD);
    let (s, v) = app.put(&path, Some(&first), &entry);
    assert_eq!((s, v["status"].as_str()), (200, Some("menunggu_entri_kedua")), "first entry: {v}");
    let second = app.login("admin", PASSWORD);
    let (s, v) = app.put(&path, Some(&second), &entry);
    assert_eq!((s, v["status"].as_str()), (200, Some("sah")), "second, matching entry: {v}");
    assert_eq!(summary(&app, KOTA)["tps_in"].as_i64(), Some(old_in + 1), "the API counts the new TPS");
    assert_eq!(id_number(&fact(&b, "tps_in")), old_in, "the page has not changed by itself yet");
    b.execute("window.sinergiRefresh()", vec![]);
    b.wait_text("ul#summary [data-field=tps_in]", |t| t == id_format(old_in + 1));
    b.wait_text("table#candidates tr[data-candidate='02'] [data-field=votes]", |t| t == id_format(old_02 + 110));
    assert_eq!(fact(&b, "valid"), id_format(old_valid + 199), "valid votes updated, written the Indonesian way");
    let after = summary(&app, KOTA);
    for (id, votes, _) in candidates(&b) {
        let c = after["candidates"].as_array().unwrap().iter().find(|c| c["id"] == json!(id)).expect("candidate");
        assert_eq!(id_number(&votes), c["votes"].as_i64().unwrap(), "pair {id} after the refresh");
    }
    let share_in = id_percent(&fact(&b, "share_in"));
    assert!((share_in - (old_in + 1) as f64 * 100.0 / tps_total as f64).abs() < 0.011, "share of TPS in updated: {share_in}");
    let marker = b.execute("return [window.__marker, performance.getEntriesByType('navigation').length, performance.getEntriesByType('navigation')[0].type]", vec![]);
    assert_eq!(marker, json!([1, 1, "navigate"]), "the numbers changed without a reload");
    b.wait_text(&kranggan_row, |t| t == id_format(old_kranggan + 1));
    let refreshed = b.text_of("#last-update");
    assert!(refreshed.ends_with(" WIB") && refreshed.as_bytes().get(2) == Some(&b'.') && refreshed.len() == 9, "the page says when it last refreshed, as 19.00 WIB: {refreshed:?}");
    b.screenshot(&shots.join("results-regency-updated.png"));

    // --- 4b. Magersari's plenary misread is visible on its recap page ---------------------
    b.goto(&app.url(&page(MAGERSARI)));
    b.click(&b.find("#recap-link"));
    b.wait_url(|u| u.contains("/hasil/rekap/35.76.02"));
    assert_eq!(b.text_of("#mismatch"), "1", "one field of the plenary does not match its TPS");
    let differs = b.execute("return [...document.querySelectorAll('table#recap tr.differs')].map(tr => tr.dataset.field)", vec![]);
    assert_eq!(differs, json!(["votes.02"]));
    b.screenshot(&shots.join("results-recap.png"));

    // --- 5. Every number is in the served HTML (no JavaScript needed) ----------------------
    let (s, ctype, html) = app.get_text(&page(KOTA), None);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    for field in ["tps_in", "tps_total", "valid", "invalid", "users", "discrepancies", "anomalies"] {
        let want = format!("data-field=\"{field}\">{}<", id_format(after[field].as_i64().unwrap()));
        assert!(html.contains(&want), "the served page has {want}");
    }
    for c in after["candidates"].as_array().unwrap() {
        let want = format!("data-field=\"votes\">{}<", id_format(c["votes"].as_i64().unwrap()));
        assert!(html.contains(&want), "the served page has pair {} as {want}", c["id"]);
    }
    let (s, _, tps_html) = app.get_text(&permalink(&tps), None);
    assert_eq!(s, 200);
    for n in [kpu02, baw02, kpu03, baw03] {
        assert!(tps_html.contains(&format!(">{}<", id_format(n))), "the served TPS page has {n}");
    }
    assert!(tps_html.contains("class=\"differs\""), "the differing rows are marked in the served page");

    let took = started.elapsed();
    eprintln!("browser results test took {took:.1?}");
    assert!(took.as_secs() < 60, "the browser test should stay under a minute, took {took:?}");
}
