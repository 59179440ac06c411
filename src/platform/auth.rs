//! Authentication and the one place where writes are authorised.
//!
//! Sessions: a random token, stored only as its SHA-256, sent as `Authorization: Bearer` by
//! API clients or as the `sinergi_session` cookie by the web UI; it expires after 12 hours and
//! logout revokes it. Passwords: Argon2id, at most one verification per core at a time.
//! Failed logins (see `LoginThrottle`): five within 15 minutes lock that username from that
//! client address for 15 minutes, 30 lock the address (per server process); both are audited.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::audit::Actor;
use super::error::AppError;
use super::db::Conn;
use super::identity::{AgencyKind, Role, USER_COLS, User, user_from};
use super::state::AppState;
use crate::params;
use super::i18n::Lang;

pub const SESSION_COOKIE: &str = "sinergi_session";
pub const SESSION_HOURS: i64 = 12;

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
}

thread_local! {
    /// This thread's Argon2 working memory (19 MiB at the default cost), kept from one
    /// verification to the next. Allocating and freeing it per login left the allocator holding
    /// hundreds of MiB after a login storm (fragmented, never returned); reused, it costs one
    /// block per hashing thread, for good.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `password` matches the stored PHC string, as `PasswordVerifier` would answer, but in
/// this thread's reused working memory. The comparison is constant-time (`Output`'s `==`).
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(h) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else { return false };
    let (Ok(params), Ok(algorithm)) = (argon2::Params::try_from(&h), argon2::Algorithm::try_from(h.algorithm)) else { return false };
    let Ok(version) = h.version.map(argon2::Version::try_from).transpose() else { return false };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let blocks_needed = params.block_count();
    let argon = argon2::Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.len()];
    BLOCKS.with(|b| {
        let Ok(mut blocks) = b.try_borrow_mut() else { return false };
        if blocks.len() < blocks_needed {
            blocks.resize(blocks_needed, argon2::Block::new());
        }
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..blocks_needed]).is_ok()
            && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
    })
}

/// Verifying against this when the user does not exist keeps the answer time the same, so
/// that timing does not tell which usernames exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("sinergi-no-such-user").unwrap_or_default())
}

/// The passwords too common to protect an account (`data/passwords/common-passwords.txt`, the
/// project's own compilation; see its SOURCE.md), lower-cased.
fn common_passwords() -> &'static std::collections::HashSet<String> {
    static LIST: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../../data/passwords/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// The password policy, for every door that sets a password (`user add`, a reset from the CLI,
/// the /pengguna page or the API): at least 8 characters, not a common password (whatever its
/// case), and not built from the username (the name itself, with digits added, reversed, or
/// anywhere inside it) — a username is half of a login and is often known.
pub fn check_password_strength(password: &str, username: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 {
        return Err(AppError::invalid("password", crate::tr!("kata sandi paling sedikit 8 karakter", "the password needs at least 8 characters")));
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(&lower) {
        return Err(AppError::invalid(
            "password",
            crate::tr!(
                "kata sandi ini terlalu umum dan mudah ditebak; pilih kata sandi lain",
                "this password is too common and easy to guess; choose another"
            ),
        ));
    }
    let name = username.trim().to_lowercase();
    let reversed: String = name.chars().rev().collect();
    if !name.is_empty() && (lower.contains(&name) || lower.contains(&reversed)) {
        return Err(AppError::invalid(
            "password",
            crate::tr!(
                "kata sandi tidak boleh memuat nama pengguna, juga tidak dibalik",
                "the password must not contain the username, nor the username reversed"
            ),
        ));
    }
    Ok(())
}

pub fn new_token() -> Result<String, AppError> {
    random_hex(32)
}

/// `bytes` random bytes as hex.
pub fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut t = vec![0u8; bytes];
    getrandom::fill(&mut t).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(t))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Failed logins, counted per (username, client address) and per address (B8): five failures
/// of one name from one address lock that pair for 15 minutes, so a stranger cannot lock an
/// operator out from elsewhere; 30 failures from one address, whatever the names, lock the
/// address. Password hashing runs at most one per core at a time: a login beyond that is
/// answered at once with 429 instead of queueing Argon2's 19 MiB each.
pub struct LoginThrottle {
    failures: Mutex<HashMap<(String, std::net::IpAddr), Failures>>,
    addresses: Mutex<HashMap<std::net::IpAddr, Failures>>,
    hashing: Hashers,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        LoginThrottle { failures: Mutex::default(), addresses: Mutex::default(), hashing: Hashers::new(cores) }
    }
}

type HashJob = Box<dyn FnOnce() + Send>;

