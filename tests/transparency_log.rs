//! The public results log through the real server and CLI, on SQLite and PostgreSQL: an
//! accepted C.Hasil becomes a leaf whose inclusion proof verifies against the signed checkpoint
//! (signature checked with the published key), the tiles rebuild the root, `sinergi log verify`
//! names an altered leaf or checkpoint, and a restored older database is not signed until an
//! operator acknowledges it (the acknowledgement is an audit entry). Each checkpoint also signs
//! the audit chain's head, so a rewritten audit history that still verifies as a chain is caught
//! by `sinergi audit verify`, through the stored checkpoints or one an observer kept. On
//! PostgreSQL several servers share the log: one sequences the queued leaves and signs, and
//! another takes over when it dies.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{TestApp, TestDb, add_user, cli, error_of, restore, snapshot, stderr, stdout};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const PW: &str = "rahasia-123";
const VILLAGE: &str = "35.76.02.1008";

fn setup(db: &TestDb) -> TestApp {
    setup_tps(db, 4)
}

/// `tps` TPS in the village and the two operators, then the server.
fn setup_tps(db: &TestDb, tps: usize) -> TestApp {
    prepare_tps(db, tps);
    TestApp::spawn(db)
}

/// The four TPS of the village and the two operators, before the server starts.
fn prepare(db: &TestDb) {
    prepare_tps(db, 4);
}

