// Copies tldraw's fonts, icons, translations and embed icons from
// @tldraw/assets into public/tldraw-assets/<version>/, so boards load them
// from us (no CDN) and the versioned path can be cached as immutable.
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const source = dirname(require.resolve("@tldraw/assets/package.json"));
const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
const root = "public/tldraw-assets";
const target = join(root, version);

if (!existsSync(target)) {
  rmSync(root, { recursive: true, force: true }); // drop other versions
  for (const folder of ["fonts", "icons", "translations", "embed-icons"]) cpSync(join(source, folder), join(target, folder), { recursive: true });
}
