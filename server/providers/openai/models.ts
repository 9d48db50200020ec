import type { ModelInfo, ParamSpec } from "../types.js";
import { send, readJson } from "../http/fetch.js";
import { ProviderError } from "../types.js";
import type { OpenAIConfig, OpenAIEndpoint } from "./endpoint.js";
import { imageListPrice } from "./pricing.js";

export const PROVIDER_ID = "openai";

/** Used on api.openai.com when OPENAI_TEXT_MODELS / OPENAI_IMAGE_MODELS are unset. */
export const DEFAULT_TEXT_MODELS = ["gpt-4o-mini", "gpt-4.1-mini"] as const;
export const DEFAULT_IMAGE_MODELS = ["gpt-image-1", "dall-e-3"] as const;

/** How long listing a server's models may take before the model picker gives up on it. */
const LIST_TIMEOUT_MS = 10_000;

const TEXT_PARAMS: readonly ParamSpec[] = [
  { name: "temperature", label: "Temperature", type: "number", default: 0.7, min: 0, max: 2 },
  { name: "maxTokens", label: "Max tokens", type: "integer", default: 1024, min: 1, max: 32_768 },
];

/** Each image model accepts only its own sizes; anything else is a 400. */
const SIZES: Record<string, readonly string[]> = {
  "gpt-image-1": ["1024x1024", "1536x1024", "1024x1536"],
  "dall-e-3": ["1024x1024", "1792x1024", "1024x1792"],
  "dall-e-2": ["1024x1024", "512x512", "256x256"],
};
/** Other servers (LocalAI, SD front-ends) mostly take square sizes. */
const FALLBACK_SIZES = ["1024x1024", "512x512", "256x256"] as const;

export const imageSizes = (model: string): readonly string[] => SIZES[model] ?? FALLBACK_SIZES;

export function textModelInfo(model: string): ModelInfo {
  return { id: `${PROVIDER_ID}:${model}`, provider: PROVIDER_ID, kind: "text", label: model, params: TEXT_PARAMS };
}

export function imageModelInfo(model: string, official: boolean): ModelInfo {
  const options = imageSizes(model);
  const costUsd = official ? imageListPrice(model, options[0]) : undefined;
  return {
    id: `${PROVIDER_ID}:${model}`,
    provider: PROVIDER_ID,
    kind: "image",
    label: model,
    params: [{ name: "size", label: "Size", type: "enum", default: options[0], options }],
    ...(costUsd !== undefined ? { costUsd } : {}),
  };
}

/**
 * The models to offer. Configured lists are used as they are. Without one, on
 * api.openai.com the defaults above; on any other server the ids its
 * `GET /models` lists, as text models, so an Ollama or LM Studio user sees
 * what they have pulled without configuring anything. That listing is I/O,
 * which the runner's model-list cache (with its TTL) keeps off the hot path.
 */
export async function listModels(endpoint: OpenAIEndpoint, config: OpenAIConfig, signal?: AbortSignal): Promise<ModelInfo[]> {
  const text = config.textModels ?? (endpoint.official ? DEFAULT_TEXT_MODELS : await discoverModels(endpoint, signal));
  const images = config.imageModels ?? (endpoint.official ? DEFAULT_IMAGE_MODELS : []);
  return [...text.map(textModelInfo), ...images.map((m) => imageModelInfo(m, endpoint.official))];
}

/** `GET {base}/models` → `{ object: "list", data: [{ id, object: "model", owned_by }] }`. */
async function discoverModels(endpoint: OpenAIEndpoint, signal?: AbortSignal): Promise<string[]> {
  const timeout = AbortSignal.timeout(LIST_TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const res = await send(endpoint, `${endpoint.baseUrl}/models`, { headers: endpoint.headers(), signal: combined });
  const body = (await readJson(res, endpoint, combined)) as { data?: unknown };
  if (!Array.isArray(body?.data)) throw new ProviderError(`${endpoint.provider} listed its models without a \`data\` array`, true);
  const ids = body.data.map((m) => (m as { id?: unknown })?.id).filter((id): id is string => typeof id === "string" && id !== "");
  return [...new Set(ids)].sort();
}
