/**
 * Load generator for cold-load: writes a board of N records through the
 * protocol, and times new clients from `new WebSocket` to a step 2 holding them all.
 */
import * as Y from "yjs";
import { RawClient, syncStep1Frame, updateFrame, within } from "../lib/raw-client.js";
import { RECORDS, shapeRecord } from "../lib/records.js";
import { serve } from "../lib/worker.js";

let holder: RawClient | null = null;

/** Sends a step1 and resolves with the step2 it answers: everything sent before it was applied. */
function roundTrip(c: RawClient): Promise<Uint8Array> {
  return new Promise((res) => {
    const ws = c.ws;
    const onMessage = (data: Buffer) => {
      if (data[0] === 0 && data[1] === 1) {
        ws.off("message", onMessage);
        res(new Uint8Array(data));
      }
    };
    ws.on("message", onMessage);
    c.send(syncStep1Frame());
  });
}

function countRecords(step2Frame: Uint8Array): number {
  const doc = new Y.Doc();
  // frame = [0, 1, varUint8Array(update)]: skip the two type bytes and the length varuint.
  let pos = 2;
  while (step2Frame[pos]! & 0x80) pos++;
  Y.applyUpdate(doc, step2Frame.subarray(pos + 1));
  const n = doc.getMap(RECORDS).size;
  doc.destroy();
  return n;
}

interface PopulateArg {
  url: string;
  records: number;
  perUpdate: number;
  /** Keep the socket open afterwards, so the room stays in memory. */
  hold: boolean;
}

serve({
  async populate({ url, records, perUpdate, hold }: PopulateArg) {
    const c = new RawClient(url);
    await within(c.synced, 30_000, "populate sync");
    const doc = new Y.Doc();
    let bytes = 0;
    let updates = 0;
    doc.on("update", (u: Uint8Array) => {
      bytes += u.length;
      updates += 1;
      c.send(updateFrame(u));
    });
    const map = doc.getMap(RECORDS);
    for (let i = 0; i < records; i += perUpdate) {
      doc.transact(() => {
        for (let j = i; j < Math.min(records, i + perUpdate); j++) map.set(`shape:${j.toString().padStart(8, "0")}`, shapeRecord(`shape:${j}`, j));
      });
      // Stay well under the server's 200 messages/s limit.
      if (updates % 50 === 0) await new Promise((r) => setTimeout(r, 300));
    }
    const stored = countRecords(await within(roundTrip(c), 60_000, "populate round trip"));
    if (hold) holder = c;
    else await c.close();
    return { updates, bytes, stored };
  },

  /** One new client: connect → step1 → step2 with every record. */
  async load({ url, expect }: { url: string; expect: number }) {
    const started = performance.now();
    let step2: Uint8Array | null = null;
    let step2At = 0;
    const c = new RawClient(url, {
      onMessage: (m, at, _bytes) => {
        if (m.kind === "step2" && !step2) {
          step2 = m.data;
          step2At = at;
        }
      },
    });
    await within(c.synced, 30_000, "cold load");
    const openMs = c.openedAt - started;
    const ms = step2At - started;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, step2!);
    const records = doc.getMap(RECORDS).size;
    await c.close();
    if (records !== expect) throw new Error(`step 2 held ${records} records, expected ${expect}`);
    return { ms, openMs, bytes: (step2 as Uint8Array | null)?.length ?? 0, records };
  },

  async release() {
    await holder?.close();
    holder = null;
  },
});
