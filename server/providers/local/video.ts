/**
 * `local:frames`: a looping animated GIF of a procedural pattern. Pattern
 * values are mapped to a few tones of the prompt's palette, and those tones
 * are the GIF's one global colour table: no per-frame quantisation, which
 * keeps frames cheap and the bytes deterministic.
 */
import gifenc from "gifenc";
import { gradient, paletteFor } from "./palette.js";
import { addLayer, makeLayer, PATTERN_STYLES, toneMap, type PatternStyle } from "./patterns.js";
import { pause } from "./run-control.js";
import { randomFor } from "./seeded-random.js";
import type { GenerationInput, ModelInfo, ProviderResult, RunContext } from "../types.js";

export const videoModel: ModelInfo = {
  id: "local:frames",
  provider: "local",
  kind: "video",
  label: "Frames (procedural animated GIF, no AI)",
  costUsd: 0,
  params: [
    { name: "frames", label: "Frames", type: "integer", default: 36, min: 8, max: 120 },
    { name: "fps", label: "Frames per second", type: "integer", default: 12, min: 6, max: 30 },
    { name: "width", label: "Width", type: "integer", default: 256, min: 64, max: 512 },
    { name: "height", label: "Height", type: "integer", default: 256, min: 64, max: 512 },
    { name: "style", label: "Style", type: "enum", default: "waves", options: PATTERN_STYLES },
  ],
};

// Fewer layers than an image's default 20 steps: they are evaluated again for every frame.
const LAYERS = 4;
// Posterised to 16 tones (4-bit indices): LZW compresses flat bands far better than a smooth
// field whose every pixel differs from its neighbour. 256 tones made 2.4 MB at the default
// size; 16 make ~0.45 MB, and the largest (120 frames of 512²) ~4.4 MB, under the asset store's 10 MB.
const TONE_BITS = 4;

export async function generateVideo(input: GenerationInput, context: RunContext): Promise<ProviderResult> {
  const frames = Number(input.params.frames);
  const fps = Number(input.params.fps);
  const width = Number(input.params.width);
  const height = Number(input.params.height);
  const style = input.params.style as PatternStyle;
  const random = randomFor(input.prompt, input.seed, "video");
  const colours = gradient(paletteFor(input.prompt, random), 1 << TONE_BITS);
  const layers = Array.from({ length: LAYERS }, (_, i) => makeLayer(style, random, i));
  // GIF delays are whole hundredths of a second; the duration we report is the one a player shows.
  const delayCs = Math.round(100 / fps);

  const gif = gifenc.GIFEncoder();
  const field = new Float32Array(width * height);
  const index = new Uint8Array(width * height);
  let tone: (value: number) => number = () => 0;
  context.onProgress(0);
  for (let frame = 0; frame < frames; frame++) {
    await pause(context.signal);
    field.fill(0);
    const t = (frame / frames) * Math.PI * 2;
    for (const { layer, weight } of layers) addLayer(field, width, height, layer, weight, t);
    // Tones are fixed from the first frame: equalising each frame on its own would flicker.
    if (frame === 0) tone = toneMap(field, colours.length);
    for (let i = 0; i < field.length; i++) index[i] = tone(field[i]!);
    gif.writeFrame(index, width, height, { palette: frame === 0 ? colours : undefined, delay: delayCs * 10, repeat: 0, colorDepth: TONE_BITS });
    context.onProgress((frame + 1) / frames);
  }
  gif.finish();
  const bytes = gif.bytes();
  return {
    outputs: [{ type: "video", mime: "image/gif", bytes, width, height, durationS: (frames * delayCs) / 100 }],
    costUsd: 0,
  };
}
