//! Storage of agency units, users and login sessions.

use super::{AgencyKind, Role, unit_name};
use crate::params;
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::db::Conn;
use crate::platform::error::AppError;
use crate::regions::{self, NATIONAL, RegionCode};

pub use crate::platform::identity::{UNIT_COLS, USER_COLS, Unit, User, unit_from, user_from};

/// A username as people type it at a login prompt: 3–64 of a–z, 0–9, `.`, `_`, `-`.
pub fn parse_username(s: &str) -> Result<String, AppError> {
    let ok = (3..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(AppError::invalid(
            "username",
            crate::tr!(
                "nama pengguna harus 3 sampai 64 karakter: huruf kecil, angka, '.', '_' atau '-'",
                "use 3 to 64 characters: lower-case letters, digits, '.', '_' or '-'"
            ),
        ))
    }
}

/// The unit's region as stored: `ID` for national units, else an existing region code.
fn unit_region(conn: &mut Conn, region: &str) -> Result<(Option<regions::Level>, String, String), AppError> {
    if region == NATIONAL {
        return Ok((None, "Indonesia".into(), String::new()));
    }
    let code = RegionCode::parse(region).map_err(|m| AppError::invalid("region", m))?;
    let r = regions::store::get(conn, code.as_str())?
        .ok_or_else(|| AppError::invalid("region", crate::tr!("wilayah {region} tidak ada", "region {region} does not exist")))?;
    Ok((Some(r.level), r.name, code.province().to_string()))
}

/// Checks a unit's region and gives the unit's conventional name there: a region (or `ID`), or
/// a TPS code for the units that work at one TPS, KPPS (KPU) and PTPS (Bawaslu).
fn unit_scope(conn: &mut Conn, agency: AgencyKind, region: &str) -> Result<String, AppError> {
    if region.split('.').count() != 5 {
        let (level, region_name, province) = unit_region(conn, region)?;
        return Ok(unit_name(agency, level, &region_name, &province));
    }
    let tps = crate::elections::TpsCode::parse(region).map_err(|m| AppError::invalid("region", m))?;
    let village = tps.village();
    let v = regions::store::get(conn, village)?
        .ok_or_else(|| AppError::invalid("region", crate::tr!("desa/kelurahan {village} tidak ada", "village {village} does not exist")))?;
    super::tps_unit_name(agency, tps.number(), &v.name).ok_or_else(|| {
        let label = agency.label();
        AppError::invalid(
            "region",
            crate::tr!(
                "satuan di TPS hanya untuk KPU (KPPS) dan Bawaslu (PTPS); untuk {label} pilih desa/kelurahan, kecamatan atau kabupaten/kota",
                "only KPU (KPPS) and Bawaslu (PTPS) have units at a TPS; for {label} choose a village, district or regency"
            ),
        )
    })
}

/// Finds the unit of `agency` at `region` with `name` (default: the tier's conventional
/// name), creating it when missing.
pub fn ensure_unit(
    conn: &mut Conn,
    permit: &Permit,
    agency: AgencyKind,
    region: &str,
    name: Option<&str>,
) -> Result<Unit, AppError> {
    let name = match name {
        Some(n) if !n.trim().is_empty() => {
            unit_scope(conn, agency, region)?;
            n.trim().to_string()
        }
        _ => unit_scope(conn, agency, region)?,
    };
    if let Some(r) = conn.query_opt(
        &format!("SELECT {UNIT_COLS} FROM agency_units WHERE agency = $1 AND region_code = $2 AND name = $3"),
        params![agency.as_str(), region, name.as_str()],
    )? {
        return Ok(unit_from(&r, 0)?);
    }
    let r = conn.query_one(
        &format!("INSERT INTO agency_units (agency, region_code, name) VALUES ($1, $2, $3) RETURNING {UNIT_COLS}"),
        params![agency.as_str(), region, name.as_str()],
    )?;
    let unit = unit_from(&r, 0)?;
    audit::record(
        conn,
        permit,
        Change {
            action: "unit.create",
            entity_type: "agency_unit",
            entity_id: &unit.id.to_string(),
            region: (region != NATIONAL).then_some(region),
            detail: serde_json::json!({"agency": agency.as_str(), "name": unit.name}),
        },
    )?;
    Ok(unit)
}

