import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { deleteKeys, silentLogger, testRedisClients, uniquePrefix } from "../../tests/helpers/redis.js";
import type { RedisClients } from "../redis/clients.js";
import { BullJobQueue } from "./bullmq-queue.js";
import { FairQueue } from "./fair-queue.js";
import type { DeliveredJob, JobEndStatus, JobQueue, JobQueueHandlers } from "./queue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One contract for both job queues: the embedded FairQueue and BullMQ on
 * Redis. `open` makes one queue as one process would hold it; `peer` (shared
 * queues only) another process's queue on the same Redis keys.
 */
interface Implementation {
  name: string;
  open(concurrency: number): Promise<{ queue: JobQueue; peer?: (concurrency: number) => JobQueue; close(): Promise<void> }>;
}

const fair: Implementation = {
  name: "FairQueue (embedded)",
  async open(concurrency) {
    const queue = new FairQueue(concurrency);
    return { queue, close: () => queue.close() };
  },
};

const bull: Implementation = {
  name: "BullJobQueue (Redis)",
  async open(concurrency) {
    const prefix = uniquePrefix("queue");
    const processes: { queue: JobQueue; redis: RedisClients }[] = [];
    const make = (n: number) => {
      const redis = testRedisClients();
      const queue = new BullJobQueue({ connection: redis.bullmq, commands: redis.commands, subscriber: redis.subscriber, prefix, concurrency: n, lockMs: 2000, logger: silentLogger });
      processes.push({ queue, redis });
      return queue;
    };
    return {
      queue: make(concurrency),
      peer: make,
      async close() {
        for (const p of processes) await p.queue.close();
        for (const p of processes) await p.redis.close();
        await deleteKeys(prefix);
      },
    };
  },
};

