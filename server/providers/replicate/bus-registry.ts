import { z } from "zod";
import type { Bus } from "../../../collab/index.js";
import { publishJson, subscribeJson } from "../../bus-messages.js";
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
  await subscribeJson(bus, TOPIC, Relayed, logger, (prediction) => void local.deliver(prediction as Prediction));
  return {
    waitFor: (predictionId, onUpdate, signal) => local.waitFor(predictionId, onUpdate, signal),
    async deliver(prediction) {
      if (await local.deliver(prediction)) return true;
      publishJson(bus, TOPIC, prediction);
      return false;
    },
  };
}
