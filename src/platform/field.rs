//! The field app's shell (`/lapangan`): the light one-column layout every field page uses, the
//! `<form class="lapangan">` wrapper that `lapangan/app.js` queues offline, the place picker's
//! markup, a home task line (`Task`), and the app's embedded files (script, service worker,
//! manifest, icons). The contract with the modules that write field forms is /work/wt/FIELD.md
//! (in the repository: docs/ARCHITECTURE.md, "The field app").
//!
//! Versioned assets: pages load `/lapangan/app.js?v=…` and `/assets/app.css?v=…` where `v` is a
//! digest of the embedded files, so the service worker can keep them cache-first for good and
//! a new build (a new digest, hence a new `sw.js`) replaces them at once.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use sha2::{Digest, Sha256};

use super::i18n::{Lang, Text};
use super::identity::User;

const APP_JS: &str = include_str!("../../assets/lapangan/app.js");
const SW_JS: &str = include_str!("../../assets/lapangan/sw.js");
const PICKER_JS: &str = include_str!("../../assets/picker.js");
const MANIFEST: &str = include_str!("../../assets/lapangan/manifest.webmanifest");
const ICON_192: &[u8] = include_bytes!("../../assets/lapangan/icon-192.png");
const ICON_512: &[u8] = include_bytes!("../../assets/lapangan/icon-512.png");

/// One line of a user's work on the field home: under `section` ("TPS saya", "Penerimaan
/// logistik", "Temuan", "Personel"), a link to the form. Every module's `field_tasks` returns
/// these; the home groups them by section in the order they come.
#[derive(Debug, Clone)]
pub struct Task {
    pub section: Text,
    pub title: String,
    pub detail: String,
    pub href: String,
}

/// The digest of the embedded assets (10 hex digits): the `v` of versioned asset addresses and
/// the service worker's cache name. Computed once; the files cannot change while running.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut h = Sha256::new();
        for part in [APP_JS, SW_JS, PICKER_JS, MANIFEST, super::web::STYLESHEET] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(ICON_192);
        h.update(ICON_512);
        hex::encode(&h.finalize()[..5])
    })
}


/// The field layout: light, one column (360 px wide phones first), Bahasa Indonesia first; it
/// links the manifest, loads the app script (which registers the service worker), and has the
/// two-item navigation "Beranda" / "Antrean" with the count of items still waiting or refused.
pub fn layout(lang: Lang, title: &str, user: Option<&User>, body: Markup) -> Markup {
    let v = version();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="theme-color" content="#8a1c1c";
                title { (title) " · Sinergi Lapangan" }
                link rel="manifest" href="/lapangan/manifest.webmanifest";
                link rel="icon" href="/lapangan/icon-192.png";
                link rel="apple-touch-icon" href="/lapangan/icon-192.png";
                link rel="stylesheet" href={ "/assets/app.css?v=" (v) };
                script src={ "/lapangan/app.js?v=" (v) } defer {}
                script src={ "/assets/picker.js?v=" (v) } defer {}
            }
            // The account the queue files new items under (app.js sends an item only under it).
            body.lapangan data-version=(v) data-user=[user.map(|u| u.username.as_str())] {
                header.field {
                    a.brand href="/lapangan" { "Sinergi Lapangan" }
                    nav {
                        a #nav-home href="/lapangan" { (lang.pick("Beranda", "Home")) }
                        a #nav-queue href="/lapangan/antrean" {
                            (lang.pick("Antrean", "Queue"))
                            " " span #antrean-count.badge hidden { "0" }
                        }
                    }
                    span #sinyal.sinyal aria-live="polite" {}
                }
                @if let Some(u) = user {
                    p #current-user.who { (u.unit.name) " · " (u.username) }
                }
                main.field { (body) }
            }
        }
    }
}

/// The wrapper of a field form: `app.js` serialises its named fields by dot path to JSON and
/// queues `method api` under `title` (see FIELD.md, "Markup contract"). The refusal line is
/// where page-side checks and the server's refusal of this form are shown.
pub fn form(api: &str, method: &str, title: &str, body: Markup) -> Markup {
    html! {
        form.lapangan data-api=(api) data-method=(method) data-title=(title) method="post" action="#" novalidate {
            p.refusal role="alert" hidden {}
            (body)
            p.status role="status" hidden {}
        }
    }
}

/// Which places a picker offers, from the top of its cascade down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickLevel {
    Province,
    Regency,
    District,
    Village,
    Tps,
}

impl PickLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PickLevel::Province => "province",
            PickLevel::Regency => "regency",
            PickLevel::District => "district",
            PickLevel::Village => "village",
            PickLevel::Tps => "tps",
        }
    }
}

/// A place picker around a plain code input named `name` (which stays the submitted field, so a
/// code typed by hand still works and the form works without script). `picker.js` adds the
/// cascading lists (`levels`, within `within`: the user's scope, or `ID`), search by name and,
/// when `Tps` is a level, "TPS terdekat" from the phone's location, all through
/// `GET /api/v1/places`. `label` names the field; `value` is the code shown at first.
pub struct Picker<'a> {
    pub lang: Lang,
    pub id: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub within: &'a str,
    pub election: &'a str,
    pub levels: &'a [PickLevel],
    /// The levels the field takes (a C.Hasil: only `Tps`); empty: every level offered.
    pub accept: &'a [PickLevel],
    /// The id of a `<select>` whose value is the election (the public report form), instead
    /// of `election`.
    pub election_from: Option<&'a str>,
    pub required: bool,
}

