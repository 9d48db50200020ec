import { test } from "node:test";
import assert from "node:assert/strict";
import { PNG } from "pngjs";
import { corruptPngs, makePng, pngBomb } from "../../tests/helpers/media.js";
import { localLoopGuard } from "../../tests/helpers/loop-guard.js";
import { createPreviewWorkers, PreviewError } from "./preview-workers.js";

const rejectsWith = (promise: Promise<unknown>, code: PreviewError["code"]) =>
  assert.rejects(promise, (err: unknown) => err instanceof PreviewError && err.code === code);

test("renders on a worker started on demand and stopped when idle; this thread never waits for the decode", async () => {
  const workers = createPreviewWorkers({ timeoutMs: 10_000, idleMs: 300 });
  try {
    assert.equal(workers.started, false, "no thread before the first preview");
    const guard = localLoopGuard();
    const preview = await workers.render(makePng(300, 90, 1), 128);
    const decoded = PNG.sync.read(Buffer.from(preview));
    assert.deepEqual([decoded.width, decoded.height], [128, 38]);
    assert.equal(workers.started, true);
    // 36 megapixels: about a second of decoding, all of it on the worker.
    await rejectsWith(workers.render(corruptPngs(1)["bad filter byte"], 64), "bad_image");
    await workers.render(await pngBomb(6000, 6000), 256);
    await guard.check(200);
    guard.stop();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(workers.started, false, "stopped after idleMs");
    assert.ok((await workers.render(makePng(300, 90, 2), 64)).length > 0, "and started again");
  } finally {
    await workers.close();
  }
});

test("a render past the timeout is rejected and its worker terminated; the next render gets a fresh one", async () => {
  const workers = createPreviewWorkers({ timeoutMs: 100 });
  try {
    const slow = workers.render(await pngBomb(6000, 6000), 256);
    const next = workers.render(makePng(300, 90, 3), 64);
    await rejectsWith(slow, "timeout");
    assert.ok((await next).length > 0);
  } finally {
    await workers.close();
  }
});

test("past maxWaiting, renders are refused at once as busy; close rejects the rest", async () => {
  const workers = createPreviewWorkers({ timeoutMs: 60_000, maxWaiting: 2 });
  const bomb = await pngBomb(6000, 6000);
  // One running (or waiting for the worker to start) and two waiting.
  const accepted = Promise.allSettled([workers.render(bomb, 256), workers.render(bomb, 128), workers.render(bomb, 64)]);
  const started = performance.now();
  await rejectsWith(workers.render(bomb, 512), "busy");
  assert.ok(performance.now() - started < 50);
  await workers.close();
  for (const outcome of await accepted) {
    assert.equal(outcome.status, "rejected");
    assert.equal((outcome as PromiseRejectedResult).reason.code, "unavailable");
  }
  await rejectsWith(workers.render(bomb, 64), "unavailable");
  assert.equal(workers.started, false);
});
