import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { collectErrors, launchBrowser, recordDownloads, startServer, type TestServer } from "./harness.js";

describe("landing page in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("renders without errors and downloads no tldraw code", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      const downloads = recordDownloads(page);
      const response = await page.goto(`${server.http}/`);
      assert.equal(response?.status(), 200);
      await page.waitForLoadState("networkidle");

      assert.equal(await page.title(), "Genboard");
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
});
