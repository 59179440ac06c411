//! Every GET the server answers, driven with hostile parameters by a client that asks for gzip
//! as every browser does: huge and negative numbers, the last day of year 9999, empty and very
//! long values, NUL, unicode, invalid UTF-8 and `../`. Each request must get a whole answer
//! (the status line, a body that ends where it says and decodes completely), never a 5xx, and
//! the server must still be running at the end — on SQLite and PostgreSQL.
//!
//! The routes come from the server itself: the API's GETs from /api/v1/openapi.json, the pages
//! from the `.route("…", get(…))` lines of the source. A GET this file has no sample for fails
//! the test, so a new route cannot slip past it.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{TestApp, TestDb, cli, stderr};

/// Parameter values as they go on the wire (already percent-encoded where needed).
fn hostile_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "99999999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "-1",
        "0",
        "9999-12-31",
        "9999-12-31T17%3A00%3A00Z",
        "-9999-01-01T00%3A00%3A00Z",
        "0000-01-01",
        "",
        "%00",
        "a%00b",
        "%E6%97%A5%E6%9C%AC%F0%9D%94%98%E2%80%AE",
        "%C3%28",
        "..%2F..%2Fetc%2Fpasswd",
        "%27%3B--",
        "%3Cscript%3E",
        "35.76",
        "35.76.02.1008.001",
        "true",
    ]
    .map(str::to_string)
    .to_vec();
    v.push("x".repeat(5000));
    v.push("9".repeat(400));
    v
}

/// A plausible value for each path parameter, so hostile query values reach the handler.
fn sample(path: &str, name: &str) -> Option<&'static str> {
    Some(match name {
        "id" if path.starts_with("/api/v1/elections/") => "pilkada-2024",
        "id" | "sid" | "evidence" => "1",
        "tps" => "35.76.02.1008.001",
        "contest" => "walikota",
        "region" | "code" => "35.76",
        "area" => "35",
        "key" => "kotak_suara",
        "receipt" => "LPR-0000-0000",
        "token" => "abc",
        "username" => "admin",
        "sha256" => "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        // A log tile's path after tile/ (the page route names it `*tile`, the document `tile`).
        "tile" | "*tile" => "0/000.p/1",
        _ => return None,
    })
}

/// The query names pages and the API read; unknown ones are ignored by the handlers.
const PAGE_QUERY: &[&str] = &[
    "wilayah", "pemilu", "kontes", "q", "kode", "status", "grade", "next", "limit", "before", "after", "count", "baru", "terlambat", "gakkumdu",
    "lat", "lon", "on", "region", "format", "lang", "ke", "lapis", "kategori", "from", "to",
];

/// The values also tried one query parameter at a time on every page.
const SHARPEST: &[&str] = &["99999999999999999999999", "-1", "9999-12-31", "9999-12-31T17%3A00%3A00Z", "a%00b", "%C3%28", "..%2F..%2Fetc%2Fpasswd"];

struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// One GET over a fresh connection, read to its end by hand: the status, then a body that must
/// be complete (every chunk and the final empty one, or exactly Content-Length bytes), then
/// gunzipped completely when the server compressed it.
fn get(base: &str, target: &str, token: Option<&str>) -> Result<Answer, String> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(60))).map_err(|e| e.to_string())?;
    // The API reads the bearer token, the pages the session cookie.
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\nCookie: sinergi_session={t}\r\n")).unwrap_or_default();
    let req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\nAccept-Language: id\r\n{auth}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).map_err(|e| format!("send: {e}"))?;
    let mut raw = vec![];
    // An event stream (the live situation page) never ends by design: its head is the answer.
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).map_err(|e| format!("no complete answer (read: {e})"))?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n")
            && String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase().contains("content-type: text/event-stream")
        {
            let status: u16 = String::from_utf8_lossy(&raw[..end]).split(' ').nth(1).and_then(|c| c.parse().ok()).ok_or("bad status line")?;
            return Ok(Answer { status, body: vec![] });
        }
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no answer at all (no header)")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut body = raw[end + 4..].to_vec();
    let status: u16 = head.split(' ').nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| format!("bad status line: {head}"))?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_ascii_lowercase()))
    };
    if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        body = dechunk(&body)?;
    } else if let Some(n) = header("content-length").and_then(|n| n.parse::<usize>().ok()) {
        if body.len() != n {
            return Err(format!("body cut short: {} of {n} bytes", body.len()));
        }
    }
    if header("content-encoding").is_some_and(|e| e == "gzip") {
        let mut out = vec![];
        flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out).map_err(|e| format!("gzip body does not decode completely: {e}"))?;
        body = out;
    }
    Ok(Answer { status, body })
}

