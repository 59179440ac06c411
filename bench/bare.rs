//! The bare intake server of bench/election-night.sh: the least a server must do to take a
//! C.Hasil durably, so Sinergi's forms/s can be read as a share of what this machine allows.
//!
//! It takes the identical `PUT /api/v1/elections/{election}/results/{tps}/{contest}` and does
//! only this: requires `Authorization: Bearer <token>` with a token it was given; parses the
//! whole C.Hasil JSON into typed fields; checks the sums a C.Hasil must satisfy; stores one
//! row per TPS and contest keyed by its code (the last form wins) through one writer thread
//! that commits groups of forms (SQLite WAL with synchronous=FULL, or PostgreSQL with one
//! multi-row upsert per group), and acknowledges each form after its group committed.
//! No sessions table, no audit, no aggregates, no log: that is Sinergi's work, measured
//! against this.
//!
//!   cargo build --release --example bare
//!   target/release/examples/bare --db sqlite://bench/out/bare.db --listen 127.0.0.1:18094 \
//!       --tokens TOKEN_A,TOKEN_B
//!   (or --db postgres://USER@HOST:PORT/DB)

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, mpsc};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Lp {
    l: i64,
    p: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Disabled {
    voters: i64,
    users: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ballots {
    received: i64,
    used: i64,
    spoiled: i64,
    unused: i64,
}

/// The C.Hasil as the load generator sends it: every field typed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Form {
    source: String,
    voters: BTreeMap<String, Lp>,
    users: BTreeMap<String, Lp>,
    disabled: Disabled,
    ballots: Ballots,
    votes: BTreeMap<String, i64>,
    valid: i64,
    invalid: i64,
}

impl Form {
    /// The sums a C.Hasil must satisfy; the name of the first that fails.
    fn failed_sum(&self) -> Option<&'static str> {
        let total = |rows: &BTreeMap<String, Lp>| rows.values().map(|v| i128::from(v.l) + i128::from(v.p)).sum::<i128>();
        let (voters, users) = (total(&self.voters), total(&self.users));
        let votes: i128 = self.votes.values().map(|&v| i128::from(v)).sum();
        let b = &self.ballots;
        let all = [self.valid, self.invalid, b.received, b.used, b.spoiled, b.unused, self.disabled.voters, self.disabled.users];
        if all.iter().any(|&n| n < 0) || self.votes.values().any(|&v| v < 0) {
            return Some("negative");
        }
        if votes != i128::from(self.valid) {
            return Some("valid = sum of votes");
        }
        if i128::from(self.valid) + i128::from(self.invalid) != users {
            return Some("valid + invalid = users");
        }
        if i128::from(b.used) != users {
            return Some("ballots used = users");
        }
        if i128::from(b.received) != i128::from(b.used) + i128::from(b.spoiled) + i128::from(b.unused) {
            return Some("received = used + spoiled + unused");
        }
        if users > voters || self.disabled.users > self.disabled.voters {
            return Some("users within voters");
        }
        None
    }
}

type Reply = tokio::sync::oneshot::Sender<Result<(), String>>;

/// One stored form: its key and its numbers.
struct Row {
    key: String,
    source: String,
    body: String,
}

/// The table: the last form of each TPS and contest, and how many forms it took (so the bench
/// can check that every acknowledged form was stored).
const TABLE: &str = "CREATE TABLE IF NOT EXISTS forms (key TEXT PRIMARY KEY, source TEXT NOT NULL, body TEXT NOT NULL, n BIGINT NOT NULL)";

#[derive(Clone)]
struct App {
    tokens: Arc<HashSet<String>>,
    writer: Arc<Mutex<mpsc::Sender<(Row, Reply)>>>,
}

const MAX_GROUP: usize = 512;

