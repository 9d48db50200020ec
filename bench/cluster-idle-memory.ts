/**
 * Distributed mode, idle sockets: 3 processes on one Postgres + Redis, each
 * holding SOCKETS_PER_PROCESS (5,000) idle, synced sockets with a ~100-byte
 * awareness state, over the same ROOMS (50) boards, so every board is loaded on
 * every process and every presence state crosses Redis to the other two.
 * Baseline per process: the boards loaded (one visitor socket per board on each
 * process), after full GCs; then the sockets, 5 s of settling, RSS as is and
 * after full GCs (see idle-memory.ts for the method).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { log, machine, publish, row, round, type Row } from "./lib/report.js";
import { ensureBuild, forceGc, settledRssKb } from "./lib/spawn-server.js";
import { loadAverage, startCluster } from "./lib/cluster.js";
import { forkWorker, type Worker } from "./lib/worker.js";

const PER_PROCESS = Number(process.env.IDLE_SOCKETS ?? 5000);
const PROCESSES = 3;
const ROOMS = 50;
const BATCH = 100;

interface OpenResult {
  opened: number;
  failed: number;
  firstError: string;
  ms: number;
}

export async function main(): Promise<void> {
  ensureBuild();
  const cluster = await startCluster(PROCESSES);
  const gens: Worker[] = [];
  try {
    const { servers } = cluster;
    const rooms: { room: string; token: string }[] = [];
    for (let i = 0; i < ROOMS; i++) rooms.push(await servers[0]!.createRoom(`idle-${i}`));
    // One generator per process: its sockets all go to that process.
    for (let k = 0; k < PROCESSES; k++) gens.push(forkWorker(new URL("./workers/idle-clients.ts", import.meta.url)));
    const urlsOf = (k: number) => rooms.map((r) => servers[k]!.roomUrl(r.room, r.token));
    for (let k = 0; k < PROCESSES; k++) {
      const visit = await gens[k]!.call<OpenResult>("open", { urls: urlsOf(k), batch: ROOMS, idBase: 9_000_000 + k * 1000 });
      if (visit.failed) throw new Error(`visitors failed: ${visit.firstError}`);
    }
    await sleep(2000);
    const before: number[] = [];
    for (const s of servers) {
      await forceGc(s);
      before.push(await settledRssKb(s.pid));
    }
    log(`baseline RSS per process: ${before.join(", ")} KiB; opening ${PROCESSES} × ${PER_PROCESS} sockets (load ${loadAverage()})`);
    const results = await Promise.all(
      gens.map((g, k) => {
        const urls = Array.from({ length: PER_PROCESS }, (_, i) => urlsOf(k)[i % ROOMS]!);
        return g.call<OpenResult>("open", { urls, batch: BATCH, idBase: (k + 1) * 1_000_000 });
      }),
    );
    await sleep(5000);
    const after: number[] = [];
    const afterGc: number[] = [];
    for (const s of servers) after.push(await settledRssKb(s.pid));
    for (const s of servers) {
      await forceGc(s);
      afterGc.push(await settledRssKb(s.pid));
    }
    const status = await Promise.all(gens.map((g) => g.call<{ open: number; awarenessMessages: number }>("status")));
    const load = loadAverage();
    log(`RSS per process: ${after.join(", ")} KiB; after GC ${afterGc.join(", ")} KiB (load ${load})`);
    const opened = results.map((r) => r.opened);
    const perSocket = (i: number, values: number[]) => ((values[i]! - before[i]!) * 1024) / Math.max(1, opened[i]!) / 1024;
    const rows: Row[] = [];
    servers.forEach((_, i) => {
      rows.push(row(`process ${i + 1}: RSS before → with sockets`, `${round(before[i]! / 1024, 0)} → ${round(after[i]! / 1024, 0)}`, "", "MiB"));
      rows.push(row(`process ${i + 1}: RSS added per socket (after GC)`, `${round(perSocket(i, after), 2)} (${round(perSocket(i, afterGc), 2)})`, "", "KiB"));
    });
    rows.push(row("sockets open at the end (all processes)", status.reduce((s, x) => s + x.open, 0) - PROCESSES * ROOMS, PROCESSES * PER_PROCESS, "count"));
    rows.push(row("time to open + sync, slowest process", Math.max(...results.map((r) => r.ms)) / 1000, "", "s"));
    publish({
      bench: "cluster-idle-memory",
      rows,
      notes: [
        `${PROCESSES} processes × ${PER_PROCESS} sockets over the same ${ROOMS} boards (every board loaded on every process; presence crosses Redis); "reference" column: sockets asked for`,
        `failed sockets: ${results.map((r) => r.failed).join(", ")}${results.find((r) => r.firstError)?.firstError ? ` (${results.find((r) => r.firstError)!.firstError})` : ""}`,
        `awareness frames received by clients: ${status.reduce((s, x) => s + x.awarenessMessages, 0)}`,
        `load average (1/5/15 min) at the end: ${load}`,
        machine(),
      ],
    });
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await cluster.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
