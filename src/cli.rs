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
use crate::platform::i18n::{Lang, with_lang};
use crate::platform::tlog::watch::{Monitor, Problem};
use crate::platform::tlog::{self, checkpoint, checkpoint::LogKey};
use crate::results::observer;
use crate::tr;
use crate::{demo, regions, startup};

#[derive(Parser)]
#[command(name = "sinergi", version, about = "Sinergi: the shared operating picture for Indonesian elections")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    settings: crate::platform::settings::Settings,
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
    /// The public results log: its key, its verification, a restored database acknowledged
    #[command(subcommand)]
    Log(LogCommand),
    /// Generate synthetic data for load tests
    #[command(subcommand)]
    Gen(GenCommand),
    /// Back up the database into FILE (SQLite's online backup; pg_dump's custom format for
    /// PostgreSQL) while the service runs, then the blob store (photos, evidence) into the
    /// folder `blobs` beside FILE: only the blobs not already there, so backups kept in one
    /// folder share it.
    Backup {
        #[command(flatten)]
        db: DbArg,
        /// The file the database is backed up into (replaced if it exists)
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
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
    /// List users with their unit, region, role and state
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Disable a user: they can no longer log in, and their sessions end at once
    Disable {
        #[command(flatten)]
        db: DbArg,
        username: String,
    },
    /// Enable a disabled user again
    Enable {
        #[command(flatten)]
        db: DbArg,
        username: String,
    },
    /// Set a new password (read from standard input); the user's sessions end at once
    ResetPassword {
        #[command(flatten)]
        db: DbArg,
        username: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// End every session of a user (a lost phone, a shared computer)
    Revoke {
        #[command(flatten)]
        db: DbArg,
        username: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and hold it to every audit head the results log's checkpoints
    /// signed (those in the database, the one recorded beside the log key, and any given with
    /// --checkpoint); exit non-zero naming the first entry or checkpoint that differs
    Verify {
        #[command(flatten)]
        db: DbArg,
        /// A file of one or more checkpoints (signed notes) kept from /log/checkpoint; the chain
        /// must still have the audit head each signs. Repeatable
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<std::path::PathBuf>,
        /// The log's verifier key as `sinergi log key` prints it (default: the local key file's)
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Print the log's origin and its public verifier key (signed-note form), making the key
    /// when there is none yet (SINERGI_LOG_KEY names the key file; see `sinergi serve`)
    Key {
        #[command(flatten)]
        db: DbArg,
    },
    /// Recompute the tree from the stored leaves, check every stored hash and signed
    /// checkpoint; exit non-zero naming the first leaf or checkpoint that does not match
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
    /// After a restore of an older database: accept the tree as it now is, so that signing
    /// resumes (observers who saw the newer checkpoints will see the fork)
    Acknowledge {
        #[command(flatten)]
        db: DbArg,
    },
    /// The monitor an observer runs against a server they do not control (no database needed):
    /// fetch the latest checkpoint, check its signature and that it extends the one accepted
    /// before (a larger log proved consistent, the same size with the same root; anything else
    /// is a fork or rollback), keep it in the state file; with --csv, check that the observer's
    /// own numbers are the ones in the log. Exit 0 when everything checks, 2 naming every
    /// inconsistency, 1 on an error (server unreachable, bad key, bad CSV)
    Watch {
        /// The server's address, e.g. https://sinergi.example.id
        url: String,
        /// The log's verifier key, exactly as `sinergi log key` prints it on the server
        #[arg(long, value_name = "VKEY")]
        key: String,
        /// The file keeping the last checkpoint accepted (default:
        /// sinergi-watch-<origin>.checkpoint in the working directory; the first run trusts
        /// what it finds and every later run holds the server to it)
        #[arg(long, value_name = "FILE")]
        state: Option<std::path::PathBuf>,
        /// The numbers read from your own copy of the C.Hasil, one row per TPS and contest
        #[arg(long, value_name = "FILE", long_help = CSV_HELP)]
        csv: Option<std::path::PathBuf>,
        /// Check again every SECONDS until an inconsistency is found (default: once)
        #[arg(long, value_name = "SECONDS")]
        watch: Option<u64>,
    },
}

/// The observer's CSV, as `--help` shows it (the columns are `results::observer`'s).
const CSV_HELP: &str = "The numbers read from your own copy of the C.Hasil (Angka dari salinan C.Hasil Anda), one row per TPS and contest.
Cells separated by ',' or ';' (Excel in Indonesian saves ';'); a UTF-8 BOM is fine. Header names in any case, spaces read as '_':
  pemilihan (election)   the election, e.g. pemilu-2024 (required)
  tps                    the TPS code, e.g. 35.76.02.1008.001 (required)
  kontes (contest)       e.g. presiden, dpr, dpd, dprd_provinsi, dprd_kabkota (required)
  sumber (source)        whose entry to compare: kpu (default), bawaslu, saksi, publik
  suara_<nomor>          a candidate's votes, e.g. suara_01 (votes_01)
  sah (valid)            valid votes
  tidak_sah (invalid)    invalid votes
  surat_diterima, surat_digunakan, surat_rusak, surat_sisa   ballots received, used, spoiled, unused
  catatan                ignored
An empty cell is not compared; '1.234' reads as 1234. KPU's numbers are those of the latest revision two entries agree on
(double entry), or the latest entry before any agree (noted). Example:
  pemilihan;tps;kontes;suara_01;suara_02;suara_03;sah;tidak_sah
  pemilu-2024;35.76.02.1008.001;presiden;100;120;20;240;3";

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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let set_by = set_by_environment(&e);
            let _ = e.print();
            if let Some(var) = set_by {
                eprintln!("(from the environment variable {var})");
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let filter = match tracing_subscriber::EnvFilter::try_new(&cli.settings.log_filter) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: SINERGI_LOG / --log-filter {:?} is not a log filter: {e}", cli.settings.log_filter);
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    // The command line speaks Bahasa Indonesia unless told en (the machine's LANG is usually
    // English whatever its operator reads, so it is not consulted).
    let lang = if cli.settings.lang.eq_ignore_ascii_case("en") { Lang::En } else { Lang::Id };
    crate::platform::settings::install(cli.settings);
    with_lang(lang, || {
        let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}", tr!("galat: runtime tidak dapat dimulai: {e}", "error: cannot start the runtime: {e}"));
                return ExitCode::FAILURE;
            }
        };
        match runtime.block_on(run(cli.command)) {
            Ok(code) => code,
            Err(e) => {
                // The operator at the terminal gets the cause, internals included.
                let e = e.log_detail();
                eprintln!("{}", tr!("galat: {e}", "error: {e}"));
                ExitCode::FAILURE
            }
        }
    })
}

