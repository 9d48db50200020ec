import { MemoryBusHub, RoomManager, createRedisBus, type Bus, type CollabEvents, type DocStore } from "../collab/index.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

/**
 * The rooms of one process and the bus that joins them to the other
 * processes' rooms: Redis in distributed mode, a bus with no peers in
 * embedded mode. Web processes and `npm run worker` both use it, so a job's
 * writes reach every collaborator wherever the job runs.
 */
export async function openCollab(config: Config, store: DocStore, logger: Logger, events: CollabEvents = {}): Promise<{ bus: Bus; rooms: RoomManager; close(): Promise<void> }> {
  const { distributed } = config;
  const bus = distributed
    ? await createRedisBus({ url: distributed.redisUrl, prefix: `${distributed.prefix}:bus:`, log: logger.child({ layer: "bus" }) })
    : new MemoryBusHub().node();
  const rooms = new RoomManager(store, config.rooms, logger.child({ layer: "collab" }), bus, events);
  await rooms.start();
  return {
    bus,
    rooms,
    /** Sockets get 1001, pending updates are written, then the bus closes. */
    async close() {
      await rooms.shutdown();
      await bus.close();
    },
  };
}
