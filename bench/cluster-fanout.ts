/**
 * Distributed mode, fan-out (2 processes on one Postgres + Redis):
 *
 * 1. Latency. Board A: 100 sockets on process 1 (within one process, as
 *    fanout-latency.ts measures, but with the Redis publish in the path).
 *    Board B: 5 sockets on process 1 (the writers) and 95 on process 2, so an
 *    update crosses Redis to reach the 95. 1 then 5 writers, 10 updates/s each,
 *    alternating rounds as in fanout-latency.ts; one generator process per board.
 *
 * 2. Throughput, 2 processes vs 1 (see lib/fanout-throughput.ts for how it is
 *    measured): the fan-out workload above (boards of 100 sockets, 5 writers)
 *    at 30 updates/s per writer, whose ratio is the target; the same at the
 *    latency part's 10/s, where each process idles most of the time and its
 *    fixed costs per wake-up weigh more; and small boards (24 sockets, 2
 *    writers at 50/s), where the per-update work every process repeats does.
 */
import { pathToFileURL } from "node:url";
import { log, machine, percentiles, publish, row, round, type Row } from "./lib/report.js";
import { ensureBuild } from "./lib/spawn-server.js";
import { loadAverage, startCluster } from "./lib/cluster.js";
import { forkWorker, type Worker } from "./lib/worker.js";
import { throughput, type Capacity, type Workload } from "./lib/fanout-throughput.js";

const SECONDS = Number(process.env.FANOUT_SECONDS ?? 20);
const ROUNDS = 2;
const THROUGHPUT_SECONDS = Number(process.env.THROUGHPUT_SECONDS ?? 15);
const PAIRS = Number(process.env.THROUGHPUT_PAIRS ?? 3);
/** The target applies to the fan-out workload under load; the others say how the ratio moves with load and board size. */
const WORKLOADS: [Workload, boolean][] = [
  [{ name: "fan-out workload, 30 updates/s per writer", rooms: 2, sockets: 100, writers: 5, rate: 30 }, true],
  [{ name: "fan-out workload, 10 updates/s per writer", rooms: 2, sockets: 100, writers: 5, rate: 10 }, false],
  [{ name: "small boards", rooms: 4, sockets: 24, writers: 2, rate: 50 }, false],
];

interface PhaseResult {
  writers: number;
  sent: number;
  expected: number;
  latencies: number[];
  closed: string[];
}

async function latency(): Promise<{ rows: Row[]; notes: string[] }> {
  const cluster = await startCluster(2);
  const [p1, p2] = cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];
  const gens: Worker[] = [];
  try {
    const a = await p1.createRoom("one-process");
    const b = await p1.createRoom("across");
    const one = forkWorker(new URL("./workers/fanout-clients.ts", import.meta.url));
    const across = forkWorker(new URL("./workers/fanout-clients.ts", import.meta.url));
    gens.push(one, across);
    await one.call("connect", { url: p1.roomUrl(a.room, a.token), count: 100 });
    await across.call("connect", { url: p1.roomUrl(b.room, b.token), count: 5 });
    await across.call("connect", { url: p2.roomUrl(b.room, b.token), count: 95 });
    for (const g of gens) await g.call("phase", { writers: 1, seconds: 3, perSecond: 10 }); // warm-up
    const results = new Map<string, PhaseResult[]>();
    const loads: string[] = [];
    for (const writers of [1, 5]) {
      for (let r = 0; r < ROUNDS; r++) {
        const order: [string, Worker][] = r % 2 === 0 ? [["one", one], ["across", across]] : [["across", across], ["one", one]];
        for (const [name, g] of order) {
          const res = await g.call<PhaseResult>("phase", { writers, seconds: SECONDS / ROUNDS, perSecond: 10 });
          const p = percentiles(res.latencies);
          loads.push(loadAverage());
          log(`${name}: ${writers} writer(s) round ${r + 1}: p50 ${p.p50.toFixed(2)} p95 ${p.p95.toFixed(2)} ms, ${res.latencies.length}/${res.expected}, load ${loadAverage()}`);
          const key = `${name}/${writers}`;
          results.set(key, [...(results.get(key) ?? []), res]);
        }
      }
    }
    const rows: Row[] = [];
    const closed: string[] = [];
    for (const writers of [1, 5]) {
      const pool = (name: string) => {
        const rs = results.get(`${name}/${writers}`)!;
        closed.push(...rs.flatMap((x) => x.closed));
        return { ...percentiles(rs.flatMap((x) => x.latencies)), got: rs.reduce((s, x) => s + x.latencies.length, 0), expected: rs.reduce((s, x) => s + x.expected, 0) };
      };
      const [o, x] = [pool("one"), pool("across")];
      const label = `${writers} writer${writers > 1 ? "s" : ""}`;
      rows.push(row(`${label}: p50, across processes | one process`, x.p50, o.p50, "ms"));
      rows.push(row(`${label}: p95, across processes | one process`, x.p95, o.p95, "ms", { text: "across ≤ 10 ms", met: x.p95 <= 10 }));
      rows.push(row(`${label}: p99, across processes | one process`, x.p99, o.p99, "ms"));
      rows.push(row(`${label}: delivered, across | one`, `${x.got}/${x.expected}`, `${o.got}/${o.expected}`, "frames"));
    }
    return {
      rows,
      notes: [
        `latency: "ours" column = board whose writers are on process 1 and 95 of 100 receivers on process 2 (through Redis pub/sub); "reference" column = 100 sockets on process 1 alone. ${SECONDS} s per writer count and layout in ${ROUNDS} alternating rounds, 10 updates/s per writer`,
        `with 5 writers, the 4 other writers are receivers on process 1 too (4 of 99 receivers do not cross)`,
        closed.length ? `sockets closed: ${closed.join("; ")}` : "no socket was closed during the run",
        `load average (1/5/15 min) after each round: ${loads.join(" | ")}`,
      ],
    };
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await cluster.stop();
  }
}

