import { readJson, send, type HttpTarget } from "../http/fetch.js";
import { ProviderError } from "../types.js";
import { certainlyNotCreated, UncertainCreateError } from "./create-outcome.js";
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
  /** `GET /predictions/{id}`. */
  getPrediction(id: string, signal: AbortSignal): Promise<Prediction>;
  /**
   * The prediction created for `jobId` at or after `since`, found in the
   * account's list of predictions by the webhook URL it was created with
   * (which carries the job id); null when there is none.
   */
  findPrediction(jobId: string, since: Date, signal: AbortSignal): Promise<Prediction | null>;
  /** `POST /predictions/{id}/cancel`. */
  cancelPrediction(id: string, signal: AbortSignal): Promise<void>;
}

/** How far back of our own clock the list is searched: Replicate's clock and ours may disagree a little. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** The list has 100 predictions a page; in the few minutes searched, more than this many pages means a different problem. */
const MAX_LIST_PAGES = 10;

/** The `job` query parameter of a webhook URL we made (see createPrediction). */
function jobOf(webhook: unknown): string | null {
  if (typeof webhook !== "string") return null;
  try {
    return new URL(webhook).searchParams.get("job");
  } catch {
    return null;
  }
}

export function createReplicateClient(options: { baseUrl: string; apiToken: string; fetch: typeof globalThis.fetch }): ReplicateClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const target: HttpTarget = { provider: "Replicate", authHint: "check REPLICATE_API_TOKEN", fetch: options.fetch };
  const headers = { authorization: `Bearer ${options.apiToken}`, "content-type": "application/json" };

  async function getPrediction(id: string, signal: AbortSignal): Promise<Prediction> {
    const res = await send(target, `${baseUrl}/predictions/${encodeURIComponent(id)}`, { method: "GET", headers, signal });
    return (await readJson(res, target, signal)) as Prediction;
  }

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

      let res: Response;
      try {
        res = await send(target, url, { method: "POST", headers, body: JSON.stringify(body), signal });
      } catch (err) {
        if (err instanceof ProviderError && !certainlyNotCreated(err)) throw new UncertainCreateError(err);
        throw err;
      }
      // From here Replicate has said 2xx: the prediction exists, whatever happens to its body.
      let prediction: Prediction;
      try {
        prediction = (await readJson(res, target, signal)) as Prediction;
      } catch (err) {
        throw new UncertainCreateError(err as ProviderError);
      }
      if (typeof prediction?.id !== "string" || !prediction.id) {
        throw new UncertainCreateError(new ProviderError("Replicate answered without a prediction id", true));
      }
      return prediction;
    },

    getPrediction,

    async findPrediction(jobId, since, signal) {
      const after = new Date(since.getTime() - CLOCK_SKEW_MS).toISOString();
      let url: string | null = `${baseUrl}/predictions?created_after=${encodeURIComponent(after)}`;
      for (let page = 0; url && page < MAX_LIST_PAGES; page++) {
        const res = await send(target, url, { method: "GET", headers, signal });
        const list = (await readJson(res, target, signal)) as { results?: Prediction[]; next?: string | null };
        for (const listed of list.results ?? []) {
          // The list may leave out the webhook; the prediction itself has it.
          const prediction = listed.webhook === undefined ? await getPrediction(listed.id, signal) : listed;
          if (jobOf(prediction.webhook) === jobId) return prediction;
        }
        url = list.next ?? null;
      }
      return null;
    },

    async cancelPrediction(id, signal) {
      const res = await send(target, `${baseUrl}/predictions/${encodeURIComponent(id)}/cancel`, { method: "POST", headers, signal });
      await res.body?.cancel();
    },
  };
}
