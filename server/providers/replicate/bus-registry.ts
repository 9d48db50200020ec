import { z } from "zod";
import type { Bus } from "../../../collab/index.js";
import type { Logger } from "../../logger.js";
import type { Prediction } from "./prediction.js";
import type { PredictionRegistry } from "./registry.js";

const TOPIC = "replicate-webhooks";
// Sent by another of our processes after it verified the webhook's signature: checked for shape only.
const Relayed = z.looseObject({ id: z.string().min(1).max(200), status: z.string().min(1).max(40) });

/**
 * With several processes, Replicate's webhook reaches whichever process the
 * load balancer picks, not necessarily the one whose job waits for that
 * prediction. A webhook nobody here waits for is relayed over the bus, and
 * every process hands relayed webhooks to its own registry (which keeps a
 * terminal one for a while, should its job start waiting only later).
 */
export async function relayedRegistry(local: PredictionRegistry, bus: Bus, logger: Logger): Promise<PredictionRegistry> {
  await bus.subscribe(TOPIC, (payload, from) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload).toString("utf8"));
    } catch {
      parsed = null;
    }
    const result = Relayed.safeParse(parsed);
    if (!result.success) return logger.warn({ from, bytes: payload.length }, "bus: malformed relayed webhook dropped");
    void local.deliver(result.data as Prediction);
  });
  return {
    waitFor: (predictionId, onUpdate, signal) => local.waitFor(predictionId, onUpdate, signal),
    async deliver(prediction) {
      if (await local.deliver(prediction)) return true;
      bus.publish(TOPIC, new Uint8Array(Buffer.from(JSON.stringify(prediction))));
      return false;
    },
  };
}
