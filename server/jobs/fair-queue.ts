import type { JobQueue, QueuedJob } from "./queue.js";

/**
 * The embedded mode's queue: one FIFO per board, served round-robin, so a board
 * that queues 500 jobs does not starve the board that queues one; at most
 * `concurrency` jobs run at once in this process.
 */
export class FairQueue implements JobQueue {
  private readonly boards = new Map<string, QueuedJob[]>();
  private readonly delayed = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly running = new Set<Promise<void>>();
  private work: ((job: QueuedJob) => Promise<void>) | null = null;
  private closed = false;

  constructor(private readonly concurrency: number) {}

  get depth(): number {
    let n = this.delayed.size;
    for (const q of this.boards.values()) n += q.length;
    return n;
  }

  enqueue(job: QueuedJob, delayMs = 0): void {
    if (this.closed) return;
    if (delayMs > 0) {
      this.delayed.set(
        job.id,
        setTimeout(() => {
          this.delayed.delete(job.id);
          this.enqueue(job);
        }, delayMs),
      );
      return;
    }
    const queue = this.boards.get(job.boardId);
    if (queue) queue.push(job);
    else this.boards.set(job.boardId, [job]);
    this.pump();
  }

  remove(jobId: string): boolean {
    const timer = this.delayed.get(jobId);
    if (timer) {
      clearTimeout(timer);
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

  start(work: (job: QueuedJob) => Promise<void>): void {
    this.work = work;
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.boards.clear();
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    while (this.work && !this.closed && this.running.size < this.concurrency) {
      const job = this.takeNext();
      if (!job) return;
      const run = this.work(job)
        .catch(() => {})
        .finally(() => {
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
