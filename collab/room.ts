import * as Y from "yjs";
import { MalformedFrameError } from "./protocol/errors.js";
import { refusalOf } from "./update-guard.js";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from "y-protocols/awareness";
import { assertNever, type Connection } from "./connection.js";
import type { StoredDoc } from "./doc-store.js";
import { PresenceOwners } from "./presence-owners.js";
import { encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, type ClientFrame } from "./protocol/messages.js";

/** Transaction origin of updates read from the store: neither broadcast nor persisted again. */
export const FROM_STORE = Symbol("from-store");
/**
 * Transaction origin of updates from another server process (see fanout.ts):
 * broadcast to this process's sockets, but neither persisted nor published
 * again, since the process that accepted them does both.
 */
export const FROM_PEER = Symbol("from-peer");

/** What a room reports to its manager; `origin` says who made the change (a Connection, FROM_PEER, a job…). */
export interface RoomHooks {
  onUpdate(room: Room, update: Uint8Array, origin: unknown): void;
  /** `update` is the encoded awareness update for the changed clients. */
  onAwareness(room: Room, update: Uint8Array, origin: unknown): void;
  /** Stored state left structs or deletions waiting for updates the store lacks (see `gaps`). */
  onStoredGap(room: Room, gap: StoredGap): void;
}

/** What a load could not integrate: per client, the first clock that is missing. */
export interface StoredGap {
  missing: Record<string, number>;
  pendingDeletes: boolean;
}

/** Names of the document's top-level types (see DESIGN.md, "The shared document"). */
export const DOC_RECORDS = "records";
export const DOC_RUNS = "runs";

/** A peer's update kept until that peer says it is stored; `seq` 0 is never confirmed. */
export interface HeldUpdate {
  from: string;
  seq: number;
  update: Uint8Array;
  /** performance.now() when it arrived. */
  at: number;
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

/**
 * One board in memory: its Y.Doc, its awareness and its sockets. Knows the
 * y-websocket protocol; knows nothing of tokens, HTTP or the database.
 */
export class Room {
  private readonly ydoc = new Y.Doc();
  readonly awareness = new Awareness(this.ydoc);
  readonly connections = new Set<Connection>();
  /** Non-socket holders (e.g. a job writing results) that keep the room loaded. */
  pins = 0;
  idleTimer: NodeJS.Timeout | null = null;

  /**
   * A stored snapshot not yet applied to the doc, with its state vector.
   * Integrating a 10,000-record snapshot costs ~80 ms; a cold board answers
   * its clients from the bytes and integrates only when something needs the
   * doc (an edit, a client with state of its own, a job) — a board that is
   * only looked at never pays it.
   */
  private unapplied: { snapshot: Uint8Array; stateVector: Uint8Array } | null = null;
  /** The whole document as one update, for clients that have nothing yet; dropped on every change. */
  private fullState: Uint8Array | null = null;

  // Persistence bookkeeping, owned by UpdateLog.
  pending: Uint8Array[] = [];
  /** Updates from peers not yet confirmed stored by the process that accepted them (see UpdateLog.hold). */
  held: HeldUpdate[] = [];
  /** Sequence number of the last update this process published for the board (see Fanout.publishUpdate). */
  publishedSeq = 0;
  lastPersistedId = 0n;
  /** The stored snapshot this doc is known to contain (see DocStore.compact). */
  snapshotThroughId = 0n;
  tailRows = 0;
  tailBytes = 0;

  private readonly serverOwned: ReadonlySet<string>;
  private readonly presence: PresenceOwners;

  constructor(
    readonly boardId: string,
    private readonly hooks: RoomHooks,
    { serverOwned = new Set<string>(), maxPresenceClients = 8 }: { serverOwned?: ReadonlySet<string>; maxPresenceClients?: number } = {},
  ) {
    this.serverOwned = serverOwned;
    this.presence = new PresenceOwners(this.awareness, maxPresenceClients);
    this.awareness.setLocalState(null);
    this.ydoc.on("update", (update: Uint8Array, origin: unknown) => {
      this.fullState = null;
      if (origin === FROM_STORE) return;
      this.broadcast(encodeSyncUpdate(update), origin);
      hooks.onUpdate(this, update, origin);
    });
    this.awareness.on("update", ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
      const changed = added.concat(updated, removed);
      // Echoed to the sender too: y-websocket clients drop a connection that has
      // received nothing for 30 s, and a lone client's own awareness renewals
      // (every 15 s) are then the only traffic it gets.
      const update = encodeAwarenessUpdate(this.awareness, changed);
      this.broadcast(encodeAwareness(update));
      hooks.onAwareness(this, update, origin);
      if (removed.length > 0) this.forgetPresences(removed);
    });
  }

  /**
   * y-protocols keeps the clock of every client that ever was present, so a
   * room's memory would grow with every page load; once a removal has been
   * sent on, only PresenceOwners' bounded record of recent departures is kept.
   */
  private forgetPresences(clientIds: number[]): void {
    const gone = clientIds.filter((id) => !this.awareness.states.has(id));
    this.presence.released(gone.map((clientId) => ({ clientId, clock: this.awareness.meta.get(clientId)?.clock ?? 0 })));
    for (const id of gone) this.awareness.meta.delete(id);
  }

  /** The most entries a socket's presence frame may carry (see PresenceOwners.frameLimit). */
  presenceFrameLimit(): number {
    return this.presence.frameLimit();
  }

