/**
 * Genboard in distributed mode for benchmarks: n processes on a fresh Postgres
 * database and one Redis, with a channel prefix of their own (the machine's
 * Redis is shared). BENCH_DATABASE_URL / REDIS_URL override the local defaults.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { startGenboard, type ServerHandle } from "./spawn-server.js";

const adminUrl = () => process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
export const redisUrl = () => process.env.REDIS_URL || "redis://127.0.0.1:6379";

export interface BenchCluster {
  servers: ServerHandle[];
  stop(): Promise<void>;
}

export async function startCluster(n: number, env: Record<string, string> = {}): Promise<BenchCluster> {
  const { default: postgres } = await import("postgres");
  const name = `genboard_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const shared = { DATABASE_URL: url.toString(), REDIS_URL: redisUrl(), REDIS_PREFIX: `genboard-bench-${name}`, ...env };
  const servers: ServerHandle[] = [];
  for (let i = 0; i < n; i++) servers.push(await startGenboard({ env: shared }));
  return {
    servers,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** CPU seconds a process has used so far in user and in system mode, from /proc/<pid>/stat. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 }; // utime, stime in clock ticks (USER_HZ = 100)
}

export function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}
