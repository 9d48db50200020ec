/**
 * The bystanders of hostile-input: a writer and a reader in a room of their
 * own. The writer sets one record 10×/s; the reader times each arrival. The
 * orchestrator names phases (warm-up, attack, big-frame, after) so latencies
 * can be told apart.
 */
import * as Y from "yjs";
import { RawClient, updateFrame, within } from "../lib/raw-client.js";
import { RECORDS, shapeRecord, stampOf } from "../lib/records.js";
import { percentiles } from "../lib/report.js";
import { serve } from "../lib/worker.js";

interface Bucket {
  sent: number;
  latencies: number[];
}

const buckets = new Map<string, Bucket>();
let phase = "start";
let writer: RawClient | null = null;
let reader: RawClient | null = null;
let timer: NodeJS.Timeout | null = null;

const bucket = (name: string) => buckets.get(name) ?? buckets.set(name, { sent: 0, latencies: [] }).get(name)!;

serve({
  async start({ url, perSecond }: { url: string; perSecond: number }) {
    reader = new RawClient(url, {
      onMessage: (m, at) => {
        if (m.kind !== "update") return;
        const stamp = stampOf(m.data);
        if (stamp) bucket(stamp.phase).latencies.push(at - stamp.sentAt);
      },
    });
    writer = new RawClient(url);
    await within(Promise.all([reader.synced, writer.synced]), 30_000, "honest clients sync");
    const doc = new Y.Doc();
    doc.on("update", (u: Uint8Array) => writer!.send(updateFrame(u)));
    let n = 0;
    timer = setInterval(() => {
      if (!writer!.isOpen) return;
      n += 1;
      bucket(phase).sent += 1;
      doc.getMap(RECORDS).set("shape:honest", shapeRecord("shape:honest", n, { writer: 0, phase, sentAt: performance.now() }));
    }, 1000 / perSecond);
  },

  phase(name: string) {
    phase = name;
  },

  async stop() {
    if (timer) clearInterval(timer);
    await new Promise((r) => setTimeout(r, 1500));
    const result = {
      phases: Object.fromEntries([...buckets].map(([name, b]) => [name, { sent: b.sent, received: b.latencies.length, ...percentiles(b.latencies) }])),
      writerClosed: writer?.closeCode ?? null,
      readerClosed: reader?.closeCode ?? null,
    };
    await Promise.all([writer?.close(), reader?.close()]);
    return result;
  },
});
