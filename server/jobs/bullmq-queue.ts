import { DelayedError, Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { JobEndStatus, JobQueue, JobQueueHandlers, QueuedJob } from "./queue.js";

export interface BullJobQueueOptions {
  /** The Worker's connection (maxRetriesPerRequest: null, duplicated for its blocking reads): it waits Redis out. */
  connection: Redis;
  /** Adding, removing and counting jobs, fairness counters, signals: fails fast, so an HTTP request is not held while Redis is away. */
  commands: Redis;
  /** A connection this queue may put in subscribe mode. */
  subscriber: Redis;
  /** Namespaces every key and channel, so that several deployments (or tests) share one Redis. */
  prefix: string;
  concurrency: number;
  /**
   * How long a worker's hold on a job lasts without renewal (renewed every half).
   * A worker killed mid-job is noticed within about twice this, and its job handed
   * to another worker. Too short, and a worker whose event loop stalls that long
   * loses a job it is still running (the runner's idempotent result write keeps
   * that to one result).
   */
  lockMs: number;
  logger: Logger;
}

const QUEUE = "jobs";
/** BullMQ's highest priority number. */
const MAX_PRIORITY = 2_097_151;
/** Past this the fairness counters are reset when the queue next runs dry, long before MAX_PRIORITY. */
const RESET_AFTER = 1_000_000;

const WAITING = new Set(["waiting", "prioritized", "delayed"]);

type Signal = { type: "cancel"; jobId: string } | { type: "ended"; jobId: string; status: JobEndStatus };

/**
 * Fairness across boards without BullMQ Pro's groups, as start-time fair
 * queuing: a board's next job gets priority max(its previous job's, the
 * priority of the job started last) + 1, and BullMQ serves lower numbers
 * first, equal numbers FIFO. So boards take turns, and each board stays FIFO.
 */
const NEXT_PRIORITY = `
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local p = math.max(last, now) + 1
redis.call('HSET', KEYS[2], ARGV[1], p)
return p`;
const STARTED = `
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > now then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;
const RESET_IF_HIGH = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > tonumber(ARGV[1]) then redis.call('DEL', KEYS[1], KEYS[2]) end
return 0`;

/**
 * Distributed mode's queue: BullMQ on Redis, served by a Worker in every process
 * that runs workers (at most `concurrency` jobs each). Cancels and job ends
 * travel on one Redis pub/sub channel, since a job runs in whichever process
 * took it. A worker that dies mid-job stops renewing its lock; BullMQ's stall
 * check then hands the job to another worker (`redelivered`).
 */
export class BullJobQueue implements JobQueue {
  readonly kind = "shared";
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly channel: string;
  private readonly keys: [clock: string, boards: string];
  private onMessage: ((channel: string, message: string) => void) | null = null;

  constructor(private readonly options: BullJobQueueOptions) {
    this.queue = new Queue(QUEUE, { connection: options.commands, prefix: options.prefix });
    this.queue.on("error", (err) => options.logger.warn({ err }, "job queue error"));
    this.channel = `${options.prefix}:jobs:signals`;
    this.keys = [`${options.prefix}:jobs:fair:clock`, `${options.prefix}:jobs:fair:boards`];
  }

  async enqueue(job: QueuedJob, delayMs = 0): Promise<void> {
    const priority = Number(await this.options.commands.eval(NEXT_PRIORITY, 2, ...this.keys, job.boardId));
    await this.queue.add("run", job, {
      jobId: entryId(job),
      priority: Math.min(priority, MAX_PRIORITY),
      delay: delayMs > 0 ? delayMs : undefined,
      removeOnComplete: true,
      // kept a day for inspection; the jobs table has the outcome either way
      removeOnFail: { age: 24 * 3600 },
    });
  }

  async holds(job: QueuedJob): Promise<boolean> {
    return (await this.queue.getJobState(entryId(job))) !== "unknown";
  }

  async cancel(job: QueuedJob): Promise<boolean> {
    // Queue.remove answers 1 for an entry that does not exist, so ask first; it
    // answers 0 for one a worker has locked meanwhile, which is then running.
    const state = await this.queue.getJobState(entryId(job));
    if (WAITING.has(state) && (await this.queue.remove(entryId(job))) === 1) return true;
    await this.publish({ type: "cancel", jobId: job.id });
    return false;
  }

  async announceEnd(jobId: string, status: JobEndStatus): Promise<void> {
    await this.publish({ type: "ended", jobId, status });
  }

  async start(handlers: JobQueueHandlers): Promise<void> {
    const { subscriber, logger } = this.options;
    this.onMessage = (channel, message) => {
      if (channel !== this.channel) return;
      const signal = parseSignal(message);
      if (signal?.type === "cancel") handlers.onCancel(signal.jobId);
      else if (signal?.type === "ended") handlers.onEnded(signal.jobId, signal.status);
    };
    subscriber.on("message", this.onMessage);
    await subscriber.subscribe(this.channel);

    const worker = new Worker<QueuedJob>(
      QUEUE,
      async (job: Job<QueuedJob>, token?: string) => {
        await this.options.commands.eval(STARTED, 1, this.keys[0], String(job.opts.priority ?? 0)).catch(() => {});
        const outcome = await handlers.work({ ...job.data, redelivered: job.data.interrupted === true || job.stalledCounter > 0 || job.attemptsStarted > 1 });
        if (outcome === "handed-back") {
          // BullMQ's way to put an active entry back (not completed, no attempt counted): another worker takes it at once.
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
      },
      {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency,
        lockDuration: this.options.lockMs,
        stalledInterval: Math.max(500, Math.round(this.options.lockMs / 2)),
        // BullMQ fails a job past this without telling any worker (only its event stream):
        // the runner counts interruptions itself (the table's `recoveries`) and fails the job.
        maxStalledCount: 1000,
      },
    );
    // The runner catches what a job's provider throws: a failed entry is an infrastructure error (the database, Redis).
    worker.on("failed", (job, err) => {
      if (job) handlers.onLost(job.data.id, err.message);
    });
    worker.on("error", (err) => logger.warn({ err }, "job worker error"));
    worker.on("drained", () => {
      this.options.commands.eval(RESET_IF_HIGH, 2, ...this.keys, String(RESET_AFTER)).catch(() => {});
    });
    this.worker = worker;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    if (this.onMessage) {
      this.options.subscriber.off("message", this.onMessage);
      await this.options.subscriber.unsubscribe(this.channel).catch(() => {});
    }
    await this.queue.close();
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts("wait", "prioritized", "delayed");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  private async publish(signal: Signal): Promise<void> {
    await this.options.commands.publish(this.channel, JSON.stringify(signal));
  }
}

/** Our job id and attempt: a retry is a new BullMQ entry, while queuing the same entry twice is one (BullMQ ignores a duplicate id). */
const entryId = (job: QueuedJob) => `${job.id}.${job.attempt}`;

function parseSignal(message: string): Signal | null {
  try {
    const value = JSON.parse(message) as Signal;
    return typeof value?.jobId === "string" ? value : null;
  } catch {
    return null;
  }
}
