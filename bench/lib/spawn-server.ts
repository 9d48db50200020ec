/**
 * Starts the servers under test as child processes (never in the load
 * generator's process) and reads their memory from /proc.
 *
 *   startGenboard: node <scripts/server-flags.mjs> build/server.mjs, default config, fresh DATA_DIR (PGlite)
 *   startReference: @y/websocket-server 0.1.1 (in memory, no auth)
 * Both get bench/lib/gc-hook.cjs preloaded (SIGUSR2 → full GC), nothing else.
 */
import { SERVER_ENV, SERVER_NODE_FLAGS } from "../../scripts/server-flags.mjs";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const ROOT = resolve(import.meta.dirname, "..", "..");
const HOST = "127.0.0.1";

export interface ServerHandle {
  name: "genboard" | "reference";
  pid: number;
  port: number;
  /** WebSocket URL of a room; `token` only matters for Genboard. */
  roomUrl(room: string, token?: string): string;
  /** Creates a room: a real board for Genboard, just a fresh name for the reference. */
  createRoom(title: string): Promise<{ room: string; token: string }>;
  /** Resolves with the first stdout/stderr line containing `text` (Genboard logs JSON lines), counting from line `since`. */
  waitForLog(text: string, timeoutMs: number, since?: number): Promise<string>;
  /** Lines logged so far: pass it to waitForLog to ignore older lines. */
  logMark(): number;
  /** Lines written to stderr so far (the reference prints one stack trace per rejected frame). */
  stderrLines(): number;
  exited(): boolean;
  stop(): Promise<void>;
}

/** Builds once per process tree unless BENCH_SKIP_BUILD=1 (run-all builds, then sets it). */
export function ensureBuild(): void {
  if (process.env.BENCH_SKIP_BUILD === "1") return;
  const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  process.env.BENCH_SKIP_BUILD = "1";
}

/**
 * Builds only when there is no production build (the browser benchmarks: CI runs
 * them right after `npm test` built). Measure after `npm run build` when the app changed.
 */
