import type { z } from "zod";
import type { Bus } from "../collab/index.js";
import type { Logger } from "./logger.js";

/**
 * JSON messages between our processes on the bus: each topic has a schema,
 * and a message that does not fit it is logged and dropped, never thrown into
 * the bus's delivery loop.
 */
export async function subscribeJson<T>(bus: Bus, topic: string, schema: z.ZodType<T>, logger: Logger, handle: (message: T) => void): Promise<void> {
  await bus.subscribe(topic, (payload, from) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload).toString("utf8"));
    } catch {
      parsed = null;
    }
    const result = schema.safeParse(parsed);
    if (!result.success) return logger.warn({ from, topic, bytes: payload.length }, "bus: malformed message dropped");
    handle(result.data);
  });
}

export function publishJson(bus: Bus, topic: string, message: unknown): void {
  bus.publish(topic, new Uint8Array(Buffer.from(JSON.stringify(message))));
}
