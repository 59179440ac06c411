//! Several servers on one database behave as one (issue 16): two real `sinergi serve`
//! processes on one PostgreSQL, driven through HTTP. On SQLite, one process per file, the same
//! scenarios run against its one server (what they check holds there too); what only exists
//! with several servers (the leases' rows) runs on PostgreSQL alone.

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, TestDb, add_user, citizen_report, error_of};
use serde_json::json;

const PW: &str = "rahasia-123";

/// Two servers on PostgreSQL; on SQLite the one server twice.
fn servers(db: &TestDb, env: &[(&str, &str)]) -> (TestApp, Option<TestApp>) {
    let a = TestApp::spawn_env(db, &[], env);
    let b = matches!(db, TestDb::Postgres { .. }).then(|| TestApp::spawn_env(db, &[], env));
    (a, b)
}

fn until<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "not within {within:?}: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn one_key_sent_to_two_servers_at_once_is_written_once(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    let (a, b) = servers(db, &[]);
    let apps: Vec<&TestApp> = std::iter::once(&a).chain(b.as_ref()).collect();
    let token = a.login("kpu.mjk", PW);
    let path = "/api/v1/elections/pilkada-2024/stages";
    for round in 0..3 {
        let body = json!({"key": format!("sosialisasi_{round}"), "name": "Sosialisasi tahapan", "start": "2024-10-07", "end": "2024-10-09", "region": "35.76"}).to_string();
        let key = format!("kegiatan-{round}");
        let answers: Vec<(u16, String)> = std::thread::scope(|s| {
            let sends: Vec<_> = (0..20)
                .map(|i| apps[i % apps.len()])
                .map(|app| {
                    let (token, key, body) = (&token, &key, &body);
                    s.spawn(move || {
                        let (status, text, _) = app.call_text("POST", path, Some(token), &[("Idempotency-Key", key)], Some(body.as_bytes()));
                        (status, text)
                    })
                })
                .collect();
            sends.into_iter().map(|h| h.join().expect("send")).collect()
        });
        // One request does the write; every other gets its answer again (or, at most, 409).
        assert!(answers.iter().all(|(s, _)| *s == 201 || *s == 409), "round {round}: {answers:?}");
        let first = answers.iter().find(|(s, _)| *s == 201).expect("one was written").clone();
        assert!(answers.iter().filter(|(s, _)| *s == 201).all(|a| *a == first), "the same answer to each: {answers:?}");
        assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM stages WHERE key = 'sosialisasi_{round}'")), 1, "{answers:?}");
    }
}

fn a_logout_or_a_disabled_account_is_refused_at_once_on_every_server(db: &TestDb) {
    add_user(db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    add_user(db, "admin.mjk", "kpu", "35.76", "admin", PW);
    let (a, b) = servers(db, &[]);
    let other = b.as_ref().unwrap_or(&a);
    let (phone, laptop) = (a.login("kpu.mjk", PW), a.login("kpu.mjk", PW));
    // Both sessions are known (and cached) on the other server.
    assert_eq!(other.get("/api/v1/me", Some(&phone)).0, 200);
    assert_eq!(other.get("/api/v1/me", Some(&laptop)).0, 200);
    // A logout on one server: the very next request on the other is refused.
    assert_eq!(a.post("/api/v1/auth/logout", Some(&phone), &json!({})).0, 204);
    let (s, v) = other.get("/api/v1/me", Some(&phone));
    assert_eq!(s, 401, "{v}");
    assert_eq!(other.get("/api/v1/me", Some(&laptop)).0, 200, "the other session stands");
    // The unit's admin disables the account on one server: refused on the other at once.
    let admin = a.login("admin.mjk", PW);
    let (s, v) = a.post("/api/v1/users/kpu.mjk/disable", Some(&admin), &json!({}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(other.get("/api/v1/me", Some(&laptop)).0, 401);
    let (s, v) = other.post("/api/v1/auth/login", None, &json!({"username": "kpu.mjk", "password": PW}));
    assert_eq!(s, 401, "a disabled account cannot log in anywhere: {v}");
}

fn the_public_intake_limit_counts_a_client_across_servers(db: &TestDb) {
    let (a, b) = servers(db, &[("SINERGI_INTAKE_LIMIT", "3")]);
    let other = b.as_ref().unwrap_or(&a);
    citizen_report(&a, "35.76.02.1008");
    citizen_report(other, "35.76.02.1008");
    citizen_report(&a, "35.76.02.1008");
    // The fourth from the same address, on either server, is refused, in the user's language.
    for app in [other, &a] {
        let (s, v) = app.post("/api/v1/reports", None, &json!({}));
        assert_eq!(s, 429, "{v}");
        assert_eq!(error_of(&v).0, "too_many_requests");
        assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("paling banyak 3 per 10 menit")), "{v}");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM reports"), 3);
}

fn a_change_of_candidates_reaches_every_server_at_once(db: &TestDb) {
    common::import_tps(db, "pilkada-2024", &[("35.76.02.1008.001", 250)]);
    add_user(db, "kpu.jatim", "kpu", "35", "supervisor", PW);
    add_user(db, "ptps", "bawaslu", "35.76", "operator", PW);
    let (a, b) = servers(db, &[]);
    let other = b.as_ref().unwrap_or(&a);
    let ptps = other.login("ptps", PW);
    let entry = json!({
        "source": "bawaslu",
        "voters": {"dpt": {"l": 120, "p": 130}, "dpph": {"l": 1, "p": 0}, "dptb": {"l": 2, "p": 0}},
        "users": {"dpt": {"l": 100, "p": 99}, "dpph": {"l": 1, "p": 0}, "dptb": {"l": 2, "p": 0}},
        "disabled": {"voters": 2, "users": 1},
        "ballots": {"received": 257, "used": 202, "spoiled": 1, "unused": 54},
        "votes": {"01": 100, "02": 60, "03": 39}, "valid": 199, "invalid": 3,
    });
    let put = "/api/v1/elections/pilkada-2024/results/35.76.02.1008.001/gubernur";
    // The other server has read (and kept) the candidates: two are registered.
    let jatim = a.login("kpu.jatim", PW);
    let two = json!({"candidates": [{"number": 1, "name": "Pasangan Satu"}, {"number": 2, "name": "Pasangan Dua"}]});
    assert_eq!(a.put("/api/v1/elections/pilkada-2024/candidates/35/gubernur", Some(&jatim), &two).0, 200);
    let (s, v) = other.put(put, Some(&ptps), &entry);
    assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("votes.03")), "{v}");
    // A third candidate registered on the first server: the other takes votes for it at once,
    // not when its kept list runs out (a minute).
    let three = json!({"candidates": [{"number": 1, "name": "Pasangan Satu"}, {"number": 2, "name": "Pasangan Dua"}, {"number": 3, "name": "Pasangan Tiga"}]});
    assert_eq!(a.put("/api/v1/elections/pilkada-2024/candidates/35/gubernur", Some(&jatim), &three).0, 200);
    let v = until("the other server to take votes for the third candidate", Duration::from_secs(5), || {
        let (s, v) = other.put(put, Some(&ptps), &entry);
        (s == 200).then_some(v)
    });
    assert_eq!(v["sources"][0]["tally"]["votes"]["03"], 39, "{v}");
}

