import type { JobsRepo } from "../../db/index.js";
import type { Logger } from "../logger.js";
import type { JobQueue, QueuedJob } from "./queue.js";

export interface OrphanSweepOptions {
  repo: JobsRepo;
  queue: JobQueue;
  logger: Logger;
  /** No live worker holds an attempt longer than the job timeout. */
  jobTimeoutMs: number;
  intervalMs: number;
}

/** Past the timeout, for clocks that differ a little between processes and an attempt that is writing its end. */
const GRACE_MS = 10_000;
/** Rows per sweep and kind: a sweep stays short; the next one takes the rest. */
const BATCH = 500;

/**
 * Distributed mode: the jobs table is the record, Redis only holds the queue.
 * When Redis loses its data (a restart without persistence), the table keeps
 * jobs that no queue entry stands for: queued ones nobody will take, and
 * running ones whose worker died after the lock that would have told another
 * worker was lost. Every process sweeps at start, when Redis comes back and
 * every `intervalMs`: a queued job the queue lacks is queued again, and a job
 * running longer than any attempt may is queued as interrupted — run again
 * once, or failed if it was interrupted before, as after a restart. Sweeps in
 * several processes at once queue one entry (the queue drops duplicates).
 */
export function createOrphanSweep(options: OrphanSweepOptions) {
  const { repo, queue, logger } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
  let current: Promise<void> | null = null;

  async function requeueMissing(entries: QueuedJob[]): Promise<number> {
    let queued = 0;
    for (const entry of entries) {
      if (await queue.holds(entry)) continue;
      await queue.enqueue(entry);
      queued += 1;
    }
    return queued;
  }

  async function sweepOnce(): Promise<void> {
    const now = Date.now();
    const waiting = await repo.queued(BATCH);
    const requeued = await requeueMissing(waiting.map((j) => ({ id: j.id, boardId: j.boardId, attempt: j.attempts })));
    const stale = await repo.runningSince(new Date(now - options.jobTimeoutMs - GRACE_MS), BATCH);
    const interrupted = await requeueMissing(stale.map((j) => ({ id: j.id, boardId: j.boardId, attempt: j.attempts, interrupted: true })));
    if (requeued + interrupted > 0) logger.warn({ requeued, interrupted }, "jobs missing from the queue were queued again");
  }

  return {
    /** Sweeps now, or joins the sweep under way. Never rejects: with the database or Redis away, the next sweep tries again. */
    sweep(): Promise<void> {
      current ??= sweepOnce()
        .catch((err) => logger.warn({ err }, "orphan sweep failed"))
        .finally(() => (current = null));
      return current;
    },
    start(): void {
      timer = setInterval(() => void this.sweep(), options.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await current;
    },
  };
}
