import { findChromium, missingChromiumMessage } from "../../scripts/chromium.mjs";
import { launchBrowser } from "../../tests/browser/harness.js";
import { ensureBuildExists, startGenboard } from "./spawn-server.js";

/** What every browser benchmark starts with: the production build served on a fresh database, and Chromium. */
export async function startBrowserBench(name: string) {
  ensureBuildExists();
  if (!findChromium()) {
    console.error(`${name} needs Chromium: ${missingChromiumMessage()}`);
    process.exit(1);
  }
  const server = await startGenboard();
  const browser = await launchBrowser();
  const base = `http://127.0.0.1:${server.port}`;
  return {
    browser,
    base,
    /** For the test helpers that take a server: its HTTP and WebSocket addresses. */
    app: { http: base, ws: `ws://127.0.0.1:${server.port}/ws` },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}
