/* Sinergi: the TPS permalink checks the public log itself (results::pages::log_section).
 * It fetches the proof of the TPS's entries, recomputes each listed leaf's hash (RFC 9162:
 * SHA-256(0x00 ‖ leaf)), walks its inclusion proof (nodes SHA-256(0x01 ‖ left ‖ right)) up to
 * the root the signed checkpoint names, and compares the numbers in the leaf with the numbers
 * the page shows in that source's column. SHA-256 comes from WebCrypto where the page is a
 * secure context (https, localhost) and from the small implementation below otherwise (a
 * polling station's LAN server over plain http). The checkpoint's signature is left to
 * `sinergi log watch`, as the page says. */
(function () {
  'use strict';
  var box = document.getElementById('log-proof');
  if (!box || !window.fetch || !window.Uint8Array) return;
  // One line per message: [Bahasa Indonesia, English].
  var TEXT = {
    checking: ['Memeriksa log publik…', 'Checking the public log…'],
    ok: ['Terverifikasi: angka di halaman ini sama dengan log publik (checkpoint ukuran {n}).', 'Verified: the numbers on this page are the public log\'s (checkpoint of size {n}).'],
    okOne: ['cocok dengan log', 'matches the log'],
    failed: ['TIDAK COCOK dengan log publik: ', 'DOES NOT MATCH the public log: '],
    bad: ['tidak cocok', 'does not match'],
    pending: ['Entri {leaf} lebih baru dari checkpoint terakhir; dapat diperiksa dalam beberapa detik (mencoba lagi).', 'Entry {leaf} is newer than the latest checkpoint; it can be checked within seconds (trying again).'],
    stillPending: ['Entri {leaf} belum masuk checkpoint; muat ulang halaman sebentar lagi.', 'Entry {leaf} is not in a checkpoint yet; reload the page in a moment.'],
    notListed: ['{who} belum tercatat di log, jadi belum dapat diperiksa', '{who} is not in the log yet, so it cannot be checked'],
    noFetch: ['Bukti log tidak dapat diambil ({why}); coba lagi nanti.', 'The log\'s proof could not be fetched ({why}); try again later.'],
    retrying: ['Bukti log belum dapat diambil ({why}); mencoba lagi…', 'The log\'s proof could not be fetched yet ({why}); trying again…'],
    missing: ['entri {leaf} tidak ada dalam bukti dari server', 'entry {leaf} is not in the server\'s proof'],
    notIncluded: ['bukti inklusi entri {leaf} tidak sampai ke akar checkpoint ukuran {n} (isi entri di server telah berubah dari yang tercatat)', 'the inclusion proof of entry {leaf} does not lead to the root of the checkpoint of size {n} (the entry on the server changed from what was recorded)'],
    badCheckpoint: ['checkpoint dari server tidak dapat dibaca', 'the server\'s checkpoint cannot be read'],
    badLeaf: ['entri {leaf} bukan JSON yang dapat dibaca', 'entry {leaf} is not readable JSON'],
    other: ['entri {leaf} mencatat {what} {got}, halaman ini {want}', 'entry {leaf} records {what} {got}, this page {want}'],
    field: ['entri {leaf}, {field}: halaman {page}, log {log}', 'entry {leaf}, {field}: page {page}, log {log}'],
    absent: ['tidak ada', 'none'],
    w_election: ['pemilihan', 'election'],
    w_tps: ['TPS', 'TPS'],
    w_contest: ['jenis pemilihan', 'contest'],
    w_source: ['sumber', 'source'],
    w_revision: ['revisi', 'revision'],
    w_kind: ['jenis formulir', 'form kind']
  };
  var en = document.documentElement.lang === 'en';
  function say(key, vars) {
    var s = TEXT[key][en ? 1 : 0];
    for (var k in vars || {}) s = s.split('{' + k + '}').join(String(vars[k]));
    return s;
  }

  // ---- SHA-256 (FIPS 180-4) for pages without WebCrypto ------------------------------------
  // Round constants: the first 32 bits of the fractional parts of the cube roots of the first
  // 64 primes; the initial state: the same of the square roots of the first 8.
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
  function sha256Plain(data) {
    var len = data.length;
    // The message, a 1 bit, zeros, and the length in bits as 64 bits big-endian.
    var padded = new Uint8Array(Math.ceil((len + 9) / 64) * 64);
    padded.set(data);
    padded[len] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(len / 0x20000000));
    view.setUint32(padded.length - 4, (len * 8) >>> 0);
    var h = H0.slice();
    var w = new Uint32Array(64);
    for (var off = 0; off < padded.length; off += 64) {
      var i;
      for (i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
      for (i = 16; i < 64; i++) {
        var x = w[i - 15], y = w[i - 2];
        var s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
        var s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    var out = new Uint8Array(32);
    var ov = new DataView(out.buffer);
    for (var j = 0; j < 8; j++) ov.setUint32(j * 4, h[j] >>> 0);
    return out;
  }
  var used = 'js';
  function sha256(bytes) {
    var subtle = window.crypto && window.crypto.subtle;
    if (subtle && subtle.digest) {
      used = 'webcrypto';
      return subtle.digest('SHA-256', bytes).then(function (b) { return new Uint8Array(b); });
    }
    used = 'js';
    return Promise.resolve(sha256Plain(bytes));
  }
  function join(prefix, parts) {
    var n = 1;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    out[0] = prefix;
    var at = 1;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function fromBase64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function same(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function utf8(s) {
    if (window.TextEncoder) return new TextEncoder().encode(s);
    var bin = unescape(encodeURIComponent(s)), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // The root the inclusion proof of leaf `index` leads to in the tree of `size` leaves (RFC 9162
  // §2.1.3.2), or null when the proof does not fit that position.
  function rootOf(index, size, leaf, path) {
    if (index >= size) return Promise.resolve(null);
    var fn = index, sn = size - 1;
    var step = sha256(join(0, [leaf]));
    path.forEach(function (p) {
      step = step.then(function (r) {
        if (r === null || sn === 0) return null;
        var next;
        if (fn % 2 === 1 || fn === sn) {
          next = sha256(join(1, [p, r]));
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        } else {
          next = sha256(join(1, [r, p]));
        }
        fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
        return next;
      });
    });
    return step.then(function (r) { return r !== null && sn === 0 ? r : null; });
  }

  // Every number of a form under its field path, as the page names its rows (Tally::fields).
  function fields(t) {
    var out = {};
    ['voters', 'users'].forEach(function (g) {
      var rows = t[g] || {};
      Object.keys(rows).forEach(function (cat) {
        ['l', 'p', 'total'].forEach(function (x) { if (rows[cat][x] != null) out[g + '.' + cat + '.' + x] = rows[cat][x]; });
      });
    });
    var d = t.disabled || {}, b = t.ballots || {};
    out['disabled.voters'] = d.voters; out['disabled.users'] = d.users;
    ['received', 'used', 'spoiled', 'unused'].forEach(function (k) { out['ballots.' + k] = b[k]; });
    Object.keys(t.votes || {}).forEach(function (c) { out['votes.' + c] = t.votes[c]; });
    out.valid = t.valid; out.invalid = t.invalid;
    return out;
  }
  // The numbers this page shows in a source's column: {field: [name of the row, number]}.
  function shown(source) {
    var out = {};
    var heads = Array.prototype.slice.call(document.querySelectorAll('table#sources thead th'));
    var col = -1;
    heads.forEach(function (th, i) { if (th.getAttribute('data-source') === source) col = i; });
    if (col < 0) return out;
    document.querySelectorAll('table#sources tbody tr[data-field]').forEach(function (tr) {
      var cell = tr.cells[col], text = cell ? cell.textContent.trim() : '';
      if (text === '') return;
      var digits = text.replace(/[^0-9-]/g, '');
      out[tr.getAttribute('data-field')] = [tr.cells[0].textContent.trim(), digits === '' ? NaN : Number(digits)];
    });
    return out;
  }
  function name(field, page) {
    if (page[field]) return page[field][0];
    var row = document.querySelector('table#sources tr[data-field="' + field + '"] td');
    return row ? row.textContent.trim() : field;
  }

  // Checks one listed leaf: problems (a list of sentences), or 'pending' when it is newer
  // than the checkpoint.
  function checkLeaf(entry, size, root, li, page) {
    var label = '#' + entry.leaf_index;
    if (!entry.inclusion) return Promise.resolve('pending');
    var bytes = utf8(entry.leaf);
    return rootOf(entry.leaf_index, size, bytes, entry.inclusion.map(fromBase64)).then(function (r) {
      var problems = [];
      if (!same(r, root)) problems.push(say('notIncluded', { leaf: label, n: size }));
      var leaf;
      try { leaf = JSON.parse(entry.leaf); } catch (e) { problems.push(say('badLeaf', { leaf: label })); return problems; }
      var want = { kind: 'c-hasil', election: box.getAttribute('data-election'), tps: box.getAttribute('data-tps'), contest: box.getAttribute('data-contest'),
        source: li.getAttribute('data-source'), revision: Number(li.getAttribute('data-revision')) };
      Object.keys(want).forEach(function (k) {
        if (leaf[k] !== want[k]) problems.push(say('other', { leaf: label, what: say('w_' + k), got: leaf[k], want: want[k] }));
      });
      var logged = fields(leaf.tally || {});
      var all = {};
      Object.keys(logged).concat(Object.keys(page)).forEach(function (f) { all[f] = true; });
      Object.keys(all).forEach(function (f) {
        var p = page[f] ? page[f][1] : undefined, l = logged[f];
        if (p !== l) problems.push(say('field', { leaf: label, field: name(f, page), page: p === undefined ? say('absent') : p, log: l === undefined ? say('absent') : l }));
      });
      return problems;
    });
  }

  var verdict = document.getElementById('log-verdict');
  var tries = 0;
  function show(text, state) {
    verdict.textContent = text;
    box.setAttribute('data-verdict', state);
  }
  function unlistedText() {
    var out = [];
    document.querySelectorAll('#log-entries li[data-source]').forEach(function (li) {
      if (!li.getAttribute('data-leaves')) out.push(say('notListed', { who: li.querySelector('.who').textContent }) + '.');
    });
    return out.join(' ');
  }
  function run() {
    // Nothing listed in the log (entered before it existed): nothing to fetch or to call verified.
    if (!document.querySelector('#log-entries li[data-leaves]:not([data-leaves=""])')) { show(unlistedText(), 'unlisted'); return Promise.resolve(); }
    show(say('checking'), 'checking');
    // The server's own reason comes in the page's language.
    return fetch(box.getAttribute('data-proof'), { cache: 'no-store', headers: { Accept: 'application/json', 'Accept-Language': en ? 'en' : 'id' } }).then(function (resp) {
      return resp.json().then(function (body) {
        if (!resp.ok) throw new Error(body && body.error && body.error.message || resp.status);
        return body;
      });
    }).then(function (proof) {
      // The checkpoint's own lines: origin, size, base64 root.
      var lines = String(proof.checkpoint || '').split('\n');
      var size = Number(lines[1]), root = null;
      try { root = fromBase64(lines[2] || ''); } catch (e) { root = null; }
      if (!(size > 0) || !root || root.length !== 32) { show(say('failed') + say('badCheckpoint'), 'failed'); return; }
      var byIndex = {};
      (proof.entries || []).forEach(function (e) { byIndex[e.leaf_index] = e; });
      var checks = [];
      document.querySelectorAll('#log-entries .check').forEach(function (m) { m.removeAttribute('data-ok'); m.textContent = ''; });
      document.querySelectorAll('#log-entries li[data-source]').forEach(function (li) {
        var leaves = (li.getAttribute('data-leaves') || '').split(' ').filter(Boolean);
        var mark = li.querySelector('.check');
        var page = shown(li.getAttribute('data-source'));
        if (!leaves.length) return;
        leaves.forEach(function (n) {
          var entry = byIndex[n];
          var done = entry ? checkLeaf(entry, size, root, li, page) : Promise.resolve([say('missing', { leaf: '#' + n })]);
          checks.push(done.then(function (r) { return { li: li, mark: mark, leaf: '#' + n, result: r }; }));
        });
      });
      return Promise.all(checks).then(function (results) {
        var problems = [], pending = [];
        results.forEach(function (x) {
          if (x.result === 'pending') { pending.push(x.leaf); return; }
          problems = problems.concat(x.result);
          var bad = x.result.length > 0 || x.mark.getAttribute('data-ok') === 'false';
          x.mark.setAttribute('data-ok', bad ? 'false' : 'true');
          x.mark.textContent = bad ? '✗ ' + say('bad') : '✓ ' + say('okOne');
        });
        if (problems.length) { show(say('failed') + problems.join('; ') + '.', 'failed'); return; }
        if (pending.length) {
          tries += 1;
          if (tries <= 5) { show(say('pending', { leaf: pending.join(', ') }), 'pending'); setTimeout(run, 2000); } else show(say('stillPending', { leaf: pending.join(', ') }), 'pending');
          return;
        }
        show((say('ok', { n: size }) + ' ' + unlistedText()).trim(), 'verified');
        box.setAttribute('data-sha', used);
      });
    }).catch(function (e) {
      // A weak signal, or a log that has just started and signed no checkpoint yet (it signs
      // within a second): tried again a few times before the reader is told to come back.
      var why = e && e.message || e;
      tries += 1;
      if (tries <= 5) { show(say('retrying', { why: why }), 'pending'); setTimeout(run, 2000); } else show(say('noFetch', { why: why }), 'error');
    });
  }
  window.sinergiVerifyLog = run;
  window.sinergiSha256 = sha256Plain;
  run();
})();
