//! The state every handler receives: the database, the login throttle, the public intake
//! limit, the session cache, and whatever a feature module registers at start-up (the region
//! index, its own caches). The platform knows no feature module: a module registers its state
//! by type and reads it back by type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::auth::LoginThrottle;
use super::blob::BlobStore;
use super::cache::TtlCache;
use super::db::Db;
use super::identity::User;
use super::limit::RateLimit;

/// The users of sessions recently confirmed by the database, so that a burst of requests from
/// one device (election night) does not join sessions, users and units each time. An entry
/// lives a few seconds. It never outlives its session: a cache hit still asks the session
/// table, by primary key, whether the session stands (see `CurrentUser`), so a logout, a
/// disabled account, a password reset or a revocation — here, from the command line or on
/// another server — refuses the very next request.
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(5);

/// Cloned for every request and every extractor that takes it: one shared allocation, so a
/// clone is one reference count, not one per part (the parts' counts, bumped from both cores
/// at once, were 3 % of the request threads' samples on election night).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: Db,
    /// Photos and evidence files, kept by their SHA-256 (`platform::blob`).
    pub blobs: Arc<BlobStore>,
    pub throttle: Arc<LoginThrottle>,
    /// Per-client limit on public intake (reports, evidence, public results).
    pub intake: Arc<RateLimit>,
    /// token hash → user, see `SESSION_CACHE_TTL`.
    pub sessions: Arc<TtlCache<String, User>>,
    modules: Modules,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Feature-module state, one value per type.
#[derive(Default)]
pub struct Modules(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl Modules {
    pub fn with<T: Any + Send + Sync>(self, value: T) -> Self {
        self.with_shared(Arc::new(value))
    }

    /// The same for a value also held elsewhere (the region index is also the place names).
    pub fn with_shared<T: Any + Send + Sync>(mut self, value: Arc<T>) -> Self {
        self.0.insert(TypeId::of::<T>(), value);
        self
    }
}

impl AppState {
    pub fn new(db: Db, blobs: Arc<BlobStore>, intake: RateLimit, modules: Modules) -> AppState {
        AppState(Arc::new(Shared {
            db,
            blobs,
            throttle: Arc::new(LoginThrottle::default()),
            intake: Arc::new(intake),
            sessions: Arc::new(TtlCache::new(SESSION_CACHE_TTL, 100_000)),
            modules,
        }))
    }

    /// The state a module registered at start-up. Start-up registers every module's state
    /// before serving (see `startup::serve`); a missing one is a wiring mistake that the first
    /// request touching that module shows, hence the panic naming the type.
    pub fn module<T: Any + Send + Sync>(&self) -> &T {
        match self.modules.0.get(&TypeId::of::<T>()).and_then(|a| a.downcast_ref::<T>()) {
            Some(v) => v,
            None => panic!("module state {} was not registered at start-up", std::any::type_name::<T>()),
        }
    }

    /// The same, shared, for work moved to another thread.
    pub fn module_arc<T: Any + Send + Sync>(&self) -> Arc<T> {
        match self.modules.0.get(&TypeId::of::<T>()).cloned().map(|a| a.downcast::<T>()) {
            Some(Ok(v)) => v,
            _ => panic!("module state {} was not registered at start-up", std::any::type_name::<T>()),
        }
    }
}
