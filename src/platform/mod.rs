//! Shared machinery: storage, migrations, audit chain, authentication and authorisation,
//! errors, HTTP helpers and the web layout. Domain modules use these; none repeats them.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod blob;
pub mod cache;
#[cfg(test)]
pub mod cases;
pub mod clock;
pub mod db;
pub mod error;
pub mod field;
pub mod form;
pub mod guard;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod lease;
pub mod limit;
pub mod map;
pub mod notify;
pub mod migrate;
pub mod pdf;
pub mod pubcache;
pub mod settings;
pub mod sheet;
pub mod state;
pub mod text;
pub mod tlog;
pub mod web;

#[cfg(test)]
mod boundary {
    //! The platform is the kernel every feature module builds on; it must not depend on any of
    //! them, or module rules would leak into it (and cycles would follow).

    const FEATURES: &[&str] =
        &["agencies", "regions", "elections", "logistics", "vulnerability", "reports", "results", "coordination", "field", "situation", "startup", "demo", "cli"];

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }

    /// Uses of a feature module on one line: `crate::reports`, `super::super::reports`, or a
    /// grouped `crate::{…, reports, …}`.
    pub(super) fn feature_uses(line: &str) -> Vec<&'static str> {
        let code = line.split("//").next().unwrap_or("");
        FEATURES
            .iter()
            .copied()
            .filter(|m| {
                let direct = [format!("crate::{m}"), format!("super::super::{m}"), format!("sinergi::{m}")];
                let grouped = code.contains("crate::{") && code.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == *m);
                direct.iter().any(|d| {
                    code.match_indices(d.as_str()).any(|(i, _)| {
                        !code[i + d.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                    })
                }) || grouped
            })
            .collect()
    }

    #[test]
    fn the_platform_imports_no_feature_module() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/platform");
        let mut files = vec![];
        rust_files(&root, &mut files);
        assert!(files.len() > 10, "src/platform not found at {}", root.display());
        let mut found = vec![];
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            // This check names the modules in its own examples: it is not scanned.
            let text = if f.ends_with("platform/mod.rs") { text.split("mod boundary {").next().unwrap_or("").to_string() } else { text };
            for (n, line) in text.lines().enumerate() {
                for m in feature_uses(line) {
                    found.push(format!("{}:{}: uses {m}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(found.is_empty(), "src/platform must not import feature modules; move the shared part into the platform instead:\n{}", found.join("\n"));
    }

    /// Each top-level function of a file with its signature and body, split at `fn` lines.
    fn functions(text: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = vec![];
        for line in text.lines() {
            let t = line.trim_start();
            let top = line.len() == t.len();
            if top && (t.starts_with("pub fn ") || t.starts_with("fn ") || t.starts_with("pub(crate) fn ") || t.starts_with("pub(super) fn ")) {
                out.push((String::new(), String::new()));
            }
            if let Some((sig, body)) = out.last_mut() {
                if body.is_empty() && !sig.contains('{') {
                    sig.push_str(line);
                    sig.push('\n');
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
        out
    }

    /// Every module function that appends to the audit chain (every store write does) takes
    /// the `Permit` that authorisation gave, so no write can name a hand-made actor.
    #[test]
    fn every_audited_write_takes_a_permit() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        rust_files(&root, &mut files);
        let mut found = vec![];
        for f in files.iter().filter(|f| !f.starts_with(root.join("platform"))) {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            for (sig, body) in functions(&text) {
                if body.contains("audit::record(") && !sig.contains("Permit") && !body.contains("authorize(") && !body.contains("Permit::system(") {
                    found.push(format!("{}: {}", f.display(), sig.lines().next().unwrap_or("").trim()));
                }
            }
        }
        assert!(found.is_empty(), "these functions write to the audit chain without taking a Permit:\n{}", found.join("\n"));
        // And nothing outside the platform makes a permit or an actor by hand.
        for f in files.iter().filter(|f| !f.starts_with(root.join("platform"))) {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                assert!(!code.contains("Permit {") && !code.contains("Actor::") && !code.contains("Actor {"), "{}:{}: builds a permit or actor by hand: {}", f.display(), n + 1, line.trim());
            }
        }
    }

    /// Caches belong to the running server's `AppState` (a `TtlCache` field, or a module's
    /// state registered at start-up), never to the process: a `static` holding a lock over
    /// data would be shared by two servers in one process and outlive a router.
    #[test]
    fn no_process_global_caches() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        rust_files(&root, &mut files);
        let mut found = vec![];
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            // This check names what it looks for: it is not scanned.
            let text = if f.ends_with("platform/mod.rs") { text.split("mod boundary {").next().unwrap_or("").to_string() } else { text };
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if code.contains("static ") && (code.contains("Mutex<") || code.contains("RwLock<")) {
                    found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(found.is_empty(), "process-global caches; hold them in AppState instead:\n{}", found.join("\n"));
    }

    #[test]
    fn the_scan_sees_every_form_of_use() {
        assert_eq!(feature_uses("use crate::agencies::store::User;"), vec!["agencies"]);
        assert_eq!(feature_uses("    crate::regions::within(a, b)"), vec!["regions"]);
        assert_eq!(feature_uses("use super::super::reports::x;"), vec!["reports"]);
        assert_eq!(feature_uses("use crate::{db, results};"), vec!["results"]);
        assert!(feature_uses("use crate::platform::db;").is_empty());
        assert!(feature_uses("use crate::params; // not crate::reports").is_empty());
        assert!(feature_uses("crate::regionsx").is_empty());
    }
}
