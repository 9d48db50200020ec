/**
 * Decoding a PNG and drawing it smaller: the CPU- and memory-heavy part of a
 * preview. It runs on the preview worker (preview-worker.ts), never on the
 * main thread, and only for images whose header the caller has checked
 * against the pixel limit (previews.ts).
 */
import { PNG } from "pngjs";
import { inflateSync } from "node:zlib";
import { readPngHeader, type PngHeader } from "./png-header.js";

/** The PNG bytes of `png` scaled down to `width` (aspect kept). Throws on any file it cannot decode. */
export function renderPreview(png: Uint8Array, width: number): Uint8Array {
  const read = readPngHeader(png);
  if (!read.ok) throw new Error(`not a valid PNG: ${read.problem}`);
  // pngjs bounds its inflate by the image's size, except for interlaced images,
  // where a zlib bomb would inflate for as long as it likes: check those first.
  if (read.header.interlaced) assertInflatesWithin(png, interlacedBytes(read.header));
  const source = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  const encoded = PNG.sync.write(downscale(source, width));
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** Box filter: each output pixel averages the source pixels it covers. */
function downscale(source: PNG, width: number): PNG {
  const height = Math.max(1, Math.round((source.height * width) / source.width));
  const out = new PNG({ width, height });
  const sx = source.width / width;
  const sy = source.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      const sum = [0, 0, 0, 0];
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * source.width + xx) * 4;
          for (let c = 0; c < 4; c++) sum[c] += source.data[i + c];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) out.data[o + c] = Math.round(sum[c] / n);
    }
  }
  return out;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7: each pass's first column and row, and its steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** How many bytes an interlaced image's scanlines inflate to: each pass's rows, each with its filter byte. */
function interlacedBytes({ width, height, bitDepth, colourType }: PngHeader): number {
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const passWidth = Math.ceil(Math.max(0, width - x0) / dx);
    const passHeight = Math.ceil(Math.max(0, height - y0) / dy);
    if (passWidth > 0) total += passHeight * (Math.ceil((passWidth * CHANNELS[colourType] * bitDepth) / 8) + 1);
  }
  return total;
}

/** Inflates the IDAT chunks once, refusing to produce more than `maxBytes`. */
function assertInflatesWithin(png: Uint8Array, maxBytes: number): void {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const data: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === "IDAT") data.push(png.subarray(at + 8, Math.min(png.length, at + 8 + length)));
    if (type === "IEND") break;
    at += 12 + length;
  }
  try {
    inflateSync(Buffer.concat(data), { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    throw new Error(`its image data does not inflate to the size its header declares (${(err as Error).message})`);
  }
}
