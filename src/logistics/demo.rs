//! Demo logistics for Kota Mojokerto, Pilkada 2024, told as it would have happened in
//! November 2024: the warehouse stocked, one district served in full, Magersari short of
//! ballots with a damaged box (an alert), Kranggan still on the road, Balongsari's TPS half
//! ready, one partial, one shipment only planned; Jombang's warehouse stocked.

use crate::platform::text;
use super::api::due_at;
use super::shipments::{self, ItemQty, PlanInput, ReceiveInput, ReceivedItem, SignAs};
use super::store;
use crate::agencies::store::{User, user_for_login};
use crate::elections::{self, ElectionDef};
use crate::agencies::Role;
use crate::platform::auth::{Permit, Rule, authorize};
use crate::platform::db::Conn;
use crate::platform::error::AppError;

/// A WIB wall-clock time as stored (UTC RFC 3339).
fn wib(local: &str) -> String {
    time::OffsetDateTime::parse(&format!("{local}:00+07:00"), &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| local.to_string(), crate::platform::clock::rfc3339)
}

fn user(conn: &mut Conn, name: &str) -> Result<User, AppError> {
    user_for_login(conn, name)?.map(|(u, _)| u).ok_or_else(|| AppError::Internal(format!("demo user {name} missing")))
}

/// The demo user's permit through the same check as the API (KPU logistics, or the signer's
/// own agency when it signs a handover).
fn permit(u: &User, region: &str) -> Result<Permit, AppError> {
    let rule = Rule { min_role: Role::Viewer, agencies: u.unit.agency.only(), action: ("mencatat logistik demo", "record demo logistics") };
    authorize(u, rule, region)
}

type Difference<'a> = (&'a str, i64, i64);

struct Hop<'a> {
    from: &'a str,
    to: &'a str,
    items: Vec<ItemQty>,
    planned: &'a str,
    dispatched: Option<&'a str>,
    /// When it arrived and what differed: (item, short by, damaged); the rest arrive complete.
    received: Option<(&'a str, Vec<Difference<'a>>)>,
    signers: &'a [(SignAs, &'a str)],
}

fn run(conn: &mut Conn, e: &ElectionDef, sender: &User, hop: Hop<'_>) -> Result<i64, AppError> {
    let level = if elections::TpsCode::parse(hop.to).is_ok() { None } else { crate::regions::RegionCode::parse(hop.to).ok().map(|c| c.level()) };
    let input = PlanInput {
        from: hop.from.into(),
        to: hop.to.into(),
        items: hop.items,
        seals: vec![text::Code::parse("seals", &format!("KPU-{}-{:04}", hop.from, hop.to.len() * 37 % 1000))?],
        vehicle: text::Code::parse("vehicle", "L 1234 MJ")?,
        driver: text::Name::parse("driver", "Suparno")?,
    };
    let s = shipments::plan(conn, &permit(sender, hop.from)?, e, &input, &due_at(e, hop.to, level)?, &wib(hop.planned))?;
    let Some(d) = hop.dispatched else { return Ok(s.id) };
    shipments::dispatch(conn, &permit(sender, hop.from)?, e.id, s.id, &wib(d))?;
    let mut at = wib(d);
    if let Some((r, changes)) = hop.received {
        at = wib(r);
        let items = s
            .items
            .iter()
            .map(|i| match changes.iter().find(|(k, _, _)| *k == i.item) {
                Some((_, short, damaged)) => ReceivedItem { item: i.item.clone(), qty: i.sent - short, damaged: *damaged },
                None => ReceivedItem { item: i.item.clone(), qty: i.sent, damaged: 0 },
            })
            .collect();
        shipments::receive(conn, &permit(sender, hop.to)?, e.id, s.id, &ReceiveInput { items, note: text::Note::default(), photo: None }, None, &at)?;
    }
    for (role, who) in hop.signers {
        let u = user(conn, who)?;
        shipments::sign(conn, &u, &permit(&u, hop.to)?, e.id, s.id, *role, &at)?;
    }
    Ok(s.id)
}

fn needs(conn: &mut Conn, e: &ElectionDef, code: &str) -> Result<Vec<ItemQty>, AppError> {
    Ok(store::requirements(conn, e, code)?.1.into_iter().map(|(item, qty)| ItemQty { item, qty }).collect())
}

