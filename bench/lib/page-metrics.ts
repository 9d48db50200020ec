/**
 * One cold page load in Chromium and what it cost: the scripts and stylesheets
 * it downloaded (raw and gzip -9), First Contentful Paint, Cumulative Layout
 * Shift, and — for the canvas — when the editor became usable.
 *
 * Timings are read inside the page, relative to its navigation start
 * (performance.timeOrigin), by an init script that runs before any of the
 * page's own code:
 *   - FCP: the 'first-contentful-paint' paint entry;
 *   - CLS: layout-shift entries without recent input, grouped in session
 *     windows (gap < 1 s, window < 5 s) as web-vitals does; the largest window;
 *   - canvas ready: a MutationObserver notes when `[data-canvas-ready="true"]`
 *     first exists (the app sets it once tldraw is mounted and synced);
 *   - shapes: from canvas ready on, a requestAnimationFrame check notes the
 *     first frame in which `window.editor.getCurrentPageShapeIds().size`
 *     reaches the expected count.
 */
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext } from "playwright-core";
import { pageScript, recordDownloads, type Download } from "../../tests/browser/harness.js";

export interface SizedFile {
  url: string;
  raw: number;
  gzip: number;
}

export interface Bytes {
  raw: number;
  gzip: number;
  files: SizedFile[];
}

export interface PageLoad {
  url: string;
  /** HTTP status of the document. */
  status: number;
  fcpMs: number | null;
  cls: number;
  /** null when the app never marked its canvas ready (or we did not wait for it). */
  canvasReadyMs: number | null;
  /** null when the page never held `expectShapes` shapes (or none were expected). */
  shapesMs: number | null;
  /** Why canvasReadyMs / shapesMs are null, when we waited for them. */
  missing: string[];
  js: Bytes;
  css: Bytes;
}

export interface LoadOptions {
  /** Opens the context, e.g. with the owner's cookie; a plain new context by default. */
  newContext?: (browser: Browser) => Promise<BrowserContext>;
  /** Wait up to this long for the canvas (0: don't wait). */
  canvasTimeoutMs?: number;
  /** Wait until the editor holds this many shapes on its current page. */
  expectShapes?: number;
  /** Quiet time after the last wait before CLS is read and bytes are summed. */
  settleMs?: number;
}

interface InPageMetrics {
  cls: number;
  canvasReady: number | null;
  shapes: number | null;
}

/** What the init script adds to `window` (no global declaration: the app declares `window.editor` its own way). */
type MetricsWindow = Window & { __gbMetrics?: InPageMetrics; editor?: { getCurrentPageShapeIds?(): { size: number } } };

/** Runs in the page before its scripts (page.addInitScript via pageScript); serialised, so it must be self-contained. */
function installMetrics({ expectShapes }: { expectShapes: number }) {
  if (window.top !== window) return;
  const w = window as MetricsWindow;
  const m: InPageMetrics = { cls: 0, canvasReady: null, shapes: null };
  w.__gbMetrics = m;

  let session = 0;
  let first = 0;
  let last = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
      if (e.hadRecentInput) continue;
      if (session > 0 && e.startTime - last < 1000 && e.startTime - first < 5000) session += e.value;
      else {
        session = e.value;
        first = e.startTime;
      }
      last = e.startTime;
      m.cls = Math.max(m.cls, session);
    }
  }).observe({ type: "layout-shift", buffered: true });

  const watchShapes = () => {
    if (!expectShapes) return;
    const frame = () => {
      const ids = w.editor?.getCurrentPageShapeIds?.();
      if (ids && ids.size >= expectShapes) m.shapes = performance.now();
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  const ready = () => document.querySelector('[data-canvas-ready="true"]') !== null;
  const observer = new MutationObserver(() => {
    if (m.canvasReady !== null || !ready()) return;
    m.canvasReady = performance.now();
    observer.disconnect();
    watchShapes();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-canvas-ready"] });
}

/** Loads `url` once in a fresh context (cold HTTP cache) and measures it. */
export async function measureLoad(browser: Browser, url: string, opts: LoadOptions = {}): Promise<PageLoad> {
  const context = await (opts.newContext ?? ((b) => b.newContext()))(browser);
  try {
    const page = await context.newPage();
    const downloads = recordDownloads(page);
    await page.addInitScript(pageScript(installMetrics, { expectShapes: opts.expectShapes ?? 0 }));
    const response = await page.goto(url, { waitUntil: "load", timeout: 30_000 });
    const status = response?.status() ?? 0;
    const missing: string[] = [];
    // An error page never gets a canvas: no point waiting for one.
    const canvasTimeoutMs = response?.ok() ? (opts.canvasTimeoutMs ?? 0) : 0;
    if (canvasTimeoutMs > 0) {
      const waitFor = async (what: "canvasReady" | "shapes", label: string) => {
        try {
          await page.waitForFunction((key) => (window as MetricsWindow).__gbMetrics?.[key] != null, what, { timeout: canvasTimeoutMs, polling: 50 });
        } catch {
          missing.push(`${label} not within ${canvasTimeoutMs / 1000} s`);
        }
      };
      await waitFor("canvasReady", '[data-canvas-ready="true"]');
      if (opts.expectShapes && missing.length === 0) await waitFor("shapes", `window.editor with ${opts.expectShapes} shapes`);
    }
    await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => {});
    await page.waitForTimeout(opts.settleMs ?? 500);
    const inPage = await page.evaluate(() => ({
      metrics: (window as MetricsWindow).__gbMetrics ?? { cls: 0, canvasReady: null, shapes: null },
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
    }));
    const all = await downloads.responses();
    return {
      url,
      status,
      fcpMs: inPage.fcp,
      cls: inPage.metrics.cls,
      canvasReadyMs: inPage.metrics.canvasReady,
      shapesMs: inPage.metrics.shapes,
      missing,
      js: sizes(all.filter((d) => d.type === "script")),
      css: sizes(all.filter((d) => d.type === "stylesheet")),
    };
  } finally {
    await context.close();
  }
}

/** Sum of raw and gzip -9 sizes; every response counts, as the browser downloaded it. */
export function sizes(downloads: Download[]): Bytes {
  const files = downloads.map((d) => ({ url: d.url, raw: d.body.length, gzip: gzipSync(d.body, { level: 9 }).length }));
  return { raw: sum(files.map((f) => f.raw)), gzip: sum(files.map((f) => f.gzip)), files };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function median(values: (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}
