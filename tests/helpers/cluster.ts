import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "./redis.js";
import { spawnServer, spawnWorker, type ServerProcess, type WorkerProcess } from "./server-process.js";
import { freshPostgresStorage, type TestStorage } from "./storage.js";

/**
 * Several Genboard processes in distributed mode on one fresh Postgres
 * database and one Redis key prefix (unique to this cluster: other tests share
 * the machine's Redis). Add web processes or `npm run worker` processes with
 * their own extra environment; `close()` stops them all and deletes the data.
 */
export interface Cluster {
  storage: TestStorage;
  prefix: string;
  web(env?: Record<string, string>): Promise<ServerProcess>;
  worker(env?: Record<string, string>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

export async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const storage = await freshPostgresStorage();
  const prefix = uniquePrefix("cluster");
  const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...env };
  const processes: Array<ServerProcess | WorkerProcess> = [];
  const track = <P extends ServerProcess | WorkerProcess>(p: P) => (processes.push(p), p);
  return {
    storage,
    prefix,
    web: async (extra = {}) => track(await spawnServer(storage, { ...shared, ...extra })),
    worker: async (extra = {}) => track(await spawnWorker(storage, { ...shared, ...extra })),
    async close() {
      await Promise.all(processes.map((p) => p.stop()));
      await storage.cleanup();
      await deleteKeys(prefix);
    },
  };
}

/** The log lines in which a process started `jobId` (the runner logs `job started` per attempt). */
export function jobStarts(process: { output: string[] }, jobId: string): Array<{ attempt: number; redelivered: boolean; time: string }> {
  return process.output.filter((line) => line.includes('"msg":"job started"') && line.includes(jobId)).map((line) => JSON.parse(line));
}
