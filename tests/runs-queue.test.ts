import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as Y from "yjs";
import { eventually, sleep, type Client, type CreatedBoard } from "./helpers/clients.js";
import { boardApi, boardWithWatcher, runsSeenBy } from "./helpers/runs.js";
import type { ServerProcess } from "./helpers/server-process.js";

/**
 * Jobs that wait behind another: with JOBS_CONCURRENCY=1 a long local text
 * job holds the only slot, so anything started after it stays queued until
 * the test lets the long one go (by canceling it).
 */
describe("queued jobs", () => {
  let server: ServerProcess;
  let board: CreatedBoard;
  let edit: string;
  let watcher: Client;

  const { runOf, statusOf, statusTrail } = runsSeenBy(() => watcher);
  const { api, post } = boardApi(() => ({ server, board, edit }));
  const job = async (jobId: string) => (await (await api(`/runs/${jobId}`)).json()) as { status: string; attempts: number; error: string | null; startedAt: string | null };

  /** Starts a local text job that takes ~10 s and waits until it holds the only slot. */
  async function blocker() {
    const { nodeId } = await post("/nodes", { kind: "text", prompt: `a very long story ${Math.random()}`, params: { maxTokens: 500 } }, 201);
    const { jobId } = await post("/runs", { nodeId, force: true }, 202);
    await eventually(() => statusOf(nodeId) === "running", "the blocking job runs");
    return {
      nodeId,
      jobId,
      release: async () => assert.equal((await api(`/runs/${jobId}`, { method: "DELETE" })).status, 200),
    };
  }

  let fixture: Awaited<ReturnType<typeof boardWithWatcher>>;
  before(async () => {
    fixture = await boardWithWatcher({ JOBS_CONCURRENCY: "1", LOCAL_TOKEN_DELAY_MS: "20" });
    ({ server, board, edit, watcher } = fixture);
  });
  after(() => fixture?.close());

  test("canceling a queued job: it is canceled and never runs", async () => {
    const busy = await blocker();
    const { nodeId } = await post("/nodes", { kind: "image", prompt: "waits its turn", params: { width: 64, height: 64, steps: 1 } }, 201);
    await eventually(() => watcher.records.has(nodeId), "the node reaches the watcher");
    const trail = statusTrail(nodeId);
    const { jobId } = await post("/runs", { nodeId }, 202);
    await eventually(() => statusOf(nodeId) === "queued", "queued behind the blocker");
    assert.equal((await job(jobId)).status, "queued");

    const res = await api(`/runs/${jobId}`, { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, "canceled");
    await eventually(() => statusOf(nodeId) === "canceled", "the watcher sees the cancel");

    // Free the slot, and prove the queue moved on past the canceled job.
    await busy.release();
    const { nodeId: next } = await post("/nodes", { kind: "image", prompt: "runs after", params: { width: 64, height: 64, steps: 1 } }, 201);
    await post("/runs", { nodeId: next }, 202);
    await eventually(() => statusOf(next) === "succeeded", "a later job runs", 20_000);
    await sleep(200);
    trail.stop();

    assert.deepEqual(trail.seen, ["queued", "canceled"], "never running");
    const row = await job(jobId);
    assert.deepEqual([row.status, row.attempts, row.startedAt], ["canceled", 0, null]);
    assert.equal(statusOf(nodeId), "canceled");
    assert.deepEqual(runOf(nodeId)!.get("outputs"), []);
  });

  test("a job whose node is deleted before it runs fails with a readable error", async () => {
    const busy = await blocker();
    const { nodeId } = await post("/nodes", { kind: "image", prompt: "deleted while waiting", params: { width: 64, height: 64, steps: 1 } }, 201);
    await eventually(() => watcher.records.has(nodeId), "the node reaches the watcher");
    const trail = statusTrail(nodeId);
    const { jobId } = await post("/runs", { nodeId }, 202);
    await eventually(() => statusOf(nodeId) === "queued", "queued behind the blocker");

    watcher.records.delete(nodeId); // a collaborator deletes the node
    await sleep(100);
    await busy.release();

    await eventually(async () => (await job(jobId)).status === "failed", "the job fails", 20_000);
    const row = await job(jobId);
    assert.match(String(row.error), /deleted/i, `job error: ${row.error}`);
    await eventually(() => statusOf(nodeId) === "failed", "the watcher sees the failure");
    trail.stop();
    assert.match(String(runOf(nodeId)!.get("error")), /deleted/i);
    assert.ok(!trail.seen.includes("running"), `trail: ${trail.seen.join(" → ")}`);
  });
});

/**
 * A job that waits for its upstream node holds a slot and is already
 * `running` in the jobs table, but not yet on the canvas: canceling it then
 * must stay canceled when the upstream job ends.
 */
describe("a job waiting for its upstream node", () => {
  let server: ServerProcess;
  let board: CreatedBoard;
  let edit: string;
  let watcher: Client;

  let fixture: Awaited<ReturnType<typeof boardWithWatcher>>;
  before(async () => {
    fixture = await boardWithWatcher({ JOBS_CONCURRENCY: "2", LOCAL_TOKEN_DELAY_MS: "20" });
    ({ server, board, edit, watcher } = fixture);
  });
  after(() => fixture?.close());

  test("canceled while waiting: stays canceled once the upstream job finishes", async () => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.http}/api/boards/${board.id}${path}`, { ...init, headers: { "content-type": "application/json", authorization: `Bearer ${edit}` } });
    const post = async (path: string, body: unknown) => (await (await api(path, { method: "POST", body: JSON.stringify(body) })).json()) as Record<string, string>;
    const statusOf = (nodeId: string) => watcher.doc.getMap<Y.Map<unknown>>("runs").get(nodeId)?.get("status");

    const { nodeId: up } = await post("/nodes", { kind: "text", prompt: "Write three sentences.", params: { maxTokens: 60 } });
    const { nodeId: down } = await post("/nodes", { kind: "text", prompt: "Now summarise.", params: { maxTokens: 10 } });
    await eventually(() => watcher.records.has(up) && watcher.records.has(down), "nodes reach the watcher");
    watcher.doc.transact(() => {
      watcher.records.set("binding:w1-start", { id: "binding:w1-start", typeName: "binding", type: "arrow", fromId: "shape:w1", toId: up, props: { terminal: "start" }, meta: {} });
      watcher.records.set("binding:w1-end", { id: "binding:w1-end", typeName: "binding", type: "arrow", fromId: "shape:w1", toId: down, props: { terminal: "end" }, meta: {} });
    });
    await sleep(200);
    const { jobId } = await post("/runs", { nodeId: down });
    await eventually(() => statusOf(up) === "running", "the upstream job runs");
    await eventually(async () => ((await (await api(`/runs/${jobId}`)).json()) as { status: string }).status === "running", "the downstream job waits in its slot");
    assert.equal(statusOf(down), "queued", "collaborators see it queued while it waits");

    const seen: unknown[] = [];
    const note = () => {
      const s = statusOf(down);
      if (seen.at(-1) !== s) seen.push(s);
    };
    watcher.doc.on("update", note);
    const res = await api(`/runs/${jobId}`, { method: "DELETE" });
    assert.equal(((await res.json()) as { status: string }).status, "canceled");
    await eventually(() => statusOf(up) === "succeeded", "the upstream job finishes", 20_000);
    await sleep(500);
    watcher.doc.off("update", note);
    assert.equal(statusOf(down), "canceled", `the canceled job's run went ${seen.join(" → ")}`);
    assert.equal(((await (await api(`/runs/${jobId}`)).json()) as { status: string }).status, "canceled");
  });
});
