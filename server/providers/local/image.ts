/**
 * `local:pattern`: a procedural PNG. Each step adds one layer of the chosen
 * pattern (so steps scale the work, as they would for a diffusion model), the
 * layers are stretched to full contrast and coloured with the prompt's palette.
 */
import { PNG } from "pngjs";
import { decodeInitImage } from "./init-image.js";
import { gradient, paletteFor } from "./palette.js";
import { addLayer, makeLayer, PATTERN_STYLES, toneMap, type PatternStyle } from "./patterns.js";
import { pause } from "./run-control.js";
import { randomFor } from "./seeded-random.js";
import type { GenerationInput, ModelInfo, ProviderResult, RunContext } from "../types.js";

export const imageModel: ModelInfo = {
  id: "local:pattern",
  provider: "local",
  kind: "image",
  label: "Pattern (procedural, no AI)",
  costUsd: 0,
  params: [
    { name: "width", label: "Width", type: "integer", default: 512, min: 64, max: 1024 },
    { name: "height", label: "Height", type: "integer", default: 512, min: 64, max: 1024 },
    { name: "style", label: "Style", type: "enum", default: "waves", options: PATTERN_STYLES },
    { name: "steps", label: "Steps", type: "integer", default: 20, min: 1, max: 50 },
  ],
};

// How much of the pattern shows over an init image: enough to see both.
const PATTERN_OVER_INIT = 0.55;

export async function generateImage(input: GenerationInput, context: RunContext): Promise<ProviderResult> {
  const width = Number(input.params.width);
  const height = Number(input.params.height);
  const steps = Number(input.params.steps);
  const style = input.params.style as PatternStyle;
  const random = randomFor(input.prompt, input.seed, "image");
  const colours = gradient(paletteFor(input.prompt, random));

  const field = new Float32Array(width * height);
  context.onProgress(0);
  for (let step = 0; step < steps; step++) {
    await pause(context.signal);
    const { layer, weight } = makeLayer(style, random, step);
    addLayer(field, width, height, layer, weight, 0);
    // The last 5% is colouring and PNG compression.
    context.onProgress(((step + 1) / steps) * 0.95);
  }
  await pause(context.signal);

  const init = input.initImage ? decodeInitImage(input.initImage.bytes, width, height) : undefined;
  const png = new PNG({ width, height });
  const tone = toneMap(field, 256);
  for (let i = 0; i < field.length; i++) {
    const colour = colours[tone(field[i]!)]!;
    for (let c = 0; c < 3; c++) {
      const value = init ? blend(init[i * 4 + c]!, colour[c]!, init[i * 4 + 3]! / 255) : colour[c]!;
      png.data[i * 4 + c] = value;
    }
    png.data[i * 4 + 3] = 255;
  }
  // RGB without alpha: the picture is opaque, and a quarter smaller.
  const bytes = new Uint8Array(PNG.sync.write(png, { colorType: 2 }));
  context.onProgress(1);
  return { outputs: [{ type: "image", mime: "image/png", bytes, width, height }], costUsd: 0 };
}

/** The init pixel (as opaque as its alpha) under the pattern. */
function blend(initValue: number, patternValue: number, initAlpha: number): number {
  const initWeight = (1 - PATTERN_OVER_INIT) * initAlpha;
  return Math.round(initValue * initWeight + patternValue * (1 - initWeight));
}
