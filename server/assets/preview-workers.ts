/**
 * One worker thread for previews, started when the first preview is asked
 * for and stopped when idle, so a process that serves none pays nothing.
 * Decoding a PNG is one synchronous call that can take seconds and hundreds
 * of MB: on the main thread it would hold up every request and socket.
 *
 * Not the local generation pool: a preview must not wait behind a
 * multi-second generation job (nor delay one), must exist with
 * LOCAL_WORKERS=0, and needs a hard timeout, which for a synchronous decode
 * means terminating the thread.
 *
 * One render runs at a time; at most `maxWaiting` wait in a FIFO, and past
 * that `render` refuses at once ("busy"). A render that runs longer than
 * `timeoutMs` is rejected ("timeout") and its worker terminated; the next
 * render starts a fresh one.
 *
 * @example
 * const workers = createPreviewWorkers({ timeoutMs: 10_000 });
 * const pngBytes = await workers.render(original, 256);
 * await workers.close();
 */
import type { Worker } from "node:worker_threads";
import { startWorkerThread } from "../worker-thread.js";

export type ToPreviewWorker = { id: number; png: Uint8Array; width: number };
export type FromPreviewWorker = { type: "ready" } | { type: "done"; id: number; preview: Uint8Array } | { type: "failed"; id: number; message: string };

/**
 * Why a render gave no preview. `bad_image` and `timeout` belong to the image
 * (the same bytes would fail again); `busy` and `unavailable` to this moment.
 */
export type PreviewFailure = "bad_image" | "timeout" | "busy" | "unavailable";

export class PreviewError extends Error {
  constructor(
    readonly code: PreviewFailure,
    message: string,
  ) {
    super(message);
    this.name = "PreviewError";
  }
}

export interface PreviewWorkers {
  /** The PNG bytes of `png` scaled to `width`; rejects with a PreviewError. */
  render(png: Uint8Array, width: number): Promise<Uint8Array>;
  /** Whether a worker thread is up (it starts with the first render and stops when idle). */
  readonly started: boolean;
  /** Rejects what is waiting or running and terminates the worker. */
  close(): Promise<void>;
}

export interface PreviewWorkerOptions {
  timeoutMs: number;
  /** Renders that may wait while one runs (default 32). */
  maxWaiting?: number;
  /** An idle worker is terminated after this long (default 30 s), giving back its memory. */
  idleMs?: number;
}

interface Task {
  id: number;
  png: Uint8Array;
  width: number;
  resolve(preview: Uint8Array): void;
  reject(err: PreviewError): void;
}

/**
 * Each render's garbage is a few large Buffers, which live outside the heap:
 * a small young generation keeps the isolate itself small.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

export function createPreviewWorkers({ timeoutMs, maxWaiting = 32, idleMs = 30_000 }: PreviewWorkerOptions): PreviewWorkers {
  const waiting: Task[] = [];
  let worker: Worker | null = null;
  let ready = false;
  let running: { task: Task; timer: NodeJS.Timeout } | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let nextId = 1;
  let closed = false;

  function start(): Worker {
    const started = startWorkerThread(import.meta.url, ["./preview-worker.mjs", "./preview-worker.ts"], { resourceLimits: WORKER_LIMITS });
    started.on("message", (message: FromPreviewWorker) => onMessage(started, message));
    started.on("error", (err) => onExit(started, err));
    started.on("exit", (code) => onExit(started, new Error(`exited with code ${code}`)));
    return started;
  }

  function onMessage(from: Worker, message: FromPreviewWorker) {
    if (from !== worker) return;
    if (message.type === "ready") {
      ready = true;
      return next();
    }
    if (!running || running.task.id !== message.id) return;
    const { task } = finish();
    if (message.type === "done") task.resolve(message.preview);
    else task.reject(new PreviewError("bad_image", message.message));
    next();
  }

  /** A worker that dies while rendering (out of memory, say) took that image with it; one that never started is a broken build. */
  function onExit(from: Worker, err: Error) {
    if (from !== worker) return; // terminated on purpose, or "error" already followed by "exit"
    const wasReady = ready;
    worker = null;
    ready = false;
    if (running) {
      const { task } = finish();
      task.reject(new PreviewError("bad_image", `the preview worker stopped while decoding it (${err.message})`));
    }
    if (!wasReady) {
      for (const task of waiting.splice(0)) task.reject(new PreviewError("unavailable", `the preview worker could not start (${err.message})`));
      return;
    }
    next();
  }

  function finish() {
    const current = running!;
    clearTimeout(current.timer);
    running = null;
    // Idle: the worker must not keep alive a process that has nothing else to do.
    worker?.unref();
    return current;
  }

  function stopWorker() {
    const stopping = worker;
    worker = null;
    ready = false;
    return stopping?.terminate();
  }

  function next() {
    if (closed || running) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    const task = waiting.shift();
    if (!task) {
      if (worker) idleTimer = setTimeout(() => void stopWorker(), idleMs).unref();
      return;
    }
    worker ??= start();
    if (!ready) return void waiting.unshift(task); // its "ready" message calls next() again
    const timer = setTimeout(() => {
      task.reject(new PreviewError("timeout", `no preview within ${timeoutMs} ms`));
      running = null;
      // A synchronous decode cannot be told to stop: its thread goes with it.
      void stopWorker();
      next();
    }, timeoutMs);
    running = { task, timer };
    // Referenced while it works, so a caller awaiting it keeps the process alive.
    worker.ref();
    // The caller's bytes are copied, never moved: the asset cache may hold them.
    worker.postMessage({ id: task.id, png: task.png, width: task.width } satisfies ToPreviewWorker);
  }

  return {
    get started() {
      return worker !== null;
    },

    render(png, width) {
      if (closed) return Promise.reject(new PreviewError("unavailable", "the preview worker has been shut down"));
      // The one running (or about to, while the worker starts) does not count as waiting.
      const queued = waiting.length + (running ? 1 : 0) - 1;
      if (queued >= maxWaiting) return Promise.reject(new PreviewError("busy", `${queued} previews are already waiting`));
      return new Promise<Uint8Array>((resolve, reject) => {
        waiting.push({ id: nextId++, png, width, resolve, reject });
        next();
      });
    },

    async close() {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
      const stopped = new PreviewError("unavailable", "the preview worker was shut down");
      if (running) finish().task.reject(stopped);
      for (const task of waiting.splice(0)) task.reject(stopped);
      await stopWorker();
    },
  };
}
