/**
 * Soak (the audit's leak test, shortened): SOCKETS sockets churning against one
 * server process for DURATION — each connects to one of ROOMS boards, syncs,
 * publishes presence, makes an edit a second, and leaves after 2–6 s, when a
 * new socket takes its place. A leak per connection or per edit shows up as
 * growth between two quiet points: after the warm-up and at the end.
 *
 * At each of those points the churn pauses: every socket closes, 3 s pass,
 * the server runs full GCs (SIGUSR2 → bench/lib/gc-hook.cjs), and we read its
 * resident memory (/proc, median of 9 readings) and, from its /metrics, the
 * libuv handles and the active timers (`nodejs_active_handles_total`,
 * `nodejs_active_resources{type="Timeout"}`). Measuring with no socket open
 * compares like with like: with 500 open sockets the handle count is mostly
 * those sockets, and varies with where the churn happens to be.
 *
 *   npm run bench:soak                                   # 10 minutes, 500 sockets
 *   npm run bench:soak -- --duration 90 --warmup 30      # a short run
 */
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { loadavg } from "node:os";
import * as Y from "yjs";
import { Awareness, encodeAwarenessUpdate } from "y-protocols/awareness";
import { log, machine, publish, row } from "./lib/report.js";
import { RawClient, updateFrame } from "./lib/raw-client.js";
import { ensureBuild, forceGc, settledRssKb, startGenboard, type ServerHandle } from "./lib/spawn-server.js";
import { metricValue, parseMetrics } from "../tests/helpers/metrics.js";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "600" },
    warmup: { type: "string", default: "60" },
    sockets: { type: "string", default: "500" },
    rooms: { type: "string", default: "50" },
  },
});
const DURATION_S = Number(flags.duration);
const WARMUP_S = Number(flags.warmup);
const SOCKETS = Number(flags.sockets);
const ROOMS = Number(flags.rooms);
const TOLERANCE = 0.1;

interface Point {
  rssKb: number;
  heapUsedMb: number;
  handles: number;
  timers: number;
  sockets: number;
  rooms: number;
}

/** Keeps SOCKETS sockets alive, each living 2–6 s; a closed one is replaced at once while running. */
class Churn {
  private running = false;
  private readonly live = new Set<RawClient>();
  connects = 0;
  edits = 0;
  failures = 0;
  readonly closeCodes = new Map<number, number>();
  private seq = 0;

  constructor(private readonly urls: string[]) {}

  start(): void {
    this.running = true;
    while (this.live.size < SOCKETS) this.spawn();
  }

  /** Stops replacing sockets and closes every one; resolves when all are closed. */
  async pause(): Promise<void> {
    this.running = false;
    await Promise.all([...this.live].map((c) => c.close()));
  }

  private spawn(): void {
    const n = this.seq++;
    const client = new RawClient(this.urls[n % this.urls.length]!);
    this.live.add(client);
    this.connects += 1;
    // A client of its own: a fresh Yjs client id per socket, as each browser tab has.
    const doc = new Y.Doc();
    const records = doc.getMap<Record<string, unknown>>("records");
    doc.on("update", (update: Uint8Array) => client.send(updateFrame(update)));
    const timers: NodeJS.Timeout[] = [];
    client.synced
      .then(() => {
        const awareness = new Awareness(doc);
        awareness.setLocalState({ user: { name: `soak ${n}`, color: "#3366ff" }, cursor: { x: n % 1000, y: 0 } });
        client.send(awarenessFrame(encodeAwarenessUpdate(awareness, [doc.clientID])));
        awareness.destroy();
        const edit = () => {
          // Twenty slots per board, overwritten: the document stays small, so memory growth is ours, not the board's.
          const slot = `shape:soak${n % 20}`;
          records.set(slot, { id: slot, typeName: "shape", type: "geo", x: n, y: this.edits % 1000, props: { w: 100, h: 100 } });
          this.edits += 1;
        };
        edit();
        timers.push(setInterval(edit, 1000));
        timers.push(setTimeout(() => void client.close(), 2000 + Math.random() * 4000));
      })
      .catch(() => {});
    void client.closed.then((code) => {
      for (const t of timers) clearTimeout(t);
      doc.destroy();
      this.live.delete(client);
      this.closeCodes.set(code, (this.closeCodes.get(code) ?? 0) + 1);
      // Sockets still connecting when a pause closes them end with 1006 by our own hand: not the server's doing.
      const pausedWhileConnecting = !this.running && client.openedAt === 0;
      if (code !== 1000 && code !== 1005 && !pausedWhileConnecting) this.failures += 1;
      if (this.running) this.spawn();
    });
  }
}