pub fn add_user(
    conn: &mut Conn,
    permit: &Permit,
    username: &str,
    password_hash: &str,
    unit: &Unit,
    role: Role,
) -> Result<User, AppError> {
    let username = parse_username(username)?;
    if conn.query_opt("SELECT id FROM users WHERE username = $1", params![username.as_str()])?.is_some() {
        return Err(AppError::conflict(crate::tr!("nama pengguna {username} sudah dipakai", "user {username} already exists")));
    }
    let id: i64 = conn
        .query_one(
            "INSERT INTO users (username, password_hash, unit_id, role, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            params![username.as_str(), password_hash, unit.id, role.as_str(), true, crate::platform::clock::now_rfc3339()],
        )?
        .get(0)?;
    audit::record(
        conn,
        permit,
        Change {
            action: "user.create",
            entity_type: "user",
            entity_id: &username,
            region: (unit.region != NATIONAL).then_some(unit.region.as_str()),
            detail: serde_json::json!({"unit": unit.name, "agency": unit.agency.as_str(), "role": role.as_str()}),
        },
    )?;
    Ok(User { id, username, role, unit: unit.clone() })
}

/// The active user and their password hash, for login.
pub fn user_for_login(conn: &mut Conn, username: &str) -> Result<Option<(User, String)>, AppError> {
    let Some(r) = conn.query_opt(
        &format!(
            "SELECT {USER_COLS}, u.password_hash FROM users u JOIN agency_units a ON a.id = u.unit_id
             WHERE u.username = $1 AND u.active = $2"
        ),
        params![username, true],
    )?
    else {
        return Ok(None);
    };
    Ok(Some((user_from(&r)?, r.get(7)?)))
}

pub use crate::platform::auth::user_for_session;

pub fn create_session(conn: &mut Conn, permit: &Permit, user: &User, token_hash: &str, expires_at: &str) -> Result<(), AppError> {
    let now = crate::platform::clock::now_rfc3339();
    // Expired sessions of this user go when a new one starts, so the table stays small.
    conn.execute("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2", params![user.id, now.as_str()])?;
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        params![token_hash, user.id, now.as_str(), expires_at],
    )?;
    audit::record(
        conn,
        permit,
        Change { action: "auth.login", entity_type: "user", entity_id: &user.username, region: None, detail: serde_json::json!({}) },
    )?;
    Ok(())
}

pub fn delete_session(conn: &mut Conn, permit: &Permit, user: &User, token_hash: &str) -> Result<bool, AppError> {
    let n = conn.execute("DELETE FROM sessions WHERE token_hash = $1", params![token_hash])?;
    if n > 0 {
        audit::record(
            conn,
            permit,
            Change { action: "auth.logout", entity_type: "user", entity_id: &user.username, region: None, detail: serde_json::json!({}) },
        )?;
    }
    Ok(n > 0)
}

/// What the public may see for each account name: its unit's name ("KPU Kota Mojokerto"),
/// never the username, which is half of a login (B8). The public and system actors keep their
/// labels; an account no longer found shows as "—".
pub fn public_names(conn: &mut Conn, names: &[&str]) -> Result<std::collections::HashMap<String, String>, crate::platform::db::DbError> {
    let mut out = std::collections::HashMap::new();
    for n in names {
        if out.contains_key(*n) {
            continue;
        }
        // The public is itself; a system permit (demo data, an import, the CLI) is no official
        // and reads as the application.
        let shown = if *n == "publik" {
            n.to_string()
        } else if n.starts_with("system:") {
            "Sinergi".to_string()
        } else {
            conn.query_opt("SELECT a.name FROM users u JOIN agency_units a ON a.id = u.unit_id WHERE u.username = $1", params![*n])?
                .map(|r| r.get::<String>(0))
                .transpose()?
                .unwrap_or_else(|| "—".to_string())
        };
        out.insert(n.to_string(), shown);
    }
    Ok(out)
}

// ---- account lifecycle (B10) ----

/// An account as administration sees it: the user and whether they may log in.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    pub active: bool,
}

fn account_from(r: &crate::platform::db::Row) -> Result<Account, AppError> {
    Ok(Account { user: user_from(r)?, active: r.get(7)? })
}

/// The account named `username`, active or not.
pub fn find_account(conn: &mut Conn, username: &str) -> Result<Option<Account>, AppError> {
    conn.query_opt(
        &format!("SELECT {USER_COLS}, u.active FROM users u JOIN agency_units a ON a.id = u.unit_id WHERE u.username = $1"),
        params![username],
    )?
    .as_ref()
    .map(account_from)
    .transpose()
}

