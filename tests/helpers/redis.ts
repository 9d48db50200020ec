import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pino from "pino";
import { openRedis, type RedisClients } from "../../server/redis/clients.js";

/** The machine's Redis (CI and developers share it): tests keep to their own key prefix and never flush it. */
export const TEST_REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/** A key prefix no other test (or engineer) uses, so tests sharing one Redis cannot see each other's queues or limits. */
export const uniquePrefix = (what = "test") => `gbt-${what}-${randomBytes(5).toString("hex")}`;

export const silentLogger = pino({ level: "silent" });

/** One process's Redis connections, as the server opens them. */
export function testRedisClients(): RedisClients {
  return openRedis(TEST_REDIS_URL, silentLogger);
}

/** Deletes every key under `prefix` (only ours: SCAN by prefix, never FLUSH). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
