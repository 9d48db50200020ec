import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Where a test server keeps its data. With DATABASE_URL set (the Postgres leg
 * of CI) each storage is a fresh database on that server; otherwise a fresh
 * PGlite folder, copied from a migrated template when scripts/test.mjs made one.
 */
export interface TestStorage {
  dataDir: string;
  databaseUrl?: string;
  kind: "pglite" | "postgres";
  cleanup(): Promise<void>;
}

export async function freshStorage(): Promise<TestStorage> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) return freshPostgres(adminUrl);
  const dataDir = await mkdtemp(join(tmpdir(), "genboard-test-"));
  const template = process.env.GENBOARD_PGLITE_TEMPLATE;
  if (template) await cp(template, join(dataDir, "pglite"), { recursive: true });
  return { dataDir, kind: "pglite", cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/**
 * A fresh database on a real Postgres, whatever the CI leg: several processes
 * cannot share a PGlite folder, so tests of distributed mode always need one.
 */
export function freshPostgresStorage(): Promise<TestStorage> {
  return freshPostgres(clusterDatabaseUrl());
}

/** The Postgres that distributed-mode tests use in both CI legs. */
export const clusterDatabaseUrl = () => process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

async function freshPostgres(adminUrl: string): Promise<TestStorage> {
  const dataDir = await mkdtemp(join(tmpdir(), "genboard-test-"));
  const name = `genboard_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, (sql) => sql.unsafe(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dataDir,
    databaseUrl: url.toString(),
    kind: "postgres",
    cleanup: async () => {
      await withAdmin(adminUrl, (sql) => sql.unsafe(`drop database if exists ${name} with (force)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin(url: string, fn: (sql: import("postgres").Sql) => Promise<unknown>) {
  const { default: postgres } = await import("postgres");
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