function awarenessFrame(update: Uint8Array): Uint8Array {
  const out = new Uint8Array(update.length + 5);
  let i = 0;
  out[i++] = 1; // awareness message
  let len = update.length;
  while (len > 0x7f) {
    out[i++] = (len & 0x7f) | 0x80;
    len >>>= 7;
  }
  out[i++] = len;
  out.set(update, i);
  return out.subarray(0, i + update.length);
}

async function measure(server: ServerHandle, base: string, churn: Churn, label: string): Promise<Point> {
  await churn.pause();
  await sleep(3000);
  const mem = await forceGc(server);
  const rssKb = await settledRssKb(server.pid);
  const samples = parseMetrics(await (await fetch(`${base}/metrics`)).text());
  const point: Point = {
    rssKb,
    heapUsedMb: Math.round((mem.heapUsed / 1048576) * 10) / 10,
    handles: metricValue(samples, "nodejs_active_handles_total"),
    timers: metricValue(samples, "nodejs_active_resources", { type: "Timeout" }),
    sockets: metricValue(samples, "genboard_sockets_open"),
    rooms: metricValue(samples, "genboard_rooms_loaded"),
  };
  log(`${label}: ${JSON.stringify(point)}; ${churn.connects} connects, ${churn.edits} edits so far`);
  return point;
}

const within = (end: number, start: number) => end <= start * (1 + TOLERANCE);

async function main() {
  ensureBuild();
  const server = await startGenboard();
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const urls: string[] = [];
    for (let i = 0; i < ROOMS; i++) {
      const { room, token } = await server.createRoom(`soak-${i}`);
      urls.push(server.roomUrl(room, token));
    }
    const churn = new Churn(urls);
    const load = [loadavg()];
    log(`soak: ${SOCKETS} sockets over ${ROOMS} boards for ${DURATION_S} s (warm-up ${WARMUP_S} s)`);
    churn.start();
    await sleep(WARMUP_S * 1000);
    const warm = await measure(server, base, churn, "after warm-up");
    const connectsAtWarm = churn.connects;
    const editsAtWarm = churn.edits;
    const soakStarted = Date.now();
    churn.start();
    const remaining = Math.max(0, DURATION_S - WARMUP_S) * 1000;
    while (Date.now() - soakStarted < remaining) {
      await sleep(Math.min(30_000, remaining - (Date.now() - soakStarted)));
      load.push(loadavg());
      log(`  ${Math.round((Date.now() - soakStarted) / 1000)} s: ${churn.connects} connects, ${churn.edits} edits, ${churn.failures} abnormal closes`);
    }
    const end = await measure(server, base, churn, "at the end");
    const soakedS = (Date.now() - soakStarted) / 1000;
    const verdict = (metric: keyof Point) => ({ text: `end ≤ warm-up + ${TOLERANCE * 100}%`, met: within(end[metric], warm[metric]) });
    publish({
      bench: "soak",
      rows: [
        row("resident memory, after warm-up → end", end.rssKb / 1024, warm.rssKb / 1024, "MiB", verdict("rssKb")),
        row("V8 heap used, after warm-up → end", end.heapUsedMb, warm.heapUsedMb, "MiB"),
        row("active libuv handles, after warm-up → end", end.handles, warm.handles, "", verdict("handles")),
        row("active timers, after warm-up → end", end.timers, warm.timers, "", verdict("timers")),
        row("connects during the soak", churn.connects - connectsAtWarm, "", "", undefined),
        row("edits during the soak", churn.edits - editsAtWarm, "", "", undefined),
        row("connects per second", Math.round((churn.connects - connectsAtWarm) / soakedS), "", "/s", undefined),
        row("abnormal closes (not 1000/1005)", churn.failures, "", "", { text: "0", met: churn.failures === 0 }),
      ],
      notes: [
        `"reference" is the reading after warm-up; "ours" the reading at the end. Both with every socket closed for 3 s and after full GCs.`,
        `${SOCKETS} sockets over ${ROOMS} boards, ${DURATION_S} s in all (warm-up ${WARMUP_S} s); lifetimes 2–6 s, an edit a second, presence once per socket.`,
        `close codes: ${JSON.stringify(Object.fromEntries(churn.closeCodes))}; sockets/rooms at the end: ${end.sockets}/${end.rooms}.`,
        `load average (1/5/15 min) at start and every 30 s: ${load.map((l) => l.map((x) => x.toFixed(1)).join("/")).join(", ")}`,
        `machine: ${machine()}`,
      ],
    });
  } finally {
    await server.stop();
  }
}

await main();
