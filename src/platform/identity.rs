//! Who acts: agencies, roles, units and users, and the region scope a unit covers. The
//! authorisation check and the layout need these, so they live in the platform; the agencies
//! module re-exports them and keeps the rest (unit naming, user administration).

use serde::{Deserialize, Serialize};

use super::audit::Actor;
use super::db::{DbError, Row};
use super::error::AppError;

/// The nation as a scope: a user scoped to `ID` covers every region.
pub const NATIONAL: &str = "ID";

/// Codes of `code` and its ancestors, province first: `35.76.02` → `35`, `35.76`, `35.76.02`.
/// Works for TPS codes too (the TPS itself is the last element).
pub fn lineage(code: &str) -> Vec<&str> {
    code.char_indices().filter(|&(_, c)| c == '.').map(|(i, _)| &code[..i]).chain(std::iter::once(code)).collect()
}

/// Whether `code` (a region or TPS) lies within the scope `scope`.
pub fn within(scope: &str, code: &str) -> bool {
    scope == NATIONAL
        || code == scope
        || (code.len() > scope.len() && code.starts_with(scope) && code.as_bytes()[scope.len()] == b'.')
}

/// Half-open text range holding every code strictly below `code` (`/` follows `.` in ASCII).
pub fn scope_range(code: &str) -> (String, String) {
    (format!("{code}."), format!("{code}/"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AgencyKind {
    Kpu,
    Bawaslu,
    Polri,
    Tni,
    Kejaksaan,
    Pemda,
    Dkpp,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 7] = [
        AgencyKind::Kpu,
        AgencyKind::Bawaslu,
        AgencyKind::Polri,
        AgencyKind::Tni,
        AgencyKind::Kejaksaan,
        AgencyKind::Pemda,
        AgencyKind::Dkpp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Kpu => "kpu",
            AgencyKind::Bawaslu => "bawaslu",
            AgencyKind::Polri => "polri",
            AgencyKind::Tni => "tni",
            AgencyKind::Kejaksaan => "kejaksaan",
            AgencyKind::Pemda => "pemda",
            AgencyKind::Dkpp => "dkpp",
        }
    }

    /// This agency alone, as an authorisation rule lists agencies.
    pub fn only(self) -> &'static [AgencyKind] {
        match self {
            AgencyKind::Kpu => &[AgencyKind::Kpu],
            AgencyKind::Bawaslu => &[AgencyKind::Bawaslu],
            AgencyKind::Polri => &[AgencyKind::Polri],
            AgencyKind::Tni => &[AgencyKind::Tni],
            AgencyKind::Kejaksaan => &[AgencyKind::Kejaksaan],
            AgencyKind::Pemda => &[AgencyKind::Pemda],
            AgencyKind::Dkpp => &[AgencyKind::Dkpp],
        }
    }


    /// The agency as it names itself: "KPU", "Bawaslu", "Polri".
    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::Kpu => "KPU",
            AgencyKind::Bawaslu => "Bawaslu",
            AgencyKind::Polri => "Polri",
            AgencyKind::Tni => "TNI",
            AgencyKind::Kejaksaan => "Kejaksaan",
            AgencyKind::Pemda => "Pemda",
            AgencyKind::Dkpp => "DKPP",
        }
    }

    pub fn parse(s: &str) -> Result<AgencyKind, super::i18n::Text> {
        AgencyKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            crate::tr!(
                "lembaga \"{s}\" tidak dikenal; pilih salah satu: kpu, bawaslu, polri, tni, kejaksaan, pemda, dkpp",
                "unknown agency {s:?}: one of kpu, bawaslu, polri, tni, kejaksaan, pemda, dkpp"
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Operator,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Result<Role, super::i18n::Text> {
        Ok(match s {
            "viewer" => Role::Viewer,
            "operator" => Role::Operator,
            "supervisor" => Role::Supervisor,
            "admin" => Role::Admin,
            _ => {
                return Err(crate::tr!(
                    "peran \"{s}\" tidak dikenal; pilih salah satu: viewer, operator, supervisor, admin",
                    "unknown role {s:?}: one of viewer, operator, supervisor, admin"
                ));
            }
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub agency: AgencyKind,
    pub region: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub unit: Unit,
}

impl User {
    /// The platform's view of this user as an actor; module code gets it through a `Permit`.
    pub(super) fn actor(&self) -> Actor {
        Actor { username: self.username.clone(), agency: Some(self.unit.agency.as_str().into()), unit_id: Some(self.unit.id) }
    }
}

/// The columns `unit_from` reads, in order.
pub const UNIT_COLS: &str = "id, agency, region_code, name";

/// A unit from four columns starting at `at`: id, agency, region code, name.
pub fn unit_from(r: &Row, at: usize) -> Result<Unit, DbError> {
    let agency: String = r.get(at + 1)?;
    Ok(Unit {
        id: r.get(at)?,
        agency: AgencyKind::parse(&agency).map_err(|m| DbError::Other(m.en().to_string()))?,
        region: r.get(at + 2)?,
        name: r.get(at + 3)?,
    })
}

/// The columns `user_from` reads, in order (users `u` joined to their unit `a`).
pub const USER_COLS: &str = "u.id, u.username, u.role, a.id, a.agency, a.region_code, a.name";

pub fn user_from(r: &Row) -> Result<User, AppError> {
    let role: String = r.get(2)?;
    Ok(User { id: r.get(0)?, username: r.get(1)?, role: Role::parse(&role).map_err(|m| AppError::Internal(m.en().to_string()))?, unit: unit_from(r, 3)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_covers_descendants_only() {
        assert!(within(NATIONAL, "91.01"));
        assert!(within("35.17", "35.17.01.2001.001"));
        assert!(within("35.17", "35.17"));
        assert!(!within("35.17", "35.171"));
        assert!(!within("35.17", "35"));
        assert_eq!(lineage("35.76.02"), vec!["35", "35.76", "35.76.02"]);
    }
}
