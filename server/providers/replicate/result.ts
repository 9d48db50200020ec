import { ProviderError, type GeneratingKind, type ProviderOutput, type ProviderResult } from "../types.js";
import type { ReplicateModel } from "./models.js";
import { isTerminal, type Prediction } from "./prediction.js";

/**
 * A finished prediction as the runner wants it: outputs (URLs to download,
 * since Replicate deletes its files after an hour) and a cost, or the
 * ProviderError it failed with. Pure, so the webhook path, a future
 * cross-process path and tests all map predictions the same way.
 *
 * `model` (from our catalog) says what kind of output to expect and its
 * price; without it the kind is guessed from the file extensions.
 *
 * @example
 * const result = toResult({ id: "p1", status: "succeeded", output: ["https://replicate.delivery/x/out-0.webp"] });
 * // → { outputs: [{ type: "image", mime: "image/webp", url: "https://replicate.delivery/x/out-0.webp" }] }
 */
export function toResult(prediction: Prediction, model?: Pick<ReplicateModel, "kind" | "price">): ProviderResult | ProviderError {
  if (!isTerminal(prediction)) throw new TypeError(`prediction ${prediction.id} is still ${prediction.status}`);
  switch (prediction.status) {
    case "failed": {
      const message = typeof prediction.error === "string" && prediction.error.trim() ? prediction.error.trim() : "the model failed without saying why";
      // Replicate's own infrastructure failures ask to be retried; a model's error (bad input, NSFW filter) would fail again.
      return new ProviderError(`Replicate: ${message}`, /please retry|interrupted|\(code: PA\)/i.test(message));
    }
    case "canceled":
      return new ProviderError("The prediction was canceled on Replicate", false);
    case "aborted":
      // Stopped before it ran (e.g. a deadline passed while queued): another attempt can succeed.
      return new ProviderError("Replicate stopped the prediction before it ran", true);
  }

  const outputs = model?.kind === "text" || looksLikeText(prediction.output) ? textOutput(prediction.output) : fileOutputs(prediction.output, model?.kind);
  if (outputs.length === 0) return new ProviderError("Replicate finished the prediction without any output", false);
  return { outputs, costUsd: cost(prediction, outputs.length, model?.price) };
}

const OUTPUT_TYPE: Record<Exclude<GeneratingKind, "text">, ProviderOutput["type"]> = { image: "image", speech: "audio", video: "video" };

const MIME_BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  svg: "image/svg+xml",
  avif: "image/avif",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  ogg: "audio/ogg",
  flac: "audio/flac",
  mp4: "video/mp4",
  webm: "video/webm",
  mov: "video/quicktime",
};
const FALLBACK_MIME: Record<ProviderOutput["type"], string> = { image: "image/png", audio: "audio/wav", video: "video/mp4", text: "text/plain" };

const isFile = (value: unknown): value is string => typeof value === "string" && /^(https?:|data:)/i.test(value);

/** Language models stream tokens, so their output is a list of strings that are not URLs. */
const looksLikeText = (output: unknown) =>
  (typeof output === "string" && !isFile(output)) || (Array.isArray(output) && output.length > 0 && output.every((o) => typeof o === "string" && !isFile(o)));

function textOutput(output: unknown): ProviderOutput[] {
  const text = textSoFar(output);
  return text === undefined ? [] : [{ type: "text", mime: "text/plain", text }];
}

/** The text so far of a language model's output (a token list, or one string). */
export function textSoFar(output: unknown): string | undefined {
  if (typeof output === "string") return output;
  if (Array.isArray(output) && output.every((o) => typeof o === "string")) return output.join("");
  return undefined;
}

/** Every file URL in the output, in order: a string, a list, or an object such as `{ audio_out: url }`, one level down. */
function fileOutputs(output: unknown, kind: GeneratingKind | undefined): ProviderOutput[] {
  const values = output !== null && typeof output === "object" && !Array.isArray(output) ? Object.values(output) : [output];
  const urls = values.flat().filter(isFile);
  return urls.map((url) => fileOutput(url, kind));
}

function fileOutput(url: string, kind: GeneratingKind | undefined): ProviderOutput {
  const data = /^data:([^;,]+)?(;base64)?,(.*)$/is.exec(url);
  if (data) {
    const mime = data[1] || "application/octet-stream";
    const bytes = data[2] ? Buffer.from(data[3], "base64") : Buffer.from(decodeURIComponent(data[3]));
    return { type: typeFor(kind, mime), mime, bytes: new Uint8Array(bytes) };
  }
  const extension = /\.([a-z0-9]+)$/i.exec(pathOf(url))?.[1]?.toLowerCase() ?? "";
  const byExtension = MIME_BY_EXTENSION[extension];
  const type = typeFor(kind, byExtension);
  return { type, mime: byExtension ?? FALLBACK_MIME[type], url };
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}

function typeFor(kind: GeneratingKind | undefined, mime: string | undefined): ProviderOutput["type"] {
  if (kind && kind !== "text") return OUTPUT_TYPE[kind];
  if (mime?.startsWith("audio/")) return "audio";
  if (mime?.startsWith("video/")) return "video";
  return "image";
}

function cost(prediction: Prediction, outputs: number, price: ReplicateModel["price"]): number | undefined {
  if (!price) return undefined;
  if (price.perOutput !== undefined) return Math.round(price.perOutput * outputs * 1e8) / 1e8;
  const input = prediction.metrics?.input_token_count;
  const output = prediction.metrics?.output_token_count;
  if (price.perMillionInputTokens === undefined || input === undefined || output === undefined) return undefined;
  return Math.round(((input * price.perMillionInputTokens + output * (price.perMillionOutputTokens ?? 0)) / 1e6) * 1e8) / 1e8;
}

/**
 * How far a prediction has got, from its logs: diffusion models print tqdm
 * bars (`75%|███████▌  | 3/4 [00:01<00:00]`), so the last percentage is the
 * best measure there is. `undefined` when the logs show none.
 */
export function progressFromLogs(logs: string | null | undefined): number | undefined {
  if (!logs) return undefined;
  const percents = [...logs.matchAll(/(\d{1,3})%\|/g)];
  const last = percents.at(-1);
  if (!last) return undefined;
  return Math.min(100, Number(last[1])) / 100;
}
