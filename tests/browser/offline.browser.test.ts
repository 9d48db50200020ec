import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { collectErrors, createBoard, launchBrowser, pageScript, startServer, waitForCanvas, type CreatedBoard, type ErrorLog, type TestServer } from "./harness.js";
import { canvasBox, drawRectangle, focusCanvas, personContext, renderedShapes, SLOW, until, waitForShapes, waitForStatus } from "./board-helpers.js";

/** The board page's offline copy (IndexedDB) and service worker, as a person on a train would meet them. */
describe("a board offline", () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function open(board: CreatedBoard, name: string, color: string): Promise<{ context: BrowserContext; page: Page; errors: ErrorLog }> {
    const context = await personContext(browser, name, color);
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.http}${board.links.edit}`);
    await waitForCanvas(page, SLOW);
    await waitForStatus(page, "connected");
    return { context, page, errors };
  }

  async function draw(page: Page, fx: number, fy: number): Promise<string> {
    const box = await canvasBox(page);
    await focusCanvas(page, { x: box.x + box.width * 0.85, y: box.y + box.height * 0.2 });
    const id = await drawRectangle(
      page,
      { x: box.x + box.width * fx, y: box.y + box.height * fy },
      { x: box.x + box.width * (fx + 0.1), y: box.y + box.height * (fy + 0.12) },
    );
    assert.ok(id, "the drag created a shape");
    return id;
  }

  test("a reload keeps the board", async () => {
    const board = await createBoard(server, "Reload board");
    const { page, errors } = await open(board, "Rita", "#1971c2");
    const shape = await draw(page, 0.3, 0.35);

    await page.reload();
    await waitForCanvas(page, SLOW);
    await waitForStatus(page, "connected");
    await waitForShapes(page, [shape]);
    assert.equal(await renderedShapes(page), 1, "the rectangle is drawn again after the reload");
    assert.equal(await page.locator('[data-testid="board-title"]').inputValue(), "Reload board");
    errors.assertNone();
  });

  test("a short time offline: drawings made meanwhile on both sides meet when the connection is back", async () => {
    const board = await createBoard(server, "Tunnel board");
    const traveller = await open(board, "Tara", "#5f3dc4");
    const colleague = await open(board, "Colm", "#e8590c");

    await traveller.context.setOffline(true);
    await waitForStatus(traveller.page, "offline");
    const away = await draw(traveller.page, 0.25, 0.3);
    const home = await draw(colleague.page, 0.5, 0.5);
    await waitForShapes(traveller.page, [away]);

    await traveller.context.setOffline(false);
    await waitForStatus(traveller.page, "connected");
    await waitForShapes(traveller.page, [away, home]);
    await waitForShapes(colleague.page, [away, home]);
    assert.equal(await renderedShapes(colleague.page), 2);

    traveller.errors.assertNone();
    colleague.errors.assertNone();
  });

  test("offline: draw, reload from the offline copy, and the drawing merges with others' once back online", async () => {
    const board = await createBoard(server, "Train board");
    const { context, page, errors } = await open(board, "Oscar", "#f08c00");
    const online = await draw(page, 0.2, 0.2);
    const colleague = await open(board, "Olga", "#2f9e44");
    await waitForShapes(colleague.page, [online]);

    // The board page installs a service worker. Once it controls the page and
    // holds a copy of it and of the code it loaded, the board can reload
    // offline: from the first visit on, without a second online load.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: SLOW });
    const keptForOffline = pageScript(async () => {
      const mine = (url: string) => new URL(url).origin === location.origin;
      const code = performance
        .getEntriesByType("resource")
        .map((e) => e.name)
        .filter((url) => mine(url) && new URL(url).pathname.startsWith("/build/"));
      const kept = await Promise.all([location.href, ...code].map((url) => caches.match(url)));
      return kept.every((response) => response !== undefined);
    }, null);
    await until(async () => (await page.evaluate(keptForOffline)) === true, "the service worker to keep the page and its code");

    // Offline: the app says so, and drawing still works. Meanwhile the colleague, online, draws too.
    await context.setOffline(true);
    await waitForStatus(page, "offline");
    const offline = await draw(page, 0.45, 0.45);
    const meanwhile = await draw(colleague.page, 0.2, 0.6);
    await waitForShapes(page, [online, offline]);

    // A reload while offline opens the board from this browser's copy.
    const reloaded = await page.reload();
    assert.equal(reloaded?.status(), 200);
    assert.ok(reloaded?.fromServiceWorker(), "the service worker answered the offline reload");
    await waitForCanvas(page, SLOW);
    await waitForStatus(page, "offline");
    await waitForShapes(page, [online, offline]);
    assert.equal(await renderedShapes(page), 2, "both rectangles are drawn, the offline one too");

    // Back online: both sides' drawings merge, and a browser that was never here sees them all.
    await context.setOffline(false);
    await waitForStatus(page, "connected");
    const all = [online, offline, meanwhile];
    await waitForShapes(page, all);
    await waitForShapes(colleague.page, all);
    assert.equal(await renderedShapes(page), 3);
    assert.equal(await renderedShapes(colleague.page), 3, "the colleague sees the rectangle drawn offline");
    const newcomer = await open(board, "Nina", "#c2255c");
    await waitForShapes(newcomer.page, all);
    assert.equal(await renderedShapes(newcomer.page), 3, "a fresh browser draws the rectangle made offline");

    errors.assertNone();
    colleague.errors.assertNone();
    newcomer.errors.assertNone();
  });
});
