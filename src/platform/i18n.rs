//! The language of a request and bilingual text.
//!
//! Every message a user can see is a [`Text`]: Bahasa Indonesia and English side by side, built
//! with [`tr!`](crate::tr). The language is decided once per request (the `lang` cookie the
//! language switch sets; for the API also `Accept-Language`; Bahasa Indonesia otherwise) by the
//! [`scope`] middleware, and rendering picks the half that request asked for. A message that
//! exists in one language only cannot be built.

use std::borrow::Cow;
use std::fmt;

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    /// One of two short page words (or lists of them) by this language (messages use `tr!`).
    pub fn pick<T>(self, id: T, en: T) -> T {
        if self == Lang::En { en } else { id }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The request's language: the `lang` cookie first (a choice the user made); for the API
    /// (`api`), the first of `id`/`en` named in `Accept-Language`; Bahasa Indonesia otherwise.
    /// Pages ignore `Accept-Language` so that an English-language browser still shows the
    /// officials' Indonesian screens unless the user switches.
    pub fn negotiate(headers: &HeaderMap, api: bool) -> Lang {
        if let Some(v) = super::auth::cookie_in(headers, "lang") {
            return if v == "en" { Lang::En } else { Lang::Id };
        }
        if api
            && let Some(al) = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
        {
            // Tags in the order given; weights are rarely used to reorder by browsers and
            // clients, so the first known one wins.
            for tag in al.split(',') {
                let primary = tag.split(';').next().unwrap_or("").trim().split('-').next().unwrap_or("").to_ascii_lowercase();
                match primary.as_str() {
                    "id" | "in" | "ms" => return Lang::Id,
                    "en" => return Lang::En,
                    _ => {}
                }
            }
        }
        Lang::Id
    }

    /// The language of the request being served (Bahasa Indonesia outside a request).
    pub fn current() -> Lang {
        LANG.try_with(|l| *l).unwrap_or(Lang::Id)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(LANG.try_with(|l| *l).unwrap_or_else(|_| Lang::negotiate(&parts.headers, parts.uri.path().starts_with("/api/"))))
    }
}

tokio::task_local! {
    static LANG: Lang;
    static PLACES: std::sync::Arc<dyn Places>;
}

/// Middleware: serves the request with its language in scope, so that errors rendered deep in a
/// handler (or by an extractor's rejection) speak it, and with the place names, so that a
/// refusal built where no state is at hand (`authorize`) names the region rather than its code.
pub async fn scope(axum::extract::State(state): axum::extract::State<super::state::AppState>, req: Request, next: Next) -> Response {
    let lang = Lang::negotiate(req.headers(), req.uri().path().starts_with("/api/"));
    let places = state.module::<PlaceNames>().0.clone();
    PLACES.scope(places, LANG.scope(lang, next.run(req))).await
}

/// The name of the place `code` as the registered [`Places`] says it ("Kota Mojokerto (35.76)"),
/// or the code itself outside a request (unit tests, the CLI before the index is loaded).
pub fn place(code: &str) -> String {
    PLACES.try_with(|p| p.place(code)).unwrap_or_else(|_| code.to_string())
}

/// `f` with the language and place names of the request being served, for work that runs in a
/// task of its own (which does not inherit them).
pub fn carried<F: std::future::Future>(f: F) -> impl std::future::Future<Output = F::Output> {
    let lang = Lang::current();
    let places = PLACES.try_with(|p| p.clone()).ok();
    async move {
        match places {
            Some(p) => PLACES.scope(p, LANG.scope(lang, f)).await,
            None => LANG.scope(lang, f).await,
        }
    }
}

/// Runs `f` as if serving a request in `lang` (tests, the CLI).
pub fn with_lang<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    LANG.sync_scope(lang, f)
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    id: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Text {
    pub fn new(id: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Text {
        Text { id: id.into(), en: en.into() }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn en(&self) -> &str {
        &self.en
    }
    /// Both halves with the same prefix (e.g. a field label) in front.
    pub fn prefixed(&self, id: &str, en: &str) -> Text {
        Text::new(format!("{id}{}", self.id), format!("{en}{}", self.en))
    }
}

/// Shows the half of the language being served.
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get(Lang::current()))
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.get(Lang::current()))
    }
}

/// Bilingual text: `tr!("Bahasa Indonesia {x}", "English {x}")`; both halves are `format!`
/// strings and may name the same variables. A `Text` put into a `tr!` would be formatted in
/// the language in scope for both halves: pass its `.id()` and `.en()` (or use [`both`]).
#[macro_export]
macro_rules! tr {
    ($id:literal, $en:literal $(,)?) => {
        $crate::platform::i18n::Text::new(format!($id), format!($en))
    };
    ($id:literal, $en:literal, $($arg:tt)+) => {
        $crate::platform::i18n::Text::new(format!($id, $($arg)+), format!($en, $($arg)+))
    };
}

const MONTHS_ID: [&str; 12] =
    ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
const MONTHS_EN: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// A calendar day as people write it: "27 November 2024" (English "27 November 2024", with the
/// English month name). The one date format of every page, PDF, CSV and alert.
pub fn date(lang: Lang, d: time::Date) -> String {
    let months = if lang == Lang::En { &MONTHS_EN } else { &MONTHS_ID };
    let m = months[usize::from(u8::from(d.month())) - 1];
    format!("{} {m} {}", d.day(), d.year())
}

