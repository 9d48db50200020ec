import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { collectErrors, createBoard, launchBrowser, startServer, waitForCanvas, type CreatedBoard, type ErrorLog, type TestServer } from "./harness.js";
import { canvasBox, cursorArrives, drawRectangle, focusCanvas, personContext, renderedShapes, shapeIds, SLOW, waitForShapes, waitForStatus } from "./board-helpers.js";

/** Two people, each in their own browser, who opened the same edit link. */
describe("two people on one edit link", () => {
  let server: TestServer;
  let browser: Browser;
  let board: CreatedBoard;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    board = await createBoard(server, "Team sketch");
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  /** A browser on the edit link; `person`: one in which they already chose their name. */
  async function open(person?: { name: string; color: string }): Promise<{ page: Page; errors: ErrorLog }> {
    const context = person ? await personContext(browser, person.name, person.color) : await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const response = await page.goto(`${server.http}${board.links.edit}`);
    assert.equal(response?.status(), 200, "the edit link opens");
    assert.equal(new URL(page.url()).pathname, `/b/${board.id}`, "the share link lands on the board page");
    await waitForCanvas(page, SLOW);
    await waitForStatus(page, "connected");
    return { page, errors };
  }

  test("shapes, cursors, undo and the title travel between the two browsers", async () => {
    const alice = await open({ name: "Alice", color: "#e03131" });
    const bob = await open(); // Bob has not told the app his name yet
    const a = alice.page;
    const b = bob.page;
    assert.equal(await a.evaluate(() => (window as any).editor.getIsReadonly()), false, "an edit link gives an editable canvas");
    assert.equal(await b.evaluate(() => (window as any).editor.getIsReadonly()), false);
    assert.equal(await a.locator('[data-testid="name-prompt"]').count(), 0, "a person who chose a name is not asked again");

    const box = await canvasBox(a);
    const at = (fx: number, fy: number) => ({ x: box.x + box.width * fx, y: box.y + box.height * fy });

    // Alice draws a rectangle with the mouse; Bob sees it.
    await focusCanvas(a, at(0.8, 0.3));
    const aliceShape = await drawRectangle(a, at(0.3, 0.35), at(0.45, 0.55));
    assert.ok(aliceShape, "Alice's drag created one shape");
    await waitForShapes(b, [aliceShape]);
    await b.waitForFunction((n) => document.querySelectorAll(".tl-canvas .tl-shape").length === n, 1, { timeout: SLOW });

    // Alice's cursor, with her name, moves on Bob's screen.
    await a.mouse.move(at(0.6, 0.4).x, at(0.6, 0.4).y, { steps: 5 });
    await a.mouse.move(at(0.62, 0.42).x, at(0.62, 0.42).y, { steps: 3 });
    const aliceCursor = b.locator(".tl-collaborator__cursor");
    await aliceCursor.first().waitFor({ state: "visible", timeout: SLOW });
    await b.waitForFunction(
      () => [...document.querySelectorAll(".tl-collaborator__cursor")].some((c) => c.textContent?.includes("Alice")),
      undefined,
      { timeout: SLOW },
    );
    assert.equal(await aliceCursor.count(), 1, "Bob sees one other cursor");
    assert.match((await aliceCursor.first().textContent()) ?? "", /Alice/);

    // Bob draws his own rectangle; Alice sees it.
    await focusCanvas(b, at(0.8, 0.3));
    const bobShape = await drawRectangle(b, at(0.55, 0.6), at(0.7, 0.75));
    assert.ok(bobShape, "Bob's drag created one shape");
    await waitForShapes(a, [aliceShape, bobShape]);
    await waitForShapes(b, [aliceShape, bobShape]);

    // Bob is asked for his name (without being stopped from drawing); once he
    // gives it, Alice sees it on his cursor.
    const prompt = b.getByTestId("name-prompt");
    await prompt.waitFor({ state: "visible", timeout: SLOW });
    await prompt.getByRole("textbox").click();
    await b.keyboard.type("Bob");
    await b.keyboard.press("Enter");
    await prompt.waitFor({ state: "detached", timeout: SLOW });
    await cursorArrives(b, a, at(0.5, 0.3));
    await a.waitForFunction(
      () => [...document.querySelectorAll(".tl-collaborator__cursor")].some((c) => c.textContent?.trim() === "Bob"),
      undefined,
      { timeout: SLOW },
    );
    assert.deepEqual((await shapeIds(b)).sort(), [aliceShape, bobShape].sort(), "typing the name drew nothing (no tool shortcuts)");
    assert.equal(await b.evaluate(() => (window as any).editor.getCurrentToolId()), "select");

    // Alice undoes: only her own rectangle goes, on both screens. Her canvas
    // still has the keyboard focus from drawing (a click to focus it would be
    // a selection change of its own, which tldraw's undo reverts first).
    assert.equal(await a.evaluate(() => (window as any).editor.getInstanceState().isFocused), true, "Alice's canvas has the keyboard");
    await a.keyboard.press("Control+z");
    await waitForShapes(a, [bobShape]);
    await waitForShapes(b, [bobShape]);
    assert.equal(await renderedShapes(a), 1, "Alice's canvas draws Bob's rectangle only");
    await b.waitForFunction((n) => document.querySelectorAll(".tl-canvas .tl-shape").length === n, 1, { timeout: SLOW });

    // Undoing everything Alice has left to undo never takes Bob's rectangle.
    for (let i = 0; i < 20 && (await a.evaluate(() => (window as any).editor.getCanUndo())); i++) await a.keyboard.press("Control+z");
    assert.equal(await a.evaluate(() => (window as any).editor.getCanUndo()), false, "Alice's undo stack ran out");
    assert.deepEqual(await shapeIds(a), [bobShape], "Bob's rectangle is not in Alice's undo history");

    // Alice renames the board; Bob's title follows.
    const title = a.locator('[data-testid="board-title"]');
    assert.equal(await title.inputValue(), "Team sketch");
    await title.click();
    await a.keyboard.press("Control+a");
    await a.keyboard.type("Roadmap sketch");
    await a.keyboard.press("Enter");
    await b.waitForFunction(
      () => (document.querySelector('[data-testid="board-title"]') as HTMLInputElement | null)?.value === "Roadmap sketch",
      undefined,
      { timeout: SLOW },
    );
    assert.equal(await title.inputValue(), "Roadmap sketch");
    // The rename reached Bob after anything Alice's undos sent, so his board is final here.
    assert.deepEqual(await shapeIds(b), [bobShape], "Bob still has his rectangle");
    assert.deepEqual(await shapeIds(a), [bobShape]);
    assert.equal(await renderedShapes(b), 1);

    alice.errors.assertNone();
    bob.errors.assertNone();
  });
});
