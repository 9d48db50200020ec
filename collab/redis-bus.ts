import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Bus, BusHandler } from "./bus.js";
import type { LogSink } from "./update-log.js";

export interface RedisBusOptions {
  url: string;
  /** Prepended to every channel, so several deployments (or test runs) can share one Redis. */
  prefix: string;
  log: LogSink & { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

const RESUBSCRIBE_CHUNK = 1000;

/**
 * The bus over Redis pub/sub (ioredis): one connection publishes, one
 * subscribes (a subscribed Redis connection can do nothing else). A payload is
 * framed as [sender id length][sender id][bytes], so a node can drop its own
 * messages.
 *
 * Nothing is queued while Redis is away (a queue would grow without bound in a
 * long outage and replay stale presence); instead, once both connections are
 * back and every channel is subscribed again, `onResync` listeners run and the
 * rooms exchange state vectors with their peers.
 */
export async function createRedisBus(options: RedisBusOptions): Promise<Bus> {
  const nodeId = randomBytes(8).toString("hex");
  const idBytes = Buffer.from(nodeId, "latin1");
  const common = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true } as const;
  const pub = new Redis(options.url, { ...common, connectionName: `genboard-pub-${nodeId}` });
  // Resubscribing is done here, before the resync, so no peer answer can arrive on a channel not yet subscribed.
  const sub = new Redis(options.url, { ...common, autoResubscribe: false, connectionName: `genboard-sub-${nodeId}` });
  const handlers = new Map<string, BusHandler>();
  const resyncListeners: (() => void)[] = [];
  const channel = (topic: string) => options.prefix + topic;
  let lost = false;
  let closing = false;

  sub.on("messageBuffer", (rawChannel: Buffer, message: Buffer) => {
    const idLength = message[0];
    if (message.length < 1 + idLength) return options.log.warn({ channel: rawChannel.toString() }, "bus: malformed message dropped");
    const from = message.toString("latin1", 1, 1 + idLength);
    if (from === nodeId) return;
    const handler = handlers.get(rawChannel.toString().slice(options.prefix.length));
    handler?.(new Uint8Array(message.buffer, message.byteOffset + 1 + idLength, message.length - 1 - idLength), from);
  });

  for (const [name, conn] of [["pub", pub], ["sub", sub]] as const) {
    conn.on("error", (err) => options.log.debug?.({ err, connection: name }, "bus: redis error"));
    conn.on("close", () => {
      if (closing || lost) return;
      lost = true;
      options.log.warn({ connection: name }, "bus: redis connection lost; fan-out paused until it is back");
    });
    conn.on("ready", () => void recover());
  }

  async function recover(): Promise<void> {
    if (!lost || closing || pub.status !== "ready" || sub.status !== "ready") return;
    lost = false;
    try {
      const topics = [...handlers.keys()];
      for (let i = 0; i < topics.length; i += RESUBSCRIBE_CHUNK) await sub.subscribe(...topics.slice(i, i + RESUBSCRIBE_CHUNK).map(channel));
    } catch (err) {
      // Dropped again mid-way: the next "ready" retries.
      lost = true;
      return options.log.warn({ err }, "bus: resubscribing failed");
    }
    options.log.info({ channels: handlers.size }, "bus: redis is back; resyncing rooms");
    for (const listener of resyncListeners) listener();
  }

  await Promise.all([pub.connect(), sub.connect()]);

  return {
    nodeId,
    async subscribe(topic, handler) {
      const isNew = !handlers.has(topic);
      handlers.set(topic, handler);
      // While disconnected, recover() subscribes it and then resyncs.
      if (isNew && sub.status === "ready") await sub.subscribe(channel(topic)).catch(() => {});
    },
    async unsubscribe(topic) {
      if (!handlers.delete(topic)) return;
      if (sub.status === "ready") await sub.unsubscribe(channel(topic)).catch(() => {});
    },
    publish(topic, payload) {
      if (pub.status !== "ready") return;
      const framed = Buffer.allocUnsafe(1 + idBytes.length + payload.length);
      framed[0] = idBytes.length;
      idBytes.copy(framed, 1);
      framed.set(payload, 1 + idBytes.length);
      pub.publish(channel(topic), framed).catch(() => {});
    },
    onResync(listener) {
      resyncListeners.push(listener);
    },
    async close() {
      closing = true;
      handlers.clear();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
