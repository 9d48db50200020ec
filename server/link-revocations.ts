import { z } from "zod";
import type { Bus } from "../collab/index.js";
import { publishJson, subscribeJson } from "./bus-messages.js";
import type { Logger } from "./logger.js";

const TOPIC = "links-revoked";
const Revocation = z.object({ linkIds: z.array(z.string().min(1).max(200)).min(1).max(1000) });

/**
 * Revoking a share link must close its sockets on every process and stop every
 * process's link cache from admitting it again. The process that revoked tells
 * the others over the bus; `onRevoked` runs in each of them. After the bus lost
 * messages, every process drops its whole link cache (`onMissed`).
 */
export async function linkRevocations(bus: Bus, handlers: { onRevoked(linkIds: string[]): void; onMissed(): void }, logger: Logger) {
  await subscribeJson(bus, TOPIC, Revocation, logger, ({ linkIds }) => handlers.onRevoked(linkIds));
  bus.onResync(() => handlers.onMissed());
  return {
    announce(linkIds: readonly string[]): void {
      if (linkIds.length > 0) publishJson(bus, TOPIC, { linkIds });
    },
  };
}
