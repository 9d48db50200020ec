/**
 * Idle memory: resident memory the server adds per idle, synced socket with
 * awareness. 50 rooms × 100 sockets (IDLE_SOCKETS to change the total).
 *
 * Baseline (what is NOT counted): the server after start-up, with the 50 boards
 * created and loaded, each held by one visitor socket that synced and published
 * awareness (so rooms, Y.Docs, the auth path and the socket code are warm and
 * allocated), then full GCs (SIGUSR2 → gc-hook.cjs; on a fresh DATA_DIR our
 * server otherwise keeps ~350 MB of PGlite initdb garbage until V8's first
 * major GCs, which would swamp the delta). Measured: the 5,000 further sockets,
 * each synced and with a ~100-byte awareness state, after 5 s of settling, as
 * is ("RSS") and after full GCs ("after GC", plus the V8 heap in use then).
 * RSS is the median of 9 readings of /proc/<pid>/status VmRSS over 2 s.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { log, machine, publish, row, round, type Row } from "./lib/report.js";
import { ensureBuild, forceGc, settledRssKb, startGenboard, startReference, type ServerHandle } from "./lib/spawn-server.js";
import { forkWorker } from "./lib/worker.js";

const SOCKETS = Number(process.env.IDLE_SOCKETS ?? 5000);
const ROOMS = 50;
const GENERATORS = 2;
const BATCH = 100;

interface OpenResult {
  opened: number;
  failed: number;
  firstError: string;
  ms: number;
  stateBytes: number;
}

interface Measured {
  beforeKb: number;
  afterKb: number;
  afterGcKb: number;
  bytesPerSocketGc: number;
  heapPerSocket: number;
  opened: number;
  failed: number;
  bytesPerSocket: number;
  connectMs: number;
  awarenessMessages: number;
  stateBytes: number;
  firstError: string;
}

async function measure(server: ServerHandle): Promise<Measured> {
  const rooms = [];
  for (let i = 0; i < ROOMS; i++) rooms.push(await server.createRoom(`idle-${i}`));
  const urls = rooms.map((r) => server.roomUrl(r.room, r.token));
  const gens = Array.from({ length: GENERATORS }, () => forkWorker(new URL("./workers/idle-clients.ts", import.meta.url)));
  try {
    const visit = await gens[0]!.call<OpenResult>("open", { urls, batch: ROOMS, idBase: 9_000_000 });
    if (visit.failed) throw new Error(`visitors failed: ${visit.firstError}`);
    await sleep(2000);
    const heapBefore = (await forceGc(server)).heapUsed;
    const beforeKb = await settledRssKb(server.pid);
    log(`${server.name}: baseline ${beforeKb} KiB with ${ROOMS} rooms loaded; opening ${SOCKETS} sockets`);

    const shares: string[][] = gens.map(() => []);
    for (let i = 0; i < SOCKETS; i++) shares[i % GENERATORS]!.push(urls[i % ROOMS]!);
    const results = await Promise.all(gens.map((g, k) => g.call<OpenResult>("open", { urls: shares[k], batch: BATCH, idBase: (k + 1) * 1_000_000 })));
    const opened = results.reduce((s, r) => s + r.opened, 0);
    const failed = results.reduce((s, r) => s + r.failed, 0);
    await sleep(5000);
    const afterKb = await settledRssKb(server.pid);
    const heapAfter = (await forceGc(server)).heapUsed;
    const afterGcKb = await settledRssKb(server.pid);
    const status = await Promise.all(gens.map((g) => g.call<{ open: number; awarenessMessages: number }>("status")));
    log(`${server.name}: ${opened} opened (${failed} failed) in ${Math.max(...results.map((r) => r.ms))} ms; RSS ${afterKb} KiB, ${afterGcKb} KiB after GC`);
    await Promise.all(gens.map((g) => g.call("closeAll")));
    return {
      beforeKb,
      afterKb,
      afterGcKb,
      bytesPerSocketGc: ((afterGcKb - beforeKb) * 1024) / Math.max(1, opened),
      heapPerSocket: (heapAfter - heapBefore) / Math.max(1, opened),
      opened: status.reduce((s, x) => s + x.open, 0) - ROOMS,
      failed,
      bytesPerSocket: ((afterKb - beforeKb) * 1024) / Math.max(1, opened),
      connectMs: Math.max(...results.map((r) => r.ms)),
      awarenessMessages: status.reduce((s, x) => s + x.awarenessMessages, 0),
      stateBytes: results[0]!.stateBytes,
      firstError: results.find((r) => r.firstError)?.firstError ?? "",
    };
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
  }
}

async function run(server: Promise<ServerHandle>): Promise<Measured> {
  const s = await server;
  try {
    return await measure(s);
  } finally {
    await s.stop();
  }
}

export async function main(): Promise<void> {
  ensureBuild();
  const ours = await run(startGenboard());
  const ref = await run(startReference());
  const oursKb = ours.bytesPerSocket / 1024;
  const refKb = ref.bytesPerSocket / 1024;
  const rows: Row[] = [
    row("RSS added per socket", oursKb, refKb, "KiB", { text: "≤ 12 KiB and ≤ ½ reference", met: oursKb <= 12 && oursKb <= refKb / 2 }),
    row("RSS added per socket, after a full GC", ours.bytesPerSocketGc / 1024, ref.bytesPerSocketGc / 1024, "KiB"),
    row("V8 heap used per socket, after a full GC", ours.heapPerSocket / 1024, ref.heapPerSocket / 1024, "KiB"),
    row("RSS before (rooms loaded, after GC)", ours.beforeKb / 1024, ref.beforeKb / 1024, "MiB"),
    row(`RSS with ${SOCKETS} sockets`, ours.afterKb / 1024, ref.afterKb / 1024, "MiB"),
    row(`RSS with ${SOCKETS} sockets, after a full GC`, ours.afterGcKb / 1024, ref.afterGcKb / 1024, "MiB"),
    row("sockets open at the end", ours.opened, ref.opened, "count"),
    row(`time to open + sync ${SOCKETS}`, ours.connectMs / 1000, ref.connectMs / 1000, "s"),
  ];
  publish({
    bench: "idle-memory",
    rows,
    notes: [
      `${SOCKETS} sockets over ${ROOMS} rooms from ${GENERATORS} generator processes, batches of ${BATCH}; awareness state ${ours.stateBytes} bytes of JSON each`,
      `awareness frames received by clients: ours ${ours.awarenessMessages}, reference ${ref.awarenessMessages} (the reference echoes each state to its sender too)`,
      `failed sockets: ours ${ours.failed}${ours.firstError ? ` (${ours.firstError})` : ""}, reference ${ref.failed}${ref.firstError ? ` (${ref.firstError})` : ""}`,
      `ours: ${round(ours.bytesPerSocket, 0)} B/socket (${round(ours.bytesPerSocketGc, 0)} after GC), reference: ${round(ref.bytesPerSocket, 0)} B/socket (${round(ref.bytesPerSocketGc, 0)} after GC)`,
      machine(),
    ],
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
