// `npm start`: serve the production build, building it first when there is none.
// `npm run worker` (this script with `worker`): run a job-worker process instead.
// The server runs as a child with its Node flags and environment (scripts/server-flags.mjs);
// signals are passed on so that SIGTERM still drains it gracefully.
import { existsSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "./server-flags.mjs";

const entry = process.argv[2] === "worker" ? "build/worker.mjs" : "build/server.mjs";
const built = existsSync(entry) && existsSync("build/remix/index.js");
if (!built) {
  console.error("No production build found: running `npm run build` first.");
  const result = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, entry], {
  stdio: "inherit",
  env: { ...SERVER_ENV, ...process.env, NODE_ENV: process.env.NODE_ENV ?? "production" },
});
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
