//! Demo data: the regions named in the coordination meetings that started Sinergi — Kota
//! Mojokerto, Kabupaten Jombang, Bojonegoro and Madiun, Kota Madiun, Jakarta Pusat — with TPS
//! for both 2024 elections, agency units of every kind and a user for each, and the
//! logistics story of Kota Mojokerto (see `logistics::demo`).

use indicatif::ProgressBar;

use crate::agencies::{self, AgencyKind, Role};
use crate::elections::{self, generate, import};
use crate::platform::auth::{self, Permit};
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::regions;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "sinergi-demo";

/// (regency code, short name used in usernames)
pub const DEMO_REGENCIES: &[(&str, &str)] = &[
    ("35.76", "kotamojokerto"),
    ("35.17", "jombang"),
    ("35.22", "bojonegoro"),
    ("35.19", "kabmadiun"),
    ("35.77", "kotamadiun"),
    ("31.71", "jakpus"),
];

pub struct Login {
    pub username: String,
    pub agency: AgencyKind,
    pub region: String,
    pub role: Role,
    /// Unit name; None: the tier's conventional name.
    pub unit: Option<String>,
}

fn login(username: String, agency: AgencyKind, region: &str, role: Role, unit: Option<String>) -> Login {
    Login { username, agency, region: region.to_string(), role, unit }
}

/// The demo village of the field accounts: Balongsari, Kecamatan Magersari, Kota Mojokerto.
pub const FIELD_VILLAGE: &str = "35.76.02.1008";

/// Field accounts (all operators): KPPS and PTPS at TPS 001 Balongsari, PPS and PKD
/// Balongsari, Polsek and Koramil Magersari (PPK and Panwaslu Kecamatan Magersari are above).
pub const FIELD_LOGINS: &[(&str, AgencyKind, &str)] = &[
    ("kpps.balongsari", AgencyKind::Kpu, "35.76.02.1008.001"),
    ("ptps.balongsari", AgencyKind::Bawaslu, "35.76.02.1008.001"),
    ("pps.balongsari", AgencyKind::Kpu, FIELD_VILLAGE),
    ("pkd.balongsari", AgencyKind::Bawaslu, FIELD_VILLAGE),
    ("polsek.magersari", AgencyKind::Polri, "35.76.02"),
    ("koramil.magersari", AgencyKind::Tni, "35.76.02"),
];

/// Every demo account.
pub fn logins() -> Vec<Login> {
    let mut v = vec![
        login("admin".into(), AgencyKind::Kpu, regions::NATIONAL, Role::Admin, None),
        login("bawaslu.ri".into(), AgencyKind::Bawaslu, regions::NATIONAL, Role::Supervisor, None),
        login("dkpp".into(), AgencyKind::Dkpp, regions::NATIONAL, Role::Viewer, None),
        login("kpu.jatim".into(), AgencyKind::Kpu, "35", Role::Admin, None),
        login("ppk.magersari".into(), AgencyKind::Kpu, "35.76.02", Role::Operator, None),
        login("panwascam.magersari".into(), AgencyKind::Bawaslu, "35.76.02", Role::Operator, None),
    ];
    // The field officers of one village (Balongsari, Kecamatan Magersari) and its district:
    // they work from /lapangan on a phone.
    for (username, agency, region) in FIELD_LOGINS {
        v.push(login((*username).into(), *agency, region, Role::Operator, None));
    }
    for (code, short) in DEMO_REGENCIES {
        // Kota codes run from 71 (Kemendagri numbering).
        let pemda = if code.as_bytes()[3] >= b'7' { "pemkot" } else { "pemkab" };
        v.push(login(format!("kpu.{short}"), AgencyKind::Kpu, code, Role::Operator, None));
        v.push(login(format!("bawaslu.{short}"), AgencyKind::Bawaslu, code, Role::Supervisor, None));
        v.push(login(format!("polres.{short}"), AgencyKind::Polri, code, Role::Operator, None));
        v.push(login(format!("kodim.{short}"), AgencyKind::Tni, code, Role::Operator, None));
        v.push(login(format!("kejari.{short}"), AgencyKind::Kejaksaan, code, Role::Operator, None));
        v.push(login(format!("{pemda}.{short}"), AgencyKind::Pemda, code, Role::Viewer, None));
        v.push(login(format!("kesbangpol.{short}"), AgencyKind::Pemda, code, Role::Operator, Some(String::new())));
    }
    v
}

/// True when the database holds no users and no TPS: the demo may load.
pub async fn is_empty(db: &Db) -> Result<bool, AppError> {
    db.read(|c| {
        let users: i64 = c.query_one("SELECT COUNT(*) FROM users", &[])?.get(0)?;
        let tps: i64 = c.query_one("SELECT COUNT(*) FROM tps", &[])?.get(0)?;
        Ok::<_, AppError>(users == 0 && tps == 0)
    })
    .await
}

