/**
 * Distributed mode, fan-out (2 processes on one Postgres + Redis):
 *
 * 1. Latency. Board A: 100 sockets on process 1 (within one process, as
 *    fanout-latency.ts measures, but with the Redis publish in the path).
 *    Board B: 5 sockets on process 1 (the writers) and 95 on process 2, so an
 *    update crosses Redis to reach the 95. 1 then 5 writers, 10 updates/s each,
 *    alternating rounds as in fanout-latency.ts; one generator process per board.
 *
 * 2. Throughput, 2 processes vs 1. ROOMS boards × SOCKETS sockets, 2 writers per
 *    board at RATE updates/s each (a fixed offered load). With 1 process every
 *    socket is on it; with 2, every board's sockets are split half and half
 *    (every update crosses), writers of even boards on process 1, of odd boards
 *    on process 2. We measure each server process's CPU time over the phase
 *    and report capacity = deliveries per second ÷ CPU share of the busiest
 *    process: the rate at which that process would saturate one core. On a
 *    2-core machine shared with load generators and other people's work, driving
 *    both processes to saturation would measure the machine, not the design.
 */
import { pathToFileURL } from "node:url";
import { log, machine, percentiles, publish, row, round, type Row } from "./lib/report.js";
import { ensureBuild } from "./lib/spawn-server.js";
import { cpuSeconds, loadAverage, startCluster } from "./lib/cluster.js";
import { forkWorker, type Worker } from "./lib/worker.js";

const SECONDS = Number(process.env.FANOUT_SECONDS ?? 20);
const ROUNDS = 2;
const ROOMS = 4;
const SOCKETS = 24;
const RATE = Number(process.env.THROUGHPUT_RATE ?? 50);
const THROUGHPUT_SECONDS = Number(process.env.THROUGHPUT_SECONDS ?? 15);

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

interface Capacity {
  processes: number;
  deliveriesPerSecond: number;
  cpuShares: number[];
  capacity: number;
  delivered: string;
  load: string;
}

async function throughput(processes: 1 | 2): Promise<Capacity> {
  const cluster = await startCluster(processes);
  const gens: Worker[] = [];
  try {
    for (let room = 0; room < ROOMS; room++) {
      const { room: id, token } = await cluster.servers[0]!.createRoom(`throughput-${room}`);
      const g = forkWorker(new URL("./workers/fanout-clients.ts", import.meta.url));
      gens.push(g);
      // Writers are a generator's first sockets: they go on process (room % 2) first.
      const order = processes === 1 ? [cluster.servers[0]!] : room % 2 === 0 ? cluster.servers : [...cluster.servers].reverse();
      const share = SOCKETS / order.length;
      for (const server of order) await g.call("connect", { url: server.roomUrl(id, token), count: share });
    }
    await Promise.all(gens.map((g) => g.call("phase", { writers: 2, seconds: 3, perSecond: RATE }))); // warm-up
    const before = cluster.servers.map((s) => cpuSeconds(s.pid));
    const started = performance.now();
    const results = await Promise.all(gens.map((g) => g.call<PhaseResult>("phase", { writers: 2, seconds: THROUGHPUT_SECONDS, perSecond: RATE })));
    const wallS = (performance.now() - started) / 1000; // includes each phase's 1.5 s straggler wait, when the servers idle
    const cpuShares = cluster.servers.map((s, i) => (cpuSeconds(s.pid) - before[i]!) / wallS);
    const got = results.reduce((s, r) => s + r.latencies.length, 0);
    const expected = results.reduce((s, r) => s + r.expected, 0);
    const deliveriesPerSecond = got / wallS;
    const capacity = deliveriesPerSecond / Math.max(...cpuShares);
    log(`${processes} process(es): ${round(deliveriesPerSecond, 0)} deliveries/s, CPU ${cpuShares.map((c) => round(c, 3)).join(" + ")} cores, capacity ${round(capacity, 0)}/s, load ${loadAverage()}`);
    return { processes, deliveriesPerSecond, cpuShares, capacity, delivered: `${got}/${expected}`, load: loadAverage() };
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await cluster.stop();
  }
}

export async function main(): Promise<void> {
  ensureBuild();
  const lat = process.env.SKIP_LATENCY ? { rows: [], notes: [] } : await latency();
  const single = await throughput(1);
  const double = await throughput(2);
  const ratio = double.capacity / single.capacity;
  const rows: Row[] = [
    ...lat.rows,
    row("throughput capacity: 2 processes | 1 process", double.capacity, single.capacity, "deliveries/s", { text: "≥ 1.6×", met: ratio >= 1.6 }),
    row("CPU of the busiest server process: 2 | 1", Math.max(...double.cpuShares), Math.max(...single.cpuShares), "cores"),
    row("delivered: 2 | 1", double.delivered, single.delivered, "frames"),
  ];
  publish({
    bench: "cluster-fanout",
    rows,
    notes: [
      ...lat.notes,
      `throughput: ${ROOMS} boards × ${SOCKETS} sockets, 2 writers per board at ${RATE} updates/s each, ${THROUGHPUT_SECONDS} s; capacity = deliveries/s ÷ CPU share of the busiest server process (Redis's own CPU not counted); CPU per process: 1 → ${single.cpuShares.map((c) => round(c, 3)).join(", ")}, 2 → ${double.cpuShares.map((c) => round(c, 3)).join(", ")} cores`,
      `load average (1/5/15 min) at the end of each throughput phase: 1 process ${single.load}; 2 processes ${double.load}`,
      machine(),
    ],
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
