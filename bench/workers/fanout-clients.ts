/**
 * Load generator for fanout-latency: N sockets in one room; the first W of them
 * write one record 10×/s each (their own key, overwritten each time, as dragging
 * a shape does). Every other socket, writers included, timestamps arrival.
 * One process, so send and receive times share performance.now().
 */
import * as Y from "yjs";
import { RawClient, updateFrame, within } from "../lib/raw-client.js";
import { RECORDS, shapeRecord, stampOf } from "../lib/records.js";
import { serve } from "../lib/worker.js";

interface PhaseArg {
  writers: number;
  seconds: number;
  perSecond: number;
}

const clients: RawClient[] = [];
let current: { phase: string; latencies: number[]; sent: number; stale: number } | null = null;

serve({
  async connect({ url, count }: { url: string; count: number }) {
    for (let i = 0; i < count; i++) {
      const me = clients.length; // index over every connect call: writers are the first clients overall
      clients.push(
        new RawClient(url, {
          onMessage: (m, at) => {
            if (m.kind !== "update" || !current) return;
            const stamp = stampOf(m.data);
            if (!stamp || stamp.writer === me) return; // the reference echoes a writer's update back to it
            if (stamp.phase !== current.phase) current.stale += 1;
            else current.latencies.push(at - stamp.sentAt);
          },
        }),
      );
    }
    await within(Promise.all(clients.map((c) => c.synced)), 60_000, "fan-out clients sync");
    return { connected: clients.length };
  },

  async phase({ writers, seconds, perSecond }: PhaseArg) {
    const phase = `w${writers}-${Date.now()}`;
    const run = (current = { phase, latencies: [], sent: 0, stale: 0 });
    const intervalMs = 1000 / perSecond;
    const docs = Array.from({ length: writers }, (_, w) => {
      const doc = new Y.Doc();
      doc.on("update", (u: Uint8Array) => clients[w]!.send(updateFrame(u)));
      return doc;
    });
    let seq = 0;
    const timers: NodeJS.Timeout[] = [];
    const stagger: NodeJS.Timeout[] = [];
    docs.forEach((doc, w) => {
      const tick = () => {
        if (!clients[w]!.isOpen) return;
        const n = ++seq;
        // A key per writer and phase: a fresh doc writing an existing key would race the old
        // value, and the loser's content never reaches receivers.
        const id = `shape:${phase}-writer${w}`;
        doc.getMap(RECORDS).set(id, shapeRecord(id, n, { writer: w, phase, sentAt: performance.now() }));
        run.sent += 1;
      };
      // Spread the writers evenly over the interval.
      stagger.push(setTimeout(() => timers.push(setInterval(tick, intervalMs)), (w * intervalMs) / writers));
    });
    await new Promise((r) => setTimeout(r, seconds * 1000));
    stagger.forEach(clearTimeout);
    timers.forEach(clearInterval);
    await new Promise((r) => setTimeout(r, 1500)); // stragglers
    current = null;
    const closed = clients.filter((c) => !c.isOpen).map((c) => `${c.closeCode} ${c.closeReason}`);
    const receivers = clients.length - 1;
    return { writers, sent: run.sent, expected: run.sent * receivers, stale: run.stale, closed, latencies: run.latencies };
  },

  async closeAll() {
    await Promise.all(clients.map((c) => c.close()));
    clients.length = 0;
  },
});
