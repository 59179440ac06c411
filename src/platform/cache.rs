//! A small time-bounded cache. Caches belong to the running server's `AppState`, never to the
//! process: two servers in one process (the tests) or a restarted router never share stale
//! entries, and whoever edits the cached data can drop it through the same state.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    /// Past this many entries, expired ones are dropped before an insert; if all are fresh the
    /// map is cleared, so memory stays bounded under a flood of distinct keys.
    max: usize,
    map: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, max: usize) -> Self {
        TtlCache { ttl, max, map: Mutex::new(HashMap::new()) }
    }

    /// The value if it was stored less than the TTL ago.
    pub fn get(&self, key: &K) -> Option<V> {
        let m = self.map.lock().ok()?;
        m.get(key).filter(|(_, at)| at.elapsed() < self.ttl).map(|(v, _)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.max {
                let ttl = self.ttl;
                m.retain(|_, (_, at)| at.elapsed() < ttl);
                if m.len() >= self.max {
                    m.clear();
                }
            }
            m.insert(key, (value, Instant::now()));
        }
    }

    pub fn remove(&self, key: &K) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(key);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut m) = self.map.lock() {
            m.clear();
        }
    }
}

/// Caches that another server's commit can make stale: each under the name its writers pass to
/// `Conn::drop_cache_everywhere`, with what empties it.
pub type Stale = Vec<(&'static str, std::sync::Arc<dyn Fn() + Send + Sync>)>;

/// Empties each of `caches` whenever a commit on any server of the database names it, or when
/// the notices may have been missed (the listener reconnected, or fell behind). The server that
/// made the change has already emptied its own after the commit; this reaches the others.
pub fn forget_on_notice(db: &super::db::Db, caches: Stale) {
    use tokio::sync::broadcast::error::RecvError;
    let mut notices = db.dropped_caches();
    tokio::spawn(async move {
        loop {
            let name = match notices.recv().await {
                Ok(name) => name,
                Err(RecvError::Lagged(_)) => super::db::ALL_CACHES.into(),
                Err(RecvError::Closed) => return,
            };
            for (_, forget) in caches.iter().filter(|(n, _)| *n == &*name || &*name == super::db::ALL_CACHES) {
                forget();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_map_stays_bounded() {
        let c = TtlCache::new(Duration::from_millis(30), 3);
        c.insert(1, "a");
        assert_eq!(c.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&1), None);
        for k in 0..10 {
            c.insert(k, "b");
        }
        assert!(c.map.lock().map(|m| m.len()).unwrap_or(99) <= 3);
        c.remove(&9);
        assert_eq!(c.get(&9), None);
    }
}