/// Loads the demo: TPS through the same import as `sinergi import tps`, units and users
/// through the same store calls as `sinergi user add`.
pub async fn load(db: &Db, blobs: std::sync::Arc<crate::platform::blob::BlobStore>) -> Result<Vec<Login>, AppError> {
    let villages = regions::store::embedded_villages()?;
    // The demo regencies are those whose villages have outlines: their TPS stand inside them.
    let inside = crate::situation::village_points();
    let demo_villages: Vec<generate::Village<'_>> = villages
        .iter()
        .filter(|(code, _)| DEMO_REGENCIES.iter().any(|(r, _)| regions::within(r, code)))
        .map(|(c, n)| generate::Village { code: c, name: n, inside: inside.get(c.as_str()).map(|&(lon, lat)| (lat, lon)) })
        .collect();
    for election in elections::ELECTIONS {
        // The national average number of TPS per village, applied to the demo villages.
        let per_village = generate::national_tps_target(election.kind) as f64 / villages.len() as f64;
        let target = (per_village * demo_villages.len() as f64).round() as u64;
        let mut csv = Vec::new();
        generate::write_tps_csv(&mut csv, election, &demo_villages, target).map_err(|e| AppError::Internal(e.to_string()))?;
        db.write(move |c| {
            let permit = Permit::system("demo", regions::NATIONAL);
            import::import_tps(c, &permit, election, csv.as_slice(), "demo", ProgressBar::hidden())
        })
        .await
        .map_err(|e| match e {
            import::ImportError::App(e) => e,
            other => AppError::Internal(format!("demo TPS did not import: {other}")),
        })?;
    }
    let accounts = logins();
    let hash = tokio::task::spawn_blocking(|| auth::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let mut prepared = Vec::with_capacity(accounts.len());
    for a in &accounts {
        let unit = match (&a.unit, a.agency) {
            // Kesbangpol is a Pemda office of its own beside the Pemkab/Pemkot.
            (Some(_), AgencyKind::Pemda) => Some(format!("Bakesbangpol {}", region_name(&a.region))),
            (u, _) => u.clone(),
        };
        prepared.push((a.username.clone(), a.agency, a.region.clone(), a.role, unit));
    }
    db.write(move |c| {
        let actor = Permit::system("demo", regions::NATIONAL);
        for (username, agency, region, role, unit) in prepared {
            let unit = agencies::store::ensure_unit(c, &actor, agency, &region, unit.as_deref())?;
            // One hash for the shared demo password keeps loading fast; real accounts each
            // get their own salt through `sinergi user add`.
            agencies::store::add_user(c, &actor, &username, &hash, &unit, role)?;
        }
        Ok::<_, AppError>(())
    })
    .await?;
    db.write(crate::logistics::demo::load).await?;
    db.write(crate::vulnerability::demo::load).await?;
    let files = crate::reports::demo::evidence()?;
    let reports = db.clone();
    blobs.keep_for(crate::reports::api::bytes_of(&files), async move { reports.write(crate::reports::demo::load).await }).await?;
    db.write(crate::results::demo::load).await?;
    db.write(crate::coordination::demo::load).await?;
    Ok(accounts)
}

fn region_name(code: &str) -> String {
    DEMO_REGION_NAMES.iter().find(|(c, _)| *c == code).map_or_else(|| code.to_string(), |(_, n)| (*n).to_string())
}

const DEMO_REGION_NAMES: &[(&str, &str)] = &[
    ("35.76", "Kota Mojokerto"),
    ("35.17", "Kabupaten Jombang"),
    ("35.22", "Kabupaten Bojonegoro"),
    ("35.19", "Kabupaten Madiun"),
    ("35.77", "Kota Madiun"),
    ("31.71", "Kota Administrasi Jakarta Pusat"),
];

pub fn print_logins(logins: &[Login]) {
    println!("{}", crate::tr!("Akun demo (kata sandi semuanya: {DEMO_PASSWORD}):", "Demo logins (password for all: {DEMO_PASSWORD}):"));
    let head: [&str; 4] = if crate::platform::i18n::Lang::current() == crate::platform::i18n::Lang::En {
        ["username", "agency", "role", "region"]
    } else {
        ["pengguna", "lembaga", "peran", "wilayah"]
    };
    println!("  {:<24} {:<10} {:<11} {}", head[0], head[1], head[2], head[3]);
    for l in logins {
        println!("  {:<24} {:<10} {:<11} {}", l.username, l.agency.as_str(), l.role.as_str(), l.region);
    }
}