pub fn picker(p: Picker<'_>, invalid: bool) -> Markup {
    let levels: Vec<&str> = p.levels.iter().map(|l| l.as_str()).collect();
    let accept: Vec<&str> = if p.accept.is_empty() { levels.clone() } else { p.accept.iter().map(|l| l.as_str()).collect() };
    let lang = p.lang;
    html! {
        div.picker data-picker data-within=(p.within) data-election=(p.election) data-levels=(levels.join(",")) data-accept=(accept.join(","))
            data-election-from=[p.election_from]
            data-text-search=(lang.pick("Cari nama wilayah atau TPS…", "Search a place or TPS by name…"))
            data-text-choose=(lang.pick("— pilih —", "— choose —"))
            data-text-nearest=(lang.pick("TPS terdekat", "Nearest TPS"))
            data-text-none=(lang.pick("Tidak ada tempat dengan nama itu.", "No place has that name."))
            data-text-noloc=(lang.pick("Lokasi tidak tersedia; pilih dari daftar.", "Location unavailable; choose from the list."))
            data-text-level-province=(lang.pick("Provinsi", "Province"))
            data-text-level-regency=(lang.pick("Kabupaten/Kota", "Regency/City"))
            data-text-level-district=(lang.pick("Kecamatan", "District"))
            data-text-level-village=(lang.pick("Desa/Kelurahan", "Village"))
            data-text-level-tps=("TPS") {
            label for=(p.id) { (p.label) }
            input id=(p.id) name=(p.name) value=(p.value) required[p.required] autocomplete="off" aria-invalid=[invalid.then_some("true")]
                placeholder=(lang.pick("kode, mis. 35.76.02.1008 atau 35.76.02.1008.001", "code, e.g. 35.76.02.1008 or 35.76.02.1008.001"));
            small.picked.muted aria-live="polite" {}
        }
    }
}

/// The picker's script for a page outside the field layout (the public report form).
pub fn picker_script() -> Markup {
    html! { script src={ "/assets/picker.js?v=" (version()) } defer {} }
}

fn asset(ctype: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static(ctype)), (header::CACHE_CONTROL, HeaderValue::from_static(cache))], body).into_response()
}

/// A versioned address (`?v=`) never changes its bytes: cache it for good. The bare address
/// is checked each time.
fn cache_for(q: Option<&str>) -> &'static str {
    if q.is_some_and(|q| q.starts_with("v=")) { "public, max-age=31536000, immutable" } else { "no-cache" }
}

pub async fn app_js(uri: axum::http::Uri) -> Response {
    asset("text/javascript; charset=utf-8", cache_for(uri.query()), APP_JS)
}

pub async fn picker_js(uri: axum::http::Uri) -> Response {
    asset("text/javascript; charset=utf-8", cache_for(uri.query()), PICKER_JS)
}

/// An embedded script of a page outside the field app, served the same way: at a versioned
/// address (`?v=` from [`digest`]) it is cached for good, at the bare address checked each time.
pub fn script(query: Option<&str>, body: &'static str) -> Response {
    asset("text/javascript; charset=utf-8", cache_for(query), body)
}

/// The `v` of an embedded file's versioned address: 10 hex digits of its SHA-256.
pub fn digest(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..5])
}

/// The service worker, with the version of the assets it precaches written in (so a new build
/// is a new worker). Its scope is `/lapangan`, the home itself included, which is wider than
/// its folder: `Service-Worker-Allowed` says so. Never cached by HTTP, so an update is seen
/// at the next visit.
pub async fn service_worker() -> Response {
    let body = SW_JS.replace("__VERSION__", version());
    let mut resp = asset("text/javascript; charset=utf-8", "no-cache", body);
    resp.headers_mut().insert("service-worker-allowed", HeaderValue::from_static("/lapangan"));
    resp
}

pub async fn manifest() -> Response {
    asset("application/manifest+json", "no-cache", MANIFEST)
}

pub async fn icon_192() -> Response {
    asset("image/png", "public, max-age=604800", ICON_192)
}

pub async fn icon_512() -> Response {
    asset("image/png", "public, max-age=604800", ICON_512)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_wrapper_carries_the_contract_attributes() {
        let m = form("/api/v1/x/1", "PUT", "C.Hasil · TPS 001", html! { input name="a.b" data-type="int"; }).into_string();
        for part in [r#"class="lapangan""#, r#"data-api="/api/v1/x/1""#, r#"data-method="PUT""#, r#"data-title="C.Hasil · TPS 001""#, r#"class="refusal" role="alert""#] {
            assert!(m.contains(part), "{part} in {m}");
        }
    }

    #[test]
    fn the_worker_and_the_pages_name_the_same_version() {
        let v = version();
        assert_eq!(v.len(), 10);
        assert!(SW_JS.contains("__VERSION__"), "the worker's cache name carries the version");
        let page = layout(Lang::Id, "Beranda", None, html! {}).into_string();
        assert!(page.contains(&format!("/lapangan/app.js?v={v}")), "{page}");
        assert!(page.contains(r#"rel="manifest""#) && page.contains("Antrean"));
        assert!(!page.contains("<script>"), "no inline script (CSP)");
        let manifest: serde_json::Value = serde_json::from_str(MANIFEST).expect("manifest is JSON");
        assert_eq!(manifest["start_url"], "/lapangan");
        assert_eq!(manifest["display"], "standalone");
    }
}
