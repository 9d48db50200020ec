import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { LimitDecision, LimiterSpec, SlidingWindowLimiter } from "./sliding-window.js";

/**
 * One sorted set per key, scored by hit time: drop what left the window, count,
 * add if under the limit. One script, so the check and the add are atomic
 * across processes, and Redis's clock, so processes whose clocks differ still
 * agree on the window.
 */
const HIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}`;

export class RedisSlidingWindow implements SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    spec: LimiterSpec,
  ) {
    this.limit = spec.limit;
    this.windowMs = spec.windowMs;
    this.keyPrefix = `${prefix}:limit:${spec.name}:`;
  }

  async hit(key: string): Promise<LimitDecision> {
    // the member only has to be unique; its score is the time
    const member = randomBytes(8).toString("base64url");
    const [allowed, retryAfterMs] = (await this.redis.eval(HIT, 1, this.keyPrefix + key, this.windowMs, this.limit, member)) as [number, number];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(1, retryAfterMs) };
  }
}
