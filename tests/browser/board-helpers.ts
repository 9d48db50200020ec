/**
 * What the canvas tests do on a board page, as a person would: a browser
 * context with a chosen name, drawing a rectangle with the mouse, and reading
 * back what the canvas holds. Built on harness.ts (see its header about
 * `pageScript`).
 */
import { randomUUID } from "node:crypto";
import type { Browser, BrowserContext, BrowserContextOptions, Frame, Page } from "playwright-core";
import { CANVAS_READY, pageScript } from "./harness.js";

/** Generous: the test machine has two busy cores. */
export const SLOW = 20_000;

export interface Person {
  id: string;
  name: string;
  color: string;
}

/**
 * Makes `context` a browser in which `person` already chose their name (the
 * app keeps it in localStorage as `genboard:user`), so the name prompt stays
 * away and others see that name on the cursor. A name set later in the page
 * is kept: the script only writes when nothing is stored.
 */
export async function actAs(context: BrowserContext, person: Person): Promise<void> {
  await context.addInitScript(
    pageScript(
      (user) => {
        try {
          if (!localStorage.getItem("genboard:user")) localStorage.setItem("genboard:user", JSON.stringify({ ...user, named: true }));
        } catch {
          /* storage blocked (third-party frame): the app picks a guest name */
        }
      },
      person,
    ),
  );
}

/** A new browser context (cookies, storage, service workers of its own) for `name`. */
export async function personContext(browser: Browser, name: string, color: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await actAs(context, { id: randomUUID(), name, color });
  return context;
}

type Target = Page | Frame;

/** The ids of the shapes on the editor's current page. */
export function shapeIds(target: Target): Promise<string[]> {
  return target.evaluate(() => (window as any).editor.getCurrentPageShapes().map((s: { id: string }) => s.id) as string[]);
}

/** How many shapes the canvas draws (DOM), which is what a person sees. */
export function renderedShapes(target: Target): Promise<number> {
  return target.locator(".tl-canvas .tl-shape").count();
}

/** Waits until the editor's current page holds exactly `ids` (any order). */
export async function waitForShapes(target: Target, ids: string[], timeout = SLOW): Promise<void> {
  await target.waitForFunction(
    pageScript(
      (want) => {
        const editor = (window as any).editor;
        if (!editor) return false;
        const have: string[] = editor.getCurrentPageShapes().map((s: { id: string }) => s.id);
        return have.length === want.length && want.every((id) => have.includes(id));
      },
      ids,
    ),
    undefined,
    { timeout },
  );
}

/** Waits until the connection badge says `status` (connecting|connected|reconnecting|offline|refused). */
export async function waitForStatus(page: Page, status: string, timeout = SLOW): Promise<void> {
  await page.locator(`[data-testid="connection-status"][data-status="${status}"]`).waitFor({ state: "visible", timeout });
}

/** Where the canvas is on the page (viewport pixels). */
export async function canvasBox(target: Target): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await target.locator(".tl-canvas").boundingBox();
  if (!box) throw new Error("the canvas is not on screen");
  return box;
}

/**
 * Draws with the mouse: presses a tool's key ("r" rectangle, "a" arrow) and
 * drags from `from` to `to`, both in page pixels. Returns the id of the shape
 * the editor created (the one not there before), or null when none was.
 * `board` is where the editor is: the page, or the frame of an embed in it.
 */
export async function drawWithTool(
  page: Page,
  toolKey: string,
  from: { x: number; y: number },
  to: { x: number; y: number },
  board: Target = page,
): Promise<string | null> {
  const before = new Set(await shapeIds(board));
  await page.mouse.move(from.x, from.y);
  await page.keyboard.press(toolKey);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
  const after = await shapeIds(board);
  const created = after.filter((id) => !before.has(id));
  return created.length === 1 ? created[0]! : null;
}

export const drawRectangle = (page: Page, from: { x: number; y: number }, to: { x: number; y: number }, board: Target = page) => drawWithTool(page, "r", from, to, board);

/** Clicks an empty spot of the canvas (in page pixels) so the editor has keyboard focus, then Escape clears any selection. */
export async function focusCanvas(page: Page, at: { x: number; y: number }): Promise<void> {
  await page.mouse.click(at.x, at.y);
  await page.keyboard.press("Escape");
}

/** The board inside the page's <iframe> (an embed), once its canvas is ready. */
export async function embeddedBoard(page: Page, timeout = SLOW): Promise<Frame> {
  const handle = await page.locator("iframe").elementHandle({ timeout });
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error("the page has no iframe");
  await frame.waitForFunction(
    (selector) => document.querySelector(selector) !== null && (window as { editor?: unknown }).editor !== undefined,
    CANVAS_READY,
    { timeout },
  );
  return frame;
}

/**
 * Resolves once `watcher` sees `mover`'s cursor within a few pixels of page
 * point `to` (the mover's mouse is moved there first). Presence travels on the
 * same socket, after anything the mover sent before: once the cursor arrived,
 * so did any document change the mover made earlier.
 */
export async function cursorArrives(mover: Page, watcher: Page, to: { x: number; y: number }, timeout = SLOW): Promise<void> {
  await mover.mouse.move(to.x, to.y, { steps: 3 });
  const point = await mover.evaluate((p) => (window as any).editor.screenToPage(p), to);
  await watcher.waitForFunction(
    pageScript(
      (want) =>
        ((window as any).editor?.getCollaborators() ?? []).some(
          (c: { cursor?: { x: number; y: number } }) => c.cursor && Math.abs(c.cursor.x - want.x) < 2 && Math.abs(c.cursor.y - want.y) < 2,
        ),
      point,
    ),
    undefined,
    { timeout },
  );
}

/** What this browser keeps of a board for offline use: its page in the service worker's cache, its data in IndexedDB. */
export function offlineCopy(page: Page, boardId: string): Promise<{ page: boolean; data: boolean }> {
  return page.evaluate(
    pageScript(
      async (id) => ({
        page: (await caches.match(`/b/${id}`)) !== undefined,
        data: (await indexedDB.databases()).some((db) => db.name === `genboard:${id}`),
      }),
      boardId,
    ),
  ) as Promise<{ page: boolean; data: boolean }>;
}

/** Polls `check` (test side) every 250 ms until it holds; fails naming `what` after `timeout`. */
export async function until(check: () => Promise<boolean>, what: string, timeout = SLOW): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
