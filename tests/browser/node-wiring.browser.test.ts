import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createBoard, launchBrowser, ownerContext, pageScript, startServer, type CreatedBoard, type TestServer } from "./harness.js";
import { drawWithTool, focusCanvas, personContext, until } from "./board-helpers.js";
import { addNode, nodeCard as card, nodeStatus as statusOf, openBoard } from "./node-helpers.js";

/**
 * Nodes wired the way people wire them: an arrow drawn with the mouse from one
 * card to another makes the upstream node an input, and a node's history lets
 * an editor bring back an earlier result, which everyone then sees.
 */
describe("wiring nodes and choosing outputs in the browser", () => {
  let server: TestServer;
  let browser: Browser;
  let board: CreatedBoard;
  const contexts: BrowserContext[] = [];
  const viewport = { width: 1400, height: 900 };

  before(async () => {
    [server, browser] = await Promise.all([startServer({ LOCAL_TOKEN_DELAY_MS: "40" }), launchBrowser()]);
    board = await createBoard(server, "Wiring");
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function openPage(context: BrowserContext, url: string) {
    contexts.push(context);
    return openBoard(context, url);
  }

  test("an arrow drawn from a prompt node feeds a text node; an earlier output can be made current again and downloaded", async () => {
    const alice = await openPage(await ownerContext(browser, server, board, { viewport }), `${server.http}/b/${board.id}`);
    const bob = await openPage(await personContext(browser, "Bob", "#1971c2", { viewport }), `${server.http}${board.links.edit}`);
    const a = alice.page;
    const b = bob.page;

    const promptId = await addNode(a, "prompt", -260);
    await card(a, promptId).locator('[data-testid="node-prompt"]').fill("a lighthouse keeper");
    const textId = await addNode(a, "text", 260);
    await card(a, textId).locator('[data-testid="node-prompt"]').fill("Tell me more.");
    // Room for the opening and at least two sentences; the second run's 16 leave room for at most one, so the two texts differ whatever the node's seed.
    await card(a, textId).locator('[data-param="maxTokens"]').fill("60");

    // Alice draws an arrow with the mouse from the prompt card to the text card (by their headers: the rest of a card keeps the pointer).
    const centre = async (id: string) => {
      const box = (await card(a, id).locator(".gb-node__header").boundingBox())!;
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    };
    const from = await centre(promptId);
    const to = await centre(textId);
    await focusCanvas(a, { x: (from.x + to.x) / 2, y: from.y + 300 });
    const arrowId = await drawWithTool(a, "a", from, to);
    assert.ok(arrowId, "the drag drew an arrow");
    const ends = async (page: Page) =>
      (await page.evaluate(pageScript((id) => {
        const editor = (window as any).editor;
        return editor.getBindingsFromShape(id, "arrow").map((b: any) => `${b.props.terminal}:${b.toId}`).sort();
      }, arrowId!))) as string[];
    assert.deepEqual(await ends(a), [`end:${textId}`, `start:${promptId}`], "the arrow is bound to both cards");
    await until(async () => (await ends(b)).length === 2, "Bob to get the arrow and its bindings");
    await b.evaluate(() => void (window as any).editor.zoomToFit({ animation: { duration: 0 } }));

    // Running the text node reads the prompt node through the arrow: the story is about the lighthouse keeper.
    await card(a, textId).locator('[data-testid="node-run"]').click();
    await until(async () => (await statusOf(b, textId)) === "succeeded", "the wired text run to finish");
    const firstText = (await card(b, textId).locator('[data-testid="node-text"]').textContent()) ?? "";
    assert.match(firstText, /lighthouse/i, `the upstream prompt reached the model: ${firstText}`);

    // A second run with other parameters; then Alice makes the first one current again, and Bob sees it.
    await card(a, textId).locator('[data-param="maxTokens"]').fill("16");
    await card(a, textId).locator('[data-testid="node-run"]').click();
    await until(async () => (await card(b, textId).locator('[data-testid="node-history-entry"]').count()) === 2, "two runs in the history");
    const secondText = (await card(b, textId).locator('[data-testid="node-text"]').textContent()) ?? "";
    assert.notEqual(secondText, firstText, "a shorter limit gave a shorter reply");
    await card(a, textId).locator(".gb-node__history summary").click();
    const older = card(a, textId).locator('[data-testid="node-history-entry"][data-current="false"]');
    await older.locator('[data-testid="node-history-use"]').click();
    await until(async () => ((await card(b, textId).locator('[data-testid="node-text"]').textContent()) ?? "") === firstText, "Bob to see the first text again");
    await until(async () => (await older.getAttribute("data-current")) === "true" || (await card(a, textId).locator('[data-testid="node-history-entry"][data-current="true"]').count()) === 1, "Alice's history to mark the chosen run");

    // The current text downloads as a .txt named after the prompt.
    const [download] = await Promise.all([a.waitForEvent("download"), card(a, textId).locator('[data-testid="node-download"]').click()]);
    assert.match(download.suggestedFilename(), /^tell-me-more-\d+\.txt$/);
    assert.equal(await readFile((await download.path())!, "utf8"), firstText);

    alice.errors.assertNone();
    bob.errors.assertNone();
  });

  test("a prompt changed in the same instant as Run is the prompt that runs", async () => {
    const { page, errors } = await openPage(await ownerContext(browser, server, board, { viewport }), `${server.http}/b/${board.id}`);
    const nodeId = await addNode(page, "text", 0);
    await card(page, nodeId).locator('[data-param="maxTokens"]').fill("20");

    // One task: the edit may still be in tldraw's per-frame batch when Run is pressed; and its socket message
    // is held back (as on a slow or busy connection, or a socket on another process) until the request is at the server.
    await page.evaluate(pageScript((id) => {
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data) {
        setTimeout(() => send.call(this, data), 500);
      };
      setTimeout(() => (WebSocket.prototype.send = send), 1000);
      const editor = (window as any).editor;
      editor.updateShape({ id, type: editor.getShape(id).type, props: { prompt: "A changed mind about lighthouses." } });
      (document.querySelector(`[data-node-id="${id}"] [data-testid="node-run"]`) as HTMLButtonElement).click();
    }, nodeId));
    await until(async () => (await statusOf(page, nodeId)) === "succeeded", "the run to finish");
    const text = (await card(page, nodeId).locator('[data-testid="node-text"]').textContent()) ?? "";
    assert.match(text, /changed mind about lighthouses/i, `the run read the prompt as it was when Run was pressed: ${text}`);
    errors.assertNone();
  });
});
