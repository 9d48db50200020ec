/**
 * Hostile input, presence: from an embed link (which a page embedding the
 * board hands to every visitor), presence frames announcing many client ids,
 * each phase on a board of its own:
 *
 *   - one frame announcing 300,000 ids (~2.1 MB: state `{}`), then 100,000,
 *     then 40,000 (AWARENESS_FLOOD_IDS);
 *   - a stream: AWARENESS_FLOOD_SOCKETS (300) fresh sockets, 8 at a time, each
 *     sending 4 frames of 8 new ids (so 32 per socket) and staying open.
 *
 * A socket the server keeps is closed by the benchmark once the server has
 * answered it, so what its leaving costs is measured too. A bystander socket
 * (view link) on the same board records the awareness frames relayed to it.
 *
 * Measured on the server: the worst event-loop delay over the phase
 * (prom-client's nodejs_eventloop_lag_max_seconds, whose maximum resets at
 * every scrape: one scrape right before, one right after), /healthz polled
 * every 100 ms meanwhile (each poll given AWARENESS_FLOOD_TIMEOUT_S), RSS
 * before (settled), peak (every 100 ms) and after (settled, 2 s after the
 * attacker left), and how each attacking socket was closed. Frames are built
 * before the measurement starts. No reference server: the reference keeps
 * every presence and so is the unfixed case, which a run from the commit
 * before the fix measures better (see BENCHMARKS.md).
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import { log, machine, publish, round, row, type Row } from "./lib/report.js";
import { MAX_BLOCK_MS, pollHealth, worstLoopDelayMs, type HealthStats } from "./lib/server-health.js";
import { ensureBuild, procKb, settledRssKb, startGenboard, type ServerHandle } from "./lib/spawn-server.js";

const IDS = (process.env.AWARENESS_FLOOD_IDS ?? "300000,100000,40000").split(",").map(Number);
const SOCKETS = Number(process.env.AWARENESS_FLOOD_SOCKETS ?? 300);
const STREAM_FRAMES = 4;
const STREAM_IDS_PER_FRAME = 8;
const STREAM_CONCURRENCY = 8;
/** Per wait (the attacker's answer, its leaving, one /healthz poll): the code before the fix stalls for tens of seconds. */
const TIMEOUT_MS = Number(process.env.AWARENESS_FLOOD_TIMEOUT_S ?? 300) * 1000;
/** A step 1 with an empty state vector: answered with a step 2 once every frame before it was processed. */
const PROBE = Uint8Array.of(0, 0, 1, 0);

/** y-protocols awareness message: [1, varUint8Array(count (clientID clock stateJSON)*)]. */
function presenceFrame(firstId: number, count: number, state = "{}"): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, count);
  for (let id = firstId; id < firstId + count; id++) {
    encoding.writeVarUint(update, id);
    encoding.writeVarUint(update, 1);
    encoding.writeVarString(update, state);
  }
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 1);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}

/** How many presences a frame from the server carries; small frames are read whole to follow who is shown (a 300,000-entry one is not parsed here). */
function readAwareness(data: Buffer, shown: Set<number>): number | null {
  if (data[0] !== 1) return null;
  const d = decoding.createDecoder(data);
  decoding.readVarUint(d);
  decoding.readVarUint(d); // byte length of the update
  const count = decoding.readVarUint(d);
  if (count <= 64) {
    for (let i = 0; i < count; i++) {
      const id = decoding.readVarUint(d);
      decoding.readVarUint(d);
      if (decoding.readVarString(d) === "null") shown.delete(id);
      else shown.add(id);
    }
  }
  return count;
}

interface Board {
  id: string;
  embed: string;
  view: string;
}

async function createBoard(base: string, title: string): Promise<Board> {
  const res = await fetch(`${base}/api/boards`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title }) });
  if (res.status !== 201) throw new Error(`POST /api/boards: ${res.status} ${await res.text()}`);
  const { id, links } = (await res.json()) as { id: string; links: { embed: string; view: string } };
  return { id, embed: links.embed.split("/").pop()!, view: links.view.split("/").pop()! };
}

/** A view-link socket that records the awareness frames the server relays to it. */
async function bystander(url: string) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const seen = { frames: 0, bytes: 0, largestBytes: 0, largestEntries: 0, mostShown: 0, closed: null as number | null };
  const shown = new Set<number>();
  const waiters: { entries: number; resolve: () => void }[] = [];
  ws.on("error", () => {});
  ws.on("close", (code) => (seen.closed = code));
  ws.on("message", (data: Buffer) => {
    const entries = readAwareness(data, shown);
    if (entries === null) return;
    seen.mostShown = Math.max(seen.mostShown, shown.size);
    seen.frames += 1;
    seen.bytes += data.length;
    seen.largestBytes = Math.max(seen.largestBytes, data.length);
    seen.largestEntries = Math.max(seen.largestEntries, entries);
    for (const w of waiters.filter((w) => entries >= w.entries)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  });
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  return {
    seen,
    /** Resolves when an awareness frame of at least `entries` entries arrives (false after the timeout). */
    frameOf: (entries: number, timeoutMs: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiters.push({ entries, resolve: () => (clearTimeout(timer), resolve(true)) });
      }),
    close: () => ws.terminate(),
  };
}

