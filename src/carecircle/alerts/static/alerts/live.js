// Live screens: when a help call is raised, accepted, arrived or resolved, refresh the parts of
// this page marked data-live-panel without reloading it. Server-sent events first; polling (every
// data-poll-ms) when EventSource is missing or keeps failing; a re-render every data-refresh-ms
// besides, so ETAs count down. Loaded once however many panels include it.
(function () {
  if (window.carecircleLive) return;
  window.carecircleLive = true;
  var me = document.currentScript;
  var REFRESH_MS = Number((me && me.dataset.refreshMs) || 15000);
  var POLL_MS = Number((me && me.dataset.pollMs) || 10000);
  var refreshing = false;

  function refresh() {
    if (refreshing || !document.querySelector("[data-live-panel]")) return;
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-panel]").forEach(function (el) {
          var fresh = el.id && doc.getElementById(el.id);
          if (fresh) el.innerHTML = fresh.innerHTML;
        });
      })
      .catch(function () {})
      .then(function () { refreshing = false; });
  }

  function poll(after) {
    var last = after || "";
    setInterval(refresh, REFRESH_MS);  // ETAs count down in polling mode too
    function once() {
      fetch("/live/poll/?after=" + encodeURIComponent(last), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          if (last !== "" && data.events.length) refresh();
          last = String(data.last);
        })
        .catch(function () {});
    }
    once();
    setInterval(once, POLL_MS);
  }

  function start() {
    if (!document.querySelector("[data-live-panel]")) return;
    if (!window.EventSource) return poll();
    var failures = 0;
    var source = new EventSource("/live/stream/");
    // Each stream ends after a while and reconnects: only failures in a row count.
    source.onopen = function () { failures = 0; };
    source.addEventListener("alert", function () { failures = 0; refresh(); });
    source.onerror = function () {
      failures += 1;
      if (failures >= 5) { source.close(); poll(); }
    };
    // A re-render now and then besides: ETAs count down even when nothing happens.
    setInterval(refresh, REFRESH_MS);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
