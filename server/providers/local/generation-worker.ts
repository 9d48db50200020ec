/**
 * A local generation worker thread (started by worker-pool.ts; bundled as
 * build/local-generation-worker.mjs). It runs the same generators the main
 * thread would, so the bytes are the same; it only moves their CPU time
 * (layers, tone maps, PNG/GIF encoding, eSpeak's WASM) off the event loop
 * that answers HTTP requests and sockets.
 *
 * The generators pause between steps, which also gives this thread's event
 * loop the turn in which an "abort" message arrives and flips their signal.
 */
import { parentPort } from "node:worker_threads";
import { transferablesOf } from "../../../db/worker-rpc.js";
import type { RunContext } from "../types.js";
import { generateImage } from "./image.js";
import { generateSpeech, loadEspeak } from "./speech.js";
import { composeReply } from "./text.js";
import { generateVideo } from "./video.js";
import { serializeError, type FromWorker, type ToWorker, type WorkerTask } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("generation-worker.ts runs as a worker thread, not as a script");

const running = new Map<number, AbortController>();
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "run":
      void run(message.id, message.task);
      break;
    case "abort":
      running.get(message.id)?.abort();
      break;
    default: {
      const unknown: never = message;
      throw new Error(`unknown message ${JSON.stringify(unknown)}`);
    }
  }
});

async function run(id: number, task: WorkerTask): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  const context: RunContext = {
    jobId: String(id),
    signal: controller.signal,
    onProgress: (progress) => send({ type: "progress", id, progress }),
    // Only text streams, and text is streamed by the main thread.
    onText: () => {},
  };
  try {
    const result = await perform(task, context);
    send({ type: "done", id, result }, transferablesOf(result, 3));
  } catch (err) {
    send(controller.signal.aborted ? { type: "aborted", id } : { type: "failed", id, error: serializeError(err) });
  } finally {
    running.delete(id);
  }
}

function perform(task: WorkerTask, context: RunContext) {
  switch (task.kind) {
    case "image":
      return generateImage(task.input, context);
    case "video":
      return generateVideo(task.input, context);
    case "speech":
      return generateSpeech(task.input, context, loadEspeak);
    case "compose-text":
      context.signal.throwIfAborted();
      return Promise.resolve(composeReply(task.input));
    default: {
      const unknown: never = task;
      throw new Error(`unknown task ${JSON.stringify(unknown)}`);
    }
  }
}

send({ type: "ready" });
