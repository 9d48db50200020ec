// Genboard's service worker: lets a board page reload while offline.
// - /build/* and /tldraw-assets/* are fingerprinted or versioned: cache first.
// - board pages (/b/<id>): network first; the last good copy answers when offline.
// Everything else goes to the network untouched. The board's data itself lives
// in IndexedDB (y-indexeddb), not here.
const ASSETS = "genboard-assets-v1";
const PAGES = "genboard-pages-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== ASSETS && k !== PAGES).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/build/") || url.pathname.startsWith("/tldraw-assets/")) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && url.pathname.startsWith("/b/")) {
    event.respondWith(networkFirst(request));
  }
});

async function cacheFirst(request) {
  const cache = await caches.open(ASSETS);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    else if (response.status === 403 || response.status === 404 || response.status === 410) cache.delete(request);
    return response;
  } catch (offline) {
    const copy = await cache.match(request);
    if (copy) return copy;
    throw offline;
  }
}
