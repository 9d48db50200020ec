import type { Logger } from "../../logger.js";
import { abortError } from "../http/errors.js";
import { ProviderError, type Availability, type GenerationInput, type Provider, type RunContext } from "../types.js";
import { createReplicateClient, type ReplicateClient } from "./client.js";
import { DEFAULT_REPLICATE_MODELS, modelInfo, modelsFromEntries, predictionInput, PROVIDER_ID, type ReplicateModel } from "./models.js";
import { isTerminal, type Prediction } from "./prediction.js";
import { startPrediction } from "./prediction-start.js";
import { createInProcessRegistry, type PredictionRegistry } from "./registry.js";
import { progressFromLogs, textSoFar, toResult } from "./result.js";

/** The provider's settings, from server/config.ts. */
export interface ReplicateConfig {
  apiToken?: string;
  /** Default `https://api.replicate.com/v1`. */
  baseUrl: string;
  /** The `whsec_…` signing secret of the account's webhooks. */
  webhookSecret?: string;
  /** Our public origin: Replicate must be able to reach `${publicUrl}/api/webhooks/replicate`. */
  publicUrl?: string;
  /** REPLICATE_MODELS entries (`kind:owner/name[:version]`); unset: DEFAULT_REPLICATE_MODELS. */
  models?: readonly string[];
}

export interface ReplicateProviderDeps {
  fetch?: typeof globalThis.fetch;
  /** Where waiting runs meet webhooks; one per process unless a shared one is given. */
  registry?: PredictionRegistry;
  logger?: Logger;
}

/** The provider plus what the webhook route needs from it. */
export interface ReplicateProvider extends Provider {
  registry: PredictionRegistry;
  webhookSecret: string | undefined;
}

export const WEBHOOK_PATH = "/api/webhooks/replicate";
/** A cancel is best effort and must not hold anything up for long. */
const CANCEL_TIMEOUT_MS = 10_000;

/**
 * Replicate predictions, completed by webhook. `run()` creates the
 * prediction with a webhook to `${PUBLIC_URL}/api/webhooks/replicate`, then
 * waits in the registry until the route delivers its `completed` webhook;
 * `start`/`output` webhooks on the way report progress and streamed text.
 * An abort cancels the prediction on Replicate (so it stops costing money)
 * and rejects at once.
 *
 * @example
 * const replicate = createReplicateProvider(config.providers.replicate, { logger });
 * app.use(webhookRoutes({ replicate, logger })); // before the JSON API
 */
export function createReplicateProvider(config: ReplicateConfig, deps: ReplicateProviderDeps = {}): ReplicateProvider {
  const registry = deps.registry ?? createInProcessRegistry();
  const models = config.models ? modelsFromEntries(config.models) : DEFAULT_REPLICATE_MODELS;
  const availability = availabilityOf(config);
  const client: ReplicateClient | undefined = config.apiToken
    ? createReplicateClient({ baseUrl: config.baseUrl, apiToken: config.apiToken, fetch: deps.fetch ?? globalThis.fetch })
    : undefined;

  return {
    id: PROVIDER_ID,
    label: "Replicate",
    registry,
    webhookSecret: config.webhookSecret,
    availability: () => availability,
    models: async () => models.map(modelInfo),
    async run(input, context) {
      if (!availability.ok || !client) throw new ProviderError(availability.ok ? "REPLICATE_API_TOKEN is not set" : availability.reason, false);
      const model = models.find((m) => m.ref === input.model && m.kind === input.kind);
      if (!model) throw new ProviderError(`Replicate model ${input.model} is not configured for ${input.kind} nodes (REPLICATE_MODELS)`, false);
      return runPrediction(client, model, input, context);
    },
  };

  async function runPrediction(client: ReplicateClient, model: ReplicateModel, input: GenerationInput, context: RunContext) {
    const { signal } = context;
    const create = () =>
      client.createPrediction(
        { model: model.ref, input: predictionInput(model, input) },
        { jobId: context.jobId, webhookUrl: `${config.publicUrl!.replace(/\/+$/, "")}${WEBHOOK_PATH}`, signal },
      );
    const { prediction, resumed } = await startPrediction(client, create, context, (since) => cancelOrphan(client, context.jobId, since));
    deps.logger?.info({ jobId: context.jobId, predictionId: prediction.id, model: model.ref, resumed }, resumed ? "replicate prediction resumed" : "replicate prediction created");
    const report = progressReporter(model, context);
    report(prediction);
    try {
      const final = isTerminal(prediction) ? prediction : await registry.waitFor(prediction.id, report, signal);
      report(final);
      const result = toResult(final, model);
      if (result instanceof ProviderError) throw result;
      return result;
    } catch (err) {
      if (!signal.aborted) throw err;
      cancelSoon(client, prediction.id, context.jobId);
      throw abortError(signal, { provider: "Replicate" });
    }
  }

  /** Fire and forget: the run has already been rejected; a failed cancel only costs money, so it is logged. */
  function cancelSoon(client: ReplicateClient, predictionId: string, jobId: string) {
    client.cancelPrediction(predictionId, AbortSignal.timeout(CANCEL_TIMEOUT_MS)).catch((err: unknown) => {
      deps.logger?.warn({ err, jobId, predictionId }, "replicate cancel failed");
    });
  }

  /** A job aborted while its create was in doubt: if the prediction exists after all, it is canceled. */
  function cancelOrphan(client: ReplicateClient, jobId: string, since: Date) {
    const signal = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
    client
      .findPrediction(jobId, since, signal)
      .then((found) => (found && !isTerminal(found) ? client.cancelPrediction(found.id, signal) : undefined))
      .catch((err: unknown) => deps.logger?.warn({ err, jobId }, "replicate cancel of a prediction in doubt failed"));
  }
}

function availabilityOf(config: ReplicateConfig): Availability {
  if (!config.apiToken) return { ok: false, reason: "REPLICATE_API_TOKEN is not set" };
  if (!config.publicUrl) return { ok: false, reason: "PUBLIC_URL is needed for Replicate webhooks" };
  // Without the secret, webhooks cannot be told from forgeries, so none would be accepted.
  if (!config.webhookSecret) return { ok: false, reason: "REPLICATE_WEBHOOK_SECRET is not set (the whsec_… secret from GET /v1/webhooks/default/secret)" };
  return { ok: true };
}

/**
 * Turns each webhook's prediction into progress (from the logs' progress
 * bars) or, for language models, into text deltas: every `output` webhook
 * carries all tokens so far, so only the new tail is passed on.
 */
function progressReporter(model: ReplicateModel, context: RunContext) {
  let progress = 0;
  let text = "";
  return (prediction: Prediction) => {
    if (model.kind === "text") {
      const sofar = textSoFar(prediction.output) ?? "";
      if (sofar.length > text.length && sofar.startsWith(text)) {
        context.onText(sofar.slice(text.length));
        text = sofar;
      }
      return;
    }
    const p = prediction.status === "succeeded" ? 1 : progressFromLogs(prediction.logs);
    if (p !== undefined && p > progress) {
      progress = p;
      context.onProgress(p);
    }
  };
}
