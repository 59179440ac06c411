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

/// The leaf of a TPS's result entry.
#[allow(clippy::too_many_arguments)]
pub fn entry(election: &str, tps: &str, contest: &str, source: &str, revision: i64, tally: &Tally, photo_sha256: Option<&str>, photos: &[String], unit: &str, at: &str) -> Vec<u8> {
    canonical(&json!({
        "v": 1,
        "kind": "c-hasil",
        "election": election,
        "tps": tps,
        "contest": contest,
        "source": source,
        "revision": revision,
        "tally": tally,
        "photo_sha256": photo_sha256,
        "photos": photos,
        "unit": unit,
        "at": at,
    }))
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
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(&map[k], out);
            }
            out.push('}');
        }
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
        let leaf = String::from_utf8(entry("pemilu-2024", "35.76.02.1008.001", "presiden", "kpu", 1, &tally, Some("ab"), &["ab".into()], "KPU Kota Mojokerto", "2024-02-14T13:00:00Z")).unwrap_or_default();
        assert!(leaf.starts_with(r#"{"at":"2024-02-14T13:00:00Z","contest":"presiden","election":"pemilu-2024","kind":"c-hasil","photo_sha256":"ab","photos":["ab"],"revision":1,"source":"kpu","tally":{"#), "{leaf}");
        assert!(leaf.ends_with(r#""tps":"35.76.02.1008.001","unit":"KPU Kota Mojokerto","v":1}"#), "{leaf}");
    }
}
