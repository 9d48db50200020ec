import type { JobEndStatus, JobQueue, JobQueueHandlers, QueuedJob } from "./queue.js";

/**
 * The embedded mode's queue: one FIFO per board, served round-robin, so a board
 * that queues 500 jobs does not starve the board that queues one; at most
 * `concurrency` jobs run at once in this process. Cancels and job ends are
 * delivered to this process's own handlers: there is no other process.
 */
export class FairQueue implements JobQueue {
  readonly kind = "in-process";
  private readonly boards = new Map<string, QueuedJob[]>();
  private readonly delayed = new Map<string, { job: QueuedJob; timer: ReturnType<typeof setTimeout> }>();
  private readonly running = new Set<Promise<void>>();
  /** Entry ids (see `entryKey`) of the jobs running now. */
  private readonly active = new Set<string>();
  private handlers: JobQueueHandlers | null = null;
  private closed = false;

  constructor(private readonly concurrency: number) {}

  async depth(): Promise<number> {
    let n = this.delayed.size;
    for (const q of this.boards.values()) n += q.length;
    return n;
  }

  async enqueue(job: QueuedJob, delayMs = 0): Promise<void> {
    if (this.closed || this.isQueued(job)) return;
    if (delayMs > 0) {
      const timer = setTimeout(() => {
        this.delayed.delete(job.id);
        this.push(job);
      }, delayMs);
      this.delayed.set(job.id, { job, timer });
      return;
    }
    this.push(job);
  }

  async holds(job: QueuedJob): Promise<boolean> {
    return this.isQueued(job) || this.active.has(entryKey(job));
  }

  async cancel(job: QueuedJob): Promise<boolean> {
    if (this.removeWaiting(job.id)) return true;
    this.handlers?.onCancel(job.id);
    return false;
  }

  async announceEnd(jobId: string, status: JobEndStatus): Promise<void> {
    this.handlers?.onEnded(jobId, status);
  }

  async start(handlers: JobQueueHandlers): Promise<void> {
    this.handlers = handlers;
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.boards.clear();
    await Promise.allSettled([...this.running]);
  }

  private isQueued(job: QueuedJob): boolean {
    const same = (j: QueuedJob) => j.id === job.id && j.attempt === job.attempt;
    if ([...this.delayed.values()].some((d) => same(d.job))) return true;
    return this.boards.get(job.boardId)?.some(same) ?? false;
  }

  private push(job: QueuedJob): void {
    if (this.closed) return;
    const queue = this.boards.get(job.boardId);
    if (queue) queue.push(job);
    else this.boards.set(job.boardId, [job]);
    this.pump();
  }

  private removeWaiting(jobId: string): boolean {
    const delayed = this.delayed.get(jobId);
    if (delayed) {
      clearTimeout(delayed.timer);
      this.delayed.delete(jobId);
      return true;
    }
    for (const [board, queue] of this.boards) {
      const i = queue.findIndex((j) => j.id === jobId);
      if (i < 0) continue;
      queue.splice(i, 1);
      if (queue.length === 0) this.boards.delete(board);
      return true;
    }
    return false;
  }

  private pump(): void {
    while (this.handlers && !this.closed && this.running.size < this.concurrency) {
      const job = this.takeNext();
      if (!job) return;
      this.active.add(entryKey(job));
      const run = this.handlers
        .work({ ...job, redelivered: job.interrupted === true })
        // a handed-back job's row is queued again: the next start re-queues it
        .then(() => {}, () => {})
        .finally(() => {
          this.active.delete(entryKey(job));
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }

  /** The head of the board that has waited longest for a turn (Map order), which then goes to the back. */
  private takeNext(): QueuedJob | undefined {
    for (const [board, queue] of this.boards) {
      const job = queue.shift()!;
      this.boards.delete(board);
      if (queue.length > 0) this.boards.set(board, queue);
      return job;
    }
    return undefined;
  }
}

const entryKey = (job: QueuedJob) => `${job.id}.${job.attempt}`;
