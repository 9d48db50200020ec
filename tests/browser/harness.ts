/**
 * Helpers for end-to-end tests in a real browser (Debian's Chromium driven by
 * playwright-core). A test file is named `*.browser.test.ts` and lives in this
 * folder; scripts/test.mjs runs these files one at a time, and only when
 * Chromium is installed (CI requires it).
 *
 *   const server = await startServer();               // production build, fresh database
 *   const browser = await launchBrowser();
 *   const board = await createBoard(server);
 *   const context = await ownerContext(browser, server, board);
 *   const page = await context.newPage();
 *   const errors = collectErrors(page);
 *   await page.goto(`${server.http}/b/${board.id}`);
 *   await waitForCanvas(page);
 *   errors.assertNone();
 *
 * What the app provides for these helpers: the canvas root element carries
 * `data-canvas-ready="true"` once the tldraw editor is mounted and the first
 * sync is done, and `window.editor` is the tldraw Editor.
 *
 * A trap when passing functions to page.evaluate / waitForFunction /
 * addInitScript: tsx compiles test files with esbuild's keepNames, which wraps
 * named inner functions (`const f = () => …` inside the function) in
 * `__name(…)` calls that do not exist in the page. Plain one-expression arrows
 * are fine; for anything bigger, pass `pageScript(fn, arg)` instead.
 */
import { createServer, type Server } from "node:http";
import { after, before } from "node:test";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { chromiumLaunchOptions, findChromium as findChromiumPath } from "../../scripts/chromium.mjs";
import { connect, createBoard, whenSynced, eventually, tokenOf, type CreatedBoard } from "../helpers/clients.js";
import { spawnServer, type ServerProcess } from "../helpers/server-process.js";
import { freshStorage, type TestStorage } from "../helpers/storage.js";
import type { TLRecord } from "@tldraw/tlschema";

export { createBoard, tokenOf, type CreatedBoard };

/** The selector the app sets on its canvas root when the editor is mounted and the first sync is done. */
export const CANVAS_READY = '[data-canvas-ready="true"]';

/** The Chromium executable (CHROMIUM_PATH or /usr/bin/chromium), or null when there is none. */
export function findChromium(): string | null {
  return findChromiumPath();
}

/** Headless Chromium with our flags (scripts/chromium.mjs). Close it in `after`. */
export function launchBrowser(opts: { headless?: boolean } = {}): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions(opts));
}

export interface TestServer extends ServerProcess {
  storage: TestStorage;
  /** Stops the server and deletes its data. */
  close(): Promise<void>;
}

/** The production build (`build/server.mjs`) on a free port with a fresh database; extra env on top. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const storage = await freshStorage();
  try {
    const server = await spawnServer(storage, env);
    return Object.assign(server, {
      storage,
      close: async () => {
        await server.stop();
        await storage.cleanup();
      },
    });
  } catch (err) {
    await storage.cleanup();
    throw err;
  }
}

/** A new browser context that holds the board owner's cookie (`gb_owner_<id>`), as the browser that created the board would. */
export async function ownerContext(
  browser: Browser,
  server: Pick<ServerProcess, "http">,
  board: Pick<CreatedBoard, "id" | "ownerToken">,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addCookies([
    { name: `gb_owner_${board.id}`, value: board.ownerToken, url: server.http, httpOnly: true, sameSite: "Lax" },
  ]);
  return context;
}

/**
 * Writes `records` (see tests/helpers/tldraw-records.ts) into the board's
 * `records` map through a Node y-websocket client with the owner token, then
 * checks with a second client that the server holds them all.
 */
export async function seedBoard(server: Pick<ServerProcess, "ws">, board: Pick<CreatedBoard, "id" | "ownerToken">, records: TLRecord[]): Promise<void> {
  const writer = connect(server, board.id, board.ownerToken, { reconnect: false });
  try {
    await whenSynced(writer);
    writer.doc.transact(() => {
      for (const record of records) writer.records.set(record.id, record);
    });
    const reader = connect(server, board.id, board.ownerToken, { reconnect: false });
    try {
      await eventually(async () => {
        await whenSynced(reader);
        return records.every((r) => reader.records.has(r.id));
      }, `the server to hold ${records.length} seeded records`);
    } finally {
      reader.destroy();
    }
  } finally {
    writer.destroy();
  }
}

/**
 * `fn(arg)` as a script string for page.evaluate / waitForFunction / addInitScript,
 * with the `__name` helper that tsx's compiled code calls (see the header).
 * `arg` must be JSON.
 *
 *   await page.evaluate(pageScript((n) => { const twice = (x: number) => 2 * x; return twice(n); }, 21));
 */
export function pageScript<A>(fn: (arg: A) => unknown, arg: A): string {
  return `(() => { const __name = (f) => f; return (${fn.toString()})(${JSON.stringify(arg)}); })()`;
}

/** Waits until the app marks its canvas ready (see CANVAS_READY) and `window.editor` exists. */
export async function waitForCanvas(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(
    (selector) => document.querySelector(selector) !== null && (window as { editor?: unknown }).editor !== undefined,
    CANVAS_READY,
    { timeout: timeoutMs },
  );
}

