//! The bytes an accepted result becomes in the public transparency log (`platform::tlog`).
//!
//! A leaf is canonical JSON, so that anyone can re-encode what they read on a form and compare
//! bytes: UTF-8, no whitespace, the keys of every object sorted by their bytes, integers in
//! decimal, strings with JSON's minimal escaping. The fields, version 1:
//!
//! - `v`: 1; `kind`: `"c-hasil"` (a TPS's result entry) or `"d-hasil"` (a plenary recap);
//! - `election`, `contest`, and `tps` (C.Hasil) or `region` (D.Hasil): the codes;
//! - `source` (`kpu`, `bawaslu`, `saksi`, …) and `revision` (a C.Hasil's revision within its
//!   source; a recap's revision);
//! - `tally`: the numbers as the API takes them (`voters`, `users`, `disabled`, `ballots`,
//!   `votes` by candidate, `valid`, `invalid`);
//! - `photo_sha256` (or null) and `photos`, every page's SHA-256 in page order (C.Hasil only);
//! - `unit`: the name of the entering unit (`Sinergi` for the machine, `publik` for a citizen);
//!   never a person's name, username or contact, nor the free-text reason;
//! - `at`: the time of the entry (RFC 3339, UTC).

use serde_json::{Value, json};

use super::form::Tally;

/// The canonical JSON of a form's numbers, the `tally` of its leaf. Made where the form is
/// read (the request's task), so that the writer only splices it into the leaf.
pub fn tally(t: &Tally) -> String {
    use std::fmt::Write;
    // Written directly in the canonical order (every form pays for it; a JSON tree of it cost
    // more than the rest of the request's work on the form): the keys sorted by their bytes,
    // the maps' keys already in that order (BTreeMap of String).
    fn rows(out: &mut String, rows: &std::collections::BTreeMap<String, super::form::Lp>) {
        out.push('{');
        for (i, (k, lp)) in rows.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(k, out);
            let _ = write!(out, ":{{\"l\":{},\"p\":{}", lp.l, lp.p);
            if let Some(total) = lp.total {
                let _ = write!(out, ",\"total\":{total}");
            }
            out.push('}');
        }
        out.push('}');
    }
    let mut out = String::with_capacity(256);
    let b = &t.ballots;
    let _ = write!(
        out,
        "{{\"ballots\":{{\"received\":{},\"spoiled\":{},\"unused\":{},\"used\":{}}},\"disabled\":{{\"users\":{},\"voters\":{}}},\"invalid\":{},\"users\":",
        b.received, b.spoiled, b.unused, b.used, t.disabled.users, t.disabled.voters, t.invalid
    );
    rows(&mut out, &t.users);
    let _ = write!(out, ",\"valid\":{},\"voters\":", t.valid);
    rows(&mut out, &t.voters);
    out.push_str(",\"votes\":{");
    for (i, (k, n)) in t.votes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(k, &mut out);
        let _ = write!(out, ":{n}");
    }
    out.push_str("}}");
    out
}

/// The leaf of a TPS's result entry, `tally` as [`tally`] made it. Written field by field in
/// the canonical order (the keys sorted by their bytes), without a JSON tree: this runs on the
/// writer for every form, where building the tree was a tenth of its time on election night.
#[allow(clippy::too_many_arguments)]
pub fn entry(election: &str, tps: &str, contest: &str, source: &str, revision: i64, tally: &str, photo_sha256: Option<&str>, photos: &[String], unit: &str, at: &str) -> Vec<u8> {
    let mut out = String::with_capacity(256 + tally.len() + photos.len() * 70);
    let text = |out: &mut String, key: &str, value: &str| {
        out.push_str(key);
        string(value, out);
    };
    text(&mut out, "{\"at\":", at);
    text(&mut out, ",\"contest\":", contest);
    text(&mut out, ",\"election\":", election);
    out.push_str(",\"kind\":\"c-hasil\",\"photo_sha256\":");
    match photo_sha256 {
        Some(sha) => string(sha, &mut out),
        None => out.push_str("null"),
    }
    out.push_str(",\"photos\":[");
    for (i, sha) in photos.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(sha, &mut out);
    }
    out.push_str("],\"revision\":");
    out.push_str(&revision.to_string());
    text(&mut out, ",\"source\":", source);
    out.push_str(",\"tally\":");
    out.push_str(tally);
    text(&mut out, ",\"tps\":", tps);
    text(&mut out, ",\"unit\":", unit);
    out.push_str(",\"v\":1}");
    out.into_bytes()
}

/// The leaf of a plenary recap entry.
pub fn recap(election: &str, region: &str, contest: &str, revision: i64, tally: &Tally, unit: &str, at: &str) -> Vec<u8> {
    canonical(&json!({
        "v": 1,
        "kind": "d-hasil",
        "election": election,
        "region": region,
        "contest": contest,
        "source": "kpu",
        "revision": revision,
        "tally": tally,
        "unit": unit,
        "at": at,
    }))
}