async fn put_form(State(app): State<App>, Path((election, tps, contest)): Path<(String, String, String)>, headers: HeaderMap, body: Bytes) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !token.is_some_and(|t| app.tokens.contains(t)) {
        return (StatusCode::UNAUTHORIZED, "{\"error\":\"bearer token required\"}").into_response();
    }
    let form: Form = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return (StatusCode::UNPROCESSABLE_ENTITY, format!("{{\"error\":{:?}}}", e.to_string())).into_response(),
    };
    if let Some(sum) = form.failed_sum() {
        return (StatusCode::UNPROCESSABLE_ENTITY, format!("{{\"error\":\"sum fails: {sum}\"}}")).into_response();
    }
    // What is stored: the form as received, keyed by TPS and contest.
    let row = Row { key: format!("{election}/{tps}/{contest}"), source: form.source, body: String::from_utf8_lossy(&body).into_owned() };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sent = app.writer.lock().map_err(|_| "writer lock poisoned".to_string()).and_then(|w| w.send((row, tx)).map_err(|_| "writer stopped".to_string()));
    if let Err(e) = sent {
        return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response();
    }
    match rx.await {
        Ok(Ok(())) => ([("content-type", "application/json")], format!("{{\"tps\":\"{tps}\",\"status\":\"stored\"}}")).into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "writer dropped the form").into_response(),
    }
}

enum Store {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

impl Store {
    fn open(url: &str) -> Result<Store, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let c = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
            c.execute_batch(&format!("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; {TABLE}")).map_err(|e| e.to_string())?;
            Ok(Store::Sqlite(c))
        } else {
            let mut c = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
            c.batch_execute(TABLE).map_err(|e| e.to_string())?;
            Ok(Store::Postgres(c))
        }
    }

    /// Stores a group in one transaction (a key twice in one group: the later form wins).
    fn commit(&mut self, rows: &[&Row]) -> Result<(), String> {
        match self {
            Store::Sqlite(c) => {
                let tx = c.transaction().map_err(|e| e.to_string())?;
                {
                    let mut st = tx
                        .prepare_cached("INSERT INTO forms (key, source, body, n) VALUES (?1, ?2, ?3, 1) ON CONFLICT (key) DO UPDATE SET source = excluded.source, body = excluded.body, n = forms.n + 1")
                        .map_err(|e| e.to_string())?;
                    for r in rows {
                        st.execute((&r.key, &r.source, &r.body)).map_err(|e| e.to_string())?;
                    }
                }
                tx.commit().map_err(|e| e.to_string())
            }
            Store::Postgres(c) => {
                // One multi-row upsert per group; a key may appear once per statement, so a
                // key's forms in the group become one row that counts them.
                let mut last: BTreeMap<&str, (&Row, i64)> = BTreeMap::new();
                for r in rows {
                    let n = last.get(r.key.as_str()).map_or(0, |&(_, n)| n);
                    last.insert(&r.key, (r, n + 1));
                }
                let rows: Vec<(&Row, i64)> = last.into_values().collect();
                let mut tx = c.transaction().map_err(|e| e.to_string())?;
                for chunk in rows.chunks(256) {
                    let marks: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4)).collect();
                    let sql = format!(
                        "INSERT INTO forms (key, source, body, n) VALUES {} ON CONFLICT (key) DO UPDATE SET source = excluded.source, body = excluded.body, n = forms.n + excluded.n",
                        marks.join(",")
                    );
                    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = chunk.iter().flat_map(|(r, n)| [&r.key as _, &r.source as _, &r.body as _, n as _]).collect();
                    tx.execute(&sql, &params).map_err(|e| e.to_string())?;
                }
                tx.commit().map_err(|e| e.to_string())
            }
        }
    }
}

/// The one writer: waits for a form, takes what else is queued (up to MAX_GROUP), commits
/// them together and then answers each.
fn writer(mut store: Store, rx: mpsc::Receiver<(Row, Reply)>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let rows: Vec<&Row> = group.iter().map(|(r, _)| r).collect();
        let done = store.commit(&rows);
        for (_, reply) in group {
            let _ = reply.send(done.clone());
        }
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bare --db sqlite://FILE|postgres://… --listen ADDR --tokens T1,T2";
    let (db, listen, tokens) = match (arg(&args, "--db"), arg(&args, "--listen"), arg(&args, "--tokens")) {
        (Some(d), Some(l), Some(t)) => (d, l, t),
        _ => return Err(usage.into()),
    };
    let tokens: HashSet<String> = tokens.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect();
    let store = Store::open(&db)?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new().name("bare-writer".into()).spawn(move || writer(store, rx)).map_err(|e| e.to_string())?;
    let app = App { tokens: Arc::new(tokens), writer: Arc::new(Mutex::new(tx)) };
    let router = Router::new().route("/api/v1/elections/{election}/results/{tps}/{contest}", put(put_form)).with_state(app);
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("{listen}: {e}"))?;
        eprintln!("bare intake on http://{listen} ({db})");
        axum::serve(listener, router).await.map_err(|e| e.to_string())
    })
}
