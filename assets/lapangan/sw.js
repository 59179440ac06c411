/* Sinergi Lapangan service worker (scope /lapangan). It keeps the app usable without signal:
 * - the shell (home, queue page, script, stylesheet, icons) is precached at install;
 * - pages under /lapangan: network first with a short timeout, else the last copy kept;
 * - GET /api/v1/… (form rules, places): network first, else the last copy kept;
 * - versioned assets (?v=…): cache first, they never change under one address;
 * - Background Sync (tag "antrean") sends the queue kept in IndexedDB, through the same code
 *   as the pages (app.js, imported here). Writes themselves never pass through a cache;
 * - a logout (POST /lapangan/keluar from the home, or any logout, which passes through
 *   GET /lapangan/keluar) forgets the officer's copies (pages, API answers), with or without
 *   signal; a logout without signal ends the session on the server when the signal returns. */
'use strict';
const VERSION = '__VERSION__';
const SHELL = 'lapangan-shell-' + VERSION;
importScripts('/lapangan/app.js?v=' + VERSION);
// PENDING_LOGOUT: a logout made without signal; its one entry names whose session the server
// still holds (ended when the signal returns, see settleLogout).
const { PAGES, DATA, PENDING_LOGOUT } = self.Lapangan;
const LOGOUT = '/lapangan/keluar';
const TIMEOUT_MS = 3500;
const ASSETS = ['/lapangan/app.js?v=' + VERSION, '/assets/picker.js?v=' + VERSION, '/assets/app.css?v=' + VERSION,
  '/lapangan/manifest.webmanifest', '/lapangan/icon-192.png'];
const SHELL_PAGES = ['/lapangan', '/lapangan/antrean'];
/** The queue page as anyone sees it (no account): what opens offline after a logout, so the
 * queue of items not yet sent is still reachable without the previous officer's page. */
const QUEUE = '/lapangan/antrean';

/** Keeps a copy of a good answer: never a redirect (an expired session's login page must not
 * stand in for the home) nor an error page. */
function keep(cacheName, req, resp) {
  if (resp && resp.ok && !resp.redirected && resp.type === 'basic') {
    const copy = resp.clone();
    return caches.open(cacheName).then((c) => c.put(req, copy)).catch(() => {});
  }
  return Promise.resolve();
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await Promise.all(ASSETS.map((u) => fetch(u, { credentials: 'same-origin' }).then((r) => r.ok && shell.put(u, r)).catch(() => {})));
    await Promise.all(SHELL_PAGES.map((u) => fetch(u, { credentials: 'same-origin' }).then((r) => keep(PAGES, u, r)).catch(() => {})));
    await fetch(QUEUE, { credentials: 'omit' }).then((r) => keep(SHELL, QUEUE, r)).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('lapangan-shell-') && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** The answer to a page that has no copy on the phone and no signal. With no copy of the home
 * either (nobody logged in here since the last logout), the phone asks for a login first. */
async function offlinePage() {
  const home = await (await caches.open(PAGES)).match('/lapangan', { ignoreVary: true });
  const [title, text] = home
    ? ['Tidak ada sinyal', '<p id="offline-missing">Halaman ini belum tersimpan di ponsel untuk dipakai tanpa sinyal. ' +
      'Buka Beranda; formulir yang tercantum di sana tersimpan otomatis saat ada sinyal.</p>']
    : ['Perlu masuk', '<p id="offline-login">Belum ada akun yang masuk di ponsel ini. Masuk saat ada sinyal untuk membuka pekerjaan Anda. ' +
      'Kiriman yang belum terkirim tetap tersimpan di <a href="/lapangan/antrean">Antrean</a> dan dikirim setelah akun pembuatnya masuk kembali.</p>'];
  const html = '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>' + title + ' · Sinergi Lapangan</title><link rel="stylesheet" href="/assets/app.css?v=' + VERSION + '"></head><body class="lapangan">' +
    '<header class="field"><a class="brand" href="/lapangan">Sinergi Lapangan</a><nav><a href="/lapangan">Beranda</a> <a href="/lapangan/antrean">Antrean</a></nav></header>' +
    '<main class="field"><h1>' + title + '</h1>' + text + '</main></body></html>';
  return new Response(html, { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}

async function fromCache(req, cacheName, navigation) {
  const opts = { ignoreVary: true };
  const c = await caches.open(cacheName);
  let r = await c.match(req, opts);
  if (!r) r = await caches.match(req, opts);
  // A form opened to correct a refused item (?antrean=…) is the same page.
  if (!r && navigation) r = await c.match(req, { ignoreVary: true, ignoreSearch: true });
  return r;
}

function networkFirst(req, cacheName, navigation) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r) => { if (!done && r) { done = true; resolve(r); } };
    const timer = setTimeout(() => { fromCache(req, cacheName, navigation).then(finish); }, TIMEOUT_MS);
    fetch(req).then(async (resp) => {
      clearTimeout(timer);
      if (resp.status >= 500) {
        const cached = await fromCache(req, cacheName, navigation);
        if (cached) return finish(cached);
      }
      keep(cacheName, req, resp);
      finish(resp);
    }).catch(async () => {
      clearTimeout(timer);
      const cached = await fromCache(req, cacheName, navigation);
      if (cached) finish(cached);
      else if (navigation) finish(await offlinePage());
      else finish(new Response(JSON.stringify({ error: { code: 'offline', message: 'Tidak ada sinyal dan belum ada salinan tersimpan.' } }),
        { status: 503, headers: { 'Content-Type': 'application/json' } }));
    });
  });
}

