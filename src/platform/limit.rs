//! Per-client rate limits for what anyone may send without an account (public reports and
//! their evidence): a fixed window per client address, kept in memory per server process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::AppError;

/// The client of a request served with connect info (see `client_of`); 127.0.0.1 without it.
pub fn client_ip(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> IpAddr {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    client_of(peer, headers)
}

/// The client a request comes from: the peer address, or — when the peer is the reverse
/// proxy named in `SINERGI_TRUSTED_PROXY` — the last address that proxy appended to
/// `X-Forwarded-For` (anything before it the client could have written itself).
pub fn client_of(peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    static PROXY: std::sync::OnceLock<Option<IpAddr>> = std::sync::OnceLock::new();
    let proxy = PROXY.get_or_init(|| std::env::var("SINERGI_TRUSTED_PROXY").ok().and_then(|v| v.trim().parse().ok()));
    if *proxy != Some(peer) {
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

    /// Public intake: `SINERGI_INTAKE_LIMIT` submissions (default 30) per client per 10 minutes.
    pub fn intake_from_env() -> RateLimit {
        let max = std::env::var("SINERGI_INTAKE_LIMIT").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(30);
        RateLimit::new(max, Duration::from_secs(600))
    }

    /// Counts one submission from `client` and gives the public's permit to write it, or
    /// refuses with the wait in minutes. This is the only way to a permit without an account.
    pub fn admit(&self, client: IpAddr) -> Result<super::auth::Permit, AppError> {
        self.check(client)?;
        Ok(super::auth::Permit::public())
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
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            let wait = left.as_secs().div_ceil(60);
            let (max, minutes) = (self.max, self.window.as_secs() / 60);
            return Err(AppError::too_many(crate::tr!(
                "terlalu banyak kiriman dari alamat Anda: paling banyak {max} per {minutes} menit; coba lagi {wait} menit lagi",
                "too many submissions from your address: {max} per {minutes} minutes; try again in {wait} minute(s)"
            ), left));
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
