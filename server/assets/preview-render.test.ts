import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { pngFile } from "../../tests/helpers/media.js";
import { renderPreview } from "./preview-render.js";

/**
 * An 8×8 greyscale Adam7 image has 7 passes of 1×1, 1×1, 2×1, 2×2, 4×2, 4×4
 * and 8×4 pixels: 15 rows, 64 pixel bytes and 15 filter bytes, 79 in all.
 */
const INTERLACED_8x8_BYTES = 79;

test("an interlaced PNG is previewed", () => {
  const png = pngFile({ width: 8, height: 8, bitDepth: 8, colourType: 0, interlaced: true }, deflateSync(Buffer.alloc(INTERLACED_8x8_BYTES)));
  const preview = PNG.sync.read(Buffer.from(renderPreview(png, 4)));
  assert.deepEqual([preview.width, preview.height], [4, 4]);
});

test("an interlaced PNG whose data inflates past its declared size is refused without inflating it all", () => {
  // pngjs inflates interlaced data without a bound: 64 MB here (from 64 KB), or GBs from a 10 MB upload.
  const bomb = pngFile({ width: 8, height: 8, bitDepth: 8, colourType: 0, interlaced: true }, deflateSync(Buffer.alloc(64 * 1024 * 1024)));
  assert.ok(bomb.length < 100_000);
  const started = performance.now();
  assert.throws(() => renderPreview(bomb, 4), /does not inflate to the size its header declares/);
  assert.ok(performance.now() - started < 100, "stopped at the declared size");
  const short = pngFile({ width: 8, height: 8, bitDepth: 8, colourType: 0, interlaced: true }, deflateSync(Buffer.alloc(INTERLACED_8x8_BYTES + 1)));
  assert.throws(() => renderPreview(short, 4), /does not inflate/, "one byte over is over");
});
