// `npm test`: type-check, build the production bundle the integration tests spawn, prepare
// a migrated PGlite template, then run every *.test.ts with node's test runner.
// With DATABASE_URL set, the same tests run against that Postgres instead.
// `npm test <substring>…` runs the files whose path contains one of the substrings.
//
// Browser tests (tests/browser/*.browser.test.ts) run afterwards, one file at a
// time (each drives a Chromium; two at once starve a 2-core machine), and only
// when Chromium is installed (scripts/chromium.mjs). Without it they are
// skipped with a notice, unless CI or REQUIRE_BROWSER=1 is set: then a missing
// browser fails the run before anything else happens.
import { spawnSync, execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, sep } from "node:path";
import { browserRequired, findChromium, missingChromiumMessage } from "./chromium.mjs";

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const filter = process.argv.slice(2);
const files = findTests(".").filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
const isBrowserTest = (f) => f.startsWith(`tests${sep}browser${sep}`) && f.endsWith(".browser.test.ts");
const nodeFiles = files.filter((f) => !isBrowserTest(f));
const browserFiles = files.filter(isBrowserTest);
if (files.length === 0) {
  console.error(`No test file matches ${filter.map((s) => JSON.stringify(s)).join(" or ")}`);
  process.exit(1);
}

const chromiumPath = browserFiles.length ? findChromium() : null;
if (browserFiles.length && !chromiumPath && browserRequired()) {
  console.error(`FAILING: browser tests are required here (CI or REQUIRE_BROWSER=1), but there is ${missingChromiumMessage()}`);
  process.exit(1);
}

if (nodeFiles.length === 0 && !chromiumPath) {
  console.log(`SKIPPING browser tests: ${missingChromiumMessage()}`);
  process.exit(0);
}

if (!process.env.SKIP_BUILD) {
  run("npm", ["run", "typecheck", "--silent"]);
  run("npm", ["run", "build", "--silent"]);
}

const env = { ...process.env, NODE_ENV: "test" };
if (!env.DATABASE_URL) {
  env.GENBOARD_PGLITE_TEMPLATE = execFileSync(process.execPath, ["--import", "tsx", "scripts/make-pglite-template.ts"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}
const database = env.DATABASE_URL ? "Postgres" : "PGlite";
const testRunner = (concurrency, list) => ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=180000", ...list];

if (nodeFiles.length) {
  console.log(`Running ${nodeFiles.length} test files against ${database}`);
  run(process.execPath, testRunner(2, nodeFiles), { env });
}

if (browserFiles.length && !chromiumPath) {
  console.log(`SKIPPING browser tests: ${missingChromiumMessage()}`);
} else if (browserFiles.length) {
  console.log(`Running ${browserFiles.length} browser test files in ${chromiumPath} against ${database}`);
  run(process.execPath, testRunner(1, browserFiles), { env: { ...env, CHROMIUM_PATH: chromiumPath } });
}

function findTests(dir) {
  const skip = new Set(["node_modules", "build", "data", ".cache", ".git", "public"]);
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : findTests(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}
