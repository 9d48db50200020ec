import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as Y from "yjs";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { boardApi } from "./helpers/runs.js";

let storage: TestStorage;
let server: ServerProcess;
const clients: Client[] = [];
let editing: ReturnType<typeof setInterval> | undefined;
after(async () => {
  clearInterval(editing); // a failed assertion must not leave the editor keeping the test process alive
  for (const c of clients) c.destroy();
  await server?.stop();
  await storage?.cleanup();
});

const json = (lines: string[]) => lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, any>);

test("SIGTERM during edits and a running job: exit 0, every relayed edit stored, the job finishes after restart with one result", async () => {
  storage = await freshStorage();
  const env = { LOCAL_TOKEN_DELAY_MS: "40", SHUTDOWN_DRAIN_DELAY_MS: "1500" };
  server = await spawnServer(storage, env);
  const board = await createBoard(server);
  const edit = tokenOf(board.links.edit);
  const { post, api } = boardApi(() => ({ server, board, edit }));

  // The writer edits; the observer sees what the server applied and relayed —
  // what the server acknowledged, so what must survive.
  const writer = connect(server, board.id, edit, { reconnect: false });
  const observer = connect(server, board.id, edit, { reconnect: false });
  clients.push(writer, observer);
  await Promise.all([whenSynced(writer), whenSynced(observer)]);

  const requestId = "drain-run-1";
  const { nodeId } = await post("/nodes", { kind: "text", prompt: "a long story about a harbour at night", params: { maxTokens: 200 }, seed: 7 }, 201);
  const started = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId }), headers: { "x-request-id": requestId } });
  assert.equal(started.status, 202);
  const { jobId } = (await started.json()) as { jobId: string };
  const runOf = (c: Client) => c.doc.getMap<Y.Map<unknown>>("runs").get(nodeId);
  await eventually(() => ((runOf(observer)?.get("text") as Y.Text | undefined)?.length ?? 0) > 0, "the job is streaming");

  // ~150 updates a second: busy, yet under the per-socket message limit (WS_MESSAGES_PER_SECOND, 200)
  let n = 0;
  editing = setInterval(() => {
    if (!writer.provider.wsconnected) return;
    for (let i = 0; i < 3; i++, n++) writer.records.set(`shape:e${n}`, { id: `shape:e${n}`, typeName: "shape", x: n });
  }, 20);
  await sleep(400);

  process.kill(server.pid, "SIGTERM");
  // The signal is handled asynchronously: a probe sent at once may be answered before it lands.
  let readyz: Response | undefined;
  await eventually(async () => {
    readyz = await fetch(`${server.http}/readyz`);
    if (readyz.status === 503) return true;
    await readyz.body?.cancel();
    return false;
  }, "/readyz turns 503 first", 1_000);
  assert.equal(((await readyz!.json()) as { shuttingDown?: boolean }).shuttingDown, true);
  assert.equal(runOf(observer)?.get("status"), "running", "the job is still running while the balancer drains");

  const exitCode = await server.stop();
  clearInterval(editing);
  assert.equal(exitCode, 0);
  await eventually(() => writer.closes.length > 0 && observer.closes.length > 0, "both sockets closed");
  assert.equal(observer.closes[0].code, 1001, "going away: reconnect elsewhere");
  assert.equal(writer.closes[0].code, 1001);
  assert.equal(runOf(observer)?.get("status"), "queued", "the job was handed back, and clients were told");
  const relayed = [...observer.records.keys()].filter((k) => k.startsWith("shape:e"));
  assert.ok(relayed.length >= 30, `edits kept flowing until the drain (${relayed.length} relayed of ${n} made)`);
  const before = json(server.output);
  assert.ok(before.some((l) => l.msg === "job handed back to the queue" && l.jobId === jobId && l.requestId === requestId));

  server = await spawnServer(storage, env);
  const fresh = connect(server, board.id, edit);
  clients.push(fresh);
  await whenSynced(fresh);
  const missing = relayed.filter((k) => !fresh.records.has(k));
  assert.deepEqual(missing, [], "every edit the server relayed before it stopped is stored");

  await eventually(() => runOf(fresh)?.get("status") === "succeeded", "the handed-back job finishes after the restart", 60_000);
  const job = (await (await api(`/runs/${jobId}`)).json()) as Record<string, unknown>;
  assert.deepEqual([job.status, job.attempts, job.recoveries], ["succeeded", 1, 0], "no attempt burned, not treated as a crash");
  const history = runOf(fresh)!.get("history") as Y.Array<{ jobId: string }>;
  assert.deepEqual(history.toArray().map((h) => h.jobId), [jobId], "one result");
  const done = json(server.output).find((l) => l.msg === "job succeeded" && l.jobId === jobId);
  assert.equal(done?.requestId, requestId, "the new process logs the run's request id, read from the job row");
});
