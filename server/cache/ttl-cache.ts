/**
 * A small read-through cache with a time to live: in memory in embedded mode,
 * in Redis in distributed mode (redis-ttl-cache.ts), so that several processes
 * ask a remote provider for its model list once per TTL between them. One
 * contract (ttl-cache.contract.test.ts) for both.
 */
export interface TtlCache {
  /**
   * The value stored under `key` within the last `ttlMs`, else what `load`
   * resolves to, stored for `ttlMs`. A failed load is not stored. Values must
   * survive JSON (the Redis cache stores them as JSON).
   */
  getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T>;
}

/** For a handful of keys (one per provider): entries are replaced when they expire, never swept. */
export class MemoryTtlCache implements TtlCache {
  private readonly entries = new Map<string, { expiresAt: number; value: Promise<unknown> }>();

  getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.value as Promise<T>;
    // The promise is stored, so concurrent misses share one load.
    const value = load();
    const entry = { expiresAt: Date.now() + ttlMs, value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}
