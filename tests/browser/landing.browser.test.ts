import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CANVAS_READY, collectErrors, recordDownloads, sharedBrowserAndServer } from "./harness.js";

describe("landing page in Chromium", () => {
  const env = sharedBrowserAndServer();

  test("renders without errors and downloads no tldraw code", async () => {
    const context = await env.browser.newContext();
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      const downloads = recordDownloads(page);
      const response = await page.goto(`${env.server.http}/`);
      assert.equal(response?.status(), 200);
      await page.waitForLoadState("networkidle");

      assert.match(await page.title(), /^Genboard/);
      assert.equal((await page.locator("h1").first().textContent())?.trim(), "Genboard");
      errors.assertNone();

      const scripts = await downloads.scripts();
      assert.ok(scripts.length > 0, "the page loads its client bundle (hydration)");
      for (const script of scripts) {
        assert.equal(script.status, 200, `${script.url} answered ${script.status}`);
        assert.ok(script.body.length > 0, `${script.url} has a body`);
        assert.doesNotMatch(script.url, /tldraw/i, `/ downloads ${script.url}`);
        assert.equal(/tldraw/i.test(script.body.toString("utf8")), false, `${script.url} contains tldraw code`);
      }
    } finally {
      await context.close();
    }
  });

  test("New board creates a board, opens it as its owner, and lists it under recent boards", async () => {
    const context = await env.browser.newContext();
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      await page.goto(`${env.server.http}/`);
      await page.getByRole("button", { name: "New board" }).click();
      await page.waitForURL(/\/b\/[A-Za-z0-9_-]{16}$/);
      await page.waitForSelector(CANVAS_READY, { timeout: 30_000 });
      const boardId = new URL(page.url()).pathname.split("/").pop()!;
      assert.equal(await page.evaluate(() => (window as any).editor.getIsReadonly()), false, "the creator can edit");
      await page.getByTestId("share-button").click();
      await page.getByTestId("revoke-view").waitFor({ timeout: 10_000 }); // owner-only controls
      const shareText = await page.getByTestId("share-dialog").locator("input").evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
      assert.ok(shareText.some((v) => v.includes("/s/")) && shareText.some((v) => v.includes("<iframe")), "edit/view links and an iframe snippet");

      await page.goto(`${env.server.http}/`);
      await page.locator(`a[href="/b/${boardId}"]`).waitFor({ timeout: 10_000 });
      errors.assertNone();
    } finally {
      await context.close();
    }
  });
});
