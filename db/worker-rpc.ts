import type { Worker } from "node:worker_threads";

/** A call from the main thread: `targets[target][method](...args)` in the worker. */
export interface RpcRequest {
  id: number;
  target: string;
  method: string;
  args: unknown[];
}

export type RpcResponse = { id: number; result: unknown } | { id: number; error: { name: string; message: string } };

/** The worker's first message: it is serving, or it could not open the database. */
export type RpcHello = { ready: true } | { fatal: string };

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * The main thread's side of a worker that serves objects by name. Arguments and
 * results are structured-cloned (Uint8Array, bigint and Date survive). If the
 * worker dies, every pending and later call rejects instead of hanging.
 */
export async function connectWorker(worker: Worker) {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let dead: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    worker.once("message", (hello: RpcHello) => ("ready" in hello ? resolve() : reject(new Error(hello.fatal))));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`database worker exited with ${code} while starting`)));
  });

  worker.on("message", (response: RpcResponse) => {
    const call = pending.get(response.id);
    if (!call) return;
    pending.delete(response.id);
    if ("error" in response) call.reject(Object.assign(new Error(response.error.message), { name: response.error.name }));
    else call.resolve(response.result);
  });
  const fail = (err: Error) => {
    dead = err;
    for (const call of pending.values()) call.reject(err);
    pending.clear();
  };
  worker.on("error", (err) => fail(err));
  worker.on("exit", (code) => fail(new Error(`database worker exited with ${code}`)));

  function call(target: string, method: string, args: unknown[]): Promise<unknown> {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, target, method, args } satisfies RpcRequest);
    });
  }

  return {
    call,
    /** An object whose every method forwards to `target` in the worker. */
    proxy<T extends object>(target: string): T {
      return new Proxy({} as T, {
        get: (_obj, method) => (typeof method === "string" ? (...args: unknown[]) => call(target, method, args) : undefined),
      });
    },
    async close() {
      if (!dead) await call("database", "close", []);
      await worker.terminate();
    },
  };
}
