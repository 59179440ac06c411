//! Logistics in the field app (/lapangan/logistik): what a unit has to receive, sign and
//! dispatch, the stock it holds, planning a shipment to a place picked by name, receiving one
//! with the counts prefilled from what was sent, co-signing in the user's own capacity, and a
//! TPS's readiness at H-1. Every form here is a field form (FIELD.md): the shell's app.js
//! queues its JSON and sends it to the logistics API, so page and API are one write.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::shipments::{self, SignAs};
use crate::elections::{ElectionDef, TpsCode};
use crate::platform::auth::{CurrentUser, authorize};
use crate::platform::error::AppError;
use crate::platform::http::{Path, Query};
use crate::platform::state::AppState;
use crate::platform::db::Conn;
use crate::platform::field::Task;
use crate::platform::identity::User;
use crate::platform::web::{Lang, OrPage, PageError, PageUser, number};
use crate::regions::Level;
use crate::regions::pages::election_or_default;
use crate::tr;

#[derive(serde::Deserialize)]
pub struct FieldQuery {
    pemilu: Option<String>,
    /// The destination picked for a new shipment (a child region or a TPS, by code).
    ke: Option<String>,
}

/// A place by its name only ("TPS 001 Balongsari", "Magersari"): the label of a choice on a
/// phone, where the code beside it would only crowd the line.
pub fn name_of(state: &AppState, code: &str) -> String {
    let full = crate::regions::index_of(state).place(code);
    match full.rfind(" (") {
        Some(at) if full.ends_with(')') => full[..at].to_string(),
        _ => full,
    }
}

/// A field form (the shell's `platform::field::form`: app.js serialises the named fields to
/// JSON and queues them for `api` with `method`; `title` names the item in the queue) in a
/// section with element id `id`, so a page with several forms can name each one.
pub fn field_form(id: &str, api: &str, method: &str, title: &str, body: Markup) -> Markup {
    html! { section.field-form id=(id) { (crate::platform::field::form(api, method, title, body)) } }
}

fn item_name(rules: &[super::ItemRule], key: &str) -> String {
    rules.iter().find(|r| r.key == key).map_or_else(|| key.replace('_', " "), |r| r.name.clone())
}

/// The KPU units that move goods: operators and above (as the API's rule).
fn moves_goods(user: &CurrentUser, region: &str) -> bool {
    authorize(&user.user, KPU_FIELD, region).is_ok()
}

const KPU_FIELD: crate::platform::auth::Rule = crate::platform::auth::Rule {
    min_role: crate::agencies::Role::Operator,
    agencies: &[crate::agencies::AgencyKind::Kpu],
    action: ("mengelola logistik", "manage logistics"),
};

/// The capacities in which `user` may sign `s` now (open, not yet signed, in scope).
fn signable(user: &User, s: &shipments::Shipment) -> Vec<SignAs> {
    shipments::SIGNERS
        .into_iter()
        .filter(|role| {
            shipments::open_to_sign(s, *role) && !s.signatures.iter().any(|g| g.role == role.as_str()) && {
                let (rule, scope) = shipments::sign_rule(s, *role);
                authorize(user, rule, scope).is_ok()
            }
        })
        .collect()
}

/// A field page in the shell's one-column layout.
pub fn page(lang: Lang, title: &str, user: &CurrentUser, body: Markup) -> Response {
    crate::platform::field::layout(lang, title, Some(&user.user), body).into_response()
}

