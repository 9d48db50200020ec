/**
 * The messages between the main thread and a local generation worker, and
 * how an error crosses the thread boundary: structured clone keeps an Error's
 * message but not its class, and the runner needs a ProviderError's
 * `transient` flag to decide whether to retry.
 */
import { ProviderError, type GenerationInput, type ProviderResult } from "../types.js";

/** What a worker can be asked to do: a whole binary generation, or composing a text reply (streamed by the main thread). */
export type WorkerTask = { kind: "image" | "video" | "speech"; input: GenerationInput } | { kind: "compose-text"; input: GenerationInput };

export type WorkerResult<T extends WorkerTask> = T extends { kind: "compose-text" } ? string : ProviderResult;

export type ToWorker = { type: "run"; id: number; task: WorkerTask } | { type: "abort"; id: number };

export type FromWorker =
  | { type: "ready" }
  | { type: "progress"; id: number; progress: number }
  | { type: "done"; id: number; result: unknown }
  | { type: "failed"; id: number; error: SerializedError }
  /** The task stopped because the main thread asked it to; the main thread has already rejected it. */
  | { type: "aborted"; id: number };

export interface SerializedError {
  message: string;
  provider?: { transient: boolean; status?: number; retryAfterMs?: number };
}

export function serializeError(err: unknown): SerializedError {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof ProviderError)) return { message };
  return { message, provider: { transient: err.transient, status: err.options.status, retryAfterMs: err.options.retryAfterMs } };
}

export function deserializeError(error: SerializedError): Error {
  if (!error.provider) return new Error(error.message);
  const { transient, status, retryAfterMs } = error.provider;
  return new ProviderError(error.message, transient, { status, retryAfterMs });
}
