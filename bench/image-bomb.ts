/**
 * Hostile input, images: a decompression-bomb PNG (12000×12000 greyscale,
 * 140 KB on disk, 576 MB as RGBA) is uploaded with an edit link, then
 * IMAGE_BOMB_REQUESTS (8) credential-free `GET /assets/<id>?w=…` go out at
 * once, each for another preview width (64 … 1536), as anyone who can see the
 * board could send them. Then the same with a 6000×6000 one (36 MP, under the
 * default pixel limit, so it is decoded).
 *
 * Measured on the server: the worst event-loop delay over the attack
 * (prom-client's nodejs_eventloop_lag_max_seconds, whose maximum resets at
 * every scrape: one scrape right before, one right after), /healthz polled
 * every 100 ms meanwhile (each poll given 10 s), every answer's status and
 * time, and peak RSS (every 100 ms). No reference server: it has no assets.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { pngBomb } from "../tests/helpers/media.js";
import { createApiBoard } from "./lib/board-api.js";
import { log, machine, percentiles, publish, round, row, type Row } from "./lib/report.js";
import { MAX_BLOCK_MS, pollHealth, worstLoopDelayMs, type HealthStats } from "./lib/server-health.js";
import { ensureBuild, procKb, startGenboard, type ServerHandle } from "./lib/spawn-server.js";

const REQUESTS = Number(process.env.IMAGE_BOMB_REQUESTS ?? 8);
const SIZE = 12_000;
/** 36 megapixels: under the default PREVIEW_MAX_PIXELS, so it is decoded (about a second each). */
const UNDER_SIZE = 6000;
const WIDTHS = [64, 128, 256, 384, 512, 768, 1024, 1536, 2048];

interface Phase {
  name: string;
  worstMs: number;
  health: HealthStats;
  statuses: string;
  answerMs: ReturnType<typeof percentiles>;
  elapsedMs: number;
  sizes: number[];
  rssPeakMiB: number;
}

/** Uploads `png`, then sends one credential-free preview request per width, all at once. */
async function attack(server: ServerHandle, base: string, name: string, png: Buffer<ArrayBuffer>, widths: number[]): Promise<Phase> {
  const board = await createApiBoard(base, name);
  const uploaded = await fetch(`${base}/api/boards/${board.id}/assets`, {
    method: "POST",
    body: png,
    headers: { "content-type": "image/png", authorization: `Bearer ${board.token}` },
  });
  if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  const { url } = (await uploaded.json()) as { url: string };
  await sleep(1000);
  const startKb = procKb(server.pid);
  let peakKb = startKb;
  const sampler = setInterval(() => {
    if (!server.exited()) peakKb = Math.max(peakKb, procKb(server.pid));
  }, 100);

  await worstLoopDelayMs(base); // starts the window
  const health = pollHealth(base);
  log(`${name}: ${widths.length} concurrent GET ${url}?w=${[...new Set(widths)].join("|")} (${png.length} bytes)`);
  const started = performance.now();
  const answers = await Promise.all(
    widths.map(async (width) => {
      const t0 = performance.now();
      try {
        const res = await fetch(`${base}${url}?w=${width}`, { signal: AbortSignal.timeout(170_000) });
        const bytes = (await res.arrayBuffer()).byteLength;
        return { status: String(res.status), ms: performance.now() - t0, bytes };
      } catch (err) {
        return { status: (err as Error).name, ms: performance.now() - t0, bytes: 0 };
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const worstMs = await worstLoopDelayMs(base);
  const h = await health.stop();
  clearInterval(sampler);

  const counts: Record<string, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  const statuses = Object.entries(counts).map(([s, n]) => `${n}× ${s}`).join(", ");
  log(`${name}: worst loop delay ${round(worstMs)} ms; answers ${statuses} in ${round(elapsedMs)} ms; /healthz max ${round(h.max)} ms, ${h.overLimit} over ${MAX_BLOCK_MS} ms, ${h.failed} failed`);
  return { name, worstMs, health: h, statuses, answerMs: percentiles(answers.map((a) => a.ms)), elapsedMs, sizes: [...new Set(answers.map((a) => a.bytes))], rssPeakMiB: (peakKb - startKb) / 1024 };
}

function phaseRows(p: Phase, label: string): Row[] {
  return [
    row(`${label}: worst event-loop delay`, p.worstMs, "n/a", "ms", { text: `≤ ${MAX_BLOCK_MS} ms`, met: p.worstMs <= MAX_BLOCK_MS }),
    row(`${label}: /healthz slowest answer`, p.health.max, "n/a", "ms"),
    row(`${label}: /healthz polls over 500 ms / failed`, `${p.health.overLimit} / ${p.health.failed} of ${p.health.n}`, "n/a", ""),
    row(`${label}: answers`, p.statuses, "n/a", ""),
    row(`${label}: answers p50 / max`, `${round(p.answerMs.p50)} / ${round(p.answerMs.max)}`, "n/a", "ms"),
    row(`${label}: RSS peak − start`, p.rssPeakMiB, "n/a", "MiB"),
  ];
}

export async function main(): Promise<void> {
  ensureBuild();
  const bomb = await pngBomb(SIZE, SIZE);
  const underLimit = await pngBomb(UNDER_SIZE, UNDER_SIZE);
  const server = await startGenboard();
  const base = `http://127.0.0.1:${server.port}`;
  try {
    // Distinct widths, as an attacker would send them: requests for one width share a decode (and its cached result).
    const widths = Array.from({ length: REQUESTS }, (_, i) => WIDTHS[i % WIDTHS.length]);
    const over = await attack(server, base, "bomb", bomb, widths);
    const under = await attack(server, base, "under the limit", underLimit, widths);
    const alive = !server.exited() && (await fetch(`${base}/healthz`).then((r) => r.ok, () => false));
    publish({
      bench: "image-bomb",
      rows: [...phaseRows(over, `${SIZE}² bomb`), ...phaseRows(under, `${UNDER_SIZE}² (36 MP)`), row("server alive at the end", alive ? "yes" : "no", "n/a", "")],
      notes: [
        `${SIZE}² bomb: ${REQUESTS} concurrent GET at ?w=${widths.join(", ")} of a ${SIZE}×${SIZE} 8-bit greyscale PNG of ${bomb.length} bytes, no credential; all answered in ${round(over.elapsedMs)} ms; answer sizes ${over.sizes.join(", ")} bytes`,
        `${UNDER_SIZE}² (under the default 40 MP limit, so decoded): the same widths, a ${underLimit.length}-byte PNG; all answered in ${round(under.elapsedMs)} ms; answer sizes ${under.sizes.join(", ")} bytes`,
        machine(),
      ],
      details: { over, under },
    });
  } finally {
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
