//! The region map (`/peta/{region}`, and the same map on `/kerawanan` and `/pengamanan`) on the
//! demo data, on both engines: the child areas' outlines and names, colours and figures that
//! follow the chosen layer and agree with the modules' own answers, TPS as points at village
//! level, the point layout where no outline exists, and scope: a Jombang user never gets a
//! Mojokerto figure, and the Pemda sees counts, never a case file.

mod common;

use common::*;

const CLOCK: &str = "2024-11-26T12:00:00+07:00";
const DISTRICTS: [(&str, &str); 3] = [("35.76.01", "Prajuritkulon"), ("35.76.02", "Magersari"), ("35.76.03", "Kranggan")];

fn cookie_for(app: &TestApp, username: &str) -> String {
    format!("sinergi_session={}", app.login(username, "sinergi-demo"))
}

/// The class (`k0`…`k4`, `kn`) and title of an area of the map, by its code.
fn area(html: &str, code: &str) -> (String, String) {
    let at = html.find(&format!("data-code=\"{code}\"><title>")).unwrap_or_else(|| panic!("no area {code} on the map"));
    let rest = &html[at..];
    let title = rest.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).expect("title").to_string();
    let class = rest.split("class=\"").nth(1).and_then(|c| c.split('"').next()).expect("class").to_string();
    (class, title)
}

