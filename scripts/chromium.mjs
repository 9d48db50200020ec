// Where the browser for the end-to-end tests and the browser benchmarks lives,
// and how it is launched, in one place: scripts/test.mjs (plain Node, before
// anything is compiled), tests/browser/harness.ts and bench/ all read this.
//
// We use Debian's `chromium` package with playwright-core: `npx playwright
// install` downloads browsers, which offline machines and CI cannot do.
// CHROMIUM_PATH overrides the default path.
import { accessSync, constants } from "node:fs";

export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
 * --disable-gpu: there is no GPU; software rendering is what we measure.
 * The rest stop Chromium from phoning home (there is no network) and from
 * doing first-run work that would land inside our timings.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The path the tests will use: CHROMIUM_PATH, or Debian's. */
export function chromiumPath() {
  return process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
}

/** @returns {string | null} the Chromium executable, or null when there is none at chromiumPath(). */
export function findChromium() {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

/** One line a person can act on when the browser is missing. */
export function missingChromiumMessage() {
  return `no Chromium at ${chromiumPath()} (set CHROMIUM_PATH or apt-get install chromium)`;
}

/**
 * Options for playwright-core's `chromium.launch()`; throws when there is no browser.
 * @param {{ headless?: boolean }} [opts]
 */
export function chromiumLaunchOptions(opts = {}) {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(`Cannot launch a browser: ${missingChromiumMessage()}`);
  return { executablePath, args: CHROMIUM_ARGS, headless: opts.headless ?? true };
}

/** True when a missing browser must fail the run rather than skip: CI set (not to "0"/"false"), or REQUIRE_BROWSER=1. */
export function browserRequired() {
  const ci = (process.env.CI ?? "").toLowerCase();
  return (ci !== "" && ci !== "0" && ci !== "false") || process.env.REQUIRE_BROWSER === "1";
}
