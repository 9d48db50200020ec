/**
 * Colours from the words of a prompt: a colour word gives its colour ("a blue
 * harbour" looks blue), any other word a hue of its own hash, so the same
 * prompt always gets the same palette and different prompts look different.
 */
import { contentWords } from "./prompt-words.js";
import { hashString, type Random } from "./seeded-random.js";

export type Rgb = readonly [number, number, number];

/** Hue in degrees, saturation and lightness in 0..1. */
type Hsl = readonly [number, number, number];

const COLOUR_WORDS: Record<string, Hsl> = {
  red: [0, 0.75, 0.5], crimson: [348, 0.8, 0.42], orange: [28, 0.9, 0.55], amber: [42, 0.9, 0.5],
  yellow: [52, 0.9, 0.6], gold: [46, 0.75, 0.52], golden: [46, 0.75, 0.52], green: [120, 0.6, 0.42],
  forest: [135, 0.5, 0.3], moss: [90, 0.4, 0.38], teal: [175, 0.6, 0.38], cyan: [186, 0.7, 0.5],
  blue: [218, 0.7, 0.5], ocean: [205, 0.7, 0.38], sea: [198, 0.6, 0.42], sky: [200, 0.7, 0.68],
  navy: [228, 0.6, 0.25], purple: [275, 0.55, 0.45], violet: [268, 0.6, 0.58], lavender: [255, 0.5, 0.78],
  pink: [335, 0.75, 0.72], magenta: [305, 0.75, 0.5], brown: [25, 0.45, 0.32], sand: [40, 0.45, 0.72],
  desert: [35, 0.55, 0.62], fire: [14, 0.9, 0.5], sunset: [18, 0.85, 0.58], night: [235, 0.5, 0.14],
  black: [0, 0, 0.07], white: [0, 0, 0.95], snow: [205, 0.2, 0.94], grey: [0, 0, 0.5], gray: [0, 0, 0.5],
  silver: [210, 0.08, 0.72], ice: [190, 0.5, 0.85],
};

/** Four to five colours ordered dark to light, so a gradient through them always has contrast. */
export function paletteFor(prompt: string, random: Random): Rgb[] {
  const chosen: Hsl[] = [];
  for (const word of contentWords(prompt)) {
    if (chosen.length === 4) break;
    const known = COLOUR_WORDS[word];
    if (known) chosen.push(known);
    else {
      const h = hashString(word);
      chosen.push([h % 360, 0.45 + ((h >>> 9) % 40) / 100, 0.35 + ((h >>> 17) % 35) / 100]);
    }
  }
  // Too few words: neighbours of what we have (or of a random hue), analogous and complementary.
  const baseHue = chosen[0]?.[0] ?? random() * 360;
  while (chosen.length < 4) {
    const offset = [30, 180, -30, 150][chosen.length]!;
    chosen.push([(baseHue + offset + random() * 20 + 360) % 360, 0.4 + random() * 0.4, 0.3 + random() * 0.45]);
  }
  const sorted = [...chosen].sort((a, b) => a[2] - b[2]);
  const darkest = sorted[0]!;
  const lightest = sorted[sorted.length - 1]!;
  sorted[0] = [darkest[0], darkest[1], Math.min(darkest[2], 0.2)];
  sorted[sorted.length - 1] = [lightest[0], lightest[1], Math.max(lightest[2], 0.78)];
  return sorted.map(hslToRgb);
}

/** `size` RGB triples running through the palette: the image's colour map, and the GIF's global colour table as is. */
export function gradient(palette: readonly Rgb[], size = 256): Rgb[] {
  const table: Rgb[] = [];
  for (let i = 0; i < size; i++) {
    const position = (i / (size - 1)) * (palette.length - 1);
    const lower = Math.min(Math.floor(position), palette.length - 2);
    const f = smoothstep(position - lower);
    const a = palette[lower]!;
    const b = palette[lower + 1]!;
    table.push([mix(a[0], b[0], f), mix(a[1], b[1], f), mix(a[2], b[2], f)]);
  }
  return table;
}

const smoothstep = (x: number) => x * x * (3 - 2 * x);
const mix = (a: number, b: number, f: number) => Math.round(a + (b - a) * f);

function hslToRgb([h, s, l]: Hsl): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
