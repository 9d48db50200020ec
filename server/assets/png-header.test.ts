import { test } from "node:test";
import assert from "node:assert/strict";
import { CORRUPT_PNG_CASES, corruptPngs, makePng, pngBomb } from "../../tests/helpers/media.js";
import { readPngHeader } from "./png-header.js";

/** A copy of a valid 200×50 truecolour PNG with its IHDR fields edited (the CRC is not checked here). */
function withIhdr(edit: (fields: DataView) => void): Uint8Array {
  const png = Uint8Array.from(makePng(200, 50));
  edit(new DataView(png.buffer, 16, 13));
  return png;
}

test("the header of a real PNG gives its size and format without decoding it", async () => {
  assert.deepEqual(readPngHeader(makePng(200, 50)), { ok: true, header: { width: 200, height: 50, bitDepth: 8, colourType: 2, interlaced: false } });
  const bomb = await pngBomb(12_000, 12_000);
  assert.ok(bomb.length < 200_000);
  assert.deepEqual(readPngHeader(bomb), { ok: true, header: { width: 12_000, height: 12_000, bitDepth: 8, colourType: 0, interlaced: false } });
});

test("a broken header says what is wrong", () => {
  const problem = (bytes: Uint8Array) => {
    const read = readPngHeader(bytes);
    return read.ok ? null : read.problem;
  };
  const png = makePng(200, 50);
  assert.match(problem(png.subarray(0, 32))!, /does not open with a PNG signature/, "too short");
  assert.match(problem(Uint8Array.from([0x89, 0x50, 0x4e, 0x46, ...png.subarray(4)]))!, /does not open with a PNG signature/, "another signature");
  const cases = corruptPngs(1);
  assert.match(problem(cases["wrong IHDR length"])!, /13-byte IHDR/);
  assert.match(problem(cases["zero width"])!, /size 0×50/);
  assert.match(problem(withIhdr((f) => f.setUint32(4, 0x80000000)))!, /size 200×2147483648/);
  assert.equal(problem(withIhdr((f) => f.setUint8(8, 16))), null);
  assert.match(problem(withIhdr((f) => f.setUint8(8, 4)))!, /bit depth 4 with colour type 2/);
  assert.match(problem(withIhdr((f) => f.setUint8(9, 5)))!, /colour type 5/);
  assert.match(problem(withIhdr((f) => f.setUint8(10, 1)))!, /compression/);
  assert.match(problem(withIhdr((f) => f.setUint8(11, 1)))!, /filter/);
  assert.match(problem(withIhdr((f) => f.setUint8(12, 2)))!, /interlace/);
  assert.equal(problem(withIhdr((f) => f.setUint8(12, 1))), null, "Adam7 interlacing is valid");
  // The other corruptions are past the header: only a decoder finds them.
  for (const name of CORRUPT_PNG_CASES.filter((c) => c !== "wrong IHDR length" && c !== "zero width")) assert.equal(problem(cases[name]), null, name);
});
