//! `sinergi log watch URL`, the monitor an observer runs, against the real server, on SQLite
//! and PostgreSQL: it accepts a log that grows (the state file follows it) and refuses a
//! checkpoint that the given key did not sign; after an older database is restored and new
//! entries are signed, it names the rollback and the fork against the checkpoint it kept; and
//! it names, by TPS and field, every number of an observer's CSV that differs from the log.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use common::{TestApp, TestDb, add_user, cli, cli_env, restore, snapshot, stderr, stdout};
use serde_json::{Value, json};

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008";

fn tps(n: u32) -> String {
    format!("{VILLAGE}.{n:03}")
}

fn setup(db: &TestDb) -> TestApp {
    let mut csv = String::from("code,address,dpt,lat,lon\n");
    for n in 1..=4 {
        csv.push_str(&format!("{},Jl. Contoh,250,,\n", tps(n)));
    }
    let file = db.dir().join("tps.csv");
    std::fs::write(&file, csv).expect("write tps");
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    add_user(db, "kpps.a", "kpu", "35.76.02", "operator", PW);
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    add_user(db, "kpps.c", "kpu", "35.76.02", "operator", PW);
    add_user(db, "ptps", "bawaslu", "35.76", "operator", PW);
    TestApp::spawn(db)
}

/// A C.Hasil of the presidential contest with these votes for 01, 02, 03 and 3 invalid.
fn tally(source: &str, v: [i64; 3]) -> Value {
    common::presiden_form(source, v, 3)
}

fn submit(app: &TestApp, token: &str, n: u32, body: &Value) {
    let (s, v) = app.put(&format!("/api/v1/elections/pemilu-2024/results/{}/presiden", tps(n)), Some(token), body);
    assert_eq!(s, 200, "{v}");
}