/// The environment variable a refused value came from, when it did not come from the command
/// line: clap names the option (`--report-hour`), the operator may have set only the variable.
fn set_by_environment(e: &clap::Error) -> Option<String> {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue};
    let ContextValue::String(arg) = e.get(ContextKind::InvalidArg)? else { return None };
    let long = arg.split_whitespace().next()?.strip_prefix("--")?;
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == &format!("--{long}") || a.starts_with(&format!("--{long}="))) {
        return None;
    }
    let cmd = Cli::command();
    let var = cmd.get_arguments().find(|a| a.get_long() == Some(long))?.get_env()?.to_str()?.to_string();
    std::env::var_os(&var).is_some().then_some(var)
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
                let (line, id, en) = (e.line, e.message.id(), e.message.en());
                eprintln!("{}", tr!("baris {line}: {id}", "line {line}: {en}"));
            }
            if bad_lines > errors.len() as u64 {
                let more = bad_lines - errors.len() as u64;
                eprintln!("{}", tr!("… dan {more} baris salah lainnya", "… and {more} more bad lines"));
            }
            let file = file.display();
            eprintln!("{}", tr!("{bad_lines} baris salah di {file}; tidak ada yang diimpor", "{bad_lines} bad line(s) in {file}; nothing was imported"));
            Ok(ExitCode::FAILURE)
        }
        Err(import::ImportError::App(e)) => Err(e),
    }
}

/// Why a file could not be opened or written, in words (the system's own message is English).
fn io_reason(e: &std::io::Error) -> crate::platform::i18n::Text {
    match e.kind() {
        std::io::ErrorKind::NotFound => tr!("berkas atau foldernya tidak ada", "no such file or directory"),
        std::io::ErrorKind::PermissionDenied => tr!("tidak ada izin", "permission denied"),
        std::io::ErrorKind::AlreadyExists => tr!("sudah ada", "it already exists"),
        _ => tr!("kesalahan sistem berkas ({e})", "{e}"),
    }
}

fn open_file(path: &std::path::Path) -> Result<std::fs::File, AppError> {
    std::fs::File::open(path).map_err(|e| {
        let (p, why) = (path.display(), io_reason(&e));
        let (why_id, why_en) = (why.id(), why.en());
        AppError::bad_request(tr!("berkas {p} tidak dapat dibuka: {why_id}", "cannot open {p}: {why_en}"))
    })
}

fn create_file(path: &std::path::Path) -> Result<std::fs::File, AppError> {
    std::fs::File::create(path).map_err(|e| {
        let (p, why) = (path.display(), io_reason(&e));
        let (why_id, why_en) = (why.id(), why.en());
        AppError::bad_request(tr!("berkas {p} tidak dapat dibuat: {why_id}", "cannot create {p}: {why_en}"))
    })
}

