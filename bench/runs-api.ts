/**
 * The runs API under load, in two phases, each on a fresh server (embedded
 * mode: PGlite, in-process FairQueue, default JOBS_CONCURRENCY), with the
 * per-board and per-client run limits raised so nothing is refused:
 *
 * 1. POST latency: 50 clients, each with its own board (so its own edit
 *    token, the per-client limit's key) and its own local image node, POST
 *    …/runs (force:true): back to back (closed loop: capacity) and then each
 *    every 500 ms (open loop, 100 req/s in all: responsiveness). Every call
 *    queues a real job, and those jobs run meanwhile on the same 2 cores.
 * 2. Throughput: RUNS_API_JOBS (500) local image jobs (64×64, 1 step) across
 *    10 boards: boards 0–8 queue theirs at once, board 9 only afterwards,
 *    behind the backlog; jobs/s until the last one ended, the server's peak
 *    RSS (VmRSS sampled every 50 ms), and fairness: how soon the late board's
 *    jobs ran, against what a FIFO queue would have made it wait.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import * as Y from "yjs";
import { log, machine, percentiles, publish, row, round, type Row } from "./lib/report.js";
import { ensureBuild, procKb, startGenboard } from "./lib/spawn-server.js";
import { createApiBoard, createNode, startRun, until, watch, type ApiBoard } from "./lib/board-api.js";

const CLIENTS = 50;
const PER_CLIENT = Number(process.env.RUNS_API_PER_CLIENT ?? 20);
const WARMUP = 3;
const TARGET_POST_P95_MS = 25;
const JOBS = Number(process.env.RUNS_API_JOBS ?? 500);
const BOARDS = 10;
const NODES_PER_BOARD = 5;
const OPEN_INTERVAL_MS = Number(process.env.RUNS_API_OPEN_INTERVAL_MS ?? 500);
const OPEN_PER_CLIENT = Number(process.env.RUNS_API_OPEN_PER_CLIENT ?? 20);
const UNLIMITED = { RUNS_PER_BOARD_PER_MINUTE: "100000", RUNS_PER_CLIENT_PER_MINUTE: "100000" };

async function postLatency(): Promise<{ rows: Row[]; notes: string[]; latencies: { closed: number[]; open: number[] } }> {
  const server = await startGenboard({ env: UNLIMITED });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const clients: { board: ApiBoard; nodeId: string }[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const board = await createApiBoard(base, `client ${i}`);
      clients.push({ board, nodeId: await createNode(base, board) });
    }
    // Closed loop: every client POSTs again as soon as its previous POST answered (saturation).
    const closed: number[] = [];
    const started = performance.now();
    await Promise.all(
      clients.map(async ({ board, nodeId }) => {
        for (let i = 0; i < WARMUP + PER_CLIENT; i++) {
          const t0 = performance.now();
          await startRun(base, board, nodeId);
          if (i >= WARMUP) closed.push(performance.now() - t0);
        }
      }),
    );
    const closedS = (performance.now() - started) / 1000;
    const closedRate = ((WARMUP + PER_CLIENT) * CLIENTS) / closedS;
    await drain(server.pid);

    // Open loop: every client POSTs every OPEN_INTERVAL_MS (random phase), whether or not earlier POSTs answered.
    const open: number[] = [];
    await Promise.all(
      clients.map(async ({ board, nodeId }) => {
        await sleep(Math.random() * OPEN_INTERVAL_MS);
        const pending: Promise<void>[] = [];
        for (let i = 0; i < OPEN_PER_CLIENT; i++) {
          const t0 = performance.now();
          pending.push(startRun(base, board, nodeId).then(() => void open.push(performance.now() - t0)));
          await sleep(OPEN_INTERVAL_MS);
        }
        await Promise.all(pending);
      }),
    );
    const c = percentiles(closed);
    const o = percentiles(open);
    const openRate = (CLIENTS * 1000) / OPEN_INTERVAL_MS;
    log(`runs-api: ${CLIENTS} clients closed loop: POST p50 ${c.p50.toFixed(1)} p95 ${c.p95.toFixed(1)} ms at ${closedRate.toFixed(0)} req/s`);
    log(`runs-api: ${CLIENTS} clients open loop ${openRate} req/s: POST p50 ${o.p50.toFixed(1)} p95 ${o.p95.toFixed(1)} p99 ${o.p99.toFixed(1)} ms`);
    const target = { text: `≤ ${TARGET_POST_P95_MS} ms` };
    return {
      latencies: { closed, open },
      rows: [
        row(`POST /runs, ${CLIENTS} clients, ${openRate} req/s in all: p50`, o.p50, "", "ms"),
        row(`POST /runs, ${CLIENTS} clients, ${openRate} req/s in all: p95`, o.p95, "", "ms", { ...target, met: o.p95 <= TARGET_POST_P95_MS }),
        row(`POST /runs, ${CLIENTS} clients, ${openRate} req/s in all: p99`, o.p99, "", "ms"),
        row(`POST /runs, ${CLIENTS} clients back to back: p50`, c.p50, "", "ms"),
        row(`POST /runs, ${CLIENTS} clients back to back: p95`, c.p95, "", "ms", { ...target, met: c.p95 <= TARGET_POST_P95_MS }),
        row(`POST /runs, ${CLIENTS} clients back to back: rate (capacity)`, round(closedRate, 0), "", "req/s"),
      ],
      notes: [
        `phase 1: ${CLIENTS} clients, one board and edit token each (the per-client limit's key), limits raised. Open loop: each client POSTs every ${OPEN_INTERVAL_MS} ms (random phase) ${OPEN_PER_CLIENT} times. Back to back (closed loop, saturation): each client ${PER_CLIENT} POSTs after ${WARMUP} warm-up, the next as soon as the last answered, ${closedS.toFixed(1)} s; at saturation latency ≈ ${CLIENTS} in flight ÷ capacity (Little's law), so its p95 measures capacity, not responsiveness. Every POST queues a real job; those jobs ran meanwhile on the same 2 cores, as did this load generator`,
      ],
    };
  } finally {
    await server.stop();
  }
}

/** Lets the jobs queued by the previous phase finish (the server's CPU drops), at most 60 s. */
async function drain(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = cpuTicks(pid);
  for (;;) {
    await sleep(500);
    const now = cpuTicks(pid);
    if (now - last < 10 || Date.now() > deadline) return; // < 10 % of a core
    last = now;
  }
}

