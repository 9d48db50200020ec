import { test } from "node:test";
import assert from "node:assert/strict";
import type { StoredAsset } from "../../db/index.js";
import { CORRUPT_PNG_CASES, corruptPngs, makePng, makeSvg, pngBomb, sha256Hex } from "../../tests/helpers/media.js";
import { PreviewError, type PreviewWorkers } from "./preview-workers.js";
import { createPreviews, type PreviewResult } from "./previews.js";
import { renderPreview } from "./preview-render.js";

const asset = (data: Uint8Array, mime = "image/png"): StoredAsset => ({ sha256: sha256Hex(data), mime, size: data.byteLength, data });

/** Renders on this thread (enough for these tests), counting calls; `fail` makes every render reject with that code. */
function fakeWorkers(fail?: PreviewError["code"]) {
  const calls: number[] = [];
  const workers: PreviewWorkers = {
    async render(png, width) {
      calls.push(width);
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new PreviewError(fail, `fake ${fail}`);
      try {
        return renderPreview(png, width);
      } catch (err) {
        throw new PreviewError("bad_image", (err as Error).message);
      }
    },
    started: true,
    close: async () => {},
  };
  return { workers, calls };
}

function counting() {
  const results: PreviewResult[] = [];
  return { results, onResult: (r: PreviewResult) => results.push(r) };
}

test("a PNG wider than asked for is previewed once, then served from the cache", async () => {
  const { workers, calls } = fakeWorkers();
  const { results, onResult } = counting();
  const previews = createPreviews({ workers, maxPixels: 40_000_000, onResult });
  const png = asset(makePng(200, 50, 1));
  const [first, second] = await Promise.all([previews.get(png, 64), previews.get(png, 64)]);
  assert.ok(first.preview && first.preview === second.preview);
  assert.deepEqual(calls, [64], "one render for both requests");
  assert.deepEqual((await previews.get(png, 64)).preview, first.preview);
  assert.deepEqual(results, ["made", "cached", "cached"]);
});

test("nothing to shrink: other types and images not wider than asked for come whole, never rendered", async () => {
  const { workers, calls } = fakeWorkers();
  const previews = createPreviews({ workers, maxPixels: 40_000_000 });
  assert.deepEqual(await previews.get(asset(makeSvg(), "image/svg+xml"), 64), { result: "whole", reason: undefined, preview: null, cacheable: true });
  assert.equal((await previews.get(asset(makePng(64, 400, 2)), 64)).result, "whole");
  assert.deepEqual(calls, []);
});

test("an image over the pixel limit is refused from its header: no render at all", async () => {
  const { workers, calls } = fakeWorkers();
  const previews = createPreviews({ workers, maxPixels: 40_000_000 });
  const answer = await previews.get(asset(await pngBomb(12_000, 12_000)), 256);
  assert.deepEqual(answer, { result: "too_large", reason: "12000×12000 is over the limit of 40000000 pixels", preview: null, cacheable: true });
  assert.deepEqual(calls, []);
});

test("every corrupt PNG, however it got into the store, answers the original and is remembered; none throws", async () => {
  const { workers, calls } = fakeWorkers();
  const { results, onResult } = counting();
  const previews = createPreviews({ workers, maxPixels: 40_000_000, onResult });
  const cases = corruptPngs(7);
  for (const name of CORRUPT_PNG_CASES) {
    const bad = asset(cases[name]);
    const first = await previews.get(bad, 64);
    assert.equal(first.preview, null, name);
    assert.equal(first.preview === null && first.cacheable, true, name);
    assert.match(first.result, /^(bad_header|failed)$/, name);
    assert.ok(first.reason, name);
    assert.equal((await previews.get(bad, 128)).result, "known_bad", `${name}: remembered at every width`);
  }
  assert.equal(calls.length, 5, "the two with a bad header were never rendered; the others once each");
  assert.deepEqual(results.filter((r) => r === "bad_header").length, 2);
});

test("a busy or missing worker gives the original for now: not cacheable, not remembered", async () => {
  for (const code of ["busy", "unavailable"] as const) {
    const { workers, calls } = fakeWorkers(code);
    const previews = createPreviews({ workers, maxPixels: 40_000_000 });
    const png = asset(makePng(200, 50, 3));
    assert.deepEqual(await previews.get(png, 64), { result: code, reason: `fake ${code}`, preview: null, cacheable: false });
    await previews.get(png, 64);
    assert.equal(calls.length, 2, `${code}: tried again`);
  }
  const { workers } = fakeWorkers("timeout");
  const previews = createPreviews({ workers, maxPixels: 40_000_000 });
  const png = asset(makePng(200, 50, 4));
  assert.equal((await previews.get(png, 64)).result, "timeout");
  assert.equal((await previews.get(png, 64)).result, "known_bad", "a timeout is the image's: remembered");
});
