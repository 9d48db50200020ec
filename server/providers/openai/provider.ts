import { ProviderError, type Availability, type Provider } from "../types.js";
import { streamChat } from "./chat.js";
import { openAIEndpoint, type OpenAIConfig } from "./endpoint.js";
import { generateImage } from "./images.js";
import { listModels, PROVIDER_ID } from "./models.js";

export interface OpenAIProviderDeps {
  /** Defaults to Node's global fetch. */
  fetch?: typeof globalThis.fetch;
}

/**
 * Any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, LM Studio, OpenRouter.
 * Text nodes stream chat completions; image nodes call the images API.
 *
 * A key is required only by api.openai.com: a local server (Ollama at
 * `http://127.0.0.1:11434/v1`) is available without one.
 *
 * @example
 * const openai = createOpenAIProvider(config.providers.openai);
 * const { outputs } = await openai.run(input, { jobId, signal, onProgress, onText });
 */
export function createOpenAIProvider(config: OpenAIConfig, deps: OpenAIProviderDeps = {}): Provider {
  const endpoint = openAIEndpoint(config, deps.fetch ?? globalThis.fetch);
  const availability: Availability =
    endpoint.official && !config.apiKey ? { ok: false, reason: "OPENAI_API_KEY is not set" } : { ok: true };

  return {
    id: PROVIDER_ID,
    label: endpoint.official ? "OpenAI" : `OpenAI-compatible (${new URL(endpoint.baseUrl).host})`,
    availability: () => availability,
    models: (signal) => listModels(endpoint, config, signal),
    async run(input, context) {
      if (!availability.ok) throw new ProviderError(availability.reason, false);
      switch (input.kind) {
        case "text":
          return streamChat(endpoint, input, context);
        case "image":
          return generateImage(endpoint, input, context);
        case "speech":
        case "video":
          throw new ProviderError(`The openai provider does not make ${input.kind}`, false);
        default: {
          const never: never = input.kind;
          throw new ProviderError(`Unknown node kind ${String(never)}`, false);
        }
      }
    },
  };
}
