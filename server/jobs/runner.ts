import { createHash, randomBytes } from "node:crypto";
import type * as Y from "yjs";
import type { JobRow, JobsRepo } from "../../db/index.js";
import type { RoomManager } from "../../collab/index.js";
import type { AssetStore } from "../assets/asset-store.js";
import { AppError } from "../http/errors.js";
import type { Logger } from "../logger.js";
import { readNode, type GenNode } from "../nodes/node-record.js";
import { ProviderError, type Provider } from "../providers/types.js";
import { upstreamNodes } from "./graph.js";
import { ShuttingDown, type JobObserver } from "./job-observer.js";
import { resolveInput } from "./inputs.js";
import { outputStore } from "./output-store.js";
import type { TtlCache } from "../cache/ttl-cache.js";
import type { DeliveredJob, JobEndStatus, JobQueue, WorkOutcome } from "./queue.js";
import { runWriter } from "./run-writer.js";
import { createJobEnds } from "./job-ends.js";
import { createModelCatalog } from "./model-catalog.js";
import { isStorableText, UNSTORABLE_TEXT } from "../storable-text.js";
import { untilEditsInDoc, untilRecordInDoc, untilResultInDoc, untilRunInDoc, type EditPosition } from "./doc-waits.js";

export interface RunnerOptions {
  repo: JobsRepo;
  rooms: RoomManager;
  assets: AssetStore;
  queue: JobQueue;
  providers: ReadonlyMap<string, Provider>;
  /** Model lists, shared by every process in distributed mode. */
  cache: TtlCache;
  logger: Logger;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  maxOutputBytes: number;
  /** Metrics and error reporting hear about every job through this. */
  observer?: JobObserver;
}

interface JobInput {
  prompt: string;
  params: Record<string, number | string>;
  seed: number;
  dependsOn: string[];
  /** The requester's last edit: inputs read when the job runs (upstream prompts) wait for it too. */
  after?: EditPosition;
}

export interface SubmitOptions {
  force?: boolean;
  requestId?: string;
  /** Wait until this edit is on the server's copy of the board before reading the node: Run is pressed right after typing. */
  after?: EditPosition;
  /**
   * Called once the node is found runnable, before anything is written: the
   * caller's rate limit goes here, so a refused request (a prompt node, an
   * unknown model, bad params) uses up no budget. A rejection stops the submit.
   */
  admit?: () => Promise<void>;
}

/**
 * Runs generation jobs: takes a node from the server's copy of the board, runs
 * what it depends on first, calls its provider with an AbortSignal, stores the
 * outputs and writes progress and results into the board's `runs` map. The
 * jobs table is the record of every run; the queue only orders the work.
 */
