//! Leases: a background job that must run on one server at a time (the results log's sequencer
//! and checkpoint signer; the sweeps and the notification sender may follow) is done by the
//! server that holds its lease. A lease is a row (name, holder, expiry): taken when it is free
//! or expired, renewed by its holder, both in one statement, and lost when the holder does not
//! renew it within its time to live: when that server dies, another takes it over after the TTL.
//!
//! Expiry is measured by the database's clock, the one clock every server shares. The holder
//! counts its own hold from just before the statement it renewed it with, so it stops acting
//! no later than the database lets another server take over.
//!
//! SQLite is one process per file (one server): there a lease is always held, with no row.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::db::{Backend, Conn, DbError, Value};

/// One named lease as this process sees it.
pub struct Lease {
    name: &'static str,
    holder: String,
    ttl: Duration,
    /// Whether this process may act as the holder, and until when.
    until: Mutex<Held>,
}

#[derive(Clone, Copy)]
enum Held {
    No,
    /// From its last renewal.
    Until(Instant),
    /// SQLite: the only process.
    Always,
}

impl Lease {
    /// The lease `name` for this process: its holder name is the host, the process and a
    /// random part (a restarted server is a new holder and waits out its predecessor's TTL).
    pub fn new(name: &'static str, ttl: Duration) -> Lease {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok()).unwrap_or_default();
        let mut nonce = [0u8; 8];
        // Without randomness the process id alone still tells servers of one host apart.
        let _ = getrandom::fill(&mut nonce);
        Lease { name, holder: format!("{}/{}/{}", host.trim(), std::process::id(), hex::encode(nonce)), ttl, until: Mutex::new(Held::No) }
    }

    pub fn name(&self) -> &str {
        self.name
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Takes the lease when it is free or expired, or renews it when this process holds it, in
    /// one statement (in the caller's transaction, if any: the row stays locked until it ends,
    /// so no other server takes the lease over meanwhile). Answers whether this process holds it.
    pub fn hold(&self, conn: &mut Conn) -> Result<bool, DbError> {
        let start = Instant::now();
        let held = match conn.backend() {
            Backend::Sqlite => {
                self.hold_always();
                return Ok(true);
            }
            Backend::Postgres => {
                let ttl_ms = i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX);
                conn.query_opt(
                    "INSERT INTO leases (name, holder, expires_at)
                     VALUES ($1, $2, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) + $3)
                     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                     WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)
                     RETURNING holder",
                    &[Value::Text(self.name.to_string()), Value::Text(self.holder.clone()), Value::Int(ttl_ms)],
                )?
                .is_some()
            }
        };
        if let Ok(mut until) = self.until.lock() {
            *until = if held { Held::Until(start + self.ttl) } else { Held::No };
        }
        Ok(held)
    }

    /// Gives the lease up, when this process holds it: another server may take it at once (a
    /// server stopping on purpose).
    pub fn release(&self, conn: &mut Conn) -> Result<(), DbError> {
        self.forget();
        if conn.backend() == Backend::Postgres {
            conn.execute("DELETE FROM leases WHERE name = $1 AND holder = $2", &[Value::Text(self.name.to_string()), Value::Text(self.holder.clone())])?;
        }
        Ok(())
    }

    /// SQLite: the only process holds every lease, with no row.
    fn hold_always(&self) {
        if let Ok(mut until) = self.until.lock() {
            *until = Held::Always;
        }
    }

    /// Whether this process holds the lease now, by its last renewal (no query).
    pub fn held(&self) -> bool {
        match self.until.lock().map(|u| *u) {
            Ok(Held::Always) => true,
            Ok(Held::Until(u)) => Instant::now() < u,
            _ => false,
        }
    }

    /// Stops acting as the holder (a renewal whose transaction failed did not count).
    pub fn forget(&self) {
        if let Ok(mut until) = self.until.lock()
            && !matches!(*until, Held::Always)
        {
            *until = Held::No;
        }
    }
}

/// Takes or renews `lease` in a transaction of its own beside the writer; answers whether this
/// process holds it. SQLite's one server always does, and asks nothing.
pub async fn renew(db: &super::db::Db, lease: &std::sync::Arc<Lease>) -> bool {
    if db.backend() == Backend::Sqlite {
        // Not through `hold` and the writer: that would be a write transaction every second.
        lease.hold_always();
        return true;
    }
    let l = lease.clone();
    match db.write_apart(move |c| l.hold(c)).await {
        Ok(held) => held,
        Err(e) => {
            lease.forget();
            tracing::warn!("cannot renew the {} lease: {e}", lease.name);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two servers' leases on one PostgreSQL: one holds, the other waits out the TTL, then
    /// takes it over. Runs when SINERGI_TEST_PG names a server, in a database of its own.
    #[tokio::test(flavor = "multi_thread")]
    async fn one_holder_at_a_time_and_a_takeover_after_the_ttl() {
        let Some(pg) = tokio::task::spawn_blocking(|| crate::platform::db::ScratchPg::create("lease")).await.expect("setup") else {
            return;
        };
        let url = pg.url.clone();
        let db = tokio::task::spawn_blocking({
            let url = url.clone();
            move || crate::platform::db::Db::open(&url)
        })
        .await
        .expect("join")
        .expect("open");
        let ttl = Duration::from_millis(800);
        let (a, b) = (std::sync::Arc::new(Lease::new("test", ttl)), std::sync::Arc::new(Lease::new("test", ttl)));
        assert_ne!(a.holder(), b.holder());
        let hold = |l: &std::sync::Arc<Lease>| {
            let l = l.clone();
            let db = db.clone();
            async move { db.write(move |c| l.hold(c)).await.expect("hold") }
        };
        assert!(hold(&a).await && a.held(), "a free lease is taken");
        assert!(!hold(&b).await && !b.held(), "a held lease is not");
        assert!(hold(&a).await, "the holder renews it");
        std::thread::sleep(Duration::from_millis(400));
        assert!(hold(&a).await && !hold(&b).await, "renewed within the TTL, it stays");
        std::thread::sleep(Duration::from_millis(1000));
        assert!(!a.held(), "the holder stops acting once its TTL has passed without renewal");
        assert!(hold(&b).await && b.held(), "an expired lease is taken over");
        assert!(!hold(&a).await && !a.held(), "and the old holder has lost it");
        drop(db);
        tokio::task::spawn_blocking(move || drop(pg)).await.expect("cleanup");
    }
}
