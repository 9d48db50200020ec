/**
 * Dispatch latency: from `POST /api/boards/:id/runs` (local image node,
 * 64×64, 1 step, force:true so every call is a new job) to ANOTHER client, a
 * y-websocket client on the same board, seeing runs[nodeId].status ===
 * "running" for that job. One run at a time on an idle queue: each run is
 * started only after the previous one succeeded, so this is the runner's own
 * path (insert the job row, enqueue, claim it, pin the room, write "running",
 * broadcast), not queueing behind other jobs.
 *
 * Also reported: the POST's own latency and the time until the watcher sees
 * "queued". Embedded mode (PGlite, in-process FairQueue), default
 * JOBS_CONCURRENCY. DISPATCH_RUNS (100) measured runs after 10 discarded.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { log, machine, percentiles, publish, row, type Row } from "./lib/report.js";
import { ensureBuild, procKb, startGenboard } from "./lib/spawn-server.js";
import { createApiBoard, createNode, startRun, until, watch } from "./lib/board-api.js";

const RUNS = Number(process.env.DISPATCH_RUNS ?? 100);
const WARMUP = 10;
const TARGET_P95_MS = 30;

export async function main(): Promise<void> {
  ensureBuild();
  const server = await startGenboard({ env: { RUNS_PER_BOARD_PER_MINUTE: "100000", RUNS_PER_CLIENT_PER_MINUTE: "100000" } });
  const base = `http://127.0.0.1:${server.port}`;
  const board = await createApiBoard(base, "dispatch");
  const watcher = watch(server.port, board);
  try {
    await watcher.synced;
    const nodeId = await createNode(base, board);
    const seen = new Map<string, { queued?: number; running?: number; succeeded?: number }>();
    watcher.doc.on("update", () => {
      const run = watcher.runs.get(nodeId);
      if (!run) return;
      const jobId = run.get("jobId") as string;
      const status = run.get("status") as "queued" | "running" | "succeeded";
      const marks = seen.get(jobId) ?? {};
      if (marks[status] === undefined) marks[status] = performance.now();
      seen.set(jobId, marks);
    });

    const toRunning: number[] = [];
    const toQueued: number[] = [];
    const post: number[] = [];
    const started = Date.now();
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const t0 = performance.now();
      const jobId = await startRun(base, board, nodeId);
      const t1 = performance.now();
      await until(() => seen.get(jobId)?.succeeded !== undefined, `job ${jobId} to succeed`);
      const marks = seen.get(jobId)!;
      if (marks.running === undefined) throw new Error(`the watcher never saw ${jobId} running`);
      if (i < WARMUP) continue;
      post.push(t1 - t0);
      toQueued.push(marks.queued! - t0);
      toRunning.push(marks.running - t0);
    }
    const elapsed = (Date.now() - started) / 1000;
    const r = percentiles(toRunning);
    const q = percentiles(toQueued);
    const p = percentiles(post);
    log(`dispatch: POST → watcher sees running: p50 ${r.p50.toFixed(1)} p95 ${r.p95.toFixed(1)} max ${r.max.toFixed(1)} ms over ${r.n} runs`);
    const rows: Row[] = [
      row("POST → other client sees running: p50", r.p50, "", "ms"),
      row("POST → other client sees running: p95", r.p95, "", "ms", { text: `≤ ${TARGET_P95_MS} ms`, met: r.p95 <= TARGET_P95_MS }),
      row("POST → other client sees running: max", r.max, "", "ms"),
      row("POST → other client sees queued: p50", q.p50, "", "ms"),
      row("POST → other client sees queued: p95", q.p95, "", "ms"),
      row("POST /runs response: p50", p.p50, "", "ms"),
      row("POST /runs response: p95", p.p95, "", "ms"),
    ];
    publish({
      bench: "dispatch",
      rows,
      notes: [
        `${RUNS} runs after ${WARMUP} discarded, one at a time (each after the previous succeeded), local image 64×64 × 1 step, force:true; embedded mode (PGlite), default JOBS_CONCURRENCY; ${elapsed.toFixed(1)} s`,
        "times are taken in one process (the POSTing script is also the watching y-websocket client, same clock); the watcher is a separate socket from the HTTP call",
        `server RSS at the end: ${(procKb(server.pid) / 1024).toFixed(0)} MiB`,
        machine(),
      ],
      details: { toRunning, toQueued, post },
    });
  } finally {
    watcher.destroy();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
