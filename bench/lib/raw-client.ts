/**
 * A y-websocket client without a Y.Doc: it speaks the wire format by hand with
 * lib0, so thousands fit in one load-generator process.
 *
 *   frame = varuint type (0 sync | 1 awareness), payload
 *   sync  = varuint step (0 step1 | 1 step2 | 2 update), varUint8Array data
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";

/** State vector and update of an empty document. */
export const EMPTY_STATE_VECTOR = new Uint8Array([0]);
export const EMPTY_UPDATE = new Uint8Array([0, 0]);

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

const syncFrame = (step: number, data: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, step);
    encoding.writeVarUint8Array(e, data);
  });

export const syncStep1Frame = (stateVector: Uint8Array = EMPTY_STATE_VECTOR) => syncFrame(0, stateVector);
export const syncStep2Frame = (update: Uint8Array) => syncFrame(1, update);
export const updateFrame = (update: Uint8Array) => syncFrame(2, update);

/** One awareness entry (clientID, clock, JSON state), as y-protocols/awareness encodes it. */
export function awarenessFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  const update = frame((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  });
  return frame((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, update);
  });
}

export type ServerMessage =
  | { kind: "step1" | "step2" | "update"; data: Uint8Array }
  | { kind: "awareness"; data: Uint8Array }
  | { kind: "other" };

export function decodeServerFrame(buf: Uint8Array): ServerMessage {
  try {
    const d = decoding.createDecoder(buf);
    const type = decoding.readVarUint(d);
    if (type === 1) return { kind: "awareness", data: decoding.readVarUint8Array(d) };
    if (type !== 0) return { kind: "other" };
    const step = decoding.readVarUint(d);
    const data = decoding.readVarUint8Array(d);
    if (step === 0) return { kind: "step1", data };
    if (step === 1) return { kind: "step2", data };
    if (step === 2) return { kind: "update", data };
  } catch {
    // fall through
  }
  return { kind: "other" };
}

export interface RawClientOptions {
  /** Called for every frame with its arrival time (performance.now()). */
  onMessage?: (msg: ServerMessage, at: number, bytes: number) => void;
  /** Send our step1 (empty state vector) as soon as the socket opens (default true). */
  sendStep1?: boolean;
}

/**
 * One socket. Answers the server's step1 with an empty step2 (we have nothing
 * the server lacks), and counts as synced when the server's step2 arrives.
 */
export class RawClient {
  readonly ws: WebSocket;
  readonly startedAt = performance.now();
  openedAt = 0;
  syncedAt = 0;
  closeCode: number | null = null;
  closeReason = "";
  readonly opened: Promise<void>;
  readonly synced: Promise<void>;
  readonly closed: Promise<number>;

  constructor(url: string, opts: RawClientOptions = {}) {
    const ws = (this.ws = new WebSocket(url, { perMessageDeflate: false }));
    let markSynced!: () => void;
    let failSynced!: (err: Error) => void;
    this.synced = new Promise((res, rej) => ((markSynced = res), (failSynced = rej)));
    this.synced.catch(() => {});
    this.opened = new Promise((res, rej) => {
      ws.once("open", () => {
        this.openedAt = performance.now();
        if (opts.sendStep1 !== false) ws.send(syncStep1Frame());
        res();
      });
      ws.once("error", rej);
    });
    this.opened.catch(() => {});
    ws.on("error", () => {});
    this.closed = new Promise((res) =>
      ws.once("close", (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        failSynced(new Error(`closed ${code} ${this.closeReason}`));
        res(code);
      }),
    );
    ws.on("message", (data: Buffer) => {
      const at = performance.now();
      const msg = decodeServerFrame(data);
      if (msg.kind === "step1") this.send(syncStep2Frame(EMPTY_UPDATE));
      else if (msg.kind === "step2" && this.syncedAt === 0) {
        this.syncedAt = at;
        markSynced();
      }
      opts.onMessage?.(msg, at, data.length);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  close(): Promise<number> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }
}

/** Rejects after `ms` unless `p` settles first. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms))),
  ]);
}
