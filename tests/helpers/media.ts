import { createHash } from "node:crypto";
import { crc32, deflateSync } from "node:zlib";

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
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
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
