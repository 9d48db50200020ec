import express, { type NextFunction, type Request, type Response } from "express";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { Prediction } from "../providers/replicate/prediction.js";
import type { PredictionRegistry } from "../providers/replicate/registry.js";
import { verifyWebhook } from "../providers/replicate/signature.js";
import { WEBHOOK_PATH } from "../providers/replicate/provider.js";
import { AppError } from "./errors.js";
import { handle, jsonErrorHandler } from "./json-errors.js";
import { readRawBody } from "./raw-body.js";

/** What the route needs of the Replicate provider (a ReplicateProvider is one). */
export interface ReplicateWebhookReceiver {
  webhookSecret: string | undefined;
  registry: PredictionRegistry;
}

interface WebhookRouteDeps {
  replicate: ReplicateWebhookReceiver;
  logger: Logger;
  /** A prediction with its logs and output URLs is a few KB; 1 MiB leaves room for long logs. */
  maxBodyBytes?: number;
  now?: () => number;
}

/** Replicate retries a failed delivery for a while; a day covers every retry of one message. */
const SEEN_TTL_MS = 24 * 60 * 60_000;
const SEEN_MAX = 10_000;

const WebhookBody = z.looseObject({ id: z.string().min(1), status: z.string().min(1) });

/**
 * `POST /api/webhooks/replicate`: Replicate reporting on a prediction.
 *
 * The signature is checked over the raw body (so no JSON parser may run
 * first: mount this ahead of the JSON API), then the message is delivered to
 * the run waiting for it. Deliveries are idempotent on `webhook-id`, which
 * Replicate keeps across retries: a repeat is acknowledged and dropped, so a
 * retried `completed` cannot finish a run twice.
 *
 * 401 for a missing or bad signature or a timestamp more than 5 minutes off;
 * 400 for a body that is not a prediction; 200 otherwise, also when no run
 * in this process waits for the prediction (a retry would not change that).
 */
export function webhookRoutes({ replicate, logger, maxBodyBytes = 1024 * 1024, now = Date.now }: WebhookRouteDeps) {
  const router = express.Router();
  const seen = new LRUCache<string, true>({ max: SEEN_MAX, ttl: SEEN_TTL_MS });

  router.post(
    WEBHOOK_PATH,
    handle(async (req, res) => {
      req.log ??= logger;
      const secret = replicate.webhookSecret;
      if (!secret) throw new AppError("not_found", "Replicate webhooks are not configured on this server (REPLICATE_WEBHOOK_SECRET).");

      const { bytes } = await readRawBody(req, maxBodyBytes).catch((err: unknown) => {
        if (err instanceof AppError && err.code === "payload_too_large") {
          res.setHeader("Connection", "close");
          throw new AppError("payload_too_large", `A webhook body may be at most ${maxBodyBytes} bytes.`);
        }
        throw err;
      });

      const verified = verifyWebhook(req.headers, bytes, secret, now());
      if (!verified.ok) {
        req.log.warn({ reason: verified.reason }, "replicate webhook refused");
        throw new AppError("unauthorized", `Webhook signature check failed: ${verified.reason}.`);
      }
      if (seen.has(verified.id)) {
        req.log.debug({ webhookId: verified.id }, "replicate webhook repeated");
        res.json({ ok: true, duplicate: true });
        return;
      }

      const prediction = parsePrediction(bytes);
      // Marked before delivering, so that a retry racing this one is dropped; unmarked if delivery fails, so that a retry can succeed.
      seen.set(verified.id, true);
      let delivered: boolean;
      try {
        delivered = await replicate.registry.deliver(prediction);
      } catch (err) {
        seen.delete(verified.id);
        throw err;
      }
      req.log.info(
        { webhookId: verified.id, predictionId: prediction.id, status: prediction.status, jobId: req.query.job, delivered },
        "replicate webhook",
      );
      res.json({ ok: true });
    }),
  );

  router.use(WEBHOOK_PATH, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    req.log ??= logger;
    jsonErrorHandler(err, req, res, next);
  });
  return router;
}

function parsePrediction(bytes: Uint8Array): Prediction {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch (err) {
    throw new AppError("bad_json", `The webhook body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = WebhookBody.safeParse(json);
  if (!parsed.success) throw new AppError("bad_request", "The webhook body is not a prediction (it needs an id and a status).");
  return parsed.data as Prediction;
}
