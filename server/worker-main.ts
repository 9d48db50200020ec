// `npm run worker`: a process that runs generation jobs and serves no pages.
// It opens the same stores, rooms and runner as a web process and takes jobs
// from the shared queue, so it exists only in distributed mode.
import { openStores } from "../db/index.js";
import { createAssetStore } from "./assets/asset-store.js";
import { openCollab } from "./collab-system.js";
import { ConfigError, loadConfig } from "./config.js";
import { createJobSystem } from "./job-system.js";
import { createLogger } from "./logger.js";
import { createErrorReporter } from "./observability/error-reporter.js";
import { workerOps } from "./worker-ops.js";
import { collabMetrics } from "./observability/collab-metrics.js";

let config;
try {
  config = loadConfig();
  if (!config.distributed) throw new ConfigError(["npm run worker needs REDIS_URL and DATABASE_URL: in embedded mode the web process runs the jobs itself"]);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
// whatever JOB_WORKERS says for the web processes, this process is a worker
config = { ...config, jobs: { ...config.jobs, workers: true } };

const reporter = await createErrorReporter({ ...config.observability.sentry, release: process.env.npm_package_version });
const logger = createLogger(config.logLevel, reporter).child({ role: "worker" });
const ops = workerOps(config, logger, reporter);
const startedAt = performance.now();
const database = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
ops.readiness.add("database", () => database.ping());
// Its job writes go to its copy of each board and from there, over the bus, to every process with collaborators.
const collab = await openCollab(config, database.docStore, logger, collabMetrics(ops.metrics));
const { rooms, bus } = collab;
const jobs = await createJobSystem(config, { database, rooms, bus, assets: createAssetStore(database.assets), logger, hooks: ops.hooks });
if (jobs.pingRedis) ops.readiness.add("redis", jobs.pingRedis);
ops.metrics.readFrom({ socketsOpen: () => 0, roomsLoaded: () => rooms.loadedRooms, queueDepth: jobs.queueDepth });
await jobs.start().catch((err) => {
  logger.fatal({ err }, "start-up failed");
  process.exit(1);
});
ops.readiness.markStarted();
const port = await ops.listen();
logger.info({ concurrency: config.jobs.concurrency, port, startupMs: Math.round(performance.now() - startedAt) }, "worker ready");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    (async () => {
      await ops.close();
      await jobs.stop();
      await collab.close();
      await reporter.flush(2000);
      await database.close();
    })()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  });
}
