/**
 * A sliding-window rate limit: at most `limit` hits per key within any
 * `windowMs` (a sliding log, unlike a fixed window, which lets 2 × limit
 * through around a window boundary). Rejected hits do not count. In memory in
 * embedded mode, in Redis in distributed mode (redis-sliding-window.ts), with
 * one contract (sliding-window.contract.test.ts) for both.
 */
export interface SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  hit(key: string): Promise<LimitDecision>;
}

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface LimiterSpec {
  /** Names the limit in keys and logs, e.g. `runs-per-board`. */
  name: string;
  limit: number;
  windowMs: number;
}

export type LimiterFactory = (spec: LimiterSpec) => SlidingWindowLimiter;

export class MemorySlidingWindow implements SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** Per key, the times of the hits still in the window, oldest first. */
  private readonly hits = new Map<string, number[]>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(spec: LimiterSpec) {
    this.limit = spec.limit;
    this.windowMs = spec.windowMs;
    // Keys that went quiet would otherwise stay forever (one per client ever seen).
    this.sweeper = setInterval(() => this.sweep(), spec.windowMs).unref();
  }

  async hit(key: string): Promise<LimitDecision> {
    const now = Date.now();
    const times = this.inWindow(key, now);
    if (times.length < this.limit) {
      times.push(now);
      this.hits.set(key, times);
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.max(1, times[0] + this.windowMs - now) };
  }

  /** Stops the sweeper (tests; the server's limiters live as long as the process). */
  close(): void {
    clearInterval(this.sweeper);
  }

  private inWindow(key: string, now: number): number[] {
    const times = this.hits.get(key) ?? [];
    let expired = 0;
    while (expired < times.length && times[expired] <= now - this.windowMs) expired++;
    if (expired > 0) times.splice(0, expired);
    return times;
  }

  private sweep(): void {
    const now = Date.now();
    for (const key of [...this.hits.keys()]) if (this.inWindow(key, now).length === 0) this.hits.delete(key);
  }
}
