import { PNG } from "pngjs";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { createBoard, tokenOf, type CreatedBoard } from "./helpers/clients.js";
import { CORRUPT_PNG_CASES, corruptPngs, makePng, pngBomb } from "./helpers/media.js";
import { healthWatch, serverLoopGuard } from "./helpers/loop-guard.js";
import { metricValue, scrape } from "./helpers/metrics.js";

/**
 * `?w=` previews of hostile PNGs (issue 9, item 5): anyone may ask for a
 * preview of any asset, without a credential, so decoding one must never
 * stall the process, and a broken file must never be a 5xx.
 */
describe("asset previews of hostile PNGs", () => {
  let storage: TestStorage;
  let server: ServerProcess;
  let board: CreatedBoard;

  before(async () => {
    storage = await freshStorage();
    // Short enough that decoding the 36-megapixel image below always outlasts it.
    server = await spawnServer(storage, { PREVIEW_TIMEOUT_MS: "250" });
    board = await createBoard(server, "Previews");
  });
  after(async () => {
    await server?.stop();
    await storage?.cleanup();
  });

  const upload = async (png: Uint8Array<ArrayBuffer>) => {
    const res = await fetch(`${server.http}/api/boards/${board.id}/assets`, {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png", authorization: `Bearer ${tokenOf(board.links.edit)}` },
    });
    return { status: res.status, json: (await res.json()) as { url: string; error?: { code: string; message: string } } };
  };
  /** A preview, asked for the way a visitor's browser does: no credential. */
  const preview = async (url: string, width: number) => {
    const res = await fetch(`${server.http}${url}?w=${width}`, { signal: AbortSignal.timeout(60_000) });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const previewResults = async () => {
    const samples = await scrape(server.http);
    const count = (result: string) => metricValue(samples, "genboard_previews_total", { result });
    return { tooLarge: count("too_large"), failed: count("failed"), timeout: count("timeout"), knownBad: count("known_bad"), made: count("made") };
  };

  test("a 12000×12000 PNG bomb: concurrent previews answer with the original at once, the event loop never stalls", async () => {
    const bomb = await pngBomb(12_000, 12_000);
    const { status, json } = await upload(bomb);
    assert.equal(status, 201, JSON.stringify(json));
    const before = await previewResults();

    const guard = await serverLoopGuard(server);
    const health = healthWatch(server);
    const answers = await Promise.all(Array.from({ length: 4 }, () => preview(json.url, 256)));
    const slowestHealth = await health.stop();
    await guard.check();

    for (const answer of answers) {
      assert.equal(answer.status, 200, "over PREVIEW_MAX_PIXELS: the original, not a preview");
      assert.equal(answer.headers.get("content-type"), "image/png");
      assert.ok(answer.bytes.equals(bomb), "the stored bytes, untouched");
    }
    const after = await previewResults();
    assert.equal(after.tooLarge - before.tooLarge, 4, "refused from the header: nothing was decoded");
    assert.equal(after.made, before.made);
    assert.ok(slowestHealth < 500, `/healthz took ${slowestHealth} ms`);
  });

  test("PNGs corrupt behind valid magic bytes: a bad header is refused at upload (400), the rest preview as the original; never a 5xx", async () => {
    const guard = await serverLoopGuard(server);
    const cases = corruptPngs(1);
    for (const name of CORRUPT_PNG_CASES) {
      const png = cases[name];
      const uploaded = await upload(png);
      if (name === "wrong IHDR length" || name === "zero width") {
        assert.equal(uploaded.status, 400, `${name}: ${JSON.stringify(uploaded.json)}`);
        assert.equal(uploaded.json.error?.code, "bad_request");
        assert.match(uploaded.json.error?.message ?? "", /not a valid image\/png file/);
        continue;
      }
      assert.equal(uploaded.status, 201, `${name}: ${JSON.stringify(uploaded.json)}`);
      for (const width of [64, 64, 128]) {
        const answer = await preview(uploaded.json.url, width);
        assert.equal(answer.status, 200, `${name}, w=${width}: ${answer.bytes.toString().slice(0, 200)}`);
        assert.ok(answer.bytes.equals(png), `${name}, w=${width}: the original bytes`);
      }
    }
    await guard.check();
    assert.equal((await fetch(`${server.http}/healthz`)).status, 200);
  });

  test("a failed decode is remembered: the same bad image is not decoded again, at any width", async () => {
    const png = corruptPngs(2)["bad filter byte"];
    const { json } = await upload(png);
    const before = await previewResults();
    assert.equal((await preview(json.url, 64)).status, 200);
    const once = await previewResults();
    assert.equal(once.failed - before.failed, 1, "decoded once, and failed");

    for (const width of [64, 128, 512]) assert.ok((await preview(json.url, width)).bytes.equals(png));
    const later = await previewResults();
    assert.equal(later.failed, once.failed, "not decoded again");
    assert.equal(later.knownBad - once.knownBad, 3, "answered from the list of failures");
  });

  test("a decode that outlasts PREVIEW_TIMEOUT_MS is stopped and remembered; previews go on working", async () => {
    // 6000×6000 = 36 megapixels: under the 40-megapixel limit, so it is decoded, for about a second.
    const slow = await pngBomb(6000, 6000);
    const { json } = await upload(slow);
    const guard = await serverLoopGuard(server);
    const before = await previewResults();

    const first = await preview(json.url, 256);
    assert.equal(first.status, 200);
    assert.ok(first.bytes.equals(slow), "the original, since no preview could be made in time");
    const timedOut = await previewResults();
    assert.equal(timedOut.timeout - before.timeout, 1);

    const started = performance.now();
    const again = await preview(json.url, 256);
    assert.ok(again.bytes.equals(slow));
    assert.ok(performance.now() - started < 1000, "not decoded again");
    assert.equal((await previewResults()).knownBad - timedOut.knownBad, 1);

    // The stopped worker is replaced: an ordinary image still gets its preview.
    const normal = makePng(300, 90, 3);
    const { json: normalJson } = await upload(normal);
    const made = await preview(normalJson.url, 100);
    assert.equal(made.status, 200);
    const decoded = PNG.sync.read(made.bytes);
    assert.deepEqual([decoded.width, decoded.height], [128, 38]);
    await guard.check();
  });
});
