//! Test harness: each test gets a fresh database (a temporary SQLite file, or a new
//! PostgreSQL database when SINERGI_TEST_PG names a server) and drives the real binary:
//! `sinergi serve` on a free port, or any CLI command.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

pub use serde_json::{Value, json};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub const BIN: &str = env!("CARGO_BIN_EXE_sinergi");

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst), nanos)
}

pub enum TestDb {
    Sqlite { dir: PathBuf },
    /// `dir` holds the test's files (CSV and the like), one per test as for SQLite.
    Postgres { admin_url: String, name: String, dir: PathBuf },
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("sinergi_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TestDb::Sqlite { dir }
    }

    /// A fresh PostgreSQL database, or None (with a message) when SINERGI_TEST_PG is unset.
    pub fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var("SINERGI_TEST_PG") else {
            eprintln!("skipped: SINERGI_TEST_PG is not set (e.g. postgres://postgres@127.0.0.1:5432/test)");
            return None;
        };
        let name = unique("sinergi_t");
        let mut client = postgres::Client::connect(&admin_url, postgres::NoTls).expect("connect to SINERGI_TEST_PG");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Some(TestDb::Postgres { admin_url, name, dir })
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite { dir } => format!("sqlite://{}", dir.join("sinergi.db").display()),
            TestDb::Postgres { admin_url, name, .. } => {
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
                format!("{base}/{name}")
            }
        }
    }

    pub fn dir(&self) -> PathBuf {
        match self {
            TestDb::Sqlite { dir } | TestDb::Postgres { dir, .. } => dir.clone(),
        }
    }

    /// Runs SQL directly against the database, as someone with file or server access could.
    pub fn tamper(&self, sql: &str) {
        match self {
            TestDb::Sqlite { dir } => {
                let c = rusqlite::Connection::open(dir.join("sinergi.db")).expect("open sqlite");
                c.execute_batch(sql).expect("tamper sql");
            }
            TestDb::Postgres { .. } => {
                let mut c = postgres::Client::connect(&self.url(), postgres::NoTls).expect("connect");
                c.batch_execute(sql).expect("tamper sql");
            }
        }
    }

    /// First column of the first row of a query, as i64.
    pub fn scalar(&self, sql: &str) -> i64 {
        match self {
            TestDb::Sqlite { dir } => {
                let c = rusqlite::Connection::open(dir.join("sinergi.db")).expect("open sqlite");
                c.query_row(sql, [], |r| r.get(0)).expect("scalar")
            }
            TestDb::Postgres { .. } => {
                let mut c = postgres::Client::connect(&self.url(), postgres::NoTls).expect("connect");
                c.query_one(sql, &[]).expect("scalar").get(0)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin_url, name, dir } => {
                let _ = std::fs::remove_dir_all(dir);
                if let Ok(mut c) = postgres::Client::connect(admin_url, postgres::NoTls) {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// A copy of the database as it is now (the server stopped), to put back with [`restore`]:
/// an operator restoring an older backup.
pub fn snapshot(db: &TestDb, tag: &str) {
    match db {
        TestDb::Sqlite { dir } => {
            for ext in ["", "-wal", "-shm"] {
                let from = dir.join(format!("sinergi.db{ext}"));
                let to = dir.join(format!("{tag}.db{ext}"));
                let _ = std::fs::remove_file(&to);
                if from.exists() {
                    std::fs::copy(&from, &to).expect("copy the database");
                }
            }
        }
        TestDb::Postgres { admin_url, name, .. } => {
            let mut c = postgres::Client::connect(admin_url, postgres::NoTls).expect("connect");
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}_{tag}")).expect("drop copy");
            // The stopped server's sessions may take a moment to end; a template must have none.
            let start = std::time::Instant::now();
            while let Err(e) = c.batch_execute(&format!("CREATE DATABASE {name}_{tag} TEMPLATE {name}")) {
                assert!(start.elapsed() < std::time::Duration::from_secs(10), "copy the database: {e}");
                let _ = c.batch_execute(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"));
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
    }
}

pub fn restore(db: &TestDb, tag: &str) {
    match db {
        TestDb::Sqlite { dir } => {
            for ext in ["", "-wal", "-shm"] {
                let to = dir.join(format!("sinergi.db{ext}"));
                let from = dir.join(format!("{tag}.db{ext}"));
                let _ = std::fs::remove_file(&to);
                if from.exists() {
                    std::fs::copy(&from, &to).expect("restore the database");
                }
            }
        }
        TestDb::Postgres { admin_url, name, .. } => {
            let mut c = postgres::Client::connect(admin_url, postgres::NoTls).expect("connect");
            c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).expect("drop");
            c.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {name}_{tag}")).expect("restore the database");
            c.batch_execute(&format!("DROP DATABASE {name}_{tag}")).expect("drop copy");
        }
    }
}

/// Runs `sinergi ARGS… --db URL` (the URL goes in through SINERGI_DB) with optional stdin, in
/// the command line's default language (Bahasa Indonesia).
pub fn cli(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    cli_lang(db, "id", args, stdin)
}

/// [`cli`] in a language: `SINERGI_LANG=en` for English.
pub fn cli_lang(db: &TestDb, lang: &str, args: &[&str], stdin: Option<&str>) -> Output {
    cli_env(db, &[("SINERGI_LANG", lang)], args, stdin)
}

/// [`cli`] with extra environment (e.g. `SINERGI_CLOCK` for the demo's story).
pub fn cli_env(db: &TestDb, env: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("SINERGI_DB", db.url()).env("SINERGI_LOG", "warn").env("SINERGI_LANG", "id").envs(env.iter().copied()).current_dir(db.dir());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run sinergi");
    if let Some(input) = stdin {
        // The command may refuse its arguments and exit before reading: a broken pipe is fine.
        let _ = child.stdin.take().expect("stdin").write_all(input.as_bytes());
    }
    child.wait_with_output().expect("wait for sinergi")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
/// A port nothing listens on now (for a server the test starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Imports TPS `(code, dpt)` into `election` through `sinergi import tps`, as an operator does.
pub fn import_tps(db: &TestDb, election: &str, rows: &[(&str, i64)]) {
    let mut csv = String::from("code,address,dpt,lat,lon\n");
    for (code, dpt) in rows {
        csv.push_str(&format!("{code},Jl. Contoh,{dpt},,\n"));
    }
    let file = db.dir().join(format!("tps-{election}.csv"));
    std::fs::write(&file, csv).expect("write tps");
    let o = cli(db, &["import", "tps", "--election", election, file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Adds a user through the CLI, as an administrator would.
pub fn add_user(db: &TestDb, username: &str, agency: &str, region: &str, role: &str, password: &str) {
    let o = cli(
        db,
        &["user", "add", username, "--agency", agency, "--region", region, "--role", role, "--password-stdin"],
        Some(&format!("{password}\n")),
    );
    assert!(o.status.success(), "user add {username} failed: {}", stderr(&o));
}

pub struct TestApp {
    pub base: String,
    child: Child,
    agent: ureq::Agent,
}

impl TestApp {
    pub fn spawn(db: &TestDb) -> TestApp {
        Self::spawn_with(db, &[])
    }

    /// Starts `sinergi serve` on a free port and waits until it listens.
    pub fn spawn_with(db: &TestDb, extra: &[&str]) -> TestApp {
        Self::spawn_env(db, extra, &[])
    }

    /// Like `spawn_with`, with extra environment (e.g. `SINERGI_CLOCK`).
    pub fn spawn_env(db: &TestDb, extra: &[&str], env: &[(&str, &str)]) -> TestApp {
        Self::spawn_listen(db, "127.0.0.1:0", extra, env)
    }

    /// Stops the server (the network is "gone" for every client, a service worker included).
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Starts the server again on the same address and database (the network is back).
    pub fn restart(&mut self, db: &TestDb) {
        self.restart_env(db, &[]);
    }

    /// [`TestApp::restart`] with extra environment (the settings it was started with).
    pub fn restart_env(&mut self, db: &TestDb, env: &[(&str, &str)]) {
        self.kill();
        let listen = self.base.trim_start_matches("http://").to_string();
        // The port may linger for a moment after the kill.
        for _ in 0..50 {
            if std::net::TcpListener::bind(&listen).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let fresh = Self::spawn_listen(db, &listen, &[], env);
        let old = std::mem::replace(self, fresh);
        drop(old);
    }

    /// `sinergi serve --listen LISTEN` (e.g. `127.0.0.1:0` for a free port).
    pub fn spawn_listen(db: &TestDb, listen: &str, extra: &[&str], env: &[(&str, &str)]) -> TestApp {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", listen])
            .args(extra)
            // No morning report unless a test asks for one (it writes on its own schedule).
            .env("SINERGI_REPORT_HOUR", "off")
            .envs(env.iter().copied())
            .env("SINERGI_DB", db.url())
            .env("SINERGI_LOG", "warn")
            .current_dir(db.dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sinergi serve");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let base = loop {
            let line = lines.next().expect("server exited before listening").expect("read stdout");
            if let Some(addr) = line.strip_prefix("Sinergi listening on ") {
                break addr.trim().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        // A fresh connection per request: the server may close a kept-alive connection when it
        // refuses a request before reading its body (401 on a POST), and the client would then
        // fail the next request on that socket.
        let agent = ureq::Agent::config_builder().http_status_as_error(false).max_idle_connections(0).build().into();
        TestApp { base, child, agent }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.agent.get(&self.url(path));
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.call().expect("GET");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// GET returning the raw body and content type (pages, CSV).
    pub fn get_text(&self, path: &str, cookie: Option<&str>) -> (u16, String, String) {
        let mut req = self.agent.get(&self.url(path));
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        let mut resp = req.call().expect("GET");
        let status = resp.status().as_u16();
        let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (status, ctype, resp.body_mut().read_to_string().unwrap_or_default())
    }

    /// GET with a bearer token, returning the raw bytes (PDF, spreadsheets).
    pub fn get_bytes(&self, path: &str, token: &str) -> Vec<u8> {
        let mut resp = self.agent.get(&self.url(path)).header("Authorization", &format!("Bearer {token}")).call().expect("GET");
        assert_eq!(resp.status().as_u16(), 200, "GET {path}");
        resp.body_mut().read_to_vec().expect("body")
    }

    pub fn post_raw(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)], body: &str) -> (u16, Value, Vec<(String, String)>) {
        self.post_typed(path, token, headers, "application/json", body.as_bytes())
    }

    /// POST of raw bytes with a content type (multipart uploads).
    pub fn post_bytes(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)], content_type: &str, body: &[u8]) -> (u16, Value) {
        let (s, v, _) = self.post_typed(path, token, headers, content_type, body);
        (s, v)
    }

    fn post_typed(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)], content_type: &str, body: &[u8]) -> (u16, Value, Vec<(String, String)>) {
        let mut req = self.agent.post(&self.url(path)).header("Content-Type", content_type);
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.send(body).expect("POST");
        let status = resp.status().as_u16();
        let hs = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), hs)
    }

    /// A page form posted as a browser does (urlencoded, with the session cookie, redirects not
    /// followed): (status, page text, Location).
    pub fn post_form(&self, path: &str, cookie: &str, pairs: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).max_idle_connections(0).build().into();
        let mut resp = agent
            .post(&self.url(path))
            .header("Cookie", cookie)
            // As a browser sends it from one of the site's pages (the origin check refuses
            // cookie-authenticated posts from elsewhere).
            .header("Origin", &self.base)
            .content_type("application/x-www-form-urlencoded")
            .send(body)
            .expect("POST form");
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        (status, resp.body_mut().read_to_string().unwrap_or_default(), location)
    }

    /// GET with a cookie, not following a redirect: (status, Location).
    pub fn get_redirect(&self, path: &str, cookie: &str) -> (u16, Option<String>) {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).max_idle_connections(0).build().into();
        let resp = agent.get(&self.url(path)).header("Cookie", cookie).call().expect("GET");
        (resp.status().as_u16(), resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string))
    }

    /// Any request with extra headers (e.g. `Accept-Language`) and an optional raw body.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, headers: &[(&str, &str)], body: Option<&[u8]>) -> (u16, Value) {
        let (status, text, _) = self.call_text(method, path, token, headers, body);
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Any request answered as raw text, with the answer's headers: for comparing answers
    /// byte for byte.
    pub fn call_text(&self, method: &str, path: &str, token: Option<&str>, headers: &[(&str, &str)], body: Option<&[u8]>) -> (u16, String, Vec<(String, String)>) {
        let mut req = ureq::http::Request::builder().method(method).uri(self.url(path));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            req = req.header("Content-Type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(body.map(<[u8]>::to_vec).unwrap_or_default()).expect("request");
        let mut resp = self.agent.run(req).expect("request");
        let status = resp.status().as_u16();
        let hs = resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
        (status, resp.body_mut().read_to_string().unwrap_or_default(), hs)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let (s, v, _) = self.post_raw(path, token, &[], &body.to_string());
        (s, v)
    }

    pub fn put(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        self.send_json(self.agent.put(&self.url(path)), token, body)
    }

    pub fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        self.send_json(self.agent.patch(&self.url(path)), token, body)
    }

    fn send_json(&self, req: ureq::RequestBuilder<ureq::typestate::WithBody>, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = req.header("Content-Type", "application/json");
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.send(body.to_string()).expect("request");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub fn login(&self, username: &str, password: &str) -> String {
        let (status, body) = self.post("/api/v1/auth/login", None, &json!({"username": username, "password": password}));
        assert_eq!(status, 200, "login {username}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Whether the server process is still running (it has not exited or crashed).
    /// The server's resident memory in KiB (Linux), as the operator's `top` shows it.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The server's process id (a lease's holder names it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server the hard way (no graceful shutdown).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestApp {
    /// A server a test is done with stops as an operator stops one (SIGTERM: it finishes its
    /// requests and gives its leases up, so the next server of the test takes them at once);
    /// one that does not stop within 5 s is killed.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while std::time::Instant::now() < end {
                if !matches!(self.child.try_wait(), Ok(None)) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        self.kill();
    }
}

/// A citizen's report of money politics in `village` (a day ago), sent without an account as
/// the public sends it: Bawaslu's "new report" alert. Asserts it was taken.
pub fn citizen_report(app: &TestApp, village: &str) {
    let now = time::OffsetDateTime::now_utc();
    let at = |h: i64| (now - time::Duration::hours(h)).format(&time::format_description::well_known::Rfc3339).expect("time");
    let (s, v) = app.post(
        "/api/v1/reports",
        None,
        &json!({
            "election": "pilkada-2024", "region": village,
            "reporter": {"name": "Siti", "address": "Jl. Empunala 12", "contact": "0812-5555-1234"},
            "reported": "Tim sukses pasangan calon nomor 2", "event_at": at(30), "known_at": at(26),
            "place": "Sekitar TPS 001", "description": "Pembagian amplop uang kepada warga", "witnesses": ["Budi", "Wati"],
        }),
    );
    assert_eq!(s, 201, "{v}");
}

/// Asserts the documented error shape and returns (code, field).
/// A C.Hasil of the presidential contest (DPT 250 at a TPS of 255 ballots) with these votes
/// for 01, 02 and 03 and `invalid` invalid ballots: every identity of the form holds.
pub fn presiden_form(source: &str, v: [i64; 3], invalid: i64) -> Value {
    let valid: i64 = v.iter().sum();
    let used = valid + invalid;
    json!({
        "source": source,
        "voters": {"dpt": {"l": 120, "p": 130}, "dptb": {"l": 1, "p": 1}, "dpk": {"l": 2, "p": 0}},
        "users": {"dpt": {"l": used / 2, "p": used - used / 2 - 4}, "dptb": {"l": 1, "p": 1}, "dpk": {"l": 2, "p": 0}},
        "disabled": {"voters": 3, "users": 2},
        "ballots": {"received": 255, "used": used, "spoiled": 1, "unused": 255 - used - 1},
        "votes": {"01": v[0], "02": v[1], "03": v[2]},
        "valid": valid,
        "invalid": invalid,
    })
}

pub fn error_of(body: &Value) -> (String, Option<String>) {
    let e = &body["error"];
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "error without message: {body}");
    (e["code"].as_str().expect("error.code").to_string(), e["field"].as_str().map(str::to_string))
}

/// Declares one scenario as two tests: on SQLite always, on PostgreSQL when configured.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&$crate::common::TestDb::sqlite()); } )*
        }
        mod postgres {
            $( #[test] fn $name() { if let Some(db) = $crate::common::TestDb::postgres() { super::$name(&db); } } )*
        }
    };
}

/// A downloaded spreadsheet as Excel in the Indonesian locale reads it: it must start with the
/// UTF-8 byte order mark and be `;`-separated; returns its rows, the header first.
pub fn sheet_rows(text: &str) -> Vec<Vec<String>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or_else(|| panic!("no byte order mark: {text:.200}"));
    let mut r = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(body.as_bytes());
    let rows: Vec<Vec<String>> = r.records().map(|rec| rec.expect("a CSV record").iter().map(str::to_string).collect()).collect();
    assert!(rows.first().is_some_and(|h| h.len() > 1 || !body.contains(',')), "not ;-separated: {text:.200}");
    rows
}

/// The cell of `row` under the column titled `title` in `rows` (header first).
pub fn cell<'a>(rows: &'a [Vec<String>], row: usize, title: &str) -> &'a str {
    let col = rows[0].iter().position(|h| h == title).unwrap_or_else(|| panic!("no column {title:?} in {:?}", rows[0]));
    rows[row].get(col).map_or("", String::as_str)
}
