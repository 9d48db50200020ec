import { test } from "node:test";
import assert from "node:assert/strict";
import { ASSET_MEDIA_TYPES, acceptedMediaType, bytesMatchType, type AssetMediaType } from "./media-types.js";

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
const u32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** The first bytes of a real file of each type. */
const SAMPLES: Record<AssetMediaType, Uint8Array[]> = {
  "image/png": [bytes([0x89], "PNG\r\n", [0x1a], "\n", [0, 0, 0, 13], "IHDR")],
  "image/jpeg": [bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], "JFIF"), bytes([0xff, 0xd8, 0xff, 0xe1], "Exif")],
  "image/gif": [bytes("GIF89a", [1, 0, 1, 0]), bytes("GIF87a", [1, 0, 1, 0])],
  "image/webp": [bytes("RIFF", [0x24, 0, 0, 0], "WEBPVP8 ")],
  "image/avif": [bytes(u32(28), "ftypavif", [0, 0, 0, 0], "avifmif1miaf"), bytes(u32(32), "ftypmif1", [0, 0, 0, 0], "mif1avifmiafMA1B")],
  "image/svg+xml": [
    bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    bytes([0xef, 0xbb, 0xbf], '\n  <?xml version="1.0"?>\n<!-- Created with Inkscape -->\n<svg width="1"></svg>'),
  ],
  "audio/mpeg": [bytes("ID3", [4, 0, 0]), bytes([0xff, 0xfb, 0x90, 0x64])],
  "audio/wav": [bytes("RIFF", [0x24, 0, 0, 0], "WAVEfmt ")],
  "audio/ogg": [bytes("OggS", [0, 2])],
  "video/mp4": [bytes(u32(32), "ftypisom", [0, 0, 2, 0], "isomiso2avc1mp41")],
  "video/webm": [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81])],
};

test("every accepted type has samples, and each sample is recognised as its own type", () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), [...ASSET_MEDIA_TYPES].sort());
  for (const [type, samples] of Object.entries(SAMPLES) as [AssetMediaType, Uint8Array[]][]) {
    for (const sample of samples) assert.ok(bytesMatchType(type, sample), `${type} sample ${Buffer.from(sample).toString("latin1")}`);
  }
});

test("a file declared as another type is refused", () => {
  const png = SAMPLES["image/png"][0];
  for (const type of ASSET_MEDIA_TYPES.filter((t) => t !== "image/png")) assert.equal(bytesMatchType(type, png), false, type);
  // WebP and WAV share the RIFF container; an MP4 is not an AVIF
  assert.equal(bytesMatchType("image/webp", SAMPLES["audio/wav"][0]), false);
  assert.equal(bytesMatchType("image/avif", SAMPLES["video/mp4"][0]), false);
});

test("text and truncated files are refused", () => {
  const html = bytes("<!doctype html><script>alert(1)</script>");
  for (const type of ASSET_MEDIA_TYPES) assert.equal(bytesMatchType(type, html), false, type);
  for (const type of ASSET_MEDIA_TYPES) assert.equal(bytesMatchType(type, new Uint8Array(0)), false, `${type}, empty`);
  assert.equal(bytesMatchType("image/png", SAMPLES["image/png"][0].subarray(0, 7)), false);
  assert.equal(bytesMatchType("image/svg+xml", bytes("hello <svg/>")), false, "SVG must open with markup");
  assert.equal(bytesMatchType("image/svg+xml", bytes("<html><body></body></html>")), false, "markup without an <svg> element");
});

test("a forged ftyp box with a huge size is cheap to check", () => {
  const forged = new Uint8Array(4 * 1024 * 1024);
  forged.set(bytes(u32(0xffffffff), "ftypmif1"));
  assert.equal(bytesMatchType("image/avif", forged), false);
});

test("Content-Type: parameters and case are ignored, unknown types are not accepted", () => {
  assert.equal(acceptedMediaType("image/png"), "image/png");
  assert.equal(acceptedMediaType("Image/SVG+XML; charset=utf-8"), "image/svg+xml");
  assert.equal(acceptedMediaType(" audio/mpeg ;x=1"), "audio/mpeg");
  assert.equal(acceptedMediaType("image/jpg"), null);
  assert.equal(acceptedMediaType("text/html"), null);
  assert.equal(acceptedMediaType("toString"), null);
  assert.equal(acceptedMediaType(""), null);
  assert.equal(acceptedMediaType(undefined), null);
});
