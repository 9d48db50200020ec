import * as Y from "yjs";
import type { Bus } from "./bus.js";
import { decodePeerMessage, encodePeerMessage, type PeerMessage } from "./fanout-messages.js";
import { isEmptyUpdate, type Room } from "./room.js";
import type { LogSink } from "./update-log.js";

const boardTopic = (boardId: string) => `board:${boardId}`;
const nodeTopic = (nodeId: string) => `node:${nodeId}`;

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
 */
export class Fanout {
  constructor(
    private readonly bus: Bus,
    private readonly roomOf: (boardId: string) => Room | undefined,
    private readonly log: LogSink,
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

  publishUpdate(room: Room, update: Uint8Array): void {
    this.send(boardTopic(room.boardId), { kind: "update", boardId: room.boardId, update });
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
          return room.applyFromPeer(message.update);
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
          room.applyAwarenessFromPeer(message.awareness);
          const theyLack = Y.encodeStateAsUpdate(room.doc, message.stateVector);
          if (!isEmptyUpdate(theyLack)) this.send(nodeTopic(from), { kind: "update", boardId: room.boardId, update: theyLack });
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
