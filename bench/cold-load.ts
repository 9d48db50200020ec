/**
 * Cold load: a board of 10,000 ~280-byte records (written through the protocol
 * in 200 updates) that is not in memory. Time from a new client's
 * `new WebSocket()` to the arrival of the step 2 that holds every record.
 *
 * Ours: ROOM_IDLE_UNLOAD_MS=200 and LOG_LEVEL=debug (only to see the server's
 * "room unloaded" line); each repetition starts after that line, so every load
 * reads the board back from PGlite (snapshot + log tail). One more load after
 * restarting the server process on the same DATA_DIR.
 * Reference: keeps docs in memory only; measured with one client holding the
 * room open ("from memory").
 */
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { log, machine, percentiles, publish, row, round, type Row } from "./lib/report.js";
import { ensureBuild, startGenboard, startReference } from "./lib/spawn-server.js";
import { forkWorker, type Worker } from "./lib/worker.js";

const RECORDS = Number(process.env.COLD_RECORDS ?? 10_000);
const PER_UPDATE = 50;
const REPS = Number(process.env.COLD_REPS ?? 10);
const UNLOADED = '"msg":"room unloaded"';

interface LoadResult {
  ms: number;
  openMs: number;
  bytes: number;
  records: number;
}
interface Populated {
  updates: number;
  bytes: number;
  stored: number;
}

async function ours(gen: Worker) {
  const env = { ROOM_IDLE_UNLOAD_MS: "200", LOG_LEVEL: "debug" };
  let server = await startGenboard({ env, keepData: true });
  const dataDir = server.dataDir;
  try {
    const { room, token } = await server.createRoom("cold");
    const url = () => server.roomUrl(room, token);
    let mark = server.logMark();
    const populated = await gen.call<Populated>("populate", { url: url(), records: RECORDS, perUpdate: PER_UPDATE, hold: false });
    await server.waitForLog(UNLOADED, 30_000, mark);
    const loads: LoadResult[] = [];
    for (let i = 0; i < REPS; i++) {
      mark = server.logMark();
      loads.push(await gen.call<LoadResult>("load", { url: url(), expect: RECORDS }));
      await server.waitForLog(UNLOADED, 30_000, mark);
    }
    await server.stop();
    server = await startGenboard({ env, dataDir, keepData: true });
    const afterRestart = await gen.call<LoadResult>("load", { url: url(), expect: RECORDS });
    return { populated, loads, afterRestart };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function reference(gen: Worker) {
  const server = await startReference();
  try {
    const { room } = await server.createRoom("cold");
    const populated = await gen.call<Populated>("populate", { url: server.roomUrl(room), records: RECORDS, perUpdate: PER_UPDATE, hold: true });
    const loads: LoadResult[] = [];
    for (let i = 0; i < REPS; i++) loads.push(await gen.call<LoadResult>("load", { url: server.roomUrl(room), expect: RECORDS }));
    await gen.call("release");
    return { populated, loads };
  } finally {
    await server.stop();
  }
}

export async function main(): Promise<void> {
  ensureBuild();
  const gen = forkWorker(new URL("./workers/cold-load-client.ts", import.meta.url));
  try {
    const o = await ours(gen);
    const r = await reference(gen);
    const po = percentiles(o.loads.map((l) => l.ms));
    const pr = percentiles(r.loads.map((l) => l.ms));
    log(`genboard: ${o.loads.map((l) => round(l.ms)).join(", ")} ms; after restart ${round(o.afterRestart.ms)} ms`);
    log(`reference: ${r.loads.map((l) => round(l.ms)).join(", ")} ms`);
    const rows: Row[] = [
      row("connect → full step 2, p50", po.p50, pr.p50, "ms", { text: "≤ 100 ms", met: po.p50 <= 100 }),
      row("connect → full step 2, max", po.max, pr.max, "ms", { text: "≤ 100 ms", met: po.max <= 100 }),
      row("first load after a server restart", o.afterRestart.ms, "n/a", "ms"),
      row("connect → socket open, p50", percentiles(o.loads.map((l) => l.openMs)).p50, percentiles(r.loads.map((l) => l.openMs)).p50, "ms"),
      row("step 2 size", o.loads[0]!.bytes / 1e6, r.loads[0]!.bytes / 1e6, "MB"),
    ];
    publish({
      bench: "cold-load",
      rows,
      notes: [
        `${RECORDS} records of ~280 B JSON written in ${o.populated.updates} updates (${round(o.populated.bytes / 1e6, 2)} MB of updates); ${REPS} repetitions`,
        `ours: every repetition loads the board from PGlite after the room was unloaded (waited for the server's "room unloaded" log line; ROOM_IDLE_UNLOAD_MS=200); "after restart" = a new server process on the same DATA_DIR`,
        `reference: the doc stays in memory (a client holds the room open), so its figure is "from memory"`,
        `ours: ${o.loads.map((l) => round(l.ms)).join(", ")} ms; reference: ${r.loads.map((l) => round(l.ms)).join(", ")} ms`,
        machine(),
      ],
    });
  } finally {
    await gen.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
