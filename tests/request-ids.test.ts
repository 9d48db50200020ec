import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "./helpers/clients.js";
import { boardApi, boardWithWatcher, runsSeenBy } from "./helpers/runs.js";

let ctx: Awaited<ReturnType<typeof boardWithWatcher>>;
before(async () => {
  ctx = await boardWithWatcher({ LOCAL_TOKEN_DELAY_MS: "0" });
});
after(() => ctx?.close());

const { api, post } = boardApi(() => ctx);
const { statusOf } = runsSeenBy(() => ctx.watcher);
const linesWith = (...needles: string[]) => ctx.server.output.filter((l) => needles.every((n) => l.includes(n))).map((l) => JSON.parse(l));

test("an incoming X-Request-ID is kept and echoed", async () => {
  const res = await fetch(`${ctx.server.http}/healthz`, { headers: { "x-request-id": "lb-7f3a.2:edge_1" } });
  assert.equal(res.headers.get("x-request-id"), "lb-7f3a.2:edge_1");
});

test("without one, or with one that is not sane, the server makes its own", async () => {
  const made = (await fetch(`${ctx.server.http}/healthz`)).headers.get("x-request-id");
  assert.match(made ?? "", /^[0-9a-f-]{36}$/);
  for (const bad of ["x".repeat(129), "has space", "quote\"s", "new\u00e9line"]) {
    const res = await fetch(`${ctx.server.http}/healthz`, { headers: { "x-request-id": bad } });
    const echoed = res.headers.get("x-request-id");
    assert.notEqual(echoed, bad);
    assert.match(echoed ?? "", /^[0-9a-f-]{36}$/, `replaced ${JSON.stringify(bad.slice(0, 20))}`);
  }
});

test("the request id of a run is in its job's and its provider call's log lines", async () => {
  const requestId = "req-run-0001";
  const { nodeId } = await post("/nodes", { kind: "text", prompt: "a short tale", params: { maxTokens: 20 } }, 201);
  const res = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId }), headers: { "x-request-id": requestId } });
  assert.equal(res.status, 202);
  assert.equal(res.headers.get("x-request-id"), requestId);
  const { jobId } = (await res.json()) as { jobId: string };
  await eventually(() => statusOf(nodeId) === "succeeded", "the run succeeds");
  await eventually(() => linesWith('"msg":"job succeeded"', jobId).length === 1, "the job's log line");

  const [done] = linesWith('"msg":"job succeeded"', jobId);
  assert.equal(done.requestId, requestId);
  const calls = linesWith('"msg":"provider call', jobId);
  assert.deepEqual(calls.map((l) => l.msg), ["provider call started", "provider call finished"]);
  for (const line of calls) assert.equal(line.requestId, requestId);
  assert.equal(calls[0].provider, "local");
});
