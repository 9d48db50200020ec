import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { jobs } from "./schema.js";

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "canceled";
export type JobRow = typeof jobs.$inferSelect;
export type NewJob = Pick<JobRow, "id" | "boardId" | "nodeId" | "kind" | "provider" | "model" | "input" | "inputHash"> &
  Partial<Pick<JobRow, "status" | "requestId" | "reusedFrom" | "outputs" | "costUsd" | "finishedAt">>;

export interface JobFinish {
  status: "succeeded" | "failed" | "canceled";
  outputs?: unknown;
  error?: string | null;
  costUsd?: number | null;
}

/** The jobs table: every state change of a run is one small write here. */
export function createJobsRepo(db: Database) {
  return {
    async insert(job: NewJob): Promise<JobRow> {
      const [row] = await db
        .insert(jobs)
        .values({ status: "queued", ...job })
        .returning();
      return row;
    },

    async get(id: string): Promise<JobRow | null> {
      const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
      return row ?? null;
    },

    /** Claims a queued job for running; false when it was canceled (or claimed) meanwhile. */
    async markRunning(id: string): Promise<boolean> {
      const claimed = await db
        .update(jobs)
        .set({ status: "running", startedAt: new Date(), attempts: sql`${jobs.attempts} + 1` })
        .where(and(eq(jobs.id, id), inArray(jobs.status, ["queued", "running"])))
        .returning({ id: jobs.id });
      return claimed.length > 0;
    },

    /** A running job handed to another worker because its own died (distributed mode's stall check). */
    async countRecovery(id: string): Promise<void> {
      await db.update(jobs).set({ recoveries: sql`${jobs.recoveries} + 1` }).where(eq(jobs.id, id));
    },

    /**
     * Records the provider's state for later attempts of a running job. Awaited
     * before the provider goes on, so that what it remembers is on disk first.
     */
    async saveProviderState(id: string, state: unknown): Promise<void> {
      await db.update(jobs).set({ providerState: state ?? null }).where(eq(jobs.id, id));
    },

    /** Back to the queue after a transient failure. */
    async requeue(id: string, error: string): Promise<void> {
      await db.update(jobs).set({ status: "queued", error }).where(and(eq(jobs.id, id), eq(jobs.status, "running")));
    },

    /**
     * Back to the queue because this process is shutting down, not because the
     * job failed: the attempt it used is given back. False if it was no longer running.
     */
    async handBack(id: string): Promise<boolean> {
      const done = await db
        .update(jobs)
        .set({ status: "queued", startedAt: null, attempts: sql`greatest(${jobs.attempts} - 1, 0)` })
        .where(and(eq(jobs.id, id), eq(jobs.status, "running")))
        .returning({ id: jobs.id });
      return done.length > 0;
    },

    /** Records the end of a job unless it already ended (a cancel wins over a late result). */
    async finish(id: string, end: JobFinish): Promise<boolean> {
      const done = await db
        .update(jobs)
        .set({ status: end.status, outputs: end.outputs ?? null, error: end.error ?? null, costUsd: end.costUsd ?? null, finishedAt: new Date() })
        .where(and(eq(jobs.id, id), inArray(jobs.status, ["queued", "running"])))
        .returning({ id: jobs.id });
      return done.length > 0;
    },

    /** The latest succeeded job of a node with these exact inputs, for reuse. */
    async findReusable(boardId: string, nodeId: string, inputHash: string): Promise<JobRow | null> {
      const [row] = await db
        .select()
        .from(jobs)
        .where(and(eq(jobs.boardId, boardId), eq(jobs.nodeId, nodeId), eq(jobs.inputHash, inputHash), eq(jobs.status, "succeeded")))
        .orderBy(desc(jobs.createdAt))
        .limit(1);
      return row ?? null;
    },

    /** Each node's newest job on the board (a board's runs are reconciled with these when it loads). */
    async latestPerNode(boardId: string): Promise<JobRow[]> {
      return db.selectDistinctOn([jobs.nodeId]).from(jobs).where(eq(jobs.boardId, boardId)).orderBy(jobs.nodeId, desc(jobs.createdAt));
    },

    /** Queued jobs, oldest first, at most `limit` (the orphan sweep). */
    async queued(limit: number): Promise<JobRow[]> {
      return db.select().from(jobs).where(eq(jobs.status, "queued")).orderBy(jobs.createdAt).limit(limit);
    },

    /** Running jobs whose current attempt started before `before` (the orphan sweep). */
    async runningSince(before: Date, limit: number): Promise<JobRow[]> {
      return db.select().from(jobs).where(and(eq(jobs.status, "running"), lt(jobs.startedAt, before))).orderBy(jobs.startedAt).limit(limit);
    },

    /**
     * After a restart: queued jobs go back on the queue; a job found running was
     * interrupted, and is re-queued once — a second interruption fails it.
     */
    async recover(): Promise<{ requeued: JobRow[]; failed: JobRow[] }> {
      const interrupted = await db.select().from(jobs).where(eq(jobs.status, "running"));
      const failed: JobRow[] = [];
      for (const job of interrupted) {
        if (job.recoveries >= 1) {
          await db.update(jobs).set({ status: "failed", error: "interrupted twice by a server restart", finishedAt: new Date() }).where(eq(jobs.id, job.id));
          failed.push(job);
        } else {
          await db.update(jobs).set({ status: "queued", recoveries: job.recoveries + 1 }).where(eq(jobs.id, job.id));
        }
      }
      const requeued = await db.select().from(jobs).where(eq(jobs.status, "queued")).orderBy(jobs.createdAt);
      return { requeued, failed };
    },
  };
}

export type JobsRepo = ReturnType<typeof createJobsRepo>;
