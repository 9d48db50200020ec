/**
 * The `local` provider: the default that needs no key and no network. Its
 * models are honest stand-ins (procedural pictures and animations, grammar
 * prose, eSpeak speech) that exercise the whole job pipeline offline:
 * progress, streaming, cancellation, binary outputs. Same input, same bytes.
 *
 * @example
 * const local = createLocalProvider();
 * const result = await local.run({ kind: "image", model: "pattern", prompt: "blue harbour", params, seed: 7 }, context);
 */
import { validateParams } from "../params.js";
import { ProviderError, type GenerationInput, type ModelInfo, type Provider, type ProviderResult, type RunContext } from "../types.js";
import { generateImage, imageModel } from "./image.js";
import { generateSpeech, loadEspeak, speechModel, type SpeechEngineLoader } from "./speech.js";
import { generateText, streamReply, textModel } from "./text.js";
import { generateVideo, videoModel } from "./video.js";
import type { LocalWorkerPool } from "./worker-pool.js";

export { MISSING_ESPEAK } from "./speech.js";
export { createLocalWorkerPool, type LocalWorkerPool } from "./worker-pool.js";

export interface LocalProviderOptions {
  /** Pause between streamed words of a text reply (default 15 ms: visible streaming; tests pass 0). */
  tokenDelayMs?: number;
  /** Loads espeak-ng (default: a dynamic import of the optional package). In-process only: workers use the default. */
  loadSpeechEngine?: SpeechEngineLoader;
  /**
   * Where the CPU work runs. The server passes its pool so generation never
   * holds up the event loop; without one (unit tests, scripts) it runs here.
   */
  workers?: LocalWorkerPool;
}

export const LOCAL_MODELS: readonly ModelInfo[] = [imageModel, textModel, speechModel, videoModel];

export function createLocalProvider(options: LocalProviderOptions = {}): Provider {
  const tokenDelayMs = options.tokenDelayMs ?? 15;
  const loadSpeechEngine = options.loadSpeechEngine ?? loadEspeak;
  return {
    id: "local",
    label: "Local (no network)",
    availability: () => ({ ok: true }),
    models: async () => [...LOCAL_MODELS],
    async run(input: GenerationInput, context: RunContext): Promise<ProviderResult> {
      const model = LOCAL_MODELS.find((m) => m.id === `local:${input.model}` && m.kind === input.kind);
      if (!model) throw new ProviderError(`The local provider has no ${input.kind} model "${input.model}".`, false);
      context.signal.throwIfAborted();
      // The runner validates too; doing it here means a direct caller can never hand a generator a bad size.
      let params;
      try {
        params = validateParams(model, input.params);
      } catch (err) {
        throw new ProviderError((err as Error).message, false, { cause: err });
      }
      const checked = { ...input, params };
      if (options.workers) return runOnWorker(options.workers, checked, context);
      switch (model.kind) {
        case "image":
          return generateImage(checked, context);
        case "text":
          return generateText(checked, context, tokenDelayMs);
        case "speech":
          return generateSpeech(checked, context, loadSpeechEngine);
        case "video":
          return generateVideo(checked, context);
        default: {
          const unknown: never = model.kind;
          throw new ProviderError(`unhandled kind ${String(unknown)}`, false);
        }
      }
    },
  };

  async function runOnWorker(workers: LocalWorkerPool, input: GenerationInput, context: RunContext): Promise<ProviderResult> {
    const { signal, onProgress } = context;
    switch (input.kind) {
      case "text": {
        // Composing is the CPU part; the streaming is waiting, and the text's writes belong to this thread.
        const text = await workers.run({ kind: "compose-text", input }, { signal });
        return streamReply(text, context, tokenDelayMs);
      }
      case "image":
      case "speech":
      case "video":
        return workers.run({ kind: input.kind, input }, { signal, onProgress });
      default: {
        const unknown: never = input.kind;
        throw new ProviderError(`unhandled kind ${String(unknown)}`, false);
      }
    }
  }
}
