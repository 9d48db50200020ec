/**
 * The service worker (public/sw.js) keeps the last good copy of each board page,
 * so a reload while offline still opens the board from this browser's copy.
 */
export function registerOfflinePages(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").catch((error) => console.warn("Offline reload is unavailable:", error));
}

/** Drops the cached page of a board this browser lost access to. */
export async function forgetOfflinePage(boardId: string): Promise<void> {
  if (!("caches" in globalThis)) return;
  const cache = await caches.open("genboard-pages-v1");
  await cache.delete(`/b/${boardId}`);
}
