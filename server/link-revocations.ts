import { z } from "zod";
import type { Bus } from "../collab/index.js";
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
  await bus.subscribe(TOPIC, (payload, from) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload).toString("utf8"));
    } catch {
      parsed = null;
    }
    const result = Revocation.safeParse(parsed);
    if (!result.success) return logger.error({ from, bytes: payload.length }, "bus: malformed link revocation dropped");
    handlers.onRevoked(result.data.linkIds);
  });
  bus.onResync(() => handlers.onMissed());
  return {
    announce(linkIds: readonly string[]): void {
      if (linkIds.length > 0) bus.publish(TOPIC, new Uint8Array(Buffer.from(JSON.stringify({ linkIds }))));
    },
  };
}
