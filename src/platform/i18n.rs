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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
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
}

/// Middleware: serves the request with its language in scope, so that errors rendered deep in a
/// handler (or by an extractor's rejection) speak it.
pub async fn scope(req: Request, next: Next) -> Response {
    let lang = Lang::negotiate(req.headers(), req.uri().path().starts_with("/api/"));
    LANG.scope(lang, next.run(req)).await
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
/// strings and may name the same variables.
#[macro_export]
macro_rules! tr {
    ($id:literal, $en:literal $(,)?) => {
        $crate::platform::i18n::Text::new(format!($id), format!($en))
    };
    ($id:literal, $en:literal, $($arg:tt)+) => {
        $crate::platform::i18n::Text::new(format!($id, $($arg)+), format!($en, $($arg)+))
    };
}

/// TRANSITIONAL: a message written in one language only (both halves the same). Every use is
/// being replaced by `tr!`; once none is left these two impls go, and a one-language message no
/// longer compiles.
impl From<String> for Text {
    fn from(s: String) -> Text {
        Text { en: Cow::Owned(s.clone()), id: Cow::Owned(s) }
    }
}
impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::from(s.to_string())
    }
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
}
