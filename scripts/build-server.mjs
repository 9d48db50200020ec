// Bundles the Node server (server/, collab/, db/) into build/server.mjs.
// Packages stay external: node_modules is present wherever the server runs.
import { build } from "esbuild";

await build({
  entryPoints: ["server/main.ts"],
  outfile: "build/server.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
