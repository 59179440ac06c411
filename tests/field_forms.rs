//! The field forms of logistics, kerawanan/personel and laporan (/lapangan/…), server side,
//! on the demo: each page renders for the right role in scope with places by name; the JSON
//! body the form builds (serialised here as FIELD.md says app.js does) is accepted by the API
//! its `data-api` names; and refusals (out of scope, bad counts) come back in Indonesian
//! naming the field.

mod common;

use common::{TestApp, TestDb, add_user, error_of};
use serde_json::{Map, Value, json};

const PW: &str = "sinergi-demo";
const E: &str = "pilkada-2024";

/// One field of a field form as the page rendered it.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    value: String,
    /// "int", "bool" or "" (a string).
    dtype: String,
    checkbox: bool,
    checked: bool,
}

/// A `<form class="lapangan">` read out of a page: where it sends, how, and its fields.
#[derive(Debug, Clone)]
struct FieldForm {
    api: String,
    method: String,
    title: String,
    fields: Vec<Field>,
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The attributes of one start tag (`<input a="b" c>`): name → value ("" for a bare one).
fn attrs(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag.trim_start_matches('<');
    rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('>') || rest.starts_with("/>") {
            break;
        }
        let end = rest.find(|c: char| c == '=' || c.is_whitespace() || c == '>').unwrap_or(rest.len());
        let name = rest[..end].to_string();
        rest = &rest[end..];
        if let Some(r) = rest.strip_prefix("=\"") {
            let close = r.find('"').expect("closing quote");
            out.push((name, unescape(&r[..close])));
            rest = &r[close + 1..];
        } else {
            out.push((name, String::new()));
        }
    }
    out
}

fn attr<'a>(a: &'a [(String, String)], name: &str) -> Option<&'a str> {
    a.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The field form in the section with element id `id` in `html`.
fn form(html: &str, id: &str) -> FieldForm {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no form #{id} in the page: {html}"));
    let start = at + html[at..].find("<form").expect("<form");
    let end = start + html[start..].find("</form>").expect("</form>");
    let part = &html[start..end];
    let head = &part[..part.find('>').expect(">") + 1];
    let a = attrs(head);
    assert!(attr(&a, "class").is_some_and(|c| c.split(' ').any(|c| c == "lapangan")), "#{id} is a field form: {head}");
    let mut fields = Vec::new();
    let mut i = 0;
    while let Some(off) = part[i..].find('<') {
        let s = i + off;
        let tag_end = s + part[s..].find('>').expect(">") + 1;
        let tag = &part[s..tag_end];
        let a = attrs(tag);
        let name = attr(&a, "name").map(str::to_string);
        let dtype = attr(&a, "data-type").unwrap_or("").to_string();
        if tag.starts_with("<input") {
            if let Some(name) = name {
                let checkbox = attr(&a, "type") == Some("checkbox");
                fields.push(Field { name, value: attr(&a, "value").unwrap_or("").to_string(), dtype, checkbox, checked: attr(&a, "checked").is_some() });
            }
        } else if tag.starts_with("<textarea") {
            let close = tag_end + part[tag_end..].find("</textarea>").expect("</textarea>");
            if let Some(name) = name {
                fields.push(Field { name, value: unescape(&part[tag_end..close]), dtype, checkbox: false, checked: false });
            }
        } else if tag.starts_with("<select") {
            let close = tag_end + part[tag_end..].find("</select>").expect("</select>");
            let options: Vec<Vec<(String, String)>> = part[tag_end..close].split("<option").skip(1).map(|o| attrs(&format!("<option{}", &o[..o.find('>').unwrap_or(o.len()) + 1]))).collect();
            let chosen = options.iter().find(|o| attr(o, "selected").is_some()).or(options.first());
            if let Some(name) = name {
                fields.push(Field { name, value: chosen.and_then(|o| attr(o, "value")).unwrap_or("").to_string(), dtype, checkbox: false, checked: false });
            }
        }
        i = tag_end;
    }
    FieldForm {
        api: attr(&a, "data-api").expect("data-api").to_string(),
        method: attr(&a, "data-method").expect("data-method").to_string(),
        title: attr(&a, "data-title").expect("data-title").to_string(),
        fields,
    }
}

