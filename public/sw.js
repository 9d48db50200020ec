// Genboard's service worker: lets a board page reload while offline.
// - /build/* and /tldraw-assets/* are fingerprinted or versioned: cache first.
// - board pages (/b/<id>): network first; the last good copy answers when offline.
// - a page's "keep" message: the visit that installed this worker was not served
//   by it, so the page names itself and what it loaded; we fetch and keep those
//   of them we would have kept had we served them (see app/canvas/offline-pages.ts).
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

const isAsset = (url) => url.pathname.startsWith("/build/") || url.pathname.startsWith("/tldraw-assets/");
const isBoardPage = (url) => url.pathname.startsWith("/b/");

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isAsset(url)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && isBoardPage(url)) {
    event.respondWith(networkFirst(request));
  }
});

self.addEventListener("message", (event) => {
  if (event.data?.type !== "keep" || !Array.isArray(event.data.urls)) return;
  event.waitUntil(Promise.all(event.data.urls.map((href) => keep(href))));
});

/** Fetches and stores `href` when it is a page or asset we keep and we do not have it yet. */
async function keep(href) {
  let url;
  try {
    url = new URL(href);
  } catch {
    return;
  }
  if (url.origin !== self.location.origin || !(isAsset(url) || isBoardPage(url))) return;
  const cache = await caches.open(isAsset(url) ? ASSETS : PAGES);
  if (await cache.match(url.href)) return;
  try {
    const response = await fetch(url.href, { credentials: "same-origin" });
    if (response.ok) await cache.put(url.href, response);
  } catch {
    /* offline already: nothing to keep */
  }
}

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
