import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { deleteKeys, testRedisClients, uniquePrefix } from "../../tests/helpers/redis.js";
import { RedisSlidingWindow } from "./redis-sliding-window.js";
import { MemorySlidingWindow, type LimiterFactory } from "./sliding-window.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One contract for both limiters; `factory` builds limiters as one process would (Redis: on one shared prefix). */
const implementations: { name: string; open(): { factory: LimiterFactory; close(): Promise<void> } }[] = [
  {
    name: "in memory (embedded)",
    open() {
      const made: MemorySlidingWindow[] = [];
      return {
        factory: (spec) => {
          const limiter = new MemorySlidingWindow(spec);
          made.push(limiter);
          return limiter;
        },
        close: async () => made.forEach((l) => l.close()),
      };
    },
  },
  {
    name: "Redis",
    open() {
      const redis = testRedisClients();
      const prefix = uniquePrefix("limit");
      return {
        factory: (spec) => new RedisSlidingWindow(redis.commands, prefix, spec),
        close: async () => {
          await deleteKeys(prefix);
          await redis.close();
        },
      };
    },
  },
];

for (const impl of implementations) {
  describe(`SlidingWindowLimiter contract: ${impl.name}`, () => {
    const { factory, close } = impl.open();
    after(close);

    test("allows `limit` hits per key, then refuses with the time until the oldest hit leaves the window", async () => {
      const limiter = factory({ name: "basic", limit: 3, windowMs: 2000 });
      for (let i = 0; i < 3; i++) assert.deepEqual(await limiter.hit("k"), { allowed: true });
      const refused = await limiter.hit("k");
      assert.equal(refused.allowed, false);
      assert.ok(!refused.allowed && refused.retryAfterMs > 1500 && refused.retryAfterMs <= 2000, JSON.stringify(refused));
      assert.deepEqual(await limiter.hit("other"), { allowed: true }, "keys are independent");
    });

    test("limiters with different names do not share counts", async () => {
      const a = factory({ name: "a", limit: 1, windowMs: 2000 });
      const b = factory({ name: "b", limit: 1, windowMs: 2000 });
      assert.equal((await a.hit("k")).allowed, true);
      assert.equal((await b.hit("k")).allowed, true);
      assert.equal((await a.hit("k")).allowed, false);
    });

    test("the window slides: hits count for exactly one window after they happened, not until a fixed boundary", async () => {
      const limiter = factory({ name: "slide", limit: 4, windowMs: 1000 });
      const t0 = Date.now();
      for (let i = 0; i < 2; i++) assert.equal((await limiter.hit("k")).allowed, true);
      await sleep(600 - (Date.now() - t0));
      for (let i = 0; i < 2; i++) assert.equal((await limiter.hit("k")).allowed, true);
      assert.equal((await limiter.hit("k")).allowed, false, "4 hits in the last second");
      // At ~1.15 s the first two have left the window, the two from 0.6 s have not:
      // a fixed 1 s window would start afresh here and allow 4.
      await sleep(1150 - (Date.now() - t0));
      assert.equal((await limiter.hit("k")).allowed, true);
      assert.equal((await limiter.hit("k")).allowed, true);
      const refused = await limiter.hit("k");
      assert.equal(refused.allowed, false, "the hits from 0.6 s still count");
      assert.ok(!refused.allowed && refused.retryAfterMs <= 500, `retry after ${!refused.allowed && refused.retryAfterMs} ms: when the 0.6 s hits leave`);
    });

    test("refused hits do not count", async () => {
      const limiter = factory({ name: "refused", limit: 2, windowMs: 600 });
      await limiter.hit("k");
      await limiter.hit("k");
      for (let i = 0; i < 10; i++) assert.equal((await limiter.hit("k")).allowed, false);
      await sleep(650);
      assert.equal((await limiter.hit("k")).allowed, true, "the window emptied although refused hits kept coming");
    });

    if (impl.name === "Redis") {
      test("two processes' limiters on one prefix share the budget", async () => {
        // two sets of connections on one prefix, as two server processes hold them
        const prefix = uniquePrefix("limit-shared");
        const [redisA, redisB] = [testRedisClients(), testRedisClients()];
        try {
          const a = new RedisSlidingWindow(redisA.commands, prefix, { name: "runs", limit: 2, windowMs: 5000 });
          const b = new RedisSlidingWindow(redisB.commands, prefix, { name: "runs", limit: 2, windowMs: 5000 });
          assert.equal((await a.hit("k")).allowed, true);
          assert.equal((await b.hit("k")).allowed, true);
          assert.equal((await a.hit("k")).allowed, false);
          assert.equal((await b.hit("k")).allowed, false);
        } finally {
          await deleteKeys(prefix);
          await redisA.close();
          await redisB.close();
        }
      });
    }
  });
}
