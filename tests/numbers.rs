//! Numbers users type, pushed to their extremes through the real server on SQLite and
//! PostgreSQL: C.Hasil counts near i64::MAX (whose sum used to wrap to exactly the valid count
//! and turn SQLite's regional totals into floating point), negatives, and the ceiling ±1 are
//! refused naming the field; double-entered forms and their corrections leave the totals equal
//! to the sum of what counts, as JSON integers, and /hasil answers. Money: realisation beyond a
//! line's plan is refused on the API and on the /anggaran page, naming what is left.

mod common;

use common::{TestApp, TestDb, add_user, cli, error_of, stderr};
use serde_json::{Value, json};

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008";
/// 500 voters a TPS may serve by UU 7/2017 Ps 350(1), plus the 2% reserve.
const CEILING: i64 = 510;

fn import_tps(db: &TestDb, codes: &[String]) {
    let mut csv = String::from("code,address,dpt,lat,lon\n");
    for code in codes {
        csv.push_str(&format!("{code},Jl. Contoh,300,,\n"));
    }
    let file = db.dir().join("tps.csv");
    std::fs::write(&file, csv).expect("write tps");
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A consistent C.Hasil: `v` votes per candidate, `invalid` invalid, DPT 300; the voters who
/// used their vote are the DPT's plus `moved` moved voters (a TPS lokasi khusus has many).
fn form(v: [i64; 3], invalid: i64, moved: i64) -> Value {
    let valid: i64 = v.iter().sum();
    let used = valid + invalid;
    let from_dpt = used - moved;
    let received = used + 6;
    json!({
        "source": "kpu",
        "voters": {"dpt": {"l": 150, "p": 150}, "dptb": {"l": moved, "p": 0}, "dpk": {"l": 0, "p": 0}},
        "users": {"dpt": {"l": from_dpt / 2, "p": from_dpt - from_dpt / 2}, "dptb": {"l": moved, "p": 0}, "dpk": {"l": 0, "p": 0}},
        "disabled": {"voters": 0, "users": 0},
        "ballots": {"received": received, "used": used, "spoiled": 0, "unused": 6},
        "votes": {"01": v[0], "02": v[1], "03": v[2]},
        "valid": valid,
        "invalid": invalid,
    })
}

fn set(v: &mut Value, path: &str, n: i64) {
    let mut at = v;
    for part in path.split('.') {
        at = &mut at[part];
    }
    *at = json!(n);
}

fn extreme_numbers_never_wrap_and_totals_stay_integer_sums(db: &TestDb) {
    let tps: Vec<String> = (1..=3).map(|n| format!("{VILLAGE}.{n:03}")).collect();
    import_tps(db, &tps);
    add_user(db, "kpps.a", "kpu", "35.76.02", "operator", PW);
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    let mut app = TestApp::spawn(db);
    let (a, b) = (app.login("kpps.a", PW), app.login("kpps.b", PW));
    let url = |t: &str| format!("/api/v1/elections/pemilu-2024/results/{t}/presiden");

    // The attack: two candidates near i64::MAX, and the third's votes chosen so the 64-bit sum
    // wraps to exactly the valid count (MAX + MAX + 214 = 212). Twice, by two users.
    let mut attack = form([112, 81, 19], 1, 3);
    set(&mut attack, "votes.01", i64::MAX);
    set(&mut attack, "votes.02", i64::MAX);
    set(&mut attack, "votes.03", 214);
    for token in [&a, &b] {
        let (s, v) = app.put(&url(&tps[0]), Some(token), &attack);
        assert_eq!((s, error_of(&v)), (422, ("validation_failed".to_string(), Some("votes.01".to_string()))), "{v}");
    }
    // Every field at the extremes and at the ceiling's edge, refused naming that field.
    let fields = ["valid", "invalid", "votes.02", "ballots.received", "ballots.unused", "users.dpt.l", "voters.dpt.p", "voters.dptb.l", "disabled.voters"];
    for (i, field) in fields.iter().enumerate() {
        for n in [i64::MAX, i64::MIN, -1, CEILING + 1, 1_000_000_000_000_000_000] {
            let mut f = form([100, 80, 20], 3, 1 + i as i64);
            set(&mut f, field, n);
            let (s, v) = app.put(&url(&tps[1]), Some(&a), &f);
            assert_eq!((s, error_of(&v).1.as_deref()), (422, Some(*field)), "{field} = {n}: {v}");
            let m = v["error"]["message"].as_str().unwrap_or("");
            assert!(n < 0 || m.contains(&CEILING.to_string()), "the message says the limit: {m}");
        }
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM result_entries"), 0, "nothing of a refused form is stored");

    // Forms at the edge of what a TPS can hold (a lokasi khusus with 200 moved voters) are
    // accepted, double-entered, corrected; what counts is summed exactly.
    let mut counted: Vec<Value> = vec![];
    let cases = [
        (form([300, 100, 50], 10, 200), Some(form([300, 101, 49], 10, 200))),
        (form([0, 0, 0], 0, 0), None),
        (form([1, 2, 3], 4, 0), Some(form([3, 2, 1], 4, 0))),
    ];
    for (t, (first, correction)) in tps.iter().zip(cases) {
        for token in [&a, &b] {
            let (s, v) = app.put(&url(t), Some(token), &first);
            assert_eq!(s, 200, "{t}: {v}");
        }
        let mut last = first;
        if let Some(mut c) = correction {
            c["reason"] = json!("salah tulis, dibetulkan dalam pleno PPK");
            for token in [&a, &b] {
                let (s, v) = app.put(&url(t), Some(token), &c);
                assert_eq!(s, 200, "{t}: {v}");
            }
            last = c;
        }
        counted.push(last);
    }
    let sum = |f: &dyn Fn(&Value) -> i64| -> i64 { counted.iter().map(f).sum() };
    for region in [VILLAGE, "35.76.02", "35.76", "35", "ID"] {
        let (s, v) = app.get(&format!("/api/v1/elections/pemilu-2024/results/summary?contest=presiden&region={region}&children=true"), None);
        assert_eq!(s, 200, "{region}: {v}");
        for k in ["tps_in", "dpt", "users", "valid", "invalid", "discrepancies", "anomalies"] {
            assert!(v[k].is_i64(), "{region}: {k} is a JSON integer: {v}");
        }
        assert_eq!(v["tps_in"], 3, "{region}: {v}");
        assert_eq!(v["valid"].as_i64(), Some(sum(&|f| f["valid"].as_i64().unwrap_or(0))), "{region}: {v}");
        assert_eq!(v["invalid"].as_i64(), Some(sum(&|f| f["invalid"].as_i64().unwrap_or(0))), "{region}: {v}");
        assert_eq!(v["dpt"].as_i64(), Some(900), "{region}: {v}");
        assert_eq!(v["users"].as_i64(), Some(sum(&|f| f["ballots"]["used"].as_i64().unwrap_or(0))), "{region}: {v}");
        for c in v["candidates"].as_array().expect("candidates") {
            let id = c["id"].as_str().unwrap_or("");
            assert!(c["votes"].is_i64(), "{c}");
            assert_eq!(c["votes"].as_i64(), Some(sum(&|f| f["votes"][id].as_i64().unwrap_or(0))), "{region}: {id}");
        }
        // The stored aggregate is the same whole number.
        let stored = db.scalar(&format!("SELECT valid FROM result_totals WHERE election_id = 'pemilu-2024' AND contest = 'presiden' AND region_code = '{region}'"));
        assert_eq!(Some(stored), v["valid"].as_i64(), "{region}");
    }
    if matches!(db, TestDb::Sqlite { .. }) {
        let reals = db.scalar(
            "SELECT (SELECT COUNT(*) FROM result_totals WHERE typeof(tps_in) <> 'integer' OR typeof(dpt) <> 'integer' OR typeof(users) <> 'integer'
                     OR typeof(valid) <> 'integer' OR typeof(invalid) <> 'integer')
                  + (SELECT COUNT(*) FROM result_votes WHERE typeof(votes) <> 'integer')",
        );
        assert_eq!(reals, 0, "every aggregate is stored as an integer");
        // A floating-point total left by an older version still reads as a whole number.
        db.tamper("UPDATE result_totals SET valid = 1.5e19, dpt = 900.0 WHERE region_code = '35'");
        let (s, v) = app.get("/api/v1/elections/pemilu-2024/results/summary?contest=presiden&region=35", None);
        assert_eq!(s, 200, "{v}");
        assert!(v["valid"].is_i64() && v["dpt"] == 900, "{v}");

        // What an older version left: a counted form with a number no TPS holds, and totals in
        // floating point. At the next start the totals are recomputed from what counts (that
        // form does not), and the TPS can still be corrected, after which it counts again.
        let mut legacy = form([1, 2, 3], 4, 0);
        set(&mut legacy, "votes.01", i64::MAX);
        db.tamper(&format!("UPDATE results SET counted = '{legacy}' WHERE tps_code = '{}'", tps[1]));
        app = TestApp::spawn(db);
        let total = |app: &TestApp| app.get("/api/v1/elections/pemilu-2024/results/summary?contest=presiden&region=35", None).1;
        let v = total(&app);
        let valid = |f: &Value| f["valid"].as_i64().unwrap_or(0);
        assert_eq!((v["tps_in"].as_i64(), v["valid"].as_i64()), (Some(2), Some(valid(&counted[0]) + valid(&counted[2]))), "recomputed without the impossible form: {v}");
        let (a, b) = (app.login("kpps.a", PW), app.login("kpps.b", PW));
        let mut fix = form([7, 8, 9], 1, 0);
        fix["reason"] = json!("angka rusak dari versi lama, dibetulkan");
        for token in [&a, &b] {
            let (s, v) = app.put(&url(&tps[1]), Some(token), &fix);
            assert_eq!(s, 200, "the TPS can be corrected: {v}");
        }
        let v = total(&app);
        assert_eq!((v["tps_in"].as_i64(), v["valid"].as_i64()), (Some(3), Some(valid(&counted[0]) + 24 + valid(&counted[2]))), "{v}");
    }
    for page in ["/hasil?pemilu=pemilu-2024&kontes=presiden", "/hasil?pemilu=pemilu-2024&kontes=presiden&wilayah=35.76.02.1008", "/hasil/rekap/35.76.02?pemilu=pemilu-2024&kontes=presiden"] {
        let (s, _, html) = app.get_text(page, None);
        assert_eq!(s, 200, "{page}: {html}");
    }
    let (s, _, html) = app.get_text(&format!("/hasil/tps/{}?pemilu=pemilu-2024&kontes=presiden", tps[0]), None);
    assert_eq!(s, 200, "{html}");
}

fn spending_beyond_the_plan_is_refused_in_words(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let token = app.login("bawaslu.mjk", PW);
    let (s, v) = app.post(
        "/api/v1/budget/lines",
        Some(&token),
        &json!({"program": "Pengawasan", "activity": "Patroli", "region": "35.76", "unit": "Bawaslu Kota Mojokerto", "amount": 1_250_000}),
    );
    assert_eq!(s, 201, "{v}");
    let line = v["id"].as_i64().expect("id");
    let spend = |amount: i64| app.post(&format!("/api/v1/budget/lines/{line}/realisations"), Some(&token), &json!({"amount": amount, "date": "2024-10-15", "document_no": "SPM-1"}));
    assert_eq!(spend(1_000_000).0, 201);
    let (s, v) = spend(1_250_000_000_000);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("amount")), "a million-fold overspend: {v}");
    let m = v["error"]["message"].as_str().unwrap_or("");
    assert!(m.contains("Rp 250.000") && m.contains("Rp 1.250.000"), "names the plan and what is left: {m}");
    assert_eq!(spend(250_001).0, 422, "one rupiah over");
    assert_eq!(spend(250_000).0, 201, "exactly what is left");
    assert_eq!(spend(1).0, 422, "nothing is left");
    for amount in [i64::MAX, 100_000_000_000_001] {
        let (s, v) = app.post("/api/v1/budget/lines", Some(&token), &json!({"program": "P", "activity": "A", "region": "35.76", "unit": "Bawaslu Kota Mojokerto", "amount": amount}));
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("amount")), "{amount}: {v}");
    }
    let (_, sum) = app.get("/api/v1/budget/summary?region=35.76", Some(&token));
    assert_eq!((sum["plan"].as_i64(), sum["realised"].as_i64()), (Some(1_250_000), Some(1_250_000)), "{sum}");

    // The same refusal on the /anggaran page, in words beside the form.
    let cookie = format!("sinergi_session={token}");
    let (s, html, _) = app.post_form(&format!("/anggaran/pagu/{line}/realisasi"), &cookie, &[("amount", "1.000.000"), ("date", "2024-10-16"), ("document_no", "SPM-2")]);
    assert!(s < 500, "{s}");
    assert!(html.contains("sisa") && html.contains("Rp 0"), "the page says nothing is left of the plan: {s} {html}");
    let (_, sum) = app.get("/api/v1/budget/summary?region=35.76", Some(&token));
    assert_eq!(sum["realised"].as_i64(), Some(1_250_000), "nothing more was stored");
}

on_both_engines!(extreme_numbers_never_wrap_and_totals_stay_integer_sums, spending_beyond_the_plan_is_refused_in_words);