/// `/lapangan/logistik`: the unit's work (to receive, to sign, to dispatch) and its stock.
pub async fn home(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    let region = user.user.unit.region.clone();
    let r = region.clone();
    let (list, stock, rules) = state
        .db
        .read(move |c| {
            let list = shipments::list(c, e.id, &r, None, None, 200)?;
            Ok::<_, AppError>((list, super::store::stock_at(c, e.id, &r)?, super::store::rules(c, e.id)?))
        })
        .await
        .or_page(Some(&user))?;
    let kpu = moves_goods(&user, &region);
    let to_receive: Vec<_> = list.iter().filter(|s| kpu && s.status == shipments::DISPATCHED && s.to == region).collect();
    let to_dispatch: Vec<_> = list.iter().filter(|s| kpu && s.status == shipments::PLANNED && s.from == region).collect();
    let to_sign: Vec<_> = list.iter().filter(|s| !signable(&user.user, s).is_empty()).collect();
    let here = name_of(&state, &region);
    let title = tr!("Logistik {here}", "Logistics {here}").get(lang).to_string();
    let link = |s: &shipments::Shipment| format!("/lapangan/logistik/{}?pemilu={}", s.id, e.id);
    let row = |s: &shipments::Shipment| {
        html! { li data-shipment=(s.id) { a href=(link(s)) { "BA-" (s.id) ": " (name_of(&state, &s.from)) " → " (name_of(&state, &s.to)) } } }
    };
    let level = crate::regions::RegionCode::parse(&region).ok().map(|c| c.level());
    let can_plan = kpu && matches!(level, Some(Level::Regency | Level::District | Level::Village));
    let body = html! {
        h1 { (title) }
        p.muted { (e.name) }
        @if TpsCode::parse(&region).is_ok() {
            p { a #readiness-link href={ "/lapangan/logistik/tps/" (region) "?pemilu=" (e.id) } { (tr!("Kesiapan logistik TPS (H-1)", "TPS logistics readiness (H-1)").get(lang)) } }
        }
        h2 { (tr!("Perlu diterima", "To receive").get(lang)) }
        @if to_receive.is_empty() { p.muted #nothing-to-receive { (tr!("Tidak ada kiriman dalam perjalanan ke sini.", "Nothing on its way here.").get(lang)) } }
        ul #to-receive { @for s in &to_receive { (row(s)) } }
        h2 { (tr!("Perlu ditandatangani", "To sign").get(lang)) }
        @if to_sign.is_empty() { p.muted { (tr!("Tidak ada berita acara yang menunggu tanda tangan Anda.", "No handover waits for your signature.").get(lang)) } }
        ul #to-sign { @for s in &to_sign { (row(s)) } }
        @if kpu {
            h2 { (tr!("Perlu diberangkatkan", "To dispatch").get(lang)) }
            @if to_dispatch.is_empty() { p.muted { (tr!("Tidak ada rencana pengiriman yang menunggu.", "No planned shipment waits.").get(lang)) } }
            ul #to-dispatch { @for s in &to_dispatch { (row(s)) } }
            @if can_plan {
                p { a #plan-link href={ "/lapangan/logistik/rencana?pemilu=" (e.id) } { (tr!("Rencanakan pengiriman", "Plan a shipment").get(lang)) } }
            }
            h2 { (tr!("Stok di {here}", "Stock at {here}").get(lang)) }
            table #stock {
                thead { tr { th { (tr!("Barang", "Item").get(lang)) } th.num { (tr!("Baik", "Good").get(lang)) } th.num { (tr!("Rusak", "Damaged").get(lang)) } } }
                tbody { @for (item, (good, damaged)) in &stock { tr { td { (item_name(&rules, item)) } td.num { (number(lang, *good)) } td.num { (number(lang, *damaged)) } } } }
            }
            @if stock.is_empty() { p.muted { (tr!("Belum ada stok tercatat di sini.", "No stock recorded here yet.").get(lang)) } }
        }
    };
    Ok(page(lang, &title, &user, body))
}

/// `/lapangan/logistik/rencana`: pick the destination by name, then the plan form with what it
/// needs prefilled (never more than the good stock on hand).
pub async fn plan_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    let from = user.user.unit.region.clone();
    authorize(&user.user, KPU_FIELD, &from).or_page(Some(&user))?;
    let level = crate::regions::RegionCode::parse(&from).ok().map(|c| c.level());
    if !matches!(level, Some(Level::Regency | Level::District | Level::Village)) {
        return Err(PageError::new(
            AppError::invalid("from", tr!("barang berangkat dari gudang kabupaten/kota, PPK (kecamatan) atau PPS (desa/kelurahan)", "goods leave a regency warehouse, a PPK (district) or a PPS (village)")),
            Some(&user),
        ));
    }
    // Destinations: the child regions, and the TPS of a village.
    let f = from.clone();
    let tps: Vec<String> = if level == Some(Level::Village) {
        state.db.read(move |c| crate::elections::store::list_tps(c, e.id, &f, None, 1000)).await.or_page(Some(&user))?.into_iter().map(|t| t.code).collect()
    } else {
        Vec::new()
    };
    let children: Vec<String> = crate::regions::index_of(&state).children_codes(&from).into_iter().chain(tps).collect();
    let here = name_of(&state, &from);
    let title = tr!("Rencana pengiriman dari {here}", "Plan a shipment from {here}").get(lang).to_string();
    let chosen = q.ke.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(str::to_string);
    if let Some(to) = chosen.as_deref().filter(|to| !children.iter().any(|c| c == to)) {
        return Err(PageError::new(AppError::invalid("ke", tr!("{to} bukan tujuan langsung dari {here}", "{to} is not a direct destination from {here}")), Some(&user)));
    }
    let plan_form = match &chosen {
        None => html! {},
        Some(to) => {
            let (t2, f2) = (to.clone(), from.clone());
            let (needs, stock, rules) = state
                .db
                .read(move |c| {
                    let needs = super::store::requirements(c, e, &t2)?.1;
                    Ok::<_, AppError>((needs, super::store::stock_at(c, e.id, &f2)?, super::store::rules(c, e.id)?))
                })
                .await
                .or_page(Some(&user))?;
            // What is on hand of each item, prefilled with what the destination needs.
            let lines: Vec<(String, i64, i64)> = stock
                .iter()
                .filter(|(_, (good, _))| *good > 0)
                .map(|(item, (good, _))| {
                    let need = needs.iter().find(|(k, _)| k == item).map_or(0, |(_, q)| *q);
                    (item.clone(), need.min(*good), *good)
                })
                .collect();
            let to_name = name_of(&state, to);
            let api = format!("/api/v1/elections/{}/logistics/shipments", e.id);
            let ftitle = tr!("Rencana pengiriman {here} → {to_name}", "Shipment plan {here} → {to_name}").get(lang).to_string();
            html! {
                h2 #plan-to { (to_name) }
                @if lines.is_empty() { p.warn { (tr!("Tidak ada stok yang baik di sini untuk dikirim.", "No good stock here to send.").get(lang)) } }
                (field_form("plan", &api, "POST", &ftitle, html! {
                    input type="hidden" name="from" value=(from);
                    input type="hidden" name="to" value=(to);
                    @for (i, (item, qty, good)) in lines.iter().enumerate() {
                        input type="hidden" name={ "items." (i) ".item" } value=(item);
                        label for={ "qty-" (i) } { (item_name(&rules, item)) " " span.muted { "(" (tr!("stok", "stock").get(lang)) " " (number(lang, *good)) ")" } }
                        input id={ "qty-" (i) } name={ "items." (i) ".qty" } type="number" min="0" inputmode="numeric" data-type="int" value=(qty);
                    }
                    label for="vehicle" { (tr!("Nomor polisi kendaraan", "Vehicle number plate").get(lang)) }
                    input #vehicle name="vehicle" autocomplete="off";
                    label for="driver" { (tr!("Pengemudi", "Driver").get(lang)) }
                    input #driver name="driver" autocomplete="off";
                    label for="seal" { (tr!("Nomor segel", "Seal number").get(lang)) }
                    input #seal name="seals.0" autocomplete="off";
                    p.muted { (tr!("Jumlah 0: barang itu tidak dikirim.", "A count of 0: that item is not sent.").get(lang)) }
                    button type="submit" { (tr!("Simpan rencana", "Save the plan").get(lang)) }
                }))
            }
        }
    };
    let body = html! {
        h1 { (title) }
        p.muted { (e.name) }
        form.report #pick-destination method="get" action="/lapangan/logistik/rencana" {
            input type="hidden" name="pemilu" value=(e.id);
            label for="ke" { (tr!("Tujuan", "Destination").get(lang)) }
            select #ke name="ke" {
                @for c in &children { option value=(c) selected[chosen.as_deref() == Some(c.as_str())] { (name_of(&state, c)) } }
            }
            button type="submit" { (tr!("Pilih", "Choose").get(lang)) }
        }
        (plan_form)
        p { a href={ "/lapangan/logistik?pemilu=" (e.id) } { (tr!("Kembali ke logistik", "Back to logistics").get(lang)) } }
    };
    Ok(page(lang, &title, &user, body))
}

