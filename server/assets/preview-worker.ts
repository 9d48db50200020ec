/**
 * The preview worker thread (started by preview-workers.ts; bundled as
 * build/preview-worker.mjs): decodes, shrinks and encodes one PNG at a time,
 * so that the main thread, which answers every request and socket, never does.
 * A decode cannot be interrupted: the main thread stops an overlong one by
 * terminating this thread.
 */
import { parentPort } from "node:worker_threads";
import { transferablesOf } from "../../db/worker-rpc.js";
import { renderPreview } from "./preview-render.js";
import type { FromPreviewWorker, ToPreviewWorker } from "./preview-workers.js";

const port = parentPort;
if (!port) throw new Error("preview-worker.ts runs as a worker thread, not as a script");

port.on("message", ({ id, png, width }: ToPreviewWorker) => {
  let answer: FromPreviewWorker;
  try {
    answer = { type: "done", id, preview: renderPreview(png, width) };
  } catch (err) {
    answer = { type: "failed", id, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(answer, answer.type === "done" ? transferablesOf(answer.preview) : []);
});

port.postMessage({ type: "ready" } satisfies FromPreviewWorker);