/// The accounts whose unit lies within `scope` (a region code, or `ID` for all) and, when
/// given, belongs to `agency`; by region, agency and unit name.
pub fn list_accounts(conn: &mut Conn, scope: &str, agency: Option<AgencyKind>) -> Result<Vec<Account>, AppError> {
    let rows = if scope == NATIONAL {
        conn.query(&format!("SELECT {USER_COLS}, u.active FROM users u JOIN agency_units a ON a.id = u.unit_id ORDER BY a.region_code, a.agency, a.name, u.username"), &[])?
    } else {
        let (lo, hi) = crate::platform::identity::scope_range(scope);
        conn.query(
            &format!(
                "SELECT {USER_COLS}, u.active FROM users u JOIN agency_units a ON a.id = u.unit_id
                 WHERE a.region_code = $1 OR (a.region_code >= $2 AND a.region_code < $3) ORDER BY a.region_code, a.agency, a.name, u.username"
            ),
            params![scope, lo.as_str(), hi.as_str()],
        )?
    };
    let all: Vec<Account> = rows.iter().map(account_from).collect::<Result<_, _>>()?;
    Ok(all.into_iter().filter(|a| agency.is_none_or(|k| a.user.unit.agency == k)).collect())
}

/// What an administrator does to an account.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// The account can no longer log in, and its sessions end.
    Disable,
    Enable,
    /// A new password (its Argon2 hash); the sessions end.
    ResetPassword { hash: String },
    /// Every session ends (a lost phone, a shared laptop).
    RevokeSessions,
}

impl AccountChange {
    pub fn action(&self) -> &'static str {
        match self {
            AccountChange::Disable => "user.disabled",
            AccountChange::Enable => "user.enabled",
            AccountChange::ResetPassword { .. } => "user.password_reset",
            AccountChange::RevokeSessions => "user.sessions_revoked",
        }
    }
}

/// The account named `username`, or a refusal naming it.
pub fn account(conn: &mut Conn, username: &str) -> Result<Account, AppError> {
    find_account(conn, username)?.ok_or_else(|| AppError::not_found(crate::tr!("pengguna {username} tidak ada", "no user {username}")))
}

/// The one store function of the account lifecycle, behind the CLI, the /pengguna page and the
/// API alike: applies `change` to `target` under `permit` (from `authorize` with
/// `MANAGE_USERS` at the target's unit region, or the CLI's system permit), ends the sessions
/// where the change calls for it, and audits it — never the password. Returns the account as
/// it now is and how many sessions ended. The caller clears its session cache; other
/// processes' caches ask the session table on every hit (see `CurrentUser`).
pub fn change_account(conn: &mut Conn, permit: &Permit, target: &Account, change: &AccountChange) -> Result<(Account, u64), AppError> {
    // The permit must cover the account's unit (a system permit covers the nation).
    if !crate::platform::identity::within(permit.region(), &target.user.unit.region) {
        let unit = &target.user.unit.name;
        return Err(AppError::forbidden(crate::tr!("akun dari {unit} di luar wilayah kerja Anda", "accounts of {unit} are outside your scope")));
    }
    let id = target.user.id;
    let mut active = target.active;
    match change {
        AccountChange::Disable => {
            conn.execute("UPDATE users SET active = $1 WHERE id = $2", params![false, id])?;
            active = false;
        }
        AccountChange::Enable => {
            conn.execute("UPDATE users SET active = $1 WHERE id = $2", params![true, id])?;
            active = true;
        }
        AccountChange::ResetPassword { hash } => {
            conn.execute("UPDATE users SET password_hash = $1 WHERE id = $2", params![hash.as_str(), id])?;
        }
        AccountChange::RevokeSessions => {}
    }
    let ended = if matches!(change, AccountChange::Enable) { 0 } else { conn.execute("DELETE FROM sessions WHERE user_id = $1", params![id])? };
    let unit = &target.user.unit;
    audit::record(
        conn,
        permit,
        Change {
            action: change.action(),
            entity_type: "user",
            entity_id: &target.user.username,
            region: (unit.region != NATIONAL).then_some(unit.region.as_str()),
            detail: serde_json::json!({"unit": unit.name, "sessions_ended": ended}),
        },
    )?;
    Ok((Account { user: target.user.clone(), active }, ended))
}