/// `/lapangan/logistik/{sid}`: one shipment, with the forms the user may use on it now:
/// dispatch (sender's office), receive with the counts prefilled, sign in their own capacity.
pub async fn shipment_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(sid): Path<i64>, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let e = election_or_default(q.pemilu.as_deref());
    let (s, rules) = state
        .db
        .read(move |c| Ok::<_, AppError>((shipments::get(c, e.id, sid)?, super::store::rules(c, e.id)?)))
        .await
        .or_page(Some(&user))?;
    let s = s.ok_or_else(|| AppError::not_found(tr!("pengiriman {sid} tidak ada", "no shipment {sid}"))).or_page(Some(&user))?;
    shipments::may_read(&user.user, &s).or_page(Some(&user))?;
    let (from, to) = (name_of(&state, &s.from), name_of(&state, &s.to));
    let title = format!("BA-{} · {from} → {to}", s.id);
    let base = format!("/api/v1/elections/{}/logistics/shipments/{}", e.id, s.id);
    let may_dispatch = s.status == shipments::PLANNED && moves_goods(&user, &s.from);
    let may_receive = s.status == shipments::DISPATCHED && moves_goods(&user, &s.to);
    let signs = signable(&user.user, &s);
    let n = |v: i64| number(lang, v);
    let body = html! {
        h1 { (title) }
        ul.facts {
            li { "Status" b #status data-status=(s.handover) { (crate::platform::web::t(lang, &format!("status.{}", s.handover))) } }
            li { (tr!("Tanda tangan", "Signatures").get(lang)) b #signed { (shipments::signature_summary(&s.signatures).get(lang)) } }
        }
        @if !s.flags.is_empty() {
            p.error #flags { (tr!("Selisih: ", "Discrepancy: ").get(lang)) (s.flags.iter().map(|f| shipments::flag_text(f).get(lang).to_string()).collect::<Vec<_>>().join(", ")) }
        }
        table #items {
            thead { tr { th { (tr!("Barang", "Item").get(lang)) } th.num { (tr!("Dikirim", "Sent").get(lang)) } th.num { (tr!("Diterima", "Received").get(lang)) } th.num { (tr!("Rusak", "Damaged").get(lang)) } } }
            tbody { @for i in &s.items { tr {
                td { (item_name(&rules, &i.item)) } td.num { (n(i.sent)) }
                td.num { (i.received.map_or("-".into(), n)) } td.num { (i.damaged.map_or("-".into(), n)) }
            } } }
        }
        @if let Some(sha) = &s.photo_sha256 {
            p #goods-photo-taken { a href={ "/foto/" (sha) } { img src={ "/foto/" (sha) "/kecil" } alt=(tr!("Foto barang saat diterima", "Photo of the goods on arrival").get(lang)) style="max-width:100%"; } }
        }
        @if may_dispatch {
            (field_form("dispatch", &format!("{base}/dispatch"), "POST", tr!("Berangkatkan BA-{sid} ke {to}", "Dispatch BA-{sid} to {to}").get(lang), html! {
                p { (tr!("Barang sudah dimuat dan berangkat ke {to}.", "The goods are loaded and leaving for {to}.").get(lang)) }
                button type="submit" { (tr!("Berangkatkan", "Dispatch").get(lang)) }
            }))
        }
        @if may_receive {
            h2 { (tr!("Terima barang", "Receive the goods").get(lang)) }
            p.muted { (tr!("Jumlah terisi sesuai yang dikirim. Ubah bila kurang atau lebih, dan isi yang rusak.", "The counts are filled in as sent. Change them if short or over, and enter the damaged ones.").get(lang)) }
            (field_form("receive", &format!("{base}/receive"), "POST", tr!("Penerimaan BA-{sid} di {to}", "Receipt of BA-{sid} at {to}").get(lang), html! {
                @for (i, it) in s.items.iter().enumerate() {
                    fieldset data-item=(it.item) {
                        legend { (item_name(&rules, &it.item)) " · " (tr!("dikirim", "sent").get(lang)) " " (n(it.sent)) }
                        input type="hidden" name={ "items." (i) ".item" } value=(it.item);
                        label for={ "got-" (i) } { (tr!("Diterima (termasuk yang rusak)", "Received (damaged included)").get(lang)) }
                        input id={ "got-" (i) } name={ "items." (i) ".qty" } type="number" min="0" inputmode="numeric" data-type="int" data-sent=(it.sent) value=(it.sent) required;
                        label for={ "bad-" (i) } { (tr!("Rusak", "Damaged").get(lang)) }
                        input id={ "bad-" (i) } name={ "items." (i) ".damaged" } type="number" min="0" inputmode="numeric" data-type="int" value="0";
                    }
                }
                label for="note" { (tr!("Catatan (kurang, lebih, rusak, segel)", "Note (short, over, damaged, seals)").get(lang)) }
                textarea #note name="note" rows="3" {}
                (photo_input(lang))
                button type="submit" { (tr!("Simpan penerimaan", "Save the receipt").get(lang)) }
            }))
        }
        @for role in &signs {
            @let who = shipments::signer_name(*role);
            @let (who_id, who_en) = (who.id(), who.en());
            (field_form(&format!("sign-{}", role.as_str()), &format!("{base}/sign"), "POST", tr!("Tanda tangan BA-{sid} sebagai {who_id}", "Sign BA-{sid} as {who_en}").get(lang), html! {
                input type="hidden" name="as" value=(role.as_str());
                button type="submit" data-role=(role.as_str()) { (tr!("Tanda tangani sebagai ", "Sign as ").get(lang)) (who.get(lang)) }
            }))
        }
        p { a href={ "/lapangan/logistik?pemilu=" (e.id) } { (tr!("Kembali ke logistik", "Back to logistics").get(lang)) } }
    };
    Ok(page(lang, &title, &user, body))
}

