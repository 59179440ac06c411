//! Wall-clock helpers: stored times are RFC 3339 in UTC, which sorts as text in both engines.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The service's "now". `SINERGI_CLOCK=2024-11-20T08:00:00+07:00` starts the clock at that
/// instant when the process starts, and it runs on from there: for rehearsals (simulasi) of
/// an election day, and for tests of deadlines, without touching the machine's clock.
pub fn now() -> OffsetDateTime {
    static SHIFT: std::sync::OnceLock<time::Duration> = std::sync::OnceLock::new();
    let shift = SHIFT.get_or_init(|| super::settings::get().clock.map_or(time::Duration::ZERO, |start| start - OffsetDateTime::now_utc()));
    OffsetDateTime::now_utc() + *shift
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}

/// The years Sinergi works in. Every date or time a user gives (a query's `on`, a deadline's
/// `from`, a meeting, a budget date, a holiday) must fall inside them: election calendars,
/// holiday tables and budgets are all within these years, and keeping inputs here keeps every
/// computation on them (adding days, working days, moving to a region's time zone) far from the
/// limits of the date type, where it would panic or never finish (`9999-12-31T17:00:00Z` in
/// WIB is past the last representable day).
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2099;

fn out_of_range(field: &str, s: &str) -> crate::platform::error::AppError {
    crate::platform::error::AppError::invalid(
        field,
        crate::tr!(
            "{field} harus di antara 1 Januari {FIRST_YEAR} dan 31 Desember {LAST_YEAR}; {s:?} di luar rentang itu",
            "{field} must be between 1 January {FIRST_YEAR} and 31 December {LAST_YEAR}; {s:?} is outside it"
        ),
    )
}

/// A calendar day a user typed, `YYYY-MM-DD`, within the working years.
pub fn user_day(field: &str, s: &str) -> Result<time::Date, crate::platform::error::AppError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), &fmt).map_err(|_| {
        crate::platform::error::AppError::invalid(
            field,
            crate::tr!("{field} harus tanggal berbentuk TTTT-BB-HH (mis. 2024-11-27), bukan {s:?}", "{field} must be a date YYYY-MM-DD (e.g. 2024-11-27), not {s:?}"),
        )
    })?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
        return Err(out_of_range(field, s));
    }
    Ok(d)
}

/// An instant a user typed, RFC 3339 with its offset, within the working years (in UTC).
pub fn user_instant(field: &str, s: &str) -> Result<OffsetDateTime, crate::platform::error::AppError> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).map_err(|_| {
        crate::platform::error::AppError::invalid(
            field,
            crate::tr!(
                "{field} harus waktu RFC 3339 dengan zona waktunya (mis. 2024-11-27T09:00:00+07:00), bukan {s:?}",
                "{field} must be an RFC 3339 time with its offset (e.g. 2024-11-27T09:00:00+07:00), not {s:?}"
            ),
        )
    })?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&t.to_offset(time::UtcOffset::UTC).year()) {
        return Err(out_of_range(field, s));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dates_outside_the_working_years_are_refused_with_the_field() {
        for s in ["9999-12-31", "1999-12-31", "2100-01-01", "0000-01-01", "", "2024-02-30", "2024-1-1", "../", "2024-11-27\0"] {
            let e = user_day("on", s).expect_err(s);
            assert_eq!(e.field(), Some("on"), "{s}");
        }
        assert_eq!(user_day("on", " 2024-11-27 ").map(|d| d.to_string()).ok(), Some("2024-11-27".into()));
        for s in ["9999-12-31T17:00:00Z", "-9999-01-01T00:00:00Z", "1999-12-31T16:59:59Z", "2099-12-31T23:59:59-23:59", "now"] {
            let e = user_instant("from", s).expect_err(s);
            assert_eq!(e.field(), Some("from"), "{s}");
        }
        // Any accepted instant can be moved to any Indonesian time zone and a year on.
        let t = user_instant("from", "2099-12-31T23:59:59Z").expect("last second");
        let _ = t.to_offset(time::UtcOffset::from_hms(9, 0, 0).expect("WIT")) + time::Duration::days(366);
    }
}
