import type { NextFunction, Request, Response } from "express";
import type { Metrics } from "./metrics.js";

/**
 * Times every request into a histogram labelled by the route *pattern*
 * (`/api/boards/:id/runs`), never the raw URL: board ids and tokens in paths
 * would make one time series per board. Requests no route matched are grouped
 * by their static mount (`/build/*`) or as `other`.
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const stop = metrics.httpDuration.startTimer();
    res.once("finish", () => {
      const route = routeLabel(req);
      stop({ method: methodLabel(req.method), route, status: `${Math.floor(res.statusCode / 100)}xx` });
      if (res.statusCode === 429) metrics.rateLimited.inc({ limiter: `http ${route}` });
    });
    next();
  };
}

function routeLabel(req: Request): string {
  // Express keeps the matched Route object on the request; baseUrl is the mount point of its router.
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === "string") return path === "*" ? "remix" : `${req.baseUrl}${path}`;
  return req.baseUrl ? `${req.baseUrl}/*` : "other";
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const methodLabel = (method: string) => (METHODS.has(method) ? method : "other");