/// The optional photo of the goods as they arrived: app.js downscales it to at most 1600 px
/// JPEG and sends it as the receive API's `photo` (base64), kept in the blob store.
fn photo_input(lang: Lang) -> Markup {
    html! {
        label for="goods-photo" { (tr!("Foto barang (boleh kosong)", "Photo of the goods (optional)").get(lang)) }
        input #goods-photo type="file" accept="image/*" capture="environment" data-photo-one="photo";
    }
}

/// `/lapangan/logistik/tps/{tps}`: a TPS's readiness at H-1 — per item what it needs and what
/// has arrived — with the shipments on their way to it, and a form per item to record goods
/// that arrived without a shipment on record (the receipts API, at the TPS).
pub async fn tps_page(State(state): State<AppState>, lang: Lang, PageUser(user): PageUser, Path(code): Path<String>, Query(q): Query<FieldQuery>) -> Result<Response, PageError> {
    let e: &'static ElectionDef = election_or_default(q.pemilu.as_deref());
    let code = TpsCode::parse(&code).map_err(|m| AppError::invalid("tps", m)).or_page(Some(&user))?.as_str().to_string();
    authorize(&user.user, shipments::READ, &code).or_page(Some(&user))?;
    let c2 = code.clone();
    let (tps, rules, stock, list) = state
        .db
        .read(move |c| {
            let tps = crate::elections::store::get_tps(c, e.id, &c2)?;
            let rules = super::store::rules(c, e.id)?;
            let stock = super::store::stock_at(c, e.id, &c2)?;
            let list = shipments::list(c, e.id, &c2, None, None, 50)?;
            Ok::<_, AppError>((tps, rules, stock, list))
        })
        .await
        .or_page(Some(&user))?;
    let Some(tps) = tps else {
        let name = e.name;
        return Err(PageError::new(AppError::not_found(tr!("TPS {code} tidak terdaftar pada {name}", "no TPS {code} in {name}")), Some(&user)));
    };
    let needs = super::tps_needs(&rules, e, &code, tps.dpt);
    let here = name_of(&state, &code);
    let title = tr!("Kesiapan logistik {here}", "Logistics readiness {here}").get(lang).to_string();
    let kpu = moves_goods(&user, &code);
    let ready = needs.iter().all(|(item, need)| stock.get(item).is_some_and(|(good, _)| good >= need));
    let incoming: Vec<_> = list.iter().filter(|s| s.to == code && s.status != shipments::RECEIVED).collect();
    let api = format!("/api/v1/elections/{}/logistics/receipts", e.id);
    let n = |v: i64| number(lang, v);
    let body = html! {
        h1 { (title) }
        p.muted { (e.name) " · " (tr!("harus tiba paling lambat H-1", "must arrive by H-1").get(lang)) }
        @if ready { p.ok #verdict data-ready="true" { (tr!("Siap: semua barang sudah ada dalam jumlah cukup dan baik.", "Ready: every item is here, enough and undamaged.").get(lang)) } }
        @else { p.warn #verdict data-ready="false" { (tr!("Belum siap: lihat barang yang kurang di bawah.", "Not ready: see the items short below.").get(lang)) } }
        table #readiness {
            thead { tr { th { (tr!("Barang", "Item").get(lang)) } th.num { (tr!("Perlu", "Needed").get(lang)) } th.num { (tr!("Ada (baik)", "Here (good)").get(lang)) } } }
            tbody { @for (item, need) in &needs {
                @let have = stock.get(item).map_or(0, |(g, _)| *g);
                tr data-item=(item) data-short=(have < *need) { td { (item_name(&rules, item)) } td.num { (n(*need)) } td.num { (n(have)) } }
            } }
        }
        @if !incoming.is_empty() {
            h2 { (tr!("Kiriman ke TPS ini", "Shipments to this TPS").get(lang)) }
            ul #incoming { @for s in &incoming { li { a href={ "/lapangan/logistik/" (s.id) "?pemilu=" (e.id) } { "BA-" (s.id) ": " (name_of(&state, &s.from)) " · " (crate::platform::web::t(lang, &format!("status.{}", s.handover))) } } } }
        }
        @if kpu {
            h2 { (tr!("Barang tiba tanpa kiriman tercatat", "Goods that arrived without a recorded shipment").get(lang)) }
            p.muted { (tr!("Untuk barang yang sampai di TPS tanpa berita acara di sistem. Kiriman yang tercatat diterima lewat halamannya.", "For goods that reached the TPS without a handover in the system. Recorded shipments are received on their own page.").get(lang)) }
            @for (i, (item, _)) in needs.iter().enumerate() {
                @let name = item_name(&rules, item);
                (field_form(&format!("arrived-{i}"), &api, "POST", tr!("Barang tiba di {here}: {name}", "Goods arrived at {here}: {name}").get(lang), html! {
                    input type="hidden" name="region" value=(code);
                    input type="hidden" name="item" value=(item);
                    label for={ "arr-" (i) } { (name) }
                    input id={ "arr-" (i) } name="qty" type="number" min="1" inputmode="numeric" data-type="int" required;
                    label for={ "arr-bad-" (i) } { (tr!("Rusak", "Damaged").get(lang)) }
                    input id={ "arr-bad-" (i) } name="damaged" type="number" min="0" inputmode="numeric" data-type="int" value="0";
                    button type="submit" { (tr!("Catat", "Record").get(lang)) }
                }))
            }
        }
    };
    Ok(page(lang, &title, &user, body))
}

/// The field home's logistics lines: shipments to receive (the KPU office they go to), to
/// dispatch (the office they leave), to sign (in the user's own capacity: sender, receiver,
/// Bawaslu supervisor, Polri escort), and for a KPPS its TPS's readiness at H-1; each line
/// links to its form, which the home caches for use without signal.
pub fn field_tasks(c: &mut Conn, user: &User, names: &crate::regions::index::RegionIndex) -> Result<Vec<Task>, AppError> {
    let region = user.unit.region.as_str();
    let section = tr!("Penerimaan logistik", "Logistics handovers");
    let place = |code: &str| {
        let full = names.place(code);
        match full.rfind(" (") {
            Some(at) if full.ends_with(')') => full[..at].to_string(),
            _ => full,
        }
    };
    let kpu = authorize(user, KPU_FIELD, region).is_ok();
    let mut out = Vec::new();
    if kpu && TpsCode::parse(region).is_ok() {
        for e in crate::elections::ELECTIONS {
            if crate::elections::store::get_tps(c, e.id, region)?.is_some() {
                out.push(Task {
                    section: tr!("TPS saya", "My TPS"),
                    title: tr!("Kesiapan logistik {} (H-1)", "Logistics readiness {} (H-1)", place(region)).id().to_string(),
                    detail: e.name.to_string(),
                    href: format!("/lapangan/logistik/tps/{region}?pemilu={}", e.id),
                });
            }
        }
    }
    if !matches!(user.unit.agency, crate::agencies::AgencyKind::Kpu | crate::agencies::AgencyKind::Bawaslu | crate::agencies::AgencyKind::Polri) || region == crate::regions::NATIONAL {
        return Ok(out);
    }
    for e in crate::elections::ELECTIONS {
        for s in shipments::list(c, e.id, region, None, None, 200)? {
            let route = format!("BA-{}: {} → {}", s.id, place(&s.from), place(&s.to));
            let href = format!("/lapangan/logistik/{}?pemilu={}", s.id, e.id);
            let what = if kpu && s.status == shipments::DISPATCHED && s.to == region {
                tr!("Terima barang", "Receive the goods")
            } else if kpu && s.status == shipments::PLANNED && s.from == region {
                tr!("Berangkatkan", "Dispatch")
            } else if !signable(user, &s).is_empty() {
                tr!("Tanda tangani berita acara", "Sign the handover")
            } else {
                continue;
            };
            out.push(Task { section: section.clone(), title: route, detail: format!("{} · {}", what.id(), e.name), href });
        }
    }
    Ok(out)
}
