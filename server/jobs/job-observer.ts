import type { JobRow } from "../../db/index.js";

/**
 * What the runner tells the rest of the process about a job's life: metrics
 * count it, failures go to the error reporter. Kept as one optional hook so the
 * runner does not know about Prometheus or Sentry.
 */
export interface JobObserver {
  submitted(job: { id: string; provider: string; requestId: string | null }): void;
  ended(job: JobRow, result: { status: "succeeded" | "failed" | "canceled"; error?: string }): void;
  handedBack(job: JobRow): void;
}

/**
 * The abort reason of a running job when its process shuts down. Not a
 * failure: the job goes back on the queue with the attempt given back, for
 * the next process (or this one, restarted) to run from the start.
 */
export class ShuttingDown extends Error {
  constructor() {
    super("The server is shutting down; the job goes back on the queue.");
    this.name = "ShuttingDown";
  }
}
