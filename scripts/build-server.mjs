// Bundles the Node server (server/, collab/, db/) into build/server.mjs, the
// job-worker process (`npm run worker`) into build/worker.mjs, the embedded
// database's worker thread into build/pglite-worker.mjs, the local
// provider's generation workers into build/local-generation-worker.mjs, and
// the asset previews' worker into build/preview-worker.mjs.
// Packages stay external: node_modules is present wherever the server runs.
import { build } from "esbuild";

await build({
  entryPoints: {
    server: "server/main.ts",
    worker: "server/worker-main.ts",
    "pglite-worker": "db/pglite-worker.ts",
    "local-generation-worker": "server/providers/local/generation-worker.ts",
    "preview-worker": "server/assets/preview-worker.ts",
  },
  outdir: "build",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
