import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as Y from "yjs";
import { connect, eventually, sleep, tokenOf, whenSynced, type Client, type CreatedBoard } from "./helpers/clients.js";
import { boardWithWatcher, runsSeenBy } from "./helpers/runs.js";
import type { ServerProcess } from "./helpers/server-process.js";

/** The scripting API end to end on the local provider: what a script and a watching collaborator observe. */
describe("runs through the scripting API", () => {
  let server: ServerProcess;
  let board: CreatedBoard;
  let edit: string;
  let watcher: Client;
  const { runOf, statusOf, statusTrail } = runsSeenBy(() => watcher);
  const clients: Client[] = [];

  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${server.http}/api/boards/${board.id}${path}`, {
      ...init,
      headers: { "content-type": "application/json", authorization: `Bearer ${init.token ?? edit}`, ...(init.headers ?? {}) },
    });
  const createNode = async (body: Record<string, unknown>) => {
    const res = await api("/nodes", { method: "POST", body: JSON.stringify(body) });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { nodeId: string }).nodeId;
  };
  const startRun = async (nodeId: string, force = false) => {
    const res = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId, force }) });
    assert.equal(res.status, 202, await res.clone().text());
    return ((await res.json()) as { jobId: string }).jobId;
  };
  const link = (from: string, to: string, arrow: string) => {
    watcher.doc.transact(() => {
      watcher.records.set(`binding:${arrow}-start`, { id: `binding:${arrow}-start`, typeName: "binding", type: "arrow", fromId: `shape:${arrow}`, toId: from, props: { terminal: "start" }, meta: {} });
      watcher.records.set(`binding:${arrow}-end`, { id: `binding:${arrow}-end`, typeName: "binding", type: "arrow", fromId: `shape:${arrow}`, toId: to, props: { terminal: "end" }, meta: {} });
    });
  };

  let fixture: Awaited<ReturnType<typeof boardWithWatcher>>;
  before(async () => {
    fixture = await boardWithWatcher({ LOCAL_TOKEN_DELAY_MS: "20", RUNS_PER_BOARD_PER_MINUTE: "40" });
    ({ server, board, edit, watcher } = fixture);
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await fixture?.close();
  });

  test("an image node runs: collaborators see queued → running → succeeded and an image in the asset store", async () => {
    const nodeId = await createNode({ kind: "image", prompt: "a red fox in the snow", params: { width: 96, height: 64 }, x: 40, y: 40 });
    await eventually(() => watcher.records.has(nodeId), "the node record reaches collaborators");
    const trail = statusTrail(nodeId);
    const jobId = await startRun(nodeId);
    await eventually(() => statusOf(nodeId) === "succeeded", "the run finishes", 30_000);
    trail.stop();
    assert.deepEqual(trail.seen.filter((s) => s !== "queued" || trail.seen.indexOf(s) === 0), ["queued", "running", "succeeded"]);

    const run = runOf(nodeId)!;
    assert.equal(run.get("jobId"), jobId);
    assert.equal(run.get("progress"), 1);
    const outputs = run.get("outputs") as Array<{ type: string; url: string; mime: string; width: number; height: number }>;
    assert.equal(outputs.length, 1);
    assert.deepEqual([outputs[0].type, outputs[0].mime, outputs[0].width, outputs[0].height], ["image", "image/png", 96, 64]);
    const image = await fetch(`${server.http}${outputs[0].url}`);
    assert.equal(image.headers.get("content-type"), "image/png");
    assert.deepEqual([...new Uint8Array(await image.arrayBuffer()).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"

    const job = (await (await api(`/runs/${jobId}`)).json()) as { status: string; outputs: unknown[]; provider: string };
    assert.equal(job.status, "succeeded");
    assert.equal(job.provider, "local");
    assert.deepEqual(job.outputs, outputs);
  });

  test("identical inputs reuse the previous output; force runs again", async () => {
    const nodeId = await createNode({ kind: "image", prompt: "reused", params: { width: 64, height: 64 } });
    const first = await startRun(nodeId);
    await eventually(() => statusOf(nodeId) === "succeeded", "first run", 30_000);
    const url = (runOf(nodeId)!.get("outputs") as Array<{ url: string }>)[0].url;
    const second = await startRun(nodeId);
    const reused = (await (await api(`/runs/${second}`)).json()) as { status: string; reusedFrom: string };
    assert.deepEqual([reused.status, reused.reusedFrom], ["succeeded", first]);
    const forced = await startRun(nodeId, true);
    await eventually(async () => ((await (await api(`/runs/${forced}`)).json()) as { status: string }).status === "succeeded", "forced run", 30_000);
    const forcedJob = (await (await api(`/runs/${forced}`)).json()) as { reusedFrom: string | null; attempts: number };
    assert.deepEqual([forcedJob.reusedFrom, forcedJob.attempts], [null, 1]);
    assert.equal((runOf(nodeId)!.get("outputs") as Array<{ url: string }>)[0].url, url, "same seed and prompt: the same bytes");
    const history = runOf(nodeId)!.get("history") as Y.Array<{ jobId: string }>;
    assert.deepEqual(new Set(history.toArray().map((h) => h.jobId)).size, history.length, "one history entry per job");
  });

  test("a text node streams into a Y.Text, and a cancel stops only that job", async () => {
    const slow = await createNode({ kind: "text", prompt: "tell a long story", params: { maxTokens: 400 } });
    const quick = await createNode({ kind: "image", prompt: "meanwhile", params: { width: 64, height: 64 } });
    const slowJob = await startRun(slow);
    await startRun(quick);
    const lengths = new Set<number>();
    await eventually(() => {
      const text = runOf(slow)?.get("text");
      if (text instanceof Y.Text) lengths.add(text.length);
      return lengths.size >= 4;
    }, "the text grows in steps");
    const cancel = await api(`/runs/${slowJob}`, { method: "DELETE" });
    assert.equal(cancel.status, 200);
    assert.equal(((await cancel.json()) as { status: string }).status, "canceled");
    await eventually(() => statusOf(slow) === "canceled", "collaborators see the cancel");
    const frozen = (runOf(slow)!.get("text") as Y.Text).length;
    await sleep(300);
    assert.equal((runOf(slow)!.get("text") as Y.Text).length, frozen, "no text after the cancel");
    await eventually(() => statusOf(quick) === "succeeded", "the other job is untouched", 30_000);
  });

  test("running a node runs its upstream nodes first; a text chain is one conversation", async () => {
    const topic = await createNode({ kind: "prompt", prompt: "Topic: lighthouses." });
    const first = await createNode({ kind: "text", prompt: "Write one line.", params: { maxTokens: 20 } });
    const reply = await createNode({ kind: "text", prompt: "And another.", params: { maxTokens: 20 } });
    link(topic, first, "a1");
    link(first, reply, "a2");
    await sleep(200);
    const jobId = await startRun(reply);
    await eventually(() => statusOf(first) === "succeeded" && statusOf(reply) === "succeeded", "both text nodes finish, upstream first", 30_000);
    assert.ok((runOf(first)!.get("finishedAt") as number) <= (runOf(reply)!.get("startedAt") as number), "the upstream node finished before the downstream one started");
    const job = (await (await api(`/runs/${jobId}`)).json()) as { input: { dependsOn: string[] } };
    assert.equal(job.input.dependsOn.length, 1);
  });

  test("a prompt typed just before Run is the prompt that runs, though the edit reaches the server after the request", async () => {
    const nodeId = await createNode({ kind: "text", prompt: "An old prompt about ships.", params: { maxTokens: 30 } });
    const typist = connect(server, board.id, edit);
    clients.push(typist);
    await whenSynced(typist);
    await eventually(() => typist.records.has(nodeId), "the node reaches the typist");
    const type = (prompt: string) => {
      const record = typist.records.get(nodeId) as { props: Record<string, unknown> };
      typist.records.set(nodeId, { ...record, props: { ...record.props, prompt } });
      return { clientId: typist.doc.clientID, clock: Y.getState(typist.doc.store, typist.doc.clientID) };
    };

    // The edit is held back (the typist's socket is down) until the run request is at the server.
    typist.provider.disconnect();
    const typed = type("A new prompt about lighthouses.");
    const request = api("/runs", { method: "POST", body: JSON.stringify({ nodeId, after: typed }) });
    await sleep(300);
    typist.provider.connect();
    const res = await request;
    assert.equal(res.status, 202, await res.clone().text());
    const { jobId } = (await res.json()) as { jobId: string };
    const job = (await (await api(`/runs/${jobId}`)).json()) as { input: { prompt: string } };
    assert.equal(job.input.prompt, "A new prompt about lighthouses.", "the run read the prompt as typed");
    await eventually(() => runOf(nodeId)?.get("jobId") === jobId && statusOf(nodeId) === "succeeded", "the run finishes", 30_000);
    assert.match(String(runOf(nodeId)!.get("text")), /lighthouses/);

    // An edit that never arrives: a clear refusal after the wait, and no job.
    typist.provider.disconnect();
    const lost = type("A prompt that stays in this client.");
    const refused = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId, after: lost }) });
    assert.equal(refused.status, 409);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /did not reach the server within 5 s/);
    assert.equal(runOf(nodeId)?.get("jobId"), jobId, "no new run was queued");
    typist.provider.connect();
  });

  test("moving a node while its job finishes keeps both the move and the result", async () => {
    const nodeId = await createNode({ kind: "image", prompt: "moving target", params: { width: 256, height: 256, steps: 50 } });
    await startRun(nodeId);
    await eventually(() => statusOf(nodeId) === "running", "running");
    const record = watcher.records.get(nodeId) as { x: number };
    watcher.records.set(nodeId, { ...record, x: 777 });
    await eventually(() => statusOf(nodeId) === "succeeded", "finished", 30_000);
    const reader = connect(server, board.id, edit);
    clients.push(reader);
    await whenSynced(reader);
    assert.equal((reader.records.get(nodeId) as { x: number }).x, 777);
    assert.equal(reader.doc.getMap<Y.Map<unknown>>("runs").get(nodeId)?.get("status"), "succeeded");
  });

  test("GET /api/models lists models per provider, and why a provider is unavailable", async () => {
    const res = await fetch(`${server.http}/api/models`);
    assert.equal(res.status, 200);
    const { providers } = (await res.json()) as { providers: Array<{ id: string; available: boolean; reason?: string; models: Array<{ id: string; kind: string }> }> };
    const local = providers.find((p) => p.id === "local")!;
    assert.equal(local.available, true);
    assert.deepEqual(local.models.map((m) => m.kind).sort(), ["image", "speech", "text", "video"]);
    const openai = providers.find((p) => p.id === "openai")!;
    assert.deepEqual([openai.available, /OPENAI_API_KEY/.test(openai.reason ?? "")], [false, true]);
    assert.equal(providers.find((p) => p.id === "replicate")!.available, false);
  });

  test("a client writing to runs is disconnected and its write reaches no one", async () => {
    const nodeId = await createNode({ kind: "image", prompt: "forged", params: { width: 64, height: 64 } });
    await startRun(nodeId);
    await eventually(() => statusOf(nodeId) === "succeeded", "a real result first", 30_000);
    const forger = connect(server, board.id, edit, { reconnect: false });
    clients.push(forger);
    await whenSynced(forger);
    (forger.doc.getMap<Y.Map<unknown>>("runs").get(nodeId) as Y.Map<unknown>).set("outputs", [{ type: "image", url: "https://evil.example/x.png", mime: "image/png" }]);
    await eventually(() => forger.closes.some((c) => c.code === 4400 && /only the server writes runs/.test(c.reason)), "the forger is closed with a reason");
    await sleep(200);
    assert.match((runOf(nodeId)!.get("outputs") as Array<{ url: string }>)[0].url, /^\/assets\//, "nobody saw the forged output");
    // an ordinary edit from the same token still works
    const honest = connect(server, board.id, edit);
    clients.push(honest);
    await whenSynced(honest);
    honest.records.set("shape:honest", { id: "shape:honest" });
    await eventually(() => watcher.records.has("shape:honest"), "honest edits still flow");
  });

  test("bad requests get clear errors", async () => {
    const nodeId = await createNode({ kind: "image", prompt: "x" });
    assert.equal((await api("/runs", { method: "POST", body: JSON.stringify({ nodeId: "shape:nope" }) })).status, 404);
    assert.equal((await api("/runs", { method: "POST", body: JSON.stringify({ node: nodeId }) })).status, 400);
    assert.equal((await api("/runs", { method: "POST", body: JSON.stringify({ nodeId, after: { clientId: -1, clock: "3" } }) })).status, 400);
    assert.equal((await api("/nodes", { method: "POST", body: JSON.stringify({ kind: "hologram" }) })).status, 400);
    assert.equal((await api("/runs", { method: "POST", body: JSON.stringify({ nodeId }), token: tokenOf(board.links.view) })).status, 403);
    assert.equal((await api("/runs/job_nope")).status, 404);
    const unknownModel = await createNode({ kind: "image", prompt: "x", model: "nowhere:model" });
    const res = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId: unknownModel }) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /nowhere:model/);
  });

  test("starting runs is rate limited per board, with Retry-After", async () => {
    const nodeId = await createNode({ kind: "image", prompt: "limit", params: { width: 64, height: 64 } });
    let limited: Response | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const res = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId }) });
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 202);
    }
    assert.ok(limited, "the limit was reached");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  });
});
