import type { RoomManager } from "../collab/index.js";
import type { openStores } from "../db/index.js";
import type { AssetStore } from "./assets/asset-store.js";
import type { Config } from "./config.js";
import { createJobRunner } from "./jobs/runner.js";
import type { Logger } from "./logger.js";
import { createLocalProvider, createLocalWorkerPool } from "./providers/local/index.js";
import { createOpenAIProvider } from "./providers/openai/index.js";
import { providerRegistry } from "./providers/registry.js";
import { createReplicateProvider } from "./providers/replicate/index.js";
import { createSharedServices } from "./shared-services.js";
import type { Bus } from "../collab/index.js";
import { relayedRegistry } from "./providers/replicate/bus-registry.js";
import { createInProcessRegistry } from "./providers/replicate/registry.js";
import type { JobObserver } from "./jobs/job-observer.js";
import { createOrphanSweep } from "./jobs/orphan-sweep.js";
import type { Provider } from "./providers/types.js";

/** Observability's hooks (server/observability): provider calls timed and logged, job ends counted and reported. */
export interface JobSystemHooks {
  wrapProvider(provider: Provider): Provider;
  observer: JobObserver;
}

type Database = Awaited<ReturnType<typeof openStores>>;

/**
 * Everything a process needs to queue and run generation jobs, built once:
 * providers, the shared services (queue, limiters, cache: in-process or in
 * Redis) and the runner. Web processes and `npm run worker` both use it.
 */
export async function createJobSystem(config: Config, deps: { database: Database; rooms: RoomManager; bus: Bus; assets: AssetStore; logger: Logger; hooks?: JobSystemHooks }) {
  const { database, rooms, bus, assets, logger, hooks } = deps;
  const shared = createSharedServices(config, logger);
  const replicateLog = logger.child({ provider: "replicate" });
  // a webhook may reach another process than the job waiting for it
  const registry = await relayedRegistry(createInProcessRegistry(), bus, replicateLog);
  const replicate = createReplicateProvider(config.providers.replicate, { logger: replicateLog, registry });
  // Local generation draws and encodes off the event loop (LOCAL_WORKERS=0: on it).
  const localWorkers = config.jobs.localWorkers > 0 ? createLocalWorkerPool({ size: config.jobs.localWorkers }) : undefined;
  const all = [createLocalProvider({ tokenDelayMs: config.jobs.localTokenDelayMs, workers: localWorkers }), createOpenAIProvider(config.providers.openai), replicate];
  const providers = providerRegistry(hooks ? all.map((p) => hooks.wrapProvider(p)) : all);
  const runner = createJobRunner({
    repo: database.jobs,
    rooms,
    assets,
    queue: shared.queue,
    providers,
    cache: shared.cache,
    logger: logger.child({ layer: "jobs" }),
    timeoutMs: config.jobs.timeoutMs,
    maxAttempts: config.jobs.maxAttempts,
    retryBaseMs: config.jobs.retryBaseMs,
    maxOutputBytes: config.maxAssetBytes,
    observer: hooks?.observer,
  });
  // Only a shared queue can lose entries while this process lives (Redis restarted empty).
  const sweep =
    shared.queue.kind === "shared"
      ? createOrphanSweep({ repo: database.jobs, queue: shared.queue, logger: logger.child({ layer: "jobs" }), jobTimeoutMs: config.jobs.timeoutMs, intervalMs: config.jobs.sweepMs })
      : null;
  if (sweep) bus.onResync(() => void sweep.sweep());
  const windowMs = 60_000;
  const limiters = {
    perBoard: shared.limiter({ name: "runs-per-board", limit: config.jobs.limits.perBoardPerMinute, windowMs }),
    perClient: shared.limiter({ name: "runs-per-client", limit: config.jobs.limits.perClientPerMinute, windowMs }),
  };
  return {
    mode: shared.mode,
    runner,
    replicate,
    limiters,
    queueDepth: () => shared.queue.depth(),
    pingRedis: shared.pingRedis,
    async start() {
      await sweep?.sweep();
      await runner.start({ workers: config.jobs.workers });
      sweep?.start();
    },
    /** Running jobs are handed back to the queue (a transient abort), then the connections close. */
    async stop() {
      await sweep?.stop();
      await runner.stop();
      await localWorkers?.close();
      await shared.close();
    },
  };
}

export type JobSystem = Awaited<ReturnType<typeof createJobSystem>>;
