/**
 * Fan-out latency: 100 sockets in one room; 1 writer, then 5 writers, each
 * sending 10 small updates/s (one ~280-byte record) for FANOUT_SECONDS (20) in
 * total. Latency = arrival at a receiver − send time, measured in one generator
 * process per server (same clock), over every receiver (99 per update).
 *
 * Both servers run side by side (each with its own generator process) and are
 * measured in alternating rounds (ours, reference, reference, ours), so slow
 * drifts in the machine's background load hit both alike; a server and its
 * sockets sit idle while the other is measured.
 */
import { pathToFileURL } from "node:url";
import { log, machine, percentiles, publish, row, type Row } from "./lib/report.js";
import { ensureBuild, procKb, startGenboard, startReference, type ServerHandle } from "./lib/spawn-server.js";
import { forkWorker, type Worker } from "./lib/worker.js";

const CLIENTS = 100;
const SECONDS = Number(process.env.FANOUT_SECONDS ?? 20);
const ROUNDS = 2;
const PER_SECOND = 10;
const WRITER_COUNTS = [1, 5];

interface PhaseResult {
  writers: number;
  sent: number;
  expected: number;
  stale: number;
  closed: string[];
  latencies: number[];
}

interface Side {
  server: ServerHandle;
  gen: Worker;
  /** writers → pooled results of every round */
  runs: Map<number, PhaseResult[]>;
}

async function side(server: ServerHandle): Promise<Side> {
  const { room, token } = await server.createRoom("fanout");
  const gen = forkWorker(new URL("./workers/fanout-clients.ts", import.meta.url));
  await gen.call("connect", { url: server.roomUrl(room, token), count: CLIENTS });
  await gen.call("phase", { writers: 1, seconds: 3, perSecond: PER_SECOND }); // warm-up, discarded
  return { server, gen, runs: new Map() };
}

function summary(results: PhaseResult[]) {
  const latencies = results.flatMap((r) => r.latencies);
  const expected = results.reduce((s, r) => s + r.expected, 0);
  return { ...percentiles(latencies), received: latencies.length, expected, closed: results.flatMap((r) => r.closed) };
}

export async function main(): Promise<void> {
  ensureBuild();
  const servers = [await startGenboard(), await startReference()];
  const sides: Side[] = [];
  try {
    for (const s of servers) sides.push(await side(s));
    for (const writers of WRITER_COUNTS) {
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const s of order) {
          const r = await s.gen.call<PhaseResult>("phase", { writers, seconds: SECONDS / ROUNDS, perSecond: PER_SECOND });
          const p = percentiles(r.latencies);
          log(`${s.server.name}: ${writers} writer(s), round ${round + 1}: p50 ${p.p50.toFixed(2)} p95 ${p.p95.toFixed(2)} p99 ${p.p99.toFixed(2)} ms, ${r.latencies.length}/${r.expected} delivered`);
          s.runs.set(writers, [...(s.runs.get(writers) ?? []), r]);
        }
      }
    }
    const [o, r] = sides as [Side, Side];
    const rssO = procKb(o.server.pid);
    const rssR = procKb(r.server.pid);
    const rows: Row[] = [];
    const closed: string[] = [];
    for (const writers of WRITER_COUNTS) {
      const so = summary(o.runs.get(writers)!);
      const sr = summary(r.runs.get(writers)!);
      closed.push(...so.closed, ...sr.closed);
      const label = `${writers} writer${writers > 1 ? "s" : ""}`;
      rows.push(row(`${label}: p50`, so.p50, sr.p50, "ms"));
      rows.push(row(`${label}: p95`, so.p95, sr.p95, "ms", { text: "≤ reference p95", met: so.p95 <= sr.p95 }));
      rows.push(row(`${label}: p99`, so.p99, sr.p99, "ms"));
      rows.push(row(`${label}: max`, so.max, sr.max, "ms"));
      rows.push(row(`${label}: delivered`, `${so.received}/${so.expected}`, `${sr.received}/${sr.expected}`, "frames"));
    }
    publish({
      bench: "fanout-latency",
      rows,
      notes: [
        `${CLIENTS} sockets in one room, ${PER_SECOND} updates/s per writer, ${SECONDS} s per writer count and server (${ROUNDS} alternating rounds of ${SECONDS / ROUNDS} s) after a 3 s warm-up; latencies over every receiving socket`,
        `server RSS at the end: ours ${(rssO / 1024).toFixed(0)} MiB, reference ${(rssR / 1024).toFixed(0)} MiB`,
        closed.length ? `sockets closed during the run: ${closed.join("; ")}` : "no socket was closed during the run",
        machine(),
      ],
    });
  } finally {
    await Promise.all(sides.map((s) => s.gen.stop()));
    await Promise.all(servers.map((s) => s.stop()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
