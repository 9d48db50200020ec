/**
 * `npm run bench`: builds once, runs every benchmark in its own process (each
 * starts its servers and load generators), then prints one markdown table.
 * `npm run bench -- cold-load fanout-latency` runs a subset.
 * The browser benchmarks (bundle, remote-edit) need Chromium (scripts/chromium.mjs):
 * without it they are skipped with a notice, unless CI or REQUIRE_BROWSER=1 is set.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { machine, markdownTable, type BenchResult } from "./lib/report.js";
import { ensureBuild, ROOT } from "./lib/spawn-server.js";
import { browserRequired, findChromium, missingChromiumMessage } from "../scripts/chromium.mjs";

const ALL = ["idle-memory", "fanout-latency", "cold-load", "hostile-input", "image-bomb", "awareness-flood", "dispatch", "runs-api", "bundle", "remote-edit"];
const IN_BROWSER = new Set(["bundle", "remote-edit"]);
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : ALL;

function runOne(name: string): Promise<BenchResult | null> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", `${name}.ts`)], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SKIP_BUILD: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let result: BenchResult | null = null;
    let buf = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("@@bench-result ")) result = JSON.parse(line.slice("@@bench-result ".length)) as BenchResult;
        else process.stdout.write(`${line}\n`);
      }
    });
    child.on("exit", (code) => {
      if (code !== 0) console.error(`${name} exited with ${code}`);
      res(result);
    });
  });
}

const started = Date.now();
ensureBuild();
const results: BenchResult[] = [];
let skipped = 0;
for (const name of chosen) {
  if (!ALL.includes(name)) throw new Error(`unknown benchmark ${name}; one of ${ALL.join(", ")}`);
  if (IN_BROWSER.has(name) && !findChromium() && !browserRequired()) {
    console.log(`SKIPPING ${name}: ${missingChromiumMessage()}`);
    skipped += 1;
    continue;
  }
  const r = await runOne(name);
  if (r) results.push(r);
}
console.log("\n# Summary\n");
console.log(results.map((r) => markdownTable(r.rows, r.bench).split("\n").slice(results.indexOf(r) === 0 ? 0 : 2).join("\n")).join("\n"));
console.log(`\n${machine()}; total ${Math.round((Date.now() - started) / 1000)} s`);
const failed = chosen.length - skipped - results.length;
if (failed) {
  console.error(`${failed} benchmark(s) produced no result`);
  process.exitCode = 1;
}
