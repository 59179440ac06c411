//! Wall-clock helpers: stored times are RFC 3339 in UTC, which sorts as text in both engines.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The service's "now". `SINERGI_CLOCK=2024-11-20T08:00:00+07:00` starts the clock at that
/// instant when the process starts, and it runs on from there: for rehearsals (simulasi) of
/// an election day, and for tests of deadlines, without touching the machine's clock.
pub fn now() -> OffsetDateTime {
    static SHIFT: std::sync::OnceLock<time::Duration> = std::sync::OnceLock::new();
    let shift = SHIFT.get_or_init(|| {
        std::env::var("SINERGI_CLOCK")
            .ok()
            .and_then(|v| OffsetDateTime::parse(v.trim(), &Rfc3339).ok())
            .map_or(time::Duration::ZERO, |start| start - OffsetDateTime::now_utc())
    });
    OffsetDateTime::now_utc() + *shift
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}
