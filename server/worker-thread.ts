/**
 * Starting a worker thread whose code is bundled next to the server
 * (scripts/build-server.mjs writes build/<name>.mjs) or, when running from
 * source (tests, `tsx`), is the TypeScript file beside its caller.
 *
 * @example
 * const worker = startWorkerThread(import.meta.url, ["./preview-worker.mjs", "./preview-worker.ts"], { resourceLimits });
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/** The first of `names` (relative to `from`, the caller's import.meta.url) that exists. */
export function findWorkerEntry(from: string, names: string[]): URL {
  for (const name of names) {
    const url = new URL(name, from);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error(`no worker entry (${names.join(", ")}) next to ${fileURLToPath(from)}`);
}

/**
 * A TypeScript entry is refused by Worker for its extension: it is started
 * through a one-line script that imports it with the tsx loader on.
 */
export function spawnWorkerThread(entry: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  return entry.pathname.endsWith(".ts")
    ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true })
    : new Worker(entry, options);
}

/** Both at once. */
export const startWorkerThread = (from: string, names: string[], options?: Omit<WorkerOptions, "eval">): Worker => spawnWorkerThread(findWorkerEntry(from, names), options);
