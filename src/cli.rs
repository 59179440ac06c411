//! The command line: one binary for the service and its administration.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::agencies::{self, AgencyKind, Role};
use crate::elections::{self, generate, import};
use crate::platform::audit::{self, Verdict};
use crate::platform::auth::{self, Permit};
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::{demo, regions, startup};

#[derive(Parser)]
#[command(name = "sinergi", version, about = "Sinergi: the shared operating picture for Indonesian elections")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArg {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST:PORT/DB
    #[arg(long = "db", env = "SINERGI_DB", default_value = "sqlite://sinergi.db")]
    url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service and API
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on (port 0 picks a free port)
        #[arg(long, env = "SINERGI_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo data when the database is empty
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo data (demo regions' TPS, agency units, users) and print the logins
    Demo {
        #[command(flatten)]
        db: DbArg,
    },
    /// Import data from a file
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data to a file
    #[command(subcommand)]
    Export(ExportCommand),
    /// Manage user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit chain
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Generate synthetic data for load tests
    #[command(subcommand)]
    Gen(GenCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import TPS from a CSV with header code,address,dpt,lat,lon; all or nothing
    Tps {
        #[command(flatten)]
        db: DbArg,
        /// Election id: pemilu-2024 or pilkada-2024
        #[arg(long)]
        election: String,
        /// The CSV file
        file: std::path::PathBuf,
    },
    /// Import Bawaslu's TPS-rawan mapping: CSV with header code,indicators (keys separated by ';'); all or nothing
    Rawan {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        election: String,
        /// Only TPS within this region are accepted (default: the nation)
        #[arg(long, default_value = regions::NATIONAL)]
        region: String,
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export TPS as CSV in the import format
    Tps {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        election: String,
        /// Only TPS within this region (default: the nation)
        #[arg(long, default_value = regions::NATIONAL)]
        region: String,
        /// Output file (default: standard output)
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user (and the agency unit when missing)
    Add {
        #[command(flatten)]
        db: DbArg,
        username: String,
        /// kpu, bawaslu, polri, tni, kejaksaan, pemda or dkpp
        #[arg(long)]
        agency: String,
        /// Region code of the unit (its scope), or ID for national
        #[arg(long)]
        region: String,
        /// viewer, operator, supervisor or admin
        #[arg(long)]
        role: String,
        /// Unit name (default: the tier's conventional name, e.g. Polres Jombang)
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users with their unit, region and role
    List {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit non-zero naming the first bad entry
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum GenCommand {
    /// Write a realistic synthetic national TPS file over the real region hierarchy
    Tps {
        #[arg(long)]
        election: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SINERGI_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,postgres=warn,tokio_postgres=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            // The operator at the terminal gets the cause, internals included.
            eprintln!("error: {}", e.log_detail());
            ExitCode::FAILURE
        }
    }
}

/// Prints an import's outcome: its summary line, or every bad line and that nothing changed.
fn report_import(result: Result<String, import::ImportError>, file: &std::path::Path) -> Result<ExitCode, AppError> {
    match result {
        Ok(summary) => {
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(import::ImportError::Lines { errors, bad_lines }) => {
            for e in &errors {
                eprintln!("line {}: {}", e.line, e.message);
            }
            if bad_lines > errors.len() as u64 {
                eprintln!("… and {} more bad lines", bad_lines - errors.len() as u64);
            }
            eprintln!("{bad_lines} bad line(s) in {}; nothing was imported", file.display());
            Ok(ExitCode::FAILURE)
        }
        Err(import::ImportError::App(e)) => Err(e),
    }
}

async fn open(db: &DbArg) -> Result<Db, AppError> {
    Ok(startup::open_db(&db.url).await?)
}

fn election(id: &str) -> Result<&'static elections::ElectionDef, AppError> {
    elections::election(id).ok_or_else(|| {
        let known: Vec<&str> = elections::ELECTIONS.iter().map(|e| e.id).collect();
        AppError::invalid("election", format!("no election {id:?}; known: {}", known.join(", ")))
    })
}

async fn run(command: Command) -> Result<ExitCode, AppError> {
    match command {
        Command::Serve { db, listen, demo } => {
            let database = open(&db).await?;
            if demo && demo::is_empty(&database).await? {
                let logins = demo::load(&database).await?;
                eprintln!("Demo data loaded.");
                demo::print_logins(&logins);
            }
            startup::serve(database, &listen).await.map_err(|e| AppError::Internal(format!("cannot serve on {listen}: {e}")))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { db } => {
            let database = open(&db).await?;
            let logins = if demo::is_empty(&database).await? {
                let l = demo::load(&database).await?;
                println!("Demo data loaded into {}.", db.url);
                l
            } else {
                println!("The database already holds data; the demo logins are:");
                demo::logins()
            };
            demo::print_logins(&logins);
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Tps { db, election: id, file }) => {
            let election = election(&id)?;
            let f = std::fs::File::open(&file).map_err(|e| AppError::bad_request(format!("cannot open {}: {e}", file.display())))?;
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            let database = open(&db).await?;
            let bar = if std::io::stderr().is_terminal() {
                ProgressBar::new(size).with_style(
                    ProgressStyle::with_template("{spinner} importing TPS [{bar:30}] {bytes}/{total_bytes} ({eta})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                )
            } else {
                ProgressBar::hidden()
            };
            let name = file.display().to_string();
            let started = std::time::Instant::now();
            let result = database
                .write(move |c| {
                    let permit = Permit::system("import", regions::NATIONAL);
                    import::import_tps(c, &permit, election, std::io::BufReader::with_capacity(1 << 20, f), &name, bar)
                })
                .await;
            let elapsed = started.elapsed().as_secs_f64();
            report_import(
                result.map(|r| {
                    format!(
                        "imported {} TPS into {} ({} new, {} updated, {} unchanged) in {elapsed:.2} s; sha256 {}",
                        r.rows, election.id, r.created, r.updated, r.unchanged, r.sha256
                    )
                }),
                &file,
            )
        }
        Command::Import(ImportCommand::Rawan { db, election: id, region, file }) => {
            let election = election(&id)?;
            if region != regions::NATIONAL {
                regions::RegionCode::parse(&region).map_err(|m| AppError::invalid("region", m))?;
            }
            let f = std::fs::File::open(&file).map_err(|e| AppError::bad_request(format!("cannot open {}: {e}", file.display())))?;
            let database = open(&db).await?;
            let result = database
                .write(move |c| {
                    let permit = Permit::system("import", &region);
                    crate::vulnerability::import::import_rawan(c, &permit, election, std::io::BufReader::new(f))
                })
                .await;
            report_import(result.map(|(rows, rawan)| format!("imported the mapping of {rows} TPS into {} ({rawan} meet at least one indicator)", election.id)), &file)
        }
        Command::Export(ExportCommand::Tps { db, election: id, region, out }) => {
            let election = election(&id)?;
            if region != regions::NATIONAL {
                regions::RegionCode::parse(&region).map_err(|m| AppError::invalid("region", m))?;
            }
            let database = open(&db).await?;
            let writer: Box<dyn std::io::Write + Send> = match &out {
                Some(p) => Box::new(std::fs::File::create(p).map_err(|e| AppError::bad_request(format!("cannot create {}: {e}", p.display())))?),
                None => Box::new(std::io::stdout()),
            };
            let n = database.read(move |c| elections::store::export_tps_csv(c, election.id, &region, writer)).await?;
            if out.is_some() {
                println!("exported {n} TPS");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add { db, username, agency, region, role, unit, password_stdin }) => {
            let agency = AgencyKind::parse(&agency).map_err(|m| AppError::invalid("agency", m))?;
            let role = Role::parse(&role).map_err(|m| AppError::invalid("role", m))?;
            agencies::store::parse_username(&username)?;
            if !password_stdin {
                return Err(AppError::invalid("password", "give the password on standard input with --password-stdin"));
            }
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password).map_err(|e| AppError::bad_request(format!("cannot read the password: {e}")))?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            auth::check_password_strength(&password)?;
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))??;
            let database = open(&db).await?;
            let user = database
                .write(move |c| {
                    let actor = Permit::system("cli", regions::NATIONAL);
                    let unit = agencies::store::ensure_unit(c, &actor, agency, &region, unit.as_deref())?;
                    agencies::store::add_user(c, &actor, &username, &hash, &unit, role)
                })
                .await?;
            println!("created user {} ({}) in {} [{}], region {}", user.username, user.role.as_str(), user.unit.name, user.unit.agency.as_str(), user.unit.region);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::List { db }) => {
            let database = open(&db).await?;
            let users = database.read(agencies::store::list_users).await?;
            println!("{:<24} {:<10} {:<10} {:<14} unit", "username", "agency", "role", "region");
            for u in users {
                println!("{:<24} {:<10} {:<10} {:<14} {}", u.username, u.unit.agency.as_str(), u.role.as_str(), u.unit.region, u.unit.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify { db }) => {
            let database = open(&db).await?;
            match database.read(audit::verify).await? {
                Verdict::Intact { entries } => {
                    println!("audit chain intact: {entries} entries");
                    Ok(ExitCode::SUCCESS)
                }
                Verdict::Broken { seq, reason } => {
                    eprintln!("audit chain BROKEN at entry {seq}: {reason}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Gen(GenCommand::Tps { election: id, out }) => {
            let election = election(&id)?;
            let villages = regions::store::embedded_villages()?;
            let list: Vec<generate::Village<'_>> = villages.iter().map(|(c, n)| generate::Village { code: c, name: n }).collect();
            let file = std::fs::File::create(&out).map_err(|e| AppError::bad_request(format!("cannot create {}: {e}", out.display())))?;
            let target = generate::national_tps_target(election.kind);
            let n = generate::write_tps_csv(file, election, &list, target)
                .map_err(|e| AppError::Internal(format!("writing {} failed: {e}", out.display())))?;
            println!("wrote {n} TPS for {} to {}", election.id, out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
