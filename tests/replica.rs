//! The public's reads from a hot standby (issue 16), on a real pair of PostgreSQL servers the
//! test starts from Debian's packages (initdb, pg_basebackup, streaming replication): with
//! `SINERGI_REPLICA_URL`, the public results summary is read from the standby while it keeps up;
//! when its replay stalls, the public's answer is at most the stated bound (the lag allowed, 3 s,
//! the public cache's 7) behind, and then comes from the primary; an official reads
//! the primary throughout; when the standby dies, the public's reads go on without an error.
//! A replica on SQLite, or a bad value, stops the start with the setting named.
//! Without PostgreSQL's server binaries the test says so and passes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{TestApp, TestDb, add_user, presiden_form};
use serde_json::Value;

const PW: &str = "rahasia-123";
const SUMMARY: &str = "/api/v1/elections/pemilu-2024/results/summary?contest=presiden&region=35.76";

/// A primary and its streaming standby, each on a free port, in a folder of their own; both
/// stopped and removed when dropped.
struct Pair {
    bin: PathBuf,
    dir: PathBuf,
    primary: u16,
    standby: u16,
}

impl Pair {
    /// None (said so) without PostgreSQL's server binaries.
    fn start() -> Option<Pair> {
        let Some(bin) = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|d| {
            let mut v: Vec<PathBuf> = d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|b| b.join("postgres").exists()).collect();
            v.sort();
            v.pop()
        }) else {
            eprintln!("skipped: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)");
            return None;
        };
        let dir = std::env::temp_dir().join(format!("sinergi_replica_{}_{}", std::process::id(), common::free_port()));
        std::fs::create_dir_all(&dir).expect("pair dir");
        let pair = Pair { bin, dir, primary: common::free_port(), standby: common::free_port() };
        // PostgreSQL will not run as root: as root, its files and processes are the postgres user's.
        if is_root() {
            pair.run("chown", &["postgres:postgres", pair.dir.to_str().expect("path")], false);
        }
        let (data, standby) = (pair.data("primary"), pair.data("standby"));
        pair.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"], true);
        std::fs::write(
            Path::new(&data).join("postgresql.auto.conf"),
            format!("port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nshared_buffers = 16MB\nfsync = off\n", pair.primary, pair.dir.display()),
        )
        .expect("primary settings");
        pair.run("pg_ctl", &["-D", &data, "-l", &pair.data("primary.log"), "-w", "start"], true);
        let port = pair.primary.to_string();
        pair.run("pg_basebackup", &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-D", &standby, "-R", "-X", "stream", "-c", "fast"], true);
        let conf = Path::new(&standby).join("postgresql.auto.conf");
        let mut text = std::fs::read_to_string(&conf).expect("standby settings");
        text = text.replace(&format!("port = {}", pair.primary), &format!("port = {}", pair.standby));
        std::fs::write(&conf, text).expect("standby settings");
        pair.run("pg_ctl", &["-D", &standby, "-l", &pair.data("standby.log"), "-w", "start"], true);
        Some(pair)
    }

    fn data(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// A PostgreSQL program (`tool` under bin), run as the postgres user when we are root.
    fn command(&self, tool: &str) -> Command {
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(tool));
            c
        } else {
            Command::new(self.bin.join(tool))
        }
    }

    /// Runs a PostgreSQL program (`tool` under bin) or, with `pg` false, a system one.
    fn run(&self, tool: &str, args: &[&str], pg: bool) {
        let mut cmd = if pg { self.command(tool) } else { Command::new(tool) };
        let o = cmd.args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(o.status.success(), "{tool} {args:?}: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    }

    fn url(&self, port: u16, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{db}")
    }

    fn standby_sql(&self, sql: &str) {
        let mut c = postgres::Client::connect(&self.url(self.standby, "postgres"), postgres::NoTls).expect("connect to the standby");
        c.batch_execute(sql).expect("standby sql");
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the standby's postmaster and its children: a
    /// standby that stops answering without closing anything.
    fn freeze_standby(&self, freeze: bool) {
        let pid = std::fs::read_to_string(Path::new(&self.data("standby")).join("postmaster.pid")).expect("postmaster.pid");
        let pid = pid.lines().next().unwrap_or("").trim().to_string();
        let mut pids = vec![pid.clone()];
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // pid (comm) state ppid …: the parent is the fourth field after the comm's ')'.
            if stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)) == Some(pid.as_str()) {
                pids.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        let signal = if freeze { "-STOP" } else { "-CONT" };
        let o = Command::new("kill").arg(signal).args(&pids).output().expect("kill");
        assert!(o.status.success(), "kill {signal} {pids:?}: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// Stops the standby at once, as a crash would.
    fn kill_standby(&self) {
        self.run("pg_ctl", &["-D", &self.data("standby"), "-m", "immediate", "-w", "stop"], true);
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for node in ["standby", "primary"] {
            let _ = self.command("pg_ctl").args(["-D", &self.data(node), "-m", "immediate", "-w", "stop"]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn tps_in(app: &TestApp, token: Option<&str>) -> i64 {
    let (s, v): (u16, Value) = app.get(SUMMARY, token);
    assert_eq!(s, 200, "{v}");
    v["tps_in"].as_i64().unwrap_or(-1)
}

/// Waits (up to `within`) until the public's summary counts `n` TPS; how long it took.
fn public_shows(app: &TestApp, n: i64, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let seen = tps_in(app, None);
        if seen == n {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "the public still sees {seen} TPS counted, not {n}, after {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_public_reads_the_standby_while_it_keeps_up() {
    let Some(pair) = Pair::start() else { return };
    let name = format!("sinergi_r{}", common::free_port());
    let mut admin = postgres::Client::connect(&pair.url(pair.primary, "postgres"), postgres::NoTls).expect("connect to the primary");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let dir = pair.dir.join("files");
    std::fs::create_dir_all(&dir).expect("files");
    let db = TestDb::Postgres { admin_url: pair.url(pair.primary, "postgres"), name: name.clone(), dir };
    common::import_tps(&db, "pemilu-2024", &[("35.76.02.1008.001", 250), ("35.76.02.1008.002", 250), ("35.76.02.1008.003", 250)]);
    add_user(&db, "kpps.a", "kpu", "35.76.02", "operator", PW);
    add_user(&db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    let replica = pair.url(pair.standby, &name);
    let app = TestApp::spawn_env(&db, &[], &[("SINERGI_REPLICA_URL", &replica), ("SINERGI_REPLICA_MAX_LAG_SECS", "1")]);
    let count = |tps: &str| {
        for user in ["kpps.a", "kpps.b"] {
            let (s, v) = app.put(&format!("/api/v1/elections/pemilu-2024/results/{tps}/presiden"), Some(&app.login(user, PW)), &presiden_form("kpu", [100, 80, 20], 3));
            assert_eq!(s, 200, "{v}");
        }
    };
    let official = app.login("kpps.a", PW);

    // Kept up: a form counted shows to the public within the bound (1 s + 3 s + 7 s).
    count("35.76.02.1008.001");
    public_shows(&app, 1, Duration::from_secs(11));

    // The standby's replay stalls (as under a long query, or a slow disk). What the public
    // reads now is the standby's: the next form is counted on the primary, and the official
    // sees it at once, while the public's answer stays as the standby has it.
    pair.standby_sql("SELECT pg_wal_replay_pause()");
    count("35.76.02.1008.002");
    assert_eq!(tps_in(&app, Some(&official)), 2, "an official reads the primary");
    assert_eq!(tps_in(&app, None), 1, "the public reads the standby, where the form is not yet");
    // Behind by more than allowed: the public's reads go to the primary, within the bound.
    let took = public_shows(&app, 2, Duration::from_secs(11));
    eprintln!("the public saw the primary's count {took:?} after the standby stalled");
    pair.standby_sql("SELECT pg_wal_replay_resume()");

    // The standby stops answering without closing anything (frozen): the watch, stuck on it,
    // renews no verdict, so within 2 s the public's reads go to the primary and are answered
    // at once (each page a new rendering, not the public cache's copy).
    std::thread::sleep(Duration::from_secs(2));
    pair.freeze_standby(true);
    std::thread::sleep(Duration::from_secs(3));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(4))).build().into();
    let answered: Vec<bool> = ["35.76", "35.76.01", "35.76.02", "35.76.03", "35.76.02.1008"]
        .iter()
        .map(|region| {
            let url = app.url(&format!("/api/v1/elections/pemilu-2024/results/summary?contest=presiden&region={region}"));
            agent.get(&url).call().is_ok_and(|r| r.status() == 200)
        })
        .collect();
    pair.freeze_standby(false);
    assert!(answered.iter().all(|ok| *ok), "public reads while the standby was frozen: {answered:?}");

    // The standby dies: the public's reads go on, without an error, from the primary.
    std::thread::sleep(Duration::from_secs(2));
    pair.kill_standby();
    count("35.76.02.1008.003");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        let (s, v): (u16, Value) = app.get(SUMMARY, None);
        assert_eq!(s, 200, "a public read failed after the standby died: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
    public_shows(&app, 3, Duration::from_secs(11));
    drop(app);

    // A replica for a SQLite database is refused, naming the setting.
    let sqlite = TestDb::sqlite();
    let o = common::cli_env(&sqlite, &[("SINERGI_REPLICA_URL", &replica)], &["serve", "--listen", "127.0.0.1:0"], None);
    assert!(!o.status.success() && common::stderr(&o).contains("--replica-url"), "{}", common::stderr(&o));
}
