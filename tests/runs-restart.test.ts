import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as Y from "yjs";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";

let storage: TestStorage;
let server: ServerProcess;
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
  await storage?.cleanup();
});

test("a job running when the server is killed is re-queued once and writes one result", async () => {
  storage = await freshStorage();
  const env = { LOCAL_TOKEN_DELAY_MS: "30" };
  server = await spawnServer(storage, env);
  const board = await createBoard(server);
  const edit = tokenOf(board.links.edit);
  const api = (path: string, body?: unknown) =>
    fetch(`${server.http}/api/boards/${board.id}${path}`, {
      method: body ? "POST" : "GET",
      headers: { "content-type": "application/json", authorization: `Bearer ${edit}` },
      body: body ? JSON.stringify(body) : undefined,
    }).then((r) => r.json() as Promise<Record<string, any>>);

  const story = { kind: "text", prompt: "a story about a lighthouse keeper", params: { maxTokens: 150 }, seed: 42 };
  const { nodeId } = await api("/nodes", story);
  const { jobId } = await api("/runs", { nodeId });
  let watcher = connect(server, board.id, edit, { reconnect: false });
  clients.push(watcher);
  await whenSynced(watcher);
  const run = () => watcher.doc.getMap<Y.Map<unknown>>("runs").get(nodeId);
  await eventually(() => (run()?.get("text") as Y.Text | undefined)?.length! > 0, "the job is streaming");
  await sleep(1200); // what arrived over a second before the kill is durable
  assert.equal(run()?.get("status"), "running", "the job is still running when the server dies");

  await server.kill9();
  watcher.destroy();
  server = await spawnServer(storage, env);
  watcher = connect(server, board.id, edit);
  clients.push(watcher);
  await whenSynced(watcher);
  await eventually(() => run()?.get("status") === "succeeded", "the interrupted job finishes after the restart", 60_000);

  const job = await api(`/runs/${jobId}`);
  assert.deepEqual([job.status, job.recoveries, job.attempts], ["succeeded", 1, 2]);
  const history = run()!.get("history") as Y.Array<{ jobId: string }>;
  assert.deepEqual(history.toArray().map((h) => h.jobId), [jobId], "one result for the job");

  // The streamed text restarted with the attempt: it is exactly what an uninterrupted run writes.
  const { nodeId: twin } = await api("/nodes", story);
  await api("/runs", { nodeId: twin });
  const twinRun = () => watcher.doc.getMap<Y.Map<unknown>>("runs").get(twin);
  await eventually(() => twinRun()?.get("status") === "succeeded", "the twin run", 60_000);
  assert.equal((run()!.get("text") as Y.Text).toString(), (twinRun()!.get("text") as Y.Text).toString());
});
