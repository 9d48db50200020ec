import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import type { TestStorage } from "./storage.js";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "../../scripts/server-flags.mjs";

const ROOT = join(import.meta.dirname, "..", "..");

export interface ServerProcess {
  port: number;
  http: string;
  ws: string;
  pid: number;
  /** Every stdout/stderr line so far, for assertions and for debugging a failure. */
  output: string[];
  /** Resident memory of the server process, in bytes. */
  rss(): number;
  /** SIGKILL: no flush, no goodbye. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
}

/** Spawns the production build (`build/server.mjs`, made by `npm test` first) on a free port. */
export async function spawnServer(storage: TestStorage, env: Record<string, string> = {}): Promise<ServerProcess> {
  const { child, output, ready } = spawnBuilt("server.mjs", storage, env, (line) => (line.includes('"msg":"listening"') ? JSON.parse(line).port : undefined));
  const port = (await ready) as number;
  return {
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid!,
    output,
    rss: () => rssOf(child.pid!),
    kill9: () => kill9(child),
    stop: () => stopChild(child),
  };
}

/** A job-worker process (`npm run worker`, i.e. `build/worker.mjs`): no port; ready once it says so. */
export type WorkerProcess = Pick<ServerProcess, "pid" | "output" | "kill9" | "stop">;

export async function spawnWorker(storage: TestStorage, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const { child, output, ready } = spawnBuilt("worker.mjs", storage, env, (line) => (line.includes('"msg":"worker ready"') ? true : undefined));
  await ready;
  return { pid: child.pid!, output, kill9: () => kill9(child), stop: () => stopChild(child) };
}

function spawnBuilt(entry: string, storage: TestStorage, env: Record<string, string>, readyIn: (line: string) => unknown) {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, join(ROOT, "build", entry)], {
    cwd: ROOT,
    env: {
      ...SERVER_ENV,
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: storage.dataDir,
      DATABASE_URL: storage.databaseUrl ?? "",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const ready = new Promise<unknown>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line);
      const value = readyIn(line);
      if (value !== undefined) resolve(value);
    };
    pipeLines(child.stdout!, onLine);
    pipeLines(child.stderr!, (line) => output.push(line));
    child.once("exit", (code) => reject(new Error(`${entry} exited with ${code} before it was ready:\n${output.join("\n")}`)));
    setTimeout(() => reject(new Error(`${entry} was not ready within 60 s:\n${output.join("\n")}`)), 60_000).unref();
  });
  return { child, output, ready };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGKILL");
  await once(child, "exit");
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}

function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void) {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line) onLine(line);
  });
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb * 1024;
}
