// `npm test`: type-check, build the production bundle the integration tests spawn, prepare
// a migrated PGlite template, then run every *.test.ts with node's test runner.
// With DATABASE_URL set, the same tests run against that Postgres instead.
import { spawnSync, execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

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

const filter = process.argv.slice(2);
const files = findTests(".").filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
console.log(`Running ${files.length} test files against ${env.DATABASE_URL ? "Postgres" : "PGlite"}`);
run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=180000", ...files], { env });

function findTests(dir) {
  const skip = new Set(["node_modules", "build", "data", ".cache", ".git", "public"]);
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : findTests(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}
