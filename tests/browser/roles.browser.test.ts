import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { connect, whenSynced } from "../helpers/clients.js";
import {
  collectErrors,
  createBoard,
  launchBrowser,
  ownerContext,
  startEmbedHost,
  startServer,
  waitForCanvas,
  type CreatedBoard,
  type EmbedHost,
  type ErrorLog,
  type TestServer,
} from "./harness.js";
import {
  actAs,
  canvasBox,
  cursorArrives,
  drawRectangle,
  embeddedBoard,
  focusCanvas,
  offlineCopy,
  personContext,
  renderedShapes,
  shapeIds,
  SLOW,
  until,
  waitForShapes,
  waitForStatus,
} from "./board-helpers.js";

/**
 * Chromium logs a document answered with an error status as a console error
 * ("Failed to load resource: the server responded with a status of 403 …
 * (<url>:0)"): the pages these tests are refused on purpose.
 */
const refusedDocument = (status: number, url: string) =>
  new RegExp(`^console\\.error: Failed to load resource: the server responded with a status of ${status} .*\\(${url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:0\\)$`);

/** What the owner, a viewer and an embedding site may do, and what happens when the owner turns a link off. */
describe("roles: owner, viewer, embed, refusals", () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const hosts: EmbedHost[] = [];

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    for (const host of hosts) await host.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  /** The owner's browser on a new board, with one rectangle they drew. */
  async function ownerWithRectangle(title: string) {
    const board = await createBoard(server, title);
    const context = await ownerContext(browser, server, board);
    await actAs(context, { id: randomUUID(), name: "Olivia", color: "#2f9e44" });
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.http}/b/${board.id}`);
    await waitForCanvas(page, SLOW);
    await waitForStatus(page, "connected");
    const box = await canvasBox(page);
    await focusCanvas(page, { x: box.x + box.width * 0.8, y: box.y + box.height * 0.3 });
    const shape = await drawRectangle(
      page,
      { x: box.x + box.width * 0.3, y: box.y + box.height * 0.3 },
      { x: box.x + box.width * 0.45, y: box.y + box.height * 0.5 },
    );
    assert.ok(shape, "the owner drew a rectangle");
    return { board, page, errors, shape };
  }

  async function openViewer(board: CreatedBoard, name = "Victor"): Promise<{ context: BrowserContext; page: Page; errors: ErrorLog }> {
    const context = await personContext(browser, name, "#9c36b5");
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const response = await page.goto(`${server.http}${board.links.view}`);
    assert.equal(response?.status(), 200);
    assert.equal(new URL(page.url()).pathname, `/b/${board.id}`, "the view link lands on the board page");
    await waitForCanvas(page, SLOW);
    await waitForStatus(page, "connected");
    return { context, page, errors };
  }

  /** The shape ids the server holds for the board, read by a fresh Node client. */
  async function serverShapes(board: CreatedBoard): Promise<string[]> {
    const reader = connect(server, board.id, board.ownerToken, { reconnect: false });
    try {
      await whenSynced(reader);
      return [...reader.records.keys()].filter((k) => k.startsWith("shape:")).sort();
    } finally {
      reader.destroy();
    }
  }

  test("a viewer sees the owner's shapes live and cannot change the board", async () => {
    const owner = await ownerWithRectangle("Viewer board");
    const viewer = await openViewer(owner.board);
    await waitForShapes(viewer.page, [owner.shape]);
    assert.equal(await renderedShapes(viewer.page), 1, "the viewer's canvas draws the owner's rectangle");
    assert.equal(await viewer.page.evaluate(() => (window as any).editor.getIsReadonly()), true, "a view link gives a read-only canvas");
    const title = viewer.page.locator('[data-testid="board-title"]');
    assert.equal(await title.evaluate((el) => el.tagName), "DIV", "a viewer cannot rename the board");
    assert.equal(await title.textContent(), "Viewer board");

    // The viewer tries to draw a rectangle with the mouse, then to delete everything.
    const box = await canvasBox(viewer.page);
    const at = (fx: number, fy: number) => ({ x: box.x + box.width * fx, y: box.y + box.height * fy });
    await focusCanvas(viewer.page, at(0.8, 0.3));
    const drawn = await drawRectangle(viewer.page, at(0.55, 0.55), at(0.7, 0.75));
    assert.equal(drawn, null, "the viewer's drag created no shape");
    await viewer.page.keyboard.press("Control+a");
    await viewer.page.keyboard.press("Delete");

    // The viewer's cursor reaching the owner proves everything the viewer's
    // browser sent before it has been through the server; a second more for
    // anything slower.
    await cursorArrives(viewer.page, owner.page, at(0.6, 0.4));
    await owner.page.waitForTimeout(1000);
    assert.deepEqual(await shapeIds(owner.page), [owner.shape], "the owner's board is unchanged");
    assert.equal(await renderedShapes(owner.page), 1);
    assert.deepEqual(await shapeIds(viewer.page), [owner.shape], "the viewer's board is unchanged");
    assert.equal(await renderedShapes(viewer.page), 1);
    assert.deepEqual(await serverShapes(owner.board), [owner.shape], "the server holds the owner's rectangle only");

    // The owner keeps drawing; the viewer keeps up.
    const oBox = await canvasBox(owner.page);
    const second = await drawRectangle(
      owner.page,
      { x: oBox.x + oBox.width * 0.2, y: oBox.y + oBox.height * 0.6 },
      { x: oBox.x + oBox.width * 0.3, y: oBox.y + oBox.height * 0.75 },
    );
    assert.ok(second);
    await waitForShapes(viewer.page, [owner.shape, second]);

    owner.errors.assertNone();
    viewer.errors.assertNone();
  });

  test("an embed on another site shows the board read-only; an edit-token embed can draw", async () => {
    const owner = await ownerWithRectangle("Embedded board");

    // The board's embed link, in an <iframe> of a page on another origin, with no cookies.
    const host = await startEmbedHost(server, owner.board.links.embed);
    hosts.push(host);
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(host.url);
    const frame = await embeddedBoard(page);
    await waitForShapes(frame, [owner.shape]);
    assert.equal(await page.frameLocator("iframe").locator(".tl-canvas .tl-shape").count(), 1, "the embed draws the owner's rectangle");
    assert.equal(await frame.evaluate(() => (window as any).editor.getIsReadonly()), true, "the embed is read-only");
    assert.equal(await frame.locator('[data-testid="share-button"], [data-testid="board-title"], [data-testid="name-prompt"]').count(), 0, "an embed shows none of the app's chrome");

    // Drawing in the embed does nothing.
    const box = await canvasBox(frame);
    const at = (fx: number, fy: number) => ({ x: box.x + box.width * fx, y: box.y + box.height * fy });
    await focusCanvas(page, at(0.8, 0.3));
    assert.equal(await drawRectangle(page, at(0.55, 0.55), at(0.75, 0.75), frame), null, "the embed's drag created no shape");
    assert.deepEqual(await shapeIds(frame), [owner.shape]);

    // Live: the owner draws again, the embed follows.
    const oBox = await canvasBox(owner.page);
    const second = await drawRectangle(
      owner.page,
      { x: oBox.x + oBox.width * 0.2, y: oBox.y + oBox.height * 0.6 },
      { x: oBox.x + oBox.width * 0.3, y: oBox.y + oBox.height * 0.75 },
    );
    assert.ok(second);
    await waitForShapes(frame, [owner.shape, second]);
    assert.deepEqual(await serverShapes(owner.board), [owner.shape, second].sort(), "nothing from the read-only embed reached the server");

    // An embed made from the edit link's token is editable.
    const editHost = await startEmbedHost(server, owner.board.links.edit);
    hosts.push(editHost);
    const editPage = await context.newPage();
    const editErrors = collectErrors(editPage);
    await editPage.goto(editHost.url);
    const editFrame = await embeddedBoard(editPage);
    await waitForShapes(editFrame, [owner.shape, second]);
    assert.equal(await editFrame.evaluate(() => (window as any).editor.getIsReadonly()), false, "an edit-token embed is editable");
    const eBox = await canvasBox(editFrame);
    await focusCanvas(editPage, { x: eBox.x + eBox.width * 0.85, y: eBox.y + eBox.height * 0.2 });
    const fromEmbed = await drawRectangle(
      editPage,
      { x: eBox.x + eBox.width * 0.55, y: eBox.y + eBox.height * 0.55 },
      { x: eBox.x + eBox.width * 0.75, y: eBox.y + eBox.height * 0.75 },
      editFrame,
    );
    assert.ok(fromEmbed, "the drag in the edit embed created a shape");
    await waitForShapes(owner.page, [owner.shape, second, fromEmbed]);
    await waitForShapes(frame, [owner.shape, second, fromEmbed]);

    owner.errors.assertNone();
    errors.assertNone();
    editErrors.assertNone();
  });

  test("an unknown share link is a 404 page; a board without a role is a 403 page with a way home", async () => {
    const board = await createBoard(server, "Private board");
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectErrors(page);

    const unknownUrl = `${server.http}/s/${randomBytes(24).toString("base64url")}`;
    const unknown = await page.goto(unknownUrl);
    assert.equal(unknown?.status(), 404);
    await page.getByRole("heading", { name: "This link does not work" }).waitFor({ timeout: SLOW });
    assert.equal(await page.locator(".tl-canvas").count(), 0);

    const noRole = await page.goto(`${server.http}/b/${board.id}`);
    assert.equal(noRole?.status(), 403);
    await page.getByRole("heading", { name: "You don't have access to this board" }).waitFor({ timeout: SLOW });
    assert.equal(await page.locator(".tl-canvas").count(), 0, "no canvas for a browser without a role");
    const home = page.getByRole("link", { name: "Back to Genboard" });
    assert.equal(await home.getAttribute("href"), "/");
    await home.click();
    await page.waitForURL(`${server.http}/`, { timeout: SLOW });
    await page.getByRole("heading", { name: "Genboard", exact: true }).waitFor({ timeout: SLOW });

    errors.assertNone([refusedDocument(404, unknownUrl), refusedDocument(403, `${server.http}/b/${board.id}`)]);
  });

  test("turning the view link off ends an open viewer's session, and the board stays closed to it", async () => {
    const owner = await ownerWithRectangle("Revoked board");
    const viewer = await openViewer(owner.board);
    await waitForShapes(viewer.page, [owner.shape]);
    // The viewer's browser keeps the board for offline use (page and data).
    await until(async () => {
      const copy = await offlineCopy(viewer.page, owner.board.id);
      return copy.page && copy.data;
    }, "the viewer's browser to keep an offline copy");

    const response = await fetch(`${server.http}/api/boards/${owner.board.id}/links/view`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${owner.board.ownerToken}` },
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { disconnected: number };
    assert.ok(body.disconnected >= 1, `the viewer's socket was closed (disconnected: ${body.disconnected})`);

    const ended = viewer.page.locator('[data-testid="access-ended"]');
    await ended.waitFor({ state: "visible", timeout: SLOW });
    assert.match((await ended.textContent()) ?? "", /You're off this board/);
    assert.equal(await viewer.page.locator(".tl-canvas").count(), 0, "the canvas is gone");
    assert.equal(await viewer.page.locator(".tl-shape").count(), 0, "no shape of the board stays on screen");
    await until(async () => {
      const copy = await offlineCopy(viewer.page, owner.board.id);
      return !copy.page && !copy.data;
    }, "the viewer's browser to drop its offline copy of the board");

    // The owner is not affected.
    await waitForStatus(owner.page, "connected");
    assert.deepEqual(await shapeIds(owner.page), [owner.shape]);

    // Reloading does not bring the board back.
    const reloaded = await viewer.page.reload();
    assert.equal(reloaded?.status(), 403);
    await viewer.page.getByRole("heading", { name: "You don't have access to this board" }).waitFor({ timeout: SLOW });
    assert.equal(await viewer.page.locator(".tl-canvas").count(), 0);

    // Nor does opening the link again.
    const again = await viewer.page.goto(`${server.http}${owner.board.links.view}`);
    assert.equal(again?.status(), 410);
    await viewer.page.getByRole("heading", { name: "This link was turned off" }).waitFor({ timeout: SLOW });

    owner.errors.assertNone();
    viewer.errors.assertNone([refusedDocument(403, `${server.http}/b/${owner.board.id}`), refusedDocument(410, `${server.http}${owner.board.links.view}`)]);
  });

  test("the owner turns the edit link off from the Share dialog: an editor's session ends", async () => {
    const owner = await ownerWithRectangle("Dialog board");
    const context = await personContext(browser, "Erin", "#0c8599");
    contexts.push(context);
    const editor = await context.newPage();
    const editorErrors = collectErrors(editor);
    await editor.goto(`${server.http}${owner.board.links.edit}`);
    await waitForCanvas(editor, SLOW);
    await waitForStatus(editor, "connected");
    await waitForShapes(editor, [owner.shape]);

    // The owner's dialog lists the board's three links.
    await owner.page.getByTestId("share-button").click();
    const dialog = owner.page.getByTestId("share-dialog");
    await dialog.getByTestId("revoke-edit").waitFor({ timeout: SLOW });
    const urls = await dialog.locator(".gb-copy input").evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    for (const link of Object.values(owner.board.links)) assert.ok(urls.includes(`${server.http}${link}`), `the dialog shows ${link}`);

    await dialog.getByTestId("revoke-edit").click();
    await editor.getByTestId("access-ended").waitFor({ state: "visible", timeout: SLOW });
    assert.equal(await editor.locator(".tl-canvas").count(), 0, "the editor's canvas is gone");
    await dialog.locator('[data-kind="edit"]').getByText("Turned off").waitFor({ timeout: SLOW });
    assert.equal(await dialog.getByTestId("revoke-edit").count(), 0);
    await dialog.getByTestId("revoke-view").waitFor();

    // The owner keeps working.
    await waitForStatus(owner.page, "connected");
    await owner.page.getByRole("button", { name: "Done" }).click();
    assert.equal(await dialog.count(), 0);
    assert.deepEqual(await shapeIds(owner.page), [owner.shape]);

    const reloaded = await editor.reload();
    assert.equal(reloaded?.status(), 403);
    await editor.getByRole("heading", { name: "You don't have access to this board" }).waitFor({ timeout: SLOW });

    owner.errors.assertNone();
    editorErrors.assertNone([refusedDocument(403, `${server.http}/b/${owner.board.id}`)]);
  });
});