export interface ErrorLog {
  /** Uncaught exceptions and unhandled rejections in the page or any of its frames. */
  pageErrors: Error[];
  /** `console.error` messages, with where they came from. */
  consoleErrors: string[];
  /** Both, as lines, minus those matching `allow`. */
  all(allow?: RegExp[]): string[];
  /** Fails the test with every error thrown or logged so far, minus those matching `allow`. */
  assertNone(allow?: RegExp[]): void;
}

/**
 * Errors nobody's code caused: Chromium asks every origin for /favicon.ico on
 * its own, and logs the 404 as a console error. (A page that links an icon
 * that is missing still fails: its URL is not /favicon.ico.)
 */
const BROWSER_NOISE = [/Failed to load resource: .* 404 .*\/favicon\.ico:/];

/**
 * Starts recording errors on `page` (call it before `goto`). Cross-origin
 * iframes (embeds) report to their page too. A failed request logs a
 * "Failed to load resource" console error with its URL, so missing assets count.
 */
export function collectErrors(page: Page): ErrorLog {
  const pageErrors: Error[] = [];
  const consoleErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(err));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const { url, lineNumber } = msg.location();
    const line = `${msg.text()}${url ? ` (${url}:${lineNumber})` : ""}`;
    if (!BROWSER_NOISE.some((re) => re.test(line))) consoleErrors.push(line);
  });
  const all = (allow: RegExp[] = []) =>
    [...pageErrors.map((e) => `page error: ${e.stack ?? e.message}`), ...consoleErrors.map((m) => `console.error: ${m}`)].filter(
      (line) => !allow.some((re) => re.test(line)),
    );
  return {
    pageErrors,
    consoleErrors,
    all,
    assertNone(allow = []) {
      const lines = all(allow);
      if (lines.length) throw new Error(`the page reported ${lines.length} error(s):\n${lines.join("\n")}`);
    },
  };
}

export interface Download {
  url: string;
  /** Playwright's resource type: "script", "stylesheet", "document", "fetch", … */
  type: string;
  status: number;
  /** The decoded body (after Content-Encoding), empty when it could not be read. */
  body: Buffer;
}

export interface DownloadLog {
  /** Every finished response so far (including those whose body is still being read). */
  responses(): Promise<Download[]>;
  scripts(): Promise<Download[]>;
  stylesheets(): Promise<Download[]>;
}

/**
 * Records every response `page` receives, with its body. Call before `goto`;
 * read after the page settled (e.g. `page.waitForLoadState("networkidle")`).
 * Scripts are matched by resource type or by JavaScript content type, so
 * module preloads and dynamic imports count too.
 */
export function recordDownloads(page: Page): DownloadLog {
  const pending: Promise<Download>[] = [];
  page.on("response", (response) => {
    const request = response.request();
    pending.push(
      response.body().then(
        (body) => body,
        () => Buffer.alloc(0),
      ).then((body) => ({ url: response.url(), type: kindOf(request.resourceType(), response.headers()["content-type"] ?? ""), status: response.status(), body })),
    );
  });
  const responses = () => Promise.all(pending);
  return {
    responses,
    scripts: async () => (await responses()).filter((d) => d.type === "script"),
    stylesheets: async () => (await responses()).filter((d) => d.type === "stylesheet"),
  };
}

function kindOf(resourceType: string, contentType: string): string {
  if (/javascript|ecmascript/i.test(contentType)) return "script";
  if (/text\/css/i.test(contentType)) return "stylesheet";
  return resourceType;
}

export interface EmbedHost {
  /** The host page, e.g. http://localhost:41234/ */
  url: string;
  port: number;
  /** The iframe's src. */
  embedUrl: string;
  close(): Promise<void>;
}

/**
 * A page on another origin (its own port, and by default the host name
 * `localhost`, so it is cross-site too) whose only content is
 * `<iframe src="http://127.0.0.1:<appPort>/embed/<token>">`: the embed as a
 * third-party site shows it. `embed` is the board's embed link or its token.
 */
export async function startEmbedHost(
  server: Pick<ServerProcess, "http">,
  embed: string,
  opts: { hostname?: "localhost" | "127.0.0.1"; width?: number; height?: number } = {},
): Promise<EmbedHost> {
  const embedUrl = `${server.http}/embed/${tokenOf(embed)}`;
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Embed host</title></head>
<body style="margin:0">
<h1 style="font:16px sans-serif;margin:8px">A third-party page</h1>
<iframe id="board" src="${embedUrl}" width="${opts.width ?? 800}" height="${opts.height ?? 600}" style="border:1px solid #ccc"></iframe>
</body>
</html>`;
  const host: Server = createServer((req, res) => {
    if (req.url === "/" || req.url === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(html);
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise<void>((resolve, reject) => {
    host.once("error", reject);
    host.listen(0, "127.0.0.1", resolve);
  });
  const port = (host.address() as AddressInfo).port;
  return {
    url: `http://${opts.hostname ?? "localhost"}:${port}/`,
    port,
    embedUrl,
    close: () =>
      new Promise<void>((resolve) => {
        host.closeAllConnections();
        host.close(() => resolve());
      }),
  };
}

/** One server and one browser for all the tests of a `describe`: started before them, closed after. */
export function sharedBrowserAndServer(env?: Record<string, string>): { server: TestServer; browser: Browser } {
  const shared = {} as { server: TestServer; browser: Browser };
  before(async () => {
    [shared.server, shared.browser] = await Promise.all([startServer(env), launchBrowser()]);
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.close();
  });
  return shared;
}