/// Waits (up to 10 s) until the served checkpoint covers exactly `size` leaves; returns it.
fn checkpoint_of(app: &TestApp, size: u64) -> String {
    let start = Instant::now();
    loop {
        let (s, _, note) = app.get_text("/log/checkpoint", None);
        if s == 200 && note.lines().nth(1) == Some(size.to_string().as_str()) {
            return note;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no checkpoint of {size} leaves after 10 s (status {s}: {note})");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The verifier key `sinergi log key` prints, with the key file `SINERGI_LOG_KEY` names (the
/// server's own when None).
fn verifier_key(db: &TestDb, key_file: Option<&Path>) -> String {
    let env: Vec<(&str, &str)> = key_file.map(|p| vec![("SINERGI_LOG_KEY", p.to_str().expect("path"))]).unwrap_or_default();
    let o = cli_env(db, &env, &["log", "key"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().find_map(|l| l.strip_prefix("kunci verifikasi: ")).expect("verifier key line").to_string()
}

/// `sinergi log watch` the app with this key and state file, and more arguments.
fn watch(db: &TestDb, app: &TestApp, key: &str, state: &Path, more: &[&str]) -> Output {
    let mut args = vec!["log", "watch", app.base.as_str(), "--key", key, "--state", state.to_str().expect("path")];
    args.extend_from_slice(more);
    cli(db, &args, None)
}

fn watch_accepts_a_growing_log_and_refuses_a_wrong_key(db: &TestDb) {
    let app = setup(db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, 1, &tally("kpu", [100, 80, 20]));
    let first = checkpoint_of(&app, 1);
    let key = verifier_key(db, None);
    let state = db.dir().join("pengamat.checkpoint");

    let o = watch(db, &app, &key, &state, &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("checkpoint sah: 1 daun"), "{}", stdout(&o));
    assert!(stdout(&o).contains("pertama kali dilihat"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&state).expect("state written"), first, "the state keeps the accepted checkpoint's note");

    // The log grows: the next run proves the new checkpoint extends the kept one.
    submit(&app, &a, 2, &tally("kpu", [90, 90, 20]));
    submit(&app, &a, 3, &tally("kpu", [70, 100, 30]));
    let third = checkpoint_of(&app, 3);
    let o = watch(db, &app, &key, &state, &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("checkpoint yang diterima sebelumnya: 1 daun"), "{}", stdout(&o));
    assert!(stdout(&o).contains("checkpoint sah: 3 daun"), "{}", stdout(&o));
    assert!(stdout(&o).contains("memperluas 1 daun sebelumnya (bukti konsistensi sah)"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&state).expect("state"), third);
    let o = watch(db, &app, &key, &state, &[]);
    assert!(o.status.success() && stdout(&o).contains("sama dengan yang diterima sebelumnya"), "{}{}", stdout(&o), stderr(&o));

    // A server that cannot answer the proof now (its database failing under it, as during a
    // failover: 500) has proved nothing either way: reported as unreachable (exit 1, not the
    // 2 of a fork), the state kept, and the next round, once it answers, goes on.
    submit(&app, &a, 4, &tally("kpu", [60, 110, 30]));
    let fourth = checkpoint_of(&app, 4);
    db.tamper("ALTER TABLE tlog_hashes RENAME TO tlog_hashes_away");
    let o = watch(db, &app, &key, &state, &[]);
    db.tamper("ALTER TABLE tlog_hashes_away RENAME TO tlog_hashes");
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("tidak dapat membuktikan konsistensi checkpoint 3 → 4 saat ini (500"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&state).expect("state"), third, "nothing accepted while nothing was proved");
    let o = watch(db, &app, &key, &state, &[]);
    assert!(o.status.success() && stdout(&o).contains("checkpoint sah: 4 daun"), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(std::fs::read_to_string(&state).expect("state"), fourth);

    // Another key of the same origin did not sign this log: the run fails, naming the
    // signature, and keeps no state.
    let other = verifier_key(db, Some(&db.dir().join("lain-log.key")));
    assert_ne!(other, key);
    assert_eq!(other.split('+').next(), key.split('+').next(), "the same origin, another key");
    let fresh = db.dir().join("baru.checkpoint");
    let o = watch(db, &app, &other, &fresh, &[]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("checkpoint dari server ditolak") && err.contains("tanda tangannya tidak sah menurut kunci log"), "{err}");
    assert!(!fresh.exists(), "nothing accepted, nothing kept");
    // A state kept for the right key is not taken over by the wrong one.
    let o = watch(db, &app, &other, &state, &[]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("tidak memuat checkpoint log ini"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&state).expect("state"), fourth, "the state is untouched");
    // In English on request.
    let o = common::cli_lang(db, "en", &["log", "watch", app.base.as_str(), "--key", other.as_str(), "--state", fresh.to_str().expect("path")], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("signature does not verify with the log's key"), "{}", stderr(&o));
    let o = cli(db, &["log", "watch", app.base.as_str(), "--key", "bukan-kunci"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("kunci verifikasi \"bukan-kunci\" tidak sah"), "{}", stderr(&o));
}

fn watch_names_the_fork_of_a_restored_database(db: &TestDb) {
    let mut app = setup(db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, 1, &tally("kpu", [100, 80, 20]));
    checkpoint_of(&app, 1);
    app.stop();
    snapshot(db, "cadangan");
    app.restart(db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, 2, &tally("kpu", [90, 90, 20]));
    let published = checkpoint_of(&app, 2);
    let key = verifier_key(db, None);
    let state = db.dir().join("pengamat.checkpoint");
    let o = watch(db, &app, &key, &state, &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(std::fs::read_to_string(&state).expect("state"), published);

    // The older copy comes back: the server serves the copy's checkpoint of 1 leaf.
    app.stop();
    restore(db, "cadangan");
    app.restart(db);
    let o = watch(db, &app, &key, &state, &[]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("ROLLBACK/FORK: checkpoint server mencakup 1 daun, lebih sedikit dari 2 daun"), "{}", stderr(&o));

    // Other entries follow and the operator acknowledges: a checkpoint of the same size, signed
    // by the same key, with another root.
    let a = app.login("kpps.a", PW);
    submit(&app, &a, 3, &tally("kpu", [70, 100, 30]));
    let o = cli(db, &["log", "acknowledge"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let forked = checkpoint_of(&app, 2);
    assert_ne!(forked, published);
    let o = watch(db, &app, &key, &state, &[]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("FORK: checkpoint server berukuran 2 dengan akar"), "{}", stderr(&o));

    // And once it outgrows the kept checkpoint, no consistency proof can join them.
    submit(&app, &a, 4, &tally("kpu", [60, 110, 30]));
    checkpoint_of(&app, 3);
    let o = watch(db, &app, &key, &state, &[]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("FORK: checkpoint 3 daun") && err.contains("tidak memperluas checkpoint 2 daun yang sudah diterima"), "{err}");
    assert!(err.contains("bukti konsistensi gagal"), "{err}");
    assert_eq!(std::fs::read_to_string(&state).expect("state"), published, "the pre-restore checkpoint is still the one kept");

    // An observer who starts now sees a consistent log: only what was kept can tell.
    let o = watch(db, &app, &key, &db.dir().join("baru.checkpoint"), &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

fn watch_names_every_number_of_the_observers_csv_that_differs(db: &TestDb) {
    let app = setup(db);
    let (a, b, c, p) = (app.login("kpps.a", PW), app.login("kpps.b", PW), app.login("kpps.c", PW), app.login("ptps", PW));
    // TPS 1: KPU's double entry agrees; Bawaslu's copy differs in 02. TPS 2: two entries that
    // disagree, then a third that agrees with the second. Then a correction of TPS 1 that only
    // one user has entered: revision 1 still counts.
    submit(&app, &a, 1, &tally("kpu", [100, 120, 20]));
    submit(&app, &b, 1, &tally("kpu", [100, 120, 20]));
    submit(&app, &p, 1, &tally("bawaslu", [100, 119, 21]));
    submit(&app, &a, 2, &tally("kpu", [50, 60, 70]));
    submit(&app, &b, 2, &tally("kpu", [55, 60, 70]));
    submit(&app, &c, 2, &tally("kpu", [55, 60, 70]));
    let mut correction = tally("kpu", [100, 130, 20]);
    correction["reason"] = json!("salah ketik pada suara 02");
    submit(&app, &a, 1, &correction);
    checkpoint_of(&app, 7);
    let key = verifier_key(db, None);
    let state = db.dir().join("pengamat.checkpoint");

    // What the observer read, saved by Indonesian Excel: ';', a byte order mark, CRLF.
    let good = "\u{feff}Pemilihan;TPS;Kontes;Sumber;Suara 01;Suara 02;Suara 03;Sah;Tidak Sah;Surat Diterima;Catatan\r\n\
        pemilu-2024;35.76.02.1008.001;presiden;;100;120;20;240;3;255;foto sendiri\r\n\
        pemilu-2024;35.76.02.1008.001;presiden;bawaslu;100;119;21;;;;\r\n\
        pemilu-2024;35.76.02.1008.002;presiden;kpu;55;60;70;185;3;;\r\n\
        ;;;;;;;;;;\r\n";
    let file = db.dir().join("salinan.csv");
    std::fs::write(&file, good).expect("csv");
    let o = watch(db, &app, &key, &state, &["--csv", file.to_str().expect("path")]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("3 dari 3 baris CSV cocok dengan log"), "{}", stdout(&o));

    // One number differs, another TPS has two, a third TPS is not in the log: all are named.
    let bad = "pemilihan,tps,kontes,suara_01,suara_02,suara_03,sah,tidak_sah\n\
        pemilu-2024,35.76.02.1008.001,presiden,100,121,20,240,3\n\
        pemilu-2024,35.76.02.1008.002,presiden,55,60,70,186,4\n\
        pemilu-2024,35.76.02.1008.003,presiden,1,2,3,6,0\n";
    std::fs::write(&file, bad).expect("csv");
    let o = watch(db, &app, &key, &state, &["--csv", file.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("TPS 35.76.02.1008.001: suara 02 di log 120, di salinan Anda 121 (presiden, kpu revisi 1, baris 2)"), "{err}");
    assert!(err.contains("TPS 35.76.02.1008.002: suara sah di log 185, di salinan Anda 186"), "{err}");
    assert!(err.contains("TPS 35.76.02.1008.002: suara tidak sah di log 3, di salinan Anda 4"), "{err}");
    assert!(err.contains("TPS 35.76.02.1008.003: tidak ada di log"), "{err}");
    assert!(err.contains("4 ketidaksesuaian ditemukan"), "{err}");
    assert!(stdout(&o).contains("0 dari 3 baris CSV cocok dengan log"), "{}", stdout(&o));
    let o = common::cli_lang(db, "en", &["log", "watch", app.base.as_str(), "--key", key.as_str(), "--state", state.to_str().expect("path"), "--csv", file.to_str().expect("path")], None);
    assert!(stderr(&o).contains("TPS 35.76.02.1008.001: votes 02 in the log 120, in your copy 121"), "{}", stderr(&o));

    // Once a second user agrees on the correction, it is what counts.
    submit(&app, &b, 1, &correction);
    checkpoint_of(&app, 8);
    std::fs::write(&file, "pemilihan,tps,kontes,suara_02\npemilu-2024,35.76.02.1008.001,presiden,130\n").expect("csv");
    let o = watch(db, &app, &key, &state, &["--csv", file.to_str().expect("path")]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    // A CSV that cannot be read is refused whole, every bad cell named, nothing checked.
    std::fs::write(&file, "pemilihan;tps;kontes;suara_01\npemilu-2024;35.76.02.1008;presiden;dua\n").expect("csv");
    let o = watch(db, &app, &key, &state, &["--csv", file.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bukan kode TPS") && err.contains("baris 2, kolom suara_01: \"dua\" bukan bilangan bulat"), "{err}");
}

on_both_engines!(
    watch_accepts_a_growing_log_and_refuses_a_wrong_key,
    watch_names_the_fork_of_a_restored_database,
    watch_names_every_number_of_the_observers_csv_that_differs
);
