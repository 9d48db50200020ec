import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, createDeflate, deflateSync } from "node:zlib";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * A valid RGB PNG of `width`×`height` whose pixels follow from `seed`, so tests
 * can make as many distinct images as they need (and, with a large enough
 * size, one that does not compress below a limit).
 */
export function makePng(width = 2, height = 2, seed = 1): Buffer<ArrayBuffer> {
  let state = seed >>> 0 || 1;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
    for (let i = 1; i < row.length; i++) row[i] = next();
    rows.push(row);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk("IHDR", ihdrData(width, height, 8, 2)), // 8-bit truecolour
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A decompression bomb: an 8-bit greyscale PNG of `width`×`height` black
 * pixels. 12000×12000 is 140 KB on disk and 144 MB of scanlines (576 MB once a
 * decoder expands it to RGBA). The scanlines are deflated one row at a time, so
 * this process never holds them, and the file is kept in the OS temp folder
 * (it takes about a second to make).
 */
export async function pngBomb(width: number, height: number): Promise<Buffer<ArrayBuffer>> {
  const path = join(tmpdir(), `genboard-png-bomb-${width}x${height}.png`);
  if (existsSync(path)) return readFileSync(path) as Buffer<ArrayBuffer>;
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (part: Buffer) => parts.push(part));
  const ended = new Promise((resolve, reject) => deflate.on("end", resolve).on("error", reject));
  const row = Buffer.alloc(1 + width); // filter byte 0, then `width` black pixels
  for (let y = 0; y < height; y++) {
    if (!deflate.write(row)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await ended;
  const png = pngFile({ width, height, bitDepth: 8, colourType: 0 }, Buffer.concat(parts));
  // Written under another name first: test files running in parallel may make it at the same time.
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, png);
  renameSync(partial, path);
  return png;
}

/** The ways a PNG can be broken behind valid magic bytes that a decoder must survive. */
export const CORRUPT_PNG_CASES = ["truncated IDAT", "bad CRC", "wrong IHDR length", "zero width", "bad zlib stream", "bad filter byte", "huge chunk length"] as const;
export type CorruptPngCase = (typeof CORRUPT_PNG_CASES)[number];

/**
 * One PNG per case in CORRUPT_PNG_CASES, each starting with a valid signature:
 * a `width`×`height` RGB image (distinct for each `seed`) broken in one way.
 * Only "wrong IHDR length" and "zero width" have a bad header; the others fail
 * only when decoded.
 */
export function corruptPngs(seed: number, width = 200, height = 50): Record<CorruptPngCase, Buffer<ArrayBuffer>> {
  const png = makePng(width, height, seed);
  const ihdrEnd = 8 + 12 + 13;
  const idatLength = png.readUInt32BE(ihdrEnd);
  const idatEnd = ihdrEnd + 12 + idatLength;
  const [ihdr, idat, iend] = [png.subarray(8, ihdrEnd), png.subarray(ihdrEnd, idatEnd), png.subarray(idatEnd)];
  const header = ihdrData(width, height, 8, 2);
  const edited = (edit: (copy: Buffer<ArrayBuffer>) => void) => {
    const copy = Buffer.from(png);
    edit(copy);
    return copy;
  };
  // Every row's filter byte is 9 (there are five filter types, 0–4); the zlib stream and CRCs are valid.
  const badFilterRows = Buffer.alloc(height * (1 + width * 3), seed);
  for (let y = 0; y < height; y++) badFilterRows[y * (1 + width * 3)] = 9;
  return {
    "truncated IDAT": Buffer.concat([PNG_SIGNATURE, ihdr, idat.subarray(0, idat.length >> 1)]),
    "bad CRC": edited((copy) => (copy[idatEnd - 1] ^= 0xff)),
    "wrong IHDR length": Buffer.concat([PNG_SIGNATURE, chunk("IHDR", Buffer.concat([header, Buffer.alloc(1)])), idat, iend]),
    "zero width": Buffer.concat([PNG_SIGNATURE, chunk("IHDR", ihdrData(0, height, 8, 2)), idat, iend]),
    "bad zlib stream": Buffer.concat([PNG_SIGNATURE, ihdr, chunk("IDAT", Buffer.from(`not a zlib stream ${seed}`.repeat(8))), iend]),
    "bad filter byte": Buffer.concat([PNG_SIGNATURE, ihdr, chunk("IDAT", deflateSync(badFilterRows)), iend]),
    "huge chunk length": edited((copy) => copy.writeUInt32BE(0x7ffffff0, ihdrEnd)),
  };
}

/** A PNG file of one IDAT chunk holding `idat` (deflated scanlines), as its header says, whatever `idat` holds. */
export function pngFile(header: { width: number; height: number; bitDepth: number; colourType: number; interlaced?: boolean }, idat: Buffer): Buffer<ArrayBuffer> {
  const { width, height, bitDepth, colourType, interlaced = false } = header;
  return Buffer.concat([PNG_SIGNATURE, chunk("IHDR", ihdrData(width, height, bitDepth, colourType, interlaced)), chunk("IDAT", idat), chunk("IEND", Buffer.alloc(0))]);
}

function ihdrData(width: number, height: number, bitDepth: number, colourType: number, interlaced = false): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([bitDepth, colourType, 0, 0, interlaced ? 1 : 0], 8); // deflate, adaptive filtering, Adam7 or none
  return data;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An SVG of roughly `approxBytes` (text, so it compresses well). */
export function makeSvg(approxBytes = 2048): Buffer<ArrayBuffer> {
  const shapes: string[] = [];
  for (let i = 0; shapes.join("").length < approxBytes; i++) shapes.push(`<rect x="${i % 50}" y="${i % 37}" width="3" height="3" fill="#${(i * 2654435761 >>> 8).toString(16).padStart(6, "0").slice(0, 6)}"/>`);
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${shapes.join("")}</svg>\n`);
}
