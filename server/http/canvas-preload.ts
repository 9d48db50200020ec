import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The canvas chunk the board pages import lazily, and every chunk it imports
 * statically, as URLs. Board pages preload them with <link rel="modulepreload">
 * so the ~0.6 MB download starts with the HTML instead of after hydration.
 * Read once at start-up from the client build.
 */
export function findCanvasChunks(publicDir: string): string[] {
  const shared = join(publicDir, "build", "_shared");
  if (!existsSync(shared)) return [];
  const canvas = readdirSync(shared).find((f) => /^BoardCanvas\.client-[A-Z0-9]+\.js$/.test(f));
  if (!canvas) return [];
  const urls = new Set<string>();
  const visit = (url: string) => {
    if (urls.has(url)) return;
    urls.add(url);
    const file = join(publicDir, url);
    if (!existsSync(file)) return;
    // esbuild writes static imports as `from"/build/…"` or a bare `import"/build/…"`.
    for (const [, dep] of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*"(\/build\/[^"]+\.js)"/g)) visit(dep);
  };
  visit(`/build/_shared/${canvas}`);
  return [...urls];
}
