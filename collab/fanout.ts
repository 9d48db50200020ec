import * as Y from "yjs";
import type { Bus } from "./bus.js";
import { decodePeerMessage, encodePeerMessage, type PeerMessage } from "./fanout-messages.js";
import { isEmptyUpdate, type Room } from "./room.js";
import type { LogSink } from "./update-log.js";

// The format version is in the topic: processes of releases whose peer messages differ ignore each other rather than log every message as malformed.
const boardTopic = (boardId: string) => `board:v2:${boardId}`;
const nodeTopic = (nodeId: string) => `node:v2:${nodeId}`;

/** What the room manager does with peers' updates besides showing them. */
export interface PeerPersistence {
  /** An update a peer accepted (`seq` > 0), or content a sync exchange brought (`seq` 0): hold it until stored. */
  hold(room: Room, from: string, seq: number, update: Uint8Array): void;
  /** The peer stored every update it published for the room up to `throughSeq`. */
  release(room: Room, from: string, throughSeq: number): void;
}

/**
 * Carries a board's updates and presence between the processes that have it
 * loaded, over the bus.
 *
 * Joining without a gap: the board's topic is subscribed *before* the store is
 * read, and messages arriving meanwhile are held until the room exists. The
 * store lags the live stream by up to the persistence interval, so the new
 * room then sends its state vector to the board's peers, which answer (to it
 * alone) with what it lacks and their own state vector; it sends back what
 * they lack. The same exchange repairs whatever a Redis outage dropped.
 *
 * Every update carries its publisher's sequence number, and a publisher tells
 * the board's peers when it has stored its updates through a number: until
 * then they hold them (`PeerPersistence`), so a process that dies inside its
 * batching window loses nothing another process has seen.
 */
export class Fanout {
  private seq = 0;

  constructor(
    private readonly bus: Bus,
    private readonly roomOf: (boardId: string) => Room | undefined,
    private readonly log: LogSink,
    private readonly persistence: PeerPersistence,
  ) {}

  /** Subscribes this process's own topic, where peers answer its sync requests. */
  start(): Promise<void> {
    return this.bus.subscribe(nodeTopic(this.bus.nodeId), (payload, from) => {
      const message = this.decode(payload);
      const room = message && this.roomOf(message.boardId);
      if (room) this.handle(room, message, from);
    });
  }

  /**
   * Subscribes the board's topic. Call before reading the store; call the
   * returned function with the loaded room: it applies what arrived meanwhile
   * and asks the peers for the rest.
   */
  async join(boardId: string): Promise<(room: Room) => void> {
    let room: Room | null = null;
    let early: { message: PeerMessage; from: string }[] = [];
    await this.bus.subscribe(boardTopic(boardId), (payload, from) => {
      const message = this.decode(payload);
      if (!message || message.boardId !== boardId) return;
      if (room) this.handle(room, message, from);
      else early.push({ message, from });
    });
    return (loaded) => {
      room = loaded;
      for (const { message, from } of early) this.handle(loaded, message, from);
      early = [];
      this.requestSync(loaded);
    };
  }

  leave(boardId: string): Promise<void> {
    return this.bus.unsubscribe(boardTopic(boardId));
  }

  /** Returns the update's sequence number, which `publishStored` refers to. */
  publishUpdate(room: Room, update: Uint8Array): number {
    this.seq += 1;
    this.send(boardTopic(room.boardId), { kind: "update", boardId: room.boardId, update, seq: this.seq });
    return this.seq;
  }

  /** Every update this process published for the room up to `throughSeq` is stored. */
  publishStored(room: Room, throughSeq: number): void {
    this.send(boardTopic(room.boardId), { kind: "stored", boardId: room.boardId, throughSeq });
  }

  publishAwareness(room: Room, update: Uint8Array): void {
    this.send(boardTopic(room.boardId), { kind: "awareness", boardId: room.boardId, update });
  }

  /** Our state vector and presence to every peer of the board; each answers with what we lack. */
  requestSync(room: Room): void {
    const stateVector = room.stateVector();
    this.send(boardTopic(room.boardId), { kind: "sync-request", boardId: room.boardId, stateVector, awareness: room.encodeAllAwareness() });
  }

  private handle(room: Room, message: PeerMessage, from: string): void {
    try {
      switch (message.kind) {
        case "update":
          room.applyFromPeer(message.update);
          return this.persistence.hold(room, from, message.seq, message.update);
        case "stored":
          return this.persistence.release(room, from, message.throughSeq);
        case "awareness":
          return room.applyAwarenessFromPeer(message.update);
        case "sync-request":
          room.applyAwarenessFromPeer(message.awareness);
          return this.send(nodeTopic(from), {
            kind: "sync-reply",
            boardId: room.boardId,
            update: Y.encodeStateAsUpdate(room.doc, message.stateVector),
            stateVector: Y.encodeStateVector(room.doc),
            awareness: room.encodeAllAwareness(),
          });
        case "sync-reply": {
          room.applyFromPeer(message.update);
          // What we lacked may be what a dead peer never stored.
          if (!isEmptyUpdate(message.update)) this.persistence.hold(room, from, 0, message.update);
          room.applyAwarenessFromPeer(message.awareness);
          const theyLack = Y.encodeStateAsUpdate(room.doc, message.stateVector);
          if (!isEmptyUpdate(theyLack)) this.send(nodeTopic(from), { kind: "update", boardId: room.boardId, update: theyLack, seq: 0 });
          return;
        }
      }
    } catch (err) {
      // Peers are our own processes; a message Yjs refuses is a bug to log, never a reason to stop.
      this.log.error({ err, boardId: room.boardId, kind: message.kind, from }, "bus: peer message rejected");
    }
  }

  private send(topic: string, message: PeerMessage): void {
    this.bus.publish(topic, encodePeerMessage(message));
  }

  private decode(payload: Uint8Array): PeerMessage | null {
    try {
      return decodePeerMessage(payload);
    } catch (err) {
      this.log.error({ err, bytes: payload.length }, "bus: malformed peer message dropped");
      return null;
    }
  }
}
