import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Request } from "playwright-core";
import { boardRecords, geoShape } from "../helpers/tldraw-records.js";
import { collectErrors, createBoard, ownerContext, seedBoard, waitForCanvas, sharedBrowserAndServer } from "./harness.js";

describe("a board needs nothing but our server", () => {
  const env = sharedBrowserAndServer();

  test("no third-party request, and only the fonts the board's shapes use", async () => {
    const board = await createBoard(env.server);
    // one labelled rectangle in the sans font: that face and no other should be fetched
    const labelled = geoShape({ id: "label", index: "a1" as never, x: 100, y: 100, w: 200, h: 120, text: "hello" });
    await seedBoard(env.server, board, boardRecords([{ ...labelled, props: { ...labelled.props, font: "sans" } }]));
    const context = await ownerContext(env.browser, env.server, board);
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      const requests: Request[] = [];
      page.on("request", (r) => requests.push(r));
      await page.goto(`${env.server.http}/b/${board.id}`);
      await waitForCanvas(page);
      await page.waitForLoadState("networkidle");

      const origin = new URL(env.server.http).host;
      const foreign = requests.map((r) => new URL(r.url())).filter((u) => (u.protocol === "http:" || u.protocol === "https:" || u.protocol === "ws:") && u.host !== origin);
      assert.deepEqual(foreign.map(String), [], "every request goes to our own server");

      const fonts = requests.map((r) => r.url()).filter((u) => u.includes("/fonts/")).map((u) => u.split("/").pop());
      assert.deepEqual(fonts, ["IBMPlexSans-Medium.woff2"], "only the face the board renders");
      assert.ok(requests.some((r) => r.url().includes("/tldraw-assets/") && r.url().includes("/icons/")), "icons come from our build");
      errors.assertNone();
    } finally {
      await context.close();
    }
  });
});
