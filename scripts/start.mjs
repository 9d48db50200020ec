// `npm start`: serve the production build, building it first when there is none.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const built = existsSync("build/server.mjs") && existsSync("build/remix/index.js");
if (!built) {
  console.error("No production build found: running `npm run build` first.");
  const result = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
process.env.NODE_ENV ??= "production";
await import("../build/server.mjs");
