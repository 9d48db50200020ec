import * as Y from "yjs";
import type { DocStore } from "./doc-store.js";
import type { PersistenceOptions } from "./limits.js";
import type { Room } from "./room.js";

export interface UpdateLogEvents {
  /** A room's own updates through `throughSeq` (its `publishedSeq` when they were taken) are stored. */
  stored?(room: Room, throughSeq: number): void;
  /** `count` held peer updates were stored by this process. */
  storedForPeers?(count: number): void;
}

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
 *
 * Updates from peers (distributed mode) are stored by the process that
 * accepted them, which says so on the bus once they are (`onStored`). Until
 * then this process *holds* them: a process killed inside its batching window
 * never stores them, yet its peers and their clients build on them, and a row
 * whose dependencies are missing cannot be integrated on load — everything
 * after the gap would be lost. So held updates go into every row this process
 * writes for the room (whatever it stores, it stores with what it may depend
 * on), and are written on their own once `holdMs` passes without the
 * confirmation. Yjs updates are idempotent: a duplicate costs bytes, never state.
 */
export class UpdateLog {
  private readonly dirty = new Set<Room>();
  /** Rooms with held peer updates. */
  private readonly holding = new Set<Room>();
  private timer: NodeJS.Timeout | null = null;
  private holdTimer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private readonly holdMs: number;

  constructor(
    private readonly store: DocStore,
    private readonly options: PersistenceOptions,
    private readonly log: LogSink,
    private readonly events: UpdateLogEvents = {},
  ) {
    this.holdMs = 2 * options.flushMs;
  }

  enqueue(room: Room, update: Uint8Array): void {
    room.pending.push(update);
    this.markDirty(room);
  }

  /** Keeps a peer's update until that peer confirms it stored it (`release`), or stores it after `holdMs`. */
  hold(room: Room, from: string, seq: number, update: Uint8Array): void {
    room.held.push({ from, seq, update, at: performance.now() });
    this.holding.add(room);
    this.holdTimer ??= unref(setTimeout(() => this.storeOverdue(), this.holdMs));
  }

  /** `from` stored every update it published for the room up to `throughSeq`. */
  release(room: Room, from: string, throughSeq: number): void {
    if (room.held.length === 0) return;
    room.held = room.held.filter((h) => h.from !== from || h.seq === 0 || h.seq > throughSeq);
    if (room.held.length === 0) this.holding.delete(room);
  }

  /** Writes everything pending and held now. Resolves when it is durable. */
  flush(): Promise<void> {
    return this.run(() => {
      for (const room of this.holding) this.dirty.add(room);
      return this.flushDirty();
    });
  }

  /** Writes the room's pending and held updates and folds its log into a snapshot. Used before unloading. */
  settle(room: Room): Promise<void> {
    return this.run(async () => {
      if (room.held.length > 0) this.dirty.add(room);
      await this.flushDirty();
      if (room.tailRows > 0) await this.compact(room);
    });
  }

  /** Whether any room holds peer updates not yet confirmed stored. */
  hasHeld(): boolean {
    return this.holding.size > 0;
  }

  /** Whether the room has updates of its own not yet stored. */
  hasPending(room: Room): boolean {
    return room.pending.length > 0;
  }

  /**
   * Forgets a room that is being dropped from memory after `settle`. Peer
   * updates that arrived since are dropped with it: their publisher stores
   * them, and nothing this process stored depends on them.
   */
  forget(room: Room): void {
    this.dirty.delete(room);
    this.holding.delete(room);
  }

  private markDirty(room: Room): void {
    this.dirty.add(room);
    this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.options.flushMs);
  }

  /** Held updates their peer did not confirm in time are written by this process. */
  private storeOverdue(): void {
    this.holdTimer = null;
    const due = performance.now() - this.holdMs;
    let next = Infinity;
    for (const room of this.holding) {
      const oldest = room.held.reduce((min, h) => Math.min(min, h.at), Infinity);
      if (oldest <= due) this.markDirty(room);
      else next = Math.min(next, oldest);
    }
    if (next !== Infinity) this.holdTimer = unref(setTimeout(() => this.storeOverdue(), Math.max(1, next - due)));
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
    const rooms = [...this.dirty].filter((room) => room.pending.length > 0 || room.held.length > 0);
    this.dirty.clear();
    if (rooms.length === 0) return;
    const taken = rooms.map((room) => ({ pending: room.pending, held: room.held, throughSeq: room.publishedSeq }));
    for (const room of rooms) {
      room.pending = [];
      room.held = [];
      this.holding.delete(room);
    }
    const entries = rooms.map((room, i) => ({ boardId: room.boardId, data: mergeAll(taken[i].pending.concat(taken[i].held.map((h) => h.update))) }));
    let rows: { boardId: string; id: bigint }[];
    try {
      rows = await this.store.append(entries);
    } catch (err) {
      rooms.forEach((room, i) => {
        room.pending = taken[i].pending.concat(room.pending);
        room.held = taken[i].held.concat(room.held);
        if (room.held.length > 0) this.holding.add(room);
        this.dirty.add(room);
      });
      this.retryLater(err, rooms.length);
      throw err;
    }
    this.failures = 0;
    let forPeers = 0;
    rooms.forEach((room, i) => {
      if (taken[i].pending.length > 0) this.events.stored?.(room, taken[i].throughSeq);
      forPeers += taken[i].held.length;
    });
    if (forPeers > 0) this.events.storedForPeers?.(forPeers);
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

/** Shutdown writes held updates itself (`flush`); the timer must not keep a process alive. */
const unref = (timer: NodeJS.Timeout) => timer.unref();

function mergeAll(updates: Uint8Array[]): Uint8Array {
  return updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
}
