import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type * as Y from "yjs";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { jobStarts, startCluster, type Cluster } from "./helpers/cluster.js";
import type { ServerProcess } from "./helpers/server-process.js";

/**
 * Distributed jobs: processes on one Postgres and one Redis. These tests read
 * runs from the jobs table (`GET /runs/:jobId`, from any process) and from a
 * collaborator on the executing process; tests/runs-cluster.test.ts follows a
 * run from a third process, through the fan-out.
 */

type JobView = { status: string; attempts: number; recoveries: number; error: string | null; outputs: unknown };

/** A board made through `via`, an editor's API on any process, and a collaborator on any process. */
async function boardOn(via: ServerProcess) {
  const board = await createBoard(via);
  const edit = tokenOf(board.links.edit);
  const request = (server: ServerProcess, path: string, init: RequestInit = {}) =>
    fetch(`${server.http}/api/boards/${board.id}${path}`, { ...init, headers: { "content-type": "application/json", authorization: `Bearer ${edit}` } });
  const post = async (server: ServerProcess, path: string, body: unknown, status = 201) => {
    const res = await request(server, path, { method: "POST", body: JSON.stringify(body) });
    assert.equal(res.status, status, await res.clone().text());
    return (await res.json()) as Record<string, string>;
  };
  const job = async (server: ServerProcess, jobId: string) => (await (await request(server, `/runs/${jobId}`)).json()) as JobView;
  const clients: Client[] = [];
  /**
   * Connects after the board's writes so far are stored: without fan-out, a
   * process knows only what it loaded. So collaborators join after the run is
   * posted (its queued entry is stored before the 202).
   */
  const watch = async (server: ServerProcess) => {
    await sleep(300);
    const client = connect(server, board.id, edit);
    clients.push(client);
    await whenSynced(client);
    return client;
  };
  const runOf = (client: Client, nodeId: string) => client.doc.getMap<Y.Map<unknown>>("runs").get(nodeId);
  return { board, edit, request, post, job, watch, runOf, close: () => clients.forEach((c) => c.destroy()) };
}

