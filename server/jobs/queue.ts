/**
 * What the runner needs from a job queue. Embedded mode uses the in-process
 * FairQueue; the distributed mode (BullMQ) implements the same contract, with
 * the jobs table as the durable record in both.
 */
export interface QueuedJob {
  id: string;
  boardId: string;
}

export interface JobQueue {
  /** Runs `job` once a slot is free; `delayMs` postpones it (retry backoff). */
  enqueue(job: QueuedJob, delayMs?: number): void;
  /** Drops a job that has not started; false if it was not waiting here. */
  remove(jobId: string): boolean;
  /** Starts handing jobs to `work`; at most `concurrency` at a time. */
  start(work: (job: QueuedJob) => Promise<void>): void;
  /** Stops taking jobs; resolves when the running ones have returned. */
  close(): Promise<void>;
  readonly depth: number;
}
