import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import type { Transport } from "../transport.js";

/** A socket stand-in that records what the room sends and how it was closed. */
export class MemoryTransport implements Transport {
  readonly sent: Uint8Array[] = [];
  closedWith: { code: number; reason: string } | null = null;
  bufferedAmount = 0;

  send(data: Uint8Array): void {
    this.sent.push(data);
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }

  abort(code: number): void {
    this.closedWith = { code, reason: "aborted" };
  }

  /** Sent frames as [messageType, syncType?] pairs, for asserting the order of the handshake. */
  kinds(): string[] {
    return this.sent.map((frame) => {
      const d = decoding.createDecoder(frame);
      const type = decoding.readVarUint(d);
      return type === 0 ? `sync-${decoding.readVarUint(d)}` : type === 1 ? "awareness" : `type-${type}`;
    });
  }

  /** Applies every sync step 2 / update frame received so far to a fresh doc. */
  replayInto(doc = new Y.Doc()): Y.Doc {
    for (const frame of this.sent) {
      const d = decoding.createDecoder(frame);
      if (decoding.readVarUint(d) !== 0) continue;
      if (decoding.readVarUint(d) === 0) continue;
      Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    }
    return doc;
  }
}
