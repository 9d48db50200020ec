import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FairQueue } from "./fair-queue.js";
import type { QueuedJob } from "./queue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker whose jobs each take `ms`; records start order and the highest number running at once. */
function recorder(ms = 2) {
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  const work = async (job: QueuedJob) => {
    started.push(job.id);
    running += 1;
    peak = Math.max(peak, running);
    await sleep(ms);
    running -= 1;
  };
  return { started, work, peak: () => peak };
}

async function drained(queue: FairQueue, started: string[], count: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (started.length < count || queue.depth > 0) {
    if (Date.now() > deadline) throw new Error(`only ${started.length}/${count} jobs started`);
    await sleep(5);
  }
  await sleep(10); // let the last one finish
}

describe("FairQueue", () => {
  test("a board that queues two jobs after another board's twenty is served within the first few", async () => {
    const queue = new FairQueue(1);
    const { started, work, peak } = recorder();
    for (let i = 0; i < 20; i++) queue.enqueue({ id: `a${i}`, boardId: "A" });
    queue.enqueue({ id: "b0", boardId: "B" });
    queue.enqueue({ id: "b1", boardId: "B" });
    queue.start(work);
    await drained(queue, started, 22);
    assert.equal(started.length, 22);
    assert.ok(started.indexOf("b0") <= 2, `b0 started at position ${started.indexOf("b0")}: ${started.join(",")}`);
    assert.ok(started.indexOf("b1") <= 4, `b1 started at position ${started.indexOf("b1")}: ${started.join(",")}`);
    assert.deepEqual(started.filter((id) => id.startsWith("a")), Array.from({ length: 20 }, (_, i) => `a${i}`), "each board stays FIFO");
    assert.equal(peak(), 1);
  });

  test("B's jobs are interleaved even when they arrive while A's are running", async () => {
    const queue = new FairQueue(1);
    const { started, work } = recorder(5);
    queue.start(work);
    for (let i = 0; i < 20; i++) queue.enqueue({ id: `a${i}`, boardId: "A" });
    await sleep(12); // a couple of A's jobs have run
    queue.enqueue({ id: "b0", boardId: "B" });
    queue.enqueue({ id: "b1", boardId: "B" });
    const at = started.length;
    await drained(queue, started, 22);
    assert.ok(started.indexOf("b0") <= at + 1, `b0 at ${started.indexOf("b0")}, enqueued when ${at} had started`);
    assert.ok(started.indexOf("b1") <= at + 3, `b1 at ${started.indexOf("b1")}, enqueued when ${at} had started`);
  });

  test("concurrency is never exceeded, across many boards", async () => {
    for (const concurrency of [1, 3]) {
      const queue = new FairQueue(concurrency);
      const { started, work, peak } = recorder(3);
      queue.start(work);
      for (let i = 0; i < 60; i++) queue.enqueue({ id: `j${i}`, boardId: `board${i % 7}` });
      await drained(queue, started, 60);
      assert.equal(peak(), concurrency);
    }
  });

  test("a rejecting worker frees its slot", async () => {
    const queue = new FairQueue(1);
    const started: string[] = [];
    queue.start(async (job) => {
      started.push(job.id);
      throw new Error("boom");
    });
    for (let i = 0; i < 5; i++) queue.enqueue({ id: `j${i}`, boardId: "A" });
    await drained(queue, started, 5);
    assert.equal(started.length, 5);
  });

  test("remove() drops a waiting job, and only a waiting one", async () => {
    const queue = new FairQueue(1);
    const { started, work } = recorder(20);
    queue.start(work);
    queue.enqueue({ id: "first", boardId: "A" });
    queue.enqueue({ id: "second", boardId: "A" });
    queue.enqueue({ id: "other", boardId: "B" });
    assert.deepEqual(started, ["first"]);
    assert.equal(queue.depth, 2);
    assert.equal(queue.remove("second"), true);
    assert.equal(queue.remove("second"), false, "already gone");
    assert.equal(queue.remove("first"), false, "running, not waiting");
    assert.equal(queue.depth, 1);
    await drained(queue, started, 2);
    assert.deepEqual(started, ["first", "other"]);
  });

  test("a delayed job waits its delay, counts in depth, and can be removed", async () => {
    const queue = new FairQueue(2);
    const startedAt = new Map<string, number>();
    queue.start(async (job) => void startedAt.set(job.id, Date.now()));
    const t0 = Date.now();
    queue.enqueue({ id: "later", boardId: "A" }, 80);
    queue.enqueue({ id: "dropped", boardId: "A" }, 40);
    queue.enqueue({ id: "now", boardId: "A" });
    assert.equal(queue.depth, 2);
    await sleep(5);
    assert.ok(startedAt.has("now"));
    assert.equal(queue.remove("dropped"), true);
    assert.equal(queue.depth, 1);
    await sleep(150);
    assert.ok(startedAt.get("later")! - t0 >= 79, `started after ${startedAt.get("later")! - t0} ms`);
    assert.equal(startedAt.has("dropped"), false);
    assert.equal(queue.depth, 0);
  });

  test("jobs enqueued before start() wait for it; close() drops waiting jobs and awaits running ones", async () => {
    const queue = new FairQueue(1);
    const { started, work } = recorder(30);
    queue.enqueue({ id: "a", boardId: "A" });
    queue.enqueue({ id: "b", boardId: "A" }, 10);
    await sleep(20);
    assert.deepEqual(started, []);
    queue.start(work);
    assert.deepEqual(started, ["a"]);
    const t0 = Date.now();
    await queue.close();
    assert.ok(Date.now() - t0 >= 20, "close waited for the running job");
    queue.enqueue({ id: "c", boardId: "A" });
    await sleep(40);
    assert.deepEqual(started, ["a"]);
    assert.equal(queue.depth, 0);
  });
});
