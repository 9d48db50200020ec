import { MemoryTtlCache, type TtlCache } from "./cache/ttl-cache.js";
import { RedisTtlCache } from "./cache/redis-ttl-cache.js";
import type { Config } from "./config.js";
import { BullJobQueue } from "./jobs/bullmq-queue.js";
import { FairQueue } from "./jobs/fair-queue.js";
import type { JobQueue } from "./jobs/queue.js";
import { MemorySlidingWindow, type LimiterFactory } from "./limits/sliding-window.js";
import { RedisSlidingWindow } from "./limits/redis-sliding-window.js";
import type { Logger } from "./logger.js";
import { openRedis } from "./redis/clients.js";

/**
 * The parts that live in this process in embedded mode and in Redis in
 * distributed mode (DESIGN.md, "two modes"): the job queue, rate limiters and
 * the TTL cache. Built once at start-up; `close()` after the queue has drained.
 */
export interface SharedServices {
  mode: "embedded" | "distributed";
  queue: JobQueue;
  limiter: LimiterFactory;
  cache: TtlCache;
  /** Distributed mode: answers when Redis does (for /readyz). */
  pingRedis?: () => Promise<void>;
  close(): Promise<void>;
}

export function createSharedServices(config: Config, logger: Logger): SharedServices {
  const { distributed } = config;
  if (!distributed) {
    return {
      mode: "embedded",
      queue: new FairQueue(config.jobs.concurrency),
      limiter: (spec) => new MemorySlidingWindow(spec),
      cache: new MemoryTtlCache(),
      close: async () => {},
    };
  }
  const redis = openRedis(distributed.redisUrl, logger.child({ layer: "redis" }));
  const prefix = distributed.prefix;
  return {
    mode: "distributed",
    queue: new BullJobQueue({
      connection: redis.bullmq,
      commands: redis.commands,
      subscriber: redis.subscriber,
      prefix,
      concurrency: config.jobs.concurrency,
      lockMs: config.jobs.lockMs,
      logger: logger.child({ layer: "jobs" }),
    }),
    limiter: (spec) => new RedisSlidingWindow(redis.commands, prefix, spec),
    cache: new RedisTtlCache(redis.commands, prefix, logger.child({ layer: "cache" })),
    pingRedis: async () => void (await redis.commands.ping()),
    close: () => redis.close(),
  };
}