pub fn load(conn: &mut Conn) -> Result<(), AppError> {
    let e = elections::election("pilkada-2024").ok_or_else(|| AppError::Internal("pilkada-2024 missing".into()))?;
    let kpu = user(conn, "kpu.kotamojokerto")?;
    for (regency, who) in [("35.76", "kpu.kotamojokerto"), ("35.17", "kpu.jombang")] {
        let u = user(conn, who)?;
        for line in needs(conn, e, regency)? {
            // 1 % over the need arrives from the printer; 0.3 % is damaged in sorting.
            let qty = line.qty + (line.qty + 99) / 100;
            let damaged = if line.item.starts_with("surat_suara") { line.qty * 3 / 1000 } else { 0 };
            let code = crate::regions::RegionCode::parse(regency).map_err(|m| AppError::Internal(format!("demo region {regency}: {m}")))?;
            store::record_receipt(conn, &permit(&u, regency)?, e.id, code.as_str(), &line.item, qty, damaged)?;
        }
    }
    let all = [(SignAs::Sender, "kpu.kotamojokerto"), (SignAs::Receiver, "kpu.kotamojokerto"), (SignAs::Supervisor, "bawaslu.kotamojokerto"), (SignAs::Escort, "polres.kotamojokerto")];
    let items = needs(conn, e, "35.76.01")?;
    run(conn, e, &kpu, Hop { from: "35.76", to: "35.76.01", items, planned: "2024-11-04T09:00", dispatched: Some("2024-11-06T07:30"), received: Some(("2024-11-06T10:15", vec![])), signers: &all })?;
    let items = needs(conn, e, "35.76.02")?;
    let magersari = [(SignAs::Sender, "kpu.kotamojokerto"), (SignAs::Supervisor, "bawaslu.kotamojokerto"), (SignAs::Escort, "polres.kotamojokerto"), (SignAs::Receiver, "ppk.magersari")];
    run(conn, e, &kpu, Hop {
        from: "35.76",
        to: "35.76.02",
        items,
        planned: "2024-11-04T09:10",
        dispatched: Some("2024-11-06T08:00"),
        received: Some(("2024-11-07T11:40", vec![("surat_suara:gubernur", 5, 0), ("kotak_suara", 0, 1)])),
        signers: &magersari,
    })?;
    let items = needs(conn, e, "35.76.03")?;
    let on_road = [(SignAs::Sender, "kpu.kotamojokerto"), (SignAs::Escort, "polres.kotamojokerto")];
    run(conn, e, &kpu, Hop { from: "35.76", to: "35.76.03", items, planned: "2024-11-10T09:00", dispatched: Some("2024-11-12T07:00"), received: None, signers: &on_road })?;

    // Magersari to Balongsari, then to Balongsari's TPS.
    let ppk = user(conn, "ppk.magersari")?;
    let village = [(SignAs::Sender, "ppk.magersari"), (SignAs::Supervisor, "panwascam.magersari"), (SignAs::Receiver, "kpu.kotamojokerto")];
    let items = needs(conn, e, "35.76.02.1008")?;
    run(conn, e, &ppk, Hop { from: "35.76.02", to: "35.76.02.1008", items, planned: "2024-11-15T09:00", dispatched: Some("2024-11-19T08:00"), received: Some(("2024-11-19T10:30", vec![])), signers: &village })?;
    let tps: Vec<String> = crate::elections::store::list_tps(conn, e.id, "35.76.02.1008", None, 1000)?.into_iter().map(|t| t.code).collect();
    let tps_signers = [(SignAs::Sender, "ppk.magersari"), (SignAs::Supervisor, "panwascam.magersari"), (SignAs::Escort, "polres.kotamojokerto")];
    let half = tps.len() / 2;
    for (i, code) in tps.iter().enumerate() {
        let items = needs(conn, e, code)?;
        if i < half {
            run(conn, e, &ppk, Hop { from: "35.76.02.1008", to: code, items, planned: "2024-11-22T09:00", dispatched: Some("2024-11-25T06:00"), received: Some(("2024-11-25T09:00", vec![])), signers: &tps_signers })?;
        } else if i == half {
            let partial = items.into_iter().filter(|l| l.item == "kotak_suara" || l.item == "bilik_suara").collect();
            run(conn, e, &ppk, Hop { from: "35.76.02.1008", to: code, items: partial, planned: "2024-11-22T09:00", dispatched: Some("2024-11-26T06:00"), received: Some(("2024-11-26T08:00", vec![])), signers: &tps_signers })?;
        } else if i == half + 1 {
            run(conn, e, &ppk, Hop { from: "35.76.02.1008", to: code, items, planned: "2024-11-25T15:00", dispatched: None, received: None, signers: &[] })?;
        }
    }
    Ok(())
}