/// One login's turn at password hashing (see [`LoginThrottle::hashing_turn`]).
pub struct HashTurn {
    permit: tokio::sync::OwnedSemaphorePermit,
    jobs: std::sync::mpsc::Sender<HashJob>,
}

impl HashTurn {
    /// Runs `f` on a hashing thread; the turn ends when it has run.
    pub async fn run<R: Send + 'static>(self, f: impl FnOnce() -> R + Send + 'static) -> Result<R, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let permit = self.permit;
        let job: HashJob = Box::new(move || {
            let _permit = permit;
            let _ = tx.send(f());
        });
        self.jobs.send(job).map_err(|_| AppError::Internal("no password hashing thread".into()))?;
        rx.await.map_err(|_| AppError::Internal("password hashing thread stopped".into()))
    }
}

/// A fixed set of threads that do all password hashing, one job each at a time, with no queue
/// beyond them. Fixed threads matter as much as the bound: each thread's allocator keeps the
/// 19 MiB Argon2 block it last freed, so hashing on tokio's blocking pool (which grows threads
/// under load) left hundreds of MiB behind after a login storm; here it is at most one block
/// per core, for good.
struct Hashers {
    free: std::sync::Arc<tokio::sync::Semaphore>,
    jobs: Mutex<std::sync::mpsc::Sender<HashJob>>,
}

impl Hashers {
    fn new(threads: usize) -> Hashers {
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("sinergi-hash-{i}")).spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!("cannot start password hashing thread: {e}");
            }
        }
        Hashers { free: std::sync::Arc::new(tokio::sync::Semaphore::new(threads)), jobs: Mutex::new(tx) }
    }
}

struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

const MAX_FAILURES: u32 = 5;
const MAX_ADDRESS_FAILURES: u32 = 30;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Time left on a lock, if any.
fn locked(f: Option<&Failures>) -> Option<Duration> {
    let until = f.and_then(|f| f.locked_until)?;
    let now = Instant::now();
    (until > now).then(|| until - now)
}

/// Counts one failure; true when this one locks.
fn count<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Failures>, key: K, max: u32) -> bool {
    let now = Instant::now();
    if map.len() > 100_000 {
        map.retain(|_, f| now.duration_since(f.since) < FAILURE_WINDOW || f.locked_until.is_some_and(|u| u > now));
    }
    let f = map.entry(key).or_insert(Failures { count: 0, since: now, locked_until: None });
    if now.duration_since(f.since) > FAILURE_WINDOW || f.locked_until.is_some_and(|u| u <= now) {
        *f = Failures { count: 0, since: now, locked_until: None };
    }
    f.count += 1;
    if f.count >= max && f.locked_until.is_none() {
        f.locked_until = Some(now + LOCKOUT);
        return true;
    }
    false
}

impl LoginThrottle {
    /// Refuses while this name is locked from this address, or the address itself is.
    pub fn check(&self, username: &str, ip: std::net::IpAddr) -> Result<(), AppError> {
        let map = self.failures.lock().map_err(|_| AppError::Internal("throttle poisoned".into()))?;
        if let Some(left) = locked(map.get(&(username.to_string(), ip))) {
            let minutes = left.as_secs().div_ceil(60);
            return Err(AppError::too_many(crate::tr!(
                "terlalu banyak percobaan masuk yang gagal untuk pengguna ini dari alamat Anda; coba lagi {minutes} menit lagi",
                "too many failed logins for this user from your address; try again in {minutes} minute(s)"
            ), left));
        }
        drop(map);
        let addrs = self.addresses.lock().map_err(|_| AppError::Internal("throttle poisoned".into()))?;
        if let Some(left) = locked(addrs.get(&ip)) {
            let minutes = left.as_secs().div_ceil(60);
            return Err(AppError::too_many(crate::tr!(
                "terlalu banyak percobaan masuk yang gagal dari alamat Anda; coba lagi {minutes} menit lagi",
                "too many failed logins from your address; try again in {minutes} minute(s)"
            ), left));
        }
        Ok(())
    }

    /// Counts a failure; returns what it locked (`pair`, `address`) for the audit.
    pub fn failed(&self, username: &str, ip: std::net::IpAddr) -> (bool, bool) {
        let pair = self.failures.lock().map(|mut m| count(&mut m, (username.to_string(), ip), MAX_FAILURES)).unwrap_or(false);
        let address = self.addresses.lock().map(|mut m| count(&mut m, ip, MAX_ADDRESS_FAILURES)).unwrap_or(false);
        (pair, address)
    }

