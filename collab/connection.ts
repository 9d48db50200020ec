import { CloseCode } from "./close-codes.js";
import type { ConnectionLimits } from "./limits.js";
import { MalformedFrameError } from "./protocol/errors.js";
import { decodeClientFrame, type ClientFrame } from "./protocol/messages.js";
import { validateAwarenessUpdate, validateStateVector, validateUpdate } from "./protocol/validate-update.js";
import type { Room } from "./room.js";
import type { Transport } from "./transport.js";

export type Role = "edit" | "view";

/** What the server learned from the socket's token. */
export interface Access {
  boardId: string;
  role: Role;
  /** The share link the token belongs to, so revoking it can find this socket. */
  linkId: string;
}

/**
 * One client socket. Frames are accepted from the first moment (the listener is
 * attached before any await) and queued until the room has loaded, then
 * replayed in order: a client can never observe a half-loaded board.
 *
 * Kept deliberately small: thousands of these live per process.
 */
export class Connection {
  state: "pending" | "open" | "closed" = "pending";
  room: Room | null = null;
  access: Access | null = null;
  /** Presence (awareness client) ids this socket owns, removed when it leaves (see PresenceOwners). */
  readonly presenceIds = new Set<number>();
  /** Ids it has claimed in its life, released ones included. */
  presenceClaims = 0;
  /** Cleared by the heartbeat, set by a pong. */
  alive = true;
  private queue: Uint8Array[] | null = [];
  private queuedBytes = 0;
  private tokens: number;
  private refilledAt = performance.now();

  constructor(
    readonly transport: Transport,
    private readonly limits: ConnectionLimits,
    private readonly onClose: (conn: Connection) => void,
  ) {
    this.tokens = limits.messageBurst;
  }

  get role(): Role | null {
    return this.access?.role ?? null;
  }

  /** Entry point for every frame from the network. */
  receive(data: Uint8Array, isBinary = true): void {
    if (this.state === "closed") return;
    if (!isBinary) return this.close(CloseCode.MalformedFrame, "text frames are not part of the protocol");
    if (!this.takeToken()) return this.close(CloseCode.RateLimited, "message rate limit exceeded");
    if (this.queue) {
      this.queuedBytes += data.length;
      if (this.queuedBytes > this.limits.maxQueuedBytes) return this.close(CloseCode.MalformedFrame, "too much data before the board loaded");
      this.queue.push(data);
      return;
    }
    this.process(data);
  }

  /** Called once the room is loaded and this socket admitted: replays what arrived meanwhile. */
  open(room: Room, access: Access): void {
    if (this.state !== "pending") return;
    this.state = "open";
    this.room = room;
    this.access = access;
    room.greet(this);
    const queued = this.queue ?? [];
    this.queue = null;
    this.queuedBytes = 0;
    for (const data of queued) {
      if (this.state !== "open") break;
      this.process(data);
    }
  }

  send(data: Uint8Array): void {
    if (this.state !== "open") return;
    if (this.transport.bufferedAmount > this.limits.maxBufferedBytes) return this.abort(CloseCode.SlowConsumer);
    this.transport.send(data);
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.transport.close(code, reason);
    this.closed();
  }

  /** A client that does not read gets no closing handshake: it would queue behind what it has not read, for the close timeout. */
  private abort(code: number): void {
    if (this.state === "closed") return;
    this.transport.abort(code);
    this.closed();
  }

  /** The socket is gone (closed by either side): leave the room once. */
  closed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.queue = null;
    this.onClose(this);
  }

  private process(data: Uint8Array): void {
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(data);
      this.validate(frame);
    } catch (err) {
      return this.close(CloseCode.MalformedFrame, reasonOf(err));
    }
    try {
      this.room!.receive(this, frame);
    } catch (err) {
      // Yjs rejected something our validator let through; the sender goes, the room stays.
      this.close(CloseCode.MalformedFrame, reasonOf(err));
    }
  }

  private validate(frame: ClientFrame): void {
    switch (frame.kind) {
      case "sync-step1":
        return validateStateVector(frame.stateVector);
      case "sync-step2":
      case "sync-update":
        return validateUpdate(frame.update);
      case "awareness":
        validateAwarenessUpdate(frame.update, { maxStateBytes: this.limits.maxAwarenessStateBytes, maxClients: this.room!.presenceFrameLimit() });
        return;
      case "query-awareness":
        return;
      default:
        return assertNever(frame);
    }
  }

  private takeToken(): boolean {
    const now = performance.now();
    const { messagesPerSecond, messageBurst } = this.limits;
    this.tokens = Math.min(messageBurst, this.tokens + ((now - this.refilledAt) / 1000) * messagesPerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function reasonOf(err: unknown): string {
  const message = err instanceof MalformedFrameError ? err.message : `rejected update: ${(err as Error)?.message ?? err}`;
  // close reasons are limited to 123 bytes by the WebSocket spec
  return message.slice(0, 120);
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
