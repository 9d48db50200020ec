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

/**
 * The ArrayBuffers a worker can move to the main thread with a result instead
 * of copying them: those of Uint8Arrays that span their whole buffer, found in
 * the result itself or up to two levels inside it. A view on part of a buffer
 * is left to be copied: it may be a slice of Node's shared pool of small
 * Buffers (or of WASM memory), and moving that would detach every other view
 * on it. Results are never kept by the worker, so nothing there is left
 * holding a moved buffer. Arguments are never moved: callers keep theirs.
 */
export function transferablesOf(value: unknown, depth = 2, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (value instanceof Uint8Array) {
    const { buffer } = value;
    if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength) found.add(buffer);
  } else if (depth > 0 && typeof value === "object" && value !== null) {
    for (const inner of Array.isArray(value) ? value : Object.values(value)) transferablesOf(inner, depth - 1, found);
  }
  return [...found];
}

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
