/* Sinergi Lapangan: the field app's one script (pages and, through importScripts, the service
 * worker). What it does (contract: FIELD.md):
 * - turns every <form class="lapangan"> into JSON by dot path (data-type="int"|"bool"),
 *   with each chosen photo downscaled to at most 1600 px JPEG, and queues it in IndexedDB
 *   (db "sinergi-lapangan", store "antrean") under an Idempotency-Key made once on the device;
 * - sends the queue on submit, when the signal returns, when the app opens, and by Background
 *   Sync; an item is "menunggu sinyal", "terkirim" or "ditolak" (with the server's message);
 * - a refused item is corrected on its form (?antrean=<id>) and queued again under a new key;
 * - window.Lapangan.check(form, fn) lets a page refuse a body before it is queued. */
(function (root) {
  'use strict';
  const DB = 'sinergi-lapangan';
  const STORE = 'antrean';
  const PAGES = 'lapangan-halaman';
  const MAX_SIDE = 1600;
  const inPage = typeof document !== 'undefined';

  const DATA = 'lapangan-data';
  /** A logout made without signal, waiting to end the session on the server (sw.js). */
  const PENDING_LOGOUT = 'lapangan-keluar';
  /** Which account the phone's page copies belong to (an entry of PAGES, see phoneAccount). */
  const ACCOUNT = '/lapangan/akun-ponsel';
  // One line per message: [Bahasa Indonesia, English].
  const TEXT = {
    menunggu: ['Menunggu sinyal', 'Waiting for signal'],
    terkirim: ['Terkirim', 'Sent'],
    ditolak: ['Ditolak', 'Refused'],
    online: ['Ada sinyal', 'Online'],
    offline: ['Tanpa sinyal', 'Offline'],
    queued: ['Tersimpan di antrean ponsel; dikirim begitu ada sinyal.', 'Saved in the phone\'s queue; it is sent as soon as there is signal.'],
    sent: ['Terkirim ke server.', 'Sent to the server.'],
    refused: ['Ditolak server: ', 'Refused by the server: '],
    login: ['Sesi berakhir: masuk lagi untuk mengirim (antrean tetap tersimpan).', 'Session ended: log in again to send (the queue is kept).'],
    loginLink: ['Masuk lagi', 'Log in again'],
    fix: ['Perbaiki', 'Correct'],
    receipt: ['Nomor tanda terima (untuk melacak laporan):', 'Receipt number (to track the report):'],
    remove: ['Hapus', 'Remove'],
    send: ['Kirim sekarang', 'Send now'],
    empty: ['Antrean kosong: belum ada kiriman dari ponsel ini.', 'The queue is empty: nothing sent from this phone yet.'],
    kept: ['foto dari kiriman sebelumnya tetap dipakai kecuali Anda memilih foto baru.', 'photos from the earlier submission are kept unless you choose new ones.'],
    made: ['Dibuat', 'Made'],
    sentAt: ['Terkirim', 'Sent'],
    photoFail: ['Foto tidak dapat dibaca; pilih foto lain.', 'The photo could not be read; choose another.'],
    serverBusy: ['Server sibuk; dicoba lagi nanti.', 'The server is busy; it will be tried again.'],
    noStore: ['Ponsel ini tidak dapat menyimpan antrean (IndexedDB tidak tersedia).', 'This phone cannot keep a queue (no IndexedDB).'],
    otherUser: ['Dibuat oleh akun {user}: dikirim setelah {user} masuk di ponsel ini.', 'Made by the account {user}: sent once {user} logs in on this phone.'],
    others: ['{n} isian milik akun lain menunggu akun itu masuk kembali.', '{n} item(s) of another account wait for that account to log in again.'],
    refill: ['Isian dari antrean dimuat kembali; perbaiki lalu simpan.', 'The queued answers are back in the form; correct them and save.'],
    sending: ['Mengirim: ', 'Sending: ']
  };
  function say(key) {
    return TEXT[key][inPage && document.documentElement.lang === 'en' ? 1 : 0];
  }

  // ---- IndexedDB queue -------------------------------------------------------------------
  function open() {
    return new Promise((resolve, reject) => {
      if (!root.indexedDB) return reject(new Error(say('noStore')));
      const req = root.indexedDB.open(DB, 1);
      req.onupgradeneeded = () => {
        const s = req.result.createObjectStore(STORE, { keyPath: 'id' });
        s.createIndex('created_at', 'created_at');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  function tx(mode, fn) {
    return open().then((db) => new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const out = fn(t.objectStore(STORE));
      t.oncomplete = () => { db.close(); resolve(out && 'result' in out ? out.result : out); };
      t.onerror = () => { db.close(); reject(t.error); };
      t.onabort = () => { db.close(); reject(t.error); };
    }));
  }
  const all = () => tx('readonly', (s) => s.getAll()).then((v) => (v || []).sort((a, b) => (a.created_at < b.created_at ? -1 : 1)));
  const get = (id) => tx('readonly', (s) => s.get(id));
  const put = (item) => tx('readwrite', (s) => { s.put(item); });
  const remove = (id) => tx('readwrite', (s) => { s.delete(id); });

  let channel = null;
  try { channel = new BroadcastChannel('sinergi-lapangan'); } catch (e) { /* older browser: this tab only */ }
  const listeners = [];
  function changed() {
    listeners.forEach((f) => f());
    if (channel) channel.postMessage('antrean');
  }
  if (channel) channel.onmessage = () => listeners.forEach((f) => f());

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    const b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // ---- sending ---------------------------------------------------------------------------
  /** Sends one item; returns 'terkirim', 'ditolak', 'menunggu' (network, 408/429/5xx) or 'login'. */
  /** The request of one item. In a page it goes by XMLHttpRequest, whose upload reports its
   * progress (a C.Hasil with its photos is hundreds of KB on a slow uplink): each step is a
   * `lapangan:kemajuan` event {id, loaded, total} on the document. The worker uses fetch. */
  function request(item) {
    const headers = { 'Content-Type': 'application/json', 'Idempotency-Key': item.id, 'Accept-Language': 'id' };
    if (!inPage || typeof XMLHttpRequest === 'undefined') {
      return fetch(item.url, { method: item.method, headers, credentials: 'same-origin', body: item.body })
        .then(async (r) => ({ ok: r.ok, status: r.status, text: await r.text().catch(() => '') }));
    }
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open(item.method, item.url);
      Object.keys(headers).forEach((k) => x.setRequestHeader(k, headers[k]));
      const step = (loaded, total) => document.dispatchEvent(new CustomEvent('lapangan:kemajuan', { detail: { id: item.id, loaded, total } }));
      x.upload.onprogress = (e) => step(e.loaded, e.lengthComputable ? e.total : 0);
      x.onload = () => resolve({ ok: x.status >= 200 && x.status < 300, status: x.status, text: x.responseText });
      x.onerror = () => reject(new Error('network'));
      x.ontimeout = () => reject(new Error('timeout'));
      x.onabort = () => reject(new Error('abort'));
      step(0, (item.body || '').length);
      x.send(item.body);
    });
  }

  async function sendOne(item) {
    let resp;
    try {
      resp = await request(item);
    } catch (e) {
      item.state = 'menunggu'; item.message = ''; await put(item);
      return 'menunggu';
    }
    let message = '';
    try { const j = JSON.parse(resp.text); message = (j && j.error && j.error.message) || ''; } catch (e) { /* not JSON */ }
    item.tries = (item.tries || 0) + 1;
    if (resp.ok) {
      item.state = 'terkirim'; item.message = ''; item.sent_at = new Date().toISOString();
      // A report's receipt number is the reporter's only way to follow it (/lacak): keep it.
      try { const j = JSON.parse(resp.text); if (j && typeof j.receipt === 'string') item.receipt = j.receipt; } catch (e) { /* not JSON */ }
      // Kept for the list; the body (photos) is no longer needed on the phone.
      item.body = null;
    } else if (resp.status === 401) {
      item.state = 'menunggu'; item.message = say('login'); item.login = true;
    } else if (resp.status === 408 || resp.status === 429 || resp.status >= 500) {
      item.state = 'menunggu'; item.message = message || say('serverBusy');
    } else {
      item.state = 'ditolak'; item.message = message || ('HTTP ' + resp.status);
    }
    await put(item);
    return resp.status === 401 ? 'login' : item.state;
  }

  /** The session's username, or {login: true} (no session), or {offline: true}. */
  async function whoami() {
    try {
      const r = await fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json', 'Accept-Language': 'id' } });
      if (r.status === 401) return { login: true };
      if (!r.ok) return { offline: true };
      const j = await r.json();
      return { username: j.username };
    } catch (e) {
      return { offline: true };
    }
  }

  let flushing = null;
  /** Sends every waiting item, oldest first, one at a time; stops at the first network failure
   * or expired session. One sender per device (Web Locks), so a page and the worker never send
   * the same item at once; the server's idempotency answers any repeat with the first answer. */
  function flush(why) {
    // An item queued while a round runs is sent by the next round.
    if (flushing) return flushing.then(() => flush(why));
    const run = async () => {
      const result = { sent: 0, refused: 0, waiting: 0, offline: false, login: false };
      let items;
      try { items = await all(); } catch (e) { return result; }
      if (!items.some((i) => i.state === 'menunggu')) return result;
      // Who the session belongs to: an item is sent only under the account that made it (a
      // phone shared by a PPS and a KPPS must not send one's form as the other's).
      // A logout made without signal is not finished yet: the session still on this phone is
      // the officer's who logged out, and sends nothing more (sw.js, settleLogout).
      if (root.caches && await root.caches.has(PENDING_LOGOUT).catch(() => false)) { result.login = true; return result; }
      const me = await whoami();
      if (me.offline) { result.offline = true; return result; }
      for (const item of items) {
        if (item.state !== 'menunggu') continue;
        // A citizen's report made without an account is sent without one.
        if ((me.login && item.user) || (item.user && me.username && item.user !== me.username)) {
          const msg = me.login ? say('login') : say('otherUser').split('{user}').join(item.user);
          if (item.message !== msg) { item.message = msg; item.login = true; await put(item); changed(); }
          result.waiting++; result.login = true;
          continue;
        }
        const fresh = await get(item.id);
        if (!fresh || fresh.state !== 'menunggu') continue;
        const r = await sendOne(fresh);
        changed();
        if (r === 'terkirim') result.sent++;
        else if (r === 'ditolak') result.refused++;
        else {
          result.waiting++;
          if (r === 'login') result.login = true; else result.offline = true;
          break;
        }
      }
      return result;
    };
    const locked = root.navigator && root.navigator.locks ? root.navigator.locks.request('sinergi-antrean', run) : run();
    flushing = locked.finally(() => { flushing = null; });
    return flushing;
  }

  async function enqueue(item) {
    await put(item);
    changed();
    if (inPage && 'serviceWorker' in navigator) {
      navigator.serviceWorker.ready.then((reg) => reg.sync && reg.sync.register('antrean')).catch(() => {});
    }
  }

  /** After a logout: the copies of the officer's pages and API answers (tasks, forms, places)
   * are gone, so the next person using the phone sees none of them, online or offline. The app
   * shell (lapangan-shell-*) stays, and the IndexedDB queue is never touched here: its unsent
   * items belong to their accounts and wait for them. */
  const forget = () => (root.caches ? Promise.all([PAGES, DATA].map((name) => root.caches.delete(name))) : Promise.resolve());

  const api = { flush, all, get, remove, enqueue, uuid, whoami, forget, PAGES, DATA, PENDING_LOGOUT, onChange: (f) => listeners.push(f), checks: new Map(), say };
  root.Lapangan = api;
  if (!inPage) {
    // In the service worker: a sync that found no signal fails, so the browser tries again.
    const plain = flush;
    api.flush = (why) => plain(why).then((r) => { if (why === 'sync' && r.offline) throw new Error('tanpa sinyal'); return r; });
    return;
  }

  // ---- forms -----------------------------------------------------------------------------
  /** `check(form, fn)`: fn(body) returns null or a message in Indonesian that blocks queueing. */
  api.check = function (form, fn) {
    const list = api.checks.get(form) || [];
    list.push(fn);
    api.checks.set(form, list);
  };

  /** A path segment: digits are an array index; `[…]` is an object key as written, digits
   * included (a candidate's ballot number `votes.[01]`). */
  const segment = (k) => (/^\[.*\]$/.test(k) ? k.slice(1, -1) : /^\d+$/.test(k) ? Number(k) : k);
  function setPath(obj, path, value) {
    const parts = path.split('.');
    let cur = obj;
    for (let i = 0; i < parts.length; i++) {
      const key = segment(parts[i]);
      if (i === parts.length - 1) { cur[key] = value; return; }
      if (cur[key] === undefined || cur[key] === null) cur[key] = typeof segment(parts[i + 1]) === 'number' ? [] : {};
      cur = cur[key];
    }
  }
  function getPath(obj, path) {
    return path.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[segment(k)]), obj);
  }
  /** Arrays built from sparse numeric paths lose their holes (a skipped row is not a null). */
  function compact(v) {
    if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compact);
    if (v && typeof v === 'object') { Object.keys(v).forEach((k) => { v[k] = compact(v[k]); }); }
    return v;
  }

  function serialise(form) {
    const body = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.type === 'file' || el.type === 'submit' || el.type === 'button') continue;
      const type = el.dataset.type || 'string';
      if (el.type === 'radio' && !el.checked) continue;
      if (el.type === 'checkbox') {
        if (type === 'bool') setPath(body, el.name, el.checked);
        else if (el.checked) { const cur = getPath(body, el.name); setPath(body, el.name, (cur || []).concat([el.value])); }
        continue;
      }
      const raw = el.value;
      if (type === 'int') {
        if (raw.trim() === '') continue;
        const n = Number(raw.trim().replace(/\./g, ''));
        setPath(body, el.name, Number.isFinite(n) ? n : raw);
      } else if (type === 'bool') {
        setPath(body, el.name, raw === 'true' || raw === '1' || raw === 'on');
      } else if (raw !== '') {
        setPath(body, el.name, raw);
      }
    }
    return compact(body);
  }

  function readAsDataURL(blob) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.readAsDataURL(blob);
    });
  }
  async function bitmapOf(file) {
    if (root.createImageBitmap) {
      try { return await createImageBitmap(file, { imageOrientation: 'from-image' }); } catch (e) { /* fall back below */ }
    }
    const url = await readAsDataURL(file);
    return new Promise((resolve, reject) => { const img = new Image(); img.onload = () => resolve(img); img.onerror = reject; img.src = url; });
  }
  /** A photo as base64 JPEG (no "data:" prefix), its long side at most 1600 px. */
  async function downscale(file) {
    const img = await bitmapOf(file);
    const w = img.width, h = img.height;
    const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(w * scale));
    canvas.height = Math.max(1, Math.round(h * scale));
    canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
    const data = await readAsDataURL(blob);
    return String(data).split(',')[1];
  }
  async function photos(form, body) {
    for (const input of form.querySelectorAll('input[type=file][data-photo],input[type=file][data-photo-one]')) {
      const many = input.dataset.photo;
      const path = many || input.dataset.photoOne;
      const chosen = Array.from(input.files || []);
      if (!chosen.length) continue;
      const encoded = [];
      for (const f of chosen) encoded.push(await downscale(f));
      if (many) setPath(body, path, (getPath(body, path) || []).concat(encoded));
      else setPath(body, path, encoded[0]);
    }
    // Photos of the item being corrected stay unless new ones were chosen.
    const kept = form._kept || {};
    Object.keys(kept).forEach((path) => { if (getPath(body, path) === undefined) setPath(body, path, kept[path]); });
    return body;
  }

  function line(form, cls) {
    let p = form.querySelector('p.' + cls);
    if (!p) { p = document.createElement('p'); p.className = cls; p.setAttribute('role', cls === 'refusal' ? 'alert' : 'status'); form.prepend(p); }
    return p;
  }
  function show(form, cls, text, node) {
    const p = line(form, cls);
    p.textContent = text || '';
    if (node) p.append(' ', node);
    p.hidden = !text;
  }
  function loginLink() {
    const a = document.createElement('a');
    a.href = '/masuk?next=' + encodeURIComponent(location.pathname);
    a.textContent = say('loginLink');
    a.className = 'login-again';
    return a;
  }

  async function submit(form) {
    show(form, 'refusal', '');
    show(form, 'status', '');
    let body;
    try { body = await photos(form, serialise(form)); } catch (e) { show(form, 'refusal', say('photoFail')); return; }
    for (const fn of api.checks.get(form) || []) {
      const msg = fn(body);
      if (msg) { show(form, 'refusal', msg); return; }
    }
    const replaced = form._replaces;
    // The form's own address with its query (e.g. ?pemilu=…), without a previous ?antrean=.
    const here = new URL(location.href);
    here.searchParams.delete('antrean');
    const item = {
      id: uuid(), url: form.dataset.api, method: (form.dataset.method || 'POST').toUpperCase(), body: JSON.stringify(body),
      title: form.dataset.title || document.title, form_url: here.pathname + here.search, created_at: new Date().toISOString(),
      state: 'menunggu', message: '', user: document.body.dataset.user || null
    };
    try { await enqueue(item); } catch (e) { show(form, 'refusal', e.message || say('noStore')); return; }
    // A correction replaces the refused item only once the new one is safely queued.
    if (replaced) { await remove(replaced); form._replaces = null; form._kept = null; changed(); }
    show(form, 'status', say('queued'));
    form.dataset.queued = item.id;
    const progress = (e) => {
      if (e.detail.id !== item.id || !e.detail.total) return;
      const kb = (n) => Math.round(n / 1024);
      show(form, 'status', say('sending') + Math.floor(100 * e.detail.loaded / e.detail.total) + '% (' + kb(e.detail.loaded) + ' / ' + kb(e.detail.total) + ' KB)');
    };
    document.addEventListener('lapangan:kemajuan', progress);
    try { await flush('submit'); } finally { document.removeEventListener('lapangan:kemajuan', progress); }
    const now = await get(item.id);
    if (!now) return;
    if (now.state === 'terkirim') { show(form, 'status', say('sent')); form.dispatchEvent(new CustomEvent('lapangan:terkirim', { detail: now })); }
    else if (now.state === 'ditolak') { show(form, 'status', ''); show(form, 'refusal', say('refused') + now.message); }
    else if (now.login) show(form, 'status', say('login'), loginLink());
    else show(form, 'status', say('queued'));
  }

  /** ?antrean=<id>: the refused item's answers back in its form, to correct and resend. */
  async function refill() {
    const id = new URLSearchParams(location.search).get('antrean');
    if (!id) return;
    const item = await get(id).catch(() => null);
    if (!item || !item.body || !mine(item, await phoneAccount())) return;
    const form = Array.from(document.querySelectorAll('form.lapangan')).find((f) => f.dataset.api === item.url) || document.querySelector('form.lapangan');
    if (!form) return;
    const body = JSON.parse(item.body);
    for (const el of form.elements) {
      if (!el.name || el.type === 'file') continue;
      const v = getPath(body, el.name);
      if (v === undefined) continue;
      if (el.type === 'checkbox') el.checked = el.dataset.type === 'bool' ? !!v : (Array.isArray(v) ? v.includes(el.value) : false);
      else if (el.type === 'radio') el.checked = String(v) === el.value;
      else el.value = String(v);
    }
    form._kept = {};
    let count = 0;
    for (const input of form.querySelectorAll('input[type=file][data-photo],input[type=file][data-photo-one]')) {
      const path = input.dataset.photo || input.dataset.photoOne;
      const v = getPath(body, path);
      if (v !== undefined) { form._kept[path] = v; count += Array.isArray(v) ? v.length : 1; }
    }
    form._replaces = item.id;
    show(form, 'refusal', say('refused') + (item.message || ''));
    show(form, 'status', say('refill') + (count ? ' ' + count + ' ' + say('kept') : ''));
    form.dispatchEvent(new Event('input', { bubbles: true }));
  }

  // ---- the queue page and the badge ------------------------------------------------------
  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    const months = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];
    const hh = String(d.getHours()).padStart(2, '0'), mm = String(d.getMinutes()).padStart(2, '0');
    return d.getDate() + ' ' + months[d.getMonth()] + ' ' + d.getFullYear() + ' ' + hh + '.' + mm;
  }
  async function badge() {
    const el = document.getElementById('antrean-count');
    if (!el) return;
    const items = await all().catch(() => []);
    const open = items.filter((i) => i.state !== 'terkirim').length;
    el.textContent = String(open);
    el.hidden = open === 0;
    el.dataset.refused = String(items.filter((i) => i.state === 'ditolak').length);
  }
  function button(text, cls, fn) {
    const b = document.createElement('button');
    b.type = 'button'; b.textContent = text; b.className = cls;
    b.addEventListener('click', fn);
    return b;
  }
  /** The account this phone is in the hands of: the one logged in on this page, else the last
   * one that logged in here and has not logged out (a session that ended by itself still
   * shows its officer's queue, to log in again from). Kept beside the page copies, so a
   * logout's forget() drops it with them. */
  async function phoneAccount() {
    if (document.body.dataset.user) return document.body.dataset.user;
    if (!root.caches) return null;
    const r = await root.caches.match(ACCOUNT, { cacheName: PAGES }).catch(() => null);
    return r ? (await r.text()) || null : null;
  }
  /** Whether the person holding the phone may see an item: that account made it, or it was
   * made without one (a citizen's report). On a shared phone another officer's answers stay
   * private; the page only counts them. */
  const mine = (item, me) => !item.user || item.user === me;
  async function renderQueue() {
    const list = document.getElementById('antrean');
    if (!list) return;
    const noscript = document.getElementById('antrean-noscript');
    if (noscript) noscript.hidden = true;
    const every = (await all().catch(() => [])).reverse();
    const me = await phoneAccount();
    const items = every.filter((i) => mine(i, me));
    const others = every.filter((i) => !mine(i, me) && i.state !== 'terkirim').length;
    // Redrawn only when something changed, so a tap never lands on a list being replaced.
    const sig = JSON.stringify([others, items.map((i) => [i.id, i.state, i.message, i.sent_at, !!i.login])]);
    if (list.dataset.sig === sig) return;
    list.dataset.sig = sig;
    list.replaceChildren();
    if (others) {
      const li = document.createElement('li'); li.className = 'others'; li.textContent = say('others').replace('{n}', String(others)); list.append(li);
    }
    if (!items.length && !others) {
      const li = document.createElement('li'); li.className = 'empty'; li.textContent = say('empty'); list.append(li);
    }
    for (const item of items) {
      const li = document.createElement('li');
      li.className = 'item'; li.dataset.state = item.state; li.dataset.id = item.id;
      const title = document.createElement('strong'); title.className = 'title'; title.textContent = item.title;
      const state = document.createElement('span'); state.className = 'state'; state.textContent = say(item.state);
      const meta = document.createElement('small'); meta.className = 'muted';
      meta.textContent = say('made') + ' ' + when(item.created_at) + (item.sent_at ? ' · ' + say('sentAt') + ' ' + when(item.sent_at) : '');
      li.append(title, ' ', state, document.createElement('br'), meta);
      if (item.message) {
        const m = document.createElement('p'); m.className = 'message'; m.textContent = item.message;
        if (item.login && item.state === 'menunggu') m.append(' ', loginLink());
        li.append(m);
      }
      if (item.receipt) {
        const r = document.createElement('p'); r.className = 'receipt';
        const a = document.createElement('a'); a.href = '/lacak/' + encodeURIComponent(item.receipt); a.textContent = item.receipt;
        r.append(say('receipt') + ' ', a); li.append(r);
      }
      const tools = document.createElement('div'); tools.className = 'tools';
      if (item.state === 'ditolak') {
        const a = document.createElement('a');
        a.className = 'fix'; a.textContent = say('fix');
        a.href = item.form_url + (item.form_url.includes('?') ? '&' : '?') + 'antrean=' + encodeURIComponent(item.id);
        tools.append(a);
      }
      if (item.state === 'menunggu') tools.append(button(say('send'), 'send', () => flush('button')));
      if (item.state !== 'menunggu') tools.append(button(say('remove'), 'remove', () => remove(item.id).then(changed)));
      li.append(tools);
      list.append(li);
    }
  }
  function signal() {
    const el = document.getElementById('sinyal');
    if (el) { el.textContent = navigator.onLine ? say('online') : say('offline'); el.dataset.online = navigator.onLine ? '1' : '0'; }
  }

  /** Keeps the forms the home links to (data-offline) and the pages they lead to one level
   * further (their own data-offline links and <link data-offline>) in the page cache, so they
   * open without signal. */
  async function warm() {
    if (!root.caches || !navigator.onLine) return;
    const links = Array.from(document.querySelectorAll('a[data-offline][href],link[data-offline][href]')).map((a) => a.href);
    if (!links.length) return;
    const cache = await caches.open(PAGES);
    const seen = new Set();
    const fetchKeep = async (url, depth) => {
      const u = new URL(url, location.href);
      if (u.origin !== location.origin || seen.has(u.href)) return;
      seen.add(u.href);
      let resp;
      try { resp = await fetch(u.href, { credentials: 'same-origin' }); } catch (e) { return; }
      if (!resp.ok || resp.redirected) return;
      const isHtml = (resp.headers.get('content-type') || '').startsWith('text/html');
      await cache.put(u.href, resp.clone());
      if (depth > 0 && isHtml) {
        const doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
        const more = Array.from(doc.querySelectorAll('a[data-offline][href],link[data-offline][href]')).map((a) => new URL(a.getAttribute('href'), u.href).href);
        for (const m of more) await fetchKeep(m, depth - 1);
      }
    };
    for (const l of links) await fetchKeep(l, 1);
    document.body.dataset.warmed = String(seen.size);
  }

  function start() {
    document.addEventListener('submit', (e) => {
      const form = e.target.closest && e.target.closest('form.lapangan');
      if (!form) return;
      e.preventDefault();
      submit(form);
    });
    listeners.push(() => { badge(); renderQueue(); });
    window.addEventListener('online', () => { signal(); flush('online'); });
    window.addEventListener('offline', signal);
    signal();
    badge();
    if (document.body.dataset.user && root.caches) {
      caches.open(PAGES).then((c) => c.put(ACCOUNT, new Response(document.body.dataset.user))).catch(() => {});
    }
    renderQueue();
    refill();
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('/lapangan/sw.js', { scope: '/lapangan' }).catch(() => {});
    }
    // The app opened: send what waits, then keep the forms for the next time without signal.
    flush('open').then(() => warm()).catch(() => {});
  }
  api.serialise = serialise;
  api.refill = refill;
  api.renderQueue = renderQueue;
  api.warm = warm;
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})(typeof self !== 'undefined' ? self : this);
