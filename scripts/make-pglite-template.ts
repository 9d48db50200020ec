// Creates a migrated PGlite data folder once, so each test server copies it
// instead of paying PGlite's initdb (~5 s) again.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { openDatabase } from "../db/index.js";
import { migrationsDir } from "../db/migrations-dir.js";

const journal = readFileSync(join(migrationsDir(), "meta", "_journal.json"));
const key = createHash("sha256").update(journal).digest("hex").slice(0, 12);
const target = join(".cache", `pglite-template-${key}`);
if (!existsSync(target)) {
  const staging = `${target}.tmp-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const handle = await openDatabase({ dataDir: staging });
  await handle.close();
  rmSync(target, { recursive: true, force: true });
  renameSync(join(staging, "pglite"), target);
  rmSync(staging, { recursive: true, force: true });
}
process.stdout.write(join(process.cwd(), target));
