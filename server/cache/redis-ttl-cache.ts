import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { TtlCache } from "./ttl-cache.js";

/**
 * The TTL cache in Redis, shared by every process on the same prefix; Redis
 * expires the keys. If Redis is unreachable the value is loaded directly:
 * a cache must not take the model list down with it.
 */
export class RedisTtlCache implements TtlCache {
  /** Concurrent misses in this process share one load. */
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const redisKey = `${this.prefix}:cache:${key}`;
    let stored: string | null = null;
    try {
      stored = await this.redis.get(redisKey);
    } catch (err) {
      this.logger.warn({ err, key }, "cache read failed; loading directly");
    }
    if (stored !== null) return JSON.parse(stored) as T;

    const pending = this.loading.get(key);
    if (pending) return pending as Promise<T>;
    const value = load().then(async (loaded) => {
      await this.redis.set(redisKey, JSON.stringify(loaded), "PX", ttlMs).catch((err) => this.logger.warn({ err, key }, "cache write failed"));
      return loaded;
    });
    this.loading.set(key, value);
    try {
      return await value;
    } finally {
      this.loading.delete(key);
    }
  }
}