async function cacheFirst(req) {
  const hit = await caches.match(req, { ignoreVary: true });
  if (hit) return hit;
  const resp = await fetch(req);
  await keep(SHELL, req, resp.clone());
  return resp;
}

/** The home's "Keluar": the officer's copies go first, whatever the signal. Without signal the
 * server cannot end the session now (nor the phone drop its HttpOnly cookie), so the worker
 * remembers whose it was and ends it when the signal returns; meanwhile every page asks for a
 * login (offlinePage) and the queue page shows no one's items but its own. */
async function logout(req) {
  const form = await req.clone().formData().catch(() => null);
  const who = form && form.get('akun');
  await self.Lapangan.forget();
  try {
    const resp = await fetch(req);
    await caches.delete(PENDING_LOGOUT);
    // A page of the officer's that was still being kept while the logout went out.
    await self.Lapangan.forget();
    return resp;
  } catch (e) {
    if (who) await (await caches.open(PENDING_LOGOUT)).put(LOGOUT, new Response(String(who)));
    return Response.redirect('/lapangan', 303);
  }
}

/** A logout made without signal, finished once there is signal: the session still open on the
 * server is ended only if it is still the one that logged out (someone else may have logged in
 * since, from the login page, which is outside this worker's reach). */
async function settleLogout() {
  if (!(await caches.has(PENDING_LOGOUT))) return;
  const hit = await (await caches.open(PENDING_LOGOUT)).match(LOGOUT);
  const who = hit ? await hit.text() : '';
  const me = await self.Lapangan.whoami();
  if (me.offline) return;
  if (me.username && me.username === who) {
    try {
      await fetch(LOGOUT, { method: 'POST', credentials: 'same-origin', redirect: 'manual' });
    } catch (e) {
      return;
    }
  }
  await caches.delete(PENDING_LOGOUT);
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const p = url.pathname;
  if (p === LOGOUT) {
    // POST: the home's logout. GET: any other logout on its way out (the console's /keluar).
    if (req.method === 'POST') return event.respondWith(logout(req));
    if (req.method === 'GET') return event.respondWith(self.Lapangan.forget().then(() => fetch(req)));
    return;
  }
  if (req.method !== 'GET') return; // writes go to the server (or wait in the queue), never to a cache
  if (req.mode === 'navigate') {
    if (p === '/lapangan' || p.startsWith('/lapangan/')) {
      event.respondWith(Promise.race([settleLogout().catch(() => {}), pause(TIMEOUT_MS)]).then(() => networkFirst(req, PAGES, true)));
    }
    return;
  }
  // Who is logged in is never answered from a copy.
  if (p === '/api/v1/me') return;
  if (url.searchParams.has('v')) return event.respondWith(cacheFirst(req));
  if (p.startsWith('/api/v1/')) return event.respondWith(networkFirst(req, DATA, false));
  if (p.startsWith('/lapangan') || p.startsWith('/assets/') || p.startsWith('/foto/')) return event.respondWith(networkFirst(req, DATA, false));
});

self.addEventListener('sync', (event) => {
  if (event.tag === 'antrean') event.waitUntil(self.Lapangan.flush('sync'));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'kirim') event.waitUntil(self.Lapangan.flush('message'));
});