impl FieldForm {
    fn set(&mut self, name: &str, value: &str) -> &mut Self {
        let f = self.fields.iter_mut().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"));
        f.value = value.to_string();
        self
    }

    fn check(&mut self, name: &str, on: bool) -> &mut Self {
        let f = self.fields.iter_mut().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"));
        f.checked = on;
        self
    }

    fn value(&self, name: &str) -> &str {
        &self.fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}")).value
    }

    /// The JSON body app.js builds (FIELD.md): dot paths, a numeric segment makes an array,
    /// `int` → number (empty: left out), `bool` → true/false, other empty values left out.
    fn body(&self) -> Value {
        let mut root = Value::Object(Map::new());
        for f in &self.fields {
            let v = if f.dtype == "bool" {
                Value::Bool(f.checked)
            } else if f.checkbox {
                // A checked box without data-type adds its value to a list (as app.js does).
                if f.checked {
                    let mut list = root.pointer(&format!("/{}", f.name.replace('.', "/"))).and_then(|v| v.as_array().cloned()).unwrap_or_default();
                    list.push(Value::String(f.value.clone()));
                    Value::Array(list)
                } else {
                    continue;
                }
            } else if f.value.is_empty() {
                continue;
            } else if f.dtype == "int" {
                json!(f.value.parse::<i64>().unwrap_or_else(|_| panic!("{} is not a whole number: {}", f.name, f.value)))
            } else {
                Value::String(f.value.clone())
            };
            let segs: Vec<&str> = f.name.split('.').collect();
            let mut at = &mut root;
            for (n, seg) in segs.iter().enumerate() {
                let last = n == segs.len() - 1;
                let next_is_index = segs.get(n + 1).is_some_and(|s| s.parse::<usize>().is_ok());
                let fresh = || if next_is_index { Value::Array(vec![]) } else { Value::Object(Map::new()) };
                at = match seg.parse::<usize>() {
                    Ok(i) => {
                        let arr = at.as_array_mut().expect("array");
                        while arr.len() <= i {
                            arr.push(Value::Null);
                        }
                        if last {
                            arr[i] = v.clone();
                        } else if arr[i].is_null() {
                            arr[i] = fresh();
                        }
                        &mut arr[i]
                    }
                    Err(_) => {
                        let obj = at.as_object_mut().expect("object");
                        if last {
                            obj.insert(seg.to_string(), v.clone());
                        } else if !obj.contains_key(*seg) {
                            obj.insert(seg.to_string(), fresh());
                        }
                        obj.get_mut(*seg).expect("just set")
                    }
                };
            }
        }
        root
    }

    /// Sends the body as app.js does (Accept-Language id, an Idempotency-Key).
    fn send(&self, app: &TestApp, token: &str) -> (u16, Value) {
        let key = format!("test-{}-{}", self.api.len(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        app.call(&self.method, &self.api, Some(token), &[("Accept-Language", "id"), ("Idempotency-Key", &key)], Some(self.body().to_string().as_bytes()))
    }
}

fn page(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let (s, _, html) = app.get_text(path, Some(&format!("sinergi_session={token}")));
    (s, html)
}

/// An Indonesian refusal naming its field.
fn refused_in_indonesian(status: u16, body: &Value, want: u16, field: &str) -> String {
    assert_eq!(status, want, "{body}");
    let (_, f) = error_of(body);
    if want == 422 {
        assert_eq!(f.as_deref(), Some(field), "{body}");
    }
    let msg = body["error"]["message"].as_str().unwrap_or_default().to_string();
    for english in [" is ", " must ", " the ", " not "] {
        assert!(!msg.contains(english), "English in an Indonesian refusal: {msg}");
    }
    msg
}

fn demo(db: &TestDb) -> TestApp {
    TestApp::spawn_env(db, &["--demo"], &[("SINERGI_CLOCK", "2024-11-25T10:00:00+07:00")])
}

fn logistics_forms(db: &TestDb) {
    let app = demo(db);
    // The PPK of Kranggan, where shipment 3 from the regency warehouse is on its way.
    add_user(db, "ppk.kranggan", "kpu", "35.76.03", "operator", "kranggan-lapangan-2024");
    let ppk = app.login("ppk.kranggan", "kranggan-lapangan-2024");

    let (s, home) = page(&app, &format!("/lapangan/logistik?pemilu={E}"), &ppk);
    assert_eq!(s, 200, "{home}");
    assert!(home.contains("Logistik Kranggan"), "the unit's place by name: {home}");
    let to_receive = &home[home.find("id=\"to-receive\"").expect("to receive")..];
    assert!(to_receive[..to_receive.find("</ul>").unwrap_or(0)].contains("data-shipment=\"3\""), "shipment 3 waits to be received: {home}");
    assert!(to_receive.contains("Kota Mojokerto → Kranggan"), "by names, not codes");

    // Receive: the counts are prefilled with what was sent; one item short, one damaged.
    let (s, ship) = page(&app, &format!("/lapangan/logistik/3?pemilu={E}"), &ppk);
    assert_eq!(s, 200);
    assert!(ship.contains("Surat suara Gubernur dan Wakil Gubernur"), "items by the catalogue's names");
    let mut receive = form(&ship, "receive");
    assert_eq!(receive.api, format!("/api/v1/elections/{E}/logistics/shipments/3/receive"));
    assert_eq!(receive.method, "POST");
    assert!(receive.title.contains("Kranggan"), "{}", receive.title);
    let (_, before) = app.get(&format!("/api/v1/elections/{E}/logistics/shipments/3"), Some(&ppk));
    let sent = before["items"][0]["sent"].as_i64().expect("sent");
    assert_eq!(receive.value("items.0.qty"), sent.to_string(), "prefilled from what was sent");
    assert_eq!(receive.value("items.0.item"), before["items"][0]["item"].as_str().unwrap_or_default());

    // Bad counts: more damaged than arrived, refused naming the line.
    let mut bad = receive.clone();
    bad.set("items.0.qty", "5").set("items.0.damaged", "6");
    let (s, e) = bad.send(&app, &ppk);
    let msg = refused_in_indonesian(s, &e, 422, "items[0].damaged");
    assert!(msg.contains("rusak 6"), "{msg}");
    // Out of scope: the PPK of Magersari cannot receive Kranggan's goods.
    let magersari = app.login("ppk.magersari", PW);
    let (s, e) = receive.send(&app, &magersari);
    let msg = refused_in_indonesian(s, &e, 403, "");
    assert!(msg.contains("Kranggan"), "the refusal names the place: {msg}");

    receive.set("items.0.qty", &(sent - 2).to_string()).set("items.1.damaged", "1");
    // With a photo of the goods (app.js puts the chosen, downscaled image in `photo`).
    assert!(ship.contains("data-photo-one=\"photo\""), "an optional photo of the goods");
    let mut with_photo = receive.body();
    with_photo["photo"] = json!("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
    let (s, got) = app.call(&receive.method, &receive.api, Some(&ppk), &[("Accept-Language", "id"), ("Idempotency-Key", "terima-3")], Some(with_photo.to_string().as_bytes()));
    assert_eq!(s, 200, "{got}");
    let sha = got["photo_sha256"].as_str().expect("the photo is kept").to_string();
    assert_eq!(got["items"][0]["received"], json!(sent - 2));
    let flags = got["flags"].as_array().expect("flags");
    assert!(flags.contains(&json!("short")) && flags.contains(&json!("damaged")), "shortage and damage marked: {got}");

    // Sign: the receiver's own signature only (the sender and escort signed; the supervisor's
    // is Bawaslu's).
    let (_, ship) = page(&app, &format!("/lapangan/logistik/3?pemilu={E}"), &ppk);
    assert!(!ship.contains("id=\"receive\""), "received once");
    assert!(ship.contains(&format!("/foto/{sha}/kecil")), "the photo of the goods on the shipment's page");
    assert!(ship.contains("id=\"sign-receiver\"") && !ship.contains("id=\"sign-supervisor\"") && !ship.contains("id=\"sign-sender\""));
    let sign = form(&ship, "sign-receiver");
    assert_eq!(sign.body(), json!({"as": "receiver"}));
    let (s, signed) = sign.send(&app, &ppk);
    assert_eq!(s, 200, "{signed}");
    assert_eq!(signed["handover"], "diterima");
    let bawaslu = app.login("bawaslu.kotamojokerto", PW);
    let (_, ship) = page(&app, &format!("/lapangan/logistik/3?pemilu={E}"), &bawaslu);
    assert!(ship.contains("id=\"sign-supervisor\"") && !ship.contains("id=\"sign-receiver\""), "Bawaslu signs as the supervisor only");

    // Stock arrived; plan a shipment to a village picked by name, prefilled, then dispatch it.
    let (_, home) = page(&app, &format!("/lapangan/logistik?pemilu={E}"), &ppk);
    assert!(home.contains("id=\"stock\"") && home.contains("Kotak suara"), "stock at Kranggan by item name");
    let (s, pick) = page(&app, &format!("/lapangan/logistik/rencana?pemilu={E}"), &ppk);
    assert_eq!(s, 200);
    let select = &pick[pick.find("id=\"ke\"").expect("destination select")..];
    let first = &select[select.find("value=\"").expect("option") + 7..];
    let village = first[..first.find('"').expect("quote")].to_string();
    assert!(village.starts_with("35.76.03."), "a village of Kranggan: {village}");
    assert!(!select[..select.find("</select>").unwrap_or(0)].contains(&format!(">{village}<")), "options are names, not codes");
    let (s, planned) = page(&app, &format!("/lapangan/logistik/rencana?pemilu={E}&ke={village}"), &ppk);
    assert_eq!(s, 200);
    let mut plan = form(&planned, "plan");
    assert_eq!((plan.value("from"), plan.value("to")), ("35.76.03", village.as_str()));
    plan.set("vehicle", "S 1234 AB").set("seals.0", "KPU-3576-0001");
    // Zero lines are items not sent.
    plan.set("items.0.qty", "0");
    let (s, made) = plan.send(&app, &ppk);
    assert_eq!(s, 201, "{made}");
    assert!(made["items"].as_array().is_some_and(|i| !i.is_empty()));
    let sid = made["id"].as_i64().expect("id");
    let mut over = plan.clone();
    over.set("items.1.qty", "999999999");
    let (s, e) = over.send(&app, &ppk);
    let msg = refused_in_indonesian(s, &e, 422, "items[1].qty");
    assert!(msg.contains("stok") && msg.contains("Kranggan"), "{msg}");
    let (_, ship) = page(&app, &format!("/lapangan/logistik/{sid}?pemilu={E}"), &ppk);
    let dispatch = form(&ship, "dispatch");
    let (s, gone) = dispatch.send(&app, &ppk);
    assert_eq!((s, gone["status"].as_str()), (200, Some("dikirim")), "{gone}");

    // TPS readiness at H-1: per item what is needed and what is there, by name.
    let kpu = app.login("kpu.kotamojokerto", PW);
    let tps = "35.76.02.1008.001";
    let (s, ready) = page(&app, &format!("/lapangan/logistik/tps/{tps}?pemilu={E}"), &kpu);
    assert_eq!(s, 200, "{ready}");
    assert!(ready.contains("TPS 001 Balongsari") && ready.contains("id=\"readiness\"") && ready.contains("Bilik suara"), "{ready}");
    let mut arrived = form(&ready, "arrived-0");
    assert_eq!(arrived.api, format!("/api/v1/elections/{E}/logistics/receipts"));
    arrived.set("qty", "3");
    let (s, line) = arrived.send(&app, &kpu);
    assert_eq!(s, 201, "{line}");
    let (_, stock) = app.get(&format!("/api/v1/elections/{E}/logistics/stock?region={tps}"), None);
    let item = arrived.value("item").to_string();
    assert!(stock["items"].as_array().is_some_and(|l| l.iter().any(|i| i["item"] == item.as_str())), "the TPS holds it: {stock}");
    let (s, e) = arrived.send(&app, &app.login("kpu.jombang", PW));
    refused_in_indonesian(s, &e, 403, "");
    let mut nowhere = arrived.clone();
    nowhere.set("region", "35.76.02.1008.999");
    let (s, e) = nowhere.send(&app, &kpu);
    refused_in_indonesian(s, &e, 422, "region");
    // Bawaslu reads readiness but records no arrival.
    let (s, ready) = page(&app, &format!("/lapangan/logistik/tps/{tps}?pemilu={E}"), &bawaslu);
    assert_eq!(s, 200);
    assert!(!ready.contains("id=\"arrived-0\""));
    // Out of scope: Jombang's KPU does not see Mojokerto's TPS.
    let (s, _) = page(&app, &format!("/lapangan/logistik/tps/{tps}?pemilu={E}"), &app.login("kpu.jombang", PW));
    assert_eq!(s, 403);
}

fn vulnerability_forms(db: &TestDb) {
    let app = demo(db);
    let panwascam = app.login("panwascam.magersari", PW);
    let tps = "35.76.02.1008.001";
    let (s, pick) = page(&app, &format!("/lapangan/rawan?pemilu={E}"), &panwascam);
    assert_eq!(s, 200, "{pick}");
    assert!(pick.contains("data-picker") && pick.contains("data-within=\"35.76.02\"") && pick.contains("data-accept=\"tps\""), "a TPS picked by name within the district: {pick}");
    // A typed code still opens its form.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).max_idle_connections(0).build().into();
    let resp = agent.get(&app.url(&format!("/lapangan/rawan?pemilu={E}&kode=35.76.02.1008.001"))).header("Cookie", &format!("sinergi_session={panwascam}")).call().expect("GET");
    let to = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!((resp.status().as_u16(), to.as_str()), (303, "/lapangan/rawan/35.76.02.1008.001?pemilu=pilkada-2024"));
    let (s, page_) = page(&app, &format!("/lapangan/rawan/{tps}?pemilu={E}"), &panwascam);
    assert_eq!(s, 200, "{page_}");
    assert!(page_.contains("Riwayat kekerasan dan/atau intimidasi"), "indicators by their Indonesian labels");
    let mut f = form(&page_, "rawan");
    let mut want: Vec<String> = f.fields.iter().filter(|x| x.checked).map(|x| x.name.trim_start_matches("indicators.").to_string()).collect();
    want.extend(["kekerasan_intimidasi".to_string(), "politik_uang".to_string()]);
    want.sort();
    want.dedup();
    assert_eq!((f.api.as_str(), f.method.as_str()), (format!("/api/v1/elections/{E}/vulnerability/tps/{tps}").as_str(), "PUT"));
    f.check("indicators.kekerasan_intimidasi", true).check("indicators.politik_uang", true).set("note", "Riwayat bentrok 2019");
    let (s, obs) = f.send(&app, &panwascam);
    assert_eq!(s, 200, "{obs}");
    let mut got: Vec<String> = obs["indicators"].as_array().expect("list").iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
    got.sort();
    assert_eq!(got, want, "what was recorded, with the two ticked");
    let (_, again) = page(&app, &format!("/lapangan/rawan/{tps}?pemilu={E}"), &panwascam);
    assert!(form(&again, "rawan").fields.iter().any(|x| x.name == "indicators.politik_uang" && x.checked), "recorded indicators come back ticked");
    // Out of scope: a Jombang TPS.
    let far = "35.17.01.2001.001";
    let (s, _) = page(&app, &format!("/lapangan/rawan/{far}?pemilu={E}"), &panwascam);
    assert_eq!(s, 403);
    let (s, e) = app.call("PUT", &format!("/api/v1/elections/{E}/vulnerability/tps/{far}"), Some(&panwascam), &[("Accept-Language", "id")], Some(f.body().to_string().as_bytes()));
    refused_in_indonesian(s, &e, 403, "");

    // Personnel: the Polres all three counts, the Kodim its TNI count only.
    let polres = app.login("polres.kotamojokerto", PW);
    let (s, p) = page(&app, &format!("/lapangan/personel?pemilu={E}"), &polres);
    assert_eq!(s, 200, "{p}");
    assert!(p.contains("Kota Mojokerto") && p.contains("Magersari"), "the area and its districts by name");
    let mut f = form(&p, "personel");
    f.set("polri", "120").set("tni", "30").set("linmas", "400");
    let (s, v) = f.send(&app, &polres);
    assert_eq!((s, v.clone()), (200, json!({"polri": 120, "tni": 30, "linmas": 400})));
    let mut bad = f.clone();
    bad.set("polri", "-1");
    let (s, e) = bad.send(&app, &polres);
    refused_in_indonesian(s, &e, 422, "polri");
    let kodim = app.login("kodim.kotamojokerto", PW);
    let (s, p) = page(&app, &format!("/lapangan/personel?pemilu={E}"), &kodim);
    assert_eq!(s, 200, "{p}");
    let mut f = form(&p, "personel");
    assert!(f.fields.iter().all(|x| x.name == "tni"), "the Kodim enters TNI only: {:?}", f.fields);
    assert_eq!(f.value("tni"), "30", "prefilled with what is recorded");
    f.set("tni", "45");
    let (s, v) = f.send(&app, &kodim);
    assert_eq!((s, v.clone()), (200, json!({"polri": 120, "tni": 45, "linmas": 400})), "the Polri and Linmas counts stay");
    let (s, e) = app.call("PUT", &f.api, Some(&kodim), &[("Accept-Language", "id")], Some(br#"{"polri": 5}"#));
    let msg = refused_in_indonesian(s, &e, 422, "polri");
    assert!(msg.contains("TNI"), "{msg}");
    let (s, e) = app.call("PUT", &format!("/api/v1/elections/{E}/security/personnel/35.17"), Some(&polres), &[("Accept-Language", "id")], Some(f.body().to_string().as_bytes()));
    refused_in_indonesian(s, &e, 403, "");
}

fn report_forms(db: &TestDb) {
    let app = demo(db);
    let panwascam = app.login("panwascam.magersari", PW);
    let (s, p) = page(&app, &format!("/lapangan/temuan?pemilu={E}"), &panwascam);
    assert_eq!(s, 200, "{p}");
    assert!(p.contains("data-picker") && p.contains("data-within=\"35.76.02\"") && p.contains("data-accept=\"village,tps\""), "the place picker within the unit's district: {p}");
    let mut f = form(&p, "temuan");
    assert_eq!((f.api.as_str(), f.method.as_str()), ("/api/v1/findings", "POST"));
    f.set("region", "35.76.02.1008.001")
        .set("reported", "Tim sukses paslon 2")
        .set("event_at", "2024-11-25T08:00")
        .set("known_at", "2024-11-25T08:30")
        .set("place", "Depan TPS 001 Balongsari")
        .set("description", "Pembagian amplop kepada pemilih yang antre.")
        .set("witnesses.0", "Siti");
    let (s, made) = f.send(&app, &panwascam);
    assert_eq!(s, 201, "{made}");
    let (_, case) = app.get(&format!("/api/v1/reports/{}", made["id"]), Some(&panwascam));
    assert_eq!(case["kind"], "temuan", "{case}");
    assert!(case["event_at"].as_str() == Some("2024-11-25T08:00:00+07:00"), "the phone's local time read as WIB: {case}");
    // Bad times and places, refused naming the field.
    let mut bad = f.clone();
    bad.set("known_at", "2024-11-25T07:00");
    let (s, e) = bad.send(&app, &panwascam);
    refused_in_indonesian(s, &e, 422, "known_at");
    let mut far = f.clone();
    far.set("region", "35.17.01.2001");
    let (s, e) = far.send(&app, &panwascam);
    refused_in_indonesian(s, &e, 403, "");
    // KPU does not record findings.
    let (s, _) = page(&app, &format!("/lapangan/temuan?pemilu={E}"), &app.login("ppk.magersari", PW));
    assert_eq!(s, 403);

    // The citizen's report from the app (linked from the public form): no login, anonymous
    // allowed.
    let (_, _, public) = app.get_text("/lapor", None);
    assert!(public.contains("href=\"/lapangan/lapor\""), "the public form links to the app's");
    let (s, _, p) = app.get_text(&format!("/lapangan/lapor?pemilu={E}&wilayah=35.76.02.1008"), None);
    assert_eq!(s, 200, "{p}");
    let mut f = form(&p, "lapor");
    assert_eq!((f.api.as_str(), f.method.as_str()), ("/api/v1/reports", "POST"));
    f.set("region", "35.76.02.1008")
        .set("reported", "Kepala desa")
        .set("event_at", "2024-11-24T19:00")
        .set("known_at", "2024-11-24T19:00")
        .set("place", "Balai desa")
        .set("description", "Kepala desa mengajak warga memilih salah satu pasangan calon.");
    assert!(f.body().get("reporter").is_none(), "anonymous: no reporter");
    let (s, made) = app.call("POST", &f.api, None, &[("Accept-Language", "id"), ("Idempotency-Key", "lapor-1")], Some(f.body().to_string().as_bytes()));
    assert_eq!(s, 201, "{made}");
    assert!(made["receipt"].as_str().is_some_and(|r| !r.is_empty()), "{made}");
    let mut bad = f.clone();
    bad.set("region", "35.76.02");
    let (s, e) = app.call("POST", &f.api, None, &[("Accept-Language", "id"), ("Idempotency-Key", "lapor-2")], Some(bad.body().to_string().as_bytes()));
    refused_in_indonesian(s, &e, 422, "region");
}

/// The field home lists each role's forms from these modules, by name.
fn home_tasks(db: &TestDb) {
    let app = demo(db);
    add_user(db, "ppk.kranggan", "kpu", "35.76.03", "operator", "kranggan-lapangan-2024");
    let home = |user: &str, pw: &str| page(&app, "/lapangan", &app.login(user, pw)).1;
    let h = home("ppk.kranggan", "kranggan-lapangan-2024");
    assert!(h.contains("Penerimaan logistik") && h.contains("BA-3: Kota Mojokerto → Kranggan") && h.contains("Terima barang"), "{h}");
    assert!(h.contains("href=\"/lapangan/logistik/3?pemilu=pilkada-2024\""), "{h}");
    let h = home("kpps.balongsari", PW);
    assert!(h.contains("Kesiapan logistik TPS 001 Balongsari (H-1)") && h.contains("/lapangan/logistik/tps/35.76.02.1008.001"), "{h}");
    let h = home("ptps.balongsari", PW);
    assert!(h.contains("Kerawanan TPS 001 Balongsari") && h.contains("/lapangan/rawan/35.76.02.1008.001"), "{h}");
    assert!(h.contains("Catat temuan"), "{h}");
    let h = home("pkd.balongsari", PW);
    assert!(h.contains("Kerawanan TPS") && h.contains("href=\"/lapangan/temuan\""), "{h}");
    let h = home("polsek.magersari", PW);
    assert!(h.contains("Personel pengamanan") && h.contains("href=\"/lapangan/personel\""), "{h}");
    let h = home("koramil.magersari", PW);
    assert!(h.contains("href=\"/lapangan/personel\""), "{h}");
    let h = home("polres.kotamojokerto", PW);
    assert!(h.contains("Tanda tangani berita acara") || h.contains("Personel pengamanan"), "{h}");
}

on_both_engines!(logistics_forms, vulnerability_forms, report_forms, home_tasks);
