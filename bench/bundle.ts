/**
 * `npm run bench:bundle`: what a first visit costs in a real browser (headless
 * Chromium, scripts/chromium.mjs), against the production build on a fresh
 * database. Builds first only when there is no build (`npm test` builds; after
 * changing the app, run `npm run build`).
 *
 * Pages and budgets:
 *   /                     JS ≤ 100 KB gzip, FCP ≤ 500 ms
 *   /b/<id> as the owner  JS ≤ 700 KB gzip, FCP ≤ 500 ms, CLS ≤ 0.05,
 *                         editable canvas ≤ 1.2 s, 2,000 shapes ≤ 2 s
 *
 * Bytes: every response the page downloads whose type is script (or
 * stylesheet), body as decoded by the browser, summed raw and after
 * zlib.gzipSync(level 9) — the same figure whatever compression the server
 * uses. 1 KB = 1,000 bytes. Taken from the first cold load.
 * Timings: median of BUNDLE_RUNS (5) loads, each in a fresh browser context
 * (empty cache), from navigation start (see bench/lib/page-metrics.ts):
 *   - editable canvas: until `[data-canvas-ready="true"]` exists, which the app
 *     sets on its root once tldraw is mounted and the first sync is done;
 *   - 2,000 shapes: a board seeded with 2,000 geo shapes in a grid through a
 *     Node y-websocket client, until `window.editor.getCurrentPageShapeIds().size`
 *     reaches 2,000 (first animation frame) and the canvas is ready.
 * A page that never marks its canvas ready within 15 s is reported as
 * "not available" (the board route did not exist when this was written).
 *
 * Exit status: non-zero when a SIZE budget is exceeded. Timing budgets are
 * reported and marked met or not but never fail the run: they swing with the
 * machine's load (CI shares 2 cores with other jobs), bytes do not.
 */
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { createBoard, ownerContext, seedBoard, type CreatedBoard } from "../tests/browser/harness.js";
import { boardRecords, shapeGrid } from "../tests/helpers/tldraw-records.js";
import { median, measureLoad, type Bytes, type LoadOptions, type PageLoad } from "./lib/page-metrics.js";
import { log, machine, publish, round, row, type Row } from "./lib/report.js";
import { startBrowserBench } from "./lib/browser-bench.js";

const RUNS = Number(process.env.BUNDLE_RUNS ?? 5);
const SHAPES = 2000;
const CANVAS_TIMEOUT_MS = 15_000;
const KB = 1000;
const BUDGET = { landingJsKb: 100, boardJsKb: 700, fcpMs: 500, cls: 0.05, canvasMs: 1200, shapesMs: 2000 };

interface Series {
  /** The first (cold) load; bytes come from it. */
  first: PageLoad;
  loads: PageLoad[];
  /** Set when the page could not be measured: HTTP error or no canvas. */
  unavailable?: string;
}

/**
 * `RUNS` loads of `url`. A page that answers with an HTTP error is loaded once;
 * one whose canvas never becomes ready is waited for once, then loaded without waiting.
 */
async function series(browser: Browser, url: string, opts: LoadOptions): Promise<Series> {
  const loads: PageLoad[] = [];
  let unavailable: string | undefined;
  let waitMs = opts.canvasTimeoutMs ?? 0;
  for (let i = 0; i < RUNS; i++) {
    const load = await measureLoad(browser, url, { ...opts, canvasTimeoutMs: waitMs });
    loads.push(load);
    log(`${url}: status ${load.status}, FCP ${fmt(load.fcpMs)} ms, canvas ${fmt(load.canvasReadyMs)} ms, shapes ${fmt(load.shapesMs)} ms, JS ${round(load.js.gzip / KB)} KB gzip${load.missing.length ? `; missing: ${load.missing.join(", ")}` : ""}`);
    if (load.status < 200 || load.status >= 300) {
      unavailable = `not available: HTTP ${load.status}`;
      break;
    }
    if (load.missing.length) {
      unavailable = `not available: ${load.missing.join(", ")}`;
      if (opts.expectShapes) break;
      waitMs = 0;
    }
  }
  return { first: loads[0]!, loads, unavailable };
}

const httpError = (s: Series) => s.unavailable?.startsWith("not available: HTTP") ?? false;
const fmt = (x: number | null) => (x === null ? "—" : String(round(x)));

function timingRow(metric: string, values: (number | null)[], unit: string, budget: number, unavailable?: string): Row {
  const m = median(values);
  const text = `≤ ${budget}${unit === "ms" ? " ms" : ""}`;
  if (m === null) return { ...row(metric, unavailable ?? "not measured", "n/a", unit), target: text };
  return row(`${metric}, median of ${values.length}`, unit === "ms" ? round(m) : round(m, 3), "n/a", unit, { text, met: m <= budget });
}

