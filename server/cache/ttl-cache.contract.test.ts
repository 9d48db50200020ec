import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { deleteKeys, silentLogger, testRedisClients, uniquePrefix } from "../../tests/helpers/redis.js";
import { RedisTtlCache } from "./redis-ttl-cache.js";
import { MemoryTtlCache, type TtlCache } from "./ttl-cache.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One contract for both caches. `open()` is one process's cache; `peer()` (Redis) another process's on the same prefix. */
const implementations: { name: string; open(): { cache: TtlCache; peer?: () => TtlCache; close(): Promise<void> } }[] = [
  { name: "in memory (embedded)", open: () => ({ cache: new MemoryTtlCache(), close: async () => {} }) },
  {
    name: "Redis",
    open() {
      const prefix = uniquePrefix("cache");
      const clients = [testRedisClients()];
      const peer = () => {
        const redis = testRedisClients();
        clients.push(redis);
        return new RedisTtlCache(redis.commands, prefix, silentLogger);
      };
      return {
        cache: new RedisTtlCache(clients[0].commands, prefix, silentLogger),
        peer,
        close: async () => {
          await deleteKeys(prefix);
          for (const c of clients) await c.close();
        },
      };
    },
  },
];

/** A loader that counts its calls and answers a fresh value each time. */
function loader() {
  let calls = 0;
  return { load: async () => ({ call: ++calls, models: ["a", "b"] }), calls: () => calls };
}

for (const impl of implementations) {
  describe(`TtlCache contract: ${impl.name}`, () => {
    const opened = impl.open();
    const { cache } = opened;
    after(opened.close);

    test("a value is loaded once, served from the cache within its TTL, and loaded again after it", async () => {
      const l = loader();
      assert.deepEqual(await cache.getOrLoad("models:x", 400, l.load), { call: 1, models: ["a", "b"] });
      assert.deepEqual(await cache.getOrLoad("models:x", 400, l.load), { call: 1, models: ["a", "b"] });
      assert.equal(l.calls(), 1);
      await sleep(450);
      assert.deepEqual(await cache.getOrLoad("models:x", 400, l.load), { call: 2, models: ["a", "b"] });
    });

    test("keys are independent", async () => {
      const l = loader();
      await cache.getOrLoad("k1", 5000, l.load);
      await cache.getOrLoad("k2", 5000, l.load);
      assert.equal(l.calls(), 2);
    });

    test("a failed load is not cached: the next call loads again", async () => {
      await assert.rejects(cache.getOrLoad("flaky", 5000, async () => Promise.reject(new Error("provider down"))), /provider down/);
      assert.deepEqual(await cache.getOrLoad("flaky", 5000, async () => ["ok"]), ["ok"]);
    });

    test("concurrent misses share one load", async () => {
      let calls = 0;
      const slow = async () => {
        calls++;
        await sleep(50);
        return ["m"];
      };
      const values = await Promise.all([1, 2, 3].map(() => cache.getOrLoad("concurrent", 5000, slow)));
      assert.deepEqual(values, [["m"], ["m"], ["m"]]);
      assert.equal(calls, 1);
    });

    if (opened.peer) {
      test("another process on the same prefix is served what this one loaded", async () => {
        const l = loader();
        await cache.getOrLoad("shared", 5000, l.load);
        const other = opened.peer!();
        assert.deepEqual(await other.getOrLoad("shared", 5000, l.load), { call: 1, models: ["a", "b"] });
        assert.equal(l.calls(), 1);
      });
    }
  });
}