export function createJobRunner(options: RunnerOptions) {
  const { repo, rooms, queue, providers, logger } = options;
  const outputs = outputStore(options.assets, options.maxOutputBytes);
  const inFlight = new Map<string, AbortController>();
  const catalog = createModelCatalog({ providers, cache: options.cache, logger });
  const ends = createJobEnds(repo);

  async function submit(boardId: string, nodeId: string, opts: SubmitOptions, planning = new Set<string>()): Promise<{ jobId: string }> {
    const { room, release } = await rooms.pin(boardId);
    try {
      if (opts.after) await untilEditsInDoc(room.doc, opts.after, NOT_CANCELED, EDITS_WAIT_MS).catch((e: Error) => Promise.reject(new AppError("conflict", e.message)));
      const records = room.doc.getMap<unknown>("records");
      // A node a script has just created through another process may reach this copy a moment after the run request
      // (through Redis; on a board this process has only now loaded, from a peer).
      if (!records.has(nodeId) && queue.kind === "shared") await untilRecordInDoc(room.doc, nodeId, NOT_CANCELED, NODE_WAIT_MS).catch(() => {});
      const node = readNode(records.get(nodeId));
      if (!node) throw new AppError("not_found", `No generation node "${nodeId}" on this board.`);
      const unstorable = unstorableField(node);
      if (unstorable) throw new AppError("bad_request", `The node's ${unstorable} ${UNSTORABLE_TEXT}; edit it and run again.`);
      if (node.kind === "prompt") throw new AppError("bad_request", "Prompt nodes hold text; run the node they feed.");
      const provider = catalog.providerOf(node.model);
      const info = await catalog.modelInfo(provider, node.model);
      if (info.kind !== node.kind) throw new AppError("bad_request", `${node.model} makes ${info.kind}, not ${node.kind}.`);
      const params = catalog.paramsFor(info, node.params);
      await opts.admit?.();
      planning.add(nodeId);

      // Upstream nodes without a result run first; their jobs are queued ahead of this one.
      const runs = room.doc.getMap<{ get(k: string): unknown }>("runs");
      const dependsOn: string[] = [];
      for (const up of upstreamNodes(records, nodeId)) {
        if (up.kind === "prompt" || planning.has(up.id) || runs.get(up.id)?.get("status") === "succeeded") continue;
        dependsOn.push((await submit(boardId, up.id, { requestId: opts.requestId, after: opts.after }, planning)).jobId);
      }

      const input: JobInput = { prompt: node.prompt, params, seed: node.seed, dependsOn, ...(opts.after ? { after: opts.after } : {}) };
      const inputHash = hashInputs({ ...node, params }, upstreamNodes(records, nodeId).map((n) => [n.id, n.prompt, runs.get(n.id)?.get("currentJobId") ?? null]));
      const job = { id: newJobId(), boardId, nodeId, kind: node.kind, provider: provider.id, model: node.model, input, inputHash, requestId: opts.requestId ?? null };
      const writer = runWriter(room.doc);

      const previous = !opts.force && dependsOn.length === 0 ? await repo.findReusable(boardId, nodeId, inputHash) : null;
      if (previous) {
        await repo.insert({ ...job, status: "succeeded", reusedFrom: previous.id, outputs: previous.outputs, costUsd: 0, finishedAt: new Date() });
        writer.queued(nodeId, { jobId: job.id, kind: node.kind, provider: provider.id, model: node.model, seed: node.seed });
        writer.finished(nodeId, job.id, { status: "succeeded", outputs: previous.outputs as never, costUsd: 0, model: node.model, seed: node.seed });
        return { jobId: job.id };
      }
      await repo.insert(job);
      options.observer?.submitted(job);
      writer.queued(nodeId, { jobId: job.id, kind: node.kind, provider: provider.id, model: node.model, seed: node.seed });
      // A worker in another process that opens the board now loads it from the store: the
      // queued entry must be stored before any worker can take the job, or that worker's
      // writes (which only touch the node's current run) would find no run to write to.
      if (queue.kind === "shared") await rooms.updateLog.flush();
      await queue.enqueue({ id: job.id, boardId, attempt: 0 });
      return { jobId: job.id };
    } finally {
      release();
    }
  }

  async function execute(delivered: DeliveredJob): Promise<WorkOutcome> {
    const { id } = delivered;
    // Registered before the first await: a cancel from here on aborts this attempt
    // whatever it is waiting for (the database, the room, an upstream job).
    const controller = new AbortController();
    inFlight.set(id, controller);
    try {
      return (await attempt(delivered, controller)) ?? "done";
    } finally {
      if (inFlight.get(id) === controller) inFlight.delete(id);
    }
  }

  async function attempt(delivered: DeliveredJob, controller: AbortController): Promise<WorkOutcome | void> {
    const { id } = delivered;
    const job = await repo.get(id);
    // A redelivered job (its worker died) is still `running` in the table; anything else not `queued` was canceled or already ran.
    const runnable = job?.status === "queued" || (job?.status === "running" && delivered.redelivered);
    if (!job || !runnable || controller.signal.aborted) return;
    if (job.status === "running") {
      // as after a restart in embedded mode: an interrupted job runs again once, a second interruption fails it
      if (job.recoveries >= 1) return await lost(id, "its worker stopped twice while running it.");
      await repo.countRecovery(id);
    }
    if (!(await repo.markRunning(id))) return;
    const log = logger.child({ jobId: id, boardId: job.boardId, requestId: job.requestId ?? undefined });
    log.info({ attempt: job.attempts + 1, redelivered: delivered.redelivered }, "job started");
    const { room, release } = await rooms.pin(job.boardId);
    const writer = runWriter(room.doc);
    const input = job.input as JobInput;
    const timeout = setTimeout(() => controller.abort(new ProviderError(`The job took longer than ${options.timeoutMs} ms.`, true)), options.timeoutMs);
    try {
      const upstream = await ends.waitFor(input.dependsOn, controller.signal);
      if (upstream.failed) return await end(job, writer, { status: "failed", error: `An upstream node did not produce a result (${upstream.failed}).` });
      for (const [nodeId, jobId] of upstream.succeeded) await untilResultInDoc(room.doc, nodeId, jobId, controller.signal, UPSTREAM_RESULT_WAIT_MS);
      if (input.after) await untilEditsInDoc(room.doc, input.after, controller.signal, EDITS_WAIT_MS);
      const node = readNode(room.doc.getMap("records").get(job.nodeId));
      if (!node) return await end(job, writer, { status: "failed", error: "The node was deleted before its job ran." });

      await showOnBoard(room.doc, job, controller.signal);
      // A cancel during the awaits above has already written "canceled": "running" must not follow it.
      controller.signal.throwIfAborted();
      writer.running(job.nodeId, id);
      const provider = catalog.providerOf(job.model);
      const generation = await resolveInput(room.doc, { ...node, model: job.model, params: input.params, seed: input.seed }, options.assets);
      let lastProgressAt = 0;
      const result = await provider.run(generation, {
        jobId: id,
        requestId: job.requestId ?? undefined,
        signal: controller.signal,
        onProgress: (p) => {
          // progress is a document write: a few per second is live enough
          if (Date.now() - lastProgressAt < 100 && p < 1) return;
          lastProgressAt = Date.now();
          writer.progress(job.nodeId, id, p);
        },
        onText: (delta) => writer.appendText(job.nodeId, id, delta),
        resumeState: job.providerState ?? undefined,
        saveState: (state) => repo.saveProviderState(id, state),
      });
      const saved = await outputs.save(job.boardId, result.outputs, controller.signal);
      await end(job, writer, { status: "succeeded", outputs: saved, costUsd: result.costUsd ?? null });
      log.info({ provider: job.provider, model: job.model, attempts: job.attempts + 1 }, "job succeeded");
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      if (reason instanceof CanceledError) {
        // The canceling process wrote the outcome to the table and its copy of the board; this may be another process's copy.
        writer.finished(job.nodeId, id, { status: "canceled", error: reason.message, model: job.model, seed: input.seed });
        return;
      }
      if (reason instanceof ShuttingDown) return await handBack(job, writer, log);
      const transient = reason instanceof ProviderError ? reason.transient : false;
      const message = reason instanceof Error ? reason.message : String(reason);
      if (transient && job.attempts + 1 < options.maxAttempts) {
        const delay = backoff(job.attempts, options.retryBaseMs, reason instanceof ProviderError ? reason.options.retryAfterMs : undefined);
        log.warn({ err: reason, attempt: job.attempts + 1, retryInMs: delay }, "job failed, will retry");
        await repo.requeue(id, message);
        writer.queued(job.nodeId, { jobId: id, kind: job.kind, provider: job.provider, model: job.model, seed: input.seed });
        // markRunning counted this attempt: the retry is the table's next entry
        await queue.enqueue({ id, boardId: job.boardId, attempt: job.attempts + 1 }, delay);
        return;
      }
      log.warn({ err: reason }, "job failed");
      await end(job, writer, { status: "failed", error: message });
    } finally {
      clearTimeout(timeout);
      release();
    }
  }

  async function end(job: JobRow, writer: ReturnType<typeof runWriter>, result: { status: JobEndStatus; outputs?: unknown; error?: string; costUsd?: number | null }) {
    if (await repo.finish(job.id, result)) {
      await showOnBoard(writer.doc, job, NOT_CANCELED);
      const input = job.input as JobInput;
      writer.finished(job.nodeId, job.id, { ...result, outputs: result.outputs as never, model: job.model, seed: input.seed });
      options.observer?.ended(job, result);
    }
    ends.emit(job.id, result.status);
    // jobs waiting for this one may be in other processes
    await queue.announceEnd(job.id, result.status).catch((err) => logger.warn({ err, jobId: job.id }, "announcing a job's end failed"));
  }

  /** A job that cannot be completed for reasons not its own (its workers kept dying, the infrastructure failed): the table and the board say so. */
  async function lost(jobId: string, reason: string) {
    const job = await repo.get(jobId);
    if (!job || (job.status !== "queued" && job.status !== "running")) return;
    logger.warn({ jobId, boardId: job.boardId, reason }, "job could not be completed");
    const { room, release } = await rooms.pin(job.boardId);
    try {
      await end(job, runWriter(room.doc), { status: "failed", error: `The job could not be completed: ${reason}` });
    } finally {
      release();
    }
  }

  /**
   * Makes the board show `job` as its node's run unless the board shows a newer
   * job. The "queued" write that should have done so may never have been
   * stored: a process killed inside its batching window after the job's row
   * was (the restart runs the job again, or has it already ended). In
   * distributed mode that write comes from the process that queued the job,
   * and may reach this copy a moment after the job does: it is waited for first.
   */
  async function showOnBoard(doc: Y.Doc, job: JobRow, signal: AbortSignal): Promise<void> {
    const writer = runWriter(doc);
    if (writer.latestKnown(job.nodeId)?.jobId === job.id) return;
    if (queue.kind === "shared") await untilRunInDoc(doc, job.nodeId, job.id, signal, RUN_ENTRY_WAIT_MS).catch(() => {});
    const known = writer.latestKnown(job.nodeId);
    if (known?.jobId === job.id) return;
    const shown = known ? await repo.get(known.jobId) : null;
    if (shown && shown.createdAt > job.createdAt) return; // a newer run is on the board: this one only joins its history
    if (writer.latestKnown(job.nodeId)?.jobId !== known?.jobId) return showOnBoard(doc, job, signal); // it changed while we looked
    writer.queued(job.nodeId, { jobId: job.id, kind: job.kind, provider: job.provider, model: job.model, seed: (job.input as JobInput).seed });
  }

  /**
   * Embedded mode, when a board is loaded: the board must agree with the jobs
   * table about each node's newest job. A kill inside the batching window can
   * lose the board's "queued" or "finished" write after the table recorded
   * it, and a job that has ended is never written again. Not in distributed
   * mode: there a board is loaded by several processes at once, which would
   * write the same text twice; its peers hold what a dead process relayed,
   * and a job whose worker died is run again, which shows it (`showOnBoard`).
   */
  async function reconcile(boardId: string): Promise<void> {
    const latest = await repo.latestPerNode(boardId);
    if (latest.length === 0) return;
    const { room, release } = await rooms.pin(boardId);
    try {
      const writer = runWriter(room.doc);
      const records = room.doc.getMap("records");
      for (const job of latest) {
        const ended = job.status === "succeeded" || job.status === "failed" || job.status === "canceled";
        if (!records.has(job.nodeId) || inFlight.has(job.id)) continue;
        const known = writer.latestKnown(job.nodeId);
        if (known?.jobId === job.id && !(ended && (known.status === "queued" || known.status === "running"))) continue;
        const input = job.input as JobInput;
        logger.warn({ boardId, jobId: job.id, status: job.status, shown: known?.status ?? null }, "the board did not show a job's state; written from the jobs table");
        if (known?.jobId !== job.id) writer.queued(job.nodeId, { jobId: job.id, kind: job.kind, provider: job.provider, model: job.model, seed: input.seed });
        if (ended) writer.finished(job.nodeId, job.id, { status: job.status as JobEndStatus, outputs: (job.outputs ?? []) as never, error: job.error, costUsd: job.costUsd, model: job.model, seed: input.seed });
      }
    } finally {
      release();
    }
  }

  /** Shutdown: the job is queued again, its attempt given back, for whichever process starts next. */
  async function handBack(job: JobRow, writer: ReturnType<typeof runWriter>, log: Logger): Promise<WorkOutcome> {
    if (!(await repo.handBack(job.id))) return "done";
    writer.queued(job.nodeId, { jobId: job.id, kind: job.kind, provider: job.provider, model: job.model, seed: (job.input as JobInput).seed });
    options.observer?.handedBack(job);
    log.info({ provider: job.provider, model: job.model }, "job handed back to the queue");
    return "handed-back";
  }

  return {
    submit,

    /** Every provider's models by node kind, with the reason a provider cannot run (lists cached for a minute). */
    models: () => catalog.list(),

    async get(boardId: string, jobId: string): Promise<JobRow> {
      const job = await repo.get(jobId);
      if (!job || job.boardId !== boardId) throw new AppError("not_found", `No job "${jobId}" on this board.`);
      return job;
    },

    /** Makes one of a node's earlier results its current output again (see runWriter.select). */
    async selectOutput(boardId: string, nodeId: string, jobId: string): Promise<void> {
      const { room, release } = await rooms.pin(boardId);
      try {
        let outcome = runWriter(room.doc).select(nodeId, jobId);
        // Distributed mode: a job that has just ended on another worker may reach this copy a moment after the request
        // (until then the node looks busy, or its run unknown here). The table is read only then.
        if (outcome !== "selected" && queue.kind === "shared") {
          const job = await repo.get(jobId);
          if (job?.boardId === boardId && job.nodeId === nodeId && job.status === "succeeded") {
            await untilResultInDoc(room.doc, nodeId, jobId, NOT_CANCELED, NODE_WAIT_MS).catch(() => {});
            outcome = runWriter(room.doc).select(nodeId, jobId);
          }
        }
        if (outcome === "busy") throw new AppError("conflict", "The node is running; wait for the run to end or cancel it first.");
        if (outcome === "unknown") throw new AppError("not_found", `Node "${nodeId}" has no succeeded run "${jobId}".`);
      } finally {
        release();
      }
    },

    /** Cancels one job: it leaves the queue, or its provider call is aborted. Other jobs are untouched. */
    async cancel(boardId: string, jobId: string): Promise<JobRow> {
      const job = await this.get(boardId, jobId);
      if (job.status !== "queued" && job.status !== "running") return job;
      // removed if still waiting; otherwise whichever process runs it is told to abort it
      const removed = await queue.cancel({ id: jobId, boardId, attempt: job.attempts });
      logger.info({ jobId, boardId, removedFromQueue: removed }, "job cancel");
      inFlight.get(jobId)?.abort(new CanceledError());
      const { room, release } = await rooms.pin(boardId);
      try {
        await end(job, runWriter(room.doc), { status: "canceled", error: "Canceled." });
      } finally {
        release();
      }
      return (await repo.get(jobId))!;
    },

    /** `workers: false` (distributed mode only): this process queues and cancels jobs but runs none. */
    async start({ workers }: { workers: boolean }) {
      if (queue.kind === "in-process") {
        rooms.onLoaded((room) => void reconcile(room.boardId).catch((err) => logger.error({ err, boardId: room.boardId }, "checking a board's runs against the jobs table failed")));
        const { requeued, failed } = await repo.recover();
        for (const job of failed) ends.emit(job.id, "failed");
        for (const job of requeued) await queue.enqueue({ id: job.id, boardId: job.boardId, attempt: job.attempts });
        if (requeued.length > 0 || failed.length > 0) logger.info({ requeued: requeued.length, failed: failed.length }, "jobs recovered after restart");
      }
      // Shared queue: a `running` job may be running in another process, and what Redis lost is the orphan sweep's.
      if (!workers) return;
      await queue.start({
        work: execute,
        onCancel: (jobId) => {
          const controller = inFlight.get(jobId);
          if (!controller) return; // not running here
          logger.info({ jobId }, "job canceled while running here");
          controller.abort(new CanceledError());
        },
        onEnded: (jobId, status) => ends.emit(jobId, status),
        onLost: (jobId, reason) => void lost(jobId, reason).catch((err) => logger.error({ err, jobId }, "recording a lost job failed")),
      });
    },

    async stop() {
      for (const controller of inFlight.values()) controller.abort(new ShuttingDown());
      await queue.close();
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;

class CanceledError extends Error {
  constructor() {
    super("Canceled.");
  }
}

/** How long a job waits for an upstream result announced by another process to reach its copy of the board. */
const UPSTREAM_RESULT_WAIT_MS = 10_000;
/** How long a run waits for the requester's last edit, which travels on their socket while the request comes over HTTP. */
const EDITS_WAIT_MS = 5_000;
/** Distributed mode: how long a request waits for a node or a result this process has not seen yet before answering 404. */
const NODE_WAIT_MS = 2_000;
const NOT_CANCELED = new AbortController().signal;
/** Distributed mode: how long a worker waits for the queued entry of a job it took before writing one itself. */
const RUN_ENTRY_WAIT_MS = 1_000;

const newJobId = () => `job_${randomBytes(12).toString("base64url")}`;

function hashInputs(node: GenNode, upstream: unknown[]): string {
  const key = JSON.stringify([node.kind, node.model, node.prompt, Object.entries(node.params).sort(), node.seed, upstream]);
  return createHash("sha256").update(key).digest("hex");
}

/** Exponential backoff with full jitter; a provider's Retry-After is a floor. */
function backoff(attempt: number, baseMs: number, retryAfterMs?: number): number {
  const jittered = Math.random() * baseMs * 2 ** attempt;
  return Math.max(retryAfterMs ?? 0, Math.round(jittered));
}

/**
 * The first field of a node that could not be stored in its job row. The API
 * refuses such text when it creates a node, but collaborators edit nodes over
 * their sockets, and a NUL typed there reaches the document as it is.
 */
function unstorableField(node: GenNode): string | null {
  if (!isStorableText(node.prompt)) return "prompt";
  if (!isStorableText(node.model)) return "model";
  for (const [name, value] of Object.entries(node.params)) {
    if (!isStorableText(name) || (typeof value === "string" && !isStorableText(value))) return "params";
  }
  return null;
}
