//! Every setting of the service in one place: one clap struct whose fields are each an option
//! and an environment variable, listed by `sinergi --help` (and by every subcommand's help).
//! A value that does not parse stops the command with clap's message naming the setting;
//! nothing falls back silently to a default. `cli::main` installs what it parsed before any
//! command runs; the platform and the modules read it with [`get`].
//!
//! The database URL and the listening address stay with the commands that take them
//! (`--db`/`SINERGI_DB`, `serve --listen`/`SINERGI_LISTEN`); the S3 store's endpoint and keys
//! are the object-store library's own `AWS_*` variables.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Settings (each also read from its environment variable)")]
pub struct Settings {
    /// The address users reach this service at (https://sinergi.example): links in emails and
    /// QR codes start with it; an https address makes cookies Secure
    #[arg(long, env = "SINERGI_PUBLIC_URL", global = true, value_parser = public_url)]
    pub public_url: Option<String>,
    /// Cookies carry Secure although the public URL is not https (behind a TLS proxy)
    #[arg(long, env = "SINERGI_SECURE_COOKIE", global = true, default_value = "false", num_args = 0..=1, default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new())]
    pub secure_cookie: bool,
    /// The reverse proxy's address: requests from it name their client in X-Forwarded-For
    #[arg(long, env = "SINERGI_TRUSTED_PROXY", global = true)]
    pub trusted_proxy: Option<IpAddr>,
    /// Submissions without an account (reports, evidence, public results) a client address may
    /// send per 10 minutes, counted across every server of the database
    #[arg(long, env = "SINERGI_INTAKE_LIMIT", global = true, default_value_t = 30)]
    pub intake_limit: u32,
    /// Seconds between the sweeps (deadline, stage and tranche alerts; the daily report's check)
    #[arg(long, env = "SINERGI_SWEEP_SECS", global = true, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub sweep_secs: u64,
    /// The local hour (0–23) the daily situation report is made at, or `off` for none
    #[arg(long, env = "SINERGI_REPORT_HOUR", global = true, default_value = "6", value_parser = report_hour)]
    pub report_hour: ReportHour,
    /// Starts the service's clock at this instant (RFC 3339, e.g. 2024-11-27T07:00:00+07:00) and
    /// lets it run on from there: for rehearsals of an election day and for tests
    #[arg(long, env = "SINERGI_CLOCK", global = true, value_parser = instant)]
    pub clock: Option<OffsetDateTime>,
    /// The results log's signing key file, made when missing [default: NAME-log.key beside an
    /// SQLite database NAME.db, else sinergi-log.key]; every server of one database needs the same
    #[arg(long, env = "SINERGI_LOG_KEY", global = true)]
    pub log_key: Option<PathBuf>,
    /// The origin line of a new results log's checkpoints [default: sinergi.HOSTNAME/log]
    #[arg(long, env = "SINERGI_LOG_ORIGIN", global = true)]
    pub log_origin: Option<String>,
    /// Photos and evidence in an S3-compatible bucket: s3://bucket[/prefix]; its endpoint and keys
    /// come from AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
    #[arg(long, env = "SINERGI_BLOB_URL", global = true, conflicts_with = "blobs")]
    pub blob_url: Option<String>,
    /// Photos and evidence in this directory [default: NAME-blobs beside an SQLite database
    /// NAME.db, else sinergi-blobs]
    #[arg(long, env = "SINERGI_BLOBS", global = true)]
    pub blobs: Option<PathBuf>,
    /// The SMTP relay for email notifications (smtp://HOST:587?tls=required,
    /// smtps://USER:PASSWORD@HOST:465); needs --smtp-from; without both, email is off
    #[arg(long, env = "SINERGI_SMTP_URL", global = true, requires = "smtp_from")]
    pub smtp_url: Option<String>,
    /// The sender of email notifications ("Sinergi KPU <sinergi@kpu.example>")
    #[arg(long, env = "SINERGI_SMTP_FROM", global = true, requires = "smtp_url")]
    pub smtp_from: Option<String>,
    /// A hot standby of the PostgreSQL database (postgres://…; with several hosts and
    /// target_session_attrs=read-only, whichever is the standby) that anonymous readers of the
    /// public results pages and summary read while it has replayed what the primary wrote
    /// --replica-max-lag-secs seconds before; else, and without it, they read the primary
    #[arg(long, env = "SINERGI_REPLICA_URL", global = true)]
    pub replica_url: Option<String>,
    /// How far behind the primary the standby may be for the public's reads, in seconds (what
    /// a public reader gets is then at most this plus 3 s behind the primary when rendered,
    /// and the public cache keeps it up to 7 s more)
    #[arg(long, env = "SINERGI_REPLICA_MAX_LAG_SECS", global = true, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
    pub replica_max_lag_secs: u64,
    /// Seconds between remakes of the national open-data exports served from files (when
    /// something was written since); 0: every download is made for its reader
    #[arg(long, env = "SINERGI_EXPORT_SECS", global = true, default_value_t = 60)]
    pub export_secs: u64,
    /// The demo's simulated counting night: seconds between batches of results, or `off`
    #[arg(long, env = "SINERGI_DEMO_FEED_SECS", global = true, default_value = "5", value_parser = demo_feed)]
    pub demo_feed_secs: DemoFeed,
    /// The command line's language: id (Bahasa Indonesia) or en
    #[arg(long, env = "SINERGI_LANG", global = true, default_value = "id", value_parser = ["id", "en"], ignore_case = true)]
    pub lang: String,
    /// What the log shows (tracing's filter syntax, e.g. warn or info,sinergi=debug)
    #[arg(long = "log-filter", env = "SINERGI_LOG", global = true, default_value = "info,postgres=warn,tokio_postgres=warn")]
    pub log_filter: String,
}

