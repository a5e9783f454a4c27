"""The offline app's service worker (served at /visits/sw.js, scope /visits/).

Pages under /visits/ are fetched from the network first and kept in a cache, so the last copy of
each opens without a signal; the carer's next 48 hours of record pages are fetched into the cache
when the phone asks (a message from static/visits/offline.js). Static files are served from the
cache and refreshed in the background. The API is never cached: records go through the queue."""

import hashlib
from pathlib import Path

_STATIC = Path(__file__).parent / "static" / "visits"


def _cache_version() -> str:
    """Named after the offline script and styles, so a release that changes them installs a new
    worker, which drops the old cache: a phone never pairs a page kept from an older release
    with a newer script (found when a page without the script's messages met the new script)."""
    digest = hashlib.sha256()
    for name in ("offline.js", "visits.css"):
        path = _STATIC / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    return f"cc-visits-{digest.hexdigest()[:12]}"


CACHE_VERSION = _cache_version()

SERVICE_WORKER = (
    f"const CACHE = '{CACHE_VERSION}';\n"
    + """const SHELL = ['/visits/'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).catch(() => null)
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k.startsWith('cc-visits-') && k !== CACHE).map((k) => caches.delete(k))
  )).then(() => self.clients.claim()));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) cache.put(request, response.clone());
    return response;
  } catch (err) {
    const held = await cache.match(request, { ignoreSearch: false });
    if (held) return held;
    const shell = await cache.match('/visits/');
    if (shell) return shell;
    throw err;
  }
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(CACHE);
  const held = await cache.match(request);
  const fresh = fetch(request).then((r) => { if (r.ok) cache.put(request, r.clone()); return r; })
    .catch(() => held);
  return held || fresh;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(staleWhileRevalidate(request));
  } else if (request.mode === 'navigate' && url.pathname.startsWith('/visits/')) {
    event.respondWith(networkFirst(request));
  }
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'forget') {
    event.waitUntil(caches.keys().then((keys) => Promise.all(
      keys.filter((k) => k.startsWith('cc-visits-')).map((k) => caches.delete(k)))));
    return;
  }
  if (data.type !== 'precache') return;
  const port = event.ports && event.ports[0];
  event.waitUntil(caches.open(CACHE).then(async (cache) => {
    let ok = 0;
    for (const url of data.urls || []) {
      try {
        const response = await fetch(url, { credentials: 'same-origin' });
        if (response.ok && !response.redirected) { await cache.put(url, response); ok += 1; }
      } catch (err) { /* offline already: keep what we have */ }
    }
    if (port) port.postMessage({ cached: ok, total: (data.urls || []).length });
  }));
});
"""
)
