//! The OpenAPI document cannot drift: it is compared with the committed snapshot
//! (tests/snapshots/openapi.json), and the answers of representative endpoints are checked
//! against the response schemas the document gives for them — on SQLite and PostgreSQL.
//!
//! After an intended change of the API, rewrite the snapshot with
//! `UPDATE_SNAPSHOTS=1 cargo test --test openapi` and commit it with the change.

mod common;

use common::{TestApp, TestDb, add_user};
use serde_json::Value;

const PW: &str = "rahasia-kuat-1";

fn snapshot_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

/// The first lines where two pretty-printed documents differ, with their line numbers.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let at = w.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(w.len().min(g.len()));
    let show = |v: &[&str]| v.iter().skip(at.saturating_sub(3)).take(8).map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n");
    format!("first difference at line {}:\n  snapshot:\n{}\n  server:\n{}", at + 1, show(&w), show(&g))
}

fn document_matches_the_snapshot(db: &TestDb) {
    let app = TestApp::spawn(db);
    let (s, doc) = app.get("/api/v1/openapi.json", None);
    assert_eq!(s, 200);
    let got = serde_json::to_string_pretty(&doc).expect("json") + "\n";
    let path = snapshot_path();
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &got).expect("write the snapshot");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == got,
        "the OpenAPI document differs from {}: if the API change is intended, run `UPDATE_SNAPSHOTS=1 cargo test --test openapi` and commit the snapshot with it.\n{}",
        path.display(),
        first_difference(&want, &got)
    );
}

/// Resolves `#/components/schemas/X`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => resolve(doc, &doc["components"]["schemas"][name]),
        None => schema,
    }
}

/// Checks `value` against an OpenAPI 3.1 schema (the subset utoipa writes: type, properties,
/// required, items, oneOf/anyOf/allOf, enum, nullable types). Fields the schema does not name
/// are reported too: an answer may not carry undocumented fields.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let fits = options.iter().any(|o| {
                let mut e = vec![];
                check(doc, o, value, at, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{at}: {value} fits none of {key}"));
            }
            return;
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        // The parts together describe the object; check each part's named fields only.
        let mut merged = serde_json::Map::new();
        let mut required = vec![];
        for part in all {
            let part = resolve(doc, part);
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                merged.extend(p.clone());
            }
            if let Some(r) = part.get("required").and_then(Value::as_array) {
                required.extend(r.clone());
            }
        }
        let joined = serde_json::json!({"type": "object", "properties": merged, "required": required});
        return check(doc, &joined, value, at, errors);
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        return;
    }
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if !types.iter().any(|t| *t == actual || (*t == "number" && actual == "integer")) {
        errors.push(format!("{at}: {actual} where the document says {types:?}"));
        return;
    }
    match value {
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(doc, item, v, &format!("{at}[{i}]"), errors);
                }
            }
        }
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for r in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                if !map.contains_key(r) {
                    errors.push(format!("{at}: required field {r} missing"));
                }
            }
            if let Some(props) = props {
                for (k, v) in map {
                    match props.get(k) {
                        Some(s) => check(doc, s, v, &format!("{at}.{k}"), errors),
                        None if schema.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false)) => {}
                        None => errors.push(format!("{at}: field {k} is not in the document")),
                    }
                }
            }
        }
        _ => {}
    }
}

/// The schema the document gives for `method path` answering `status` with JSON.
fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let s = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(!s.is_null(), "the document has no JSON schema for {method} {path} {status}");
    s
}

fn answers_match_their_documented_schemas(db: &TestDb) {
    add_user(db, "kpu.mojokerto", "kpu", "35.76", "operator", PW);
    let app = TestApp::spawn(db);
    let (_, doc) = app.get("/api/v1/openapi.json", None);
    let token = app.login("kpu.mojokerto", PW);
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("/healthz", "/healthz", None),
        ("/api/v1/regions", "/api/v1/regions", None),
        ("/api/v1/regions/{code}", "/api/v1/regions/35.76.02", None),
        ("/api/v1/regions/{code}/children", "/api/v1/regions/35.76/children", None),
        ("/api/v1/elections", "/api/v1/elections", None),
        ("/api/v1/me", "/api/v1/me", Some(token.as_str())),
        ("/api/v1/alerts", "/api/v1/alerts", Some(token.as_str())),
        ("/api/v1/notifications/subscriptions", "/api/v1/notifications/subscriptions", Some(token.as_str())),
        ("/api/v1/notifications/deliveries", "/api/v1/notifications/deliveries", Some(token.as_str())),
    ];
    let mut errors = vec![];
    for (template, path, token) in cases {
        let (s, body) = app.get(path, *token);
        assert_eq!(s, 200, "GET {path}: {body}");
        check(&doc, response_schema(&doc, template, "get", 200), &body, &format!("GET {path}"), &mut errors);
    }
    // An error answer has the documented error shape.
    let (s, body) = app.get("/api/v1/regions/99.99", None);
    assert_eq!(s, 404);
    check(&doc, response_schema(&doc, "/api/v1/regions/{code}", "get", 404), &body, "GET /api/v1/regions/99.99", &mut errors);
    assert!(errors.is_empty(), "answers differ from the OpenAPI document:\n{}", errors.join("\n"));
}

/// Two types with one schema name make the document describe one of them wrongly (it
/// happened: two `ContestView`s, two `Summary`s, two `Unit`s): every name is unique.
#[test]
fn schema_names_are_unique() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut all = vec![];
    files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut all);
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    let mut clashes = vec![];
    for f in all {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !(l.contains("derive(") && l.contains("ToSchema")) {
                continue;
            }
            let mut renamed = None;
            for next in lines.iter().skip(i + 1).take(8) {
                let t = next.trim();
                if let Some(rest) = t.strip_prefix("#[schema(as = ") {
                    renamed = rest.split(|c: char| c == ')' || c == ',').next().map(str::to_string);
                }
                let decl = t.strip_prefix("pub ").and_then(|r| r.strip_prefix("struct ").or_else(|| r.strip_prefix("enum ")));
                if let Some(d) = decl {
                    let name = renamed.clone().unwrap_or_else(|| d.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("").to_string());
                    let here = format!("{}:{}", f.display(), i + 1);
                    if let Some(before) = seen.insert(name.clone(), here.clone()) {
                        clashes.push(format!("{name}: {before} and {here}"));
                    }
                    break;
                }
            }
        }
    }
    assert!(clashes.is_empty(), "schema names used twice (give one `#[schema(as = OtherName)]`):\n{}", clashes.join("\n"));
}

/// The checker itself must see a drift, or the test above proves nothing.
#[test]
fn the_schema_check_sees_drift() {
    let doc = serde_json::json!({"components": {"schemas": {"H": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}, "n": {"type": ["integer", "null"]}}}}}});
    let schema = serde_json::json!({"$ref": "#/components/schemas/H"});
    let run = |v: Value| {
        let mut e = vec![];
        check(&doc, &schema, &v, "x", &mut e);
        e
    };
    assert!(run(serde_json::json!({"status": "ok", "n": null})).is_empty());
    assert_eq!(run(serde_json::json!({"n": 1})).len(), 1, "missing required field");
    assert_eq!(run(serde_json::json!({"status": 1})).len(), 1, "wrong type");
    assert_eq!(run(serde_json::json!({"status": "ok", "extra": true})).len(), 1, "undocumented field");
}

on_both_engines!(document_matches_the_snapshot, answers_match_their_documented_schemas);