async fn open(db: &DbArg) -> Result<Db, AppError> {
    Ok(startup::open_db(&db.url).await?)
}

fn election(id: &str) -> Result<&'static elections::ElectionDef, AppError> {
    elections::election(id).ok_or_else(|| {
        let known: Vec<&str> = elections::ELECTIONS.iter().map(|e| e.id).collect();
        let known = known.join(", ");
        AppError::invalid("election", tr!("pemilihan \"{id}\" tidak ada; yang dikenal: {known}", "no election {id:?}; known: {known}"))
    })
}

/// The first line of standard input as a new password for `username`, checked against the
/// password policy and hashed.
async fn new_password_hash(password_stdin: bool, username: &str) -> Result<String, AppError> {
    if !password_stdin {
        return Err(AppError::invalid(
            "password",
            tr!("berikan kata sandi lewat masukan standar dengan --password-stdin", "give the password on standard input with --password-stdin"),
        ));
    }
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| AppError::bad_request(tr!("kata sandi tidak dapat dibaca: {e}", "cannot read the password: {e}")))?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    auth::check_password_strength(&password, username)?;
    tokio::task::spawn_blocking(move || auth::hash_password(&password)).await.map_err(|e| AppError::Internal(e.to_string()))?
}

/// `user disable|enable|reset-password|revoke`: the machine's operator acts with the system
/// permit through the same store function as the /pengguna page and the API. The server's
/// session cache cannot be reached from here; it asks the session table on every hit, so the
/// ended sessions are refused from the next request (see `platform::auth::CurrentUser`).
async fn change_account(db: &DbArg, username: &str, change: agencies::store::AccountChange) -> Result<ExitCode, AppError> {
    let database = open(db).await?;
    let name = username.to_string();
    let what = change.clone();
    let (account, ended) = database
        .write(move |c| {
            let target = agencies::store::account(c, &name)?;
            let permit = Permit::system("cli", regions::NATIONAL);
            agencies::store::change_account(c, &permit, &target, &what)
        })
        .await?;
    let (name, unit) = (&account.user.username, &account.user.unit.name);
    println!(
        "{}",
        match change {
            agencies::store::AccountChange::Disable => tr!("pengguna {name} ({unit}) dinonaktifkan; {ended} sesi diakhiri", "disabled user {name} ({unit}); ended {ended} session(s)"),
            agencies::store::AccountChange::Enable => tr!("pengguna {name} ({unit}) diaktifkan kembali", "enabled user {name} ({unit}) again"),
            agencies::store::AccountChange::ResetPassword { .. } => tr!("kata sandi {name} ({unit}) diganti; {ended} sesi diakhiri", "set a new password for {name} ({unit}); ended {ended} session(s)"),
            agencies::store::AccountChange::RevokeSessions => tr!("{ended} sesi {name} ({unit}) diakhiri", "ended {ended} session(s) of {name} ({unit})"),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `sinergi backup --out FILE`: the database first, then the blobs. A blob is stored before
/// the commit that names it, so every photo or file the snapshot refers to is in the store by
/// the time the copy of the store runs. The folder `blobs` beside FILE has the store's own
/// layout: a restored server points `SINERGI_BLOBS` at it (or copies it to its store).
async fn backup(db: &DbArg, file: &std::path::Path) -> Result<ExitCode, AppError> {
    let cannot = |what: &std::path::Path, e: std::io::Error| {
        let (p, why) = (what.display(), io_reason(&e));
        let (why_id, why_en) = (why.id(), why.en());
        AppError::bad_request(tr!("{p} tidak dapat ditulis: {why_id}", "cannot write {p}: {why_en}"))
    };
    if file.is_dir() {
        let p = file.display();
        return Err(AppError::bad_request(tr!(
            "--out {p} adalah folder; sebutkan berkas cadangannya, misalnya {p}/sinergi.db",
            "--out {p} is a folder; name the backup file, e.g. {p}/sinergi.db"
        )));
    }
    // The copy is renamed over FILE at the end: over the live database it would replace the
    // file under the running server.
    if let Some(live) = db.url.strip_prefix("sqlite://")
        && std::fs::canonicalize(live).ok().is_some_and(|l| std::fs::canonicalize(file).ok() == Some(l))
    {
        let p = file.display();
        return Err(AppError::bad_request(tr!(
            "--out {p} adalah basis data yang sedang dicadangkan; pilih berkas lain",
            "--out {p} is the database being backed up; choose another file"
        )));
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| cannot(&dir, e))?;
    let database = open(db).await?;
    match database.backend() {
        crate::platform::db::Backend::Sqlite => {
            let target = file.to_path_buf();
            database.read(move |c| c.backup_into(&target)).await.map_err(|e| {
                let (p, e) = (file.display(), e.to_string());
                AppError::bad_request(tr!("cadangan {p} gagal: {e}", "backing up into {p} failed: {e}"))
            })?;
        }
        crate::platform::db::Backend::Postgres => {
            let mut part = file.as_os_str().to_owned();
            part.push(".part");
            let part = std::path::PathBuf::from(part);
            let out = std::process::Command::new("pg_dump").args(["--format=custom", "--file"]).arg(&part).arg(&db.url).output();
            match out {
                Ok(o) if o.status.success() => std::fs::rename(&part, file).map_err(|e| cannot(file, e))?,
                Ok(o) => {
                    let _ = std::fs::remove_file(&part);
                    let why = String::from_utf8_lossy(&o.stderr).trim().to_string();
                    return Err(AppError::bad_request(tr!("pg_dump gagal: {why}", "pg_dump failed: {why}")));
                }
                Err(e) => {
                    return Err(AppError::bad_request(tr!(
                        "pg_dump tidak dapat dijalankan ({e}); pasang klien PostgreSQL untuk mencadangkan basis data PostgreSQL",
                        "cannot run pg_dump ({e}); install the PostgreSQL client to back up a PostgreSQL database"
                    )));
                }
            }
        }
    }
    let snapshot = file;
    let store = crate::platform::blob::BlobStore::from_env(&db.url)?;
    let copy = crate::platform::blob::BlobStore::dir(dir.join("blobs"))?;
    let keys = store.keys().await?;
    let (mut added, mut bytes) = (0usize, 0u64);
    for key in &keys {
        if copy.exists(key).await? {
            continue;
        }
        let Some(data) = store.get(key).await? else { continue };
        if crate::platform::blob::key_of(&data) != *key {
            let k = key.as_str();
            eprintln!("{}", tr!("peringatan: isi blob {k} tidak cocok dengan SHA-256-nya; tidak disalin", "warning: blob {k} does not match its SHA-256; not copied"));
            continue;
        }
        bytes += data.len() as u64;
        copy.put(data).await?;
        added += 1;
    }
    let (n, snap, from, to) = (keys.len(), snapshot.display(), store.describe(), dir.join("blobs").display().to_string());
    let mb = format!("{:.1}", bytes as f64 / 1_048_576.0);
    println!(
        "{}",
        tr!(
            "cadangan basis data: {snap}; {n} blob dari {from} ada di cadangan {to} ({added} baru, {mb} MB)",
            "database backed up to {snap}; {n} blobs from {from} are in the backup {to} ({added} new, {mb} MB)"
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// How one round of `log watch` ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Round {
    Consistent,
    Inconsistent,
    Unreachable,
}

/// `sinergi log watch URL`: one round, or one every `every` seconds while the log stays
/// consistent (an unreachable server is reported and tried again next round).
async fn log_watch(url: &str, key: &str, state: Option<std::path::PathBuf>, csv: Option<&std::path::Path>, every: Option<u64>) -> Result<ExitCode, AppError> {
    let mut monitor = Monitor::new(url, key).map_err(AppError::bad_request)?;
    let state = state.unwrap_or_else(|| monitor.default_state());
    let rows = match csv {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                let (p, why) = (path.display(), io_reason(&e));
                let (why_id, why_en) = (why.id(), why.en());
                AppError::bad_request(tr!("berkas {p} tidak dapat dibuka: {why_id}", "cannot open {p}: {why_en}"))
            })?;
            match observer::read_csv(&bytes) {
                Ok(rows) => Some(rows),
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    let (n, p) = (errors.len(), path.display());
                    eprintln!("{}", tr!("{n} kesalahan di {p}; tidak ada yang diperiksa", "{n} error(s) in {p}; nothing was checked"));
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    };
    if let Some(cp) = monitor.load(&state).map_err(AppError::bad_request)? {
        let (n, p) = (cp.head.size, state.display());
        println!("{}", tr!("checkpoint yang diterima sebelumnya: {n} daun (dari {p})", "checkpoint accepted before: {n} leaves (from {p})"));
    }
    loop {
        let round = watch_round(&mut monitor, &state, rows.as_deref()).await?;
        match (round, every) {
            (Round::Consistent, None) => return Ok(ExitCode::SUCCESS),
            (Round::Unreachable, None) => return Ok(ExitCode::FAILURE),
            (Round::Inconsistent, _) => return Ok(ExitCode::from(2)),
            (_, Some(seconds)) => tokio::time::sleep(std::time::Duration::from_secs(seconds.max(1))).await,
        }
    }
}

async fn watch_round(monitor: &mut Monitor, state: &std::path::Path, rows: Option<&[observer::Row]>) -> Result<Round, AppError> {
    use base64::Engine;
    let before = monitor.accepted().map(|c| c.head);
    let mut inconsistencies = 0usize;
    match monitor.latest().await {
        Ok(cp) => {
            let (m, root) = (cp.head.size, base64::engine::general_purpose::STANDARD.encode(cp.head.root.0));
            let how = match before {
                None => tr!("pertama kali dilihat, dipercaya sebagai titik awal", "seen for the first time, trusted as the starting point"),
                Some(b) if b.size == m => tr!("sama dengan yang diterima sebelumnya", "the same as the one accepted before"),
                Some(b) => {
                    let n = b.size;
                    tr!("memperluas {n} daun sebelumnya (bukti konsistensi sah)", "extends the {n} leaves before (consistency proof verified)")
                }
            };
            println!("{}", tr!("checkpoint sah: {m} daun, akar {root}; {how}", "checkpoint verified: {m} leaves, root {root}; {how}"));
        }
        Err(Problem::Log(t)) => {
            eprintln!("{t}");
            inconsistencies += 1;
        }
        Err(Problem::Unreachable(t)) => {
            eprintln!("{}", tr!("galat: {t}", "error: {t}"));
            return Ok(Round::Unreachable);
        }
    }
    if let Some(rows) = rows {
        if inconsistencies > 0 {
            eprintln!("{}", tr!("CSV tidak diperiksa: log itu sendiri tidak konsisten", "the CSV was not checked: the log itself is inconsistent"));
        } else {
            let outcome = observer::check(monitor, rows).await;
            for note in &outcome.notes {
                println!("{note}");
            }
            for finding in &outcome.findings {
                eprintln!("{finding}");
            }
            inconsistencies += outcome.findings.len();
            let (k, n) = (outcome.matched, rows.len());
            println!("{}", tr!("{k} dari {n} baris CSV cocok dengan log", "{k} of {n} CSV rows match the log"));
        }
    }
    // Only checkpoints that verified are ever accepted, so the state moves only forward.
    monitor.save(state).map_err(AppError::bad_request)?;
    if inconsistencies > 0 {
        eprintln!("{}", tr!("{inconsistencies} ketidaksesuaian ditemukan", "{inconsistencies} inconsistenc(y/ies) found"));
        return Ok(Round::Inconsistent);
    }
    Ok(Round::Consistent)
}

/// `sinergi audit verify`: the chain, then the audit heads signed in checkpoints: the stored
/// ones, the one recorded beside the key, and those an observer kept (`files`), whose signatures
/// are checked with `vkey` or the local key's verifier.
async fn audit_verify(db: &DbArg, files: &[std::path::PathBuf], vkey: Option<String>) -> Result<ExitCode, AppError> {
    use std::io::Read;
    // The key is read, never made, here: a log without one has signed nothing.
    let path = checkpoint::key_path(&db.url);
    let local = if path.exists() { Some(LogKey::open_or_create(&path)?) } else { None };
    let vkey = vkey.or_else(|| local.as_ref().map(|k| k.verifier().to_string()));
    let verifier = match vkey.as_deref() {
        Some(v) => Some(signed_note::StandardVerifier::new(v.trim()).map_err(|e| {
            AppError::invalid("key", tr!("kunci verifikasi log tidak sah: {e}", "the log's verifier key is not valid: {e}"))
        })?),
        None => None,
    };
    let broken_checkpoint = |which: &crate::platform::i18n::Text, reason: &crate::platform::i18n::Text| {
        let (wid, wen, rid, ren) = (which.id(), which.en(), reason.id(), reason.en());
        eprintln!("{}", tr!("rantai audit TIDAK DAPAT DIPERCAYA: {wid}: {rid}", "audit chain CANNOT BE TRUSTED: {wen}: {ren}"));
        ExitCode::from(2)
    };
    let mut kept = Vec::new();
    for file in files {
        let Some(verifier) = &verifier else {
            return Err(AppError::invalid(
                "key",
                tr!(
                    "checkpoint dari luar diperiksa dengan kunci log: berikan --key (keluaran `sinergi log key`)",
                    "an outside checkpoint is checked with the log's key: give --key (what `sinergi log key` prints)"
                ),
            ));
        };
        let mut text = String::new();
        open_file(file)?.read_to_string(&mut text).map_err(|e| {
            let p = file.display();
            AppError::bad_request(tr!("berkas {p} tidak dapat dibaca: {e}", "cannot read {p}: {e}"))
        })?;
        let notes = checkpoint::split_notes(&text);
        if notes.is_empty() {
            let p = file.display();
            return Err(AppError::invalid("checkpoint", tr!("berkas {p} tidak berisi checkpoint", "{p} holds no checkpoint")));
        }
        for (k, note) in notes.iter().enumerate() {
            let (n, p) = (k + 1, file.display());
            let which = tr!("checkpoint ke-{n} di {p}", "checkpoint {n} in {p}");
            match checkpoint::open_signed(note, Some(verifier)) {
                Ok(checkpoint::Signed { audit: Some(a), .. }) => kept.push(audit::Anchor { size: a.size as i64, hash: a.hash, which }),
                Ok(_) => {
                    let (wid, wen) = (which.id(), which.en());
                    eprintln!("{}", tr!("peringatan: {wid} tidak menandatangani kepala audit; dilewati", "warning: {wen} signs no audit head; skipped"));
                }
                Err(reason) => return Ok(broken_checkpoint(&which, &reason)),
            }
        }
    }
    let witness = match &local {
        Some(k) => checkpoint::read_witness(&k.witness_path())?.map(|s| {
            let p = k.witness_path().display().to_string();
            (s, tr!("kepala yang tercatat di {p}", "the head recorded in {p}"))
        }),
        None => None,
    };
    let checked = verifier.is_some();
    let database = open(db).await?;
    let (verdict, held) = database.read(move |c| checkpoint::verify_audit(c, verifier.as_ref(), witness, kept)).await?;
    match verdict {
        Verdict::Intact { entries } => {
            // The warning first: the verdict stays the last line (scripts read it).
            if !checked && held > 0 {
                eprintln!(
                    "{}",
                    tr!(
                        "peringatan: tanda tangan checkpoint tidak diperiksa (tidak ada kunci log; berikan --key)",
                        "warning: the checkpoints' signatures were not checked (no log key; give --key)"
                    )
                );
            }
            println!(
                "{}",
                tr!(
                    "rantai audit utuh: {entries} catatan, cocok dengan {held} kepala bertanda tangan",
                    "audit chain intact: {entries} entries, matching {held} signed heads"
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken { seq, reason } => {
            let (id, en) = (reason.id(), reason.en());
            eprintln!("{}", tr!("rantai audit RUSAK pada catatan {seq}: {id}", "audit chain BROKEN at entry {seq}: {en}"));
            Ok(ExitCode::from(2))
        }
        Verdict::Checkpoint { which, reason } => Ok(broken_checkpoint(&which, &reason)),
    }
}

async fn run(command: Command) -> Result<ExitCode, AppError> {
    match command {
        Command::Backup { db, out } => backup(&db, &out).await,
        Command::Serve { db, listen, demo } => {
            let database = open(&db).await?;
            let blobs = startup::open_blobs(&db.url, &database).await?;
            if demo && demo::is_empty(&database).await? {
                let logins = demo::load(&database, blobs.clone()).await?;
                eprintln!("{}", tr!("Data demo dimuat.", "Demo data loaded."));
                demo::print_logins(&logins);
            }
            if demo {
                // On counting night the demo's results come in while it runs.
                tokio::spawn(crate::results::demo::feed(database.clone()));
            }
            let log_key = LogKey::open_or_create(&checkpoint::key_path(&db.url))?;
            startup::serve(database, blobs, log_key, &listen)
                .await
                .map_err(|e| AppError::bad_request(tr!("tidak dapat melayani di {listen}: {e}", "cannot serve on {listen}: {e}")))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { db } => {
            let database = open(&db).await?;
            let logins = if demo::is_empty(&database).await? {
                let blobs = startup::open_blobs(&db.url, &database).await?;
                let l = demo::load(&database, blobs).await?;
                let url = &db.url;
                println!("{}", tr!("Data demo dimuat ke {url}.", "Demo data loaded into {url}."));
                l
            } else {
                println!("{}", tr!("Basis data sudah berisi data; akun demo:", "The database already holds data; the demo logins are:"));
                demo::logins()
            };
            demo::print_logins(&logins);
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Tps { db, election: id, file }) => {
            let election = election(&id)?;
            let f = open_file(&file)?;
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            let database = open(&db).await?;
            let bar = if std::io::stderr().is_terminal() {
                ProgressBar::new(size).with_style(
                    ProgressStyle::with_template(if Lang::current() == Lang::En {
                        "{spinner} importing TPS [{bar:30}] {bytes}/{total_bytes} ({eta})"
                    } else {
                        "{spinner} mengimpor TPS [{bar:30}] {bytes}/{total_bytes} ({eta})"
                    })
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
            if result.is_ok() {
                // The import is committed whatever this says; a failure only leaves the table
                // for autovacuum, slower to read until then.
                if let Err(e) = database.after_bulk_load("tps").await {
                    eprintln!("{}", tr!("peringatan: tabel TPS belum dirapikan setelah impor ({e})", "warning: the TPS table was not tidied after the import ({e})"));
                }
            }
            let elapsed = started.elapsed().as_secs_f64();
            report_import(
                result.map(|r| {
                    let (rows, id, created, updated, unchanged, sha) = (r.rows, election.id, r.created, r.updated, r.unchanged, &r.sha256);
                    tr!(
                        "{rows} TPS diimpor ke {id} ({created} baru, {updated} diubah, {unchanged} tetap) dalam {elapsed:.2} detik; sha256 {sha}",
                        "imported {rows} TPS into {id} ({created} new, {updated} updated, {unchanged} unchanged) in {elapsed:.2} s; sha256 {sha}"
                    )
                    .to_string()
                }),
                &file,
            )
        }
        Command::Import(ImportCommand::Rawan { db, election: id, region, file }) => {
            let election = election(&id)?;
            if region != regions::NATIONAL {
                regions::RegionCode::parse(&region).map_err(|m| AppError::invalid("region", m))?;
            }
            let f = open_file(&file)?;
            let database = open(&db).await?;
            let result = database
                .write(move |c| {
                    let permit = Permit::system("import", &region);
                    crate::vulnerability::import::import_rawan(c, &permit, election, std::io::BufReader::new(f))
                })
                .await;
            let id = election.id;
            report_import(
                result.map(|(rows, rawan)| {
                    tr!(
                        "pemetaan {rows} TPS diimpor ke {id} ({rawan} memenuhi sedikitnya satu indikator)",
                        "imported the mapping of {rows} TPS into {id} ({rawan} meet at least one indicator)"
                    )
                    .to_string()
                }),
                &file,
            )
        }
        Command::Export(ExportCommand::Tps { db, election: id, region, out }) => {
            let election = election(&id)?;
            if region != regions::NATIONAL {
                regions::RegionCode::parse(&region).map_err(|m| AppError::invalid("region", m))?;
            }
            let database = open(&db).await?;
            let writer: Box<dyn std::io::Write + Send> = match &out {
                Some(p) => Box::new(create_file(p)?),
                None => Box::new(std::io::stdout()),
            };
            let n = database.read(move |c| elections::store::export_tps_csv(c, election.id, &region, writer)).await?;
            if out.is_some() {
                println!("{}", tr!("{n} TPS diekspor", "exported {n} TPS"));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add { db, username, agency, region, role, unit, password_stdin }) => {
            let agency = AgencyKind::parse(&agency).map_err(|m| AppError::invalid("agency", m))?;
            let role = Role::parse(&role).map_err(|m| AppError::invalid("role", m))?;
            agencies::store::parse_username(&username)?;
            let hash = new_password_hash(password_stdin, &username).await?;
            let database = open(&db).await?;
            let user = database
                .write(move |c| {
                    let actor = Permit::system("cli", regions::NATIONAL);
                    let unit = agencies::store::ensure_unit(c, &actor, agency, &region, unit.as_deref())?;
                    agencies::store::add_user(c, &actor, &username, &hash, &unit, role)
                })
                .await?;
            let (name, role, unit, agency, region) = (&user.username, user.role.as_str(), &user.unit.name, user.unit.agency.label(), &user.unit.region);
            println!("{}", tr!("pengguna {name} ({role}) dibuat di {unit} [{agency}], wilayah {region}", "created user {name} ({role}) in {unit} [{agency}], region {region}"));
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::List { db }) => {
            let database = open(&db).await?;
            let accounts = database.read(|c| agencies::store::list_accounts(c, regions::NATIONAL, None)).await?;
            let en = Lang::current() == Lang::En;
            let head: [&str; 6] = if en {
                ["username", "agency", "role", "region", "state", "unit"]
            } else {
                ["pengguna", "lembaga", "peran", "wilayah", "status", "satuan kerja"]
            };
            println!("{:<24} {:<10} {:<10} {:<14} {:<9} {}", head[0], head[1], head[2], head[3], head[4], head[5]);
            for a in accounts {
                let u = a.user;
                let state = match (a.active, en) {
                    (true, false) => "aktif",
                    (false, false) => "nonaktif",
                    (true, true) => "active",
                    (false, true) => "disabled",
                };
                println!("{:<24} {:<10} {:<10} {:<14} {:<9} {}", u.username, u.unit.agency.as_str(), u.role.as_str(), u.unit.region, state, u.unit.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Disable { db, username }) => change_account(&db, &username, agencies::store::AccountChange::Disable).await,
        Command::User(UserCommand::Enable { db, username }) => change_account(&db, &username, agencies::store::AccountChange::Enable).await,
        Command::User(UserCommand::Revoke { db, username }) => change_account(&db, &username, agencies::store::AccountChange::RevokeSessions).await,
        Command::User(UserCommand::ResetPassword { db, username, password_stdin }) => {
            // The account must exist before a password is asked for and hashed.
            let database = open(&db).await?;
            let name = username.clone();
            database.read(move |c| agencies::store::account(c, &name)).await?;
            let hash = new_password_hash(password_stdin, &username).await?;
            change_account(&db, &username, agencies::store::AccountChange::ResetPassword { hash }).await
        }
        Command::Audit(AuditCommand::Verify { db, checkpoints, key }) => audit_verify(&db, &checkpoints, key).await,
        Command::Log(LogCommand::Key { db }) => {
            let key = LogKey::open_or_create(&checkpoint::key_path(&db.url))?;
            let (origin, vkey, path) = (key.origin(), key.verifier(), key.path().display());
            println!("{}", tr!("origin: {origin}", "origin: {origin}"));
            println!("{}", tr!("kunci verifikasi: {vkey}", "verifier key: {vkey}"));
            eprintln!("{}", tr!("kunci privat di {path}", "private key in {path}"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Log(LogCommand::Verify { db }) => {
            let database = open(&db).await?;
            // The key is read, never made, here: a log without one has no checkpoints to check.
            let path = checkpoint::key_path(&db.url);
            let vkey = if path.exists() { Some(LogKey::open_or_create(&path)?.verifier().to_string()) } else { None };
            // Accepted entries not yet in the tree (PostgreSQL: the sequencer's backlog, kept in
            // the queue until a server holding the log's lease appends them), said before the
            // verdict, which stays the last line.
            let queued = database.read(tlog::queued).await?;
            if queued > 0 {
                println!("{}", tr!("{queued} daun menunggu diurutkan ke dalam log", "{queued} leaves wait to be sequenced into the log"));
            }
            match database.read(move |c| tlog::verify(c, vkey.as_deref())).await? {
                tlog::Verdict::Intact { leaves, hashes, checkpoints } => {
                    println!(
                        "{}",
                        tr!(
                            "log utuh: {leaves} daun, {hashes} hash tersimpan, {checkpoints} checkpoint bertanda tangan",
                            "log intact: {leaves} leaves, {hashes} stored hashes, {checkpoints} signed checkpoints"
                        )
                    );
                    Ok(ExitCode::SUCCESS)
                }
                tlog::Verdict::Leaf { index, why } => {
                    let (id, en) = (why.id(), why.en());
                    eprintln!("{}", tr!("log RUSAK pada daun {index}: {id}", "log BROKEN at leaf {index}: {en}"));
                    Ok(ExitCode::from(2))
                }
                tlog::Verdict::Checkpoint { size, why } => {
                    let (id, en) = (why.id(), why.en());
                    eprintln!("{}", tr!("log RUSAK pada checkpoint ukuran {size}: {id}", "log BROKEN at the checkpoint of size {size}: {en}"));
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Log(LogCommand::Acknowledge { db }) => {
            let database = open(&db).await?;
            let key = std::sync::Arc::new(LogKey::open_or_create(&checkpoint::key_path(&db.url))?);
            let k = key.clone();
            let (head, before) = database.write(move |c| checkpoint::acknowledge(c, &k)).await?;
            let (now, old) = (head.map_or(0, |s| s.head.size), before.map_or(0, |s| s.head.size));
            println!(
                "{}",
                tr!(
                    "diterima: checkpoint terakhir di basis data ini mencakup {now} daun (yang terakhir ditandatangani sebelumnya: {old}); penandatanganan dilanjutkan dari pohon yang ada sekarang; penerimaan ini tercatat di jejak audit",
                    "acknowledged: this database's newest checkpoint covers {now} leaves (last signed before: {old}); signing resumes from the tree as it is now; the acknowledgement is recorded in the audit trail"
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Log(LogCommand::Watch { url, key, state, csv, watch }) => log_watch(&url, &key, state, csv.as_deref(), watch).await,
        Command::Gen(GenCommand::Tps { election: id, out }) => {
            let election = election(&id)?;
            let villages = regions::store::embedded_villages()?;
            let list: Vec<generate::Village<'_>> = villages.iter().map(|(c, n)| generate::Village { code: c, name: n, inside: None }).collect();
            let file = create_file(&out)?;
            let target = generate::national_tps_target(election.kind);
            let n = generate::write_tps_csv(file, election, &list, target)
                .map_err(|e| {
                    let out = out.display();
                    AppError::bad_request(tr!("gagal menulis {out}: {e}", "writing {out} failed: {e}"))
                })?;
            let (id, out) = (election.id, out.display());
            println!("{}", tr!("{n} TPS untuk {id} ditulis ke {out}", "wrote {n} TPS for {id} to {out}"));
            Ok(ExitCode::SUCCESS)
        }
    }
}
