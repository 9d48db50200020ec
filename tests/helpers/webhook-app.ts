import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createLogger } from "../../server/logger.js";
import { requestContext } from "../../server/http/request-context.js";
import { webhookRoutes, type ReplicateWebhookReceiver } from "../../server/http/webhook-routes.js";

/** An express app serving only the webhook routes, on 127.0.0.1, the way the server will mount them. */
export async function startWebhookApp(replicate: ReplicateWebhookReceiver, options: { maxBodyBytes?: number } = {}) {
  const logger = createLogger("silent");
  const app = express();
  app.use(requestContext(logger));
  app.use(webhookRoutes({ replicate, logger, ...options }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/api/webhooks/replicate`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