/** Handlers that record what the queue hands out; each job takes `ms`. */
function recorder(ms = 5) {
  const started: string[] = [];
  const delivered: DeliveredJob[] = [];
  const canceled: string[] = [];
  const ended: [string, JobEndStatus][] = [];
  const lost: string[] = [];
  let running = 0;
  let peak = 0;
  const handlers: JobQueueHandlers = {
    async work(job) {
      started.push(job.id);
      delivered.push(job);
      running += 1;
      peak = Math.max(peak, running);
      await sleep(ms);
      running -= 1;
      return "done" as const;
    },
    onCancel: (id) => canceled.push(id),
    onEnded: (id, status) => ended.push([id, status]),
    onLost: (id) => lost.push(id),
  };
  return { started, delivered, canceled, ended, lost, handlers, peak: () => peak, running: () => running };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

const job = (id: string, boardId = "A", attempt = 0) => ({ id, boardId, attempt });

for (const impl of [fair, bull]) {
  describe(`JobQueue contract: ${impl.name}`, () => {
    const opened: { close(): Promise<void> }[] = [];
    const open = async (concurrency: number) => {
      const q = await impl.open(concurrency);
      opened.push(q);
      return q;
    };
    after(async () => {
      for (const q of opened) await q.close();
    });

    test("a board that queues two jobs after another board's twenty is served within the first few; each board stays FIFO", async () => {
      const { queue } = await open(1);
      const r = recorder(2);
      for (let i = 0; i < 20; i++) await queue.enqueue(job(`a${i}`, "A"));
      await queue.enqueue(job("b0", "B"));
      await queue.enqueue(job("b1", "B"));
      await queue.start(r.handlers);
      await until(() => r.started.length === 22, "all 22 jobs ran");
      assert.ok(r.started.indexOf("b0") <= 2, `b0 started at position ${r.started.indexOf("b0")}: ${r.started.join(",")}`);
      assert.ok(r.started.indexOf("b1") <= 4, `b1 started at position ${r.started.indexOf("b1")}: ${r.started.join(",")}`);
      assert.deepEqual(r.started.filter((id) => id.startsWith("a")), Array.from({ length: 20 }, (_, i) => `a${i}`));
      assert.equal(r.peak(), 1);
    });

    test("B's jobs are interleaved even when they arrive while A's are running", async () => {
      const { queue } = await open(1);
      const r = recorder(20);
      await queue.start(r.handlers);
      for (let i = 0; i < 15; i++) await queue.enqueue(job(`a${i}`, "A"));
      await until(() => r.started.length >= 3, "a few of A's jobs ran");
      const at = r.started.length;
      await queue.enqueue(job("b0", "B"));
      await queue.enqueue(job("b1", "B"));
      await until(() => r.started.length === 17, "all jobs ran");
      assert.ok(r.started.indexOf("b0") <= at + 2, `b0 at ${r.started.indexOf("b0")}, queued when ${at} had started: ${r.started.join(",")}`);
      assert.ok(r.started.indexOf("b1") <= at + 4, `b1 at ${r.started.indexOf("b1")}, queued when ${at} had started: ${r.started.join(",")}`);
    });

    test("concurrency is never exceeded, and is used, across many boards", async () => {
      const { queue } = await open(3);
      const r = recorder(15);
      await queue.start(r.handlers);
      for (let i = 0; i < 30; i++) await queue.enqueue(job(`j${i}`, `board${i % 7}`));
      await until(() => r.started.length === 30 && r.running() === 0, "all jobs ran");
      assert.equal(r.peak(), 3);
    });

    test("a rejecting worker frees its slot", async () => {
      const { queue } = await open(1);
      const started: string[] = [];
      const r = recorder();
      await queue.start({
        ...r.handlers,
        work: async (j) => {
          started.push(j.id);
          throw new Error("boom");
        },
      });
      for (let i = 0; i < 5; i++) await queue.enqueue(job(`j${i}`));
      await until(() => started.length === 5, "all five ran");
    });

    test("cancel removes a waiting job, which never runs; a running job is not removed but its holder is told", async () => {
      const { queue } = await open(1);
      const r = recorder(300);
      await queue.start(r.handlers);
      await queue.enqueue(job("first"));
      await until(() => r.started.includes("first"), "first runs");
      await queue.enqueue(job("second"));
      await queue.enqueue(job("other", "B"));
      assert.equal(await queue.depth(), 2);
      assert.equal(await queue.cancel(job("second")), true, "second was waiting");
      assert.equal(await queue.depth(), 1);
      assert.equal(await queue.cancel(job("first")), false, "first is running, not waiting");
      assert.equal(await queue.cancel(job("never-queued")), false, "nothing to remove");
      await until(() => r.canceled.includes("first"), "the cancel reaches the worker holding first");
      await until(() => r.started.length === 2 && r.running() === 0, "other runs");
      await sleep(100);
      assert.deepEqual(r.started, ["first", "other"]);
    });

    test("a delayed job waits its delay, counts in depth, and can be canceled", async () => {
      const { queue } = await open(2);
      const startedAt = new Map<string, number>();
      const r = recorder();
      await queue.start({ ...r.handlers, work: async (j) => (startedAt.set(j.id, Date.now()), "done" as const) });
      const t0 = Date.now();
      await queue.enqueue(job("later"), 400);
      await queue.enqueue(job("dropped"), 300);
      await queue.enqueue(job("now"));
      await until(() => startedAt.has("now"), "now runs at once");
      assert.equal(await queue.depth(), 2);
      assert.equal(await queue.cancel(job("dropped")), true);
      assert.equal(await queue.depth(), 1);
      await until(() => startedAt.has("later"), "later runs");
      assert.ok(startedAt.get("later")! - t0 >= 390, `started after ${startedAt.get("later")! - t0} ms`);
      await sleep(200);
      assert.equal(startedAt.has("dropped"), false);
      assert.equal(await queue.depth(), 0);
    });

    test("the same entry queued twice runs once; the next attempt of a job is a new entry", async () => {
      const { queue } = await open(1);
      const r = recorder(1);
      await queue.enqueue(job("x", "A", 0));
      await queue.enqueue(job("x", "A", 0));
      await queue.start(r.handlers);
      await until(() => r.started.length === 1, "x runs");
      await queue.enqueue(job("x", "A", 1));
      await until(() => r.started.length === 2, "x's retry runs");
      await sleep(200);
      assert.deepEqual(r.delivered.map((d) => [d.id, d.attempt, d.redelivered]), [["x", 0, false], ["x", 1, false]]);
    });

    test("holds an entry while it waits, is delayed or runs, and not once it ran; an interrupted entry is delivered as redelivered", async () => {
      const { queue } = await open(1);
      let release!: () => void;
      const delivered: DeliveredJob[] = [];
      await queue.enqueue(job("waiting"));
      await queue.enqueue(job("later"), 60_000);
      assert.equal(await queue.holds(job("waiting")), true);
      assert.equal(await queue.holds(job("later")), true);
      assert.equal(await queue.holds(job("waiting", "A", 1)), false, "another attempt is another entry");
      assert.equal(await queue.holds(job("never")), false);
      const r = recorder();
      await queue.start({ ...r.handlers, work: (j) => (delivered.push(j), new Promise((res) => (release = () => res("done")))) });
      await until(() => delivered.length === 1, "waiting runs");
      assert.equal(await queue.holds(job("waiting")), true, "running");
      release();
      await until(async () => !(await queue.holds(job("waiting"))), "not held once it ran");
      await queue.cancel(job("later"));
      await queue.enqueue({ ...job("orphan"), interrupted: true });
      await until(() => delivered.length === 2, "orphan runs");
      release();
      assert.deepEqual(delivered.map((d) => [d.id, d.redelivered]), [["waiting", false], ["orphan", true]]);
    });

    test("a job's end is announced to the handlers", async () => {
      const { queue } = await open(1);
      const r = recorder();
      await queue.start(r.handlers);
      await queue.announceEnd("j1", "succeeded");
      await until(() => r.ended.length === 1, "the end arrives");
      assert.deepEqual(r.ended, [["j1", "succeeded"]]);
    });

    test("close waits for the running job, and no job runs here after it", async () => {
      const { queue } = await open(1);
      const r = recorder(300);
      await queue.start(r.handlers);
      await queue.enqueue(job("a"));
      await until(() => r.started.includes("a"), "a runs");
      await queue.enqueue(job("b"));
      const t0 = Date.now();
      await queue.close();
      assert.ok(Date.now() - t0 >= 150, `close returned after ${Date.now() - t0} ms, with a still running`);
      assert.equal(r.running(), 0);
      await sleep(300);
      assert.deepEqual(r.started, ["a"]);
    });

    if (impl === bull) {
      test("shared: a job queued by a process without workers runs in another process; a cancel and an end reach it", async () => {
        const { queue: web, peer } = await open(1);
        const worker = peer!(2);
        const r = recorder(400);
        await worker.start(r.handlers);
        await web.enqueue(job("remote"));
        await until(() => r.started.includes("remote"), "the other process runs it");
        assert.equal(await web.cancel(job("remote")), false);
        await until(() => r.canceled.includes("remote"), "the cancel reaches the other process");
        await web.announceEnd("remote", "canceled");
        await until(() => r.ended.some(([id]) => id === "remote"), "the end reaches the other process");
      });

      test("shared: two processes with concurrency 1 each run two jobs at once, never more", async () => {
        const { queue: one, peer } = await open(1);
        const two = peer!(1);
        const r1 = recorder(100);
        const r2 = recorder(100);
        await one.start(r1.handlers);
        await two.start(r2.handlers);
        for (let i = 0; i < 10; i++) await one.enqueue(job(`j${i}`, `b${i % 3}`));
        await until(() => r1.started.length + r2.started.length === 10 && r1.running() + r2.running() === 0, "all ran");
        assert.equal(r1.peak(), 1);
        assert.equal(r2.peak(), 1);
        assert.ok(r1.started.length > 0 && r2.started.length > 0, `split ${r1.started.length}/${r2.started.length}`);
        assert.equal(new Set([...r1.started, ...r2.started]).size, 10, "each job ran once");
      });
    }
  });
}
