// C.Hasil live checker (src/results/field.rs). It evaluates the table that
// GET /api/v1/elections/{id}/form-rules serves, the one the server gates with, over the body
// the field app will send: the running totals, every identity named in Indonesian, warnings
// shown but not blocking. It registers window.Lapangan.check(form, fn) so a form that does not
// add up is refused before it is queued.
(function () {
  "use strict";
  var embedded = document.getElementById("form-rules");
  var form = document.querySelector("form.lapangan");
  if (!form || !embedded) return;
  var table = null;
  try { table = JSON.parse(embedded.textContent); } catch (e) { table = null; }
  var status = document.getElementById("cek-status");
  var list = document.getElementById("cek-daftar");
  var refusal = form.querySelector("p.refusal");

  // The body as the field app serialises it: named fields by dot path, data-type="int" a
  // number (an empty one left out), other fields text (empty left out).
  function bodyOf() {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.disabled) return;
      var v = el.value;
      if (el.dataset.type === "int") {
        v = v.trim();
        if (v === "") return;
        v = /^[0-9]+$/.test(v) ? parseInt(v, 10) : NaN;
      } else if (el.dataset.type === "bool") {
        v = el.checked;
      } else if (v === "") {
        return;
      }
      var path = el.name.split(".").map(key);
      var o = body;
      for (var i = 0; i < path.length - 1; i++) {
        if (typeof o[path[i]] !== "object" || o[path[i]] === null) o[path[i]] = {};
        o = o[path[i]];
      }
      o[path[path.length - 1]] = v;
    });
    return body;
  }

  // A path segment as the field app reads it: `[01]` is the key "01" (a ballot number).
  function key(k) { return /^\[.*\]$/.test(k) ? k.slice(1, -1) : k; }

  function at(body, path) {
    var o = body;
    var parts = path.split(".").map(key);
    for (var i = 0; i < parts.length; i++) {
      if (o === null || typeof o !== "object") return undefined;
      o = o[parts[i]];
    }
    return o;
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  function rowValue(r) {
    if (!r || typeof r !== "object") return undefined;
    if (isNum(r.total)) return r.total;
    if (isNum(r.l) && isNum(r.p)) return r.l + r.p;
    return undefined;
  }

  // The rows a `*` sum runs over: every category of the election (and any other row the body
  // has) but the Jumlah row; every candidate of the form for votes.
  function keysOf(group, body) {
    var keys = [];
    if (group === "votes") {
      Array.prototype.forEach.call(form.querySelectorAll("input[name^='votes.']"), function (el) { keys.push(key(el.name.slice(6))); });
    } else {
      table.categories.forEach(function (c) { keys.push(c.key); });
    }
    Object.keys(body[group] || {}).forEach(function (k) {
      if (keys.indexOf(k) < 0 && !(group !== "votes" && k === table.total_row)) keys.push(k);
    });
    return keys;
  }

  // A term's value; undefined when it reads a number the form left empty. `partial` counts an
  // empty number as 0 (the running totals shown while the form is being filled in).
  function term(t, body, partial) {
    var kind = Object.keys(t)[0];
    var arg = t[kind];
    if (kind === "field") {
      var v = at(body, arg);
      return isNum(v) ? v : undefined;
    }
    if (kind === "row") return rowValue(at(body, arg));
    if (kind === "constant") return table.constants[arg];
    if (kind === "reserve") {
      var n = rowValue(at(body, arg.row));
      var bp = table.constants[arg.basis_points];
      if (!isNum(n) || !isNum(bp)) return undefined;
      return Math.floor((n * bp + 9999) / 10000);
    }
    if (kind === "sum") {
      var p = arg.split(".");
      var rows = body[p[0]] || {};
      var s = 0;
      var keys = keysOf(p[0], body);
      for (var i = 0; i < keys.length; i++) {
        var r = rows[keys[i]];
        var x = p.length > 2 ? (r ? r[p[2]] : undefined) : (p[0] === "votes" ? r : rowValue(r));
        if (!isNum(x)) {
          if (partial) continue;
          return undefined;
        }
        s += x;
      }
      return s;
    }
    return undefined;
  }

  function side(terms, body) {
    var s = 0;
    for (var i = 0; i < terms.length; i++) {
      var v = term(terms[i], body, false);
      if (!isNum(v)) return undefined;
      s += v;
    }
    return s;
  }

  function labelOf(name) {
    var el = form.elements[name];
    return (el && el.getAttribute("aria-label")) || name;
  }

  // What the table says of a body: numbers left empty or not numbers, hard failures, warnings.
  function evaluate(body) {
    var out = { missing: [], wrong: [], hard: [], warn: [] };
    Array.prototype.forEach.call(form.querySelectorAll("input[data-type='int']"), function (el) {
      var v = at(body, el.name);
      if (v === undefined && el.required) out.missing.push(labelOf(el.name));
      else if (v !== undefined && (!isNum(v) || v > Number(el.dataset.max))) out.wrong.push(labelOf(el.name));
    });
    table.identities.forEach(function (id) {
      var l = side(id.left, body);
      var r = side(id.right, body);
      if (!isNum(l) || !isNum(r)) return;
      var ok = id.cmp === "eq" ? l === r : l <= r;
      if (!ok) (id.warning ? out.warn : out.hard).push({ id: id, left: l, right: r });
    });
    return out;
  }

  function said(f) {
    return f.id.statement_id + " (" + f.left + (f.id.cmp === "eq" ? " ≠ " : " > ") + f.right + ")";
  }

  // The running totals: every <output data-term="kind:arg"> shows its term, empty counted 0.
  function totals(body) {
    Array.prototype.forEach.call(form.querySelectorAll("output[data-term]"), function (o) {
      var spec = o.dataset.term;
      var i = spec.indexOf(":");
      var kind = spec.slice(0, i);
      var arg = spec.slice(i + 1);
      var v;
      if (kind === "lp") {
        // A row's L + P as typed, beside the Jumlah the paper says.
        var r = at(body, arg) || {};
        v = (isNum(r.l) ? r.l : 0) + (isNum(r.p) ? r.p : 0);
      } else {
        var t = {};
        t[kind] = arg;
        v = term(t, body, true);
      }
      o.textContent = isNum(v) ? "= " + v : "";
    });
  }

  function show() {
    if (!table) return;
    var body = bodyOf();
    totals(body);
    var res = evaluate(body);
    list.textContent = "";
    res.hard.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "gagal";
      li.dataset.identity = f.id.name;
      li.textContent = "Tidak cocok: " + said(f);
      list.appendChild(li);
    });
    res.warn.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "peringatan";
      li.dataset.identity = f.id.name;
      li.textContent = "Peringatan (tetap dapat dikirim): " + said(f);
      list.appendChild(li);
    });
    if (res.wrong.length) status.textContent = "Bukan angka yang mungkin: " + res.wrong.join(", ");
    else if (res.hard.length) status.textContent = res.hard.length + " pemeriksaan tidak cocok.";
    else if (res.missing.length) status.textContent = res.missing.length + " isian wajib belum diisi.";
    else status.textContent = "Semua pemeriksaan cocok.";
    status.dataset.state = res.hard.length || res.wrong.length ? "gagal" : res.missing.length ? "belum" : "cocok";
  }

  // The check run on the body the field app is about to queue: null lets it through, a
  // sentence in Indonesian refuses it.
  function check(body) {
    if (!table) return null;
    var res = evaluate(body);
    if (res.wrong.length) return "Bukan angka yang mungkin: " + res.wrong.join(", ") + ".";
    if (res.missing.length) return "Belum diisi: " + res.missing.join(", ") + ".";
    if (res.hard.length) return "Formulir tidak cocok, tidak dimasukkan ke antrean. " + res.hard.map(said).join("; ") + ".";
    return null;
  }

  var registered = false;
  function register() {
    if (registered) return true;
    if (window.Lapangan && typeof window.Lapangan.check === "function") {
      window.Lapangan.check(form, check);
      registered = true;
    }
    return registered;
  }

  // Without the field app's script (not loaded yet), a form that does not add up is still
  // refused here; one that does cannot be queued without it, and says so.
  form.addEventListener("submit", function (ev) {
    if (register()) return;
    ev.preventDefault();
    var m = check(bodyOf());
    if (!refusal) {
      refusal = document.createElement("p");
      refusal.className = "refusal";
      refusal.setAttribute("role", "alert");
      form.prepend(refusal);
    }
    refusal.hidden = false;
    refusal.textContent = m || "Aplikasi lapangan belum termuat; muat ulang halaman ini.";
  });

  form.addEventListener("input", show);
  form.addEventListener("change", show);
  if (!register()) document.addEventListener("DOMContentLoaded", register);
  window.addEventListener("load", register);
  show();

  // The table as served now (network first, the cache when offline) replaces the copy the
  // page was rendered with.
  if (window.fetch && embedded.dataset.src) {
    fetch(embedded.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) { if (t && t.identities) { table = t; show(); } })
      .catch(function () {});
  }
})();