  get holders(): number {
    return this.connections.size + this.pins;
  }

  /** The board's document, with any stored state integrated first. */
  get doc(): Y.Doc {
    if (this.unapplied) this.hydrate();
    return this.ydoc;
  }

  /**
   * Takes the stored state. A lone snapshot is kept as bytes (see `unapplied`);
   * with a log tail everything is applied now, the tail merged into one integration.
   */
  applyStored({ snapshot, snapshotStateVector, updates }: StoredDoc): void {
    if (snapshot && snapshotStateVector && updates.length === 0) {
      this.unapplied = { snapshot, stateVector: snapshotStateVector };
      this.fullState = snapshot;
      return;
    }
    if (snapshot) Y.applyUpdate(this.ydoc, snapshot, FROM_STORE);
    if (updates.length === 1) Y.applyUpdate(this.ydoc, updates[0], FROM_STORE);
    else if (updates.length > 1) Y.applyUpdate(this.ydoc, Y.mergeUpdates(updates), FROM_STORE);
    this.reportGaps();
  }

  private hydrate(): void {
    const stored = this.unapplied!;
    this.unapplied = null;
    Y.applyUpdate(this.ydoc, stored.snapshot, FROM_STORE);
    this.fullState = stored.snapshot;
    this.reportGaps();
  }

  /**
   * Yjs keeps what it cannot integrate yet as pending, invisible to everyone,
   * and says nothing: stored rows that depend on an update that was never
   * stored. It integrates if the missing update arrives (a client that still
   * holds it reconnects); until then the loss must at least be seen.
   */
  private reportGaps(): void {
    const { pendingStructs, pendingDs } = this.ydoc.store;
    if (!pendingStructs && !pendingDs) return;
    const missing = pendingStructs ? Object.fromEntries([...pendingStructs.missing].map(([client, clock]) => [String(client), clock])) : {};
    this.hooks.onStoredGap(this, { missing, pendingDeletes: pendingDs !== null });
  }

  /** Applies an update from another process (or the store, after messages were lost); only what is new reaches the sockets. */
  applyFromPeer(update: Uint8Array): void {
    if (!isEmptyUpdate(update)) Y.applyUpdate(this.doc, update, FROM_PEER);
  }

  applyAwarenessFromPeer(update: Uint8Array): void {
    if (update.length > 0) applyAwarenessUpdate(this.awareness, update, FROM_PEER);
  }

  /** Everyone present, as one awareness update (empty when nobody is). */
  encodeAllAwareness(): Uint8Array {
    const ids = [...this.awareness.getStates().keys()];
    return ids.length > 0 ? encodeAwarenessUpdate(this.awareness, ids) : new Uint8Array(0);
  }

  /** The document's state vector, without integrating a stored snapshot just for it. */
  stateVector(): Uint8Array {
    return this.unapplied?.stateVector ?? Y.encodeStateVector(this.ydoc);
  }

  /** First words to a newly admitted socket: our state vector, then who is here. */
  greet(conn: Connection): void {
    conn.send(encodeSyncStep1(this.stateVector()));
    const states = this.awareness.getStates();
    if (states.size > 0) conn.send(encodeAwareness(encodeAwarenessUpdate(this.awareness, [...states.keys()])));
  }

  /** Applies one validated frame. Read-only is enforced here, where updates are applied. */
  receive(conn: Connection, frame: ClientFrame): void {
    switch (frame.kind) {
      case "sync-step1":
        conn.send(encodeSyncStep2(this.missingFrom(frame.stateVector)));
        return;
      case "sync-step2":
      case "sync-update":
        if (conn.role !== "edit" || isEmptyUpdate(frame.update)) return;
        const refusal = refusalOf(this.doc, frame.update, this.serverOwned, conn.presenceIds);
        if (refusal) throw new MalformedFrameError(refusal);
        Y.applyUpdate(this.doc, frame.update, conn);
        return;
      case "awareness": {
        const own = this.presence.admit(conn, frame.update);
        if (own) applyAwarenessUpdate(this.awareness, own, conn);
        return;
      }
      case "query-awareness": {
        const ids = [...this.awareness.getStates().keys()];
        if (ids.length > 0) conn.send(encodeAwareness(encodeAwarenessUpdate(this.awareness, ids)));
        return;
      }
      default:
        assertNever(frame);
    }
  }

  /** What a client with this state vector lacks. Clients that have nothing share one encoding. */
  private missingFrom(stateVector: Uint8Array): Uint8Array {
    if (!isEmptyStateVector(stateVector)) return Y.encodeStateAsUpdate(this.doc, stateVector);
    return (this.fullState ??= Y.encodeStateAsUpdate(this.doc));
  }

  add(conn: Connection): void {
    this.connections.add(conn);
  }

  /** Drops a socket and the presence it published. */
  remove(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    const ids = this.presence.leave(conn);
    if (ids.length > 0) removeAwarenessStates(this.awareness, ids, null);
  }

  broadcast(message: Uint8Array, except?: unknown): void {
    for (const conn of this.connections) if (conn !== except) conn.send(message);
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.unapplied = null;
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}

/** A state vector with no clients: varuint 0. */
const isEmptyStateVector = (sv: Uint8Array) => sv.length === 1 && sv[0] === 0;
/** No structs, no deletions: what a new client answers our step 1 with. */
export const isEmptyUpdate = (update: Uint8Array) => update.length === 2 && update[0] === 0 && update[1] === 0;
