//! Free text as people type it, checked once for every request and form.
//!
//! A field a person types into is a [`Line`] (one line: a name, a place, a number plate) or a
//! [`FreeText`] (several lines: a description, minutes), each with its maximum length in its
//! type. Both refuse, whatever the field:
//! - NUL and the other control characters (PostgreSQL cannot store NUL at all, and the others
//!   corrupt CSV, PDF and terminal output); a `FreeText` allows line breaks and tabs;
//! - the bidirectional embedding, override and isolate characters (U+202A–U+202E,
//!   U+2066–U+2069), which make text display in another order than it is stored (a reversed
//!   file name or amount can disguise what was written);
//! - the Unicode line and paragraph separators in a `Line` (they break lines where none may be);
//! - more characters than the field's cap (without one, five fields took 1.9 MB each).
//!
//! The value is trimmed. JSON request structs use the types as fields, so `parse_json` refuses a
//! bad value with 422 naming the field before a handler runs; page forms call [`line`] or
//! [`free_text`], which apply the same rules with the same messages.

use std::fmt;

use super::error::AppError;
use super::i18n::Text;
use crate::tr;

/// Names of people, units, candidates, items: the longest Indonesian full names with titles fit
/// in well under 200 characters.
pub const NAME_MAX: usize = 200;
/// Short identifiers people type: document numbers, vehicle plates, seal numbers.
pub const CODE_MAX: usize = 100;
/// Titles, places, programmes and activities: a line on a form, up to a long sentence.
pub const TITLE_MAX: usize = 300;
/// A postal address or the party a report is about, with RT/RW, street, village and district.
pub const ADDRESS_MAX: usize = 500;
/// Reasons, notes and decisions: a paragraph or a few (what a printed form's box holds).
pub const NOTE_MAX: usize = 2_000;
/// Descriptions of an event or an agenda: several pages of typed text.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Minutes of a meeting: a long meeting's record, still a bounded PDF of some pages.
pub const MINUTES_MAX: usize = 50_000;

/// The ways a typed text can be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    Control,
    LineBreak,
    Bidi,
    TooLong { max: usize, found: usize },
}

impl Problem {
    /// The message for `field`, in both languages.
    pub fn message(self, field: &str) -> Text {
        match self {
            Problem::Required => tr!("{field} wajib diisi", "{field} is required"),
            Problem::Control => tr!(
                "{field} berisi karakter kendali (misalnya NUL) yang tidak boleh ada dalam teks",
                "{field} contains control characters (such as NUL), which are not allowed in text"
            ),
            Problem::LineBreak => tr!(
                "{field} harus satu baris, tanpa ganti baris atau tab",
                "{field} must be a single line, without line breaks or tabs"
            ),
            Problem::Bidi => tr!(
                "{field} berisi karakter pengatur arah teks (U+202A–U+202E, U+2066–U+2069) yang dapat menyamarkan isinya; hapus karakter itu",
                "{field} contains text-direction control characters (U+202A–U+202E, U+2066–U+2069) that can disguise what it says; remove them"
            ),
            Problem::TooLong { max, found } => tr!(
                "{field} paling banyak {max} karakter, terisi {found}",
                "{field} may have at most {max} characters; it has {found}"
            ),
        }
    }

    pub fn into_error(self, field: &str) -> AppError {
        AppError::invalid(field, self.message(field))
    }

    /// How serde carries the problem to `parse_json` (its errors are strings): a marker no other
    /// serde message starts with, then the problem.
    const MARK: &'static str = "\u{1}text-problem:";

    fn encode(self) -> String {
        match self {
            Problem::Required => format!("{}required", Self::MARK),
            Problem::Control => format!("{}control", Self::MARK),
            Problem::LineBreak => format!("{}linebreak", Self::MARK),
            Problem::Bidi => format!("{}bidi", Self::MARK),
            Problem::TooLong { max, found } => format!("{}toolong:{max}:{found}", Self::MARK),
        }
    }

