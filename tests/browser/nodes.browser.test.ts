import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import {
  collectErrors,
  createBoard,
  launchBrowser,
  ownerContext,
  pageScript,
  startEmbedHost,
  startServer,
  waitForCanvas,
  type CreatedBoard,
  type EmbedHost,
  type ErrorLog,
  type TestServer,
} from "./harness.js";
import { embeddedBoard, personContext, SLOW, until } from "./board-helpers.js";
import { addNode, nodeCard, nodeStatus, openBoard } from "./node-helpers.js";

/**
 * Generation nodes on the canvas, driven as people would: Alice (the owner)
 * adds nodes from the "Add node" menu, types prompts and presses Run; Bob (on
 * the edit link) and an embed watch the runs arrive through the document.
 * One job at a time and a slow local text model, so a run started behind a
 * streaming one is visibly queued, and streaming is visible at all.
 */
describe("generation nodes in the browser", () => {
  let server: TestServer;
  let browser: Browser;
  let board: CreatedBoard;
  const contexts: BrowserContext[] = [];
  const hosts: EmbedHost[] = [];
  const viewport = { width: 1400, height: 900 };

  before(async () => {
    [server, browser] = await Promise.all([startServer({ JOBS_CONCURRENCY: "1", LOCAL_TOKEN_DELAY_MS: "80" }), launchBrowser()]);
    board = await createBoard(server, "Nodes");
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    for (const host of hosts) await host.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; errors: ErrorLog }> {
    contexts.push(context);
    return openBoard(context, url);
  }
  const card = nodeCard;
  const statusOf = nodeStatus;

  /** Records every status each node card shows, from now on (a MutationObserver, so no state is missed between polls). */
  async function recordStatuses(target: Page | Frame) {
    await target.evaluate(pageScript(() => {
      const seen: Record<string, string[]> = ((window as any).__statuses = {});
      const look = () => {
        document.querySelectorAll("[data-node-id]").forEach((el) => {
          const status = el.querySelector('[data-testid="node-status"]')?.getAttribute("data-status");
          const id = el.getAttribute("data-node-id")!;
          const list = (seen[id] ??= []);
          if (status && list.at(-1) !== status) list.push(status);
        });
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
      look();
    }, null));
  }
  const statusesSeen = (target: Page | Frame, id: string) => target.evaluate((id) => ((window as any).__statuses[id] ?? []) as string[], id);

  test("runs started in one browser show up live in another and in an embed", async (t) => {
    const alice = await openPage(await ownerContext(browser, server, board, { viewport }), `${server.http}/b/${board.id}`);
    const bob = await openPage(await personContext(browser, "Bob", "#1971c2", { viewport }), `${server.http}${board.links.edit}`);
    const a = alice.page;
    const b = bob.page;
    await recordStatuses(b);

    // A text node that streams for a while (40 words, 80 ms apart)…
    const textId = await addNode(a, "text", -360);
    await card(a, textId).locator('[data-testid="node-prompt"]').click();
    await a.keyboard.type("a lighthouse keeper");
    await card(a, textId).locator('[data-param="maxTokens"]').fill("40");
    await until(async () => (await a.evaluate((id) => (window as any).editor.getShape(id).props.prompt, textId)) === "a lighthouse keeper", "the typed prompt in the shape");
    assert.equal(await card(b, textId).locator('[data-testid="node-prompt"]').inputValue({ timeout: SLOW }).catch(() => ""), "a lighthouse keeper", "Bob sees the prompt Alice typed");
    await card(a, textId).locator('[data-testid="node-run"]').click();

    // …and an image node, queued behind it (one job at a time).
    const imageId = await addNode(a, "image", 360);
    await card(a, imageId).locator('[data-testid="node-prompt"]').click();
    await a.keyboard.type("a red fox");
    await card(a, imageId).locator('[data-testid="node-run"]').click();

    // Bob watches the text grow.
    const bobText = card(b, textId).locator('[data-testid="node-text"]');
    await bobText.waitFor({ timeout: SLOW });
    const lengths: number[] = [];
    await until(async () => {
      const length = ((await bobText.textContent()) ?? "").length;
      if (length > (lengths.at(-1) ?? 0)) lengths.push(length);
      return (await statusOf(b, textId)) === "succeeded";
    }, "the text run to finish in Bob's browser");
    assert.ok(lengths.length >= 3, `Bob saw the text grow over several observations (lengths ${lengths.join(", ")})`);
    const textStatuses = await statusesSeen(b, textId);
    t.diagnostic(`text lengths seen by Bob: ${lengths.join(", ")}; statuses: ${textStatuses.join(" → ")}`);
    assert.ok(textStatuses.includes("running") && textStatuses.at(-1) === "succeeded", `text statuses: ${textStatuses.join(" → ")}`);

    // The finished text can be placed on the canvas as an ordinary text shape.
    await card(a, textId).locator('[data-testid="node-place"]').click();
    await until(async () => (await b.evaluate(() => (window as any).editor.getCurrentPageShapes().filter((s: { type: string }) => s.type === "text").length)) === 1, "Bob to see the placed text shape");

    // Bob sees the image run go through queued and running to an <img> from the asset store.
    await until(async () => (await statusOf(b, imageId)) === "succeeded", "the image run to finish in Bob's browser");
    const imageStatuses = await statusesSeen(b, imageId);
    t.diagnostic(`image statuses seen by Bob: ${imageStatuses.join(" → ")}`);
    assert.ok(imageStatuses.includes("queued") && imageStatuses.includes("running"), `image statuses: ${imageStatuses.join(" → ")}`);
    assert.equal(imageStatuses.at(-1), "succeeded");
    const src = await card(b, imageId).locator('[data-testid="node-image"]').getAttribute("src", { timeout: SLOW });
    assert.match(src ?? "", /^\/assets\//);
    assert.ok(await card(b, imageId).locator('[data-testid="node-image"]').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth > 0)), "the image loads");

    // An embed of the board shows both results, and follows a new run live.
    const host = await startEmbedHost(server, board.links.embed, { width: 1200, height: 800 });
    hosts.push(host);
    const embedContext = await browser.newContext({ viewport });
    contexts.push(embedContext);
    const hostPage = await embedContext.newPage();
    const embedErrors = collectErrors(hostPage);
    await hostPage.goto(host.url);
    const embed = await embeddedBoard(hostPage);
    await embed.evaluate(() => void (window as any).editor.zoomToFit({ animation: { duration: 0 } }));
    assert.match((await card(embed, imageId).locator('[data-testid="node-image"]').getAttribute("src", { timeout: SLOW })) ?? "", /^\/assets\//);
    assert.ok(((await card(embed, textId).locator('[data-testid="node-text"]').textContent()) ?? "").length > 0, "the embed shows the text");
    assert.equal(await card(embed, textId).locator('[data-testid="node-run"]').count(), 0, "a read-only embed has no Run button");
    await recordStatuses(embed);

    // Cancel: a long re-run of the text node, canceled while it streams.
    await card(a, textId).locator('[data-param="maxTokens"]').fill("400");
    await card(a, textId).locator('[data-testid="node-rerun"]').click();
    await until(async () => (await statusOf(a, textId)) === "running", "the re-run to start");
    await until(async () => ((await card(embed, textId).locator('[data-testid="node-text"]').textContent()) ?? "").length > 0, "the embed to show the new run streaming");
    await card(a, textId).locator('[data-testid="node-cancel"]').click();
    await until(async () => (await statusOf(b, textId)) === "canceled", "Bob to see the run canceled");
    await until(async () => (await statusOf(embed, textId)) === "canceled", "the embed to see the run canceled");
    const embedStatuses = await statusesSeen(embed, textId);
    assert.ok(embedStatuses.includes("running"), `the embed followed the run live: ${embedStatuses.join(" → ")}`);
    assert.equal(await card(b, textId).locator('[data-testid="node-run"]').isVisible(), true, "after a cancel the node can run again");

    for (const log of [alice.errors, bob.errors, embedErrors]) log.assertNone();
  });

  test("speech and video outputs play, outputs can be placed on the canvas, and viewers only look", async () => {
    const alice = await openPage(await ownerContext(browser, server, board, { viewport }), `${server.http}/b/${board.id}`);
    const a = alice.page;
    // Zoomed out, with a second row for these nodes below the first test's.
    const overview = () => void (window as any).editor.setCamera({ x: 0, y: 0, z: 0.55 });
    await a.evaluate(overview);

    // The model picker lists this kind's models; providers without settings are there, disabled, with their reason.
    const speechId = await addNode(a, "speech", -500);
    const picker = card(a, speechId).locator('[data-testid="node-model"]');
    assert.equal(await picker.inputValue(), "local:espeak");
    const disabledGroups = await picker.locator("optgroup[disabled]").evaluateAll((groups) => groups.map((g) => g.textContent ?? ""));
    assert.ok(disabledGroups.length > 0 && disabledGroups.every((text) => text.length > 0), `unavailable providers are listed with a reason: ${disabledGroups.join(" | ")}`);
    await card(a, speechId).locator('[data-testid="node-prompt"]').fill("hello there");
    await card(a, speechId).locator('[data-testid="node-run"]').click();
    const audio = card(a, speechId).locator('[data-testid="node-audio"]');
    await audio.waitFor({ timeout: SLOW });
    assert.match((await audio.getAttribute("src")) ?? "", /^\/assets\//);
    assert.equal(await audio.getAttribute("controls"), "");

    // A run the server refuses says why, on the card.
    await a.evaluate(pageScript((id) => void (window as any).editor.updateShape({ id, type: "gen-speech", props: { model: "nowhere:model" } }), speechId));
    await card(a, speechId).locator('[data-testid="node-rerun"]').click();
    const refusal = card(a, speechId).locator('[data-testid="node-error"]');
    await refusal.waitFor({ timeout: SLOW });
    assert.ok(((await refusal.textContent()) ?? "").length > 10, `a readable error: ${await refusal.textContent()}`);

    // The local video model makes a GIF: shown as an image, and placed on the canvas as an ordinary image shape.
    const videoId = await addNode(a, "video", 0);
    await card(a, videoId).locator('[data-testid="node-prompt"]').fill("waves");
    await card(a, videoId).locator('[data-testid="node-run"]').click();
    const gif = card(a, videoId).locator('[data-testid="node-image"]');
    await gif.waitFor({ timeout: SLOW });
    const gifSrc = (await gif.getAttribute("src")) ?? "";
    assert.match(gifSrc, /^\/assets\//);
    await card(a, videoId).locator('[data-testid="node-place"]').click();
    const placed = await a.evaluate(pageScript((src) => {
      const editor = (window as any).editor;
      return editor.getCurrentPageShapes().filter((s: any) => s.type === "image").map((s: any) => editor.getAsset(s.props.assetId)?.props.src).filter((s: string) => s === src).length;
    }, gifSrc));
    assert.equal(placed, 1, "one image shape showing the output");
    const [gifFile] = await Promise.all([a.waitForEvent("download"), card(a, videoId).locator('[data-testid="node-download"]').click()]);
    assert.match(gifFile.suggestedFilename(), /^waves-\d+\.gif$/);
    assert.equal((await readFile((await gifFile.path())!)).subarray(0, 6).toString("latin1"), "GIF89a", "the download is the GIF itself");

    // A prompt node is just its text.
    const promptId = await addNode(a, "prompt", 500);
    assert.equal(await card(a, promptId).locator('[data-testid="node-prompt"]').count(), 1);
    assert.equal(await card(a, promptId).locator('[data-testid="node-run"], [data-testid="node-model"]').count(), 0);

    // A viewer sees the cards, without controls, and cannot type.
    const viewer = await openPage(await personContext(browser, "Vera", "#2f9e44", { viewport }), `${server.http}${board.links.view}`);
    const v = viewer.page;
    await v.evaluate(overview);
    await card(v, videoId).locator('[data-testid="node-image"]').waitFor({ timeout: SLOW });
    assert.equal(await v.locator('[data-testid="add-node"]').count(), 0, "viewers cannot add nodes");
    assert.equal(await card(v, speechId).locator('[data-testid="node-run"], [data-testid="node-rerun"], [data-testid="node-place"]').count(), 0);
    assert.equal(await card(v, speechId).locator('[data-testid="node-prompt"]').getAttribute("readonly"), "");
    assert.equal(await card(v, speechId).locator('[data-testid="node-model"]').isDisabled(), true);
    assert.equal(await card(v, videoId).locator('[data-testid="node-download"]').count(), 1, "viewers can download outputs");

    // Chromium logs the refused run's answer (HTTP 400) as a console error; nothing else may be there.
    alice.errors.assertNone([/Failed to load resource: the server responded with a status of 400 .*\/api\/boards\/[^/]+\/runs:0\)$/]);
    viewer.errors.assertNone();
  });
});
