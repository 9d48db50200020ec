import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as Y from "yjs";
import { eventually, tokenOf } from "./helpers/clients.js";
import { boardApi, boardWithWatcher, runsSeenBy } from "./helpers/runs.js";

type Output = { type: string; url?: string; text?: string };

/** A node's earlier results: reused text comes back whole, and an editor can make any earlier run current again. */
describe("run history and the current output", () => {
  let fixture: Awaited<ReturnType<typeof boardWithWatcher>>;
  const { runOf, statusOf } = runsSeenBy(() => fixture.watcher);
  const { api, post } = boardApi(() => fixture);

  before(async () => {
    fixture = await boardWithWatcher({ LOCAL_TOKEN_DELAY_MS: "5" });
  });
  after(() => fixture?.close());

  const runToEnd = async (nodeId: string, force = false) => {
    const { jobId } = await post("/runs", { nodeId, force }, 202);
    await eventually(() => runOf(nodeId)?.get("jobId") === jobId && statusOf(nodeId) === "succeeded", `run ${jobId} succeeds`, 30_000);
    return jobId;
  };
  const textOf = (nodeId: string) => (runOf(nodeId)?.get("text") as Y.Text | undefined)?.toString();
  const editNode = (nodeId: string, props: Record<string, unknown>) => {
    const record = fixture.watcher.records.get(nodeId) as { props: Record<string, unknown> };
    fixture.watcher.records.set(nodeId, { ...record, props: { ...record.props, ...props } });
  };
  const choose = (nodeId: string, jobId: string, token = fixture.edit) =>
    fetch(`${fixture.server.http}/api/boards/${fixture.board.id}/nodes/${encodeURIComponent(nodeId)}/current`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ jobId }),
    });

  test("a reused text run shows the whole text again, and the job record holds it", async () => {
    const { nodeId } = await post("/nodes", { kind: "text", prompt: "Say something short.", params: { maxTokens: 30 }, seed: 11 }, 201);
    const first = await runToEnd(nodeId);
    const text = textOf(nodeId);
    assert.ok(text && text.length > 10, `the first run wrote text (${JSON.stringify(text)})`);

    const second = await runToEnd(nodeId);
    const job = (await (await api(`/runs/${second}`)).json()) as { reusedFrom: string; outputs: Output[] };
    assert.equal(job.reusedFrom, first);
    assert.equal(textOf(nodeId), text, "collaborators see the reused text");
    assert.equal(job.outputs[0].text, text, "scripts read the text from the job");
  });

  test("an editor makes an earlier image current again; everyone sees it", async () => {
    const { nodeId } = await post("/nodes", { kind: "image", prompt: "two moons", params: { width: 64, height: 64 }, seed: 3 }, 201);
    await eventually(() => fixture.watcher.records.has(nodeId), "the node reaches the watcher");
    const first = await runToEnd(nodeId);
    const firstUrl = (runOf(nodeId)!.get("outputs") as Output[])[0].url;
    editNode(nodeId, { seed: 4 });
    const second = await runToEnd(nodeId);
    const secondUrl = (runOf(nodeId)!.get("outputs") as Output[])[0].url;
    assert.notEqual(firstUrl, secondUrl, "the two runs made different images");
    assert.equal(runOf(nodeId)!.get("currentJobId"), second);

    const res = await choose(nodeId, first);
    assert.equal(res.status, 200, await res.clone().text());
    const run = runOf(nodeId)!;
    await eventually(() => run.get("currentJobId") === first, "the choice reaches collaborators");
    assert.equal((run.get("outputs") as Output[])[0].url, firstUrl);
    assert.deepEqual([run.get("jobId"), run.get("status"), run.get("seed")], [first, "succeeded", 3]);
    assert.equal((run.get("history") as Y.Array<unknown>).length, 2, "choosing adds no history");
  });

  test("an earlier text becomes current again, text and all", async () => {
    const { nodeId } = await post("/nodes", { kind: "text", prompt: "A line about rivers.", params: { maxTokens: 30 }, seed: 21 }, 201);
    await eventually(() => fixture.watcher.records.has(nodeId), "the node reaches the watcher");
    const first = await runToEnd(nodeId);
    const firstText = textOf(nodeId);
    editNode(nodeId, { seed: 22 });
    await runToEnd(nodeId);
    assert.notEqual(textOf(nodeId), firstText, "the second run wrote another text");

    assert.equal((await choose(nodeId, first)).status, 200);
    await eventually(() => textOf(nodeId) === firstText, "the first text is back");
  });

  test("bad choices are refused with a reason and change nothing", async () => {
    const { nodeId } = await post("/nodes", { kind: "text", prompt: "Tell a very long story.", params: { maxTokens: 400 }, seed: 5 }, 201);
    const done = await runToEnd(nodeId);
    const before = runOf(nodeId)!.toJSON();

    const unknown = await choose(nodeId, "job_doesnotexist");
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /no succeeded run/);
    assert.equal((await choose(nodeId, "not a job")).status, 400);
    assert.equal((await choose(nodeId, done, tokenOf(fixture.board.links.view))).status, 403);
    assert.deepEqual(runOf(nodeId)!.toJSON(), before);

    const { jobId: running } = await post("/runs", { nodeId, force: true }, 202);
    await eventually(() => statusOf(nodeId) === "running", "the new run starts");
    const busy = await choose(nodeId, done);
    assert.equal(busy.status, 409);
    assert.equal(runOf(nodeId)!.get("jobId"), running, "the running job stays current");
    await api(`/runs/${running}`, { method: "DELETE" });
  });
});
