/**
 * Fan-out latency: 100 sockets in one room; 1 writer, then 5 writers, each
 * sending 10 small updates/s (one ~280-byte record) for FANOUT_SECONDS (20).
 * Latency = arrival at a receiver − send time, measured in the one generator
 * process (same clock), over every receiver (99 per update).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { log, machine, publish, row, type Percentiles, type Row } from "./lib/report.js";
import { ensureBuild, procKb, startGenboard, startReference, type ServerHandle } from "./lib/spawn-server.js";
import { forkWorker } from "./lib/worker.js";

const CLIENTS = 100;
const SECONDS = Number(process.env.FANOUT_SECONDS ?? 20);
const PER_SECOND = 10;
const WRITER_COUNTS = [1, 5];

interface PhaseResult extends Percentiles {
  writers: number;
  sent: number;
  expected: number;
  received: number;
  stale: number;
  closed: string[];
}

async function measure(server: ServerHandle): Promise<{ phases: PhaseResult[]; rssKb: number }> {
  const { room, token } = await server.createRoom("fanout");
  const gen = forkWorker(new URL("./workers/fanout-clients.ts", import.meta.url));
  try {
    await gen.call("connect", { url: server.roomUrl(room, token), count: CLIENTS });
    await gen.call("phase", { writers: 1, seconds: 3, perSecond: PER_SECOND }); // warm-up, discarded
    const phases: PhaseResult[] = [];
    for (const writers of WRITER_COUNTS) {
      const r = await gen.call<PhaseResult>("phase", { writers, seconds: SECONDS, perSecond: PER_SECOND });
      log(`${server.name}: ${writers} writer(s): p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms, ${r.received}/${r.expected} delivered, sent ${r.sent}, stale ${r.stale}, closed ${r.closed.length} ${r.closed[0] ?? ""}`);
      phases.push(r);
    }
    const rssKb = procKb(server.pid);
    await gen.call("closeAll");
    return { phases, rssKb };
  } finally {
    await gen.stop();
  }
}

async function run(server: Promise<ServerHandle>) {
  const s = await server;
  try {
    await sleep(1000);
    return await measure(s);
  } finally {
    await s.stop();
  }
}

export async function main(): Promise<void> {
  ensureBuild();
  const ours = await run(startGenboard());
  const ref = await run(startReference());
  const rows: Row[] = [];
  WRITER_COUNTS.forEach((writers, i) => {
    const o = ours.phases[i]!;
    const r = ref.phases[i]!;
    const label = `${writers} writer${writers > 1 ? "s" : ""}`;
    rows.push(row(`${label}: p50`, o.p50, r.p50, "ms"));
    rows.push(row(`${label}: p95`, o.p95, r.p95, "ms", { text: "≤ reference p95", met: o.p95 <= r.p95 }));
    rows.push(row(`${label}: p99`, o.p99, r.p99, "ms"));
    rows.push(row(`${label}: max`, o.max, r.max, "ms"));
    rows.push(row(`${label}: delivered`, `${o.received}/${o.expected}`, `${r.received}/${r.expected}`, "frames"));
  });
  const closed = [...ours.phases, ...ref.phases].flatMap((p) => p.closed);
  publish({
    bench: "fanout-latency",
    rows,
    notes: [
      `${CLIENTS} sockets in one room, ${PER_SECOND} updates/s per writer, ${SECONDS} s per phase after a 3 s warm-up; latencies over every receiving socket`,
      `server RSS at the end: ours ${(ours.rssKb / 1024).toFixed(0)} MiB, reference ${(ref.rssKb / 1024).toFixed(0)} MiB`,
      closed.length ? `sockets closed during the run: ${closed.join("; ")}` : "no socket was closed during the run",
      machine(),
    ],
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