type Outcome = { closed: number; reason: string; afterMs: number } | { kept: true; afterMs: number } | { timedOut: true };
const describeOutcome = (o: Outcome) =>
  "closed" in o ? `closed ${o.closed} (${o.reason}) after ${round(o.afterMs)} ms` : "kept" in o ? `kept open, answered after ${round(o.afterMs)} ms` : `no answer within ${TIMEOUT_MS / 1000} s`;

/** Opens an embed-link socket, sends `frames` and a probe; resolves when the server closes it or answers the probe (then the socket is still open). */
function attack(url: string, frames: Uint8Array[]): Promise<{ ws: WebSocket; outcome: Outcome }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    let sentAt = 0;
    const done = (outcome: Outcome) => (clearTimeout(timer), resolve({ ws, outcome }));
    const timer = setTimeout(() => done({ timedOut: true }), TIMEOUT_MS);
    ws.on("error", () => {});
    ws.once("open", () => {
      sentAt = performance.now();
      for (const f of frames) ws.send(f);
      ws.send(PROBE);
    });
    ws.on("message", (data: Buffer) => {
      if (data[0] === 0 && data[1] === 1) done({ kept: true, afterMs: performance.now() - sentAt });
    });
    ws.once("close", (code, reason) => done({ closed: code, reason: reason.toString(), afterMs: performance.now() - sentAt }));
  });
}

/** Closes a socket the server kept and waits for the close handshake. */
async function leave(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = new Promise((r) => ws.once("close", r));
  ws.close();
  let timer: NodeJS.Timeout | undefined;
  // Cleared after: 300 pending timers of TIMEOUT_MS would keep the benchmark alive that long after it is done.
  await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, TIMEOUT_MS)))]);
  clearTimeout(timer);
  ws.terminate();
}

interface Phase {
  name: string;
  frameBytes: string;
  worstMs: number;
  health: HealthStats;
  outcomes: string;
  /** From the first frame sent until the attacker has left and the room was told. */
  elapsedMs: number;
  relayed: { frames: number; largestBytes: number; largestEntries: number; mostShown: number };
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
}

/** Sets up a board and a bystander, measures around `run`, then reports. */
async function measure(server: ServerHandle, base: string, name: string, frameBytes: string, run: (board: Board, watch: Awaited<ReturnType<typeof bystander>>) => Promise<string>): Promise<Phase> {
  const board = await createBoard(base, name);
  const watch = await bystander(server.roomUrl(board.id, board.view));
  await sleep(500);
  const beforeKb = await settledRssKb(server.pid);
  let peakKb = beforeKb;
  const sampler = setInterval(() => {
    if (!server.exited()) peakKb = Math.max(peakKb, procKb(server.pid));
  }, 100);
  await worstLoopDelayMs(base); // starts the window
  const health = pollHealth(base, TIMEOUT_MS);
  const started = performance.now();
  const outcomes = await run(board, watch);
  const elapsedMs = performance.now() - started;
  await sleep(2000);
  const worstMs = await worstLoopDelayMs(base);
  const h = await health.stop();
  clearInterval(sampler);
  const afterKb = server.exited() ? NaN : await settledRssKb(server.pid);
  watch.close();
  const { frames, largestBytes, largestEntries, mostShown } = watch.seen;
  log(`${name}: worst loop delay ${round(worstMs)} ms; ${outcomes}; /healthz max ${round(h.max)} ms, ${h.overLimit} over ${MAX_BLOCK_MS} ms, ${h.failed} failed; RSS ${round(beforeKb / 1024)} → ${round(afterKb / 1024)} MiB (peak ${round(peakKb / 1024)})`);
  return { name, frameBytes, worstMs, health: h, outcomes, elapsedMs, relayed: { frames, largestBytes, largestEntries, mostShown }, rssBeforeMiB: beforeKb / 1024, rssPeakMiB: peakKb / 1024, rssAfterMiB: afterKb / 1024 };
}

