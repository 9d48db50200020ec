import { CloseCode } from "./close-codes.js";
import { Connection, type Access } from "./connection.js";
import type { DocStore } from "./doc-store.js";
import type { ConnectionLimits, PersistenceOptions, RoomLimits } from "./limits.js";
import * as Y from "yjs";
import type { Bus } from "./bus.js";
import { Fanout } from "./fanout.js";
import { MemoryBusHub } from "./memory-bus.js";
import { FROM_PEER, Room, type RoomHooks } from "./room.js";
import type { Transport } from "./transport.js";
import { UpdateLog, type LogSink } from "./update-log.js";

/** What the collaboration layer reports for metrics (server/observability); every hook is optional. */
export interface CollabEvents {
  /** A board was loaded whose stored updates could not all be integrated. */
  storedGap?(boardId: string): void;
  /** This process stored `count` updates that peers relayed (held, then written; see UpdateLog). */
  peerUpdatesStored?(count: number): void;
}

export interface RoomManagerOptions {
  connection: ConnectionLimits;
  room: RoomLimits;
  persistence: PersistenceOptions;
}

/**
 * The map of boards in memory. Loads a board once however many sockets ask for
 * it at the same moment, admits sockets only after the load, and unloads a room
 * once it has had no holder for `idleUnloadMs` and everything it holds is stored.
 */
export class RoomManager {
  private readonly serverOwned: ReadonlySet<string>;
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  /** Every socket, open or still authenticating, for the heartbeat and shutdown. */
  readonly connections = new Set<Connection>();
  /**
   * Links revoked while this process ran, with the close they get. A socket
   * whose token was checked just before a revocation is admitted after it
   * (the check and the board's load take time): `admit` looks here, so the
   * revocation wins whatever state the socket was in. Link ids never come
   * back, so forgetting the oldest past the cap only costs that protection
   * for a link revoked long ago (the database refuses it anyway).
   */
  private readonly revokedLinks = new Map<string, { code: number; reason: string }>();
  readonly updateLog: UpdateLog;
  private readonly fanout: Fanout;
  private readonly loadListeners: ((room: Room) => void)[] = [];
  /**
   * An update is persisted and published by the process that accepted it
   * (from its client or its job runner); one from a peer is only shown.
   */
  private readonly hooks: RoomHooks = {
    onUpdate: (room, update, origin) => {
      if (origin === FROM_PEER) return;
      room.publishedSeq = this.fanout.publishUpdate(room, update);
      this.updateLog.enqueue(room, update);
    },
    onAwareness: (room, update, origin) => {
      if (origin !== FROM_PEER) this.fanout.publishAwareness(room, update);
    },
    onStoredGap: (room, gap) => {
      this.log.error({ boardId: room.boardId, ...gap }, "stored updates of the board could not be integrated: an update they depend on is missing from the store");
      this.events.storedGap?.(room.boardId);
    },
  };

  /** `bus` links this process to the others serving the same boards; alone by default (embedded mode). */
  constructor(
    private readonly store: DocStore,
    private readonly options: RoomManagerOptions,
    private readonly log: LogSink,
    bus: Bus = new MemoryBusHub().node(),
    private readonly events: CollabEvents = {},
  ) {
    this.updateLog = new UpdateLog(store, options.persistence, log, {
      stored: (room, throughSeq) => this.fanout.publishStored(room, throughSeq),
      storedForPeers: (count) => events.peerUpdatesStored?.(count),
    });
    this.serverOwned = new Set(options.room.serverOwnedRoots ?? []);
    this.fanout = new Fanout(bus, (boardId) => this.rooms.get(boardId), log, this.updateLog);
    bus.onResync(() => void this.resync());
  }

  /** Subscribes this process's own bus topic. Call once before serving. */
  start(): Promise<void> {
    return this.fanout.start();
  }

  get loadedRooms(): number {
    return this.rooms.size;
  }

  /** Runs `listener` after each board is loaded from the store (e.g. to check its runs against the jobs table). */
  onLoaded(listener: (room: Room) => void): void {
    this.loadListeners.push(listener);
  }

  /** Wraps a new socket. Call `receive` from its message listener right away, before any await. */
  accept(transport: Transport): Connection {
    const conn = new Connection(transport, this.options.connection, (c) => this.leave(c));
    this.connections.add(conn);
    return conn;
  }

  /** Admits an authenticated socket into its board's room, loading the board first if needed. */
  async admit(conn: Connection, access: Access): Promise<void> {
    let room: Room;
    try {
      room = await this.open(access.boardId);
    } catch (err) {
      this.log.error({ err, boardId: access.boardId }, "loading board failed");
      return conn.close(CloseCode.LoadFailed, "the board could not be loaded");
    }
    if (conn.state !== "pending") return this.releaseIfIdle(room);
    const revoked = this.revokedLinks.get(access.linkId);
    if (revoked) {
      conn.close(revoked.code, revoked.reason);
      return this.releaseIfIdle(room);
    }
    if (room.connections.size >= this.options.room.maxSocketsPerRoom) {
      conn.close(CloseCode.RoomFull, "this board has too many connections");
      return this.releaseIfIdle(room);
    }
    this.cancelIdle(room);
    room.add(conn);
    conn.open(room, access);
  }

