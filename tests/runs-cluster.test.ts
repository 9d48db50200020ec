import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as Y from "yjs";
import { connect, createBoard, eventually, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { jobStarts, startCluster, type Cluster } from "./helpers/cluster.js";
import { runsSeenBy } from "./helpers/runs.js";
import type { ServerProcess, WorkerProcess } from "./helpers/server-process.js";

/**
 * A run end to end across three processes on one Postgres and Redis: posted
 * through web process A, executed by an `npm run worker` process, and watched
 * live by a collaborator on web process C, which knows of the run only through
 * the fan-out of the worker's writes.
 */
describe("a run across three processes", () => {
  let cluster: Cluster;
  let a: ServerProcess;
  let c: ServerProcess;
  let worker: WorkerProcess;
  let watcher: Client;
  let board: Awaited<ReturnType<typeof createBoard>>;
  let edit: string;
  const { runOf, statusTrail } = runsSeenBy(() => watcher);

  const post = async (path: string, body: unknown, status: number) => {
    const res = await fetch(`${a.http}/api/boards/${board.id}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${edit}` },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, status, await res.clone().text());
    return (await res.json()) as Record<string, string>;
  };

  before(async () => {
    cluster = await startCluster({ LOCAL_TOKEN_DELAY_MS: "40" });
    [a, c] = await Promise.all([cluster.web({ JOB_WORKERS: "off" }), cluster.web({ JOB_WORKERS: "off" })]);
    worker = await cluster.worker();
    board = await createBoard(a);
    edit = tokenOf(board.links.edit);
    watcher = connect(c, board.id, edit);
    await whenSynced(watcher);
  });
  after(async () => {
    watcher?.destroy();
    await cluster?.close();
  });

  test("an image run posted through A, run by the worker, is seen going queued → running → succeeded on C", async () => {
    const { nodeId } = await post("/nodes", { kind: "image", prompt: "three lighthouses", params: { width: 64, height: 64, steps: 8 } }, 201);
    await eventually(() => watcher.records.has(nodeId), "C's collaborator gets the node A created");
    const trail = statusTrail(nodeId);
    const { jobId } = await post("/runs", { nodeId }, 202);
    await eventually(() => runOf(nodeId)?.get("status") === "succeeded", "C's collaborator sees the run succeed", 30_000);
    trail.stop();
    assert.ok(trail.seen.includes("running"), `C saw the run live: ${trail.seen.join(" → ")}`);
    assert.equal(trail.seen.at(-1), "succeeded");
    assert.deepEqual([jobStarts(a, jobId).length, jobStarts(c, jobId).length, jobStarts(worker, jobId).length], [0, 0, 1], "only the worker ran it");

    const [output] = runOf(nodeId)!.get("outputs") as Array<{ url: string; mime: string }>;
    const image = await fetch(`${c.http}${output.url}`);
    assert.deepEqual([image.status, image.headers.get("content-type")], [200, "image/png"], "C serves the worker's output from the shared store");
  });

  test("Run pressed on C right after typing, posted through A: the worker runs what was typed", async () => {
    const { nodeId } = await post("/nodes", { kind: "text", prompt: "An old prompt about ships.", params: { maxTokens: 30 } }, 201);
    await eventually(() => watcher.records.has(nodeId), "C's collaborator gets the node");
    // The edit leaves C's collaborator only after the request is at A; it reaches A through C and Redis.
    watcher.provider.disconnect();
    const record = watcher.records.get(nodeId) as { props: Record<string, unknown> };
    watcher.records.set(nodeId, { ...record, props: { ...record.props, prompt: "A new prompt about lighthouses." } });
    const typed = { clientId: watcher.doc.clientID, clock: Y.getState(watcher.doc.store, watcher.doc.clientID) };
    const posted = post("/runs", { nodeId, after: typed }, 202);
    await new Promise((r) => setTimeout(r, 300));
    watcher.provider.connect();
    const { jobId } = await posted;
    await eventually(() => runOf(nodeId)?.get("jobId") === jobId && runOf(nodeId)?.get("status") === "succeeded", "the run succeeds", 30_000);
    assert.match(String(runOf(nodeId)!.get("text")), /lighthouses/, "the worker read the prompt as typed");
  });

  test("a script behind a load balancer: a node created through A runs at once through C", async () => {
    const call = (server: ServerProcess, target: { id: string; token: string }, path: string, body: unknown) =>
      fetch(`${server.http}/api/boards/${target.id}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${target.token}` },
        body: JSON.stringify(body),
      });
    // No pause between the two requests: C learns of the node over Redis, possibly after the run request;
    // on a fresh board C has not even loaded, from a store A may not have written to yet.
    const fresh = async () => {
      const created = await createBoard(a);
      return { id: created.id, token: tokenOf(created.links.edit) };
    };
    const boards = [await fresh(), await fresh(), { id: board.id, token: edit }];
    for (const [i, target] of boards.entries()) {
      for (let j = 0; j < 3; j++) {
        const created = await call(a, target, "/nodes", { kind: "image", prompt: `tile ${i}.${j}`, params: { width: 64, height: 64, steps: 1 } });
        const { nodeId } = (await created.json()) as { nodeId: string };
        const res = await call(c, target, "/runs", { nodeId });
        assert.equal(res.status, 202, `board ${i}, node ${j}: ${await res.text()}`);
      }
    }
    const missing = await call(c, boards[0]!, "/runs", { nodeId: "shape:neverMade" });
    assert.equal(missing.status, 404, "a node that does not exist is still a 404");

    // The script sees its run end (in the jobs table) and at once makes that output current through a process that has not loaded the board.
    const target = await fresh();
    const { nodeId } = (await (await call(a, target, "/nodes", { kind: "image", prompt: "a result", params: { width: 64, height: 64, steps: 1 } })).json()) as { nodeId: string };
    const { jobId } = (await (await call(a, target, "/runs", { nodeId })).json()) as { jobId: string };
    const statusOfJob = async () => ((await (await fetch(`${a.http}/api/boards/${target.id}/runs/${jobId}`, { headers: { authorization: `Bearer ${target.token}` } })).json()) as { status: string }).status;
    await eventually(async () => (await statusOfJob()) === "succeeded", "the run succeeds", 30_000);
    const chosen = await fetch(`${c.http}/api/boards/${target.id}/nodes/${encodeURIComponent(nodeId)}/current`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${target.token}` },
      body: JSON.stringify({ jobId }),
    });
    assert.equal(chosen.status, 200, await chosen.text());
  });

  test("a text run streams into C's copy while the worker writes it", async () => {
    const { nodeId } = await post("/nodes", { kind: "text", prompt: "a story about a harbour", params: { maxTokens: 60 } }, 201);
    await eventually(() => watcher.records.has(nodeId), "C's collaborator gets the node");
    const lengths = new Set<number>();
    const note = () => {
      const text = runOf(nodeId)?.get("text");
      if (text instanceof Y.Text && runOf(nodeId)?.get("status") === "running") lengths.add(text.length);
    };
    watcher.doc.on("update", note);
    await post("/runs", { nodeId }, 202);
    await eventually(() => runOf(nodeId)?.get("status") === "succeeded", "the text run succeeds", 30_000);
    watcher.doc.off("update", note);
    assert.ok(lengths.size >= 5, `C saw the text grow in steps (${[...lengths].join(", ")})`);
    assert.ok(((runOf(nodeId)!.get("text") as Y.Text).toString().split(" ").length > 20), "the whole text arrived");
  });
});
