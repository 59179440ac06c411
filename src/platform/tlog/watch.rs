//! The monitor an observer runs against a server they do not control (`sinergi log watch`):
//! it reads the log only through the public API (`/log/checkpoint`, `/log/consistency`), needs
//! no database, and keeps in a local file the last checkpoint it accepted.
//!
//! A checkpoint is accepted when its signature verifies with the verifier key the observer was
//! given (`sinergi log key` on the server), its origin is the key's name, and it extends the
//! one accepted before: the same size with the same root, or a larger size proved consistent
//! (RFC 9162 §2.1.4). A smaller size, or the same size with another root, is a rollback or a
//! fork, and so is a larger tree whose consistency proof fails: the server rewrote history that
//! it had signed. Only an accepted checkpoint replaces the state.
//!
//! The first run trusts the checkpoint it finds (there is nothing to compare it with); every
//! later run holds the server to it. The results module uses the monitor to check its
//! inclusion proofs against accepted checkpoints.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use signed_note::Verifier;

use super::Hash;
use super::checkpoint::{self, Head};
use crate::platform::i18n::Text;
use crate::tr;

/// A request that takes longer is reported (a phone hotspot is slow, not this slow).
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a step failed.
#[derive(Debug, Clone)]
pub enum Problem {
    /// The log contradicts its signature, its key or what was accepted before: a fork, a
    /// rollback, a forged note, a proof that does not verify.
    Log(Text),
    /// The server could not be asked, or answered with an error: nothing was proved either way.
    Unreachable(Text),
}

impl Problem {
    pub fn text(&self) -> &Text {
        match self {
            Problem::Log(t) | Problem::Unreachable(t) => t,
        }
    }
}

/// A server's answer: its status and body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    /// The message of an error answer (`{"error": {"message": …}}`), else the start of its body.
    pub fn message(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let message = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["error"]["message"].as_str().map(str::to_string));
        message.unwrap_or_else(|| text.chars().take(200).collect::<String>().trim().to_string())
    }
}

#[derive(Deserialize)]
struct ConsistencyAnswer {
    from_root: String,
    proof: Vec<String>,
}

/// Base64 hashes as the API serves them, or None when one is not 32 bytes of base64.
pub fn decode_hashes(list: &[String]) -> Option<Vec<Hash>> {
    list.iter().map(|h| STANDARD.decode(h).ok().and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok()).map(Hash)).collect()
}

/// A checkpoint accepted: the tree head its note signs, and the note as the server served it
/// (what the state file keeps).
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub head: Head,
    pub note: String,
}

fn short(root: &Hash) -> String {
    STANDARD.encode(root.0)
}

pub struct Monitor {
    http: reqwest::Client,
    base: reqwest::Url,
    key: signed_note::StandardVerifier,
    /// The newest checkpoint accepted: the state's at first, then each one that extends it.
    accepted: Option<Checkpoint>,
}

impl Monitor {
    /// A monitor of the server at `base` (`https://host[/prefix]`) whose checkpoints `vkey`
    /// signs.
    pub fn new(base: &str, vkey: &str) -> Result<Monitor, Text> {
        let key = signed_note::StandardVerifier::new(vkey.trim()).map_err(|_| {
            tr!(
                "kunci verifikasi \"{vkey}\" tidak sah: tulis persis seperti yang dicetak `sinergi log key` (nama+id+kunci)",
                "the verifier key \"{vkey}\" is not valid: give it exactly as `sinergi log key` prints it (name+id+key)"
            )
        })?;
        let mut url = reqwest::Url::parse(base.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())).ok_or_else(
            || tr!("alamat server \"{base}\" bukan URL http(s)://…", "the server address \"{base}\" is not an http(s)://… URL"),
        )?;
        url.set_query(None);
        url.set_fragment(None);
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("Sinergi-log-watch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| tr!("klien HTTP tidak dapat dibuat: {e}", "cannot build the HTTP client: {e}"))?;
        Ok(Monitor { http, base: url, key, accepted: None })
    }

    /// The log's origin: the verifier key's name.
    pub fn origin(&self) -> &str {
        self.key.name()
    }

    /// The state file used when none is given: `sinergi-watch-<origin>.checkpoint` in the
    /// working directory, the origin's characters other than letters, digits, `.` and `-`
    /// written as `_` (one file per log watched from the same folder).
    pub fn default_state(&self) -> PathBuf {
        let name: String = self.origin().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
        PathBuf::from(format!("sinergi-watch-{name}.checkpoint"))
    }

