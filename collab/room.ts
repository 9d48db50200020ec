import * as Y from "yjs";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from "y-protocols/awareness";
import { assertNever, type Connection } from "./connection.js";
import { encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, type ClientFrame } from "./protocol/messages.js";

/** Transaction origin of updates read from the store: neither broadcast nor persisted again. */
export const FROM_STORE = Symbol("from-store");

/** Names of the document's top-level types (see DESIGN.md, "The shared document"). */
export const DOC_RECORDS = "records";
export const DOC_RUNS = "runs";

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
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  readonly connections = new Set<Connection>();
  /** Non-socket holders (e.g. a job writing results) that keep the room loaded. */
  pins = 0;
  idleTimer: NodeJS.Timeout | null = null;

  // Persistence bookkeeping, owned by UpdateLog.
  pending: Uint8Array[] = [];
  lastPersistedId = 0n;
  tailRows = 0;
  tailBytes = 0;

  constructor(
    readonly boardId: string,
    onUpdate: (room: Room, update: Uint8Array) => void,
  ) {
    this.awareness.setLocalState(null);
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_STORE) return;
      this.broadcast(encodeSyncUpdate(update), origin);
      onUpdate(this, update);
    });
    this.awareness.on("update", ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
      if (isConnection(origin)) origin.trackAwareness(added, removed);
      const changed = added.concat(updated, removed);
      this.broadcast(encodeAwareness(encodeAwarenessUpdate(this.awareness, changed)), origin);
    });
  }

  get holders(): number {
    return this.connections.size + this.pins;
  }

  /** Loads stored state without echoing it anywhere. Tail entries are merged first: one integration instead of thousands. */
  applyStored(snapshot: Uint8Array | null, updates: Uint8Array[]): void {
    if (snapshot) Y.applyUpdate(this.doc, snapshot, FROM_STORE);
    if (updates.length === 1) Y.applyUpdate(this.doc, updates[0], FROM_STORE);
    else if (updates.length > 1) Y.applyUpdate(this.doc, Y.mergeUpdates(updates), FROM_STORE);
  }

  /** First words to a newly admitted socket: our state vector, then who is here. */
  greet(conn: Connection): void {
    conn.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    const states = this.awareness.getStates();
    if (states.size > 0) conn.send(encodeAwareness(encodeAwarenessUpdate(this.awareness, [...states.keys()])));
  }

  /** Applies one validated frame. Read-only is enforced here, where updates are applied. */
  receive(conn: Connection, frame: ClientFrame): void {
    switch (frame.kind) {
      case "sync-step1":
        conn.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, frame.stateVector)));
        return;
      case "sync-step2":
      case "sync-update":
        if (conn.role === "edit") Y.applyUpdate(this.doc, frame.update, conn);
        return;
      case "awareness":
        applyAwarenessUpdate(this.awareness, frame.update, conn);
        return;
      case "query-awareness": {
        const ids = [...this.awareness.getStates().keys()];
        if (ids.length > 0) conn.send(encodeAwareness(encodeAwarenessUpdate(this.awareness, ids)));
        return;
      }
      default:
        assertNever(frame);
    }
  }

  add(conn: Connection): void {
    this.connections.add(conn);
  }

  /** Drops a socket and the presence it published. */
  remove(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    const ids = conn.awarenessIds;
    if (ids && ids.length > 0) removeAwarenessStates(this.awareness, ids, null);
  }

  broadcast(message: Uint8Array, except?: unknown): void {
    for (const conn of this.connections) if (conn !== except) conn.send(message);
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.awareness.destroy();
    this.doc.destroy();
  }
}

function isConnection(value: unknown): value is Connection {
  return typeof value === "object" && value !== null && "trackAwareness" in value;
}
