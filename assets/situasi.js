/* Situasi wilayah, live: the page is complete as served; this follows the server's `berubah`
 * events and swaps in the page's new content without a reload (and without losing the scroll). */
(function () {
  'use strict';
  var root = document.getElementById('situasi');
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var busy = false;
  function refresh() {
    if (busy) return;
    busy = true;
    fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('situasi');
        if (fresh) {
          root.innerHTML = fresh.innerHTML;
          root.setAttribute('data-updated', String(Date.now()));
        }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  var es = new EventSource(root.getAttribute('data-live'));
  es.addEventListener('berubah', refresh);
})();
