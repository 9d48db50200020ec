import express, { type Request, type Response } from "express";
import { getIndexAbove, type IndexKey } from "@tldraw/utils";
import { z } from "zod";
import type { Access, RoomManager } from "../../collab/index.js";
import type { BoardService } from "../boards.js";
import type { JobRunner } from "../jobs/runner.js";
import { createNodeRecord, NODE_KINDS } from "../nodes/node-record.js";
import { requireEditor } from "./board-auth.js";
import { AppError } from "./errors.js";
import { handle } from "./json-errors.js";
import { createHash, randomBytes } from "node:crypto";
import type { SlidingWindowLimiter } from "../limits/sliding-window.js";
import { isStorableText, UNSTORABLE_TEXT } from "../storable-text.js";

// Every string of a node goes into the job row (jsonb) when it runs: refused here, it never reaches Postgres.
const StorableString = (max: number) => z.string().max(max).refine(isStorableText, UNSTORABLE_TEXT);
const Param = z.union([z.number().finite(), StorableString(200)]);
const CreateNodeBody = z
  .object({
    kind: z.enum(NODE_KINDS),
    prompt: StorableString(20_000).optional(),
    model: StorableString(200).optional(),
    params: z.record(StorableString(64), Param).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    x: z.number().finite().optional(),
    y: z.number().finite().optional(),
  })
  .strict();
const SelectOutputBody = z.object({ jobId: z.string().regex(/^job_[A-Za-z0-9_-]{1,64}$/, "jobId must be a job id") }).strict();
// A Yjs client id (32 bits) and the clock after that client's last edit.
const EditPosition = z.object({ clientId: z.number().int().min(0).max(2 ** 32 - 1), clock: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict();
const StartRunBody = z
  .object({ nodeId: z.string().regex(/^shape:[A-Za-z0-9_-]{1,64}$/, "nodeId must be a shape id"), force: z.boolean().optional(), after: EditPosition.optional() })
  .strict();

interface RunRouteDeps {
  boards: BoardService;
  rooms: RoomManager;
  runner: JobRunner;
  /** Starting runs is limited per board and per client; the limiters are built once, at start-up. */
  limiters: { perBoard: SlidingWindowLimiter; perClient: SlidingWindowLimiter };
}

/** The scripting API: create nodes, start, read and cancel their runs. Mounted under /api. */
export function runRoutes({ boards, rooms, runner, limiters }: RunRouteDeps) {
  const router = express.Router();
  const { perBoard, perClient } = limiters;

  router.get(
    "/models",
    handle(async (_req, res) => {
      res.json(await runner.models());
    }),
  );

  router.post(
    "/boards/:id/nodes",
    handle(async (req, res) => {
      await requireEditor(boards, req, req.params.id, "creating nodes");
      const body = parse(CreateNodeBody, req.body ?? {});
      const nodeId = `shape:${randomBytes(9).toString("base64url")}`;
      const { room, release } = await rooms.pin(req.params.id);
      try {
        const records = room.doc.getMap<Record<string, unknown>>("records");
        room.doc.transact(() => {
          const pageId = ensurePage(records);
          const top = [...records.values()].filter((r) => r.typeName === "shape" && r.parentId === pageId).map((r) => r.index as IndexKey).sort().pop();
          const record = createNodeRecord({ id: nodeId, kind: body.kind, parentId: pageId, index: getIndexAbove(top ?? null), x: body.x ?? 0, y: body.y ?? 0, prompt: body.prompt, model: body.model, params: body.params, seed: body.seed });
          records.set(nodeId, record);
        });
      } finally {
        release();
      }
      res.status(201).json({ nodeId });
    }),
  );

  router.put(
    "/boards/:id/nodes/:nodeId/current",
    handle(async (req, res) => {
      await requireEditor(boards, req, req.params.id, "choosing a node's output");
      const { jobId } = parse(SelectOutputBody, req.body ?? {});
      await runner.selectOutput(req.params.id, req.params.nodeId, jobId);
      res.json({ nodeId: req.params.nodeId, jobId });
    }),
  );

  router.post(
    "/boards/:id/runs",
    handle(async (req, res) => {
      const access = await requireEditor(boards, req, req.params.id, "starting a run");
      const body = parse(StartRunBody, req.body ?? {});
      // Counted only once the runner has found the node runnable: a refused request uses up no one's budget.
      const admit = async () => {
        await consume(res, perBoard, req.params.id, "this board");
        await consume(res, perClient, clientKey(req, access), "you");
      };
      const { jobId } = await runner.submit(req.params.id, body.nodeId, { force: body.force, after: body.after, requestId: req.id, admit });
      res.status(202).json({ jobId });
    }),
  );

  router.get(
    "/boards/:id/runs/:jobId",
    handle(async (req, res) => {
      await requireEditor(boards, req, req.params.id, "reading a run");
      res.json(publicJob(await runner.get(req.params.id, req.params.jobId)));
    }),
  );

  router.delete(
    "/boards/:id/runs/:jobId",
    handle(async (req, res) => {
      await requireEditor(boards, req, req.params.id, "canceling a run");
      res.json(publicJob(await runner.cancel(req.params.id, req.params.jobId)));
    }),
  );

  return router;
}

/** A fresh board has no page until a browser opens it: scripts get the same default page tldraw would make. */
function ensurePage(records: { get(k: string): Record<string, unknown> | undefined; set(k: string, v: Record<string, unknown>): void; values(): IterableIterator<Record<string, unknown>> }): string {
  const page = [...records.values()].filter((r) => r.typeName === "page").sort((a, b) => String(a.index).localeCompare(String(b.index)))[0];
  if (page) return page.id as string;
  if (!records.get("document:document")) records.set("document:document", { id: "document:document", typeName: "document", gridSize: 10, name: "", meta: {} });
  records.set("page:page", { id: "page:page", typeName: "page", name: "Page 1", index: "a1", meta: {} });
  return "page:page";
}

function publicJob(job: Awaited<ReturnType<JobRunner["get"]>>) {
  // providerState is the provider's own bookkeeping (e.g. a Replicate prediction id), not part of the API.
  const { inputHash: _hash, providerState: _state, ...rest } = job;
  return rest;
}

/**
 * Who started the run: the credential the request was authorized with (its
 * link, or the board's owner), not the header's spelling, which a client can
 * vary at will (`bearer`, `BEARER`, extra spaces) to get a fresh budget each
 * time; the address only when there is no credential. Hashed, since the key is
 * kept (in Redis, in distributed mode).
 */
const clientKey = (req: Request, access: Access | undefined) =>
  createHash("sha256")
    .update(access?.linkId ? `link:${access.linkId}` : `ip:${req.ip ?? "unknown"}`)
    .digest("base64url");

async function consume(res: Response, limiter: SlidingWindowLimiter, key: string, who: string) {
  const decision = await limiter.hit(key);
  if (decision.allowed) return;
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  res.setHeader("Retry-After", String(seconds));
  throw new AppError("rate_limited", `Too many runs started by ${who}; try again in ${seconds} s.`);
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AppError("bad_request", parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; "));
}