/** One frame announcing `count` ids; if the server keeps the socket, the benchmark leaves and waits for the room to be told. */
async function oneFrame(server: ServerHandle, base: string, count: number): Promise<Phase> {
  const frame = presenceFrame(1, count);
  const name = `${count.toLocaleString("en")} ids in one frame`;
  log(`${name}: ${frame.length} bytes from an embed link`);
  return measure(server, base, name, `${frame.length} bytes`, async (board, watch) => {
    const shown = watch.frameOf(count, TIMEOUT_MS);
    const { ws, outcome } = await attack(server.roomUrl(board.id, board.embed), [frame]);
    if (!("kept" in outcome)) return `attacker ${describeOutcome(outcome)}`;
    // The server relays a presence before it answers the probe that follows it.
    const relayed = await Promise.race([shown, sleep(5000).then(() => false)]);
    const leftAt = performance.now();
    const removed = watch.frameOf(count, TIMEOUT_MS);
    await leave(ws);
    const told = await removed;
    return `attacker ${describeOutcome(outcome)}; its ${count} presences ${relayed ? "were" : "were not"} relayed to the bystander; after it left, the removal ${told ? `reached the bystander in ${round(performance.now() - leftAt)} ms` : "never reached the bystander"}`;
  });
}

/** SOCKETS fresh sockets, STREAM_CONCURRENCY at a time, each announcing STREAM_FRAMES × 8 new ids; all stay open until the end. */
async function stream(server: ServerHandle, base: string): Promise<Phase> {
  const perSocket = STREAM_FRAMES * STREAM_IDS_PER_FRAME;
  const frames = Array.from({ length: SOCKETS }, (_, s) => Array.from({ length: STREAM_FRAMES }, (_, f) => presenceFrame(1_000_000 + s * perSocket + f * STREAM_IDS_PER_FRAME, STREAM_IDS_PER_FRAME)));
  const name = `stream of ${SOCKETS} sockets × ${STREAM_FRAMES} frames × ${STREAM_IDS_PER_FRAME} new ids`;
  log(`${name}: ${frames[0][0].length} bytes per frame`);
  return measure(server, base, name, `${frames[0][0].length} bytes each`, async (board) => {
    const url = server.roomUrl(board.id, board.embed);
    const sockets: WebSocket[] = [];
    const counts = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: STREAM_CONCURRENCY }, async () => {
        while (next < SOCKETS) {
          const { ws, outcome } = await attack(url, frames[next++]);
          sockets.push(ws);
          const key = "closed" in outcome ? `closed ${outcome.closed}` : "kept" in outcome ? "kept open" : "no answer";
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }),
    );
    await Promise.all(sockets.map(leave));
    return `sockets: ${[...counts].map(([k, n]) => `${n}× ${k}`).join(", ")}`;
  });
}

function phaseRows(p: Phase): Row[] {
  return [
    row(`${p.name}: worst event-loop delay`, p.worstMs, "n/a", "ms", { text: `≤ ${MAX_BLOCK_MS} ms`, met: p.worstMs <= MAX_BLOCK_MS }),
    row(`${p.name}: /healthz slowest answer`, p.health.max, "n/a", "ms"),
    row(`${p.name}: /healthz polls over 500 ms / failed`, `${p.health.overLimit} / ${p.health.failed} of ${p.health.n}`, "n/a", ""),
    row(`${p.name}: attacker`, p.outcomes, "n/a", ""),
    row(`${p.name}: relayed to a bystander`, `${p.relayed.frames} presence frames, the largest ${p.relayed.largestBytes} bytes / ${p.relayed.largestEntries} entries${p.relayed.largestEntries <= 64 ? `; at most ${p.relayed.mostShown} presences shown at once` : ""}`, "n/a", ""),
    row(`${p.name}: RSS before / peak / after`, `${round(p.rssBeforeMiB)} / ${round(p.rssPeakMiB)} / ${round(p.rssAfterMiB)}`, "n/a", "MiB"),
  ];
}

export async function main(): Promise<void> {
  ensureBuild();
  const server = await startGenboard();
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const phases: Phase[] = [];
    for (const count of IDS) phases.push(await oneFrame(server, base, count));
    if (SOCKETS > 0) phases.push(await stream(server, base));
    const alive = !server.exited() && (await fetch(`${base}/healthz`).then((r) => r.ok, () => false));
    publish({
      bench: "awareness-flood",
      rows: [...phases.flatMap(phaseRows), row("server alive at the end", alive ? "yes" : "no", "n/a", "")],
      notes: [
        ...phases.map((p) => `${p.name}: frame ${p.frameBytes}; attack through the attacker's leaving ${round(p.elapsedMs)} ms; /healthz p50 ${round(p.health.p50)} ms over ${p.health.n} polls`),
        machine(),
      ],
      details: phases,
    });
  } finally {
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
