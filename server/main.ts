import { createServer } from "node:http";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { createErrorReporter } from "./observability/error-reporter.js";
import { startServer } from "./start.js";

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

// The reporter first: the logger forwards what it logs at error level to it.
const reporter = await createErrorReporter({ ...config.observability.sentry, release: process.env.npm_package_version });
const logger = createLogger(config.logLevel, reporter);

// Ours rather than Node's defaults, so a crash is logged as JSON with its
// context and reaches Sentry before the process goes.
process.on("uncaughtException", (err) => {
  logger.fatal({ err }, "uncaught exception");
  void reporter.flush(2000).finally(() => process.exit(1));
});
process.on("unhandledRejection", (reason) => {
  logger.error({ err: reason }, "unhandled promise rejection");
});

const running = await startServer(config, logger, createServer(), reporter).catch((err) => {
  logger.fatal({ err }, "start-up failed");
  return reporter.flush(2000).finally(() => process.exit(1));
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdown.timeoutMs }, "shutting down");
    // A drain that hangs (a provider ignoring its abort signal, a database that
    // stopped answering) must not keep a supervisor waiting forever.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdown.timeoutMs }, "shutdown timed out; exiting anyway");
      process.exit(1);
    }, config.shutdown.timeoutMs).unref();
    running!
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  });
}
