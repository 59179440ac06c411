//! Shipments down the tiers: planned (stock leaves the sender), dispatched, received (stock
//! arrives, discrepancies flagged and alerted), each handover co-signed by sender, receiver,
//! the Bawaslu supervisor and the police escort.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{add_stock, rules, stock_at};
use crate::agencies::AgencyKind;
use crate::agencies::store::User;
use crate::elections::ElectionDef;
use crate::params;
use crate::platform::alerts::{self, NewAlert, Severity};
use crate::platform::audit::{self, Change};
use crate::platform::auth::Permit;
use crate::platform::text;
use crate::platform::db::{Conn, DbError, Row};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, Text, both};
use crate::tr;

pub const PLANNED: &str = "direncanakan";
pub const DISPATCHED: &str = "dikirim";
pub const RECEIVED: &str = "diterima";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemQty {
    pub item: String,
    pub qty: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PlanInput {
    /// Region holding the goods: a regency warehouse, a PPK (district) or a PPS (village).
    pub from: String,
    /// A direct child region of `from`, or a TPS beneath it.
    pub to: String,
    /// What to send; a line with `qty` 0 is an item not sent and is left out.
    pub items: Vec<ItemQty>,
    #[serde(default)]
    pub seals: Vec<text::Code>,
    /// The number plate.
    #[serde(default)]
    pub vehicle: text::Code,
    #[serde(default)]
    pub driver: text::Name,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReceivedItem {
    pub item: String,
    /// How many arrived, damaged ones included.
    pub qty: i64,
    /// Of those, how many are damaged.
    #[serde(default)]
    pub damaged: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReceiveInput {
    pub items: Vec<ReceivedItem>,
    #[serde(default)]
    pub note: text::Note,
    /// A photo of the goods as they arrived: base64 JPEG or PNG (no `data:` prefix), up to
    /// 5 MB; kept in the blob store and shown on the shipment's page.
    #[serde(default)]
    pub photo: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignAs {
    Sender,
    Receiver,
    Supervisor,
    Escort,
}

impl SignAs {
    pub fn as_str(self) -> &'static str {
        match self {
            SignAs::Sender => "sender",
            SignAs::Receiver => "receiver",
            SignAs::Supervisor => "supervisor",
            SignAs::Escort => "escort",
        }
    }
    /// The agency line that signs in this capacity.
    pub fn agency(self) -> AgencyKind {
        match self {
            SignAs::Sender | SignAs::Receiver => AgencyKind::Kpu,
            SignAs::Supervisor => AgencyKind::Bawaslu,
            SignAs::Escort => AgencyKind::Polri,
        }
    }
}

/// Whether the handover is at a stage where `role` signs: the goods must have left (and,
/// for the receiver, arrived).
pub fn open_to_sign(s: &Shipment, role: SignAs) -> bool {
    match role {
        SignAs::Receiver => s.status == RECEIVED,
        _ => s.status == DISPATCHED || s.status == RECEIVED,
    }
}

/// Who may sign in a capacity, and which region their scope must reach: the sender's must
/// cover `from`; receiver, supervisor and escort must cover `to`.
pub fn sign_rule(s: &Shipment, role: SignAs) -> (crate::platform::auth::Rule, &str) {
    let agencies: &'static [AgencyKind] = match role {
        SignAs::Sender | SignAs::Receiver => &[AgencyKind::Kpu],
        SignAs::Supervisor => &[AgencyKind::Bawaslu],
        SignAs::Escort => &[AgencyKind::Polri],
    };
    let rule = crate::platform::auth::Rule { min_role: crate::agencies::Role::Operator, agencies, action: ("menandatangani serah terima ini dalam kedudukan itu", "sign this handover in that capacity") };
    (rule, if role == SignAs::Sender { s.from.as_str() } else { s.to.as_str() })
}

/// Who may read shipments (vehicle plate, driver, seal numbers, the route of goods on the
/// road): the agencies that sign handovers and secure them, any role, when their scope covers
/// where the goods leave from or go to. The public keeps the counts (requirements, stock,
/// readiness) and the verification page of a printed record.
pub const READ: crate::platform::auth::Rule = crate::platform::auth::Rule {
    min_role: crate::agencies::Role::Viewer,
    agencies: &[AgencyKind::Kpu, AgencyKind::Bawaslu, AgencyKind::Polri, AgencyKind::Tni],
    action: ("membaca data pengiriman", "read shipments"),
};

/// Refuses a user who may not read this shipment (see [`READ`]).
pub fn may_read(user: &User, s: &Shipment) -> Result<(), AppError> {
    crate::platform::auth::authorize(user, READ, &s.to).or_else(|_| crate::platform::auth::authorize(user, READ, &s.from)).map(|_| ())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShipmentItem {
    pub item: String,
    pub sent: i64,
    pub received: Option<i64>,
    pub damaged: Option<i64>,
    /// received − sent, once received.
    pub difference: Option<i64>,
}

/// A received line as the audit log records it (the derived difference is left out).
#[derive(Serialize)]
struct AuditedItem<'a> {
    item: &'a str,
    sent: i64,
    received: Option<i64>,
    damaged: Option<i64>,
}

impl<'a> From<&'a ShipmentItem> for AuditedItem<'a> {
    fn from(i: &'a ShipmentItem) -> Self {
        AuditedItem { item: &i.item, sent: i.sent, received: i.received, damaged: i.damaged }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Signature {
    #[serde(rename = "as")]
    pub role: String,
    pub username: String,
    pub unit: String,
    pub agency: String,
    pub signed_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shipment {
    pub id: i64,
    pub election: String,
    pub from: String,
    pub to: String,
    /// direncanakan, dikirim or diterima.
    pub status: String,
    pub seals: Vec<String>,
    pub vehicle: String,
    pub driver: String,
    /// When it must have arrived (end of H-1 for a TPS, H-7 for a PPS, H-14 for a PPK, local time).
    pub due_at: String,
    pub planned_at: String,
    pub planned_by: String,
    pub dispatched_at: Option<String>,
    pub received_at: Option<String>,
    pub note: String,
    /// Path of the public page that confirms the record (printed as a QR code).
    pub verification: String,
    /// SHA-256 of the record as the application last wrote it.
    pub record_hash: String,
    /// SHA-256 of the photo of the goods taken on receipt, if any (at `/foto/{sha256}` for
    /// those who may read the shipment).
    pub photo_sha256: Option<String>,
    pub items: Vec<ShipmentItem>,
    pub signatures: Vec<Signature>,
    /// short, excess, damaged, late.
    pub flags: Vec<String>,
    /// How far the handover has come as an official reads it (derived, not stored):
    /// `direncanakan`, `dikirim`, `menunggu_tanda_tangan_penerima` (the goods were counted on
    /// arrival but the receiver has not signed for them) or `diterima` (counted and signed for).
    /// `status` stays the goods' step and is what `?status=` filters on.
    pub handover: String,
    /// The capacities that have not signed yet (sender, receiver, supervisor, escort).
    pub unsigned: Vec<String>,
    /// Received, signed for by all four parties: the only state in which the record is a
    /// complete handover.
    pub complete: bool,
}

/// The four parties of a handover, in the order the berita acara prints them.
pub const SIGNERS: [SignAs; 4] = [SignAs::Sender, SignAs::Receiver, SignAs::Supervisor, SignAs::Escort];

/// Where a handover stands, from the goods' step and who has signed. An arrival counted by the
/// receiving office is not yet a receipt: until the receiver signs, the goods are "diterima,
/// menunggu tanda tangan penerima", never plainly "diterima".
pub fn handover(status: &str, signatures: &[Signature]) -> &'static str {
    match status {
        PLANNED => "direncanakan",
        DISPATCHED => "dikirim",
        RECEIVED if signatures.iter().any(|g| g.role == SignAs::Receiver.as_str()) => "diterima",
        RECEIVED => "menunggu_tanda_tangan_penerima",
        _ => "tidak_dikenal",
    }
}

/// The signer capacities missing from `signatures`, in print order.
pub fn unsigned(signatures: &[Signature]) -> Vec<SignAs> {
    SIGNERS.into_iter().filter(|r| !signatures.iter().any(|g| g.role == r.as_str())).collect()
}

/// A capacity as the summary names it: "pengawas Bawaslu".
pub fn signer_name(role: SignAs) -> crate::platform::i18n::Text {
    match role {
        SignAs::Sender => crate::tr!("pengirim (KPU)", "sender (KPU)"),
        SignAs::Receiver => crate::tr!("penerima (KPU)", "receiver (KPU)"),
        SignAs::Supervisor => crate::tr!("pengawas Bawaslu", "Bawaslu supervisor"),
        SignAs::Escort => crate::tr!("pengawal Polri", "Polri escort"),
    }
}

/// "2 dari 4 tanda tangan: pengirim (KPU), penerima (KPU); belum: pengawas Bawaslu, pengawal
/// Polri" — what is and is not signed, in both languages.
pub fn signature_summary(signatures: &[Signature]) -> crate::platform::i18n::Text {
    let missing = unsigned(signatures);
    let signed: Vec<SignAs> = SIGNERS.into_iter().filter(|r| !missing.contains(r)).collect();
    let list = |roles: &[SignAs], lang| roles.iter().map(|r| signer_name(*r).get(lang).to_string()).collect::<Vec<_>>().join(", ");
    use crate::platform::i18n::Lang;
    let (n, total) = (signed.len(), SIGNERS.len());
    let part = |lang: Lang, none: &str, yet: &str, of: &str, sigs: &str| {
        let done = if signed.is_empty() { none.to_string() } else { list(&signed, lang) };
        if missing.is_empty() { format!("{n} {of} {total} {sigs}: {done}") } else { format!("{n} {of} {total} {sigs}: {done}; {yet}: {}", list(&missing, lang)) }
    };
    crate::platform::i18n::Text::new(
        part(Lang::Id, "belum ada", "belum", "dari", "tanda tangan"),
        part(Lang::En, "none", "not yet", "of", "signatures"),
    )
}

/// What the verification page may say about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The stored record differs from the fingerprint the system wrote.
    Altered,
    /// Unaltered, but not (yet) a complete handover: not received, or signatures missing.
    Incomplete,
    /// Unaltered, received, and signed by all four parties.
    Complete,
}

/// Only an unaltered, received record signed by all four parties reads as a valid handover;
/// an unaltered fingerprint alone says nothing about who signed.
pub fn verdict(s: &Shipment, intact: bool) -> Verdict {
    if !intact {
        Verdict::Altered
    } else if s.status == RECEIVED && unsigned(&s.signatures).is_empty() {
        Verdict::Complete
    } else {
        Verdict::Incomplete
    }
}

/// A shipment's status in words, both languages.
pub fn status_text(status: &str) -> Text {
    match status {
        PLANNED | DISPATCHED | RECEIVED => crate::platform::web::text(&format!("status.{status}")),
        other => Text::new(other.to_string(), other.to_string()),
    }
}

/// A discrepancy flag as the Indonesian documents and alerts say it.
/// A discrepancy flag in words.
pub fn flag_text(f: &str) -> Text {
    match f {
        "short" => crate::tr!("kurang", "short"),
        "excess" => crate::tr!("lebih", "excess"),
        "damaged" => crate::tr!("rusak", "damaged"),
        "late" => crate::tr!("terlambat", "late"),
        other => Text::new(other.to_string(), other.to_string()),
    }
}

/// The discrepancies of a shipment: what arrived against what was sent, and lateness — also
/// of one still on its way once `now` is past its deadline.
pub fn flags(items: &[ShipmentItem], due_at: &str, received_at: Option<&str>, now: &str) -> Vec<String> {
    let mut f = Vec::new();
    if items.iter().any(|i| i.received.is_some_and(|r| r < i.sent)) {
        f.push("short".to_string());
    }
    if items.iter().any(|i| i.received.is_some_and(|r| r > i.sent)) {
        f.push("excess".to_string());
    }
    if items.iter().any(|i| i.damaged.is_some_and(|d| d > 0)) {
        f.push("damaged".to_string());
    }
    if received_at.unwrap_or(now) > due_at {
        f.push("late".to_string());
    }
    f
}

const COLS: &str = "id, election_id, from_code, to_code, status, seals, vehicle, driver, due_at, planned_at, planned_by, dispatched_at, received_at, note, verify_token, record_hash, photo_sha256";

fn from_row(r: &Row) -> Result<Shipment, DbError> {
    let seals: String = r.get(5)?;
    Ok(Shipment {
        id: r.get(0)?,
        election: r.get(1)?,
        from: r.get(2)?,
        to: r.get(3)?,
        status: r.get(4)?,
        seals: serde_json::from_str(&seals).unwrap_or_default(),
        vehicle: r.get(6)?,
        driver: r.get(7)?,
        due_at: r.get(8)?,
        planned_at: r.get(9)?,
        planned_by: r.get(10)?,
        dispatched_at: r.get(11)?,
        received_at: r.get(12)?,
        note: r.get(13)?,
        verification: format!("/verifikasi/{}", r.get::<String>(14)?),
        record_hash: r.get(15)?,
        photo_sha256: r.get(16)?,
        items: Vec::new(),
        signatures: Vec::new(),
        flags: Vec::new(),
        handover: String::new(),
        unsigned: Vec::new(),
        complete: false,
    })
}

pub fn get(conn: &mut Conn, election: &str, id: i64) -> Result<Option<Shipment>, DbError> {
    let Some(r) = conn.query_opt(&format!("SELECT {COLS} FROM logistics_shipments WHERE id = $1 AND election_id = $2"), params![id, election])? else {
        return Ok(None);
    };
    complete(conn, from_row(&r)?).map(Some)
}

/// The shipment printed with this verification token, and whether the stored record still
/// matches the hash the application wrote.
pub fn by_token(conn: &mut Conn, token: &str) -> Result<Option<(Shipment, bool)>, DbError> {
    let Some(r) = conn.query_opt(&format!("SELECT {COLS} FROM logistics_shipments WHERE verify_token = $1"), params![token])? else {
        return Ok(None);
    };
    let s = complete(conn, from_row(&r)?)?;
    let intact = digest(&s) == s.record_hash;
    Ok(Some((s, intact)))
}

/// SHA-256 over every stored fact of the record (not the derived flags).
pub fn digest(s: &Shipment) -> String {
    use sha2::{Digest, Sha256};
    let items: Vec<_> = s.items.iter().map(|i| (&i.item, i.sent, i.received, i.damaged)).collect();
    let sigs: Vec<_> = s.signatures.iter().map(|g| (&g.role, &g.username, &g.unit, &g.agency, &g.signed_at)).collect();
    let mut canonical = serde_json::json!([
        s.id, s.election, s.from, s.to, s.status, s.seals, s.vehicle, s.driver, s.due_at, s.planned_at,
        s.planned_by, s.dispatched_at, s.received_at, s.note, s.verification, items, sigs
    ]);
    // The photo of the goods is a fact of the record; a record without one hashes as before.
    if let (Some(p), Some(list)) = (&s.photo_sha256, canonical.as_array_mut()) {
        list.push(serde_json::json!(p));
    }
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Stores the record's hash after a change made through the application.
fn seal(conn: &mut Conn, election: &str, id: i64) -> Result<Shipment, AppError> {
    let mut s = load_for_update(conn, election, id)?;
    s.record_hash = digest(&s);
    conn.execute("UPDATE logistics_shipments SET record_hash = $1 WHERE id = $2", params![s.record_hash.as_str(), id])?;
    Ok(s)
}

fn complete(conn: &mut Conn, mut s: Shipment) -> Result<Shipment, DbError> {
    let id = s.id;
    for r in conn.query("SELECT item, sent, received, damaged FROM logistics_shipment_items WHERE shipment_id = $1 ORDER BY item", params![id])? {
        let (sent, received): (i64, Option<i64>) = (r.get(1)?, r.get(2)?);
        s.items.push(ShipmentItem { item: r.get(0)?, sent, received, damaged: r.get(3)?, difference: received.map(|x| x - sent) });
    }
    for r in conn.query(
        "SELECT role, username, unit_name, agency, signed_at FROM logistics_signatures WHERE shipment_id = $1 ORDER BY signed_at, role",
        params![id],
    )? {
        s.signatures.push(Signature { role: r.get(0)?, username: r.get(1)?, unit: r.get(2)?, agency: r.get(3)?, signed_at: r.get(4)? });
    }
    s.flags = flags(&s.items, &s.due_at, s.received_at.as_deref(), &crate::platform::clock::now_rfc3339());
    s.handover = handover(&s.status, &s.signatures).to_string();
    s.unsigned = unsigned(&s.signatures).iter().map(|r| r.as_str().to_string()).collect();
    s.complete = s.status == RECEIVED && s.unsigned.is_empty();
    Ok(s)
}

/// Shipments from or to anywhere within `region`, newest first, optionally by status.
pub fn list(conn: &mut Conn, election: &str, region: &str, status: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<Shipment>, DbError> {
    let (lo, hi) = super::store::tps_range(region);
    let ids: Vec<i64> = conn
        .query(
            "SELECT id FROM logistics_shipments WHERE election_id = $1
               AND ((from_code >= $2 AND from_code < $3) OR from_code = $4 OR (to_code >= $2 AND to_code < $3) OR to_code = $4)
               AND ($5 = '' OR status = $5) AND id < $6
             ORDER BY id DESC LIMIT $7",
            params![election, lo, hi, region, status.unwrap_or(""), before.unwrap_or(i64::MAX), limit],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(s) = get(conn, election, id)? {
            out.push(s);
        }
    }
    Ok(out)
}

/// Plans a shipment: the goods leave the sender's stock at once, so that nothing is promised
/// twice. `at` is when (RFC 3339); the API passes the clock, the demo its own story's times.
pub fn plan(conn: &mut Conn, permit: &Permit, election: &ElectionDef, input: &PlanInput, due_at: &str, at: &str) -> Result<Shipment, AppError> {
    let catalogue = rules(conn, election.id)?;
    let on_hand = stock_at(conn, election.id, &input.from)?;
    let mut seen = std::collections::HashSet::new();
    // A line of 0 is an item not sent: the field form lists every item on hand with what the
    // destination needs, and an official clears the ones that stay.
    let lines: Vec<(usize, &ItemQty)> = input.items.iter().enumerate().filter(|(_, it)| it.qty != 0).collect();
    if lines.is_empty() {
        return Err(AppError::invalid("items", tr!("pengiriman harus memuat sedikitnya satu barang", "a shipment needs at least one item")));
    }
    for &(i, it) in &lines {
        if !catalogue.iter().any(|r| r.key == it.item) {
            let item = &it.item;
            return Err(AppError::invalid(format!("items[{i}].item"), tr!("barang \"{item}\" tidak ada dalam katalog logistik", "unknown item {item:?}")));
        }
        let name = catalogue.iter().find(|r| r.key == it.item).map_or(it.item.as_str(), |r| r.name.as_str());
        if !seen.insert(it.item.as_str()) {
            return Err(AppError::invalid(format!("items[{i}].item"), tr!("{name} tercantum dua kali", "{name} is listed twice")));
        }
        super::quantity(&format!("items[{i}].qty"), it.qty, 1)?;
        let have = on_hand.get(&it.item).map_or(0, |(good, _)| *good);
        if it.qty > have {
            let (qty, from) = (it.qty, crate::regions::store::place(conn, &input.from)?);
            return Err(AppError::invalid(
                format!("items[{i}].qty"),
                tr!(
                    "stok {name} yang baik di {from} hanya {have}; tidak dapat mengirim {qty}",
                    "only {have} {name} on hand at {from}; cannot send {qty}"
                ),
            ));
        }
    }
    let now = at;
    let id: i64 = conn
        .query_one(
            "INSERT INTO logistics_shipments (election_id, from_code, to_code, status, seals, vehicle, driver, due_at, planned_at, planned_by, note, verify_token)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11) RETURNING id",
            params![
                election.id,
                input.from.as_str(),
                input.to.as_str(),
                PLANNED,
                serde_json::to_string(&input.seals).unwrap_or_else(|_| "[]".into()),
                input.vehicle.trim(),
                input.driver.trim(),
                due_at,
                now,
                permit.username(),
                crate::platform::auth::random_hex(16)?
            ],
        )?
        .get(0)?;
    for &(_, it) in &lines {
        conn.execute("INSERT INTO logistics_shipment_items (shipment_id, item, sent) VALUES ($1, $2, $3)", params![id, it.item.as_str(), it.qty])?;
        add_stock(conn, election.id, &input.from, &it.item, -it.qty, 0)?;
    }
    audit::record(
        conn,
        permit,
        Change {
            action: "shipment.plan",
            entity_type: "shipment",
            entity_id: &id.to_string(),
            region: Some(&input.to),
            detail: serde_json::json!({"election": election.id, "from": input.from, "to": input.to, "items": lines.iter().map(|(_, it)| it).collect::<Vec<_>>(), "seals": input.seals}),
        },
    )?;
    seal(conn, election.id, id)
}

fn load_for_update(conn: &mut Conn, election: &str, id: i64) -> Result<Shipment, AppError> {
    get(conn, election, id)?.ok_or_else(|| AppError::not_found(tr!("pengiriman {id} tidak ada", "no shipment {id}")))
}

pub fn dispatch(conn: &mut Conn, permit: &Permit, election: &str, id: i64, at: &str) -> Result<Shipment, AppError> {
    let s = load_for_update(conn, election, id)?;
    if s.status != PLANNED {
        let (now_id, now_en) = (status_text(&s.status).id().to_lowercase(), status_text(&s.status).en().to_lowercase());
        return Err(AppError::conflict(tr!(
            "pengiriman {id} berstatus {now_id}, bukan direncanakan: tidak dapat diberangkatkan",
            "shipment {id} is {now_en}, not planned: it cannot be dispatched"
        )));
    }
    conn.execute("UPDATE logistics_shipments SET status = $1, dispatched_at = $2 WHERE id = $3", params![DISPATCHED, at, id])?;
    audit::record(
        conn,
        permit,
        Change { action: "shipment.dispatch", entity_type: "shipment", entity_id: &id.to_string(), region: Some(&s.to), detail: serde_json::json!({}) },
    )?;
    seal(conn, election, id)
}

/// `photo_sha256`: the photo of the goods, whose bytes the caller keeps in the blob store in
/// the same write once this accepts.
pub fn receive(conn: &mut Conn, permit: &Permit, election: &str, id: i64, input: &ReceiveInput, photo_sha256: Option<&str>, at: &str) -> Result<Shipment, AppError> {
    let s = load_for_update(conn, election, id)?;
    if s.status != DISPATCHED {
        let (now_id, now_en) = (status_text(&s.status).id().to_lowercase(), status_text(&s.status).en().to_lowercase());
        return Err(AppError::conflict(tr!(
            "pengiriman {id} berstatus {now_id}, bukan dalam perjalanan: tidak dapat diterima",
            "shipment {id} is {now_en}, not on the way: it cannot be received"
        )));
    }
    let catalogue = rules(conn, election)?;
    let name_of = |key: &str| catalogue.iter().find(|r| r.key == key).map_or_else(|| key.to_string(), |r| r.name.clone());
    for (i, it) in input.items.iter().enumerate() {
        let name = name_of(&it.item);
        if !s.items.iter().any(|x| x.item == it.item) {
            return Err(AppError::invalid(format!("items[{i}].item"), tr!("{name} tidak termasuk dalam pengiriman ini", "{name} was not in this shipment")));
        }
        if input.items[..i].iter().any(|x| x.item == it.item) {
            return Err(AppError::invalid(format!("items[{i}].item"), tr!("{name} tercantum dua kali", "{name} is listed twice")));
        }
        super::quantity(&format!("items[{i}].qty"), it.qty, 0)?;
        super::quantity(&format!("items[{i}].damaged"), it.damaged, 0)?;
        if it.damaged > it.qty {
            let (bad, got) = (it.damaged, it.qty);
            return Err(AppError::invalid(
                format!("items[{i}].damaged"),
                tr!("{name} rusak {bad} padahal yang diterima hanya {got}", "{bad} damaged of {got} received"),
            ));
        }
    }
    if let Some(missing) = s.items.iter().find(|x| !input.items.iter().any(|i| i.item == x.item)) {
        let name = name_of(&missing.item);
        return Err(AppError::invalid("items", tr!("sebutkan berapa {name} yang tiba (0 bila tidak ada)", "say how many {name} arrived (0 if none)")));
    }
    for it in &input.items {
        conn.execute(
            "UPDATE logistics_shipment_items SET received = $1, damaged = $2 WHERE shipment_id = $3 AND item = $4",
            params![it.qty, it.damaged, id, it.item.as_str()],
        )?;
        add_stock(conn, election, &s.to, &it.item, it.qty - it.damaged, it.damaged)?;
    }
    conn.execute(
        "UPDATE logistics_shipments SET status = $1, received_at = $2, note = $3, photo_sha256 = $4 WHERE id = $5",
        params![RECEIVED, at, input.note.trim(), photo_sha256, id],
    )?;
    let received = seal(conn, election, id)?;
    audit::record(
        conn,
        permit,
        Change {
            action: "shipment.receive",
            entity_type: "shipment",
            entity_id: &id.to_string(),
            region: Some(&s.to),
            detail: serde_json::json!({"items": received.items.iter().map(AuditedItem::from).collect::<Vec<_>>(), "flags": received.flags}),
        },
    )?;
    if !received.flags.is_empty() {
        let severity = if received.flags.iter().any(|f| f == "short" || f == "damaged") { Severity::Critical } else { Severity::Warning };
        // Items by their catalogue name, places by name with their code.
        let names = rules(conn, election)?;
        let name_of = |key: &str| names.iter().find(|r| r.key == key).map_or_else(|| key.to_string(), |r| r.name.clone());
        let changed: Vec<_> =
            received.items.iter().filter(|i| i.difference.is_some_and(|d| d != 0) || i.damaged.is_some_and(|d| d > 0)).collect();
        let details = |lang: Lang| {
            changed
                .iter()
                .map(|i| {
                    let (item, sent, got, bad) = (name_of(&i.item), i.sent, i.received.unwrap_or(0), i.damaged.unwrap_or(0));
                    match lang {
                        Lang::Id => format!("{item}: dikirim {sent}, diterima {got}, rusak {bad}"),
                        Lang::En => format!("{item}: sent {sent}, received {got}, damaged {bad}"),
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let flags = |lang: Lang| received.flags.iter().map(|f| flag_text(f).get(lang).to_string()).collect::<Vec<_>>().join(", ");
        let (from, to) = (crate::regions::store::place(conn, &s.from)?, crate::regions::store::place(conn, &s.to)?);
        let ((flags_id, flags_en), (details_id, details_en)) = (both(flags), both(details));
        alerts::raise(
            conn,
            NewAlert {
                kind: "logistik.selisih",
                region: &s.to,
                severity,
                entity_type: "shipment",
                entity_id: &id.to_string(),
                message: crate::tr!(
                    "Pengiriman {id} dari {from} ke {to}: {flags_id} ({details_id})",
                    "Shipment {id} from {from} to {to}: {flags_en} ({details_en})"
                ),
                agencies: &[AgencyKind::Kpu, AgencyKind::Bawaslu, AgencyKind::Polri],
                link: &format!("/logistik/pengiriman/{id}?pemilu={election}"),
            },
        )?;
    }
    Ok(received)
}

pub fn sign(conn: &mut Conn, user: &User, permit: &Permit, election: &str, id: i64, role: SignAs, at: &str) -> Result<Shipment, AppError> {
    let s = load_for_update(conn, election, id)?;
    if !open_to_sign(&s, role) {
        let (now_id, now_en) = (status_text(&s.status).id().to_lowercase(), status_text(&s.status).en().to_lowercase());
        let who = crate::platform::web::text(&format!("sign.{}", role.as_str()));
        let (who_id, who_en) = (who.id(), who.en());
        return Err(AppError::conflict(tr!(
            "pengiriman {id} berstatus {now_id}: {who_id} belum dapat menandatangani",
            "shipment {id} is {now_en}: the {who_en} cannot sign yet"
        )));
    }
    if s.signatures.iter().any(|g| g.role == role.as_str()) {
        let who = crate::platform::web::text(&format!("sign.{}", role.as_str()));
        let (who_id, who_en) = (who.id(), who.en());
        return Err(AppError::conflict(tr!(
            "{who_id} sudah menandatangani pengiriman {id}",
            "the {who_en} has already signed shipment {id}"
        )));
    }
    conn.execute(
        "INSERT INTO logistics_signatures (shipment_id, role, username, unit_name, agency, signed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![id, role.as_str(), user.username.as_str(), user.unit.name.as_str(), user.unit.agency.as_str(), at],
    )?;
    audit::record(
        conn,
        permit,
        Change {
            action: "shipment.sign",
            entity_type: "shipment",
            entity_id: &id.to_string(),
            region: Some(&s.to),
            detail: serde_json::json!({"as": role.as_str(), "unit": user.unit.name}),
        },
    )?;
    seal(conn, election, id)
}

/// The rule `/foto` asks (registered at start-up): the photo of a shipment's goods is seen by
/// those who may read that shipment, privately.
pub fn photo_rule(conn: &mut Conn, sha256: &str, user: Option<&User>) -> Result<crate::platform::blob::Seen, DbError> {
    let Some(user) = user else { return Ok(crate::platform::blob::Seen::No) };
    let rows = conn.query(&format!("SELECT {COLS} FROM logistics_shipments WHERE photo_sha256 = $1 LIMIT 50"), params![sha256])?;
    for r in &rows {
        let s = from_row(r)?;
        if may_read(user, &s).is_ok() {
            return Ok(crate::platform::blob::Seen::Privately);
        }
    }
    Ok(crate::platform::blob::Seen::No)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sent: i64, received: Option<i64>, damaged: Option<i64>) -> ShipmentItem {
        ShipmentItem { item: "x".into(), sent, received, damaged, difference: received.map(|r| r - sent) }
    }

    fn sig(role: SignAs) -> Signature {
        Signature { role: role.as_str().into(), username: "u".into(), unit: "unit".into(), agency: "kpu".into(), signed_at: "2024-11-25T03:00:00Z".into() }
    }

    fn shipment(status: &str, signed: &[SignAs]) -> Shipment {
        let signatures: Vec<Signature> = signed.iter().map(|r| sig(*r)).collect();
        Shipment {
            id: 1, election: "e".into(), from: "a".into(), to: "b".into(), status: status.into(), seals: vec![], vehicle: String::new(),
            driver: String::new(), due_at: String::new(), planned_at: String::new(), planned_by: String::new(), dispatched_at: None,
            received_at: None, note: String::new(), verification: String::new(), record_hash: String::new(), photo_sha256: None, items: vec![],
            handover: handover(status, &signatures).into(), unsigned: vec![], complete: false, signatures, flags: vec![],
        }
    }

    #[test]
    fn arrival_is_not_receipt_until_the_receiver_signs() {
        use SignAs::*;
        assert_eq!(handover(DISPATCHED, &[sig(Sender), sig(Supervisor)]), "dikirim");
        assert_eq!(handover(RECEIVED, &[sig(Sender), sig(Supervisor), sig(Escort)]), "menunggu_tanda_tangan_penerima");
        assert_eq!(handover(RECEIVED, &[sig(Receiver)]), "diterima");
        assert_eq!(unsigned(&[sig(Receiver), sig(Escort)]), [Sender, Supervisor]);
    }

    #[test]
    fn the_summary_says_what_is_and_is_not_signed() {
        use SignAs::*;
        let s = signature_summary(&[sig(Receiver), sig(Sender)]);
        assert_eq!(s.id(), "2 dari 4 tanda tangan: pengirim (KPU), penerima (KPU); belum: pengawas Bawaslu, pengawal Polri");
        assert_eq!(s.en(), "2 of 4 signatures: sender (KPU), receiver (KPU); not yet: Bawaslu supervisor, Polri escort");
        assert_eq!(signature_summary(&[]).id(), "0 dari 4 tanda tangan: belum ada; belum: pengirim (KPU), penerima (KPU), pengawas Bawaslu, pengawal Polri");
        assert_eq!(signature_summary(&[sig(Sender), sig(Receiver), sig(Supervisor), sig(Escort)]).id(), "4 dari 4 tanda tangan: pengirim (KPU), penerima (KPU), pengawas Bawaslu, pengawal Polri");
    }

    #[test]
    fn only_a_received_fully_signed_unaltered_record_is_complete() {
        use SignAs::*;
        let all = [Sender, Receiver, Supervisor, Escort];
        assert_eq!(verdict(&shipment(RECEIVED, &all), true), Verdict::Complete);
        assert_eq!(verdict(&shipment(RECEIVED, &all), false), Verdict::Altered);
        assert_eq!(verdict(&shipment(RECEIVED, &[]), true), Verdict::Incomplete, "0 of 4 is not genuine-and-valid");
        assert_eq!(verdict(&shipment(RECEIVED, &[Sender, Supervisor, Escort]), true), Verdict::Incomplete);
        assert_eq!(verdict(&shipment(DISPATCHED, &[Sender, Supervisor, Escort]), true), Verdict::Incomplete);
    }

    #[test]
    fn discrepancies_are_flagged() {
        let due = "2024-11-26T16:59:59Z";
        let before = "2024-11-20T00:00:00Z";
        assert!(flags(&[item(10, None, None)], due, None, before).is_empty(), "nothing to say before the deadline");
        assert_eq!(flags(&[item(10, None, None)], due, None, "2024-11-27T00:00:00Z"), ["late"], "still on the road after it");
        assert!(flags(&[item(10, Some(10), Some(0))], due, Some("2024-11-25T01:00:00Z"), "2024-12-01T00:00:00Z").is_empty());
        assert_eq!(flags(&[item(10, Some(8), Some(0))], due, Some("2024-11-25T01:00:00Z"), before), ["short"]);
        assert_eq!(flags(&[item(10, Some(12), Some(1))], due, Some("2024-11-26T17:00:00Z"), before), ["excess", "damaged", "late"]);
    }
}

/// Shipments from or to anywhere within `region` that are late (past their deadline without
/// arriving, or arrived after it) and that arrived with a difference (short, excess, damaged):
/// the two counts a region's leaders watch, without loading each shipment.
pub fn troubles(conn: &mut Conn, election: &str, region: &str, now: &str) -> Result<(i64, i64), DbError> {
    let (lo, hi) = super::store::tps_range(region);
    let r = conn.query_one(
        "SELECT
           COALESCE(SUM(CASE WHEN COALESCE(s.received_at, $5) > s.due_at THEN 1 ELSE 0 END), 0),
           COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM logistics_shipment_items i WHERE i.shipment_id = s.id
                  AND (i.received <> i.sent OR COALESCE(i.damaged, 0) > 0)) THEN 1 ELSE 0 END), 0)
         FROM logistics_shipments s WHERE s.election_id = $1
           AND ((s.from_code >= $2 AND s.from_code < $3) OR s.from_code = $4 OR (s.to_code >= $2 AND s.to_code < $3) OR s.to_code = $4)",
        params![election, lo, hi, region, now],
    )?;
    Ok((r.get::<i64>(0)?, r.get::<i64>(1)?))
}