/// The daily report's local hour, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportHour(pub Option<u8>);

/// Seconds between the demo feed's batches, or never.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoFeed(pub Option<f64>);

fn public_url(v: &str) -> Result<String, String> {
    let v = v.trim().trim_end_matches('/');
    if v.starts_with("http://") || v.starts_with("https://") {
        Ok(v.to_string())
    } else {
        Err("an http:// or https:// address is needed".into())
    }
}

fn report_hour(v: &str) -> Result<ReportHour, String> {
    match v.trim() {
        "off" => Ok(ReportHour(None)),
        h => h.parse::<u8>().ok().filter(|h| *h < 24).map(|h| ReportHour(Some(h))).ok_or_else(|| "an hour 0–23, or off, is needed".into()),
    }
}

fn instant(v: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(v.trim(), &Rfc3339).map_err(|e| format!("an RFC 3339 instant such as 2024-11-27T07:00:00+07:00 is needed ({e})"))
}

fn demo_feed(v: &str) -> Result<DemoFeed, String> {
    match v.trim() {
        "off" => Ok(DemoFeed(None)),
        s => s.parse::<f64>().ok().filter(|s| *s > 0.0 && s.is_finite()).map(|s| DemoFeed(Some(s))).ok_or_else(|| "a number of seconds above 0, or off, is needed".into()),
    }
}

static INSTALLED: OnceLock<Settings> = OnceLock::new();

/// Makes `settings` the process's own, once, before anything reads them (`cli::main`).
pub fn install(settings: Settings) {
    let _ = INSTALLED.set(settings);
}

/// The settings `cli::main` installed. Where nothing installed them (the crate's own unit
/// tests), the environment is read the same way, and a value that does not parse is the
/// same error, here a panic.
pub fn get() -> &'static Settings {
    INSTALLED.get_or_init(|| {
        use clap::{Args, FromArgMatches};
        let cmd = Settings::augment_args(clap::Command::new("sinergi"));
        cmd.try_get_matches_from(["sinergi"]).and_then(|m| Settings::from_arg_matches(&m)).unwrap_or_else(|e| panic!("{e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, FromArgMatches};

    fn parse(args: &[&str]) -> Result<Settings, clap::Error> {
        let cmd = Settings::augment_args(clap::Command::new("sinergi"));
        let mut all = vec!["sinergi"];
        all.extend_from_slice(args);
        cmd.try_get_matches_from(all).and_then(|m| Settings::from_arg_matches(&m))
    }

    #[test]
    fn values_are_parsed_once_and_bad_ones_refused() {
        let s = parse(&["--report-hour", "off", "--intake-limit", "3", "--public-url", "https://sinergi.example/", "--clock", "2024-11-27T07:00:00+07:00"]).expect("parsed");
        assert_eq!((s.report_hour, s.intake_limit, s.public_url.as_deref()), (ReportHour(None), 3, Some("https://sinergi.example")));
        assert_eq!(s.clock.map(|c| c.hour()), Some(7));
        for bad in [["--report-hour", "24"], ["--intake-limit", "tiga"], ["--sweep-secs", "0"], ["--public-url", "sinergi.example"], ["--clock", "besok"], ["--trusted-proxy", "proxy"], ["--lang", "fr"]] {
            let e = parse(&bad).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(e.to_string().contains(bad[0]), "the error names the setting: {e}");
        }
        assert!(parse(&["--smtp-url", "smtp://mail.example:587"]).is_err(), "half of the SMTP setting");
    }
}
