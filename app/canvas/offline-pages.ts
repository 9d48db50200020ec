/**
 * The service worker (public/sw.js) keeps the last good copy of each board page,
 * so a reload while offline still opens the board from this browser's copy.
 */
export function registerOfflinePages(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("/sw.js")
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => keepThisPage(registration))
    .catch((error) => console.warn("Offline reload is unavailable:", error));
}

/**
 * The visit that installs the worker is not served by it: neither this page
 * nor the code and tldraw assets it loaded are in the worker's caches, so
 * without this the first visit to a board could not reload offline. We hand
 * the worker this page's address and every same-origin resource the page
 * fetched without it (`workerStart` is 0), now and as more arrive; it fetches
 * and keeps what it lacks. Once the worker controls the page it sees every
 * request itself and nothing more is sent.
 */
function keepThisPage(registration: ServiceWorkerRegistration): void {
  const keep = (urls: string[]) => registration.active?.postMessage({ type: "keep", urls });
  keep([location.href]);
  if (typeof PerformanceObserver === "undefined") return;
  new PerformanceObserver((list) => {
    const missed = (list.getEntries() as PerformanceResourceTiming[])
      .filter((entry) => entry.workerStart === 0 && new URL(entry.name).origin === location.origin)
      .map((entry) => entry.name);
    if (missed.length > 0) keep(missed);
  }).observe({ type: "resource", buffered: true });
}

/** Drops the cached page of a board this browser lost access to. */
export async function forgetOfflinePage(boardId: string): Promise<void> {
  if (!("caches" in globalThis)) return;
  const cache = await caches.open("genboard-pages-v1");
  await cache.delete(`/b/${boardId}`);
}