export function ensureBuildExists(): void {
  const built = ["build/server.mjs", "build/remix/index.js", "public/build"].every((p) => existsSync(join(ROOT, p)));
  if (!built) ensureBuild();
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, HOST, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/**
 * Both servers start with bench/lib/gc-hook.cjs preloaded: SIGUSR2 → full GC
 * on every thread. Nothing else about them changes.
 */
function gcHookEnv(): Record<string, string> {
  const hook = join(ROOT, "bench", "lib", "gc-hook.cjs");
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc --require ${hook}`.trim() };
}

/** BENCH_SERVER_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (Node refuses those in NODE_OPTIONS). */
const extraServerFlags = () => (process.env.BENCH_SERVER_FLAGS ?? "").split(" ").filter(Boolean);

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Asks the server for full GCs (see gc-hook.cjs) until its RSS stops falling
 * (two rounds in a row shed < 2 MiB each; at most 8 rounds) and returns its
 * main thread's process.memoryUsage() after the last. One is not enough on our
 * server: the PGlite worker's initdb garbage goes over several collections.
 */
export async function forceGc(server: ServerHandle): Promise<MemoryUsage> {
  let line = "";
  let previousKb = Infinity;
  let calm = 0;
  for (let round = 1; round <= 8 && calm < 2; round++) {
    const mark = server.logMark();
    process.kill(server.pid, "SIGUSR2");
    line = await server.waitForLog("gc-hook ", 10_000, mark);
    await sleep(700);
    const kb = procKb(server.pid);
    calm = previousKb - kb < 2048 ? calm + 1 : 0;
    previousKb = kb;
  }
  return JSON.parse(line.slice(line.indexOf("{"))) as MemoryUsage;
}

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), "genboard-bench-"));
}

/** VmRSS (or another /proc status field such as VmHWM) in KiB. */
export function procKb(pid: number, field = "VmRSS"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!m) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]);
}

/** Median of `samples` RSS readings `everyMs` apart: one reading is at the mercy of where V8's GC happens to be. */
export async function settledRssKb(pid: number, samples = 9, everyMs = 250): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    values.push(procKb(pid));
    if (i < samples - 1) await sleep(everyMs);
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

interface Watched {
  child: ChildProcess;
  lastLines(): string;
  waitForLog(text: string, timeoutMs: number, since?: number): Promise<string>;
  logMark(): number;
  stderrLines(): number;
  exited(): boolean;
  stop(): Promise<void>;
}

/** Servers still running: killed if this process exits without stopping them (crash, Ctrl-C). */
const live = new Set<ChildProcess>();
process.once("exit", () => live.forEach((c) => c.kill("SIGKILL")));
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => process.exit(130));

function watch(child: ChildProcess, label: string): Watched {
  live.add(child);
  const recent: { n: number; line: string }[] = [];
  let lines = 0;
  const waiters: { text: string; resolve: (line: string) => void }[] = [];
  let errLines = 0;
  let hasExited = false;
  const exit = new Promise<void>((res) => child.once("exit", () => ((hasExited = true), live.delete(child), res())));
  const onLine = (line: string) => {
    recent.push({ n: lines++, line });
    if (recent.length > 200) recent.shift();
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (line.includes(waiters[i]!.text)) waiters.splice(i, 1)[0]!.resolve(line);
    }
  };
  const split = (stream: NodeJS.ReadableStream | null, isErr: boolean) => {
    let buf = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        if (isErr) errLines += 1;
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
  };
  split(child.stdout, false);
  split(child.stderr, true);
  return {
    child,
    lastLines: () => recent.slice(-10).map((l) => l.line).join("\n"),
    stderrLines: () => errLines,
    exited: () => hasExited,
    logMark: () => lines,
    waitForLog(text, timeoutMs, since = 0) {
      const seen = recent.find((l) => l.n >= since && l.line.includes(text));
      if (seen) return Promise.resolve(seen.line);
      return new Promise((res, rej) => {
        const waiter = { text, resolve: (l: string) => (clearTimeout(timer), res(l)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          rej(new Error(`${label}: no log line with ${JSON.stringify(text)} within ${timeoutMs} ms; last lines:\n${recent.slice(-10).map((l) => l.line).join("\n")}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async stop() {
      if (hasExited) return;
      child.kill("SIGTERM");
      const killed = await Promise.race([exit.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        child.kill("SIGKILL");
        await exit;
      }
    },
  };
}

export interface GenboardOptions {
  /** Reuse a data directory (restart on the same database); a fresh one otherwise. */
  dataDir?: string;
  /** Extra environment, e.g. ROOM_IDLE_UNLOAD_MS. Everything else stays at its default. */
  env?: Record<string, string>;
  /** Keep the data directory on stop (for a restart). */
  keepData?: boolean;
}

export async function startGenboard(opts: GenboardOptions = {}): Promise<ServerHandle & { dataDir: string }> {
  const dataDir = opts.dataDir ?? newDataDir();
  const port = await freePort();
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...extraServerFlags(), "build/server.mjs"], {
    cwd: ROOT,
    // LOG_LEVEL=warn hides the "listening" line, so we pick the port and poll /healthz.
    env: { ...SERVER_ENV, ...process.env, NODE_ENV: "production", HOST, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "warn", ...gcHookEnv(), ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const w = watch(child, "genboard");
  const base = `http://${HOST}:${port}`;
  // A fresh database's initdb is seconds of CPU: on a machine shared with other work it can take minutes.
  const startTimeoutS = Number(process.env.BENCH_START_TIMEOUT_S ?? 60);
  const deadline = Date.now() + startTimeoutS * 1000;
  for (;;) {
    const problem = w.exited() ? "exited during start-up" : Date.now() > deadline ? `was not ready within ${startTimeoutS} s` : null;
    if (problem) {
      await w.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`genboard ${problem}: ${w.lastLines()}`);
    }
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(100);
  }
  return {
    name: "genboard",
    pid: child.pid!,
    port,
    dataDir,
    roomUrl: (room, token) => `ws://${HOST}:${port}/ws/${encodeURIComponent(room)}?token=${encodeURIComponent(token ?? "")}`,
    async createRoom(title) {
      const res = await fetch(`${base}/api/boards`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title }) });
      if (res.status !== 201) throw new Error(`POST /api/boards: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { id: string; links: { edit: string } };
      return { room: body.id, token: body.links.edit.split("/").pop()! };
    },
    waitForLog: w.waitForLog,
    logMark: w.logMark,
    stderrLines: w.stderrLines,
    exited: w.exited,
    async stop() {
      await w.stop();
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let refRooms = 0;

export async function startReference(): Promise<ServerHandle> {
  const port = await freePort();
  const child = spawn(process.execPath, ["node_modules/@y/websocket-server/src/server.js"], {
    cwd: ROOT,
    env: { ...process.env, HOST, PORT: String(port), ...gcHookEnv() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const w = watch(child, "reference");
  await w.waitForLog("running at", 30_000);
  return {
    name: "reference",
    pid: child.pid!,
    port,
    roomUrl: (room) => `ws://${HOST}:${port}/${encodeURIComponent(room)}`,
    createRoom: async (title) => ({ room: `${title.replace(/\W+/g, "-")}-${++refRooms}`, token: "" }),
    waitForLog: w.waitForLog,
    logMark: w.logMark,
    stderrLines: w.stderrLines,
    exited: w.exited,
    stop: w.stop,
  };
}
