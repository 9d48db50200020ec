/**
 * Load generators run in their own processes (forked with tsx), apart from both
 * the servers and the orchestrating script: call(cmd, arg) ↔ serve({ cmd }).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

type Handler = (arg: any) => Promise<unknown> | unknown;

interface Request {
  id: number;
  cmd: string;
  arg: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface Worker {
  pid: number;
  call<T>(cmd: string, arg?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** `script` is resolved against the caller's import.meta.url, e.g. new URL("./workers/x.ts", import.meta.url). */
export function forkWorker(script: URL): Worker {
  const child: ChildProcess = fork(fileURLToPath(script), [], {
    execArgv: ["--import", "tsx", "--max-old-space-size=4096"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 0;
  const pending = new Map<number, { res: (v: any) => void; rej: (e: Error) => void }>();
  const exited = new Promise<void>((res) =>
    child.once("exit", (code) => {
      for (const p of pending.values()) p.rej(new Error(`worker exited with ${code}`));
      pending.clear();
      res();
    }),
  );
  child.on("message", (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.res(m.value);
    else p.rej(new Error(m.error));
  });
  return {
    pid: child.pid!,
    call<T>(cmd: string, arg?: unknown) {
      const id = ++next;
      return new Promise<T>((res, rej) => {
        pending.set(id, { res, rej });
        child.send({ id, cmd, arg } satisfies Request);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** In the worker: answers the parent's calls; exits when the parent goes away. */
export function serve(handlers: Record<string, Handler>): void {
  process.on("disconnect", () => process.exit(0));
  process.on("message", async (m: Request) => {
    let reply: Reply;
    try {
      const handler = handlers[m.cmd];
      if (!handler) throw new Error(`unknown command ${m.cmd}`);
      reply = { id: m.id, ok: true, value: await handler(m.arg) };
    } catch (err) {
      reply = { id: m.id, ok: false, error: (err as Error)?.stack ?? String(err) };
    }
    process.send!(reply);
  });
}
