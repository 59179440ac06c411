//! Per-client rate limits for what anyone may send without an account (public reports and
//! their evidence): a window per client address. SQLite has one server, which counts in
//! memory; on PostgreSQL several servers share the count in the database (`intake_counts`), so
//! a client spreading its sends over them is held to the same limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::db::{Backend, Db, DbError, Value};
use super::error::AppError;

/// The client of a request served with connect info (see `client_of`); 127.0.0.1 without it.
pub fn client_ip(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> IpAddr {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    client_of(peer, headers)
}

/// The client a request comes from: the peer address, or — when the peer is the reverse
/// proxy named in the settings (`SINERGI_TRUSTED_PROXY`) — the last address that proxy appended to
/// `X-Forwarded-For` (anything before it the client could have written itself).
pub fn client_of(peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    if super::settings::get().trusted_proxy != Some(peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .next_back()
        .unwrap_or(peer)
}

pub struct RateLimit {
    max: u32,
    window: Duration,
    clients: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimit {
    pub fn new(max: u32, window: Duration) -> RateLimit {
        RateLimit { max, window, clients: Mutex::new(HashMap::new()) }
    }

    /// Public intake: `--intake-limit` submissions per client per 10 minutes.
    pub fn intake() -> RateLimit {
        RateLimit::new(super::settings::get().intake_limit, Duration::from_secs(600))
    }

    /// Counts one submission from `client` in this process and gives the public's permit to
    /// write it, or refuses with the wait in minutes. With `admit_shared`, the only way to a
    /// permit without an account; alone, for what runs without a server (the demo's loader).
    pub fn admit(&self, client: IpAddr) -> Result<super::auth::Permit, AppError> {
        self.check(client)?;
        Ok(super::auth::Permit::public())
    }

    /// The same, counted across every server of the database: in the database on PostgreSQL,
    /// in this process on SQLite (its only server).
    pub async fn admit_shared(&self, db: &Db, client: IpAddr) -> Result<super::auth::Permit, AppError> {
        if db.backend() == Backend::Sqlite {
            return self.admit(client);
        }
        let window = i64::try_from(self.window.as_secs()).unwrap_or(600).max(1);
        let max = i64::from(self.max);
        let key = client.to_string();
        // Fixed windows of the database's clock, the one clock every server shares. A client at
        // its limit is not counted further (the update's condition), so its window ends on time.
        let counted = db
            .write_apart(move |c| {
                let row = c.query_opt(
                    "INSERT INTO intake_counts (client, window_start, n)
                     VALUES ($1, CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) / CAST($2 AS BIGINT)) AS BIGINT) * CAST($2 AS BIGINT), 1)
                     ON CONFLICT (client, window_start) DO UPDATE SET n = intake_counts.n + 1 WHERE intake_counts.n < CAST($3 AS BIGINT)
                     RETURNING n, window_start",
                    &[Value::Text(key), Value::Int(window), Value::Int(max)],
                )?;
                let Some(row) = row else { return Ok::<_, DbError>(None) };
                let (n, start): (i64, i64) = (row.get(0)?, row.get(1)?);
                if n == 1 {
                    // A window opened: the ones before it count no more.
                    c.execute("DELETE FROM intake_counts WHERE window_start < $1", &[Value::Int(start)])?;
                }
                Ok(Some(n))
            })
            .await?;
        // The window's first submission is counted whatever the limit (a limit of 0 refuses it).
        match counted {
            Some(n) if n <= max => Ok(super::auth::Permit::public()),
            _ => {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                let left = Duration::from_secs(self.window.as_secs().max(1) - now % self.window.as_secs().max(1));
                Err(self.refusal(left))
            }
        }
    }

    fn refusal(&self, left: Duration) -> AppError {
        let wait = left.as_secs().div_ceil(60);
        let (max, minutes) = (self.max, self.window.as_secs() / 60);
        AppError::too_many(
            crate::tr!(
                "terlalu banyak kiriman dari alamat Anda: paling banyak {max} per {minutes} menit; coba lagi {wait} menit lagi",
                "too many submissions from your address: {max} per {minutes} minutes; try again in {wait} minute(s)"
            ),
            left,
        )
    }

    /// Counts one submission from `client`, or refuses it with the wait in minutes. Private:
    /// callers go through `admit`, which gives the permit the write needs.
    fn check(&self, client: IpAddr) -> Result<(), AppError> {
        let mut map = self.clients.lock().map_err(|_| AppError::Internal("rate limit poisoned".into()))?;
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = map.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.max {
            return Err(self.refusal(self.window.saturating_sub(now.duration_since(entry.0))));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_window() {
        let l = RateLimit::new(2, Duration::from_secs(60));
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        assert!(l.check(a).is_ok() && l.check(a).is_ok());
        assert!(matches!(l.check(a), Err(AppError::TooManyRequests { .. })));
        assert!(l.check(b).is_ok());
    }
}
