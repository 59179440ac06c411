/* Sinergi Lapangan service worker (scope /lapangan). It keeps the app usable without signal:
 * - the shell (home, queue page, script, stylesheet, icons) is precached at install;
 * - pages under /lapangan: network first with a short timeout, else the last copy kept;
 * - GET /api/v1/… (form rules, places): network first, else the last copy kept;
 * - versioned assets (?v=…): cache first, they never change under one address;
 * - Background Sync (tag "antrean") sends the queue kept in IndexedDB, through the same code
 *   as the pages (app.js, imported here). Writes themselves never pass through a cache. */
'use strict';
const VERSION = '__VERSION__';
const SHELL = 'lapangan-shell-' + VERSION;
const PAGES = 'lapangan-halaman';
const DATA = 'lapangan-data';
const TIMEOUT_MS = 3500;
const ASSETS = ['/lapangan/app.js?v=' + VERSION, '/assets/picker.js?v=' + VERSION, '/assets/app.css?v=' + VERSION,
  '/lapangan/manifest.webmanifest', '/lapangan/icon-192.png'];
const SHELL_PAGES = ['/lapangan', '/lapangan/antrean'];

importScripts('/lapangan/app.js?v=' + VERSION);

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

function offlinePage() {
  const html = '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Luring · Sinergi Lapangan</title><link rel="stylesheet" href="/assets/app.css?v=' + VERSION + '"></head><body class="lapangan">' +
    '<header class="field"><a class="brand" href="/lapangan">Sinergi Lapangan</a><nav><a href="/lapangan">Beranda</a> <a href="/lapangan/antrean">Antrean</a></nav></header>' +
    '<main class="field"><h1>Tidak ada sinyal</h1><p id="offline-missing">Halaman ini belum tersimpan di ponsel untuk dipakai tanpa sinyal. ' +
    'Buka Beranda; formulir yang tercantum di sana tersimpan otomatis saat ada sinyal.</p></main></body></html>';
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
      else if (navigation) finish(offlinePage());
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

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return; // writes go to the server (or wait in the queue), never to a cache
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const p = url.pathname;
  if (req.mode === 'navigate') {
    if (p === '/lapangan' || p.startsWith('/lapangan/')) event.respondWith(networkFirst(req, PAGES, true));
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
