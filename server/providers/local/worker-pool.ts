/**
 * A fixed pool of local generation workers, built once at start-up. The local
 * generators are pure CPU (a 64×64 image is ~2.5 ms, a 1024² one or a long GIF
 * seconds); on the main thread that time is taken from every HTTP request and
 * socket of the process. Here each task runs on a worker, one task per worker
 * at a time, and waits in a FIFO when all are busy (the job queue already
 * orders jobs fairly, and bounds how many run).
 *
 * Cancellation: an aborted task rejects at once with the signal's reason; a
 * queued one never starts, a running one is told to stop and its worker stays
 * busy until it has (the generators check between steps, so that is one
 * step; eSpeak's one WASM call is bounded, see speech.ts).
 *
 * @example
 * const pool = createLocalWorkerPool({ size: 1 });
 * const result = await pool.run({ kind: "image", input }, { signal, onProgress });
 * await pool.close();
 */
import type { Worker } from "node:worker_threads";
import { findWorkerEntry, spawnWorkerThread } from "../../worker-thread.js";
import { ProviderError } from "../types.js";
import { deserializeError, type FromWorker, type ToWorker, type WorkerResult, type WorkerTask } from "./worker-protocol.js";

export interface LocalWorkerPool {
  readonly size: number;
  run<T extends WorkerTask>(task: T, options: { signal: AbortSignal; onProgress?: (progress: number) => void }): Promise<WorkerResult<T>>;
  /** Rejects what is queued or running, and terminates the workers. */
  close(): Promise<void>;
}

interface Pending {
  id: number;
  task: WorkerTask;
  signal: AbortSignal;
  onProgress?: (progress: number) => void;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Set once the caller has its answer: later messages about the task are ignored. */
  settled: boolean;
  onAbort(): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** The task on this worker, until the worker says it has ended (which, after an abort, is later than the caller's rejection). */
  current: Pending | null;
}

/**
 * Each worker's isolate gets a small young generation: a task's garbage is a
 * few typed arrays whose bytes live outside the heap, and an unbounded young
 * generation would only sit resident (as it did in the database worker).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

export function createLocalWorkerPool(options: { size: number }): LocalWorkerPool {
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`a pool needs at least one worker, not ${options.size}`);
  // The bundled server ships build/local-generation-worker.mjs next to itself; from source it is the .ts beside this file.
  const entry = findWorkerEntry(import.meta.url, ["./local-generation-worker.mjs", "./generation-worker.ts"]);
  const waiting: Pending[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  for (let i = 0; i < options.size; i++) slots.push(startSlot());

  function startSlot(): Slot {
    const slot: Slot = { worker: spawnWorkerThread(entry, { resourceLimits: WORKER_LIMITS }), ready: false, current: null };
    slot.worker.on("message", (message: FromWorker) => onMessage(slot, message));
    slot.worker.on("error", (err) => onDeath(slot, err));
    slot.worker.on("exit", (code) => onDeath(slot, new Error(`exited with code ${code}`)));
    return slot;
  }

  function onMessage(slot: Slot, message: FromWorker) {
    if (message.type === "ready") {
      slot.ready = true;
      // Idle workers must not keep alive a process that has nothing else to do (tests, scripts).
      slot.worker.unref();
      return dispatch();
    }
    const task = slot.current;
    if (!task || task.id !== message.id) return;
    switch (message.type) {
      case "progress":
        if (!task.settled) task.onProgress?.(message.progress);
        return;
      case "done":
        settle(task, () => task.resolve(message.result));
        break;
      case "failed":
        settle(task, () => task.reject(deserializeError(message.error)));
        break;
      case "aborted":
        // Its caller was rejected when the signal fired; this only frees the worker.
        settle(task, () => task.reject(task.signal.reason));
        break;
      default: {
        const unknown: never = message;
        throw new Error(`unknown worker message ${JSON.stringify(unknown)}`);
      }
    }
    slot.current = null;
    slot.worker.unref();
    dispatch();
  }

  function onDeath(slot: Slot, err: Error) {
    const index = slots.indexOf(slot);
    if (index < 0) return; // "error" is followed by "exit": handled once
    const task = slot.current;
    if (task) settle(task, () => task.reject(new ProviderError(`The local generation worker stopped (${err.message}).`, true, { cause: err })));
    // A worker that died took only its own task with it: the pool keeps its size. One that
    // never started (a broken build) would only die again, so it is not replaced.
    if (!closed && slot.ready) return void (slots[index] = startSlot());
    slots.splice(index, 1);
    if (slots.length === 0 && !closed) {
      const broken = new ProviderError(`The local generation workers could not start (${err.message}).`, false, { cause: err });
      for (const queued of waiting.splice(0)) settle(queued, () => queued.reject(broken));
    }
  }

  function settle(task: Pending, answer: () => void) {
    if (task.settled) return;
    task.settled = true;
    task.signal.removeEventListener("abort", task.onAbort);
    answer();
  }

  function dispatch() {
    for (const slot of slots) {
      if (waiting.length === 0) return;
      if (!slot.ready || slot.current) continue;
      const task = waiting.shift()!;
      slot.current = task;
      // Referenced while it works, so a caller awaiting it keeps the process alive.
      slot.worker.ref();
      slot.worker.postMessage({ type: "run", id: task.id, task: task.task } satisfies ToWorker);
    }
  }

  return {
    size: options.size,

    run(task, { signal, onProgress }) {
      if (closed) return Promise.reject(new ProviderError("The local generation workers have been shut down.", true));
      if (slots.length === 0) return Promise.reject(new ProviderError("The local generation workers could not start.", false));
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise((resolve, reject) => {
        const pending: Pending = {
          id: nextId++,
          task,
          signal,
          onProgress,
          resolve: resolve as (value: unknown) => void,
          reject,
          settled: false,
          onAbort: () => {
            const queuedAt = waiting.indexOf(pending);
            if (queuedAt >= 0) waiting.splice(queuedAt, 1);
            const slot = slots.find((s) => s.current === pending);
            slot?.worker.postMessage({ type: "abort", id: pending.id } satisfies ToWorker);
            settle(pending, () => reject(signal.reason));
          },
        };
        signal.addEventListener("abort", pending.onAbort, { once: true });
        waiting.push(pending);
        dispatch();
      });
    },

    async close() {
      closed = true;
      const stopped = new ProviderError("The local generation workers were shut down.", true);
      for (const task of waiting.splice(0)) settle(task, () => task.reject(stopped));
      await Promise.all(
        slots.map((slot) => {
          const task = slot.current;
          if (task) settle(task, () => task.reject(stopped));
          return slot.worker.terminate();
        }),
      );
    },
  };
}
