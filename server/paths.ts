import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding package.json; the server runs from source (server/) and bundled (build/), so walk up. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above the server code");
    dir = parent;
  }
  return dir;
}

export const paths = (root = projectRoot()) => ({
  remixBuild: join(root, "build", "remix", "index.js"),
  publicDir: join(root, "public"),
});
