import * as Y from "yjs";
import { openStores } from "../../db/index.js";
import { freshPostgresStorage, type TestStorage } from "./storage.js";
import { spawnServer, type ServerProcess } from "./server-process.js";
import { TEST_REDIS_URL, uniquePrefix } from "./redis.js";

export interface CollabCluster {
  storage: TestStorage;
  servers: ServerProcess[];
  /** The board as stored in Postgres (snapshot + log), what a restarted cluster would load. */
  storedRecords(boardId: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * `n` server processes in distributed mode on one fresh Postgres database and
 * one Redis, with a channel prefix of their own (other test runs share the
 * machine's Redis at the same time).
 */
export async function startCollabCluster(n: number, env: Record<string, string> = {}): Promise<CollabCluster> {
  const storage = await freshPostgresStorage();
  const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniquePrefix("collab"), ...env };
  const servers: ServerProcess[] = [];
  try {
    // One at a time: the first runs the migrations, and start-up is the heaviest moment on a small machine.
    for (let i = 0; i < n; i++) servers.push(await spawnServer(storage, shared));
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    await storage.cleanup();
    throw err;
  }
  return {
    storage,
    servers,
    async storedRecords(boardId) {
      const stores = await openStores({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
      try {
        const { snapshot, updates } = await stores.docStore.load(boardId);
        const doc = new Y.Doc();
        for (const u of snapshot ? [snapshot, ...updates] : updates) Y.applyUpdate(doc, u);
        return doc.getMap("records").toJSON();
      } finally {
        await stores.close();
      }
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await storage.cleanup();
    },
  };
}