/// The name of an offset's Indonesian time zone (WIB +7, WITA +8, WIT +9), else "UTC±h".
pub fn zone_name(offset: time::UtcOffset) -> String {
    match (offset.whole_hours(), offset.minutes_past_hour()) {
        (7, 0) => "WIB".into(),
        (8, 0) => "WITA".into(),
        (9, 0) => "WIT".into(),
        (0, 0) => "UTC".into(),
        (h, 0) => format!("UTC{h:+}"),
        (h, m) => format!("UTC{h:+}:{:02}", m.unsigned_abs()),
    }
}

/// A time of day with its zone: "19.00 WIB" (the Indonesian way, in both languages: the zone
/// names are Indonesian anyway and officials read the dot).
pub fn clock_time(t: time::OffsetDateTime) -> String {
    format!("{:02}.{:02} {}", t.hour(), t.minute(), zone_name(t.offset()))
}

/// A moment in its own offset: "27 November 2024 19.00 WIB".
pub fn moment(lang: Lang, t: time::OffsetDateTime) -> String {
    format!("{} {}", date(lang, t.date()), clock_time(t))
}

/// A stored RFC 3339 time shown in `offset` (the region's zone), in the request's language;
/// anything that is not such a time is shown as it is.
pub fn moment_in(s: &str, offset: time::UtcOffset) -> String {
    moment_at(Lang::current(), s, offset)
}

/// [`moment_in`] in a given language (for text stored in both, such as alerts).
pub fn moment_at(lang: Lang, s: &str, offset: time::UtcOffset) -> String {
    match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => moment(lang, t.to_offset(offset)),
        Err(_) => s.to_string(),
    }
}

/// A stored day ("2024-11-27", or the day of an RFC 3339 time) in the request's language;
/// anything else is shown as it is.
pub fn day(s: &str) -> String {
    day_at(Lang::current(), s)
}

/// [`day`] in a given language.
pub fn day_at(lang: Lang, s: &str) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() == 10
        && let Ok(d) = time::Date::parse(s, fmt)
    {
        return date(lang, d);
    }
    match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => date(lang, t.date()),
        Err(_) => s.to_string(),
    }
}

/// How platform code (alerts) names a place and tells its time zone without knowing the
/// regions module: the regions module registers one as [`PlaceNames`] at start-up.
pub trait Places: Send + Sync {
    /// "Kota Mojokerto (35.76)", "TPS 001 Balongsari (35.76.02.1008.001)".
    fn place(&self, code: &str) -> String;
    /// The offset of the place's time zone (WIB, WITA or WIT).
    fn offset(&self, code: &str) -> time::UtcOffset;
}

/// The registered [`Places`] (module state, see `platform::state`).
pub struct PlaceNames(pub std::sync::Arc<dyn Places>);

/// The same thing said in both languages: `(f(Id), f(En))`, to put into a `tr!`.
pub fn both(f: impl Fn(Lang) -> String) -> (String, String) {
    (f(Lang::Id), f(Lang::En))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_cookie_wins_then_accept_language_for_the_api() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::negotiate(&h, true), Lang::Id);
        h.insert("accept-language", HeaderValue::from_static("en-US,en;q=0.9"));
        assert_eq!(Lang::negotiate(&h, true), Lang::En);
        assert_eq!(Lang::negotiate(&h, false), Lang::Id);
        h.insert("accept-language", HeaderValue::from_static("fr, id-ID;q=0.8, en;q=0.5"));
        assert_eq!(Lang::negotiate(&h, true), Lang::Id);
        h.insert("cookie", HeaderValue::from_static("a=b; lang=en"));
        assert_eq!(Lang::negotiate(&h, false), Lang::En);
    }

    #[test]
    fn text_shows_the_language_in_scope() {
        let n = 3;
        let t = crate::tr!("{n} hari", "{n} days");
        assert_eq!(with_lang(Lang::Id, || t.to_string()), "3 hari");
        assert_eq!(with_lang(Lang::En, || t.to_string()), "3 days");
        assert_eq!(t.to_string(), "3 hari");
    }

    #[test]
    fn dates_and_times_read_as_officials_write_them() {
        let d = time::macros::date!(2024 - 11 - 27);
        assert_eq!(date(Lang::Id, d), "27 November 2024");
        assert_eq!(date(Lang::Id, time::macros::date!(2024 - 02 - 05)), "5 Februari 2024");
        assert_eq!(date(Lang::En, time::macros::date!(2024 - 08 - 17)), "17 August 2024");
        assert_eq!(date(Lang::Id, time::macros::date!(2024 - 08 - 17)), "17 Agustus 2024");
        let t = time::macros::datetime!(2024-11-27 12:00 UTC);
        assert_eq!(moment(Lang::Id, t.to_offset(time::macros::offset!(+7))), "27 November 2024 19.00 WIB");
        assert_eq!(moment(Lang::Id, t.to_offset(time::macros::offset!(+8))), "27 November 2024 20.00 WITA");
        assert_eq!(moment(Lang::Id, t.to_offset(time::macros::offset!(+9))), "27 November 2024 21.00 WIT");
        assert_eq!(with_lang(Lang::Id, || moment_in("2024-11-27T12:00:00Z", time::macros::offset!(+7))), "27 November 2024 19.00 WIB");
        // A late-evening UTC time is the next day in WIT.
        assert_eq!(with_lang(Lang::En, || moment_in("2024-11-26T16:30:00Z", time::macros::offset!(+9))), "27 November 2024 01.30 WIT");
        assert_eq!(with_lang(Lang::Id, || day("2024-01-03")), "3 Januari 2024");
        assert_eq!(with_lang(Lang::Id, || day("2024-12-31T20:00:00+07:00")), "31 Desember 2024");
        assert_eq!(day("kemarin"), "kemarin");
        assert_eq!(moment_in("bukan waktu", time::macros::offset!(+7)), "bukan waktu");
    }
}