/// Every area code on a page's map and list.
fn codes(html: &str) -> Vec<String> {
    html.split("data-code=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_string).collect()
}

fn percent(n: i64, total: i64) -> i64 {
    if total > 0 { n * 100 / total } else { 0 }
}

fn map_shows_outlines_names_and_the_chosen_layer(db: &TestDb) {
    let app = TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", CLOCK)]);
    let kpu = cookie_for(&app, "kpu.kotamojokerto");
    let token = app.login("bawaslu.kotamojokerto", "sinergi-demo");

    let (s, ctype, html) = app.get_text("/peta/35.76?lapis=kerawanan&pemilu=pilkada-2024", Some(&kpu));
    assert_eq!(s, 200, "{html}");
    assert!(ctype.starts_with("text/html"));
    assert!(html.contains("<svg id=\"peta\""), "a map");
    for (code, name) in DISTRICTS {
        assert!(html.contains(&format!("data-code=\"{code}\"><title>{name}")), "{name} is an area of the map");
        assert!(html.contains(&format!(">{name}</text>")), "{name} is named on the map");
        assert!(html.contains(&format!("href=\"/peta/{code}?lapis=kerawanan&amp;pemilu=pilkada-2024\"")), "{name} opens its own map");
    }
    assert!(html.contains("Batas wilayah: cahyadsn/wilayah_boundaries"), "the licence's credit line is on the map");
    assert!(html.contains("TPS rawan atau sangat rawan"), "the legend in Indonesian");

    // Vulnerability: each district's share of TPS rawan, as the module counts them.
    for (code, _) in DISTRICTS {
        let (_, v) = app.get(&format!("/api/v1/elections/pilkada-2024/vulnerability/summary?region={code}"), None);
        let (n, total) = (v["by_category"]["rawan"].as_i64().unwrap_or(0) + v["by_category"]["sangat_rawan"].as_i64().unwrap_or(0), v["tps_total"].as_i64().expect("tps_total"));
        let p = percent(n, total);
        let (class, title) = area(&html, code);
        assert!(title.contains(&format!("{p}% TPS rawan atau sangat rawan ({n} dari {total})")), "{code}: {title}");
        let want = match p {
            _ if n == 0 => "k0",
            0..5 => "k1",
            5..15 => "k2",
            15..30 => "k3",
            _ => "k4",
        };
        assert_eq!(class, want, "{code} coloured by its share of TPS rawan ({p}%)");
    }

    // Readiness, as the logistics module judges it.
    let (_, html) = {
        let (s, _, h) = app.get_text("/peta/35.76?lapis=kesiapan&pemilu=pilkada-2024", Some(&kpu));
        (s, h)
    };
    let kpu_token = app.login("kpu.kotamojokerto", "sinergi-demo");
    for (code, _) in DISTRICTS {
        let (s, v) = app.get(&format!("/api/v1/elections/pilkada-2024/logistics/readiness?region={code}"), Some(&kpu_token));
        assert_eq!(s, 200, "{v}");
        let (ready, partial, total) = (v["ready"].as_i64().expect("ready"), v["partial"].as_i64().expect("partial"), v["tps_total"].as_i64().expect("total"));
        let (class, title) = area(&html, code);
        assert!(title.contains(&format!("{}% TPS siap ({ready} dari {total}; {partial} sebagian)", percent(ready, total))), "{code}: {title}");
        let want = match percent(ready, total) {
            _ if ready == total => "k0",
            90.. => "k1",
            50..90 => "k2",
            _ if ready > 0 => "k3",
            _ => "k4",
        };
        assert_eq!(class, want, "{code} coloured by readiness");
    }
    assert!(html.contains("TPS yang logistiknya siap"), "the readiness legend");

    // Results in, per contest, as the rekap's aggregates say.
    let (_, _, html) = app.get_text("/peta/35.76?lapis=hasil&pemilu=pilkada-2024&kontes=walikota", Some(&kpu));
    for (code, _) in DISTRICTS {
        let (_, v) = app.get(&format!("/api/v1/elections/pilkada-2024/results/summary?region={code}&contest=walikota"), None);
        let (tps_in, total) = (v["tps_in"].as_i64().expect("tps_in"), v["tps_total"].as_i64().expect("tps_total"));
        let (class, title) = area(&html, code);
        if tps_in == 0 {
            assert_eq!(class, "kn", "{code}: nothing in yet is not a colour");
        } else {
            assert!(title.contains(&format!("{tps_in} dari {total} TPS masuk")), "{code}: {title}");
            assert_ne!(class, "kn");
        }
    }
    assert!(html.contains("Wali Kota dan Wakil Wali Kota"), "the legend names the contest");

    // Open reports: a citizen's report from Balongsari adds one to Magersari and nowhere else.
    let before: Vec<String> = DISTRICTS.iter().map(|(c, _)| area(&app.get_text("/peta/35.76?lapis=laporan&pemilu=pilkada-2024", Some(&kpu)).2, c).1).collect();
    let report = json!({
        "election": "pilkada-2024", "region": "35.76.02.1008", "reporter": null,
        "reported": "Tim sukses pasangan calon nomor 2", "event_at": "2024-11-26T08:00:00+07:00", "known_at": "2024-11-26T09:00:00+07:00",
        "place": "Sekitar TPS 001", "description": "Pembagian amplop kepada warga", "witnesses": ["Budi"],
    });
    let (s, v) = app.post("/api/v1/reports", None, &report);
    assert_eq!(s, 201, "{v}");
    let (_, _, after) = app.get_text("/peta/35.76?lapis=laporan&pemilu=pilkada-2024", Some(&kpu));
    let count = |t: &str| -> i64 { t.split(" — ").nth(1).and_then(|n| n.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a count in {t}")) };
    for (i, (code, _)) in DISTRICTS.iter().enumerate() {
        let grew = count(&area(&after, code).1) - count(&before[i]);
        assert_eq!(grew, i64::from(*code == "35.76.02"), "{code}: {} -> {}", before[i], area(&after, code).1);
    }
    let _ = token;

    // The map in English on request, and refusals in words.
    let (_, _, en) = app.get_text("/peta/35.76?lapis=kerawanan&pemilu=pilkada-2024", Some(&format!("{kpu}; lang=en")));
    assert!(en.contains("of TPS vulnerable or highly vulnerable"), "English notes");
    let (s, _, _) = app.get_text("/peta/35.99", Some(&kpu));
    assert_eq!(s, 404, "an unknown region");
    let (s, _, page) = app.get_text("/peta/35.76?lapis=cuaca", Some(&kpu));
    assert_eq!(s, 422, "an unknown layer is named: {page}");
    assert!(page.contains("lapis"));
    let (s, _, _) = app.get_text("/peta/35.76", None);
    assert!(s == 200 || s == 303, "without a login: sent to log in ({s})");
}

fn tps_are_points_at_village_level(db: &TestDb) {
    let app = TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", CLOCK)]);
    let polres = cookie_for(&app, "polres.kotamojokerto");
    let (s, _, html) = app.get_text("/peta/35.76.02.1008?lapis=kerawanan&pemilu=pilkada-2024", Some(&polres));
    assert_eq!(s, 200, "{html}");
    let located = db.scalar("SELECT COUNT(*) FROM tps WHERE election_id = 'pilkada-2024' AND village_code = '35.76.02.1008' AND lat IS NOT NULL");
    assert!(located > 0);
    assert_eq!(html.matches("<circle class=\"tps k").count() as i64, located, "every located TPS is a point coloured by its grade");
    assert!(html.contains("class=\"bingkai\""), "inside Balongsari's outline");
    assert!(html.contains("TPS 001 — "), "each TPS named with its grade");
    // The Pemda sees where the TPS are, not their security grade.
    let pemkot = cookie_for(&app, "pemkot.kotamojokerto");
    let (s, _, html) = app.get_text("/peta/35.76.02.1008?lapis=kerawanan&pemilu=pilkada-2024", Some(&pemkot));
    assert_eq!(s, 200);
    assert_eq!(html.matches("<circle class=\"tps kn\"").count() as i64, located);
    assert!(!html.contains("sangat rawan</title>") && !html.contains("— rawan"), "no grade for the Pemda");
    // The vulnerability and security pages embed the same map.
    let (_, _, page) = app.get_text("/kerawanan?pemilu=pilkada-2024&wilayah=35.76", Some(&polres));
    assert!(page.contains("<svg id=\"peta\"") && page.contains("data-code=\"35.76.02\"") && page.contains("href=\"/kerawanan?pemilu=pilkada-2024&amp;wilayah=35.76.02\""));
    let (_, _, plan) = app.get_text("/pengamanan?pemilu=pilkada-2024&wilayah=35.76", Some(&polres));
    assert!(plan.contains("<svg id=\"peta\"") && plan.contains(">Magersari</text>"), "the plan's districts on the map");
}

fn areas_without_an_outline_keep_the_point_layout(db: &TestDb) {
    // Sidoarjo's kecamatan have no outline in the shipped data: they are dots at their TPS,
    // inside Sidoarjo's own outline.
    let csv = "code,address,dpt,lat,lon\n35.15.01.2001.001,Balai desa,250,-7.4421,112.5212\n35.15.01.2002.001,Balai desa,240,-7.4512,112.5301\n35.15.02.2001.001,SDN 1,230,-7.4620,112.5790\n";
    let file = db.dir().join("sidoarjo.csv");
    std::fs::write(&file, csv).expect("csv");
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    add_user(db, "kpu.sidoarjo", "kpu", "35.15", "viewer", "rahasia-123");
    let app = TestApp::spawn(db);
    let kpu = format!("sinergi_session={}", app.login("kpu.sidoarjo", "rahasia-123"));
    let (s, _, html) = app.get_text("/peta/35.15?lapis=kerawanan&pemilu=pemilu-2024", Some(&kpu));
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("class=\"bingkai\""), "Sidoarjo's outline");
    for code in ["35.15.01", "35.15.02"] {
        let at = html.find(&format!("data-code=\"{code}\"><title>")).expect("the kecamatan is on the map");
        assert!(html[at..].split("</a>").next().is_some_and(|a| a.contains("<circle")), "{code} is a dot");
    }
    assert!(html.contains(">Tarik</text>") && html.contains(">Prambon</text>"), "dots are named");
    // A kecamatan without located TPS is still listed under the map.
    assert!(html.contains("data-code=\"35.15.03\""), "every kecamatan listed");
}

fn a_jombang_user_never_gets_a_mojokerto_figure(db: &TestDb) {
    let app = TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", CLOCK)]);
    for user in ["pemkab.jombang", "polres.jombang", "bawaslu.jombang"] {
        let c = cookie_for(&app, user);
        for layer in ["kesiapan", "kerawanan", "laporan", "hasil"] {
            let (s, _, html) = app.get_text(&format!("/peta/35.17?lapis={layer}&pemilu=pilkada-2024"), Some(&c));
            assert_eq!(s, 200, "{user} {layer}: {html}");
            let cs = codes(&html);
            assert!(cs.len() >= 21, "Jombang's kecamatan");
            assert!(cs.iter().all(|c| c.starts_with("35.17.")), "{user} {layer}: only Jombang's areas: {cs:?}");
            assert!(!html.contains("Mojokerto") && !html.contains("35.76"), "{user} {layer}: nothing of Mojokerto");
            if layer == "laporan" {
                assert!(!html.contains("href=\"/laporan/"), "counts, never a case file");
            }
            for other in ["35.76", "35.76.02", "35", "ID"] {
                let (s, _, page) = app.get_text(&format!("/peta/{other}?lapis={layer}&pemilu=pilkada-2024"), Some(&c));
                assert_eq!(s, 403, "{user} asking for {other}");
                // The refusal names the place asked for, and no figure of it.
                assert!(!page.contains("<svg id=\"peta\"") && !page.contains("% TPS") && !page.contains("laporan berjalan") && !page.contains("TPS masuk"), "{user} {other}: no figure");
            }
        }
        let (_, _, page) = app.get_text("/kerawanan?pemilu=pilkada-2024&wilayah=35.76", Some(&c));
        assert!(!page.contains("<svg id=\"peta\""), "{user}: no map of Mojokerto on the vulnerability page");
    }
    // Jombang's Pemda opens one of its kecamatan and a village: Jombang's figures all the way down.
    let pemda = cookie_for(&app, "pemkab.jombang");
    let (s, _, html) = app.get_text("/peta/35.17.01?lapis=kerawanan&pemilu=pilkada-2024", Some(&pemda));
    assert_eq!(s, 200);
    assert!(codes(&html).iter().all(|c| c.starts_with("35.17.01.")));
}

on_both_engines!(map_shows_outlines_names_and_the_chosen_layer, tps_are_points_at_village_level, areas_without_an_outline_keep_the_point_layout, a_jombang_user_never_gets_a_mojokerto_figure);
