/**
 * A kill -9 inside the document's batching window (PERSIST_FLUSH_MS) loses the
 * board's last writes but not the jobs table's, which is written first. After
 * the restart the board must agree with the table once a job has ended: the
 * run shows, with its result. Embedded mode, in both CI legs (PGlite, Postgres).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as Y from "yjs";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";

const cleanups: (() => Promise<unknown>)[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function boardOnServer() {
  const storage: TestStorage = await freshStorage();
  let server: ServerProcess = await spawnServer(storage);
  cleanups.push(async () => {
    await server.stop();
    await storage.cleanup();
  });
  const board = await createBoard(server);
  const edit = tokenOf(board.links.edit);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.http}/api/boards/${board.id}${path}`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${edit}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, any>;
  };
  return {
    call,
    async restart() {
      server = await spawnServer(storage);
      // Sockets that outlived the old process reconnect to the new one, as behind a fixed address.
      for (const client of clients) client.provider.serverUrl = server.ws;
    },
    kill: () => server.kill9(),
    watch() {
      const client = connect(server, board.id, edit);
      clients.push(client);
      return client;
    },
  };
}

const runOf = (client: Client, nodeId: string) => client.doc.getMap<Y.Map<unknown>>("runs").get(nodeId)?.toJSON();

test("a run whose server is killed right after it was accepted shows on the board after the restart, with its result", async () => {
  const board = await boardOnServer();
  const { nodeId } = await board.call("POST", "/nodes", { kind: "image", prompt: "a harbour in fog", seed: 11 });
  await sleep(600); // the node itself is stored
  const { jobId } = await board.call("POST", "/runs", { nodeId });
  await board.kill(); // within milliseconds: the board's "queued" write is still in its batch

  await board.restart();
  const watcher = board.watch();
  await whenSynced(watcher);
  await eventually(async () => (await board.call("GET", `/runs/${jobId}`)).status === "succeeded", "the job ran after the restart", 30_000);
  const job = await board.call("GET", `/runs/${jobId}`);
  await eventually(() => runOf(watcher, nodeId)?.status === "succeeded", "the board shows the run as succeeded", 10_000);
  const run = runOf(watcher, nodeId)!;
  assert.equal(run.jobId, jobId);
  assert.deepEqual(run.outputs, job.outputs);
  assert.deepEqual(
    run.history.map((h: { jobId: string }) => h.jobId),
    [jobId],
  );
});

test("a job that ended inside the window (a reused result) shows as the node's run after the restart, as the jobs table says", async () => {
  const board = await boardOnServer();
  const { nodeId } = await board.call("POST", "/nodes", { kind: "image", prompt: "a lantern on a pier", seed: 12 });
  const first = await board.call("POST", "/runs", { nodeId });
  const watcher = board.watch();
  await whenSynced(watcher);
  await eventually(() => runOf(watcher, nodeId)?.status === "succeeded", "the first run succeeded", 30_000);
  watcher.destroy();
  await sleep(600); // stored
  // Identical inputs: the server records a job that reuses the first result and ends it at once, in the table and then on the board.
  const { jobId } = await board.call("POST", "/runs", { nodeId });
  assert.notEqual(jobId, first.jobId);
  await board.kill(); // the board's writes about it are still in their batch

  await board.restart();
  const reader = board.watch();
  await whenSynced(reader);
  const job = await board.call("GET", `/runs/${jobId}`);
  assert.deepEqual([job.status, job.reusedFrom], ["succeeded", first.jobId]);
  await eventually(() => runOf(reader, nodeId)?.jobId === jobId, `the board shows the newest job (it shows ${runOf(reader, nodeId)?.jobId === first.jobId ? "the first" : runOf(reader, nodeId)?.jobId})`, 10_000);
  const run = runOf(reader, nodeId)!;
  assert.equal(run.status, "succeeded");
  assert.deepEqual(run.outputs, job.outputs);
  assert.deepEqual(
    run.history.map((h: { jobId: string }) => h.jobId),
    [first.jobId, jobId],
  );
});
