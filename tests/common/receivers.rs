//! The receivers that notification tests deliver to, started by the tests themselves: an SMTP
//! server (Python's aiosmtpd, `tests/support/smtp_sink.py`) and an HTTP receiver (Python's
//! http.server, `tests/support/webhook_receiver.py`), which record what they get and verify
//! nothing. Shared by `tests/notifications.rs` and `tests/browser_notifications.rs`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

const PYTHON: &str = "/usr/bin/python3";

/// A receiver process, killed when dropped.
pub struct Receiver {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn support(script: &str) -> String {
    format!("{}/tests/support/{script}", env!("CARGO_MANIFEST_DIR"))
}

/// Why the receivers cannot run here, if they cannot.
pub fn missing() -> Option<String> {
    let ok = Command::new(PYTHON).args(["-c", "import aiosmtpd, http.server"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    match ok {
        Ok(s) if s.success() => None,
        Ok(_) => Some(format!("{PYTHON} has no aiosmtpd (Debian: apt install python3-aiosmtpd)")),
        Err(e) => Some(format!("no {PYTHON}: {e}")),
    }
}

pub use crate::common::free_port;

pub fn start(script: &str, port: u16, dir: &Path, extra: &[&str]) -> Receiver {
    let child = Command::new(PYTHON)
        .arg(support(script))
        .arg(port.to_string())
        .arg(dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start a receiver");
    let r = Receiver { child, dir: dir.to_path_buf(), port };
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{script} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    r
}

pub fn smtp(dir: &Path) -> Receiver {
    start("smtp_sink.py", free_port(), &dir.join("mail"), &[])
}

pub fn webhook_on(port: u16, dir: &Path, name: &str, extra: &[&str]) -> Receiver {
    start("webhook_receiver.py", port, &dir.join(name), extra)
}

impl Receiver {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What it recorded, in order.
    pub fn received(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&self.dir).map(|d| d.flatten().map(|e| e.path()).filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))).collect()).unwrap_or_default();
        files.sort_by_key(|p| p.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0));
        files
    }

    /// Webhook requests: (path, headers, body bytes).
    pub fn requests(&self) -> Vec<(String, Value, Vec<u8>)> {
        self.received()
            .iter()
            .map(|p| {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(p).expect("record")).expect("record JSON");
                let body = base64::engine::general_purpose::STANDARD.decode(v["body_b64"].as_str().unwrap_or("")).expect("body");
                (v["path"].as_str().unwrap_or("").to_string(), v["headers"].clone(), body)
            })
            .collect()
    }

    pub fn wait_for(&self, n: usize, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.received().len() < n {
            assert!(Instant::now() < deadline, "{} got {} of {n} in {secs} s", self.dir.display(), self.received().len());
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

