//! The C.Hasil as data (`GET /api/v1/elections/{id}/form-rules`): the table the field app
//! checks a form with is the one the server gates with. An evaluator written here, over the
//! served JSON and the JSON body (as the page's script evaluates them), must name exactly the
//! identities the PUT refuses — for legal forms and for every identity broken on its own — on
//! SQLite and PostgreSQL.

mod common;

use std::collections::BTreeSet;

use common::{TestApp, TestDb, add_user, cli, error_of, stderr};
use serde_json::{Value, json};

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008";

fn import_tps(db: &TestDb, election: &str, n: usize) {
    let mut csv = String::from("code,address,dpt,lat,lon\n");
    for i in 1..=n {
        csv.push_str(&format!("{VILLAGE}.{i:03},Jl. Contoh,250,,\n"));
    }
    let file = db.dir().join(format!("tps-{election}.csv"));
    std::fs::write(&file, csv).expect("write tps");
    let o = cli(db, &["import", "tps", "--election", election, file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A number of the body by its dot path; None when the form left it empty.
fn at<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(body, |v, k| v.get(k))
}

fn row_value(row: &Value) -> Option<i128> {
    match row.get("total").and_then(Value::as_i64) {
        Some(t) => Some(i128::from(t)),
        None => Some(i128::from(row.get("l")?.as_i64()?) + i128::from(row.get("p")?.as_i64()?)),
    }
}

/// One term of the served table over a body, as the field app's script reads it.
fn term(table: &Value, body: &Value, t: &Value) -> Option<i128> {
    let total_row = table["total_row"].as_str().expect("total_row");
    let constant = |name: &str| table["constants"][name].as_i64().map(i128::from);
    let (kind, arg) = t.as_object().and_then(|o| o.iter().next()).expect("a term is one key");
    match kind.as_str() {
        "field" => at(body, arg.as_str()?)?.as_i64().map(i128::from),
        "row" => row_value(at(body, arg.as_str()?)?),
        "constant" => constant(arg.as_str()?),
        "reserve" => {
            let n = row_value(at(body, arg["row"].as_str()?)?)?;
            let bp = constant(arg["basis_points"].as_str()?)?;
            Some((n * bp + 9_999).div_euclid(10_000))
        }
        "sum" => {
            let path: Vec<&str> = arg.as_str()?.split('.').collect();
            let rows = body.get(path[0])?.as_object()?;
            assert_eq!(path.get(1), Some(&"*"), "{arg}");
            let mut sum = 0i128;
            for (k, v) in rows {
                if path[0] != "votes" && k == total_row {
                    continue;
                }
                sum += match path.get(2) {
                    Some(col) => i128::from(v.get(*col)?.as_i64()?),
                    None if path[0] == "votes" => i128::from(v.as_i64()?),
                    None => row_value(v)?,
                };
            }
            Some(sum)
        }
        other => panic!("unknown term {other}"),
    }
}

/// The identities the served table says a body breaks: (hard, warnings), each with both sides.
fn evaluate(table: &Value, body: &Value) -> (BTreeSet<(String, i64, i64)>, BTreeSet<(String, i64, i64)>) {
    let (mut hard, mut warn) = (BTreeSet::new(), BTreeSet::new());
    for id in table["identities"].as_array().expect("identities") {
        let side = |s: &str| id[s].as_array().expect("side").iter().map(|t| term(table, body, t)).sum::<Option<i128>>();
        let (Some(l), Some(r)) = (side("left"), side("right")) else { continue };
        let ok = match id["cmp"].as_str() {
            Some("eq") => l == r,
            Some("le") => l <= r,
            other => panic!("cmp {other:?}"),
        };
        if !ok {
            let f = (id["name"].as_str().expect("name").to_string(), l as i64, r as i64);
            if id["warning"] == json!(true) { warn.insert(f) } else { hard.insert(f) };
        }
    }
    (hard, warn)
}

fn failures(v: &Value) -> BTreeSet<(String, i64, i64)> {
    v.as_array().map_or(vec![], Vec::clone).iter().map(|f| (f["identity"].as_str().unwrap_or("").to_string(), f["left"].as_i64().unwrap_or(0), f["right"].as_i64().unwrap_or(0))).collect()
}

fn lp(l: i64, p: i64) -> Value {
    json!({"l": l, "p": p, "total": l + p})
}

/// A legal C.Hasil with every Jumlah written: 3 + 1 + 2 voters beyond the DPT's 250.
fn legal(source: &str, cats: [&str; 3], cands: &[&str]) -> Value {
    let votes: serde_json::Map<String, Value> = cands.iter().enumerate().map(|(i, c)| (c.to_string(), json!(if i == 0 { 120 - cands.len() as i64 + 1 } else { 1 }))).collect();
    json!({
        "source": source,
        "voters": {cats[0]: lp(120, 130), cats[1]: lp(1, 0), cats[2]: lp(2, 0), "jumlah": lp(123, 130)},
        "users": {cats[0]: lp(100, 99), cats[1]: lp(1, 0), cats[2]: lp(2, 0), "jumlah": lp(103, 99)},
        "disabled": {"voters": 2, "users": 1},
        "ballots": {"received": 257, "used": 202, "spoiled": 1, "unused": 54},
        "votes": votes,
        "valid": 120,
        "invalid": 82,
    })
}

/// The numbers a term reads, to break its identity through them (a row's L, and its Jumlah
/// when written, which the row's value is then).
fn targets(t: &Value, body: &Value, cats: [&str; 3], cand: &str) -> Vec<String> {
    let Some((kind, arg)) = t.as_object().and_then(|o| o.iter().next()) else { return vec![] };
    let Some(arg) = arg.as_str() else { return vec![] };
    let row = |r: &str| {
        let mut out = vec![format!("{r}.l")];
        if at(body, &format!("{r}.total")).is_some() {
            out.push(format!("{r}.total"));
        }
        out
    };
    let parts: Vec<&str> = arg.split('.').collect();
    match (kind.as_str(), parts.as_slice()) {
        ("field", _) => vec![arg.to_string()],
        ("row", _) => row(arg),
        ("sum", ["votes", "*"]) => vec![format!("votes.{cand}")],
        ("sum", [g, "*", col]) => vec![format!("{g}.{}.{col}", cats[0])],
        ("sum", [g, "*"]) => row(&format!("{g}.{}", cats[0])),
        _ => vec![],
    }
}

fn bump(body: &mut Value, path: &str, by: i64) {
    let mut v = &mut *body;
    for k in path.split('.') {
        v = &mut v[k];
    }
    *v = json!(v.as_i64().expect("a number") + by);
}

fn the_page_and_the_server_gate_with_one_table(db: &TestDb) {
    import_tps(db, "pemilu-2024", 40);
    import_tps(db, "pilkada-2024", 40);
    add_user(db, "ptps", "bawaslu", "35.76", "operator", PW);
    add_user(db, "kpu.jatim", "kpu", "35", "supervisor", PW);
    let app = TestApp::spawn(db);
    let ptps = app.login("ptps", PW);
    let list = json!({"candidates": [{"number": 1, "name": "Pasangan Satu"}, {"number": 2, "name": "Pasangan Dua"}]});
    assert_eq!(app.put("/api/v1/elections/pilkada-2024/candidates/35/gubernur", Some(&app.login("kpu.jatim", PW)), &list).0, 200);

    // Public, per election kind, in the paper's order, with the constants of the election.
    let (s, pemilu) = app.get("/api/v1/elections/pemilu-2024/form-rules", None);
    assert_eq!(s, 200, "{pemilu}");
    let (_, pilkada) = app.get("/api/v1/elections/pilkada-2024/form-rules", None);
    let keys = |t: &Value| t["categories"].as_array().expect("categories").iter().map(|c| c["key"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();
    assert_eq!(keys(&pemilu), ["dpt", "dptb", "dpk"]);
    assert_eq!(keys(&pilkada), ["dpt", "dpph", "dptb"]);
    assert_eq!(pilkada["categories"][1]["label_id"], "Pemilih pindahan (DPPh)");
    assert_eq!((pemilu["constants"]["max_voters_per_tps"].as_i64(), pemilu["constants"]["max_count"].as_i64()), (Some(300), Some(510)));
    assert_eq!((pilkada["constants"]["reserve_bp"].as_i64(), pilkada["constants"]["max_count"].as_i64()), (Some(250), Some(820)));
    let paths: Vec<&str> = pemilu["fields"].as_array().expect("fields").iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths[..4], ["voters.dpt.l", "voters.dpt.p", "voters.dpt.total", "voters.dptb.l"]);
    assert_eq!(paths[paths.len() - 3..], ["votes.*", "valid", "invalid"]);
    let names: Vec<&str> = pilkada["identities"].as_array().expect("identities").iter().filter_map(|i| i["name"].as_str()).collect();
    assert!(names.contains(&"jumlah_lp.pengguna_dpph") && !names.contains(&"jumlah_lp.pengguna_dpk"), "{names:?}");
    let s_sah = pemilu["identities"].as_array().expect("identities").iter().find(|i| i["name"] == "suara_sah").expect("suara_sah");
    assert_eq!(s_sah["statement_id"], "jumlah suara semua calon = suara sah");
    assert_eq!(s_sah["left"], json!([{"sum": "votes.*"}]));
    let (s, v) = app.get("/api/v1/elections/pemilu-2019/form-rules", None);
    assert_eq!((s, error_of(&v).0.as_str()), (404, "not_found"), "{v}");

    let mut tps = 0;
    let mut cases = 0;
    for (election, contest, table, cats, cands) in [
        ("pemilu-2024", "presiden", &pemilu, ["dpt", "dptb", "dpk"], &["01", "02", "03"][..]),
        ("pilkada-2024", "gubernur", &pilkada, ["dpt", "dpph", "dptb"], &["01", "02"][..]),
    ] {
        let base = legal("bawaslu", cats, cands);
        let mut forms = vec![("legal".to_string(), base.clone())];
        // Without the optional Jumlah cells: the identities over them are not checked.
        let mut bare = base.clone();
        for g in ["voters", "users"] {
            bare[g].as_object_mut().expect("rows").remove("jumlah");
            for c in cats {
                bare[g][c].as_object_mut().expect("row").remove("total");
            }
        }
        forms.push(("without Jumlah".into(), bare));
        // Each identity broken through one number its left side reads.
        for id in table["identities"].as_array().expect("identities") {
            let name = id["name"].as_str().expect("name");
            let t = id["left"].as_array().expect("left").iter().map(|t| targets(t, &base, cats, cands[0])).find(|t| !t.is_empty()).unwrap_or_else(|| panic!("{name}: no number to break it by"));
            let side = |b: &Value, s: &str| id[s].as_array().expect("side").iter().map(|x| term(table, b, x)).sum::<Option<i128>>().expect("evaluated");
            let by = if id["cmp"] == "eq" { 1 } else { ((side(&base, "right") - side(&base, "left") + 1) as i64).max(1) };
            let mut broken = base.clone();
            for path in &t {
                bump(&mut broken, path, by);
            }
            forms.push((format!("{name} via {} + {by}", t.join(", ")), broken));
        }
        for (what, body) in forms {
            let (hard, warn) = evaluate(table, &body);
            tps += 1;
            let (s, v) = app.put(&format!("/api/v1/elections/{election}/results/{VILLAGE}.{tps:03}/{contest}"), Some(&ptps), &body);
            if hard.is_empty() {
                assert_eq!(s, 200, "{election} {what}: the table passes it, the server must too: {v}");
                assert_eq!(failures(&v["sources"][0]["warnings"]), warn, "{election} {what}: the same warnings");
            } else {
                assert_eq!((s, error_of(&v).0.as_str()), (422, "rejected"), "{election} {what}: the table refuses {hard:?}: {v}");
                assert_eq!(failures(&v["error"]["details"]["failures"]), hard, "{election} {what}: the same identities, the same sides");
            }
            if let Some(name) = what.split(" via ").next().filter(|_| what.contains(" via ")) {
                assert!(hard.iter().chain(&warn).any(|f| f.0 == name), "{election} {what}: the break is seen: {hard:?} {warn:?}");
            }
            cases += 1;
        }
    }
    assert!(cases >= 2 * 19, "{cases}");
}

on_both_engines!(the_page_and_the_server_gate_with_one_table);
