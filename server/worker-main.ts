// `npm run worker`: a process that runs generation jobs and serves no pages.
// It opens the same stores, rooms and runner as a web process and takes jobs
// from the shared queue, so it exists only in distributed mode.
import { openStores } from "../db/index.js";
import { createAssetStore } from "./assets/asset-store.js";
import { openCollab } from "./collab-system.js";
import { ConfigError, loadConfig } from "./config.js";
import { createJobSystem } from "./job-system.js";
import { createLogger } from "./logger.js";

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

const logger = createLogger(config.logLevel).child({ role: "worker" });
const startedAt = performance.now();
const database = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
// Its job writes go to its copy of each board and from there, over the bus, to every process with collaborators.
const collab = await openCollab(config, database.docStore, logger);
const { rooms, bus } = collab;
const jobs = await createJobSystem(config, { database, rooms, bus, assets: createAssetStore(database.assets), logger });
await jobs.start().catch((err) => {
  logger.fatal({ err }, "start-up failed");
  process.exit(1);
});
logger.info({ concurrency: config.jobs.concurrency, startupMs: Math.round(performance.now() - startedAt) }, "worker ready");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    (async () => {
      await jobs.stop();
      await collab.close();
      await database.close();
    })()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  });
}
