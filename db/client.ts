import { mkdirSync } from "node:fs";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema.js";
import { migrationsDir } from "./migrations-dir.js";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  /** "pglite" for the embedded default, "postgres" when DATABASE_URL is set. */
  kind: "pglite" | "postgres";
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Postgres connection string; when absent an embedded PGlite lives under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** postgres.js pool size; ignored by PGlite, which is single-connection. */
  maxConnections?: number;
}

/**
 * Opens the database and runs pending migrations, so a caller never sees an
 * unmigrated schema. The driver modules are imported lazily: a Postgres
 * deployment never loads the 10 MB PGlite WASM, and vice versa.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.maxConnections ?? 10) : openPglite(options.dataDir);
}

/** Any constant shared by every Genboard process: the advisory lock held while migrating. */
const MIGRATION_LOCK_ID = 4_711_250_001;

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const sql = postgres(url, { max, onnotice: () => {} });
  const db = drizzle(sql, { schema });
  // Processes started together (distributed mode) would race to create the same
  // tables: they migrate one at a time, and the later ones find nothing to do.
  const lock = await sql.reserve();
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migrate(db, { migrationsFolder: migrationsDir() });
  } finally {
    await lock`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {});
    lock.release();
  }
  return {
    db: db as unknown as Database,
    kind: "postgres",
    ping: async () => void (await sql`select 1`),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(`${dataDir}/pglite`);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: migrationsDir() });
  return {
    db: db as unknown as Database,
    kind: "pglite",
    ping: async () => void (await client.query("select 1")),
    close: () => client.close(),
  };
}
