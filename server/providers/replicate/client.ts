import { readJson, send, type HttpTarget } from "../http/fetch.js";
import { ProviderError } from "../types.js";
import type { Prediction } from "./prediction.js";

/** The webhooks we ask for: `start` and `output` drive progress and streamed text, `completed` ends the run. */
export const WEBHOOK_EVENTS = ["start", "output", "completed"] as const;

export interface CreatePredictionOptions {
  /** Ours, for the logs of the webhook route (it rides along in the webhook URL's query). */
  jobId: string;
  webhookUrl: string;
  signal: AbortSignal;
}

export interface ReplicateClient {
  /**
   * Starts a prediction and answers with it (its `id` is what the webhooks
   * will carry). `model` is `owner/name` for a model run by name, or
   * `owner/name:version` for a pinned version.
   */
  createPrediction(request: { model: string; input: Record<string, unknown> }, options: CreatePredictionOptions): Promise<Prediction>;
  /** `POST /predictions/{id}/cancel`. */
  cancelPrediction(id: string, signal: AbortSignal): Promise<void>;
}

export function createReplicateClient(options: { baseUrl: string; apiToken: string; fetch: typeof globalThis.fetch }): ReplicateClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const target: HttpTarget = { provider: "Replicate", authHint: "check REPLICATE_API_TOKEN", fetch: options.fetch };
  const headers = { authorization: `Bearer ${options.apiToken}`, "content-type": "application/json" };

  return {
    async createPrediction({ model, input }, { jobId, webhookUrl, signal }) {
      const [name, version] = model.split(":", 2);
      const [owner, modelName] = name.split("/", 2);
      // Official models run by name; anything else needs its version, which goes in the body.
      const url = version
        ? `${baseUrl}/predictions`
        : `${baseUrl}/models/${encodeURIComponent(owner)}/${encodeURIComponent(modelName)}/predictions`;
      const webhook = new URL(webhookUrl);
      webhook.searchParams.set("job", jobId);
      const body = { ...(version ? { version } : {}), input, webhook: webhook.toString(), webhook_events_filter: WEBHOOK_EVENTS };

      const res = await send(target, url, { method: "POST", headers, body: JSON.stringify(body), signal });
      const prediction = (await readJson(res, target, signal)) as Prediction;
      if (typeof prediction?.id !== "string" || !prediction.id) throw new ProviderError("Replicate answered without a prediction id", false);
      return prediction;
    },

    async cancelPrediction(id, signal) {
      const res = await send(target, `${baseUrl}/predictions/${encodeURIComponent(id)}/cancel`, { method: "POST", headers, signal });
      await res.body?.cancel();
    },
  };
}
