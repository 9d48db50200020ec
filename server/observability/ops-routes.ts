import express, { type NextFunction, type Request, type Response } from "express";
import type { Metrics } from "./metrics.js";
import { metricsRoute } from "./metrics-route.js";
import type { Readiness } from "./readiness.js";

interface OpsDeps {
  readiness: Readiness;
  metrics: Metrics;
  metricsToken: string | undefined;
}

/**
 * The endpoints operators and load balancers call. /healthz says the process
 * is up (in app.ts); /readyz says it should get traffic: every readiness check
 * passes and it is not shutting down. Its body names what failed.
 */
export function opsRoutes({ readiness, metrics, metricsToken }: OpsDeps) {
  const router = express.Router();
  router.get("/readyz", (_req, res, next) => {
    readiness
      .report()
      .then((report) => {
        res.setHeader("Cache-Control", "no-store");
        res.status(report.ready ? 200 : 503).json(report);
      })
      .catch(next);
  });
  const scrape = metricsRoute(metrics, metricsToken);
  router.get("/metrics", (req, res, next) => void scrape(req, res).catch(next));
  return router;
}

/**
 * The last error handler: whatever escaped a route (outside the JSON API,
 * which has its own) is logged with the request's context — which also
 * reports it — and answered with a plain 500 naming the request id.
 */
export function lastErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction) {
  const status = (err as { status?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (res.headersSent) return next(err);
    res.status(status).type("text/plain").send(`${status}\n`);
    return;
  }
  req.log.error({ err, method: req.method, url: req.originalUrl }, "request failed");
  if (res.headersSent) return next(err);
  res.status(500).type("text/plain").send(`Something went wrong on our side. Request id: ${req.id}\n`);
}
