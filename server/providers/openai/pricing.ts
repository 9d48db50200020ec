/**
 * What a run on api.openai.com costs, in USD, from the usage it reports.
 * Prices are list prices (per 1M tokens, or per image) and only apply to
 * OpenAI itself: the same model name on another server costs something else,
 * or nothing. OpenRouter reports the real charge as `usage.cost`, which wins.
 * An unknown model gives `undefined` (unknown), never a guess.
 */

/** [input, output] USD per 1M tokens. Dated snapshots (`gpt-4o-mini-2024-07-18`) cost what their model does. */
const TEXT_PER_MILLION: Record<string, readonly [number, number]> = {
  "gpt-4o-mini": [0.15, 0.6],
  "gpt-4o": [2.5, 10],
  "gpt-4.1-nano": [0.1, 0.4],
  "gpt-4.1-mini": [0.4, 1.6],
  "gpt-4.1": [2, 8],
  "gpt-3.5-turbo": [0.5, 1.5],
};

/** USD per image at standard/medium quality, by size. */
const PER_IMAGE: Record<string, Record<string, number>> = {
  "dall-e-2": { "256x256": 0.016, "512x512": 0.018, "1024x1024": 0.02 },
  "dall-e-3": { "1024x1024": 0.04, "1792x1024": 0.08, "1024x1792": 0.08 },
  "gpt-image-1": { "1024x1024": 0.042, "1536x1024": 0.063, "1024x1536": 0.063 },
};

/** Image models that bill tokens: text in, image in (edits), image out; USD per 1M. */
const IMAGE_TOKENS_PER_MILLION: Record<string, { text: number; imageIn: number; imageOut: number }> = {
  "gpt-image-1": { text: 5, imageIn: 10, imageOut: 40 },
};

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { text_tokens?: number; image_tokens?: number };
  cost?: number;
}

/** The entry for `model` or its dated snapshot; `gpt-4o` must not price `gpt-4o-mini`, nor `gpt-image-1` `gpt-image-1-mini`. */
function priceOf<T>(table: Record<string, T>, model: string): T | undefined {
  const base = model.replace(/-\d{4}-\d{2}-\d{2}$/, "");
  return Object.hasOwn(table, base) ? table[base] : undefined;
}

const usd = (n: number) => Math.round(n * 1e8) / 1e8;

export function chatCost(model: string, usage: Usage | undefined, official: boolean): number | undefined {
  if (typeof usage?.cost === "number") return usage.cost;
  const price = official ? priceOf(TEXT_PER_MILLION, model) : undefined;
  if (!price || usage?.prompt_tokens === undefined || usage.completion_tokens === undefined) return undefined;
  return usd((usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1e6);
}

export function imageCost(model: string, size: string, usage: Usage | undefined, official: boolean): number | undefined {
  if (typeof usage?.cost === "number") return usage.cost;
  if (!official) return undefined;
  const p = priceOf(IMAGE_TOKENS_PER_MILLION, model);
  if (p && usage?.output_tokens !== undefined) {
    const text = usage.input_tokens_details?.text_tokens ?? usage.input_tokens ?? 0;
    const imageIn = usage.input_tokens_details?.image_tokens ?? 0;
    return usd((text * p.text + imageIn * p.imageIn + usage.output_tokens * p.imageOut) / 1e6);
  }
  return imageListPrice(model, size);
}

/** The estimate shown before a run (ModelInfo.costUsd). */
export function imageListPrice(model: string, size: string): number | undefined {
  return priceOf(PER_IMAGE, model)?.[size];
}