/// Chunked transfer coding (RFC 9112 §7.1), strictly: a stream without its last chunk was cut.
fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = vec![];
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").ok_or("chunked body cut short (no chunk size)")?;
        let size_text = String::from_utf8_lossy(&b[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16).map_err(|_| format!("bad chunk size {size_text:?}"))?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size + 2 {
            return Err(format!("chunked body cut short: a chunk of {size} bytes has {}", b.len()));
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// The GETs declared with `.route("/…", get(…))` anywhere in the source: the pages, and any
/// route outside the OpenAPI document (such as the document itself).
fn page_routes() -> Vec<String> {
    let mut out = vec![];
    let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for part in text.split(".route(\"").skip(1) {
                    let Some((route, rest)) = part.split_once('"') else { continue };
                    let call = rest.split(".route(").next().unwrap_or("");
                    if call.trim_start_matches([',', ' ', '\n']).starts_with("get(") || call.contains(" get(") || call.contains("::get(") {
                        out.push(route.to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn fill(path: &str, with: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        out.push_str(&with(&rest[start + 1..end]));
        rest = &rest[(end + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

fn every_get_survives_hostile_parameters_under_gzip(db: &TestDb) {
    let o = cli(db, &["demo"], None);
    assert!(o.status.success(), "demo: {}", stderr(&o));
    let mut app = TestApp::spawn(db);
    let token = app.login("admin", "sinergi-demo");

    // The API's GETs with their parameters, from the server's own document.
    let (s, doc) = app.get("/api/v1/openapi.json", None);
    assert_eq!(s, 200);
    let mut api: Vec<(String, Vec<(String, String)>)> = vec![];
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        let Some(op) = ops.get("get") else { continue };
        let params: Vec<(String, String)> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().map(|p| (p["name"].as_str().unwrap_or("").to_string(), p["in"].as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default();
        api.push((path.clone(), params));
    }
    assert!(api.len() >= 40, "the OpenAPI document lists the API's GETs: {}", api.len());
    let pages = page_routes();
    assert!(pages.iter().any(|p| p == "/hasil") && pages.iter().any(|p| p == "/lacak/{receipt}"), "page routes found in the source: {pages:?}");

    // Every path parameter has a sample: a new route with a new parameter fails here.
    let mut unknown = vec![];
    for (path, params) in &api {
        for (name, place) in params {
            if place == "path" && sample(path, name).is_none() {
                unknown.push(format!("{path} {{{name}}}"));
            }
        }
    }
    for path in &pages {
        for name in path.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n)) {
            if sample(path, name).is_none() {
                unknown.push(format!("{path} {{{name}}}"));
            }
        }
    }
    assert!(unknown.is_empty(), "routes whose parameters this test cannot fill (add a sample): {unknown:?}");

    let values = hostile_values();
    let mut failures: Vec<String> = vec![];
    let mut count = 0;
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut check = |target: String, token: Option<&str>| {
        count += 1;
        match get(&app.base, &target, token) {
            Ok(a) if a.status >= 500 => failures.push(format!("{} {target}: {}", a.status, String::from_utf8_lossy(&a.body).chars().take(300).collect::<String>())),
            Ok(a) => *statuses.entry(a.status).or_default() += 1,
            Err(e) => failures.push(format!("{target}: {e}")),
        }
    };
    for v in &values {
        for token in [None, Some(token.as_str())] {
            for (path, params) in &api {
                // Hostile path parameters; then plausible ones with every query parameter hostile.
                check(fill(path, &|_| v.clone()), token);
                let query: Vec<String> = params.iter().filter(|(_, place)| place == "query").map(|(name, _)| format!("{name}={v}")).collect();
                if !query.is_empty() {
                    let base = fill(path, &|name| sample(path, name).unwrap_or("x").to_string());
                    check(format!("{base}?{}", query.join("&")), token);
                    // One at a time too: a bad region must not hide what a bad `on` does.
                    if query.len() > 1 {
                        for q in &query {
                            check(format!("{base}?{q}"), token);
                        }
                    }
                }
            }
            for path in &pages {
                if path.contains('{') {
                    check(fill(path, &|_| v.clone()), token);
                }
                let query: Vec<String> = PAGE_QUERY.iter().map(|name| format!("{name}={v}")).collect();
                let base = fill(path, &|name| sample(path, name).unwrap_or("x").to_string());
                check(format!("{base}?{}", query.join("&")), token);
                if token.is_some() && SHARPEST.contains(&v.as_str()) {
                    for q in &query {
                        check(format!("{base}?{q}"), token);
                    }
                }
            }
        }
    }
    // The open-data export in full under gzip, in both formats.
    for format in ["csv", "json"] {
        let target = format!("/api/v1/elections/pilkada-2024/results/export?format={format}");
        match get(&app.base, &target, None) {
            Ok(a) => {
                let lines = String::from_utf8_lossy(&a.body).lines().count();
                if a.status != 200 || lines < 200 {
                    failures.push(format!("{} {target}: {lines} lines, not every demo result", a.status));
                }
            }
            Err(e) => failures.push(format!("{target}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {count} GETs failed:\n{}", failures.len(), failures.join("\n"));
    assert!(app.is_running(), "the server is still running after {count} hostile GETs");
    assert_eq!(app.get("/healthz", None).0, 200);
    eprintln!("{count} hostile GETs answered: {statuses:?}");
}

on_both_engines!(every_get_survives_hostile_parameters_under_gzip);
