import { test } from "node:test";
import assert from "node:assert/strict";
import { busContract } from "./bus.contract.js";
import { createRedisBus } from "./redis-bus.js";
import type { Bus } from "./bus.js";
import { privateRedis } from "../tests/helpers/redis-server.js";
import { TEST_REDIS_URL, uniquePrefix } from "../tests/helpers/redis.js";

const sharedRedisUrl = () => TEST_REDIS_URL;
const redisPrefix = () => `${uniquePrefix("bus")}:`;

const log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

busContract("Redis", async (n) => {
  const prefix = redisPrefix();
  return Promise.all(Array.from({ length: n }, () => createRedisBus({ url: sharedRedisUrl(), prefix, log })));
});

test("Redis bus: after Redis restarts, it resubscribes by itself and tells its users to resync", async () => {
  const redis = await privateRedis();
  const prefix = redisPrefix();
  const buses: Bus[] = [];
  try {
    const [a, b] = [await createRedisBus({ url: redis.url, prefix, log }), await createRedisBus({ url: redis.url, prefix, log })];
    buses.push(a, b);
    let resyncs = 0;
    b.onResync(() => resyncs++);
    const got: string[] = [];
    await b.subscribe("t", (p) => got.push(Buffer.from(p).toString()));
    a.publish("t", new Uint8Array(Buffer.from("before")));
    await waitFor(() => got.length === 1);

    await redis.kill();
    a.publish("t", new Uint8Array(Buffer.from("during"))); // dropped, not thrown
    await redis.start();
    await waitFor(() => resyncs === 1, 15_000);
    // a may come back a moment after b: publish until a message gets through.
    await waitFor(() => {
      a.publish("t", new Uint8Array(Buffer.from("after")));
      return got.includes("after");
    }, 15_000);
    assert.deepEqual(got.filter((m) => m !== "after"), ["before"]);
  } finally {
    await Promise.all(buses.map((bus) => bus.close()));
    await redis.stop();
  }
});

async function waitFor(check: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
