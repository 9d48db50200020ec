/**
 * Load generator for idle-memory: opens sockets in batches, each one syncs
 * (step1 → step2) and publishes one ~100-byte awareness state, then stays idle.
 */
import { RawClient, awarenessFrame, within } from "../lib/raw-client.js";
import { serve } from "../lib/worker.js";

const clients: RawClient[] = [];
let awarenessMessages = 0;
let nextClientId = 1;

interface OpenArg {
  urls: string[];
  batch: number;
  /** Distinguishes the awareness client ids of two generator processes. */
  idBase: number;
}

function presence(id: number) {
  // ~100 bytes of JSON: what a tldraw cursor + user name state roughly looks like.
  return { user: { name: `user-${id}`, color: "#ff8800" }, cursor: { x: 1234.5, y: 678.9 }, page: "page:page" };
}

async function openOne(url: string, idBase: number): Promise<void> {
  const c = new RawClient(url, {
    onMessage: (m) => {
      if (m.kind === "awareness") awarenessMessages += 1;
    },
  });
  clients.push(c);
  await within(c.synced, 30_000, "sync");
  const id = idBase + nextClientId++;
  c.send(awarenessFrame(id, 1, presence(id)));
}

serve({
  async open({ urls, batch, idBase }: OpenArg) {
    const started = performance.now();
    let failed = 0;
    let firstError = "";
    for (let i = 0; i < urls.length; i += batch) {
      const results = await Promise.allSettled(urls.slice(i, i + batch).map((u) => openOne(u, idBase)));
      for (const r of results) {
        if (r.status === "rejected") {
          failed += 1;
          firstError ||= String(r.reason);
        }
      }
    }
    return { opened: urls.length - failed, failed, firstError, ms: Math.round(performance.now() - started), stateBytes: JSON.stringify(presence(idBase + 99999)).length };
  },
  status() {
    return { open: clients.filter((c) => c.isOpen).length, awarenessMessages };
  },
  async closeAll() {
    await Promise.all(clients.map((c) => c.close()));
    clients.length = 0;
  },
});