const cpuTicks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
};

async function throughput(): Promise<{ rows: Row[]; notes: string[]; perBoard: unknown[] }> {
  const server = await startGenboard({ env: UNLIMITED });
  const base = `http://127.0.0.1:${server.port}`;
  const boards: { board: ApiBoard; nodes: string[]; watcher: ReturnType<typeof watch> }[] = [];
  try {
    for (let b = 0; b < BOARDS; b++) {
      const board = await createApiBoard(base, `throughput ${b}`);
      const nodes: string[] = [];
      for (let n = 0; n < NODES_PER_BOARD; n++) nodes.push(await createNode(base, board));
      const watcher = watch(server.port, board);
      await watcher.synced;
      boards.push({ board, nodes, watcher });
    }
    const finishedOf = (b: (typeof boards)[number]) =>
      b.nodes.flatMap((n) => ((b.watcher.runs.get(n)?.get("history") as Y.Array<{ finishedAt: number }> | undefined)?.toArray() ?? []).map((h) => h.finishedAt));
    const done = () => boards.reduce((s, b) => s + finishedOf(b).length, 0);

    const baselineKb = procKb(server.pid);
    let peakKb = baselineKb;
    const sampler = setInterval(() => (peakKb = Math.max(peakKb, procKb(server.pid))), 50);
    const perBoardJobs = JOBS / BOARDS;
    const t0 = Date.now();
    const queuedAt: { from: number; by: number }[] = [];
    const queue = async (i: number) => {
      const b = boards[i]!;
      const from = Date.now() - t0;
      for (let j = 0; j < perBoardJobs; j++) await startRun(base, b.board, b.nodes[j % NODES_PER_BOARD]!);
      queuedAt[i] = { from, by: Date.now() - t0 };
    };
    // Boards 0..8 queue their jobs at the same time; the last board queues its jobs only after that, behind a backlog.
    await Promise.all(boards.slice(0, -1).map((_, i) => queue(i)));
    const backlog = (BOARDS - 1) * perBoardJobs - done();
    await queue(BOARDS - 1);
    const submitS = (Date.now() - t0) / 1000;
    await until(() => done() >= JOBS, `${JOBS} jobs to succeed (${done()} so far)`, 100_000);
    clearInterval(sampler);
    peakKb = Math.max(peakKb, procKb(server.pid));

    const perBoard = boards.map((b, i) => {
      const times = finishedOf(b).map((t) => t - t0).sort((x, y) => x - y);
      return { board: i, queuedFrom: queuedAt[i]!.from, queuedBy: queuedAt[i]!.by, first: times[0]!, median: times[Math.floor(times.length / 2)]!, last: times.at(-1)! };
    });
    const endS = Math.max(...perBoard.map((p) => p.last)) / 1000;
    const rate = JOBS / endS;
    const light = perBoard.at(-1)!;
    const heavy = perBoard.slice(0, -1);
    const fifoWaitS = backlog / rate;
    for (const p of perBoard) log(`board ${p.board}: queued ${p.queuedFrom}–${p.queuedBy} ms; finished first ${p.first} median ${p.median} last ${p.last} ms`);
    return {
      perBoard,
      rows: [
        row(`${JOBS} jobs / ${BOARDS} boards: throughput`, round(rate, 1), "", "jobs/s"),
        row(`${JOBS} jobs / ${BOARDS} boards: all ended after`, round(endS, 2), "", "s"),
        row(`${JOBS} jobs / ${BOARDS} boards: server peak RSS`, round(peakKb / 1024, 0), "", "MiB"),
        row(`${JOBS} jobs / ${BOARDS} boards: RSS before queueing`, round(baselineKb / 1024, 0), "", "MiB"),
        row("fairness: late board's first job ended after its first POST", round((light.first - light.queuedFrom) / 1000, 2), round(fifoWaitS, 2), "s", { text: "≪ FIFO (reference column: backlog ÷ throughput)", met: light.first - light.queuedFrom < (fifoWaitS * 1000) / 4 }),
        row("fairness: 9 busy boards' last jobs ended between", `${round(Math.min(...heavy.map((p) => p.last)) / 1000, 2)}–${round(Math.max(...heavy.map((p) => p.last)) / 1000, 2)}`, "", "s"),
        row("fairness: late board's last job ended at", round(light.last / 1000, 2), "", "s"),
      ],
      notes: [
        `phase 2: ${JOBS} local image jobs (64×64, 1 step, force:true), ${perBoardJobs} per board over ${NODES_PER_BOARD} nodes. Boards 0–${BOARDS - 2} POST theirs at the same time (one sequential client each); board ${BOARDS - 1} POSTs its ${perBoardJobs} only after, when ${backlog} jobs were still waiting or running (a FIFO queue would make its first job wait ≈ ${fifoWaitS.toFixed(1)} s). All queued after ${submitS.toFixed(1)} s. A job's end = its history entry (server's finishedAt) seen by a y-websocket watcher per board`,
        `per board (ms since the first POST: queued from–by / first / median / last ended): ${perBoard.map((p) => `${p.board}: ${p.queuedFrom}–${p.queuedBy}/${p.first}/${p.median}/${p.last}`).join("; ")}`,
      ],
    };
  } finally {
    for (const b of boards) b.watcher.destroy();
    await server.stop();
  }
}

export async function main(): Promise<void> {
  ensureBuild();
  const a = await postLatency();
  const b = await throughput();
  publish({ bench: "runs-api", rows: [...a.rows, ...b.rows], notes: [...a.notes, ...b.notes, machine()], details: { latencies: a.latencies, perBoard: b.perBoard } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