  /**
   * Keeps a board loaded for a non-socket writer (the job runner). The caller
   * must call `release()` exactly once.
   */
  async pin(boardId: string): Promise<{ room: Room; release: () => void }> {
    const room = await this.open(boardId);
    room.pins += 1;
    this.cancelIdle(room);
    let released = false;
    return {
      room,
      release: () => {
        if (released) return;
        released = true;
        room.pins -= 1;
        this.releaseIfIdle(room);
      },
    };
  }

  /** Closes every socket opened with one of these links, e.g. after a revoke, and every one still being admitted with them. */
  closeLinks(linkIds: readonly string[], code: number, reason: string): number {
    for (const id of linkIds) {
      this.revokedLinks.set(id, { code, reason });
      if (this.revokedLinks.size > MAX_REVOKED_LINKS) this.revokedLinks.delete(this.revokedLinks.keys().next().value!);
    }
    let closed = 0;
    for (const conn of this.connections) {
      if (conn.access && linkIds.includes(conn.access.linkId)) {
        conn.close(code, reason);
        closed += 1;
      }
    }
    return closed;
  }

  /** Pings every socket; one that did not answer the previous ping is dropped. */
  heartbeat(ping: (conn: Connection) => void, terminate: (conn: Connection) => void): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        terminate(conn);
        conn.closed();
        continue;
      }
      conn.alive = false;
      ping(conn);
    }
  }

  /** Stops serving: every socket gets `GoingAway`, every pending update is written. */
  async shutdown(): Promise<void> {
    for (const conn of this.connections) conn.close(CloseCode.GoingAway, "server shutting down");
    await this.updateLog.flush();
    for (const room of this.rooms.values()) room.destroy();
    this.rooms.clear();
  }

  private open(boardId: string): Promise<Room> {
    const loaded = this.rooms.get(boardId);
    if (loaded) return Promise.resolve(loaded);
    let loading = this.loading.get(boardId);
    if (!loading) {
      loading = this.load(boardId).finally(() => this.loading.delete(boardId));
      this.loading.set(boardId, loading);
    }
    return loading;
  }

  private async load(boardId: string): Promise<Room> {
    const started = performance.now();
    // Subscribed before the store is read: see Fanout for why nothing falls in between.
    const joined = await this.fanout.join(boardId);
    let stored;
    try {
      stored = await this.store.load(boardId);
    } catch (err) {
      await this.fanout.leave(boardId);
      throw err;
    }
    const fetchedMs = performance.now() - started;
    const room = new Room(boardId, this.hooks, { serverOwned: this.serverOwned, maxPresenceClients: this.options.connection.maxPresenceClients });
    room.applyStored(stored);
    room.lastPersistedId = stored.lastUpdateId;
    room.snapshotThroughId = stored.snapshotThroughId;
    room.tailRows = stored.updates.length;
    this.rooms.set(boardId, room);
    joined(room);
    this.log.debug?.(
      { boardId, fetchMs: round(fetchedMs), totalMs: round(performance.now() - started), snapshotBytes: stored.snapshot?.length ?? 0, tailRows: stored.updates.length },
      "room loaded",
    );
    // A room nobody joins (every waiting socket left during the load) must not stay forever.
    queueMicrotask(() => this.releaseIfIdle(room));
    for (const listener of this.loadListeners) listener(room);
    return room;
  }

  /**
   * After the bus lost messages (Redis restarted): take what peers persisted
   * meanwhile from the store, then exchange state vectors with the live peers.
   */
  private async resync(): Promise<void> {
    for (const room of [...this.rooms.values()]) {
      try {
        const { snapshot, updates, snapshotThroughId } = await this.store.load(room.boardId);
        if (this.rooms.get(room.boardId) !== room) continue;
        const stored = snapshot ? [snapshot, ...updates] : updates;
        if (stored.length > 0) room.applyFromPeer(Y.mergeUpdates(stored));
        room.snapshotThroughId = snapshotThroughId;
        this.fanout.requestSync(room);
      } catch (err) {
        this.log.error({ err, boardId: room.boardId }, "resyncing board failed");
      }
    }
  }

  private leave(conn: Connection): void {
    this.connections.delete(conn);
    const room = conn.room;
    if (!room) return;
    room.remove(conn);
    this.releaseIfIdle(room);
  }

  private cancelIdle(room: Room): void {
    if (room.idleTimer) clearTimeout(room.idleTimer);
    room.idleTimer = null;
  }

  private releaseIfIdle(room: Room): void {
    if (room.holders > 0 || room.idleTimer || this.rooms.get(room.boardId) !== room) return;
    room.idleTimer = setTimeout(() => void this.unload(room), this.options.room.idleUnloadMs);
    room.idleTimer.unref();
  }

  private async unload(room: Room): Promise<void> {
    room.idleTimer = null;
    try {
      await this.updateLog.settle(room);
    } catch (err) {
      // Never drop a room whose state is not stored: try again after another idle period.
      this.log.error({ err, boardId: room.boardId }, "saving board before unload failed");
      return this.releaseIfIdle(room);
    }
    if (room.holders > 0 || room.idleTimer || this.updateLog.hasPending(room)) return;
    this.rooms.delete(room.boardId);
    this.updateLog.forget(room);
    room.destroy();
    await this.fanout.leave(room.boardId);
    this.log.debug?.({ boardId: room.boardId }, "room unloaded");
  }
}

const MAX_REVOKED_LINKS = 10_000;
const round = (ms: number) => Math.round(ms * 10) / 10;