on_both_engines!(
    one_key_sent_to_two_servers_at_once_is_written_once,
    a_logout_or_a_disabled_account_is_refused_at_once_on_every_server,
    the_public_intake_limit_counts_a_client_across_servers,
    a_change_of_candidates_reaches_every_server_at_once,
);

/// Who holds the lease `name` now: the holder's process id (the holder reads "host/pid/nonce").
fn holder_pid(db: &TestDb, name: &str) -> Option<u32> {
    let pid = db.scalar(&format!("SELECT COALESCE(MAX(CAST(split_part(holder, '/', 2) AS BIGINT)), 0) FROM leases WHERE name = '{name}'"));
    u32::try_from(pid).ok().filter(|p| *p != 0)
}

/// PostgreSQL only (SQLite's one server always holds its leases, with no row): the minute
/// sweeps run on one server, which keeps the lease while it lives; when it dies the other
/// server takes the sweeps over within a few sweeps.
#[test]
fn the_sweeps_run_on_one_server_and_move_when_it_dies() {
    let Some(db) = TestDb::postgres() else { return };
    let env = [("SINERGI_SWEEP_SECS", "1")];
    let mut a = TestApp::spawn_env(&db, &[], &env);
    until("the first server to hold the sweeps", Duration::from_secs(10), || (holder_pid(&db, "sweeps") == Some(a.pid())).then_some(()));
    let b = TestApp::spawn_env(&db, &[], &env);
    // Longer than the lease's time to live (three sweeps): the holder keeps renewing it.
    std::thread::sleep(Duration::from_millis(4_500));
    assert_eq!(holder_pid(&db, "sweeps"), Some(a.pid()), "one holder while it lives");
    a.kill();
    let took = Instant::now();
    until("the second server to take the sweeps over", Duration::from_secs(15), || (holder_pid(&db, "sweeps") == Some(b.pid())).then_some(()));
    assert!(took.elapsed() < Duration::from_secs(8), "taken over after {:?}", took.elapsed());
}

/// PostgreSQL only: when the database drops every connection (a failover, a restart), the
/// server opens new ones: a request may fail once, its retry under the same Idempotency-Key is
/// stored once, and nothing keeps failing afterwards.
#[test]
fn connections_the_database_dropped_are_replaced() {
    let Some(db) = TestDb::postgres() else { return };
    add_user(&db, "kpu.mjk", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn(&db);
    let token = app.login("kpu.mjk", PW);
    // Fill the read pool: several reads at once each hold a connection.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| assert_eq!(app.get("/api/v1/me", Some(&token)).0, 200));
        }
    });
    db.tamper("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    let body = json!({"key": "sosialisasi_ulang", "name": "Sosialisasi ulang", "start": "2024-10-07", "end": "2024-10-09", "region": "35.76"}).to_string();
    let written = until("the write to go through again", Duration::from_secs(10), || {
        let (s, _, _) = app.call_text("POST", "/api/v1/elections/pilkada-2024/stages", Some(&token), &[("Idempotency-Key", "ulang-1")], Some(body.as_bytes()));
        (s == 201).then_some(s)
    });
    assert_eq!(written, 201);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM stages WHERE key = 'sosialisasi_ulang'"), 1);
    // Nothing of the dropped connections is left to fail a later request.
    for _ in 0..30 {
        assert_eq!(app.get("/api/v1/me", Some(&token)).0, 200);
    }
}

/// PostgreSQL only: three servers started at the same moment on an empty database all start
/// (the first loads the regions and elections, the others find them).
#[test]
fn servers_started_together_on_an_empty_database_all_start() {
    let Some(db) = TestDb::postgres() else { return };
    let apps: Vec<TestApp> = std::thread::scope(|s| {
        let starts: Vec<_> = (0..3).map(|_| s.spawn(|| TestApp::spawn(&db))).collect();
        starts.into_iter().map(|h| h.join().expect("a server did not start")).collect()
    });
    for app in &apps {
        assert_eq!(app.get("/api/v1/regions/35", None).0, 200);
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM regions WHERE code = '35'"), 1);
}