    /// The problem a serde error message carries, if it is one of ours.
    pub fn decode(msg: &str) -> Option<Problem> {
        let rest = msg.strip_prefix(Self::MARK)?;
        let word = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':')).next().unwrap_or("");
        let mut parts = word.split(':');
        Some(match parts.next()? {
            "required" => Problem::Required,
            "control" => Problem::Control,
            "linebreak" => Problem::LineBreak,
            "bidi" => Problem::Bidi,
            "toolong" => Problem::TooLong { max: parts.next()?.parse().ok()?, found: parts.next()?.parse().ok()? },
            _ => return None,
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// A refusal in both languages from a hand-written `Deserialize` (a choice such as "an id or a
/// text" that no serde message says well): serde carries only strings, so it travels marked like
/// a [`Problem`], and `parse_json` gives it as the message of the field it happened in.
pub fn refusal<E: serde::de::Error>(message: &Text) -> E {
    E::custom(format!("{REFUSAL_MARK}{}\u{1}{}\u{1}", message.id(), message.en()))
}

const REFUSAL_MARK: &str = "\u{1}refusal:";

/// The message a serde error carries, if [`refusal`] made it.
pub fn decode_refusal(msg: &str) -> Option<Text> {
    let mut parts = msg.strip_prefix(REFUSAL_MARK)?.splitn(3, '\u{1}');
    Some(Text::new(parts.next()?.to_string(), parts.next()?.to_string()))
}

/// Characters that reorder how text around them is displayed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The one check: `value` trimmed, or why it is refused.
pub fn check(value: &str, max: usize, multiline: bool) -> Result<&str, Problem> {
    let v = value.trim();
    for c in v.chars() {
        let line_break = matches!(c, '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}');
        if line_break {
            if !multiline {
                return Err(Problem::LineBreak);
            }
        } else if c.is_control() {
            return Err(Problem::Control);
        } else if is_bidi_control(c) {
            return Err(Problem::Bidi);
        }
    }
    // Counted after the character checks, so that a 2 MB field of NULs is named for its NULs.
    let found = v.chars().count();
    if found > max {
        return Err(Problem::TooLong { max, found });
    }
    Ok(v)
}

/// A single-line form field: trimmed and checked, or 422 naming `field`.
pub fn line(field: &str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    checked(field, value, max, false, required)
}

/// A multi-line form field (line breaks and tabs allowed): trimmed and checked, or 422.
pub fn free_text(field: &str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    checked(field, value, max, true, required)
}

fn checked(field: &str, value: &str, max: usize, multiline: bool, required: bool) -> Result<String, AppError> {
    let v = check(value, max, multiline).map_err(|p| p.into_error(field))?;
    if required && v.is_empty() {
        return Err(Problem::Required.into_error(field));
    }
    Ok(v.to_string())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $multiline:expr, $schema:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name<const MAX: usize>(String);

        impl<const MAX: usize> $name<MAX> {
            /// Checks a value typed outside JSON (a form field, a CSV cell).
            pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
                check(value, MAX, $multiline).map(|v| $name(v.to_string())).map_err(|p| p.into_error(field))
            }
            /// Checks a value, giving the problem to be worded by the caller (a CSV line).
            pub fn checked(value: &str) -> Result<Self, Problem> {
                check(value, MAX, $multiline).map(|v| $name(v.to_string()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
            /// The value, or 422 `field` is required when it is empty.
            pub fn required(self, field: &str) -> Result<String, AppError> {
                if self.0.is_empty() { Err(Problem::Required.into_error(field)) } else { Ok(self.0) }
            }
        }

        impl<const MAX: usize> std::ops::Deref for $name<MAX> {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl<const MAX: usize> AsRef<str> for $name<MAX> {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<const MAX: usize> fmt::Display for $name<MAX> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<const MAX: usize> From<$name<MAX>> for String {
            fn from(v: $name<MAX>) -> String {
                v.0
            }
        }

        impl<const MAX: usize> PartialEq<str> for $name<MAX> {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl<const MAX: usize> PartialEq<&str> for $name<MAX> {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl<'de, const MAX: usize> serde::Deserialize<'de> for $name<MAX> {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                check(&s, MAX, $multiline).map(|v| $name(v.to_string())).map_err(serde::de::Error::custom)
            }
        }

        impl<const MAX: usize> serde::Serialize for $name<MAX> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<const MAX: usize> utoipa::PartialSchema for $name<MAX> {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .max_length(Some(MAX))
                    .description(Some($schema))
                    .into()
            }
        }

        impl<const MAX: usize> utoipa::ToSchema for $name<MAX> {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Owned(format!("{}{MAX}", stringify!($name)))
            }
        }
    };
}

text_type!(
    /// One line of text, at most `MAX` characters: no control characters, line breaks, tabs or
    /// direction overrides.
    Line,
    false,
    "One line of text: no control characters, line breaks or text-direction overrides."
);
text_type!(
    /// Text of several lines, at most `MAX` characters: line breaks and tabs allowed, no other
    /// control characters and no direction overrides.
    FreeText,
    true,
    "Text; line breaks and tabs allowed, no other control characters or text-direction overrides."
);

/// A person's, unit's, candidate's or item's name.
pub type Name = Line<NAME_MAX>;
/// A document number, plate or seal number.
pub type Code = Line<CODE_MAX>;
/// A title, place, programme or activity.
pub type Title = Line<TITLE_MAX>;
/// An address or a reported party.
pub type Address = Line<ADDRESS_MAX>;
/// A reason, a note or a decision.
pub type Note = FreeText<NOTE_MAX>;
/// The description of an event, or an agenda.
pub type Description = FreeText<DESCRIPTION_MAX>;
/// The minutes of a meeting.
pub type Minutes = FreeText<MINUTES_MAX>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: Name,
        note: Option<Note>,
        seals: Vec<Code>,
    }

    fn refused(json: &str) -> (String, String) {
        match super::super::http::parse_json::<Body>(json.as_bytes()) {
            Err(AppError::Invalid { field, message }) => (field, message.id().to_string()),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn each_kind_is_refused_naming_the_field() {
        let (f, m) = refused(r#"{"name": "a\u0000b", "seals": []}"#);
        assert_eq!(f, "name");
        assert!(m.contains("karakter kendali"), "{m}");
        let (f, _) = refused(r#"{"name": "ok", "note": "x\u0007", "seals": []}"#);
        assert_eq!(f, "note");
        let (f, m) = refused(r#"{"name": "a\u202Eb", "seals": []}"#);
        assert_eq!(f, "name");
        assert!(m.contains("arah teks"), "{m}");
        let (f, m) = refused(r#"{"name": "two\nlines", "seals": []}"#);
        assert_eq!(f, "name");
        assert!(m.contains("satu baris"), "{m}");
        let (f, m) = refused(&format!(r#"{{"name": "{}", "seals": []}}"#, "x".repeat(201)));
        assert_eq!(f, "name");
        assert!(m.contains("paling banyak 200 karakter, terisi 201"), "{m}");
        let (f, _) = refused(r#"{"name": "ok", "seals": ["S1", "S\u2067"]}"#);
        assert_eq!(f, "seals[1]");
    }

    #[test]
    fn good_text_is_trimmed_and_kept() {
        let b: Body = super::super::http::parse_json(br#"{"name": "  Siti Aminah ", "note": "baris 1\r\n\tbaris 2", "seals": ["A-1"]}"#).unwrap();
        assert_eq!(b.name.as_str(), "Siti Aminah");
        assert_eq!(b.note.as_deref(), Some("baris 1\r\n\tbaris 2"));
        // Arabic script and emoji are text, not controls.
        assert!(check("محمد 👍 Ñ", 10, false).is_ok());
        assert_eq!(check(&"é".repeat(200), 200, false), Ok("é".repeat(200).as_str()));
    }

    #[test]
    fn forms_get_the_same_rules() {
        assert!(matches!(line("nama", "a\0", 10, false), Err(AppError::Invalid { field, .. }) if field == "nama"));
        assert!(matches!(line("nama", "  ", 10, true), Err(AppError::Invalid { .. })));
        assert_eq!(free_text("uraian", " a\nb ", 10, true).unwrap(), "a\nb");
        assert!(Problem::decode(&Problem::TooLong { max: 5, found: 9 }.to_string()) == Some(Problem::TooLong { max: 5, found: 9 }));
    }
}
