import type { JobStatus } from "../../db/index.js";

/**
 * What the runner needs from a job queue. Embedded mode uses the in-process
 * FairQueue; distributed mode uses BullMQ on Redis (bullmq-queue.ts). Both keep
 * the same contract (job-queue.contract.test.ts); the jobs table stays the
 * durable record in both, the queue only orders and hands out the work.
 */
export interface QueuedJob {
  id: string;
  boardId: string;
  /**
   * The jobs table's attempt count when this entry was queued. With the id it
   * names one queue entry: a retry is a new entry, so a queue that refuses
   * duplicate ids still takes it.
   */
  attempt: number;
  /** Queued again by the orphan sweep (orphan-sweep.ts): the table says `running`, but no worker holds it any more. */
  interrupted?: boolean;
}

export interface DeliveredJob extends QueuedJob {
  /** The queue handed this entry out before and its worker died (stall detection): the table may still say `running`. */
  redelivered: boolean;
}

export type JobEndStatus = Extract<JobStatus, "succeeded" | "failed" | "canceled">;

/**
 * `handed-back`: this process is shutting down and gave the job back (the table
 * says `queued` again); a shared queue must offer the entry to another worker
 * now, without counting an attempt. An in-process queue needs nothing: the
 * next start re-queues every queued row.
 */
export type WorkOutcome = "done" | "handed-back";

export interface JobQueueHandlers {
  /** Runs one job; at most `concurrency` at a time in this process. */
  work(job: DeliveredJob): Promise<WorkOutcome>;
  /** Some process canceled `jobId`: abort it if it runs here. */
  onCancel(jobId: string): void;
  /** `jobId` ended in some process: wakes the jobs here that wait for it. */
  onEnded(jobId: string, status: JobEndStatus): void;
  /** The queue gave up on a job (its worker failed it, not the job: the database or Redis was away): the table must say so. */
  onLost(jobId: string, reason: string): void;
}

export interface JobQueue {
  /** Where the queue lives: `shared` queues are served by every process's workers. */
  readonly kind: "in-process" | "shared";
  /** Queues `job`; `delayMs` postpones it (retry backoff). Queuing the same entry twice queues it once. */
  enqueue(job: QueuedJob, delayMs?: number): Promise<void>;
  /** Whether this entry is waiting, delayed or running (anywhere, for a shared queue). */
  holds(job: QueuedJob): Promise<boolean>;
  /**
   * Cancels a job wherever it is: a waiting entry is removed (true); otherwise
   * every process is told, and the one running it aborts it (false).
   */
  cancel(job: QueuedJob): Promise<boolean>;
  /** Tells every process that a job ended (see JobQueueHandlers.onEnded). */
  announceEnd(jobId: string, status: JobEndStatus): Promise<void>;
  /** Starts serving `handlers`; a process that runs no workers never calls it. */
  start(handlers: JobQueueHandlers): Promise<void>;
  /** Stops taking jobs; resolves when the running ones have returned. */
  close(): Promise<void>;
  /** Jobs waiting (delayed included), across every process for a shared queue. */
  depth(): Promise<number>;
}