    pub fn succeeded(&self, username: &str, ip: std::net::IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&(username.to_string(), ip));
        }
    }

    /// A turn on the hashing threads, or 429 at once when every one is busy: excess logins are
    /// turned away fast instead of queueing 19 MiB each. Taken before anything else is done
    /// for the login, so a storm costs no database reads either.
    pub fn hashing_turn(&self) -> Result<HashTurn, AppError> {
        let permit = self.hashing.free.clone().try_acquire_owned().map_err(|_| {
            AppError::too_many(crate::tr!(
                "server sedang melayani banyak permintaan masuk; coba lagi sebentar lagi",
                "the server is busy with many logins; try again in a moment"
            ), Duration::from_secs(1))
        })?;
        let jobs = self.hashing.jobs.lock().map_err(|_| AppError::Internal("hashing queue poisoned".into()))?.clone();
        Ok(HashTurn { permit, jobs })
    }
}

/// The permit under which a failed login or a lockout is audited: nobody is logged in.
pub fn login_failure_permit() -> Permit {
    Permit::public()
}

/// The logged-in user of a request, from the bearer token or the session cookie.
#[derive(Clone)]
pub struct CurrentUser {
    pub user: User,
    pub token_hash: String,
}

pub fn request_token(parts: &Parts) -> Option<String> {
    if let Some(v) = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.trim().to_string());
        }
    cookie(parts, SESSION_COOKIE)
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    cookie_in(&parts.headers, name)
}

