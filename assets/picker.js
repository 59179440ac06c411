/* Place picker: a place by name, never by code. Around a plain code input (which stays the
 * submitted field: a code typed by hand still works, and without this script the form works
 * as before) it adds search-as-you-type over names, cascading lists (e.g. kecamatan → desa →
 * TPS) within the user's scope, and "TPS terdekat" from the phone's location, all through
 * GET /api/v1/places. Markup: platform::field::picker, or any element with data-picker. */
(function () {
  'use strict';
  const ORDER = ['province', 'regency', 'district', 'village', 'tps'];
  const DEPTH = { province: 1, regency: 2, district: 3, village: 4, tps: 5 };

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach((k) => e.setAttribute(k, attrs[k]));
    if (text) e.textContent = text;
    return e;
  }
  /** The code of `code`'s ancestor at `level` (or null when `code` is above it). */
  function at(code, level) {
    const parts = code.split('.');
    return parts.length >= DEPTH[level] ? parts.slice(0, DEPTH[level]).join('.') : null;
  }
  function levelOf(code) {
    return ORDER[code.split('.').length - 1];
  }
  async function places(params) {
    const q = new URLSearchParams(params);
    const r = await fetch('/api/v1/places?' + q.toString(), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!r.ok) return [];
    const j = await r.json();
    return j.items || [];
  }

  function setup(box) {
    const input = box.querySelector('input:not([type=search])');
    if (!input || box.dataset.ready) return;
    box.dataset.ready = '1';
    const within = box.dataset.within || 'ID';
    const levels = (box.dataset.levels || 'district,village,tps').split(',').filter((l) => ORDER.includes(l));
    const accept = (box.dataset.accept || levels.join(',')).split(',');
    const text = (k, d) => box.dataset['text' + k] || d;
    const election = () => {
      const from = box.dataset.electionFrom && document.getElementById(box.dataset.electionFrom);
      return (from && from.value) || box.dataset.election || 'pilkada-2024';
    };
    const picked = box.querySelector('.picked') || box.appendChild(el('small', { class: 'picked muted', 'aria-live': 'polite' }));

    // Search by name.
    const search = el('input', { type: 'search', class: 'place-search', placeholder: text('Search', 'Cari nama…'), 'aria-label': text('Search', 'Cari nama…'), autocomplete: 'off' });
    const hits = el('ul', { class: 'place-hits' });
    // One list per level.
    const selects = levels.map((l) => {
      const s = el('select', { class: 'place-level', 'data-level': l, 'aria-label': text('Level' + l[0].toUpperCase() + l.slice(1), l) });
      s.disabled = true;
      return s;
    });
    const lists = el('div', { class: 'place-lists' });
    selects.forEach((s) => {
      const label = el('label', { class: 'place-level-label' }, text('Level' + s.dataset.level[0].toUpperCase() + s.dataset.level.slice(1), s.dataset.level));
      label.append(s);
      lists.append(label);
    });
    input.before(search, hits, lists);
    let nearest = null;
    if (levels.includes('tps') && navigator.geolocation) {
      nearest = el('button', { type: 'button', class: 'place-nearest' }, text('Nearest', 'TPS terdekat'));
      lists.after(nearest);
    }

    function show(item) {
      picked.textContent = item ? item.path : '';
      picked.dataset.code = item ? item.code : '';
    }
    function choose(item) {
      if (accept.includes(item.level)) {
        input.value = item.code;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }
      show(item);
      cascade(item.code);
    }
    function fill(select, items, selected) {
      select.replaceChildren(el('option', { value: '' }, text('Choose', '— pilih —')));
      for (const it of items) {
        const o = el('option', { value: it.code }, it.name);
        o._item = it;
        if (it.code === selected) o.selected = true;
        select.append(o);
      }
      select.disabled = items.length === 0;
    }
    /** Loads the lists down to `code` (each within the one above), selecting its ancestors. */
    async function cascade(code) {
      let parent = within;
      for (let i = 0; i < levels.length; i++) {
        const l = levels[i];
        const items = await places({ within: parent, level: l, election: election(), limit: '500' });
        const mine = code ? at(code, l) : null;
        // A single choice (a KPPS's own TPS) is chosen for the user.
        const only = !mine && items.length === 1 ? items[0].code : null;
        fill(selects[i], items, mine || only);
        const next = mine || only;
        if (!next) {
          for (let k = i + 1; k < levels.length; k++) fill(selects[k], [], null);
          return;
        }
        if (only && (!code || DEPTH[l] > code.split('.').length)) {
          const item = items[0];
          if (accept.includes(item.level) && !input.value) { input.value = item.code; show(item); }
        }
        parent = next;
      }
    }
    selects.forEach((s, i) => s.addEventListener('change', () => {
      const o = s.selectedOptions[0];
      if (o && o._item) choose(o._item);
      else if (i > 0 && selects[i - 1].value) cascade(selects[i - 1].value);
    }));

    let timer = null;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      const q = search.value.trim();
      if (q.length < 2) { hits.replaceChildren(); return; }
      timer = setTimeout(async () => {
        const items = await places({ q, within, level: levels.join(','), election: election(), limit: '12' });
        if (search.value.trim() !== q) return;
        hits.replaceChildren();
        if (!items.length) hits.append(el('li', { class: 'none' }, text('None', '—')));
        for (const it of items) {
          const b = el('button', { type: 'button', class: 'place-hit', 'data-code': it.code });
          b.append(el('strong', {}, it.name), ' ', el('small', {}, it.path));
          b.addEventListener('click', () => { hits.replaceChildren(); search.value = ''; choose(it); });
          const li = el('li');
          li.append(b);
          hits.append(li);
        }
      }, 200);
    });

    if (nearest) {
      nearest.addEventListener('click', () => {
        navigator.geolocation.getCurrentPosition(async (pos) => {
          const r = await fetch('/api/v1/places/nearest?' + new URLSearchParams({ election: election(), within, lat: pos.coords.latitude, lon: pos.coords.longitude }),
            { credentials: 'same-origin' });
          const j = r.ok ? await r.json() : { items: [] };
          hits.replaceChildren();
          for (const it of j.items || []) {
            const b = el('button', { type: 'button', class: 'place-hit', 'data-code': it.code });
            b.append(el('strong', {}, it.name), ' ', el('small', {}, it.path + (it.distance_m != null ? ' · ' + Math.round(it.distance_m) + ' m' : '')));
            b.addEventListener('click', () => { hits.replaceChildren(); choose(it); });
            const li = el('li');
            li.append(b);
            hits.append(li);
          }
          if (!hits.children.length) hits.append(el('li', { class: 'none' }, text('Noloc', '—')));
        }, () => { hits.replaceChildren(el('li', { class: 'none' }, text('Noloc', '—'))); }, { enableHighAccuracy: true, timeout: 10000 });
      });
    }

    // A code typed by hand: its name beside it.
    input.addEventListener('change', async () => {
      const code = input.value.trim();
      if (!code) { show(null); return; }
      const items = await places({ code, election: election() });
      show(items[0] || null);
      if (items[0]) cascade(code);
    });
    const first = input.value.trim();
    if (first) {
      places({ code: first, election: election() }).then((items) => show(items[0] || null));
    }
    cascade(first && levelOf(first) ? first : '');
    if (box.dataset.electionFrom) {
      const from = document.getElementById(box.dataset.electionFrom);
      if (from) from.addEventListener('change', () => cascade(input.value.trim()));
    }
  }

  function start() {
    document.querySelectorAll('[data-picker]').forEach(setup);
  }
  window.LapanganPicker = { setup };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
