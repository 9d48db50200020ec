// `npm start`: serve the production build, building it first when there is none.
// The server runs as a child with its Node flags and environment (scripts/server-flags.mjs);
// signals are passed on so that SIGTERM still drains it gracefully.
import { existsSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "./server-flags.mjs";

const built = existsSync("build/server.mjs") && existsSync("build/remix/index.js");
if (!built) {
  console.error("No production build found: running `npm run build` first.");
  const result = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, "build/server.mjs"], {
  stdio: "inherit",
  env: { ...SERVER_ENV, ...process.env, NODE_ENV: process.env.NODE_ENV ?? "production" },
});
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