pub fn cookie_in(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The active user of an unexpired session.
pub fn user_for_session(conn: &mut Conn, token_hash: &str, now: &str) -> Result<Option<User>, AppError> {
    conn.query_opt(
        &format!(
            "SELECT {USER_COLS} FROM sessions s JOIN users u ON u.id = s.user_id JOIN agency_units a ON a.id = u.unit_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = $3"
        ),
        params![token_hash, now, true],
    )?
    .as_ref()
    .map(user_from)
    .transpose()
}

/// Whether the session of `token_hash` still exists and has not expired (a primary-key lookup).
pub fn session_stands(conn: &mut Conn, token_hash: &str, now: &str) -> Result<bool, AppError> {
    Ok(standing(conn, &[token_hash], now)?.contains(token_hash))
}

/// Which of these sessions still exist and have not expired.
pub fn standing(conn: &mut Conn, token_hashes: &[&str], now: &str) -> Result<std::collections::HashSet<String>, super::db::DbError> {
    let keys: Vec<super::db::Value> = token_hashes.iter().map(|h| super::db::Value::from(*h)).collect();
    super::db::query_in(conn, "SELECT token_hash FROM sessions WHERE expires_at > $1 AND token_hash IN", params![now], &keys)?.iter().map(|r| r.get(0)).collect()
}

impl CurrentUser {
    /// The user of a write that runs in a batch ([`super::db::Batch`]), or None without a
    /// usable token. A user from the cache comes with the session's hash: the batch confirms
    /// that it still stands with [`standing`], in the write's own transaction and once for the
    /// whole group, instead of the read of its own (a blocking task per request) that the
    /// extractor makes.
    pub async fn for_batched_write(parts: &mut Parts, state: &AppState) -> Result<Option<(CurrentUser, Option<String>)>, AppError> {
        if let Some(found) = parts.extensions.get::<CurrentUser>() {
            return Ok(Some((found.clone(), None)));
        }
        if let Some(token) = request_token(parts) {
            let hash = token_hash(&token);
            if let Some(user) = state.sessions.get(&hash) {
                return Ok(Some((CurrentUser { user, token_hash: hash.clone() }, Some(hash))));
            }
        }
        Ok(<CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state).await?.map(|u| (u, None)))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // A page request's middleware (`alerts::unread_scope`) already asked for this one.
        if let Some(found) = parts.extensions.get::<CurrentUser>() {
            return Ok(found.clone());
        }
        let token = request_token(parts).ok_or(AppError::Unauthorized)?;
        let hash = token_hash(&token);
        let now = super::clock::now_rfc3339();
        if let Some(user) = state.sessions.get(&hash) {
            // The cache saves the join that builds the user, not the question whether the
            // session still stands: a revocation may come from another process (`sinergi user
            // disable|reset-password|revoke` on the command line, another server of a
            // PostgreSQL deployment) that cannot reach this cache, and must hold from the very
            // next request, not a TTL later. Disabling and resetting delete the sessions too,
            // so this one primary-key lookup answers for all of them.
            let (h, at) = (hash.clone(), now.clone());
            if state.db.read(move |c| session_stands(c, &h, &at)).await? {
                return Ok(CurrentUser { user, token_hash: hash });
            }
            state.sessions.remove(&hash);
            return Err(AppError::Unauthorized);
        }
        let h = hash.clone();
        let user = state
            .db
            .read(move |c| user_for_session(c, &h, &now))
            .await?
            .ok_or(AppError::Unauthorized)?;
        state.sessions.insert(hash.clone(), user.clone());
        Ok(CurrentUser { user, token_hash: hash })
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, AppError> {
        match <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(u) => Ok(Some(u)),
            Err(AppError::Unauthorized) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// What a write needs: the least role, and the agencies allowed (empty: any agency).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub min_role: Role,
    pub agencies: &'static [AgencyKind],
    /// How the action reads in a refusal, Bahasa Indonesia and English, e.g.
    /// `("mengubah TPS", "change TPS")`.
    pub action: (&'static str, &'static str),
}

/// Proof that a write may happen: every store function that writes takes one, and the audit
/// entry names its actor. Its fields are private, so only three things make one: `authorize`
/// (a user's role, agency and scope passed), `Permit::system` (the CLI, start-up, sweeps and
/// demo data: the machine's operator) and the public intake limiter
/// (`RateLimit::admit`, for what anyone may send without an account).
#[derive(Debug, Clone)]
pub struct Permit {
    actor: Actor,
    region: String,
}

impl Permit {
    /// For the CLI, start-up, sweeps and demo data: the operator of the machine acts with full
    /// rights, recorded as `system:<what>`.
    pub fn system(what: &str, region: &str) -> Permit {
        Permit { actor: Actor::system(what), region: region.to_string() }
    }

    /// Someone without an account, once the per-client limit let them through (only the
    /// limiter calls this).
    pub(super) fn public() -> Permit {
        Permit { actor: Actor::public(), region: super::identity::NATIONAL.to_string() }
    }

    /// Who acts, as the audit chain records it.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The region (or TPS) the check covered.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The acting username (`publik` for the public, `system:<what>` for the machine).
    pub fn username(&self) -> &str {
        self.actor.username()
    }

    /// Whether this is the public's permit (no account).
    pub fn is_public(&self) -> bool {
        self.actor.agency().is_none() && self.actor.username() == "publik"
    }
}

/// Opening or closing one's own session: any active user, in their own unit's region.
pub const OWN_SESSION: Rule = Rule { min_role: Role::Viewer, agencies: &[], action: ("membuka atau menutup sesi Anda sendiri", "open or close your own session") };

/// Disabling, enabling, resetting the password of and revoking the sessions of an account: an
/// administrator, for accounts whose unit lies within the administrator's own unit's region
/// (a kabupaten's admin manages that kabupaten and below, never the province or a neighbour).
/// `authorize` is called with the target account's unit region.
pub const MANAGE_USERS: Rule = Rule { min_role: Role::Admin, agencies: &[], action: ("mengelola akun pengguna", "manage user accounts") };

/// The single authorisation check for every write: role, agency and region scope.
pub fn authorize(user: &User, rule: Rule, region: &str) -> Result<Permit, AppError> {
    let (act_id, act_en) = rule.action;
    if user.role < rule.min_role {
        let (have, need) = (user.role, rule.min_role);
        let role = |l, r: Role| super::web::t(l, &format!("role.{}", r.as_str())).to_lowercase();
        let (have_id, need_id) = (role(Lang::Id, have), role(Lang::Id, need));
        let (have_en, need_en) = (role(Lang::En, have), role(Lang::En, need));
        return Err(AppError::forbidden(crate::tr!(
            "peran Anda ({have_id}) tidak boleh {act_id}: perlu peran {need_id} atau lebih tinggi",
            "your role {have_en} may not {act_en}: it needs {need_en} or above"
        )));
    }
    if !rule.agencies.is_empty() && !rule.agencies.contains(&user.unit.agency) {
        let allowed: Vec<&str> = rule.agencies.iter().map(|a| a.label()).collect();
        let (allowed_id, allowed_en) = (allowed.join(" atau "), allowed.join(" or "));
        let (unit, agency) = (&user.unit.name, user.unit.agency.label());
        return Err(AppError::forbidden(crate::tr!(
            "hanya {allowed_id} yang boleh {act_id}; satuan kerja Anda, {unit}, adalah {agency}",
            "only {allowed_en} may {act_en}; your unit {unit} is {agency}"
        )));
    }
    if !super::identity::within(&user.unit.region, region) {
        let (unit, region) = (&user.unit.name, super::i18n::place(region));
        return Err(AppError::forbidden(crate::tr!(
            "wilayah {region} di luar wilayah kerja satuan Anda, {unit}",
            "{region} is outside the scope of your unit {unit}"
        )));
    }
    Ok(Permit { actor: user.actor(), region: region.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::identity::Unit;

    fn user(agency: AgencyKind, region: &str, role: Role) -> User {
        User { id: 1, username: "u".into(), role, unit: Unit { id: 1, agency, region: region.into(), name: "Unit".into() } }
    }
    const RULE: Rule = Rule { min_role: Role::Operator, agencies: &[AgencyKind::Kpu], action: ("mengubah TPS", "change TPS") };

    #[test]
    fn role_agency_and_scope_are_all_required() {
        assert!(authorize(&user(AgencyKind::Kpu, "35.17", Role::Operator), RULE, "35.17.01.2001.001").is_ok());
        assert!(authorize(&user(AgencyKind::Kpu, "35.17", Role::Viewer), RULE, "35.17.01.2001.001").is_err());
        assert!(authorize(&user(AgencyKind::Polri, "35.17", Role::Admin), RULE, "35.17.01.2001.001").is_err());
        assert!(authorize(&user(AgencyKind::Kpu, "35.17", Role::Admin), RULE, "35.76.02.1008.001").is_err());
        assert!(authorize(&user(AgencyKind::Kpu, "ID", Role::Operator), RULE, "91.01.01.2001.001").is_ok());
    }

    #[test]
    fn passwords_verify_and_tokens_are_random() {
        let h = hash_password("rahasia-123").expect("hash");
        assert!(verify_password("rahasia-123", &h));
        assert!(!verify_password("rahasia-124", &h));
        // Other costs and the older Argon2i/Argon2d hashes verify too (the working memory is
        // sized from the stored parameters), and a tampered or foreign string never does.
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(b"garam-enam-belas").expect("salt");
        for (alg, m) in [(argon2::Algorithm::Argon2id, 4096), (argon2::Algorithm::Argon2i, 65536), (argon2::Algorithm::Argon2d, 8)] {
            let params = argon2::Params::new(m, 2, 1, None).expect("params");
            let other = argon2::Argon2::new(alg, argon2::Version::V0x13, params).hash_password(b"sandi-lain-9", &salt).expect("hash").to_string();
            assert!(verify_password("sandi-lain-9", &other), "{other}");
            assert!(!verify_password("sandi-lain-8", &other), "{other}");
        }
        assert!(!verify_password("rahasia-123", &h.replace("$argon2id$", "$argon2i$")));
        assert!(!verify_password("rahasia-123", "bukan-hash"));
        assert_ne!(new_token().expect("t"), new_token().expect("t"));
    }

    #[test]
    fn the_password_policy_refuses_common_passwords_and_the_username() {
        let field = |r: Result<(), AppError>| r.err().and_then(|e| e.field().map(str::to_string));
        for weak in ["bismillah", "BISMILLAH", "Sayangkamu", "12345678", "password", "QWERTY123", "merdeka45", "Jakarta123", "admin123", "rahasia1"] {
            assert_eq!(field(check_password_strength(weak, "kpu.jombang")).as_deref(), Some("password"), "{weak} is common");
        }
        let msg = check_password_strength("indonesia", "kpu.jombang").err().map(|e| (e.to_string(), crate::platform::i18n::with_lang(Lang::En, || e.to_string())));
        assert!(msg.as_ref().is_some_and(|(id, en)| id.contains("terlalu umum") && en.contains("too common")), "{msg:?}");
        for own in ["kpu.jombang", "kpu.jombang2024", "KPU.Jombang!", "gnabmoj.upk", "x-kpu.jombang-x"] {
            assert_eq!(field(check_password_strength(own, "kpu.jombang")).as_deref(), Some("password"), "{own} is built from the username");
        }
        assert!(check_password_strength("pendek", "x.y").is_err());
        assert!(check_password_strength("rahasia-kuat-1", "kpu.jombang").is_ok());
        assert!(check_password_strength("Tiga-Kancil-Melompat", "kpu.jombang").is_ok());
    }

    #[test]
    fn five_failures_lock_the_username() {
        let t = LoginThrottle::default();
        let (here, there): (std::net::IpAddr, std::net::IpAddr) = ("10.0.0.1".parse().expect("ip"), "10.0.0.2".parse().expect("ip"));
        for _ in 0..4 {
            t.failed("a", here);
        }
        assert!(t.check("a", here).is_ok());
        assert_eq!(t.failed("a", here), (true, false));
        assert!(matches!(t.check("a", here), Err(AppError::TooManyRequests { .. })));
        assert!(t.check("a", there).is_ok(), "the same user from another address is not locked");
        assert!(t.check("b", here).is_ok());
    }
}
