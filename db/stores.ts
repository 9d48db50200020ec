import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { createAssetsRepo, type AssetsRepo } from "./assets-repo.js";
import { createBoardsRepo, type BoardsRepo } from "./boards-repo.js";
import { createJobsRepo, type JobsRepo } from "./jobs-repo.js";
import { openDatabase, type DatabaseOptions } from "./client.js";
import { createDocStore, type DocStoreImpl } from "./doc-store.js";
import { connectWorker } from "./worker-rpc.js";

/** Everything the server keeps in its database, behind one handle. */
export interface Stores {
  docStore: DocStoreImpl;
  boards: BoardsRepo;
  assets: AssetsRepo;
  jobs: JobsRepo;
  kind: "pglite" | "postgres";
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Postgres is used in-process (postgres.js only waits on sockets). PGlite is
 * Postgres compiled to WASM and runs on the thread that calls it: an insert
 * takes ~1 ms and a checkpoint can take 30, which would stall every socket of
 * the process. So the embedded database gets a worker thread of its own, and
 * the stores are called through messages — same methods, same results.
 */
export async function openStores(options: DatabaseOptions): Promise<Stores> {
  if (options.databaseUrl) {
    const handle = await openDatabase(options);
    return {
      docStore: createDocStore(handle.db),
      boards: createBoardsRepo(handle.db),
      assets: createAssetsRepo(handle.db),
      jobs: createJobsRepo(handle.db),
      kind: "postgres",
      ping: handle.ping,
      close: handle.close,
    };
  }
  // initdb peaks near 800 MB of WASM memory, which a WASM instance never gives
  // back: create a new database in a throwaway worker, then serve from a fresh one.
  if (!existsSync(join(options.dataDir, "pglite", "PG_VERSION"))) {
    const creator = await connectWorker(startWorker(options.dataDir));
    await creator.close();
  }
  const remote = await connectWorker(startWorker(options.dataDir));
  return {
    docStore: remote.proxy<DocStoreImpl>("docStore"),
    boards: remote.proxy<BoardsRepo>("boards"),
    assets: remote.proxy<AssetsRepo>("assets"),
    jobs: remote.proxy<JobsRepo>("jobs"),
    kind: "pglite",
    ping: () => remote.call("database", "ping", []) as Promise<void>,
    close: remote.close,
  };
}

/**
 * The worker's young generation is kept small: every call allocates a little
 * on both sides, and an unbounded young generation grows to tens of MB under
 * a reconnect storm and stays resident. PGlite's own memory is WASM, not heap.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

function startWorker(dataDir: string): Worker {
  const entry = workerEntry();
  const workerData = { dataDir };
  // From source (tests, `tsx`) the entry is TypeScript, which Worker refuses by
  // extension: start a one-line script that imports it with the tsx loader on.
  return entry.pathname.endsWith(".ts")
    ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData, resourceLimits: WORKER_LIMITS })
    : new Worker(entry, { workerData, resourceLimits: WORKER_LIMITS });
}

/** The bundled server ships build/pglite-worker.mjs next to itself; from source it is the .ts beside this file. */
function workerEntry(): URL {
  for (const name of ["./pglite-worker.mjs", "./pglite-worker.ts"]) {
    const url = new URL(name, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error("pglite-worker not found next to the database code");
}
