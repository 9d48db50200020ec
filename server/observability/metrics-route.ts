import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, Response } from "express";
import type { Metrics } from "./metrics.js";

/**
 * GET /metrics in Prometheus text format. With a token configured, only
 * `Authorization: Bearer <token>` may scrape: the numbers describe traffic and
 * load, which is nobody else's business. Both sides are hashed before the
 * constant-time compare, so neither the token's bytes nor its length leak
 * through timing.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined) {
  const expected = token ? digest(token) : null;
  return async (req: Request, res: Response) => {
    res.setHeader("Cache-Control", "no-store");
    if (expected) {
      const presented = /^Bearer (.+)$/.exec(req.get("authorization") ?? "")?.[1];
      if (!presented || !timingSafeEqual(digest(presented), expected)) {
        res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
        res.status(401).json({ error: { code: "unauthorized", message: "Scraping /metrics needs Authorization: Bearer <METRICS_TOKEN>." } });
        return;
      }
    }
    const body = await metrics.registry.metrics();
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(body);
  };
}

const digest = (value: string) => createHash("sha256").update(value).digest();
