/**
 * The attacker of hostile-input. Sends garbage frames from a few sockets, each
 * followed by a step1 probe: a server that keeps the socket answers the probe
 * (the frame was processed), one that drops it closes; then the socket
 * reconnects. This paces the attack at the server's own speed on both servers.
 *
 * Frame kinds (same seeded sequence for both servers):
 *   random     random bytes, half raw, half inside a sync-update header
 *   truncated  a real update (one record), cut short, as a sync update
 *   structs    sync update declaring ~31M structs in 7 bytes:
 *              [0, 2, varUint8Array([1, 0x80,0x80,0x80,0x0f, 0, 0])]
 */
import * as Y from "yjs";
import { RawClient, syncStep1Frame, updateFrame, within } from "../lib/raw-client.js";
import { RECORDS, shapeRecord } from "../lib/records.js";
import { serve } from "../lib/worker.js";

type Kind = "random" | "truncated" | "structs";
const STRUCTS_FRAME = new Uint8Array([0, 2, 7, 1, 0x80, 0x80, 0x80, 0x0f, 0, 0]);

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function realUpdate(n: number): Uint8Array {
  const doc = new Y.Doc();
  let update: Uint8Array = new Uint8Array();
  doc.on("update", (u: Uint8Array) => (update = u));
  doc.getMap(RECORDS).set(`shape:a${n}`, shapeRecord(`shape:a${n}`, n));
  return update;
}

function garbage(kind: Kind, rnd: () => number, n: number): Uint8Array {
  if (kind === "structs") return STRUCTS_FRAME;
  if (kind === "truncated") {
    const u = realUpdate(n);
    return updateFrame(u.subarray(0, 1 + Math.floor(rnd() * (u.length - 1))));
  }
  const bytes = new Uint8Array(1 + Math.floor(rnd() * 512));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
  return rnd() < 0.5 ? bytes : updateFrame(bytes);
}

/** An interleaved, seeded sequence: the `structs` frames are spread evenly. */
function plan(counts: Record<Kind, number>, seed: number): Kind[] {
  const rnd = mulberry32(seed);
  const small: Kind[] = [...Array<Kind>(counts.random).fill("random"), ...Array<Kind>(counts.truncated).fill("truncated")];
  for (let i = small.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [small[i], small[j]] = [small[j]!, small[i]!];
  }
  const every = Math.floor(small.length / (counts.structs + 1));
  const out: Kind[] = [];
  small.forEach((k, i) => {
    out.push(k);
    if (counts.structs && (i + 1) % every === 0 && out.filter((x) => x === "structs").length < counts.structs) out.push("structs");
  });
  return out;
}

interface AttackArg {
  url: string;
  counts: Record<Kind, number>;
  concurrency: number;
  deadlineMs: number;
  seed: number;
}

const open = new Set<RawClient>();

/** Connects and waits until the server answered our step1, i.e. the socket is admitted. */
async function connect(url: string, onMessage?: (kind: string, bytes: number) => void): Promise<RawClient> {
  const c = new RawClient(url, { onMessage: (m, _at, bytes) => onMessage?.(m.kind, bytes) });
  open.add(c);
  void c.closed.then(() => open.delete(c));
  await within(c.synced, 30_000, "attacker sync");
  return c;
}

async function attack({ url, counts, concurrency, deadlineMs, seed }: AttackArg) {
  const kinds = plan(counts, seed);
  const rnd = mulberry32(seed + 1);
  const deadline = performance.now() + deadlineMs;
  const stats = { sent: { random: 0, truncated: 0, structs: 0 } as Record<Kind, number>, closes: {} as Record<string, number>, connects: 0, probeAnswered: 0, timeouts: 0, connectFailures: 0, deadlineHit: false };
  let next = 0;
  const started = performance.now();

  async function lane(): Promise<void> {
    let c: RawClient | null = null;
    let answered: (() => void) | null = null;
    while (next < kinds.length) {
      if (performance.now() > deadline) {
        stats.deadlineHit = true;
        break;
      }
      if (!c || !c.isOpen) {
        try {
          c = await connect(url, (kind) => kind === "step2" && answered?.());
          stats.connects += 1;
        } catch {
          stats.connectFailures += 1;
          c = null;
          continue;
        }
        if (next >= kinds.length) break; // other lanes took the rest while we connected
      }
      const i = next++;
      const kind = kinds[i]!;
      const current: RawClient = c;
      const outcome = new Promise<string>((res) => {
        answered = () => res("answered");
        void current.closed.then((code) => res(`closed ${code}`));
      });
      current.send(garbage(kind, rnd, i));
      current.send(syncStep1Frame()); // the probe
      stats.sent[kind] += 1;
      const result = await within(outcome, 20_000, "probe").catch(() => "timeout");
      answered = null;
      if (result === "answered") stats.probeAnswered += 1;
      else if (result === "timeout") {
        stats.timeouts += 1;
        await current.close();
      } else stats.closes[result] = (stats.closes[result] ?? 0) + 1;
    }
    await c?.close();
  }

  await Promise.all(Array.from({ length: concurrency }, lane));
  return { ...stats, planned: kinds.length, ms: Math.round(performance.now() - started) };
}

serve({
  attack,

  /**
   * One sync update of `bytes` (a record holding one long string) from a fresh
   * socket, with a bystander in the same room watching what gets relayed.
   */
  async bigFrame({ url, bytes }: { url: string; bytes: number }) {
    let biggest = 0;
    const bystander = await connect(url, (_kind, size) => (biggest = Math.max(biggest, size)));
    const sender = await connect(url);
    const doc = new Y.Doc();
    let update: Uint8Array = new Uint8Array();
    doc.on("update", (u: Uint8Array) => (update = u));
    doc.getMap(RECORDS).set("shape:big", { ...shapeRecord("shape:big", 0), props: { text: "x".repeat(bytes) } });
    const frame = updateFrame(update);
    const t0 = performance.now();
    sender.send(frame);
    const senderClose = await Promise.race([sender.closed, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    const waitedMs = Math.round(performance.now() - t0);
    const result = {
      frameBytes: frame.length,
      senderClosed: senderClose === null ? null : `${senderClose} ${sender.closeReason}`,
      senderOpenAfterMs: senderClose === null ? waitedMs : null,
      bystanderLargestFrame: biggest,
      relayed: biggest >= bytes,
      bystanderOpen: bystander.isOpen,
    };
    await Promise.all([sender.close(), bystander.close()]);
    return result;
  },

  async closeAll() {
    await Promise.all([...open].map((c) => c.close()));
  },
});
