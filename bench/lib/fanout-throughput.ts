/**
 * Throughput of the fan-out, 2 processes vs 1, for cluster-fanout.ts.
 *
 * A workload is `rooms` boards of `sockets` sockets, `writers` of them writing
 * `rate` updates/s each (a fixed offered load). With 1 process every socket is
 * on it; with 2, each board's sockets are split half and half (every update
 * crosses Redis), writers of even boards on process 1, of odd boards on
 * process 2. Each server process's CPU time (user and system, /proc) is read
 * over the phase, and capacity = deliveries per second ÷ CPU share of the
 * busiest process: the rate at which that process would fill one core.
 *
 * Why not drive both processes to saturation: a delivery costs the receiving
 * client about what it costs the server, so saturating two servers takes two
 * more cores of load generators, on a 2-core machine that also runs Redis and
 * Postgres. That would measure the machine, not the design.
 */
import { forkWorker, type Worker } from "./worker.js";
import { cpuTimes, loadAverage, startCluster } from "./cluster.js";
import { log, round } from "./report.js";

export interface Workload {
  name: string;
  rooms: number;
  sockets: number;
  writers: number;
  rate: number;
}

export interface Capacity {
  processes: number;
  deliveriesPerSecond: number;
  /** Cores used by each server process over the phase: user + system, and user alone. */
  cpuShares: number[];
  userShares: number[];
  capacity: number;
  userCapacity: number;
  delivered: string;
  load: string;
}

interface PhaseResult {
  sent: number;
  expected: number;
  latencies: number[];
}

export async function throughput(w: Workload, processes: 1 | 2, seconds: number): Promise<Capacity> {
  const cluster = await startCluster(processes);
  const gens: Worker[] = [];
  try {
    for (let room = 0; room < w.rooms; room++) {
      const { room: id, token } = await cluster.servers[0]!.createRoom(`throughput-${room}`);
      const g = forkWorker(new URL("../workers/fanout-clients.ts", import.meta.url));
      gens.push(g);
      // Writers are a generator's first sockets: they go on process (room % 2) first.
      const order = processes === 1 ? [cluster.servers[0]!] : room % 2 === 0 ? cluster.servers : [...cluster.servers].reverse();
      const share = w.sockets / order.length;
      for (const server of order) await g.call("connect", { url: server.roomUrl(id, token), count: share });
    }
    const phase = (s: number) => ({ writers: w.writers, seconds: s, perSecond: w.rate });
    await Promise.all(gens.map((g) => g.call("phase", phase(3)))); // warm-up
    const before = cluster.servers.map((s) => cpuTimes(s.pid));
    const started = performance.now();
    const results = await Promise.all(gens.map((g) => g.call<PhaseResult>("phase", phase(seconds))));
    const wallS = (performance.now() - started) / 1000; // includes each phase's 1.5 s straggler wait, when the servers idle
    const used = cluster.servers.map((s, i) => {
      const now = cpuTimes(s.pid);
      return { all: (now.user + now.system - before[i]!.user - before[i]!.system) / wallS, user: (now.user - before[i]!.user) / wallS };
    });
    const got = results.reduce((s, r) => s + r.latencies.length, 0);
    const expected = results.reduce((s, r) => s + r.expected, 0);
    const deliveriesPerSecond = got / wallS;
    const cpuShares = used.map((u) => u.all);
    const userShares = used.map((u) => u.user);
    const capacity = deliveriesPerSecond / Math.max(...cpuShares);
    const userCapacity = deliveriesPerSecond / Math.max(...userShares);
    log(`${w.name}, ${processes} process(es): ${round(deliveriesPerSecond, 0)} deliveries/s, CPU ${cpuShares.map((c) => round(c, 3)).join(" + ")} cores (user ${userShares.map((c) => round(c, 3)).join(" + ")}), capacity ${round(capacity, 0)}/s, load ${loadAverage()}`);
    return { processes, deliveriesPerSecond, cpuShares, userShares, capacity, userCapacity, delivered: `${got}/${expected}`, load: loadAverage() };
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await cluster.stop();
  }
}
