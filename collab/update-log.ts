import * as Y from "yjs";
import type { DocStore } from "./doc-store.js";
import type { PersistenceOptions } from "./limits.js";
import type { Room } from "./room.js";

export interface LogSink {
  error(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

const MAX_RETRY_MS = 5_000;

/**
 * Writes room updates to the store in batches: every room's pending updates are
 * merged into one row per room, and all rooms go in one insert, at most
 * `flushMs` after the first of them arrived. Writes and compactions run one at a
 * time on a single chain, which is what makes compaction's bookkeeping safe.
 * A failed write keeps its updates pending (and the room in memory) and retries.
 */
export class UpdateLog {
  private readonly dirty = new Set<Room>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly store: DocStore,
    private readonly options: PersistenceOptions,
    private readonly log: LogSink,
  ) {}

  enqueue(room: Room, update: Uint8Array): void {
    room.pending.push(update);
    this.dirty.add(room);
    this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.options.flushMs);
  }

  /** Writes everything pending now. Resolves when it is durable. */
  flush(): Promise<void> {
    return this.run(() => this.flushDirty());
  }

  /** Writes the room's pending updates and folds its log into a snapshot. Used before unloading. */
  settle(room: Room): Promise<void> {
    return this.run(async () => {
      await this.flushDirty();
      if (room.tailRows > 0) await this.compact(room);
    });
  }

  hasPending(room: Room): boolean {
    return room.pending.length > 0;
  }

  private run(task: () => Promise<void>): Promise<void> {
    const result = this.chain.then(task);
    this.chain = result.catch(() => {});
    return result;
  }

  private async flushDirty(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.dirty.size === 0) return;
    const rooms = [...this.dirty];
    this.dirty.clear();
    const taken = rooms.map((room) => room.pending);
    for (const room of rooms) room.pending = [];
    const entries = rooms.map((room, i) => ({ boardId: room.boardId, data: mergeAll(taken[i]) }));
    let rows: { boardId: string; id: bigint }[];
    try {
      rows = await this.store.append(entries);
    } catch (err) {
      rooms.forEach((room, i) => {
        room.pending = taken[i].concat(room.pending);
        this.dirty.add(room);
      });
      this.retryLater(err, rooms.length);
      throw err;
    }
    this.failures = 0;
    const byBoard = new Map(rooms.map((room, i) => [room.boardId, { room, bytes: entries[i].data.length }]));
    for (const row of rows) {
      const hit = byBoard.get(row.boardId)!;
      if (row.id > hit.room.lastPersistedId) hit.room.lastPersistedId = row.id;
      hit.room.tailRows += 1;
      hit.room.tailBytes += hit.bytes;
    }
    for (const room of rooms) {
      if (room.tailRows >= this.options.compactAfterRows || room.tailBytes >= this.options.compactAfterBytes) {
        await this.compact(room).catch((err) => this.log.error({ err, boardId: room.boardId }, "compaction failed"));
      }
    }
  }

  /**
   * The room's doc is the candidate; the store completes it with any stored
   * row it lacks (in a cluster the log has rows other processes wrote, and a
   * Redis outage drops fan-out messages, never rows), so compacting is safe
   * from any process and still costs one encode of the doc.
   */
  private async compact(room: Room): Promise<void> {
    const doc = room.doc;
    const done = await this.store.compact(room.boardId, {
      data: Y.encodeStateAsUpdate(doc),
      stateVector: Y.encodeStateVector(doc),
      contents: Y.encodeSnapshot(Y.snapshot(doc)),
      knownSnapshotThroughId: room.snapshotThroughId,
    });
    // With rows merged in, the new snapshot holds more than this doc: the next
    // compaction must not take the doc alone for it.
    if (done?.merged === 0) room.snapshotThroughId = done.throughId;
    else if (done) this.log.debug?.({ boardId: room.boardId, merged: done.merged }, "compaction kept stored updates this process had not seen");
    room.tailRows = 0;
    room.tailBytes = 0;
  }

  private retryLater(err: unknown, rooms: number): void {
    this.failures += 1;
    const delay = Math.min(MAX_RETRY_MS, this.options.flushMs * 2 ** this.failures);
    this.log.error({ err, rooms, retryInMs: delay }, "persisting updates failed");
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush().catch(() => {}), delay);
  }
}

function mergeAll(updates: Uint8Array[]): Uint8Array {
  return updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
}