function byteRows(page: string, s: Series, jsBudgetKb?: number): Row[] {
  if (httpError(s)) return [{ ...row(`${page} JavaScript, gzip -9`, s.unavailable!, "n/a", "KB"), target: jsBudgetKb ? `≤ ${jsBudgetKb} KB` : undefined }];
  const { js, css } = s.first;
  return [
    row(`${page} JavaScript, gzip -9 (${js.files.length} files)`, round(js.gzip / KB), "n/a", "KB", jsBudgetKb ? { text: `≤ ${jsBudgetKb} KB`, met: js.gzip <= jsBudgetKb * KB } : undefined),
    row(`${page} JavaScript, raw`, round(js.raw / KB), "n/a", "KB"),
    row(`${page} CSS, gzip -9 (${css.files.length} files)`, round(css.gzip / KB), "n/a", "KB"),
  ];
}

function fileNotes(page: string, base: string, bytes: Bytes): string[] {
  return [...bytes.files]
    .sort((a, b) => b.gzip - a.gzip)
    .map((f) => `${page} ${f.url.replace(base, "")}: ${round(f.raw / KB)} KB raw, ${round(f.gzip / KB)} KB gzip`);
}

export async function main(): Promise<void> {
  const { browser, base, app, close } = await startBrowserBench("bench:bundle");
  try {
    const landing = await series(browser, `${base}/`, {});

    const board = await createBoard(app, "bench: empty board");
    const asOwner = (b: CreatedBoard) => ({ newContext: (br: Browser) => ownerContext(br, app, b) });
    const empty = await series(browser, `${base}/b/${board.id}`, { ...asOwner(board), canvasTimeoutMs: CANVAS_TIMEOUT_MS });

    let many: Series | null = null;
    if (!empty.unavailable) {
      const seeded = await createBoard(app, `bench: ${SHAPES} shapes`);
      await seedBoard(app, seeded, boardRecords(shapeGrid(SHAPES)));
      many = await series(browser, `${base}/b/${seeded.id}`, { ...asOwner(seeded), canvasTimeoutMs: CANVAS_TIMEOUT_MS, expectShapes: SHAPES });
    }

    const rows: Row[] = [
      ...byteRows("/", landing, BUDGET.landingJsKb),
      timingRow("/ FCP", landing.loads.map((l) => l.fcpMs), "ms", BUDGET.fcpMs, landing.unavailable),
      row(`/ CLS, median of ${landing.loads.length}`, round(median(landing.loads.map((l) => l.cls)) ?? NaN, 3), "n/a", ""),
      ...byteRows("board", empty, BUDGET.boardJsKb),
      timingRow("board FCP", httpError(empty) ? [] : empty.loads.map((l) => l.fcpMs), "ms", BUDGET.fcpMs, empty.unavailable),
      timingRow("board CLS", empty.unavailable ? [] : empty.loads.map((l) => l.cls), "", BUDGET.cls, empty.unavailable),
      timingRow("board editable canvas", empty.loads.map((l) => l.canvasReadyMs), "ms", BUDGET.canvasMs, empty.unavailable),
      timingRow(`board with ${SHAPES} shapes on screen`, many?.loads.map((l) => l.shapesMs) ?? [], "ms", BUDGET.shapesMs, many?.unavailable ?? empty.unavailable),
    ];
    // Only byte rows fail the run; a page that could not be measured has no bytes to judge.
    const sizeFailures = rows.filter((r) => r.metric.includes("JavaScript, gzip") && r.met === false && typeof r.ours === "number");

    publish({
      bench: "bundle",
      rows,
      notes: [
        `board = /b/<id> opened as the owner (gb_owner_<id> cookie); timings are medians of ${RUNS} cold loads in fresh contexts, bytes from the first load; 1 KB = 1,000 B`,
        ...(empty.unavailable ? [`board page: ${empty.unavailable} (the app sets [data-canvas-ready="true"] and window.editor once its canvas exists)`] : []),
        ...fileNotes("/", base, landing.first.js),
        ...(httpError(empty) ? [] : fileNotes("board", base, empty.first.js)),
        "size budgets fail the run; timing budgets are reported only",
        machine(),
      ],
      details: {
        runs: RUNS,
        budgets: BUDGET,
        landing: strip(landing, base),
        board: strip(empty, base),
        boardWithShapes: many ? strip(many, base) : null,
      },
    });
    if (sizeFailures.length) {
      console.error(`size budget exceeded: ${sizeFailures.map((r) => `${r.metric} = ${r.ours} KB (${r.target})`).join("; ")}`);
      process.exitCode = 1;
    }
  } finally {
    await close();
  }
}

/** The JSON keeps every load, with URLs relative to the server. */
function strip(s: Series, base: string) {
  const rel = (b: Bytes) => ({ ...b, files: b.files.map((f) => ({ ...f, url: f.url.replace(base, "") })) });
  return { unavailable: s.unavailable ?? null, loads: s.loads.map((l) => ({ ...l, url: l.url.replace(base, ""), js: rel(l.js), css: rel(l.css) })) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
