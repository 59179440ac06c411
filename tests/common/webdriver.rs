//! A tiny W3C WebDriver client for ChromeDriver driving Debian's headless Chromium: just
//! what the browser tests need (navigate, find by CSS, click, type, read text, run a
//! script, take a screenshot). Each `Browser` owns its own chromedriver process and a fresh
//! Chromium profile; both go away on Drop.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{TestApp, TestDb};

pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long `find`/`wait_*` poll before giving up.
pub const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(25);

/// An element reference, valid until the page it came from is replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(pub String);

pub struct Browser {
    agent: ureq::Agent,
    /// `http://127.0.0.1:PORT/session/ID`
    session: String,
    driver: Child,
    profile: PathBuf,
}

/// A WebDriver error: `(error code, message)` from the driver, or a transport problem.
#[derive(Debug)]
pub struct WdError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

fn installed(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

use crate::common::free_port;

fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Result<Value, WdError> {
    let transport = |e: ureq::Error| WdError { code: "transport".into(), message: format!("{method} {url}: {e}") };
    let mut resp = match (method, body) {
        ("GET", _) => agent.get(url).call().map_err(transport)?,
        ("DELETE", _) => agent.delete(url).call().map_err(transport)?,
        (_, b) => agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(b.cloned().unwrap_or_else(|| json!({})).to_string())
            .map_err(transport)?,
    };
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if status >= 400 {
        let code = value["error"].as_str().unwrap_or("unknown error").to_string();
        let message = value["message"].as_str().map(|m| m.lines().next().unwrap_or("").to_string()).unwrap_or_else(|| v.to_string());
        return Err(WdError { code, message: format!("{method} {url} → {status}: {message}") });
    }
    Ok(value)
}

impl Browser {
    /// True when Chromium and chromedriver are installed.
    pub fn available() -> bool {
        Path::new(CHROMIUM).exists() && installed("chromedriver")
    }

    /// Starts chromedriver and a headless Chromium session, or returns None (after saying
    /// so) when either is not installed.
    /// Starts the browser while `spawn` starts the server on another thread (both take a
    /// second or two): (what `spawn` returned, the browser if it could start).
    pub fn start_beside<T: Send>(spawn: impl FnOnce() -> T + Send) -> (T, Option<Browser>) {
        std::thread::scope(|s| {
            let server = s.spawn(spawn);
            let browser = Browser::start();
            (server.join().expect("server start"), browser)
        })
    }

    pub fn start() -> Option<Browser> {
        if !Browser::available() {
            eprintln!("skipped: chromium/chromedriver not installed");
            return None;
        }
        let port = free_port();
        let profile = std::env::temp_dir().join(format!(
            "sinergi_chromium_{}_{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        ));
        std::fs::create_dir_all(&profile).expect("chromium profile dir");
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", profile.join("chromedriver.log").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        // Own the process from here on, so a failure below still cleans up.
        let mut browser = Browser { agent, session: String::new(), driver, profile };

        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(v) = call(&browser.agent, "GET", &format!("{base}/status"), None)
                && v["ready"].as_bool() == Some(true)
            {
                break;
            }
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("chromedriver exited before it was ready: {status}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready on port {port}");
            std::thread::sleep(POLL);
        }

        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", browser.profile.join("chromium").display()),
        ];
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": { "binary": CHROMIUM, "args": args }
                }
            }
        });
        let created = call(&browser.agent, "POST", &format!("{base}/session"), Some(&caps))
            .unwrap_or_else(|e| panic!("creating a Chromium session failed: {e} (log: {})", browser.profile.join("chromedriver.log").display()));
        let id = created["sessionId"].as_str().expect("sessionId in new-session response");
        browser.session = format!("{base}/session/{id}");
        browser.post("/timeouts", json!({"implicit": 0, "pageLoad": 30_000, "script": 10_000}));
        Some(browser)
    }

    fn try_cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        call(&self.agent, method, &format!("{}{path}", self.session), body.as_ref())
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.try_cmd("POST", path, Some(body)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn get(&self, path: &str) -> Value {
        self.try_cmd("GET", path, None).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Sets the window size (CSS pixels), which is also the screenshot size.
    /// Logs in through the login form at `base` and waits for the header to name the user.
    pub fn login(&self, base: &str, user: &str, password: &str) {
        self.goto(&format!("{base}/masuk"));
        self.send_keys(&self.find("#username"), user);
        self.send_keys(&self.find("#password"), password);
        self.click(&self.find("#login-submit"));
        // Every user lands on their own region's situation.
        self.wait_url(|u| u.ends_with("/situasi"));
        let who = self.text_of("#current-user");
        assert!(who.contains(user), "header shows {user} logged in: {who:?}");
    }

    /// Logs out with the header's button and waits for the login link.
    pub fn logout(&self) {
        self.click(&self.find("header form[action='/keluar'] button"));
        self.wait_for("the login link after logging out", || self.try_find_all("#login-link").ok().filter(|v| !v.is_empty()));
    }

    /// The value of the current site's cookie `name` (HttpOnly ones too), if it is set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.try_cmd("GET", &format!("/cookie/{name}"), None).ok().and_then(|v| v["value"].as_str().map(str::to_string))
    }

    pub fn set_window_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}));
    }

    /// Navigates and waits for the page to load.
    pub fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    /// The current window (tab).
    pub fn window_handle(&self) -> String {
        self.get("/window").as_str().unwrap_or_default().to_string()
    }

    /// Opens a new tab and switches to it.
    pub fn new_tab(&self) {
        let v = self.post("/window/new", json!({"type": "tab"}));
        let handle = v["handle"].as_str().expect("new tab handle").to_string();
        self.post("/window", json!({"handle": handle}));
    }

    /// Closes the tab `handle` and stays in the current one (which must not be `handle`).
    pub fn close_window(&self, handle: &str) {
        let current = self.window_handle();
        self.post("/window", json!({"handle": handle}));
        self.try_cmd("DELETE", "/window", None).unwrap_or_else(|e| panic!("{e}"));
        self.post("/window", json!({"handle": current}));
    }

    /// Reloads the page (as the user pulling to refresh) and waits for it to load.
    pub fn refresh(&self) {
        self.post("/refresh", json!({}));
    }

    pub fn current_url(&self) -> String {
        self.get("/url").as_str().unwrap_or_default().to_string()
    }

    pub fn title(&self) -> String {
        self.get("/title").as_str().unwrap_or_default().to_string()
    }

    pub fn page_source(&self) -> String {
        self.get("/source").as_str().unwrap_or_default().to_string()
    }

    /// Runs an asynchronous script: its last argument is the callback that returns the value
    /// (`arguments[arguments.length - 1](value)`).
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": args }))
    }

    /// A DevTools protocol command through chromedriver (`goog/cdp/execute`).
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
    }

    /// Cuts (`true`) or restores the page's network with DevTools' network emulation: the
    /// page's own requests fail and `navigator.onLine` follows, firing `offline`/`online`.
    /// It does not reach a service worker's own fetches (Chromium emulates per target; the
    /// worker is another one), so a test that must see the worker without network also stops
    /// the server (`TestApp::stop` / `restart`).
    pub fn set_offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({}));
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        );
    }

    /// Puts the phone at a position: the page may read it (the geolocation permission granted
    /// to the current origin) and reads these coordinates (DevTools' geolocation override).
    pub fn set_location(&self, lat: f64, lon: f64) {
        let url = self.current_url();
        let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
        self.cdp("Browser.grantPermissions", json!({ "permissions": ["geolocation"], "origin": origin }));
        self.cdp("Emulation.setGeolocationOverride", json!({ "latitude": lat, "longitude": lon, "accuracy": 10 }));
    }

    /// Waits until a service worker controls the page (after its first activation).
    pub fn wait_service_worker(&self) {
        self.wait_for("a service worker controlling the page", || {
            self.execute("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)", vec![]).as_bool().filter(|b| *b)
        });
    }

    /// The field app's queue as kept in IndexedDB ("sinergi-lapangan"/"antrean"), oldest
    /// first: each item's `id`, `state`, `message`, `title`, `url`, `method`.
    ///
    /// This is the test's own look at the store, not the app's: under the full suite's load
    /// Chromium has once let an open or a read hang past WebDriver's script timeout (CI,
    /// browser_field, twice so far). So one look gives up after 3 s (or when its open is
    /// blocked) and is tried again until `WAIT` runs out; what the app does is still held to
    /// the callers' own waits.
    pub fn field_queue(&self) -> Vec<Value> {
        const LOOK: &str = "const done = arguments[arguments.length - 1];
             const timer = setTimeout(() => done({ error: 'no answer from IndexedDB in 3 s' }), 3000);
             const finish = (v) => { clearTimeout(timer); done(v); };
             const req = indexedDB.open('sinergi-lapangan', 1);
             req.onupgradeneeded = () => req.result.createObjectStore('antrean', { keyPath: 'id' }).createIndex('created_at', 'created_at');
             req.onerror = () => finish({ error: String(req.error) });
             req.onblocked = () => finish({ error: 'the open was blocked' });
             req.onsuccess = () => {
               const db = req.result;
               const all = db.transaction('antrean').objectStore('antrean').getAll();
               all.onsuccess = () => { db.close(); finish(all.result.sort((a, b) => a.created_at < b.created_at ? -1 : 1)
                 .map(i => ({ id: i.id, state: i.state, message: i.message, title: i.title, url: i.url, method: i.method, has_body: i.body != null, receipt: i.receipt || null }))); };
               all.onerror = () => { db.close(); finish({ error: String(all.error) }); };
             };";
        let deadline = Instant::now() + WAIT;
        loop {
            let last = match self.try_cmd("POST", "/execute/async", Some(json!({ "script": LOOK, "args": [] }))) {
                Ok(Value::Array(items)) => return items,
                Ok(other) => other.to_string(),
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                panic!("reading the IndexedDB queue failed: {last}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Runs a synchronous script (`arguments[i]` are `args`) and returns its value.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    pub fn try_find_all(&self, css: &str) -> Result<Vec<Element>, WdError> {
        let v = self.try_cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})))?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_string()))).collect())
            .unwrap_or_default())
    }

    /// Every element matching `css` right now (possibly none).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.try_find_all(css).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The first element matching `css`, waiting up to `WAIT` for it to appear.
    pub fn find(&self, css: &str) -> Element {
        self.wait_for(&format!("element {css:?}"), || self.try_find_all(css).ok().and_then(|v| v.into_iter().next()))
    }

    /// Element inside `parent` matching `css` (no waiting).
    pub fn find_in(&self, parent: &Element, css: &str) -> Vec<Element> {
        let v = self.post(&format!("/element/{}/elements", parent.0), json!({"using": "css selector", "value": css}));
        v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_string()))).collect())
            .unwrap_or_default()
    }

    pub fn click(&self, el: &Element) {
        self.post(&format!("/element/{}/click", el.0), json!({}));
    }

    /// Types `text` into an input (appending to what is there).
    pub fn send_keys(&self, el: &Element, text: &str) {
        self.post(&format!("/element/{}/value", el.0), json!({ "text": text }));
    }

    pub fn clear(&self, el: &Element) {
        self.post(&format!("/element/{}/clear", el.0), json!({}));
    }

    pub fn try_text(&self, el: &Element) -> Result<String, WdError> {
        Ok(self.try_cmd("GET", &format!("/element/{}/text", el.0), None)?.as_str().unwrap_or_default().to_string())
    }

    /// The rendered (visible) text of an element.
    pub fn text(&self, el: &Element) -> String {
        self.try_text(el).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn attribute(&self, el: &Element, name: &str) -> Option<String> {
        self.get(&format!("/element/{}/attribute/{name}", el.0)).as_str().map(str::to_string)
    }

    /// Visible text of the first element matching `css`, waiting for it to appear.
    pub fn text_of(&self, css: &str) -> String {
        let mut last = String::from("no match yet");
        self.poll(|| {
            let r = self.try_find_all(css).and_then(|v| match v.into_iter().next() {
                Some(el) => self.try_text(&el).map(Some),
                None => Ok(None),
            });
            match r {
                Ok(t) => t,
                Err(e) => {
                    last = e.to_string();
                    None
                }
            }
        })
        .unwrap_or_else(|| panic!("timed out after {WAIT:?} waiting for text of {css:?} (url {}; last: {last})", self.current_url()))
    }

    /// Waits until the first element matching `css` has text satisfying `ok`; returns it.
    /// Survives page loads in between (stale elements are simply looked up again).
    pub fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut last = None;
        let found = self.poll(|| {
            let el = self.try_find_all(css).ok()?.into_iter().next()?;
            let t = self.try_text(&el).ok()?;
            if ok(&t) {
                Some(t)
            } else {
                last = Some(t);
                None
            }
        });
        found.unwrap_or_else(|| panic!("{css:?} never had the expected text; last seen: {last:?}; url {}", self.current_url()))
    }

    /// Waits until the URL path (and query) satisfies `ok`; returns the URL.
    pub fn wait_url(&self, ok: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        self.poll(|| {
            let u = self.try_cmd("GET", "/url", None).ok()?.as_str()?.to_string();
            if ok(&u) {
                Some(u)
            } else {
                last = u;
                None
            }
        })
        .unwrap_or_else(|| panic!("the URL never became what was expected; last: {last}"))
    }

    /// Polls `f` until it returns Some or `WAIT` runs out; panics naming `what` then.
    pub fn wait_for<T>(&self, what: &str, f: impl FnMut() -> Option<T>) -> T {
        self.poll(f).unwrap_or_else(|| panic!("timed out after {WAIT:?} waiting for {what} (url {})", self.current_url()))
    }

    fn poll<T>(&self, mut f: impl FnMut() -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = f() {
                return Some(v);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Saves a PNG of the whole page (the window is stretched to the document height first).
    /// The link inside `container` whose visible text is exactly `text`.
    pub fn link(&self, container: &str, text: &str) -> Element {
        self.wait_for(&format!("link {text:?} in {container}"), || {
            let links = self.try_find_all(&format!("{container} a")).ok()?;
            links.into_iter().find(|a| self.try_text(a).is_ok_and(|t| t.trim() == text))
        })
    }

    /// Visible text of every cell of every body row of a table, read in one round trip.
    pub fn table_cells(&self, table: &str) -> Vec<Vec<String>> {
        let v = self.execute(
            "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map(tr => [...tr.cells].map(td => td.innerText.trim()))",
            vec![serde_json::json!(table)],
        );
        serde_json::from_value::<Vec<Vec<String>>>(v).expect("table cells as text")
    }

    pub fn screenshot(&self, path: &Path) {
        let height = self
            .execute("return Math.ceil(document.documentElement.scrollHeight)", vec![])
            .as_u64()
            .unwrap_or(900)
            .clamp(300, 4000);
        let rect = self.get("/window/rect");
        let (width, old_height) = (rect["width"].as_u64().unwrap_or(1280), rect["height"].as_u64().unwrap_or(900));
        // The window's outer height includes the browser's own bars: add them so the whole page fits.
        let chrome = self.execute("return window.outerHeight - window.innerHeight", vec![]).as_u64().unwrap_or(0);
        self.set_window_size(width as u32, (height + chrome).max(old_height) as u32);
        let b64 = self.get("/screenshot");
        self.set_window_size(width as u32, old_height as u32);
        let png = base64_decode(b64.as_str().expect("screenshot is base64 text")).expect("screenshot base64 decodes");
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(path, png).expect("write screenshot");
    }
}

/// The demo accounts' password.
pub const DEMO_PASSWORD: &str = "sinergi-demo";
/// Where the browser tests leave their screenshots.
pub const SHOTS: &str = "/tmp/sinergi-shots";

/// The field app on a phone: the demo server and, beside it, a browser with a 360×740 window;
/// None (said so) without Chromium.
pub fn phone(db: &TestDb) -> Option<(TestApp, Browser)> {
    if !Browser::available() {
        eprintln!("skipped: chromium/chromedriver not installed");
        return None;
    }
    let (app, browser) = Browser::start_beside(|| TestApp::spawn_with(db, &["--demo"]));
    let b = browser?;
    b.set_window_size(360, 740);
    let _ = std::fs::create_dir_all(SHOTS);
    Some((app, b))
}

impl Browser {
    /// Opens the field app's home, which sends a visitor to the login page and back; logs in
    /// there as the demo account `user`.
    pub fn login_field(&self, app: &TestApp, user: &str) {
        self.goto(&app.url("/lapangan"));
        let at = self.wait_url(|u| u.contains("/masuk"));
        assert!(at.contains("next=/lapangan"), "the home sends a visitor to log in and back: {at}");
        self.submit_login(user);
        self.wait_url(|u| u.ends_with("/lapangan"));
    }

    /// Logs in as the demo account `user` on the login page with `next`, and waits to land there.
    pub fn login_to(&self, app: &TestApp, user: &str, next: &str) {
        self.goto(&app.url(&format!("/masuk?next={next}")));
        self.submit_login(user);
        // The login page's own address ends with `next` too (`/masuk?next=…`).
        self.wait_url(|u| u.ends_with(next) && !u.contains("/masuk"));
    }

    fn submit_login(&self, user: &str) {
        self.send_keys(&self.find("#username"), user);
        self.send_keys(&self.find("#password"), DEMO_PASSWORD);
        self.click(&self.find("#login-submit"));
    }

    /// Waits until the field queue's item `index` (oldest first) is in `state`; returns it.
    pub fn wait_queue_state(&self, index: usize, state: &str) -> Value {
        self.wait_for(&format!("queue item {index} to be {state}"), || self.field_queue().get(index).filter(|i| i["state"] == state).cloned())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = call(&self.agent, "DELETE", &self.session, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Standard base64 (RFC 4648, with padding; whitespace ignored).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let trimmed = match bytes.iter().rposition(|&c| c != b'=') {
        Some(i) => &bytes[..=i],
        None => &bytes[..0],
    };
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    for chunk in trimmed.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    Some(out)
}

#[test]
fn base64_round_trips_known_values() {
    assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
    assert_eq!(base64_decode("aGVsbG8h").as_deref(), Some(&b"hello!"[..]));
    assert_eq!(base64_decode("aGk=").as_deref(), Some(&b"hi"[..]));
    assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
    assert!(base64_decode("a$==").is_none());
}
