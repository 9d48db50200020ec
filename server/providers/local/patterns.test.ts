import { test } from "node:test";
import assert from "node:assert/strict";
import { makeLayer, PATTERN_STYLES, toneMap } from "./patterns.js";
import { mulberry32 } from "./seeded-random.js";

test("every layer of every style is back where it started after one loop, so GIFs loop seamlessly", () => {
  for (const style of PATTERN_STYLES) {
    const random = mulberry32(5);
    for (let index = 0; index < 6; index++) {
      const { layer } = makeLayer(style, random, index);
      for (const [u, v] of [[0.1, 0.2], [0.5, 0.5], [0.9, 0.3]] as const) {
        const start = layer(u, v, 0);
        assert.ok(Math.abs(start) <= 1.0001, `${style} layer ${index} is out of range: ${start}`);
        assert.ok(Math.abs(layer(u, v, Math.PI * 2) - start) < 1e-6, `${style} layer ${index} does not loop`);
      }
    }
  }
});

test("tones cover about equal areas, whatever the distribution", () => {
  // Squared values crowd toward 0: a linear mapping would leave the upper tones nearly unused.
  const field = Float32Array.from({ length: 10000 }, (_, i) => (i / 10000) ** 2);
  const tone = toneMap(field, 16);
  const counts = new Array<number>(16).fill(0);
  for (const value of field) counts[tone(value)]!++;
  for (const count of counts) assert.ok(Math.abs(count - 625) < 40, `uneven tones: ${counts.join(", ")}`);
});
