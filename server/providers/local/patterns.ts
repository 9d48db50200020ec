/**
 * Procedural patterns shared by the image and the video generator. A pattern
 * is a sum of layers; each layer maps a point (u, v in units of the shorter
 * side, so a pattern keeps its look at any size) and a time t (radians: one
 * turn is one loop of the video) to a value in about -1..1. Every layer
 * returns to its start at t = 2π, which makes the GIF loop seamlessly.
 */
import { randomInt, type Random } from "./seeded-random.js";

export const PATTERN_STYLES = ["waves", "cells", "stripes", "rings"] as const;
export type PatternStyle = (typeof PATTERN_STYLES)[number];

export type Layer = (u: number, v: number, t: number) => number;

/**
 * Layer `index` of a style. Later layers are finer and weaker, like octaves
 * of noise, so more steps add detail rather than change the picture: the
 * first few layers give the style its look.
 */
export function makeLayer(style: PatternStyle, random: Random, index: number): { layer: Layer; weight: number } {
  // Cycles across the shorter side; capped where a layer would alias into pixel noise at 64 px.
  const frequency = Math.min(16, (1.2 + random() * 2.3) * 1.35 ** index);
  const weight = 0.55 ** index;
  // Integer speeds only: a layer must be back where it started after one loop.
  const speed = randomInt(random, 1, 2) * (random() < 0.5 ? -1 : 1);
  switch (style) {
    case "waves":
      return { layer: waves(random, frequency, speed), weight };
    case "stripes":
      return { layer: stripes(random, frequency, speed), weight };
    case "rings":
      return { layer: rings(random, frequency, speed), weight };
    case "cells":
      return { layer: cells(random, frequency, speed), weight };
    default: {
      const unknown: never = style;
      throw new Error(`unknown pattern style ${String(unknown)}`);
    }
  }
}

/** Adds `weight × layer` at every pixel of a width × height field. */
export function addLayer(field: Float32Array, width: number, height: number, layer: Layer, weight: number, t: number): void {
  const scale = 1 / Math.min(width, height);
  for (let y = 0, i = 0; y < height; y++) {
    const v = y * scale;
    for (let x = 0; x < width; x++, i++) field[i]! += weight * layer(x * scale, v, t);
  }
}

/**
 * Maps field values to `levels` tones so that each tone covers about the same
 * area (histogram equalisation): every palette colour shows, whatever the
 * distribution of the sum of layers. Built from one field (a video's first
 * frame) and reused, so later frames do not flicker.
 */
export function toneMap(field: Float32Array, levels: number): (value: number) => number {
  // A strided sample is plenty for quantiles and keeps sorting cheap at 1024 × 1024.
  const stride = Math.max(1, Math.floor(field.length / 16384));
  const sample = Float32Array.from({ length: Math.ceil(field.length / stride) }, (_, i) => field[i * stride]!).sort();
  const thresholds = Float32Array.from({ length: levels - 1 }, (_, j) => sample[Math.floor(((j + 1) * sample.length) / levels)]!);
  return (value) => {
    // The number of thresholds at or below value, by binary search.
    let lo = 0;
    let hi = thresholds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (thresholds[mid]! <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function waves(random: Random, frequency: number, speed: number): Layer {
  const angle = random() * Math.PI * 2;
  const dx = Math.cos(angle) * frequency * Math.PI * 2;
  const dy = Math.sin(angle) * frequency * Math.PI * 2;
  const phase = random() * Math.PI * 2;
  const warp = 0.5 + random() * 1.5;
  return (u, v, t) => Math.sin(u * dx + v * dy + phase + speed * t + warp * Math.sin(v * dx - u * dy + t));
}

function stripes(random: Random, frequency: number, speed: number): Layer {
  const angle = random() * Math.PI;
  const dx = Math.cos(angle) * frequency;
  const dy = Math.sin(angle) * frequency;
  const wobble = random() * 0.4;
  return (u, v, t) => {
    const position = u * dx + v * dy + wobble * Math.sin(v * 9 + t) + (speed * t) / (Math.PI * 2);
    const fraction = position - Math.floor(position);
    return Math.abs(fraction * 4 - 2) - 1; // a triangle wave: crisp bands without the hard edge of a sawtooth
  };
}

function rings(random: Random, frequency: number, speed: number): Layer {
  const cx = random();
  const cy = random();
  const k = frequency * Math.PI * 2;
  return (u, v, t) => Math.sin(Math.hypot(u - cx, v - cy) * k - speed * t);
}

/** Worley noise (distance to the second-nearest point minus the nearest): cell walls light, interiors dark. */
function cells(random: Random, frequency: number, speed: number): Layer {
  const count = Math.min(24, Math.round(frequency * 2));
  const points = Array.from({ length: count }, () => ({
    x: random() * 1.2 - 0.1,
    y: random() * 1.2 - 0.1,
    radius: random() * 0.05,
    phase: random() * Math.PI * 2,
  }));
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  let placedFor = NaN;
  const gain = Math.sqrt(count) * 2.5;
  return (u, v, t) => {
    if (t !== placedFor) {
      // Points circle once (or twice) per loop; placed once per frame, not per pixel.
      for (let i = 0; i < count; i++) {
        const p = points[i]!;
        xs[i] = p.x + p.radius * Math.cos(p.phase + speed * t);
        ys[i] = p.y + p.radius * Math.sin(p.phase + speed * t);
      }
      placedFor = t;
    }
    let nearest = Infinity;
    let second = Infinity;
    for (let i = 0; i < count; i++) {
      const du = u - xs[i]!;
      const dv = v - ys[i]!;
      const d = du * du + dv * dv;
      if (d < nearest) {
        second = nearest;
        nearest = d;
      } else if (d < second) second = d;
    }
    return Math.min(1, (Math.sqrt(second) - Math.sqrt(nearest)) * gain) * 2 - 1;
  };
}
