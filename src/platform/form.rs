//! Page forms: reading a posted form, and showing a refused one again.
//!
//! A page form that the service refuses is not a dead end: the page that holds the form is
//! rendered again (with the refusal's status) with the message beside the field at fault and
//! everything that was typed still in its fields, so the official corrects one thing and sends
//! again. A page may hold several forms (one per table row); a [`Refusal`] names the form by
//! its element id, and only that form shows it.

use axum::http::StatusCode;
use maud::{Markup, html};

use super::error::AppError;
use crate::tr;

/// A posted `application/x-www-form-urlencoded` body, every pair in order. Reading the body
/// this way never refuses (a mistyped number is named by [`FormBody::int`] beside its field,
/// not by a bare extractor rejection that loses the entry).
#[derive(Debug, Clone, Default)]
pub struct FormBody(pub Vec<(String, String)>);

impl FormBody {
    pub fn parse(body: &[u8]) -> FormBody {
        FormBody(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated key (checkboxes).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A whole number from a field the page fills in (a select of ids, a hidden number).
    pub fn int(&self, name: &str) -> Result<i64, AppError> {
        let v = self.get(name).trim();
        v.parse().map_err(|_| AppError::invalid(name, tr!("isian ini harus dipilih atau berupa bilangan bulat", "this field must be chosen or be a whole number")))
    }
}

/// A refused page form: which form (its element id), what was typed, and why.
#[derive(Debug)]
pub struct Refusal {
    pub form: String,
    pub typed: FormBody,
    pub error: AppError,
    /// Set when the page rendered the refused form (its [`above`]), so that [`unshown`] can
    /// put the message at the head of a page that no longer holds the form.
    shown: std::sync::atomic::AtomicBool,
}

impl Refusal {
    pub fn new(form: impl Into<String>, typed: FormBody, error: AppError) -> Refusal {
        Refusal { form: form.into(), typed, error, shown: std::sync::atomic::AtomicBool::new(false) }
    }

    /// The status the page is answered with: the refusal's own (422, 403, 409, …).
    pub fn status(&self) -> StatusCode {
        self.error.status()
    }

    fn field_is(&self, field: &str) -> bool {
        self.error.field().is_some_and(|f| f == field || f.starts_with(&format!("{field}[")) || f.starts_with(&format!("{field}.")))
    }
}

/// What a page needs to render its forms after a refusal; `None` on a plain GET.
pub type Refused<'a> = Option<&'a Refusal>;

/// Whether `form` is the one refused.
pub fn is_refused(r: Refused<'_>, form: &str) -> bool {
    r.is_some_and(|r| r.form == form)
}

/// The value to show in `name` of `form`: what was typed when this form was refused, else
/// `default` (the stored value, or empty).
pub fn typed<'a>(r: Refused<'a>, form: &str, name: &str, default: &'a str) -> &'a str {
    match r {
        Some(r) if r.form == form => r.typed.get(name),
        _ => default,
    }
}

/// Whether a checkbox/option `value` of `name` in `form` was sent (after a refusal), else
/// `default`.
pub fn chosen(r: Refused<'_>, form: &str, name: &str, value: &str, default: bool) -> bool {
    match r {
        Some(r) if r.form == form => r.typed.all(name).any(|v| v == value),
        _ => default,
    }
}

/// `aria-invalid` for a field of the refused form.
pub fn invalid(r: Refused<'_>, form: &str, field: &str) -> Option<&'static str> {
    r.is_some_and(|r| r.form == form && r.field_is(field)).then_some("true")
}

/// The message beside `field` of `form` when that field was at fault.
pub fn beside(r: Refused<'_>, form: &str, field: &str) -> Markup {
    html! {
        @if let Some(r) = r.filter(|r| r.form == form && r.field_is(field)) {
            span.field-error role="alert" data-field=(field) { (r.error.to_string()) }
        }
    }
}

/// The message of a refusal that names none of `fields` (a permission, a conflict, a field the
/// form does not show), at the head of `form`.
/// Every form calls this once at its head: it also marks the refused form as shown.
pub fn above(r: Refused<'_>, form: &str, fields: &[&str]) -> Markup {
    if let Some(r) = r.filter(|r| r.form == form) {
        r.shown.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    html! {
        @if let Some(r) = r.filter(|r| r.form == form && !fields.iter().any(|f| r.field_is(f))) {
            p.error.form-error role="alert" { (r.error.to_string()) }
        }
    }
}

/// The message of a refusal whose form the page did not render (a row that is not, or no
/// longer, the reader's to change): call after rendering the body, and put it at its head.
pub fn unshown(r: Refused<'_>) -> Markup {
    html! {
        @if let Some(r) = r.filter(|r| !r.shown.load(std::sync::atomic::Ordering::Relaxed)) {
            p.error.form-error role="alert" { (r.error.to_string()) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_shows_beside_its_field_in_its_form_only() {
        let typed = FormBody::parse(b"amount=1.250%2C50&document_no=SPM-1&invited=3&invited=7");
        assert_eq!(typed.get("amount"), "1.250,50");
        assert_eq!(typed.all("invited").collect::<Vec<_>>(), ["3", "7"]);
        let r = Refusal::new("line-form", typed, AppError::invalid("amount", tr!("bulat", "whole")));
        let r = Some(&r);
        assert_eq!(typed_in(r), ("1.250,50", "stored"));
        assert!(beside(r, "line-form", "amount").into_string().contains("bulat"));
        assert!(beside(r, "line-form", "document_no").into_string().is_empty());
        assert!(beside(r, "grant-form", "amount").into_string().is_empty());
        assert!(above(r, "line-form", &["amount"]).into_string().is_empty());
        assert!(above(r, "line-form", &["program"]).into_string().contains("bulat"));
        assert_eq!(invalid(r, "line-form", "amount"), Some("true"));
        assert!(chosen(r, "line-form", "invited", "7", false) && !chosen(r, "line-form", "invited", "8", true));
        assert!(unshown(r).into_string().is_empty(), "the form was rendered with its message");
        let gone = Refusal::new("realisation-9", FormBody::default(), AppError::forbidden(tr!("bukan milik Anda", "not yours")));
        assert!(unshown(Some(&gone)).into_string().contains("bukan milik Anda"), "a form the page no longer holds");
    }

    fn typed_in(r: Refused<'_>) -> (&str, &str) {
        (typed(r, "line-form", "amount", "stored"), typed(r, "grant-form", "amount", "stored"))
    }

    #[test]
    fn a_mistyped_id_is_named() {
        let f = FormBody::parse(b"unit=abc");
        assert_eq!(f.int("unit").err().and_then(|e| e.field().map(str::to_string)).as_deref(), Some("unit"));
        assert_eq!(FormBody::parse(b"unit=12").int("unit").ok(), Some(12));
    }
}
