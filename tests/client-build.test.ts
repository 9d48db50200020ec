import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const BUILD = join(import.meta.dirname, "..", "public", "build");

function scripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? scripts(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : [],
  );
}

test("no server, test or dev library reaches the browser bundle", () => {
  const files = scripts(BUILD);
  assert.ok(files.length > 5, "the client build exists (npm test builds it)");
  // Strings that only server, test or dev code carries (names themselves are minified away).
  const markers: Record<string, RegExp> = {
    "a Node built-in (server or test code)": /["']node:[a-z_/]+["']/,
    "playwright-core": /launchPersistentContext/,
    "drizzle-orm / PGlite / postgres.js (SQL catalog queries)": /pg_catalog|information_schema/,
    "pino": /stdSerializers|pino-pretty/,
    "the licence key's value": /TLDRAW_LICENSE_KEY\s*[:=]\s*["'][^"']+["']/,
  };
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const [library, marker] of Object.entries(markers)) assert.doesNotMatch(text, marker, `${library} in ${file}`);
  }
});

test("the canvas (tldraw, Yjs) lives in its own chunk, not in the entry or the landing route", () => {
  const manifestFile = readdirSync(BUILD).find((f) => f.startsWith("manifest-"))!;
  const manifest = JSON.parse(readFileSync(join(BUILD, manifestFile), "utf8").replace(/^window\.__remixManifest=/, "").replace(/;$/, ""));
  const landing = [manifest.entry.module, ...manifest.entry.imports, manifest.routes.root.module, manifest.routes["routes/_index"].module, ...manifest.routes["routes/_index"].imports];
  for (const url of landing) {
    const text = readFileSync(join(BUILD, "..", url), "utf8");
    assert.doesNotMatch(text, /tldraw|Y\.Doc|encodeStateAsUpdate/, `${url} carries canvas code`);
  }
});