    /// The newest checkpoint accepted so far.
    pub fn accepted(&self) -> Option<&Checkpoint> {
        self.accepted.as_ref()
    }

    /// Reads the state file (the note of the last checkpoint accepted), checked with the key
    /// again: a state of another log or key is refused, never silently replaced. None on the
    /// first run.
    pub fn load(&mut self, path: &Path) -> Result<Option<&Checkpoint>, Text> {
        let p = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(tr!("berkas status {p} tidak dapat dibaca: {e}", "cannot read the state file {p}: {e}")),
        };
        let opened = self.open(&text).map_err(|why| {
            let (id, en) = (why.id(), why.en());
            tr!(
                "berkas status {p} tidak memuat checkpoint log ini ({id}); berkas itu rusak, atau milik log atau kunci lain: pakai --state lain",
                "the state file {p} holds no checkpoint of this log ({en}); it is damaged, or belongs to another log or key: give another --state"
            )
        })?;
        self.accepted = Some(opened);
        Ok(self.accepted.as_ref())
    }

    /// A note read as a checkpoint of this log: signed by the key, of the key's origin (the C2SP
    /// extension lines after the root, such as the audit head, are read past).
    fn open(&self, note: &str) -> Result<Checkpoint, Text> {
        checkpoint::open_signed(note, Some(&self.key)).map(|s| Checkpoint { head: s.head, note: note.to_string() })
    }

    /// Writes the accepted checkpoint's note to the state file (at once, never half-written).
    pub fn save(&self, path: &Path) -> Result<(), Text> {
        let Some(accepted) = &self.accepted else { return Ok(()) };
        checkpoint::write_durably(path, &accepted.note).map_err(|e| {
            let p = path.display();
            tr!("berkas status {p} tidak dapat ditulis: {e}", "cannot write the state file {p}: {e}")
        })
    }

    /// GET `segments` (each percent-encoded) under the server's address, with `query`.
    pub async fn get(&self, segments: &[&str], query: &[(&str, String)]) -> Result<Answer, Text> {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let fail = |e: reqwest::Error| {
            // The client's own message hides the cause (refused, no such host, TLS) in its sources.
            let mut why = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                why.push_str(&format!(": {c}"));
                cause = c.source();
            }
            let u = url.as_str();
            tr!("{u} tidak dapat dihubungi: {why}", "cannot reach {u}: {why}")
        };
        let resp = self.http.get(url.clone()).send().await.map_err(fail)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(fail)?.to_vec();
        Ok(Answer { status, body })
    }

    /// Fetches the latest checkpoint (`GET /log/checkpoint`) and accepts it if it extends the
    /// accepted one.
    pub async fn latest(&mut self) -> Result<Checkpoint, Problem> {
        let answer = self.get(&["log", "checkpoint"], &[]).await.map_err(Problem::Unreachable)?;
        if answer.status != 200 {
            let (s, m) = (answer.status, answer.message());
            return Err(Problem::Unreachable(tr!("server menjawab /log/checkpoint dengan {s}: {m}", "the server answered /log/checkpoint with {s}: {m}")));
        }
        let note = String::from_utf8_lossy(&answer.body).into_owned();
        self.admit(&note).await
    }

    /// Checks a checkpoint note (from `/log/checkpoint` or a proof answer): signed by the key,
    /// of the key's log, and extending the accepted checkpoint (proved with `/log/consistency`
    /// when it is larger). Accepts it as the newest when larger.
    pub async fn admit(&mut self, note: &str) -> Result<Checkpoint, Problem> {
        let origin = self.origin().to_string();
        let opened = self.open(note).map_err(|why| {
            let (id, en) = (why.id(), why.en());
            Problem::Log(tr!(
                "checkpoint dari server ditolak untuk log {origin}: {id} (kunci yang salah, atau checkpoint palsu)",
                "the server's checkpoint is refused for the log {origin}: {en} (a wrong key, or a forged checkpoint)"
            ))
        })?;
        let Some(old) = self.accepted.clone() else {
            self.accepted = Some(opened.clone());
            return Ok(opened);
        };
        let (n, m) = (old.head.size, opened.head.size);
        let (old_root, new_root) = (short(&old.head.root), short(&opened.head.root));
        if m < n {
            return Err(Problem::Log(tr!(
                "ROLLBACK/FORK: checkpoint server mencakup {m} daun, lebih sedikit dari {n} daun checkpoint yang sudah diterima (akar {old_root}); log ditarik mundur",
                "ROLLBACK/FORK: the server's checkpoint covers {m} leaves, fewer than the {n} of the checkpoint accepted before (root {old_root}); the log was rolled back"
            )));
        }
        if m == n {
            if opened.head.root != old.head.root {
                return Err(Problem::Log(tr!(
                    "FORK: checkpoint server berukuran {m} dengan akar {new_root}, padahal checkpoint berukuran sama yang sudah diterima berakar {old_root}",
                    "FORK: the server's checkpoint of size {m} has the root {new_root}, but the checkpoint of the same size accepted before has the root {old_root}"
                )));
            }
            return Ok(opened);
        }
        let answer = self.get(&["log", "consistency"], &[("from", n.to_string()), ("to", m.to_string())]).await.map_err(Problem::Unreachable)?;
        // A server error or a busy server proves nothing either way (a failover's seconds
        // answer 500): asked again next round. Any other refusal is the server declining the
        // proof.
        if answer.status >= 500 || answer.status == 429 {
            let (s, msg) = (answer.status, answer.message());
            return Err(Problem::Unreachable(tr!(
                "server tidak dapat membuktikan konsistensi checkpoint {n} → {m} saat ini ({s}: {msg}); dicoba lagi",
                "the server cannot prove the consistency of checkpoint {n} → {m} now ({s}: {msg}); tried again"
            )));
        }
        if answer.status != 200 {
            let (s, msg) = (answer.status, answer.message());
            return Err(Problem::Log(tr!(
                "server tidak membuktikan bahwa checkpoint {m} daun memperluas checkpoint {n} daun yang sudah diterima ({s}: {msg})",
                "the server did not prove that the checkpoint of {m} leaves extends the accepted one of {n} leaves ({s}: {msg})"
            )));
        }
        let proof: Option<(String, Vec<Hash>)> =
            serde_json::from_slice::<ConsistencyAnswer>(&answer.body).ok().and_then(|a| decode_hashes(&a.proof).map(|p| (a.from_root, p)));
        let Some((claimed, proof)) = proof else {
            return Err(Problem::Log(tr!("bukti konsistensi {n} → {m} dari server rusak", "the server's consistency proof {n} → {m} is malformed")));
        };
        // The proof is checked against the roots that were signed, never the ones the answer
        // states; a stated older root other than the signed one says outright what changed.
        if !super::verify_consistency(&proof, n, old.head.root, m, opened.head.root) {
            let now = if claimed != old_root { tr!("; server kini menyebut akar {claimed} untuk {n} daun pertama", "; the server now gives the root {claimed} for the first {n} leaves") } else { Text::new("", "") };
            let (now_id, now_en) = (now.id(), now.en());
            return Err(Problem::Log(Text::new(
                format!("FORK: checkpoint {m} daun (akar {new_root}) tidak memperluas checkpoint {n} daun yang sudah diterima (akar {old_root}): bukti konsistensi gagal{now_id}; riwayat log ditulis ulang"),
                format!("FORK: the checkpoint of {m} leaves (root {new_root}) does not extend the accepted one of {n} leaves (root {old_root}): the consistency proof fails{now_en}; the log's history was rewritten"),
            )));
        }
        self.accepted = Some(opened.clone());
        Ok(opened)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_file_is_named_after_the_origin() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        let vkey = signed_note::new_ed25519_verifier_key("sinergi.kpu-kota/log", &key);
        let m = Monitor::new("https://example.org/", &vkey).expect("monitor");
        assert_eq!(m.default_state(), PathBuf::from("sinergi-watch-sinergi.kpu-kota_log.checkpoint"));
    }

    #[test]
    fn a_bad_key_or_address_is_named() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        let vkey = signed_note::new_ed25519_verifier_key("o/log", &key);
        assert!(Monitor::new("ftp://example.org", &vkey).is_err());
        assert!(Monitor::new("https://example.org", "o/log+zz").is_err());
        assert!(Monitor::new("http://127.0.0.1:8080", &vkey).is_ok());
    }
}
