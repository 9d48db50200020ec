import { Redis } from "ioredis";
import type { Logger } from "../logger.js";

/**
 * The Redis connections one process holds, opened once at start-up:
 * `commands` for limiters, caches and publishing; `subscriber` (a connection in
 * subscribe mode can do nothing else); `bullmq` for BullMQ, which needs
 * `maxRetriesPerRequest: null` so that its blocking reads wait out a Redis
 * restart instead of failing — our own commands fail fast instead, so an HTTP
 * request is not held while Redis is away.
 */
export interface RedisClients {
  commands: Redis;
  subscriber: Redis;
  bullmq: Redis;
  close(): Promise<void>;
}

export function openRedis(url: string, logger: Logger): RedisClients {
  const make = (role: string, options: { maxRetriesPerRequest: number | null }) => {
    const client = new Redis(url, { ...options, connectionName: `genboard-${role}` });
    // Without a listener ioredis prints connection errors itself; reconnecting is automatic.
    client.on("error", (err) => logger.warn({ err, role }, "redis connection error"));
    return client;
  };
  const commands = make("commands", { maxRetriesPerRequest: 2 });
  const subscriber = make("subscriber", { maxRetriesPerRequest: 2 });
  const bullmq = make("bullmq", { maxRetriesPerRequest: null });
  return {
    commands,
    subscriber,
    bullmq,
    async close() {
      await Promise.allSettled([commands.quit(), subscriber.quit(), bullmq.quit()]);
    },
  };
}
