/**
 * Redis losing its data (restarted without persistence) while a worker is
 * killed mid-job: the jobs table still says one job is running and another is
 * queued, and no queue entry stands for either. The web process's orphan sweep
 * must queue both again — the queued one as soon as Redis is back, the running
 * one once it has run longer than any attempt may — and a new worker must run
 * each to one result. Uses a Redis of its own, never the machine's.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Redis } from "ioredis";
import * as Y from "yjs";
import { connect, createBoard, eventually, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { jobStarts, startCluster, type Cluster } from "./helpers/cluster.js";
import { privateRedis, type PrivateRedis } from "./helpers/redis-server.js";
import { boardApi } from "./helpers/runs.js";
import type { ServerProcess } from "./helpers/server-process.js";

let redis: PrivateRedis | undefined;
let cluster: Cluster | undefined;
let watcher: Client | undefined;
after(async () => {
  watcher?.destroy();
  await cluster?.close();
  await redis?.stop();
});

const JOB_TIMEOUT_MS = 5000;
const logged = (p: ServerProcess, msg: string) => p.output.filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);

test("jobs Redis forgot are queued again by the sweep and each runs to one result", async () => {
  redis = await privateRedis();
  cluster = await startCluster({ REDIS_URL: redis.url, JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS), JOB_SWEEP_MS: "500", LOCAL_TOKEN_DELAY_MS: "60" });
  const web = await cluster.web({ JOB_WORKERS: "off" });
  const first = await cluster.worker({ JOBS_CONCURRENCY: "1" });
  const board = await createBoard(web);
  const edit = tokenOf(board.links.edit);
  const { post, api } = boardApi(() => ({ server: web, board, edit }));
  watcher = connect(web, board.id, edit);
  await whenSynced(watcher);
  const runOf = (nodeId: string) => watcher!.doc.getMap<Y.Map<unknown>>("runs").get(nodeId);

  // ~40 words at 60 ms: about 2.5 s, well inside the timeout
  const long = await post("/nodes", { kind: "text", prompt: "a story about a lighthouse keeper", params: { maxTokens: 40 } }, 201);
  const waiting = await post("/nodes", { kind: "text", prompt: "a poem about the tide", params: { maxTokens: 10 } }, 201);
  const { jobId: runningJob } = await post("/runs", { nodeId: long.nodeId }, 202);
  await eventually(() => ((runOf(long.nodeId)?.get("text") as Y.Text | undefined)?.length ?? 0) > 0, "the first worker runs the long job");
  const { jobId: queuedJob } = await post("/runs", { nodeId: waiting.nodeId }, 202);

  process.kill(first.pid, "SIGKILL");
  await redis.kill();
  await redis.start(); // empty: the queue, the locks and the fairness counters are gone
  const probe = new Redis(redis.url, { lazyConnect: true });
  try {
    await probe.connect();
    await eventually(async () => (await probe.keys(`${cluster!.prefix}*${queuedJob}*`)).length > 0, "the sweep queues the waiting job again once Redis is back", 10_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the web process logged:\n${web.output.slice(-40).join("\n")}`);
  } finally {
    probe.disconnect();
  }
  assert.equal(runOf(long.nodeId)?.get("status"), "running", "the table and the board still say running: nothing could tell");

  // Nothing may run the interrupted job again before any attempt would have timed out.
  await eventually(() => logged(web, "jobs missing from the queue were queued again").some((l) => l.interrupted === 1), "the sweep finds the running job orphaned", JOB_TIMEOUT_MS + 20_000);
  const second = await cluster.worker();
  await eventually(() => runOf(long.nodeId)?.get("status") === "succeeded" && runOf(waiting.nodeId)?.get("status") === "succeeded", "a new worker runs both", 30_000);

  const rows = await Promise.all([runningJob, queuedJob].map(async (id) => (await (await api(`/runs/${id}`)).json()) as Record<string, unknown>));
  assert.deepEqual(rows.map((r) => [r.status, r.recoveries]), [["succeeded", 1], ["succeeded", 0]], "the interrupted job counts one recovery; the queued one none");
  assert.deepEqual(jobStarts(second, runningJob).map((s) => s.redelivered), [true], "run again once, as interrupted");
  assert.equal(jobStarts(second, queuedJob).length, 1);
  for (const nodeId of [long.nodeId, waiting.nodeId]) {
    const history = runOf(nodeId)!.get("history") as Y.Array<{ jobId: string }>;
    assert.equal(history.length, 1, "one result each");
  }
});