/// The canonical encoding described above (whatever order the map type keeps).
pub fn canonical(v: &Value) -> Vec<u8> {
    let mut out = String::new();
    write(v, &mut out);
    out.into_bytes()
}

/// A JSON string with JSON's minimal escaping (serde_json's, as for every other value).
fn string(s: &str, out: &mut String) {
    // Plain text needs no escaping: the common case skips the encoder.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&Value::String(s.to_string()).to_string());
    }
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(&map[k], out);
            }
            out.push('}');
        }
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_level_without_whitespace() {
        let v = json!({"b": 1, "a": {"z": [1, {"y": "é\"", "x": null}], "c": true}});
        assert_eq!(String::from_utf8(canonical(&v)).unwrap_or_default(), r#"{"a":{"c":true,"z":[1,{"x":null,"y":"é\""}]},"b":1}"#);
    }

    #[test]
    fn a_leaf_names_the_unit_and_no_reason() {
        let tally: Tally = serde_json::from_value(json!({
            "voters": {}, "users": {}, "disabled": {"voters": 0, "users": 0},
            "ballots": {"received": 0, "used": 0, "spoiled": 0, "unused": 0},
            "votes": {"1": 5}, "valid": 5, "invalid": 0
        }))
        .unwrap_or_else(|e| panic!("tally: {e}"));
        let leaf = String::from_utf8(entry("pemilu-2024", "35.76.02.1008.001", "presiden", "kpu", 1, &super::tally(&tally), Some("ab"), &["ab".into()], "KPU Kota Mojokerto", "2024-02-14T13:00:00Z")).unwrap_or_default();
        assert!(leaf.starts_with(r#"{"at":"2024-02-14T13:00:00Z","contest":"presiden","election":"pemilu-2024","kind":"c-hasil","photo_sha256":"ab","photos":["ab"],"revision":1,"source":"kpu","tally":{"#), "{leaf}");
        assert!(leaf.ends_with(r#""tps":"35.76.02.1008.001","unit":"KPU Kota Mojokerto","v":1}"#), "{leaf}");
    }

    /// The numbers written directly are byte for byte the canonical encoding of the tally's
    /// JSON tree, totals and odd keys included.
    #[test]
    fn the_tally_written_directly_is_the_canonical_encoding() {
        for t in [
            json!({"voters": {}, "users": {}, "disabled": {"voters": 0, "users": 0},
                   "ballots": {"received": 0, "used": 0, "spoiled": 0, "unused": 0}, "votes": {}, "valid": 0, "invalid": 0}),
            json!({"voters": {"dpt": {"l": 10, "p": 12}, "total": {"l": 11, "p": 13, "total": 24}, "a\"b": {"l": 1, "p": 0}},
                   "users": {"dptb": {"l": 3, "p": 4}}, "disabled": {"voters": 1, "users": 2},
                   "ballots": {"received": 30, "used": 20, "spoiled": 1, "unused": 9},
                   "votes": {"01": 12, "02": 6, "10": -1}, "valid": 18, "invalid": 2}),
        ] {
            let tally: Tally = serde_json::from_value(t).unwrap_or_else(|e| panic!("tally: {e}"));
            let tree = canonical(&serde_json::to_value(&tally).unwrap_or_default());
            assert_eq!(super::tally(&tally), String::from_utf8(tree).unwrap_or_default());
        }
    }

    /// The leaf written field by field is byte for byte the canonical encoding of its fields
    /// (the format observers re-encode), escapes and a missing photo included.
    #[test]
    fn the_leaf_written_directly_is_the_canonical_encoding() {
        let tally: Tally = serde_json::from_value(json!({
            "voters": {"dpt": {"l": 10, "p": 12}}, "users": {}, "disabled": {"voters": 1, "users": 0},
            "ballots": {"received": 30, "used": 20, "spoiled": 1, "unused": 9},
            "votes": {"01": 12, "02": 6}, "valid": 18, "invalid": 2
        }))
        .unwrap_or_else(|e| panic!("tally: {e}"));
        let cases: [(Option<&str>, Vec<String>, &str); 3] = [
            (Some("ab"), vec!["ab".into(), "cd".into()], "KPU Kota \"Mojokerto\"\\ \u{1}é"),
            (None, vec![], "publik"),
            (Some("ef"), vec!["ef".into()], "PPK Magersari"),
        ];
        for (photo, photos, unit) in cases {
            let fast = entry("pemilu-2024", "35.76.02.1008.001", "presiden", "saksi", 3, &super::tally(&tally), photo, &photos, unit, "2024-02-14T13:00:00Z");
            let tree = canonical(&json!({
                "v": 1, "kind": "c-hasil", "election": "pemilu-2024", "tps": "35.76.02.1008.001", "contest": "presiden",
                "source": "saksi", "revision": 3, "tally": tally, "photo_sha256": photo, "photos": photos, "unit": unit,
                "at": "2024-02-14T13:00:00Z",
            }));
            assert_eq!(String::from_utf8(fast).unwrap_or_default(), String::from_utf8(tree).unwrap_or_default());
        }
    }
}