export async function main(): Promise<void> {
  ensureBuild();
  const parts = (process.env.FANOUT_PARTS ?? "latency,throughput").split(",");
  const lat = parts.includes("latency") ? await latency() : { rows: [], notes: [] };
  if (!parts.includes("throughput")) return publish({ bench: "cluster-fanout", rows: lat.rows, notes: [...lat.notes, machine()] });
  const rows: Row[] = [...lat.rows];
  const notes: string[] = [...lat.notes];
  for (const [w, target] of WORKLOADS) {
    // Pairs in alternating order (1 2, 2 1, 1 2…), so a drift in the machine's load hits both alike; the median pair is reported.
    const pairs: { single: Capacity; double: Capacity }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const first = await throughput(w, i % 2 === 0 ? 1 : 2, THROUGHPUT_SECONDS);
      const second = await throughput(w, i % 2 === 0 ? 2 : 1, THROUGHPUT_SECONDS);
      pairs.push(first.processes === 1 ? { single: first, double: second } : { single: second, double: first });
    }
    const ratios = pairs.map((p) => p.double.capacity / p.single.capacity);
    const { single, double } = pairs[ratios.indexOf([...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!)]!;
    rows.push(...capacityRows(w, single, double, target));
    notes.push(
      `${w.name}: ${w.rooms} boards × ${w.sockets} sockets, ${w.writers} writers per board at ${w.rate} updates/s each, ${THROUGHPUT_SECONDS} s; ratio 2 : 1 in each of ${PAIRS} pairs: ${ratios.map((r) => round(r, 2)).join(", ")} (median shown); CPU per process (user + system) in that pair: 1 → ${cores(single.cpuShares)}, 2 → ${cores(double.cpuShares)}; load average at the end: ${single.load} | ${double.load}`,
    );
  }
  notes.push("capacity = deliveries/s ÷ CPU share of the busiest server process (Redis's own CPU not counted)", machine());
  publish({ bench: "cluster-fanout", rows, notes });
}

const cores = (shares: number[]) => shares.map((c) => round(c, 3)).join(" + ");

function capacityRows(w: Workload, single: Capacity, double: Capacity, target: boolean): Row[] {
  const ratio = double.capacity / single.capacity;
  return [
    row(`${w.name}: capacity, 2 processes | 1 process`, double.capacity, single.capacity, "deliveries/s per core", target ? { text: "≥ 1.6×", met: ratio >= 1.6 } : undefined),
    row(`${w.name}: capacity counting user CPU only, 2 | 1`, double.userCapacity, single.userCapacity, "deliveries/s per core"),
    row(`${w.name}: CPU of the busiest server process, 2 | 1`, Math.max(...double.cpuShares), Math.max(...single.cpuShares), "cores"),
    row(`${w.name}: delivered, 2 | 1`, double.delivered, single.delivered, "frames"),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