describe("distributed jobs: a web process without workers and one with", () => {
  let cluster: Cluster;
  let a: ServerProcess; // JOB_WORKERS=off: queues and cancels, runs nothing
  let b: ServerProcess;
  const boards: Array<{ close(): void }> = [];

  before(async () => {
    cluster = await startCluster({ PERSIST_FLUSH_MS: "50", LOCAL_TOKEN_DELAY_MS: "30", RUNS_PER_CLIENT_PER_MINUTE: "3" });
    [a, b] = await Promise.all([cluster.web({ JOB_WORKERS: "off" }), cluster.web({ JOBS_CONCURRENCY: "2" })]);
  });
  after(async () => {
    boards.forEach((x) => x.close());
    await cluster?.close();
  });

  test("a run posted through A is executed by B's worker: the table says succeeded, B's collaborators see the result", async () => {
    const ctx = await boardOn(a);
    boards.push(ctx);
    const { nodeId } = await ctx.post(a, "/nodes", { kind: "image", prompt: "a red fox in snow", params: { width: 96, height: 64, steps: 1 } });
    const { jobId } = await ctx.post(a, "/runs", { nodeId }, 202);
    const watcher = await ctx.watch(b);
    assert.ok(watcher.records.has(nodeId), "B loaded the node from the store");

    await eventually(async () => (await ctx.job(a, jobId)).status === "succeeded", "A reads the job as succeeded", 30_000);
    const row = await ctx.job(a, jobId);
    assert.equal(row.attempts, 1);
    assert.equal(jobStarts(a, jobId).length, 0, "A runs no jobs");
    assert.equal(jobStarts(b, jobId).length, 1, "B ran it, once");
    await eventually(() => ctx.runOf(watcher, nodeId)?.get("status") === "succeeded", "B's collaborator sees it succeed");
    assert.deepEqual(ctx.runOf(watcher, nodeId)!.get("outputs"), row.outputs);
  });

  test("cancel through A reaches the job running in B: it stops streaming and is canceled everywhere", async () => {
    const ctx = await boardOn(a);
    boards.push(ctx);
    const { nodeId } = await ctx.post(a, "/nodes", { kind: "text", prompt: "a very long story about a lighthouse", params: { maxTokens: 500 } });
    const { jobId } = await ctx.post(a, "/runs", { nodeId }, 202);
    const watcher = await ctx.watch(b);
    const textLength = () => (ctx.runOf(watcher, nodeId)?.get("text") as Y.Text | undefined)?.length ?? 0;
    await eventually(() => textLength() > 20, "B streams the text", 20_000);

    const res = await ctx.request(a, `/runs/${jobId}`, { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as JobView).status, "canceled");
    await eventually(() => ctx.runOf(watcher, nodeId)?.get("status") === "canceled", "B's collaborator sees the cancel", 5_000);
    const stoppedAt = textLength();
    await sleep(1000);
    assert.equal(textLength(), stoppedAt, "B stopped generating (30 ms a word would have added ~30)");
    const row = await ctx.job(b, jobId);
    assert.deepEqual([row.status, row.attempts], ["canceled", 1]);
    assert.equal(jobStarts(b, jobId).length, 1, "not retried");
  });

  test("the run rate limit is shared: once A has used a client's budget, B answers 429 with Retry-After", async () => {
    const ctx = await boardOn(a);
    boards.push(ctx);
    const { nodeId } = await ctx.post(a, "/nodes", { kind: "image", prompt: "tiny", params: { width: 64, height: 64, steps: 1 } });
    await sleep(300);
    for (let i = 0; i < 3; i++) await ctx.post(a, "/runs", { nodeId, force: true }, 202);
    const res = await ctx.request(b, "/runs", { method: "POST", body: JSON.stringify({ nodeId, force: true }) });
    assert.equal(res.status, 429, await res.clone().text());
    const retryAfter = Number(res.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "rate_limited");
  });

  test("an `npm run worker` process runs jobs for the web processes", async () => {
    await b.stop(); // the worker process is now the only one with workers
    const worker = await cluster.worker({ WORKER_PORT: "0" });
    const { port } = JSON.parse(worker.output.find((l) => l.includes('"msg":"worker ready"'))!) as { port: number };
    const ctx = await boardOn(a);
    boards.push(ctx);
    const { nodeId } = await ctx.post(a, "/nodes", { kind: "image", prompt: "a lighthouse at dusk", params: { width: 64, height: 64, steps: 1 } });
    await sleep(300);
    const { jobId } = await ctx.post(a, "/runs", { nodeId }, 202);
    await eventually(async () => (await ctx.job(a, jobId)).status === "succeeded", "the job succeeds", 30_000);
    assert.equal(jobStarts(worker, jobId).length, 1, "the worker process ran it");
    // Operators see the worker like a web process: ready (database and Redis), and its jobs counted.
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(Object.keys(((await ready.json()) as { checks: object }).checks).sort(), ["database", "redis", "startup"]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // (at least this one: jobs still queued by the tests above may reach this worker too)
    assert.match(metrics, /^genboard_jobs_total\{provider="local",status="succeeded"\} [1-9]\d*$/m);
    assert.equal(await worker.stop(), 0, "SIGTERM stops the worker cleanly");
  });

  test("`npm run worker` without REDIS_URL and DATABASE_URL refuses to start, saying why", () => {
    const env = { ...process.env, REDIS_URL: "", DATABASE_URL: "", LOG_LEVEL: "silent" };
    const result = spawnSync(process.execPath, ["build/worker.mjs"], { env, encoding: "utf8", timeout: 30_000 });
    assert.equal(result.status, 78, result.stderr);
    assert.match(result.stderr, /npm run worker needs REDIS_URL and DATABASE_URL/);
  });
});

describe("distributed jobs: a worker killed mid-job", () => {
  const clusters: Cluster[] = [];
  after(async () => {
    for (const c of clusters) await c.close();
  });
  // JOB_LOCK_MS=2000: a dead worker's job is handed on within a few seconds
  const killable = async () => {
    const cluster = await startCluster({ PERSIST_FLUSH_MS: "50", LOCAL_TOKEN_DELAY_MS: "40", JOB_LOCK_MS: "2000", JOBS_CONCURRENCY: "1" });
    clusters.push(cluster);
    return cluster;
  };

  /** Which of `workers` started `jobId` (its attempt number `attempt`), once one has. */
  async function holderOf(workers: ServerProcess[], jobId: string, attempt: number) {
    const started = () => workers.find((w) => jobStarts(w, jobId).some((s) => s.attempt === attempt));
    await eventually(() => started() !== undefined, `a worker starts attempt ${attempt}`, 30_000);
    return started()!;
  }

  test("kill -9 of the worker holding a job: another worker finishes it, with one result and both attempts counted", async (t) => {
    const cluster = await killable();
    const a = await cluster.web({ JOB_WORKERS: "off" });
    const [b, c] = await Promise.all([cluster.web(), cluster.web()]);
    const ctx = await boardOn(a);
    const { nodeId } = await ctx.post(a, "/nodes", { kind: "text", prompt: "a story about a lighthouse keeper", params: { maxTokens: 200 }, seed: 7 });
    try {
      const { jobId } = await ctx.post(a, "/runs", { nodeId }, 202);
      const watchers = new Map([
        [b, await ctx.watch(b)],
        [c, await ctx.watch(c)],
      ]);
      const holder = await holderOf([b, c], jobId, 1);
      const survivor = holder === b ? c : b;
      const text = (p: ServerProcess) => (ctx.runOf(watchers.get(p)!, nodeId)?.get("text") as Y.Text | undefined)?.toString() ?? "";
      await eventually(() => text(holder).length > 10, "the holder streams", 20_000);
      assert.equal((await ctx.job(a, jobId)).status, "running");

      await holder.kill9();
      const killedAt = Date.now();
      await eventually(() => jobStarts(survivor, jobId).length > 0, "the survivor takes the job over", 30_000);
      const takeover = Date.now() - killedAt;
      await eventually(async () => (await ctx.job(a, jobId)).status === "succeeded", "the job succeeds", 60_000);

      const row = await ctx.job(a, jobId);
      assert.deepEqual([row.status, row.attempts, row.recoveries, row.error], ["succeeded", 2, 1, null]);
      assert.deepEqual(jobStarts(survivor, jobId).map((s) => [s.attempt, s.redelivered]), [[2, true]]);
      const watcher = watchers.get(survivor)!;
      await eventually(() => ctx.runOf(watcher, nodeId)?.get("status") === "succeeded", "the survivor's collaborator sees it succeed");
      const history = ctx.runOf(watcher, nodeId)!.get("history") as Y.Array<{ jobId: string }>;
      assert.deepEqual(history.toArray().map((h) => h.jobId), [jobId], "one result");
      assert.ok(text(survivor).split(" ").length > 20, `the survivor wrote the whole text: ${text(survivor)}`);
      t.diagnostic(`kill -9 → another worker took the job over after ${takeover} ms (JOB_LOCK_MS=2000)`);
    } finally {
      ctx.close();
    }
  });

  test("SIGTERM of the worker holding a job hands it to another worker at once, its attempt given back", async () => {
    const cluster = await killable();
    const a = await cluster.web({ JOB_WORKERS: "off" });
    const [b, c] = await Promise.all([cluster.web(), cluster.web()]);
    const ctx = await boardOn(a);
    try {
      const { nodeId } = await ctx.post(a, "/nodes", { kind: "text", prompt: "a story told twice", params: { maxTokens: 200 }, seed: 5 });
      const { jobId } = await ctx.post(a, "/runs", { nodeId }, 202);
      const holder = await holderOf([b, c], jobId, 1);
      const survivor = holder === b ? c : b;
      assert.equal(await holder.stop(), 0, "the stopping worker exits cleanly");
      // Handed back, not stalled: a stalled job would count a recovery and a second attempt; a job handed
      // back without its queue entry would never start again.
      assert.equal(await holderOf([survivor], jobId, 1), survivor);
      await eventually(async () => (await ctx.job(a, jobId)).status === "succeeded", "the job succeeds", 60_000);
      const row = await ctx.job(a, jobId);
      assert.deepEqual([row.attempts, row.recoveries], [1, 0]);
    } finally {
      ctx.close();
    }
  });

  test("a job whose worker dies twice fails with a readable error instead of running a third time", async () => {
    const cluster = await killable();
    const a = await cluster.web({ JOB_WORKERS: "off" });
    const survivors = await Promise.all([cluster.web(), cluster.web()]);
    const ctx = await boardOn(a);
    try {
      const { nodeId } = await ctx.post(a, "/nodes", { kind: "text", prompt: "an unlucky story", params: { maxTokens: 300 }, seed: 9 });
      const { jobId } = await ctx.post(a, "/runs", { nodeId }, 202);
      const first = await holderOf(survivors, jobId, 1);
      await first.kill9();
      const second = await holderOf(survivors, jobId, 2);
      assert.notEqual(second, first);
      await second.kill9();
      await cluster.web(); // a worker to notice: it must not run the job a third time
      await eventually(async () => (await ctx.job(a, jobId)).status === "failed", "the job fails", 30_000);
      const row = await ctx.job(a, jobId);
      assert.deepEqual([row.attempts, row.recoveries], [2, 1]);
      assert.match(String(row.error), /worker stopped twice/);
    } finally {
      ctx.close();
    }
  });
});
