//! The admin CLI as an operator uses it: TPS import (all or nothing, line-numbered errors),
//! export, users, the demo, the audit chain check against tampering, and the generator.

mod common;

use common::{TestApp, TestDb, add_user, cli, cli_lang, stderr, stdout};

fn write(db: &TestDb, name: &str, text: &str) -> String {
    let p = db.dir().join(name);
    std::fs::write(&p, text).expect("write file");
    p.display().to_string()
}

fn import_tps_is_all_or_nothing_with_line_numbers(db: &TestDb) {
    // RFC 4180: quoted commas, doubled quotes and a line break inside a quoted field.
    let good = "code,address,dpt,lat,lon\n\
        35.76.02.1008.001,\"Jl. Empunala No. 5, RT 01/RW 02\",250,-7.47,112.43\n\
        35.76.02.1008.002,\"Balai RW \"\"Sejahtera\"\"\",300,,\n\
        35.76.02.1008.003,\"Gedung Serbaguna\nLantai 1\",120,-7.48,112.44\n";
    let file = write(db, "tps.csv", good);
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", &file], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("3 TPS diimpor ke pemilu-2024 (3 baru, 0 diubah, 0 tetap)"), "{}", stdout(&o));
    if let TestDb::Postgres { .. } = db {
        // Election night reads the register right after the national import: the table is
        // vacuumed (rows visible to all, index-only lookups) and analysed by the import.
        assert_eq!(db.scalar("SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'tps' AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"), 1);
    }

    let app = TestApp::spawn(db);
    let (_, t) = app.get("/api/v1/elections/pemilu-2024/tps/35.76.02.1008.002", None);
    assert_eq!(t["address"], "Balai RW \"Sejahtera\"");
    assert_eq!(t["lat"], serde_json::Value::Null);
    let (_, t) = app.get("/api/v1/elections/pemilu-2024/tps/35.76.02.1008.003", None);
    assert_eq!(t["address"], "Gedung Serbaguna\nLantai 1");
    let (_, village) = app.get("/api/v1/regions/35.76.02.1008", None);
    assert_eq!((village["tps_count"]["pemilu-2024"].as_i64(), village["dpt_total"]["pemilu-2024"].as_i64()), (Some(3), Some(670)));
    drop(app);

    // A corrected file updates what exists.
    let corrected = good.replace(",120,", ",125,");
    let file = write(db, "tps-corrected.csv", &corrected);
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", &file], None);
    assert!(stdout(&o).contains("3 TPS diimpor ke pemilu-2024 (0 baru, 1 diubah, 2 tetap)"), "{}", stdout(&o));
    assert_eq!(db.scalar("SELECT dpt FROM tps WHERE code = '35.76.02.1008.003'"), 125);
    assert_eq!(db.scalar("SELECT dpt_total FROM tps_stats WHERE region_code = '35.76' AND election_id = 'pemilu-2024'"), 675);

    let tps_before = db.scalar("SELECT COUNT(*) FROM tps");
    let audit_before = db.scalar("SELECT COUNT(*) FROM audit_log");
    let bad = "code,address,dpt,lat,lon\n\
        35.76.02.1008.004,\"Baris baik\",200,,\n\
        35.76.02.1008.4,Kode salah,200,,\n\
        35.76.02.1999.001,Desa tidak ada,200,,\n\
        35.76.02.1008.005,\"Alamat\ndua baris\",301,,\n\
        35.76.02.1008.006,DPT bukan angka,banyak,,\n\
        35.76.02.1008.007,Lintang salah,100,-45.0,112.4\n\
        35.76.02.1008.004,Kode ganda,100,,\n\
        35.76.02.1008.008,Kolom kurang\n\
        35.76.02.1008.009,Alamat kosong,   ,,\n";
    let file = write(db, "bad.csv", bad);
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", &file], None);
    assert!(!o.status.success(), "a bad file must fail");
    let err = stderr(&o);
    for expected in [
        "baris 3: code:",
        "baris 4: code: desa/kelurahan 35.76.02.1999 tidak ada",
        "baris 5: dpt: DPT 301 melebihi 300",
        // Spreadsheet rows: the two-line address above is one row.
        "baris 6: dpt: \"banyak\" bukan bilangan bulat",
        "baris 7: lat: lintang -45 di luar wilayah Indonesia",
        "baris 8: code: TPS 35.76.02.1008.004 muncul lebih dari sekali",
        "baris 9: seharusnya 5 kolom, ada 2",
        "baris 10: dpt: wajib diisi",
        "8 baris salah",
        "tidak ada yang diimpor",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(!err.contains("baris 2:"), "line 2 is good:\n{err}");
    // The same refusals in English for an operator who asks for it.
    let o = cli_lang(db, "en", &["import", "tps", "--election", "pemilu-2024", &file], None);
    let err = stderr(&o);
    for expected in ["line 4: code: village 35.76.02.1999 does not exist", "line 6: dpt: \"banyak\" is not a whole number", "8 bad line(s)", "nothing was imported"] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM tps"), tps_before, "nothing written");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log"), audit_before, "nothing audited");

    let file = write(db, "noheader.csv", "code,address,dpt\n35.76.02.1008.004,x,1\n");
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", &file], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("baris 1: header: kolom \"lat\" tidak ada"), "{}", stderr(&o));
    let o = cli(db, &["import", "tps", "--election", "pemilu-2019", &file], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("pemilihan \"pemilu-2019\" tidak ada"), "{}", stderr(&o));
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", "/no/such/file.csv"], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("berkas /no/such/file.csv tidak dapat dibuka: berkas atau foldernya tidak ada"), "{}", stderr(&o));
}