fn prepare_tps(db: &TestDb, tps: usize) {
    let mut csv = String::from("code,address,dpt,lat,lon\n");
    for n in 1..=tps {
        csv.push_str(&format!("{VILLAGE}.{n:03},Jl. Contoh,250,,\n"));
    }
    let file = db.dir().join("tps.csv");
    std::fs::write(&file, csv).expect("write tps");
    let o = cli(db, &["import", "tps", "--election", "pemilu-2024", file.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    add_user(db, "kpps.a", "kpu", "35.76.02", "operator", PW);
    add_user(db, "ptps", "bawaslu", "35.76", "operator", PW);
}

fn tally(source: &str, v: [i64; 3]) -> Value {
    common::presiden_form(source, v, 3)
}

fn submit(app: &TestApp, token: &str, tps: &str, body: &Value) {
    let (s, v) = app.put(&format!("/api/v1/elections/pemilu-2024/results/{tps}/presiden"), Some(token), body);
    assert_eq!(s, 200, "{v}");
}

/// GET with no login, answering the status, the raw bytes and the Cache-Control header.
fn get_raw(app: &TestApp, path: &str) -> (u16, Vec<u8>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(&app.url(path)).call().expect("GET");
    let cache = resp.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (resp.status().as_u16(), resp.body_mut().read_to_vec().expect("body"), cache)
}

/// The checkpoint's body parsed: (origin, size, root).
fn parse_checkpoint(note: &str) -> (String, u64, [u8; 32]) {
    let mut lines = note.lines();
    let origin = lines.next().expect("origin").to_string();
    let size = lines.next().and_then(|l| l.parse().ok()).expect("size");
    let root = STANDARD.decode(lines.next().expect("root")).expect("base64 root");
    (origin, size, root.try_into().expect("32 bytes"))
}

/// Waits (up to 10 s) for a signed checkpoint of at least `size` leaves; returns its note.
fn checkpoint_of(app: &TestApp, size: u64) -> String {
    let start = Instant::now();
    loop {
        let (s, body, cache) = get_raw(app, "/log/checkpoint");
        if s == 200 {
            let note = String::from_utf8(body).expect("utf-8 note");
            assert_eq!(cache, "public, max-age=1");
            if parse_checkpoint(&note).1 >= size {
                return note;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no checkpoint of {size} leaves after 10 s (status {s})");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn leaf_hash(data: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update([0u8]).chain_update(data).finalize().into()
}

fn node_hash(l: &[u8], r: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update([1u8]).chain_update(l).chain_update(r).finalize().into()
}

/// RFC 9162 §2.1.3.2, written here apart from the server's library.
fn inclusion_verifies(index: u64, size: u64, leaf: &[u8], proof: &[[u8; 32]], root: &[u8; 32]) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s, mut r) = (index, size - 1, leaf_hash(leaf));
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && &r == root
}

/// RFC 6962 §2.1's root of a list of leaf hashes.
fn root_of(hashes: &[[u8; 32]]) -> [u8; 32] {
    match hashes.len() {
        0 => Sha256::digest([]).into(),
        1 => hashes[0],
        n => {
            let k = n.next_power_of_two() / 2;
            node_hash(&root_of(&hashes[..k]), &root_of(&hashes[k..]))
        }
    }
}

/// `sinergi log key`: (origin, verifier key).
fn published_key(db: &TestDb) -> (String, String) {
    let o = cli(db, &["log", "key"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let origin = out.lines().find_map(|l| l.strip_prefix("origin: ")).expect("origin line").to_string();
    let vkey = out.lines().find_map(|l| l.strip_prefix("kunci verifikasi: ")).expect("verifier key line").to_string();
    (origin, vkey)
}

fn signature_verifies(note: &str, vkey: &str) -> bool {
    let verifier = signed_note::StandardVerifier::new(vkey).expect("verifier key");
    let list = signed_note::VerifierList::new(vec![Box::new(verifier)]);
    signed_note::Note::from_bytes(note.as_bytes()).expect("signed note").verify(&list).is_ok()
}

fn proof_of(app: &TestApp, tps: &str) -> Value {
    let (s, v) = app.get(&format!("/api/v1/elections/pemilu-2024/results/{tps}/presiden/proof"), None);
    assert_eq!(s, 200, "{v}");
    v
}

/// Who entered leaf `index`, as the audit trail tells a national admin
/// (`GET /api/v1/audit?leaf=N`): the entry of the leaf's group commit lists its ticket.
fn who_entered(app: &TestApp, db: &TestDb, index: u64) -> String {
    if db.scalar("SELECT COUNT(*) FROM users WHERE username = 'admin.pusat'") == 0 {
        add_user(db, "admin.pusat", "kpu", "ID", "admin", PW);
    }
    let admin = app.login("admin.pusat", PW);
    let (s, v) = app.get(&format!("/api/v1/audit?leaf={index}"), Some(&admin));
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "one audit entry tells who entered leaf {index}: {v}");
    let ticket = db.scalar(&format!("SELECT ticket FROM tlog_leaves WHERE idx = {index}"));
    let detail: Value = serde_json::from_str(items[0]["detail"].as_str().expect("detail")).expect("detail JSON");
    let listed: Vec<&Value> = detail["entries"].as_array().expect("entries").iter().filter(|e| e["ticket"].as_i64() == Some(ticket)).collect();
    assert_eq!(listed.len(), 1, "the entry lists the leaf's ticket {ticket} once: {detail}");
    listed[0]["by"].as_str().expect("by").to_string()
}

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array().expect("hash list").iter().map(|h| STANDARD.decode(h.as_str().expect("base64")).expect("base64").try_into().expect("32 bytes")).collect()
}

fn a_result_is_proved_against_the_signed_checkpoint_and_the_tiles(db: &TestDb) {
    let app = setup(db);
    let (a, p) = (app.login("kpps.a", PW), app.login("ptps", PW));
    let tps1 = format!("{VILLAGE}.001");
    let (s, v) = app.get(&format!("/api/v1/elections/pemilu-2024/results/{tps1}/presiden/proof"), None);
    assert_eq!((s, error_of(&v).0.as_str()), (404, "not_found"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap_or("").contains("belum ada hasil"), "Indonesian first: {v}");

    submit(&app, &a, &tps1, &tally("kpu", [100, 80, 20]));
    let (origin, vkey) = published_key(db);
    let note = checkpoint_of(&app, 1);
    assert!(signature_verifies(&note, &vkey), "the checkpoint is signed with the published key: {note}");
    assert!(!signature_verifies(&note.replacen("\n1\n", "\n2\n", 1), &vkey), "a changed checkpoint fails");
    assert_eq!(parse_checkpoint(&note).0, origin);

    // The proof: the leaf holds the form's numbers and the unit, and is in the signed tree.
    let v = proof_of(&app, &tps1);
    assert_eq!(v["checkpoint"].as_str(), Some(note.as_str()));
    let entry = &v["entries"][0];
    let leaf = entry["leaf"].as_str().expect("leaf");
    let fields: Value = serde_json::from_str(leaf).expect("leaf is JSON");
    assert_eq!((fields["election"].as_str(), fields["tps"].as_str(), fields["contest"].as_str(), fields["source"].as_str()), (Some("pemilu-2024"), Some(tps1.as_str()), Some("presiden"), Some("kpu")));
    assert_eq!(fields["tally"]["votes"], json!({"01": 100, "02": 80, "03": 20}));
    assert_eq!(fields["unit"].as_str(), Some("PPK Magersari"), "the entering unit (KPU's district body): {leaf}");
    assert!(!leaf.contains("kpps.a"), "no username in a leaf: {leaf}");
    let (_, size, root) = parse_checkpoint(&note);
    assert_eq!(v["tree_size"].as_u64(), Some(size));
    let index = entry["leaf_index"].as_u64().expect("index");
    assert!(inclusion_verifies(index, size, leaf.as_bytes(), &hashes(&entry["inclusion"]), &root), "{v}");
    assert!(!inclusion_verifies(index, size, leaf.replace("100", "101").as_bytes(), &hashes(&entry["inclusion"]), &root), "changed numbers fail");

    // The audit trail says who entered the leaf (the log itself names only the unit): its audit
    // entry names the ticket the leaf was queued under (on PostgreSQL the index comes later).
    assert_eq!(who_entered(&app, db, index), "kpps.a");
    // A regional admin reads the groups of their own region only, and the filter is checked.
    add_user(db, "admin.madiun", "kpu", "35.77", "admin", PW);
    let elsewhere = app.login("admin.madiun", PW);
    let (s, v) = app.get(&format!("/api/v1/audit?leaf={index}"), Some(&elsewhere));
    assert_eq!((s, v["items"].as_array().map(Vec::len)), (200, Some(0)), "another region's admin: {v}");
    add_user(db, "admin.kota", "kpu", "35.76", "admin", PW);
    let own = app.login("admin.kota", PW);
    let (s, v) = app.get(&format!("/api/v1/audit?leaf={index}"), Some(&own));
    assert_eq!((s, v["items"].as_array().map(Vec::len)), (200, Some(1)), "the region's admin: {v}");
    for bad in ["leaf=-1".to_string(), format!("leaf={index}&entity_type=log")] {
        let (s, v) = app.get(&format!("/api/v1/audit?{bad}"), Some(&own));
        assert_eq!((s, error_of(&v).1.as_deref()), (422, Some("leaf")), "{bad}: {v}");
    }

    // A second source's entry: a bigger tree, consistent with the first.
    submit(&app, &p, &tps1, &tally("bawaslu", [100, 79, 21]));
    let note2 = checkpoint_of(&app, 2);
    let (_, size2, root2) = parse_checkpoint(&note2);
    assert!(signature_verifies(&note2, &vkey));
    let v = proof_of(&app, &tps1);
    let entries = v["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    for e in entries {
        let leaf = e["leaf"].as_str().expect("leaf");
        assert!(inclusion_verifies(e["leaf_index"].as_u64().expect("index"), size2, leaf.as_bytes(), &hashes(&e["inclusion"]), &root2), "{e}");
    }
    let (s, c) = app.get(&format!("/log/consistency?from={size}&to={size2}"), None);
    assert_eq!(s, 200, "{c}");
    let proof: Vec<tlog_tiles::Hash> = hashes(&c["proof"]).into_iter().map(tlog_tiles::Hash).collect();
    assert!(tlog_tiles::check_tree(&proof, size2, tlog_tiles::Hash(root2), size, tlog_tiles::Hash(root)).is_ok(), "{c}");
    let (s, c) = app.get(&format!("/log/consistency?from=1&to={}", size2 + 5), None);
    assert_eq!((s, error_of(&c)), (422, ("validation_failed".to_string(), Some("to".to_string()))), "{c}");

    // The tiles rebuild the root: the level-0 hashes are the entry bundle's leaves' hashes.
    let (s, tile, cache) = get_raw(&app, &format!("/log/tile/0/000.p/{size2}"));
    assert_eq!((s, tile.len(), cache.as_str()), (200, 32 * size2 as usize, "public, max-age=1"));
    let level0: Vec<[u8; 32]> = tile.chunks(32).map(|c| c.try_into().expect("32")).collect();
    assert_eq!(root_of(&level0), root2, "the tile's hashes give the checkpoint's root");
    let (s, bundle, _) = get_raw(&app, &format!("/log/tile/entries/000.p/{size2}"));
    assert_eq!(s, 200);
    let (mut leaves, mut at) = (Vec::new(), 0usize);
    while at < bundle.len() {
        let len = u16::from_be_bytes([bundle[at], bundle[at + 1]]) as usize;
        leaves.push(bundle[at + 2..at + 2 + len].to_vec());
        at += 2 + len;
    }
    assert_eq!(leaves.iter().map(|l| leaf_hash(l)).collect::<Vec<_>>(), level0, "the entries hash to the tile");
    let (s, body, _) = get_raw(&app, "/log/tile/0/000");
    let body: Value = serde_json::from_slice(&body).expect("JSON error");
    assert_eq!((s, error_of(&body).0.as_str()), (404, "not_found"), "a full tile the tree does not have yet: {body}");
    assert_eq!(get_raw(&app, "/log/tile/0/x000/000").0, 404, "only the canonical spelling");

    // `sinergi log verify` agrees, then names an altered leaf, then an altered checkpoint.
    let o = cli(db, &["log", "verify"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("log utuh: 2 daun"), "{}", stdout(&o));
    let forged = leaves[1].iter().map(|b| format!("{b:02x}")).collect::<String>().replace("3739", "3738");
    let original = leaves[1].iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_ne!(forged, original, "the forgery changes the bawaslu entry's 79");
    let set_leaf = |hex: &str| match db {
        TestDb::Sqlite { .. } => db.tamper(&format!("UPDATE tlog_leaves SET data = X'{hex}' WHERE idx = 1")),
        TestDb::Postgres { .. } => db.tamper(&format!("UPDATE tlog_leaves SET data = decode('{hex}', 'hex') WHERE idx = 1")),
    };
    set_leaf(&forged);
    let o = cli(db, &["log", "verify"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("log RUSAK pada daun 1:"), "{}", stderr(&o));
    set_leaf(&original);
    db.tamper(&format!("UPDATE tlog_checkpoints SET root = (SELECT hash FROM tlog_hashes WHERE idx = 1) WHERE size = {size}"));
    let o = cli(db, &["log", "verify"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains(&format!("log RUSAK pada checkpoint ukuran {size}:")), "{}", stderr(&o));
}

fn a_restored_older_database_is_not_signed_until_acknowledged(db: &TestDb) {
    add_user(db, "admin.pusat", "kpu", "ID", "admin", PW);
    let mut app = setup(db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, &format!("{VILLAGE}.001"), &tally("kpu", [100, 80, 20]));
    checkpoint_of(&app, 1);
    // The newest checkpoint: the one that signs the audit chain as the backup holds it.
    let first = anchored_checkpoint(&app, db);
    app.stop();
    snapshot(db, "backup");
    app.restart(db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, &format!("{VILLAGE}.002"), &tally("kpu", [90, 90, 20]));
    let published = checkpoint_of(&app, 2);

    // The older copy comes back and other entries follow: the tree no longer extends what was
    // published, and the server keeps serving the copy's own checkpoint without signing.
    app.stop();
    restore(db, "backup");
    app.restart(db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, &format!("{VILLAGE}.003"), &tally("kpu", [70, 100, 30]));
    std::thread::sleep(Duration::from_millis(2500));
    let (s, body, _) = get_raw(&app, "/log/checkpoint");
    assert_eq!((s, String::from_utf8(body).expect("utf-8")), (200, first.clone()), "nothing signed over the fork");
    let o = cli(db, &["log", "verify"], None);
    assert!(o.status.success(), "the restored database is itself intact: {}", stderr(&o));

    let o = cli(db, &["log", "acknowledge"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("diterima"), "{}", stdout(&o));
    // (d) The acknowledgement is in the audit trail: who (the system, from the command line),
    // and which signed head replaced which.
    let admin = app.login("admin.pusat", PW);
    let (s, v) = app.get("/api/v1/audit?entity_type=log", Some(&admin));
    assert_eq!(s, 200, "{v}");
    let entry = &v["items"][0];
    assert_eq!((entry["action"].as_str(), entry["actor"].as_str()), (Some("log.acknowledge"), Some("system:cli")), "{v}");
    let detail: Value = serde_json::from_str(entry["detail"].as_str().expect("detail")).expect("detail is JSON");
    assert_eq!((detail["replaced"]["size"].as_u64(), detail["by"]["size"].as_u64()), (Some(2), Some(1)), "{detail}");
    assert_eq!(detail["replaced"]["root"].as_str(), Some(STANDARD.encode(parse_checkpoint(&published).2).as_str()), "{detail}");
    let signed = checkpoint_of(&app, 2);
    assert_ne!(signed, published, "the fork's checkpoint differs from the one published before the restore");
    assert_eq!(parse_checkpoint(&signed).1, 2);
    let (_, vkey) = published_key(db);
    assert!(signature_verifies(&signed, &vkey), "{signed}");
}

/// 256 entries fill the first tile: it and its entry bundle are served as immutable, and the
/// level-1 tile's one hash is the root of the first 256 leaves, as the checkpoint says.
fn a_full_tile_is_immutable_and_the_level_above_holds_its_root(db: &TestDb) {
    let app = setup(db);
    let p = app.login("ptps", PW);
    let tps1 = format!("{VILLAGE}.001");
    for i in 0..256 {
        let mut body = tally("bawaslu", [100, 80 - i % 7, 20 + i % 7]);
        body["reason"] = json!(format!("koreksi ke-{i} dari salinan pengawas"));
        submit(&app, &p, &tps1, &body);
    }
    let note = checkpoint_of(&app, 256);
    let (_, size, root) = parse_checkpoint(&note);
    assert_eq!(size, 256);
    let (s, tile, cache) = get_raw(&app, "/log/tile/0/000");
    assert_eq!((s, tile.len(), cache.as_str()), (200, 256 * 32, "public, max-age=31536000, immutable"));
    let level0: Vec<[u8; 32]> = tile.chunks(32).map(|c| c.try_into().expect("32")).collect();
    assert_eq!(root_of(&level0), root);
    let (s, bundle, cache) = get_raw(&app, "/log/tile/entries/000");
    assert_eq!((s, cache.as_str()), (200, "public, max-age=31536000, immutable"));
    let first_len = u16::from_be_bytes([bundle[0], bundle[1]]) as usize;
    assert_eq!(leaf_hash(&bundle[2..2 + first_len]), level0[0]);
    let (s, level1, cache) = get_raw(&app, "/log/tile/1/000.p/1");
    assert_eq!((s, level1.as_slice(), cache.as_str()), (200, root.as_slice(), "public, max-age=1"));
    let o = cli(db, &["log", "verify"], None);
    assert!(stdout(&o).contains("log utuh: 256 daun"), "{}{}", stdout(&o), stderr(&o));
}

/// What a server serves as its checkpoint now: (size, note).
fn current_checkpoint(app: &TestApp) -> Option<(u64, String)> {
    let (s, body, _) = get_raw(app, "/log/checkpoint");
    (s == 200).then(|| {
        let note = String::from_utf8(body).expect("utf-8 note");
        (parse_checkpoint(&note).1, note)
    })
}

/// Accepted entries whose leaf is in the log (found through their ticket), and leaves queued.
fn sequenced(db: &TestDb) -> (i64, i64) {
    (db.scalar("SELECT COUNT(*) FROM result_entries e JOIN tlog_leaves l ON l.ticket = e.log_ticket"), db.scalar("SELECT COUNT(*) FROM tlog_queue"))
}

/// Waits until every one of `entries` accepted entries has its leaf and nothing is queued; fails
/// after `deadline`.
fn all_sequenced(db: &TestDb, entries: i64, deadline: Instant, what: &str) {
    loop {
        let (done, queued) = sequenced(db);
        assert!(done <= entries, "{done} leaves for {entries} entries");
        if done == entries && queued == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {done} of {entries} entries have a leaf, {queued} queued");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the log's lease names this server's process as its holder.
fn holds_lease(db: &TestDb, app: &TestApp) -> bool {
    db.scalar(&format!("SELECT COUNT(*) FROM leases WHERE name = 'tlog' AND holder LIKE '%/{}/%'", app.pid())) == 1
}

/// `per_thread` entries from each of `threads` threads at once, thread t on `servers[t % n]`
/// entering `source`'s copy of TPS `first + t · per_thread + …`; answers how many.
fn write_at_once(servers: &[&TestApp], threads: usize, per_thread: usize, first: usize, tokens: &[(&str, &str)]) -> usize {
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..threads)
            .map(|t| {
                let app = servers[t % servers.len()];
                let (token, source) = tokens[t % tokens.len()];
                s.spawn(move || {
                    for i in 0..per_thread {
                        let tps = format!("{VILLAGE}.{:03}", first + t * per_thread + i);
                        submit(app, token, &tps, &tally(source, [100, 80 - i as i64, 20 + i as i64]));
                    }
                    per_thread
                })
            })
            .collect();
        writers.into_iter().map(|w| w.join().expect("writer")).sum()
    })
}

/// Several servers on one PostgreSQL take results at once: one of them (the holder of the log's
/// lease) sequences every server's queued leaves and signs; killed with SIGKILL, another takes
/// over after the lease's time to live, and no accepted entry is left out of the log. SQLite is
/// one server: the same writes, then a kill -9 and a restart.
fn concurrent_writes_are_sequenced_and_signed_by_one_server(db: &TestDb) {
    // platform::tlog::LEASE_TTL.
    const TTL: Duration = Duration::from_secs(3);
    let pg = matches!(db, TestDb::Postgres { .. });
    let mut a = setup_tps(db, 96);
    let mut b = pg.then(|| TestApp::spawn(db));
    let (kpu, bawaslu) = (a.login("kpps.a", PW), a.login("ptps", PW));
    let tokens = [(kpu.as_str(), "kpu"), (bawaslu.as_str(), "bawaslu")];
    let (_, vkey) = published_key(db);

    // Four writers, two per server, while a reader gathers every checkpoint both servers serve.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let servers: Vec<&TestApp> = std::iter::once(&a).chain(b.as_ref()).collect();
    let (accepted, seen) = std::thread::scope(|s| {
        let poller = s.spawn(|| {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                seen.extend(servers.iter().filter_map(|app| current_checkpoint(app)));
                std::thread::sleep(Duration::from_millis(100));
            }
            seen
        });
        // TPS 001–060, fifteen a thread, KPU's and Bawaslu's copies in turn.
        let accepted = write_at_once(&servers, 4, 15, 1, &tokens);
        all_sequenced(db, accepted as i64, Instant::now() + Duration::from_secs(5), "within 5 s of the last write");
        for app in &servers {
            checkpoint_of(app, accepted as u64);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut seen = poller.join().expect("poller");
        seen.extend(servers.iter().filter_map(|app| current_checkpoint(app)));
        (accepted, seen)
    });
    assert_eq!(accepted, 60);
    // One signer: whichever server answers, a checkpoint (tree and audit heads) is one note,
    // signed with the key, and the checkpoints were signed in order, each extending the one
    // before (two signers would interleave what each read).
    let mut by_size: std::collections::BTreeMap<u64, String> = std::collections::BTreeMap::new();
    let mut by_body: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for (size, note) in &seen {
        assert!(signature_verifies(note, &vkey), "{note}");
        let body = note.split("\n\n").next().expect("body").to_string();
        let first = by_body.entry(body).or_insert_with(|| note.clone());
        assert_eq!(first, note, "two checkpoints of the same heads differ");
        by_size.insert(*size, note.clone());
    }
    assert_eq!(
        db.scalar(
            "SELECT COUNT(*) FROM tlog_checkpoints a JOIN tlog_checkpoints b ON b.id > a.id
             WHERE b.size < a.size OR COALESCE(b.audit_size, 0) < COALESCE(a.audit_size, 0)"
        ),
        0,
        "a checkpoint signed after another has smaller heads"
    );
    // (A checkpoint of no leaves signs only the audit chain's head.)
    let (smallest, largest) = (*by_size.range(1..).next().expect("a checkpoint").0, *by_size.keys().last().expect("a checkpoint"));
    assert_eq!(largest, 60);
    let (_, _, small_root) = parse_checkpoint(&by_size[&smallest]);
    let (_, _, large_root) = parse_checkpoint(&by_size[&largest]);
    let (s, c) = servers.last().expect("a server").get(&format!("/log/consistency?from={smallest}&to={largest}"), None);
    assert_eq!(s, 200, "{c}");
    let proof: Vec<tlog_tiles::Hash> = hashes(&c["proof"]).into_iter().map(tlog_tiles::Hash).collect();
    assert!(
        smallest == largest || tlog_tiles::check_tree(&proof, largest, tlog_tiles::Hash(large_root), smallest, tlog_tiles::Hash(small_root)).is_ok(),
        "the checkpoints of {smallest} and {largest} leaves are consistent: {c}"
    );
    // Every entry of every TPS is in the log and proved, whichever server took it.
    for n in 1..=60 {
        let v = proof_of(&a, &format!("{VILLAGE}.{n:03}"));
        let entries = v["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), 1, "{v}");
        for e in entries {
            assert_eq!(e["recording"], json!(false), "{e}");
            let index = e["leaf_index"].as_u64().expect("a leaf index");
            assert!(inclusion_verifies(index, 60, e["leaf"].as_str().expect("leaf").as_bytes(), &hashes(&e["inclusion"]), &large_root), "{e}");
        }
    }
    drop(servers);
    let o = cli(db, &["log", "verify"], None);
    assert!(stdout(&o).contains("log utuh: 60 daun"), "{}{}", stdout(&o), stderr(&o));

    // The lease's holder is killed; TPS 061–091 are entered on the server that is left.
    let mut survivor = match b.take() {
        Some(mut other) => {
            assert!(holds_lease(db, &a) != holds_lease(db, &other), "exactly one server holds the log's lease");
            if holds_lease(db, &other) {
                std::mem::swap(&mut a, &mut other);
            }
            a.kill();
            other
        }
        None => {
            a.kill();
            a.restart(db);
            a
        }
    };
    let killed = Instant::now();
    let tps61 = format!("{VILLAGE}.061");
    submit(&survivor, &kpu, &tps61, &tally("kpu", [90, 90, 20]));
    let v = proof_of(&survivor, &tps61);
    let e = &v["entries"][0];
    if pg {
        // No server sequences until the dead holder's lease runs out: the entry is accepted, its
        // leaf queued, and the proof says so.
        assert_eq!((e["recording"].as_bool(), e["leaf_index"].as_u64(), &e["inclusion"]), (Some(true), None, &Value::Null), "{v}");
        assert!(e["leaf"].as_str().expect("the queued leaf").contains(&tps61), "{v}");
    } else {
        assert_eq!((e["recording"].as_bool(), e["leaf_index"].as_u64()), (Some(false), Some(60)), "SQLite appends at once: {v}");
    }
    let more = write_at_once(&[&survivor], 2, 15, 62, &tokens[..1]);
    let total = (accepted + 1 + more) as i64;
    all_sequenced(db, total, killed + TTL + Duration::from_secs(5), "within the lease's TTL and 5 s of the kill");
    let note = checkpoint_of(&survivor, total as u64);
    assert!(killed.elapsed() < TTL + Duration::from_secs(7), "signed {:?} after the kill", killed.elapsed());
    let (_, size, root) = parse_checkpoint(&note);
    assert_eq!(size, total as u64);
    assert!(signature_verifies(&note, &vkey), "{note}");
    if pg {
        assert!(holds_lease(db, &survivor), "the server left took the lease over");
    }
    let v = proof_of(&survivor, &tps61);
    let e = &v["entries"][0];
    let index = e["leaf_index"].as_u64().expect("sequenced");
    assert!(inclusion_verifies(index, size, e["leaf"].as_str().expect("leaf").as_bytes(), &hashes(&e["inclusion"]), &root), "{v}");
    assert_eq!(who_entered(&survivor, db, index), "kpps.a");
    let o = cli(db, &["log", "verify"], None);
    assert!(stdout(&o).contains(&format!("log utuh: {total} daun")), "{}{}", stdout(&o), stderr(&o));
    survivor.kill();
}

/// The TPS permalink names, for the numbers it shows, where their entries are in the log: the
/// two KPU entries that agreed (not the one that disagreed with them), Bawaslu's latest entry;
/// it links the proof, the checkpoint and the public key, and loads the checking script from a
/// versioned, cacheable address. Every entry's index is in the history.
fn the_permalink_names_the_log_entries_of_the_numbers_shown(db: &TestDb) {
    prepare(db);
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    add_user(db, "kpps.c", "kpu", "35.76.02", "operator", PW);
    let app = TestApp::spawn(db);
    let tps = format!("{VILLAGE}.002");
    let page = format!("/hasil/tps/{tps}?kontes=presiden&pemilu=pemilu-2024");
    let (s, _, html) = app.get_text(&page, None);
    assert_eq!(s, 200);
    assert!(!html.contains("log-proof"), "no log section before any result: nothing to check");

    // KPU: a and b disagree, c agrees with a (leaves 0, 1, 2); then Bawaslu's copy (leaf 3).
    submit(&app, &app.login("kpps.a", PW), &tps, &tally("kpu", [100, 80, 20]));
    submit(&app, &app.login("kpps.b", PW), &tps, &tally("kpu", [100, 70, 30]));
    submit(&app, &app.login("kpps.c", PW), &tps, &tally("kpu", [100, 80, 20]));
    submit(&app, &app.login("ptps", PW), &tps, &tally("bawaslu", [100, 79, 21]));
    checkpoint_of(&app, 4);
    let v = proof_of(&app, &tps);
    let indexes: Vec<u64> = v["entries"].as_array().expect("entries").iter().map(|e| e["leaf_index"].as_u64().expect("index")).collect();
    assert_eq!(indexes, [0, 1, 2, 3], "{v}");

    let (s, ctype, html) = app.get_text(&page, None);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    let section = html.split("<section id=\"log-proof\"").nth(1).and_then(|r| r.split("</section>").next()).unwrap_or_else(|| panic!("a log section: {html}"));
    let proof_url = format!("/api/v1/elections/pemilu-2024/results/{tps}/presiden/proof");
    assert!(html.contains(&format!("data-proof=\"{proof_url}\"")), "the script is told where the proof is");
    let kpu = section.split("data-source=\"kpu\"").nth(1).and_then(|r| r.split("</li>").next()).expect("a KPU line");
    assert!(kpu.contains("data-leaves=\"0 2\""), "the two agreeing KPU entries, not the disagreeing one: {kpu}");
    assert!(kpu.contains("KPU (disahkan), revisi 1</span>: <b>Tercatat di log publik #0, #2</b>"), "{kpu}");
    let bawaslu = section.split("data-source=\"bawaslu\"").nth(1).and_then(|r| r.split("</li>").next()).expect("a Bawaslu line");
    assert!(bawaslu.contains("Bawaslu, revisi 1</span>: <b>Tercatat di log publik #3</b>"), "{bawaslu}");
    for (id, href) in [("proof-link", proof_url.as_str()), ("checkpoint-link", "/log/checkpoint"), ("key-link", "/log/key")] {
        assert!(section.contains(&format!("id=\"{id}\" href=\"{href}\"")), "{id} links {href}: {section}");
    }
    assert!(section.contains("Tanda tangan checkpoint tidak diperiksa di sini") && section.contains("<code>sinergi log watch</code>"), "the page says who checks the signature: {section}");
    assert!(section.contains("siapa pun dapat memeriksa bukti inklusi"), "without script the verdict line says how to check: {section}");
    let history = html.split("<table id=\"history\"").nth(1).and_then(|r| r.split("</table>").next()).expect("history");
    for i in 0..4 {
        assert!(history.contains(&format!("<td class=\"num\">#{i}</td>")), "entry #{i} in the history: {history}");
    }

    // English through the language cookie.
    let (_, _, en) = app.get_text(&page, Some("lang=en"));
    assert!(en.contains("KPU (agreed), revision 1</span>: <b>Recorded in the public log #0, #2</b>"), "{en}");
    assert!(en.contains("The log&#39;s public key") || en.contains("The log's public key"), "{en}");

    // The script: versioned address cached for good, the bare one checked each time; small.
    let script = html.split("src=\"/assets/bukti-log.js?v=").nth(1).and_then(|r| r.split('"').next()).expect("the script's versioned address");
    assert_eq!(script.len(), 10, "{script}");
    let (s, body, cache) = get_raw(&app, &format!("/assets/bukti-log.js?v={script}"));
    assert_eq!((s, cache.as_str()), (200, "public, max-age=31536000, immutable"));
    assert!(body.len() < 16 * 1024, "a few KB: {} bytes", body.len());
    assert_eq!(get_raw(&app, "/assets/bukti-log.js").2, "no-cache");

    // The key the page links is the one `sinergi log key` prints.
    let (_, vkey) = published_key(db);
    let (s, body, _) = get_raw(&app, "/log/key");
    assert_eq!((s, String::from_utf8(body).expect("utf-8")), (200, format!("{vkey}\n")));
}

/// The audit line of a checkpoint note: (entries, hash).
fn audit_line(note: &str) -> Option<(i64, String)> {
    let body = note.split("\n\n").next().expect("note body");
    body.lines().skip(3).find_map(|l| {
        let mut parts = l.strip_prefix("audit ")?.split(' ');
        Some((parts.next()?.parse().ok()?, parts.next()?.to_string()))
    })
}

/// Waits (up to 10 s) for the served checkpoint to sign the audit chain as it is now.
fn anchored_checkpoint(app: &TestApp, db: &TestDb) -> String {
    let start = Instant::now();
    loop {
        let head = db.scalar("SELECT seq FROM audit_head WHERE id = 1");
        let (s, body, _) = get_raw(app, "/log/checkpoint");
        if s == 200 {
            let note = String::from_utf8(body).expect("utf-8 note");
            if audit_line(&note).is_some_and(|(n, _)| n == head) {
                return note;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no checkpoint of the audit head {head} after 10 s (status {s})");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One row of the audit chain, as stored.
struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    agency: Option<String>,
    unit_id: Option<i64>,
    action: String,
    entity_type: String,
    entity_id: String,
    region_code: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl AuditRow {
    /// The chain's hash, written here as `platform::audit::Entry::compute_hash` defines it:
    /// SHA-256 over the sequence number and unit id (big-endian), then each text field after
    /// its length (a missing one as one NUL), then an empty field.
    fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.seq.to_be_bytes());
        h.update(self.unit_id.unwrap_or(-1).to_be_bytes());
        for f in [
            self.at.as_str(),
            &self.actor,
            self.agency.as_deref().unwrap_or("\u{0}"),
            &self.action,
            &self.entity_type,
            &self.entity_id,
            self.region_code.as_deref().unwrap_or("\u{0}"),
            &self.detail,
            &self.prev_hash,
            "",
        ] {
            h.update((f.len() as u64).to_be_bytes());
            h.update(f.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn audit_rows(db: &TestDb) -> Vec<AuditRow> {
    const SQL: &str = "SELECT seq, at, actor, agency, unit_id, action, entity_type, entity_id, region_code, detail, prev_hash, hash FROM audit_log ORDER BY seq";
    match db {
        TestDb::Sqlite { dir } => {
            let c = rusqlite::Connection::open(dir.join("sinergi.db")).expect("open sqlite");
            let mut st = c.prepare(SQL).expect("prepare");
            st.query_map([], |r| {
                Ok(AuditRow {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    agency: r.get(3)?,
                    unit_id: r.get(4)?,
                    action: r.get(5)?,
                    entity_type: r.get(6)?,
                    entity_id: r.get(7)?,
                    region_code: r.get(8)?,
                    detail: r.get(9)?,
                    prev_hash: r.get(10)?,
                    hash: r.get(11)?,
                })
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
        }
        TestDb::Postgres { .. } => {
            let mut c = ::postgres::Client::connect(&db.url(), ::postgres::NoTls).expect("connect");
            c.query(SQL, &[])
                .expect("query")
                .iter()
                .map(|r| AuditRow {
                    seq: r.get(0),
                    at: r.get(1),
                    actor: r.get(2),
                    agency: r.get(3),
                    unit_id: r.get(4),
                    action: r.get(5),
                    entity_type: r.get(6),
                    entity_id: r.get(7),
                    region_code: r.get(8),
                    detail: r.get(9),
                    prev_hash: r.get(10),
                    hash: r.get(11),
                })
                .collect()
        }
    }
}

/// What someone with write access to the database can do: change entry `seq`'s detail, then
/// recompute its hash and every later entry's (each names the one before) and the head, so that
/// the chain verifies as a chain.
fn rewrite_audit_history(db: &TestDb, seq: i64) {
    let mut rows = audit_rows(db);
    let at = rows.iter().position(|r| r.seq == seq).expect("the entry to rewrite");
    rows[at].detail = json!({"rewritten": true}).to_string();
    let mut sql = String::from("BEGIN;");
    for i in at..rows.len() {
        if i > at {
            rows[i].prev_hash = rows[i - 1].hash.clone();
        }
        rows[i].hash = rows[i].compute_hash();
        let r = &rows[i];
        sql.push_str(&format!(
            "UPDATE audit_log SET detail = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {};",
            r.detail.replace('\'', "''"),
            r.prev_hash,
            r.hash,
            r.seq
        ));
    }
    let last = rows.last().expect("entries");
    sql.push_str(&format!("UPDATE audit_head SET hash = '{}' WHERE id = 1; COMMIT;", last.hash));
    db.tamper(&sql);
}

/// (c) Every checkpoint signs the audit chain's head in an extension line under its one
/// signature; the chain growing without results is signed too, as a second checkpoint of the
/// same tree size, and the newest is served.
fn a_checkpoint_signs_the_audit_chain_head(db: &TestDb) {
    let app = setup(db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, &format!("{VILLAGE}.001"), &tally("kpu", [100, 80, 20]));
    let (_, vkey) = published_key(db);
    let note = anchored_checkpoint(&app, db);
    let (size, hash) = audit_line(&note).expect("an audit line");
    assert_eq!(parse_checkpoint(&note).1, 1, "{note}");
    assert!(note.lines().nth(3).is_some_and(|l| l.starts_with("audit ")), "the line after the root: {note}");
    assert!(signature_verifies(&note, &vkey), "{note}");
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE seq = {size} AND hash = '{hash}'")), 1, "the signed head is the chain's: {note}");
    let forged = note.replacen(&format!("audit {size} "), &format!("audit {} ", size - 1), 1);
    assert!(!signature_verifies(&forged, &vkey), "the audit line is under the signature");

    // Accounts grow the chain without results: a newer checkpoint of the same tree signs it.
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    let newer = anchored_checkpoint(&app, db);
    let (newer_size, _) = audit_line(&newer).expect("an audit line");
    assert!(newer_size > size, "{newer}");
    assert_eq!(parse_checkpoint(&newer).1, 1, "the same tree: {newer}");
    assert!(signature_verifies(&newer, &vkey), "{newer}");
    assert!(db.scalar("SELECT COUNT(*) FROM tlog_checkpoints WHERE size = 1") >= 2, "both checkpoints of the tree of 1 are kept");
    let o = cli(db, &["log", "verify"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli(db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("cocok dengan"), "{}", stdout(&o));
}

/// (a) and (b): the audit history rewritten so that it still verifies as a chain is caught
/// through the stored checkpoints; then, with those deleted and the record beside the key gone
/// too, through the checkpoints an observer kept.
fn a_rewritten_audit_history_is_caught_by_the_signed_heads(db: &TestDb) {
    let mut app = setup(db);
    let (_, vkey) = published_key(db);
    // The observer keeps the checkpoints it sees, one after another in one file.
    let mut kept = anchored_checkpoint(&app, db);
    let a = app.login("kpps.a", PW);
    submit(&app, &a, &format!("{VILLAGE}.001"), &tally("kpu", [100, 80, 20]));
    let (first_entry, _) = audit_line(&kept).expect("an audit line");
    let entered = db.scalar("SELECT seq FROM audit_log WHERE action = 'result.entries'");
    add_user(db, "kpps.b", "kpu", "35.76.02", "operator", PW);
    let later = anchored_checkpoint(&app, db);
    kept.push_str(&later);
    let (later_entry, _) = audit_line(&later).expect("an audit line");
    assert!(first_entry < entered && entered < later_entry, "{first_entry} < {entered} < {later_entry}");
    app.stop();
    let file = db.dir().join("kept-checkpoints.txt");
    std::fs::write(&file, &kept).expect("keep the checkpoints");
    let outside = |args: &[&str]| cli(db, &[&["audit", "verify", "--checkpoint", file.to_str().expect("path"), "--key", &vkey][..], args].concat(), None);
    let o = outside(&[]);
    assert!(o.status.success(), "{}", stderr(&o));

    // The result entry's detail is rewritten, every later hash and the head recomputed.
    rewrite_audit_history(db, entered);
    let o = cli(db, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("rantai audit RUSAK pada catatan"), "{err}");
    assert!(err.contains("checkpoint tersimpan"), "named by a stored checkpoint: {err}");
    assert!(err.contains("ditulis ulang"), "{err}");
    let o = common::cli_lang(db, "en", &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("audit chain BROKEN at entry") && stderr(&o).contains("was rewritten"), "{}", stderr(&o));

    // The stored checkpoints go too: the head recorded beside the key still catches it.
    db.tamper("DELETE FROM tlog_checkpoints");
    let o = cli(db, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("kepala yang tercatat di"), "{}", stderr(&o));

    // And that record too (someone with the machine): the chain alone verifies...
    // (The key sits beside a SQLite database, and in the working directory for PostgreSQL.)
    std::fs::remove_file(db.dir().join("sinergi-log.key.signed")).expect("the record beside the key");
    let o = cli(db, &["audit", "verify"], None);
    assert!(o.status.success(), "the rewritten chain verifies as a chain: {}", stderr(&o));
    assert!(stdout(&o).contains("rantai audit utuh"), "{}", stdout(&o));
    // ...but not against what the observer kept: the later checkpoint signed the entry's hash.
    let o = outside(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("rantai audit RUSAK pada catatan {later_entry}")), "{err}");
    assert!(err.contains(&format!("checkpoint ke-2 di {}", file.display())), "{err}");
    assert!(err.contains(&format!("antara catatan {} dan {later_entry}", first_entry + 1)), "{err}");

    // A kept checkpoint whose signature fails is named, never trusted.
    std::fs::write(&file, later.replacen(&format!("audit {later_entry} "), &format!("audit {} ", later_entry - 1), 1)).expect("write");
    let o = outside(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("checkpoint ke-1 di") && stderr(&o).contains("tanda tangannya tidak sah"), "{}", stderr(&o));
}

on_both_engines!(
    concurrent_writes_are_sequenced_and_signed_by_one_server,
    the_permalink_names_the_log_entries_of_the_numbers_shown,
    a_result_is_proved_against_the_signed_checkpoint_and_the_tiles,
    a_restored_older_database_is_not_signed_until_acknowledged,
    a_full_tile_is_immutable_and_the_level_above_holds_its_root,
    a_checkpoint_signs_the_audit_chain_head,
    a_rewritten_audit_history_is_caught_by_the_signed_heads
);
