import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, eventually, whenSynced } from "../helpers/clients.js";
import { boardRecords, geoShape } from "../helpers/tldraw-records.js";
import { collectErrors, createBoard, ownerContext, pageScript, seedBoard, waitForCanvas, sharedBrowserAndServer } from "./harness.js";

const shapeCount = () => (window as any).editor.getCurrentPageShapeIds().size as number;

describe("what the canvas puts in the document", () => {
  const env = sharedBrowserAndServer();

  test("an image dropped on the canvas is uploaded; the document holds its URL, not its bytes", async () => {
    const board = await createBoard(env.server);
    const context = await ownerContext(env.browser, env.server, board);
    const watcher = connect(env.server, board.id, board.ownerToken);
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      await page.goto(`${env.server.http}/b/${board.id}`);
      await waitForCanvas(page);

      // A real PNG made by the page, dropped onto the canvas as a file.
      await page.evaluate(
        pageScript(async () => {
          const canvas = document.createElement("canvas");
          canvas.width = 64;
          canvas.height = 48;
          const g = canvas.getContext("2d")!;
          g.fillStyle = "#1971c2";
          g.fillRect(0, 0, 64, 48);
          const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
          const file = new File([blob], "square.png", { type: "image/png" });
          const transfer = new DataTransfer();
          transfer.items.add(file);
          const target = document.querySelector(".tl-canvas")!;
          for (const type of ["dragenter", "dragover", "drop"]) {
            target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, clientX: 400, clientY: 300, bubbles: true, cancelable: true }));
          }
        }, null),
      );

      await whenSynced(watcher);
      const uploaded = () =>
        (Object.values(watcher.records.toJSON()) as Array<{ typeName: string; props?: { src?: string } }>).find(
          (r) => r.typeName === "asset" && r.props?.src?.startsWith("/assets/"),
        );
      await eventually(() => uploaded() !== undefined, "an asset record pointing at the asset store");
      const asset = uploaded()!;
      assert.doesNotMatch(JSON.stringify(watcher.records.toJSON()), /data:image/, "no base64 bytes in the document");
      assert.ok(Object.values(watcher.records.toJSON()).some((r: any) => r.typeName === "shape" && r.type === "image"), "an image shape on the canvas");

      const stored = await fetch(`${env.server.http}${asset.props!.src}`);
      assert.equal(stored.status, 200);
      assert.equal(stored.headers.get("content-type"), "image/png");
      errors.assertNone();
    } finally {
      watcher.destroy();
      await context.close();
    }
  });

  test("records written by a script: valid ones appear, broken ones are skipped, the canvas keeps working", async () => {
    const board = await createBoard(env.server);
    await seedBoard(env.server, board, boardRecords([geoShape({ id: "first", index: "a1" as never, x: 100, y: 100 })]));
    const context = await ownerContext(env.browser, env.server, board);
    const script = connect(env.server, board.id, board.ownerToken);
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      const warnings: string[] = [];
      page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
      await page.goto(`${env.server.http}/b/${board.id}`);
      await waitForCanvas(page);
      await page.waitForFunction(shapeCount, undefined, { timeout: 15_000 }).then(async () => assert.equal(await page.evaluate(shapeCount), 1));

      await whenSynced(script);
      const good = geoShape({ id: "second", index: "a2" as never, x: 300, y: 100 });
      script.doc.transact(() => {
        script.records.set("shape:broken", { ...good, id: "shape:broken", props: { ...good.props, w: "very wide" } });
        script.records.set("shape:alien", { ...good, id: "shape:alien", type: "teleporter" });
        script.records.set(good.id, good);
      });
      await page.waitForFunction(() => (window as any).editor.getCurrentPageShapeIds().size === 2, undefined, { timeout: 15_000 });
      assert.ok(warnings.some((w) => w.includes("shape:broken")) && warnings.some((w) => w.includes("shape:alien")), "each broken record is reported");

      // still a working canvas: draw with the mouse
      await page.keyboard.press("r");
      await page.mouse.move(500, 400);
      await page.mouse.down();
      await page.mouse.move(620, 480, { steps: 6 });
      await page.mouse.up();
      await page.waitForFunction(() => (window as any).editor.getCurrentPageShapeIds().size === 3, undefined, { timeout: 10_000 });
      errors.assertNone();
    } finally {
      script.destroy();
      await context.close();
    }
  });
});
