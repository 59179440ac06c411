//! The field app (`/lapangan`): the home that lists a field officer's own work by role and
//! scope (each module's `field_tasks`, one line per module below), the queue page (drawn by
//! `lapangan/app.js` from the phone's IndexedDB), and the places API behind the place picker.
//! Layout, form wrapper and the embedded app files are `platform::field`; each module's field
//! forms live in that module (`src/<module>/field.rs`).

pub mod places;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use crate::agencies::AgencyKind;
use crate::platform::auth::CurrentUser;
use crate::platform::db::Conn;
use crate::platform::error::AppError;
use crate::platform::field::{self, Task};
use crate::platform::i18n::Lang;
use crate::platform::identity::User;
use crate::platform::state::AppState;
use crate::platform::web::{OrPage, PageError, PageUser};
use crate::{elections, regions, tr};

/// Most TPS listed for one unit (a PPS's village has a few dozen at most).
const MAX_TPS: i64 = 60;

/// "TPS saya": the TPS a KPPS or PTPS works at, or those of a PPS's or PKD's village, each
/// linking to its C.Hasil contests (`/lapangan/hasil/{tps}`, src/results/field.rs). One line per
/// TPS code, whichever election holds it.
pub fn tps_tasks(c: &mut Conn, user: &User, names: &regions::index::RegionIndex) -> Result<Vec<Task>, AppError> {
    let unit = &user.unit;
    if !matches!(unit.agency, AgencyKind::Kpu | AgencyKind::Bawaslu) {
        return Ok(Vec::new());
    }
    let depth = unit.region.split('.').count();
    // KPPS/PTPS (a TPS) and PPS/PKD (a village) only: a regency office has no "TPS saya".
    if unit.region == regions::NATIONAL || depth < 4 {
        return Ok(Vec::new());
    }
    let mut found: Vec<(String, String, Vec<&'static str>)> = Vec::new();
    for e in elections::ELECTIONS {
        let tps = if depth == 5 {
            elections::store::get_tps(c, e.id, &unit.region)?.into_iter().collect()
        } else {
            elections::store::list_tps(c, e.id, &unit.region, None, MAX_TPS)?
        };
        for t in tps {
            match found.iter_mut().find(|(code, _, _)| *code == t.code) {
                Some((_, _, held)) => held.push(e.name),
                None => found.push((t.code.clone(), t.address.clone(), vec![e.name])),
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let section = if depth == 5 { tr!("TPS saya", "My TPS") } else { tr!("TPS di desa/kelurahan saya", "TPS in my village") };
    Ok(found
        .into_iter()
        .map(|(code, address, held)| Task {
            section: section.clone(),
            title: tps_title(names, &code),
            detail: if address.is_empty() { held.join(" · ") } else { format!("{address} · {}", held.join(" · ")) },
            href: format!("/lapangan/hasil/{code}"),
        })
        .collect())
}

/// "TPS 001 Balongsari" (the place by name; its code is on the page it leads to).
fn tps_title(names: &regions::index::RegionIndex, code: &str) -> String {
    let number = code.rsplit('.').next().and_then(|n| n.parse::<u16>().ok()).unwrap_or(0);
    let village = code.rsplit_once('.').map_or(code, |(v, _)| v);
    match names.get(village) {
        Some(v) => format!("TPS {number:03} {}", v.name),
        None => format!("TPS {number:03}"),
    }
}

/// Everything on the user's home, in section order. One line per module: a module adds its
/// `field_tasks` here.
fn tasks(c: &mut Conn, user: &User, names: &regions::index::RegionIndex) -> Result<Vec<Task>, AppError> {
    let mut all = Vec::new();
    all.extend(tps_tasks(c, user, names)?);
    all.extend(crate::logistics::field::field_tasks(c, user, names)?);
    all.extend(crate::vulnerability::field::field_tasks(c, user, names)?);
    all.extend(crate::reports::field::field_tasks(c, user, names)?);
    Ok(all)
}


/// Tasks grouped by section, keeping the order in which sections first appear.
fn grouped(tasks: Vec<Task>, lang: Lang) -> Vec<(String, Vec<Task>)> {
    let mut groups: Vec<(String, Vec<Task>)> = Vec::new();
    for t in tasks {
        let name = t.section.get(lang).to_string();
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(t),
            None => groups.push((name, vec![t])),
        }
    }
    groups
}

fn home_body(lang: Lang, user: &User, tasks: Vec<Task>) -> Markup {
    let groups = grouped(tasks, lang);
    html! {
        h1 { (lang.pick("Pekerjaan saya", "My work")) }
        p.muted { (user.unit.name) }
        @if groups.is_empty() {
            p #no-work {
                (tr!(
                    "Belum ada pekerjaan lapangan untuk satuan Anda, {}. Formulir lapangan tersedia untuk KPPS, PTPS, PPS, PKD, PPK, Panwaslu Kecamatan, Polres, Polsek, Kodim dan Koramil.",
                    "There is no field work for your unit, {}, yet. Field forms are for KPPS, PTPS, PPS, PKD, PPK, Panwaslu Kecamatan, Polres, Polsek, Kodim and Koramil.",
                    user.unit.name
                ).get(lang))
            }
        }
        @for (name, list) in &groups {
            section.tasks {
                h2 { (name) }
                ul.tasks {
                    @for t in list {
                        li {
                            a href=(t.href) data-offline { strong { (t.title) } }
                            @if !t.detail.is_empty() { br; small.muted { (t.detail) } }
                        }
                    }
                }
            }
        }
        p.muted.offline-note {
            (lang.pick("Formulir di atas tersimpan di ponsel saat ada sinyal dan tetap terbuka tanpa sinyal. Kiriman tanpa sinyal menunggu di ",
                "The forms above are kept on the phone while there is signal and open without it. What you send without signal waits in the "))
            a href="/lapangan/antrean" { (lang.pick("Antrean", "Queue")) } "."
        }
        // Posted inside the worker's scope, which forgets this officer's copies even without
        // signal; `akun` tells it whose session to end once the signal returns.
        form.logout action="/lapangan/keluar" method="post" {
            input type="hidden" name="akun" value=(user.username);
            button type="submit" { (lang.pick("Keluar", "Log out")) }
        }
    }
}

/// `/lapangan`: the user's own work. Someone not logged in is sent to `/masuk?next=/lapangan`.
pub async fn home(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser) -> Result<Response, PageError> {
    let u = user.user.clone();
    let st = state.clone();
    let list = state
        .db
        .read(move |c| tasks(c, &u, regions::index_of(&st)))
        .await
        .or_page(Some(&user))?;
    let body = home_body(lang, &user.user, list);
    Ok(field::layout(lang, lang.pick("Beranda", "Home"), Some(&user.user), body).into_response())
}

/// Where every logout passes on its way out (`POST /keluar` answers with it): inside the field
/// app's scope, so its service worker sees the logout and forgets the copies of the officer's
/// pages (assets/lapangan/sw.js) even when the logout was made on a console page.
pub const LOGGED_OUT: &str = "/lapangan/keluar";

/// `GET /lapangan/keluar`: nothing to show; on to the public map, where a logout has always
/// landed.
pub async fn logged_out() -> axum::response::Redirect {
    axum::response::Redirect::to("/wilayah")
}

/// `/lapangan/antrean`: what this phone has sent, what waits for signal and what was refused.
/// The queue lives in the browser, so the page is the same for everyone and needs no session
/// (an expired one must not hide the queue); the script draws the list.
pub async fn queue(lang: Lang, user: Option<CurrentUser>) -> Response {
    let body = html! {
        h1 { (lang.pick("Antrean kiriman", "Sending queue")) }
        p.muted {
            (lang.pick("Kiriman dari ponsel ini: menunggu sinyal, terkirim, atau ditolak beserta alasannya. Kiriman yang ditolak dapat diperbaiki lalu dikirim lagi.",
                "What this phone has sent: waiting for signal, sent, or refused with the reason. A refused item can be corrected and sent again."))
        }
        p #antrean-noscript.warn {
            (lang.pick("Antrean tersimpan di peramban ponsel ini dan hanya dapat ditampilkan dengan JavaScript. Aktifkan JavaScript untuk melihat dan mengirimnya.",
                "The queue is kept in this phone's browser and can only be shown with JavaScript. Turn JavaScript on to see and send it."))
        }
        ul #antrean.antrean {}
    };
    field::layout(lang, lang.pick("Antrean", "Queue"), user.as_ref().map(|u| &u.user), body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keep_their_first_order() {
        let t = |s: &str, title: &str| Task { section: crate::platform::i18n::Text::new(s.to_string(), s.to_string()), title: title.into(), detail: String::new(), href: "/x".into() };
        let g = grouped(vec![t("TPS saya", "a"), t("Temuan", "b"), t("TPS saya", "c")], Lang::Id);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].0, "TPS saya");
        assert_eq!(g[0].1.len(), 2);
    }
}