fn import_rawan_is_all_or_nothing(db: &TestDb) {
    let tps = write(db, "tps.csv", "code,address,dpt,lat,lon\n35.17.01.2001.001,A,250,,\n35.17.01.2001.002,B,250,,\n35.17.01.2001.003,C,250,,\n");
    assert!(cli(db, &["import", "tps", "--election", "pemilu-2024", &tps], None).status.success());
    let bad = write(
        db,
        "rawan-bad.csv",
        "code,indicators\n35.17.01.2001.001,listrik;dptb\n35.17.01.2001.002,listrik;rawan_konflik\n35.17.01.2001.009,listrik\n35.17.01.2001.001,internet\n35.76.02.1008.001,listrik\n",
    );
    let o = cli(db, &["import", "rawan", "--election", "pemilu-2024", "--region", "35.17", &bad], None);
    assert!(!o.status.success());
    let err = stderr(&o);
    for expected in [
        "baris 3: indicators: indikator \"rawan_konflik\" tidak dikenal",
        "baris 4: code: TPS 35.17.01.2001.009 tidak terdaftar",
        "baris 5: code: TPS 35.17.01.2001.001 muncul lebih dari sekali",
        "baris 6: code: TPS 35.76.02.1008.001 di luar wilayah 35.17",
        "tidak ada yang diimpor",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM tps_vulnerability"), 0, "nothing written");
    let good = write(db, "rawan.csv", "code,indicators\n35.17.01.2001.001,kekerasan_intimidasi\n35.17.01.2001.002, listrik ; dptb \n35.17.01.2001.003,\n");
    let o = cli(db, &["import", "rawan", "--election", "pemilu-2024", "--region", "35.17", &good], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("pemetaan 3 TPS diimpor ke pemilu-2024 (2 memenuhi sedikitnya satu indikator)"), "{}", stdout(&o));
    assert_eq!(db.scalar("SELECT score FROM tps_vulnerability WHERE tps_code = '35.17.01.2001.001'"), 3);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM tps_vulnerability_history"), 3);
}

fn export_round_trips_through_import(db: &TestDb) {
    // Addresses a spreadsheet would run as formulas (a TPS address is typed by many hands).
    let file = write(
        db,
        "tps.csv",
        "code,address,dpt,lat,lon\n35.17.01.2001.001,\"Jl. A, 1\",500,-7.6,112.2\n35.17.01.2001.002,B,550,,\n\
         35.17.01.2001.003,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"klik\"\")\",100,,\n35.17.01.2001.004,+62 812 555,100,,\n\
         35.17.01.2001.005,-,100,,\n35.17.01.2001.006,@SUM(1+1),100,,\n35.17.01.2001.007,'kutip,100,,\n35.76.02.1008.001,C,400,,\n",
    );
    let o = cli(db, &["import", "tps", "--election", "pilkada-2024", &file], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = db.dir().join("export.csv");
    let o = cli(db, &["export", "tps", "--election", "pilkada-2024", "--region", "35.17", "--out", &out.display().to_string()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("7 TPS diekspor"));
    let text = std::fs::read_to_string(&out).expect("export file");
    // As Excel in the Indonesian locale opens it: BOM, `;`, decimal commas, names beside codes,
    // and no cell that starts like a formula.
    let rows = common::sheet_rows(&text);
    assert_eq!(rows[0], ["code", "address", "dpt", "lat", "lon", "provinsi", "kabupaten_kota", "kecamatan", "desa_kelurahan"]);
    assert_eq!(rows[1][..5], ["35.17.01.2001.001", "Jl. A, 1", "500", "-7,6", "112,2"]);
    assert_eq!(rows[1][5..7], ["Jawa Timur", "Kabupaten Jombang"], "{:?}", rows[1]);
    assert_eq!(rows[2][..5], ["35.17.01.2001.002", "B", "550", "", ""]);
    for (row, address) in [(3, "'=HYPERLINK(\"http://evil.example\",\"klik\")"), (4, "'+62 812 555"), (5, "'-"), (6, "'@SUM(1+1)"), (7, "''kutip")] {
        assert_eq!(rows[row][1], address, "neutralised");
    }
    for r in &rows[1..] {
        for c in r {
            assert!(!c.starts_with(['=', '+', '@']) && !(c.starts_with('-') && c.parse::<f64>().is_err() && c.replace(',', ".").parse::<f64>().is_err()), "{c:?} in {r:?}");
        }
    }
    // And it imports back unchanged.
    let o = cli(db, &["import", "tps", "--election", "pilkada-2024", &out.display().to_string()], None);
    assert!(stdout(&o).contains("(0 baru, 0 diubah, 7 tetap)"), "{}{}", stdout(&o), stderr(&o));
    let app = TestApp::spawn(db);
    let (_, t) = app.get("/api/v1/elections/pilkada-2024/tps/35.17.01.2001.003", None);
    assert_eq!(t["address"], "=HYPERLINK(\"http://evil.example\",\"klik\")", "stored as typed; only the file protects it");
    let (_, t) = app.get("/api/v1/elections/pilkada-2024/tps/35.17.01.2001.007", None);
    assert_eq!(t["address"], "'kutip");
    // The public download of the same TPS is the same file.
    let (_, _, public) = app.get_text("/wilayah/35.17.01.2001/tps.csv?pemilu=pilkada-2024", None);
    assert_eq!(common::sheet_rows(&public), rows, "the public TPS CSV is the export");
}

/// A file as Excel saves it in the Indonesian locale: byte order mark, `;`, CRLF.
fn excel(lines: &[&str]) -> String {
    format!("\u{feff}{}\r\n", lines.join("\r\n"))
}

fn excel_files_import_with_spreadsheet_line_numbers(db: &TestDb) {
    let bad = excel(&[
        "code;address;dpt;lat;lon",
        "35.17.01.2001.001;Balai desa;250;-7,55;112,23",
        "35.17.01.2001.002;Kode baik;banyak;;",
        "35.17.01.2001.003;\"Dua\r\nbaris\";250;;",
        "35.17.01.2001.004;Lintang;250;-45,0;112,2",
        "35.17.01.2001.005;Ada\u{7}bel;250;;",
        "35.17.01.2001.006;Arah\u{202E}balik;250;;",
    ]);
    let file = write(db, "excel-bad.csv", &bad);
    let o = cli_lang(db, "en", &["import", "tps", "--election", "pemilu-2024", &file], None);
    assert!(!o.status.success(), "a bad file must fail");
    let err = stderr(&o);
    for expected in ["line 3: dpt: \"banyak\"", "line 5: lat: latitude -45", "line 6: address", "line 7: address", "4 bad line(s)"] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(!err.contains("line 2:") && !err.contains("line 4:"), "lines 2 and 4 are good:\n{err}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM tps"), 0, "nothing written");

    let good = excel(&["code;address;dpt;lat;lon", "35.17.01.2001.001;Balai desa;250;-7,55;112,23", "35.17.01.2001.002;\"Jl. Mawar; No. 2\";300;;", "35.17.01.2001.003;C;250;;"]);
    let file = write(db, "excel.csv", &good);
    let o = cli_lang(db, "en", &["import", "tps", "--election", "pemilu-2024", &file], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("imported 3 TPS"), "{}", stdout(&o));
    let app = TestApp::spawn(db);
    let (_, t) = app.get("/api/v1/elections/pemilu-2024/tps/35.17.01.2001.001", None);
    assert_eq!((t["lat"].as_f64(), t["lon"].as_f64()), (Some(-7.55), Some(112.23)));
    let (_, t) = app.get("/api/v1/elections/pemilu-2024/tps/35.17.01.2001.002", None);
    assert_eq!(t["address"], "Jl. Mawar; No. 2");
    drop(app);

    // The TPS-rawan mapping, saved by Excel the same way.
    let bad = excel(&["code;indicators", "35.17.01.2001.001;\"listrik;dptb\"", "35.17.01.2001.009;listrik", "35.17.01.2001.002;listrik,tidak_ada", "35.17.01.2001.003;listrik\u{0}"]);
    let file = write(db, "rawan-bad.csv", &bad);
    let o = cli_lang(db, "en", &["import", "rawan", "--election", "pemilu-2024", "--region", "35.17", &file], None);
    assert!(!o.status.success());
    let err = stderr(&o);
    for expected in ["line 3: code: no TPS 35.17.01.2001.009", "line 4: indicators: unknown indicator \"tidak_ada\"", "line 5: indicators"] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(!err.contains("line 2:"), "{err}");
    let good = excel(&["code;indicators", "35.17.01.2001.001;\"listrik;dptb\"", "35.17.01.2001.002;listrik,dptb", "35.17.01.2001.003;"]);
    let file = write(db, "rawan.csv", &good);
    let o = cli_lang(db, "en", &["import", "rawan", "--election", "pemilu-2024", "--region", "35.17", &file], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("imported the mapping of 3 TPS into pemilu-2024 (2 meet at least one indicator)"), "{}", stdout(&o));
}

fn users_are_added_with_clear_refusals(db: &TestDb) {
    let o = cli(db, &["user", "add", "polres.jombang", "--agency", "polri", "--region", "35.17", "--role", "operator", "--password-stdin"], Some("rahasia-123\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Polres Jombang"), "{}", stdout(&o));
    // Each refusal in Bahasa Indonesia (the default) and in English on request.
    let refusals: [(&[&str], &str, &str, &str); 6] = [
        (&["user", "add", "polres.jombang", "--agency", "polri", "--region", "35.17", "--role", "operator", "--password-stdin"], "rahasia-123\n", "sudah dipakai", "already exists"),
        (&["user", "add", "x.y", "--agency", "polisi", "--region", "35.17", "--role", "operator", "--password-stdin"], "rahasia-123\n", "lembaga \"polisi\" tidak dikenal", "unknown agency \"polisi\""),
        (&["user", "add", "x.y", "--agency", "polri", "--region", "35.99", "--role", "operator", "--password-stdin"], "rahasia-123\n", "wilayah 35.99 tidak ada", "region 35.99 does not exist"),
        (&["user", "add", "x.y", "--agency", "polri", "--region", "35.17", "--role", "boss", "--password-stdin"], "rahasia-123\n", "peran \"boss\" tidak dikenal", "unknown role \"boss\""),
        (&["user", "add", "x.y", "--agency", "polri", "--region", "35.17", "--role", "viewer", "--password-stdin"], "pendek\n", "paling sedikit 8 karakter", "at least 8 characters"),
        (&["user", "add", "X Y", "--agency", "polri", "--region", "35.17", "--role", "viewer", "--password-stdin"], "rahasia-123\n", "huruf kecil", "lower-case letters"),
    ];
    for (args, stdin, id, en) in refusals {
        for (lang, expected) in [("id", id), ("en", en)] {
            let o = cli_lang(db, lang, args, Some(stdin));
            assert!(!o.status.success(), "{args:?} should fail");
            assert!(stderr(&o).contains(expected), "{lang} {args:?}: expected {expected:?} in {}", stderr(&o));
        }
    }
    let o = cli(db, &["user", "list"], None);
    assert_eq!(stdout(&o).lines().filter(|l| l.starts_with("polres.jombang")).count(), 1);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM users"), 1);
    let app = TestApp::spawn(db);
    let token = app.login("polres.jombang", "rahasia-123");
    let (_, me) = app.get("/api/v1/me", Some(&token));
    assert_eq!((me["unit"]["name"].as_str(), me["agency"].as_str()), (Some("Polres Jombang"), Some("polri")));
}

fn demo_loads_once_and_prints_logins(db: &TestDb) {
    let o = cli(db, &["demo"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for login in ["kpu.kotamojokerto", "bawaslu.jombang", "polres.bojonegoro", "kodim.kabmadiun", "kejari.kotamadiun", "pemkot.jakpus", "kesbangpol.jombang", "dkpp"] {
        assert!(out.contains(login), "{login} missing from:\n{out}");
    }
    assert!(out.contains("sinergi-demo"));
    let users = db.scalar("SELECT COUNT(*) FROM users");
    assert!(users >= 45, "{users} users");
    for agency in ["kpu", "bawaslu", "polri", "tni", "kejaksaan", "pemda", "dkpp"] {
        assert!(db.scalar(&format!("SELECT COUNT(*) FROM agency_units WHERE agency = '{agency}'")) >= 1, "{agency}");
    }
    for (regency, election) in [("35.76", "pemilu-2024"), ("35.17", "pilkada-2024"), ("35.22", "pemilu-2024"), ("35.19", "pilkada-2024"), ("35.77", "pemilu-2024"), ("31.71", "pilkada-2024")] {
        let n = db.scalar(&format!("SELECT tps_count FROM tps_stats WHERE election_id = '{election}' AND region_code = '{regency}'"));
        assert!(n > 10, "{regency} {election}: {n} TPS");
    }
    let outside = db.scalar(
        "SELECT COUNT(*) FROM tps WHERE substr(code, 1, 5) NOT IN ('35.76', '35.17', '35.22', '35.19', '35.77', '31.71')",
    );
    assert_eq!(outside, 0);
    let over = db.scalar("SELECT COUNT(*) FROM tps WHERE (election_id = 'pemilu-2024' AND dpt > 300) OR dpt > 600");
    assert_eq!(over, 0, "DPT within each election's maximum");
    let pemilu = db.scalar("SELECT COUNT(*) FROM tps WHERE election_id = 'pemilu-2024'");
    let pilkada = db.scalar("SELECT COUNT(*) FROM tps WHERE election_id = 'pilkada-2024'");
    assert!(pilkada < pemilu, "Pilkada TPS hold up to 600 voters, so there are fewer: {pilkada} vs {pemilu}");

    // Logistics: shipments in every state, a discrepancy alert, a readiness picture.
    assert_eq!(db.scalar("SELECT COUNT(DISTINCT status) FROM logistics_shipments"), 3);
    assert!(db.scalar("SELECT COUNT(*) FROM alerts WHERE kind = 'logistik.selisih'") >= 1);
    assert!(db.scalar("SELECT COUNT(*) FROM logistics_stock WHERE location LIKE '35.76.02.1008.%' AND good > 0") > 0);
    assert!(db.scalar("SELECT COUNT(*) FROM logistics_signatures") >= 10);

    // Kerawanan: few sangat rawan, more rawan; one Polsek area short of personnel.
    let sangat = db.scalar("SELECT COUNT(*) FROM tps_vulnerability WHERE grade = 'sangat_rawan'");
    let rawan = db.scalar("SELECT COUNT(*) FROM tps_vulnerability WHERE grade = 'rawan'");
    assert!(sangat > 0 && rawan > sangat * 2, "sangat rawan {sangat}, rawan {rawan}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM security_personnel WHERE election_id = 'pilkada-2024' AND region_code LIKE '35.76.%'"), 3);

    let tps = db.scalar("SELECT COUNT(*) FROM tps");
    let o = cli(db, &["demo"], None);
    assert!(o.status.success());
    assert!(stdout(&o).contains("sudah berisi data"));
    assert_eq!((db.scalar("SELECT COUNT(*) FROM users"), db.scalar("SELECT COUNT(*) FROM tps")), (users, tps));
    let o = cli(db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn serve_demo_fills_an_empty_database(db: &TestDb) {
    let app = TestApp::spawn_with(db, &["--demo"]);
    let token = app.login("polres.jombang", "sinergi-demo");
    let (_, me) = app.get("/api/v1/me", Some(&token));
    assert_eq!(me["unit"]["name"], "Polres Jombang");
    let (_, r) = app.get("/api/v1/regions/35.76", None);
    assert!(r["tps_count"]["pemilu-2024"].as_i64().is_some_and(|n| n > 50), "{r}");
}

fn audit_verify(db: &TestDb) -> (bool, String) {
    let o = cli(db, &["audit", "verify"], None);
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

fn audit_chain_with_entries(db: &TestDb) {
    add_user(db, "a.one", "kpu", "35.17", "operator", "rahasia-123");
    add_user(db, "a.two", "kpu", "35.76", "operator", "rahasia-123");
    let (ok, out) = audit_verify(db);
    assert!(ok, "{out}");
    assert!(out.contains("rantai audit utuh"), "{out}");
    assert!(db.scalar("SELECT COUNT(*) FROM audit_log") >= 7);
}

fn audit_detects_a_changed_column(db: &TestDb) {
    audit_chain_with_entries(db);
    db.tamper("UPDATE audit_log SET detail = '{\"role\": \"admin\"}' WHERE seq = 5");
    let (ok, out) = audit_verify(db);
    assert!(!ok, "a changed detail must be found");
    assert!(out.contains("catatan 5"), "{out}");
}

fn audit_detects_a_changed_actor(db: &TestDb) {
    audit_chain_with_entries(db);
    db.tamper("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 6");
    let (ok, out) = audit_verify(db);
    assert!(!ok, "a changed actor must be found");
    assert!(out.contains("catatan 6"), "{out}");
}

fn audit_detects_a_removed_entry(db: &TestDb) {
    audit_chain_with_entries(db);
    db.tamper("DELETE FROM audit_log WHERE seq = 4");
    let (ok, out) = audit_verify(db);
    assert!(!ok);
    assert!(out.contains("catatan 4"), "{out}");
}

fn audit_detects_a_removed_last_entry(db: &TestDb) {
    audit_chain_with_entries(db);
    let last = db.scalar("SELECT MAX(seq) FROM audit_log");
    db.tamper(&format!("DELETE FROM audit_log WHERE seq = {last}"));
    let (ok, out) = audit_verify(db);
    assert!(!ok, "removing the newest entry must be found");
    assert!(out.contains(&format!("catatan {last}")), "{out}");
}

fn audit_detects_reordering(db: &TestDb) {
    audit_chain_with_entries(db);
    db.tamper("UPDATE audit_log SET seq = -1 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = -1;");
    let (ok, out) = audit_verify(db);
    assert!(!ok);
    assert!(out.contains("catatan 3"), "{out}");
}

on_both_engines!(
    import_tps_is_all_or_nothing_with_line_numbers,
    import_rawan_is_all_or_nothing,
    export_round_trips_through_import,
    excel_files_import_with_spreadsheet_line_numbers,
    users_are_added_with_clear_refusals,
    demo_loads_once_and_prints_logins,
    serve_demo_fills_an_empty_database,
    audit_detects_a_changed_column,
    audit_detects_a_changed_actor,
    audit_detects_a_removed_entry,
    audit_detects_a_removed_last_entry,
    audit_detects_reordering,
);

#[test]
fn gen_writes_a_national_file_that_imports() {
    let db = TestDb::sqlite();
    let out = db.dir().join("pilkada.csv");
    let o = cli(&db, &["gen", "tps", "--election", "pilkada-2024", "--out", &out.display().to_string()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("435296 TPS untuk pilkada-2024 ditulis"), "{}", stdout(&o));
    let text = std::fs::read_to_string(&out).expect("generated file");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("code,address,dpt,lat,lon"));
    let mut rows = 0;
    let mut villages = std::collections::HashSet::new();
    for line in lines.clone() {
        rows += 1;
        let dpt: i64 = line.split(',').rev().nth(2).and_then(|d| d.parse().ok()).expect("dpt column");
        assert!((1..=600).contains(&dpt), "{line}");
        villages.insert(&line[..13]);
    }
    assert_eq!(rows, 435_296);
    assert_eq!(villages.len(), 83_763, "every village has at least one TPS");
    // A slice of it imports cleanly.
    let slice: String = text.lines().take(3001).map(|l| format!("{l}\n")).collect();
    let file = write(&db, "slice.csv", &slice);
    let o = cli(&db, &["import", "tps", "--election", "pilkada-2024", &file], None);
    assert!(stdout(&o).contains("3000 TPS diimpor"), "{}{}", stdout(&o), stderr(&o));
}
