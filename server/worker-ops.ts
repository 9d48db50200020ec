import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { Config } from "./config.js";
import type { JobSystemHooks } from "./job-system.js";
import type { Logger } from "./logger.js";
import type { ErrorReporter } from "./observability/error-reporter.js";
import { jobReporting } from "./observability/job-reporting.js";
import { createMetrics } from "./observability/metrics.js";
import { opsRoutes } from "./observability/ops-routes.js";
import { observedProvider } from "./observability/provider-calls.js";
import { Readiness } from "./observability/readiness.js";

/**
 * What operators get from an `npm run worker` process, as from a web one: its
 * jobs and provider calls counted and reported (failed jobs to Sentry), and,
 * with WORKER_PORT set, /healthz, /readyz and /metrics on that port (nothing
 * else is served there).
 */
export function workerOps(config: Config, logger: Logger, reporter: ErrorReporter) {
  const metrics = createMetrics();
  const readiness = new Readiness();
  const providerLog = logger.child({ layer: "providers" });
  const hooks: JobSystemHooks = { wrapProvider: (p) => observedProvider(p, providerLog, metrics), observer: jobReporting(metrics, reporter) };
  let server: Server | null = null;

  return {
    hooks,
    readiness,
    metrics,
    /** Listens on WORKER_PORT, if set; answers the port. */
    async listen(): Promise<number | undefined> {
      if (config.workerPort === undefined) return undefined;
      const app = express();
      app.disable("x-powered-by");
      app.get("/healthz", (_req, res) => void res.json({ ok: true }));
      app.use(opsRoutes({ readiness, metrics, metricsToken: config.observability.metricsToken }));
      const listening = createServer(app);
      await new Promise<void>((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(config.workerPort, config.host, () => resolve());
      });
      server = listening;
      return (listening.address() as AddressInfo).port;
    },
    async close(): Promise<void> {
      readiness.markShuttingDown();
      if (!server) return;
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
