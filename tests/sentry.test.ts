import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connect, createBoard, eventually, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { boardApi, runsSeenBy } from "./helpers/runs.js";
import { openAIError, startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { startFakeSentry, type FakeSentry } from "./fakes/sentry.js";
import { sendJson } from "./fakes/http-fake.js";
import { startTcpProxy } from "./helpers/tcp-proxy.js";

let storage: TestStorage;
let server: ServerProcess;
let sentry: FakeSentry;
let openai: FakeOpenAI;
let watcher: Client;
after(async () => {
  watcher?.destroy();
  await server?.stop();
  await Promise.all([sentry?.close(), openai?.close()]);
  await storage?.cleanup();
});

test("a failed job reaches Sentry as an envelope carrying the run's request id", async () => {
  [sentry, openai, storage] = await Promise.all([startFakeSentry("42"), startFakeOpenAI(), freshStorage()]);
  openai.handle("POST /v1/chat/completions", (_req, res) => sendJson(res, 400, openAIError("This model does not accept that prompt.", "invalid_request_error")));
  server = await spawnServer(storage, {
    SENTRY_DSN: sentry.dsn,
    SENTRY_ENVIRONMENT: "test",
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_TEXT_MODELS: "fake-model",
    JOB_MAX_ATTEMPTS: "1",
  });
  const board = await createBoard(server);
  const edit = tokenOf(board.links.edit);
  watcher = connect(server, board.id, edit);
  await whenSynced(watcher);
  const { api, post } = boardApi(() => ({ server, board, edit }));
  const { statusOf } = runsSeenBy(() => watcher);

  const requestId = "sentry-run-42";
  const { nodeId } = await post("/nodes", { kind: "text", prompt: "hello", model: "openai:fake-model", params: { maxTokens: 10 } }, 201);
  const res = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId }), headers: { "x-request-id": requestId } });
  assert.equal(res.status, 202);
  const { jobId } = (await res.json()) as { jobId: string };
  await eventually(() => statusOf(nodeId) === "failed", "the run fails");

  const event = await sentry.waitForEvent((e) => e.tags?.request_id === requestId);
  assert.equal(event.tags.job_id, jobId);
  assert.equal(event.tags.provider, "openai");
  assert.equal(event.tags.board_id, board.id);
  assert.equal(event.environment, "test");
  const exception = event.exception.values.at(-1);
  assert.equal(exception.type, "JobFailed");
  assert.match(exception.value, /This model does not accept that prompt/);
  const envelopeRequest = sentry.requests.find((r) => r.path.startsWith("/api/42/envelope/"))!;
  assert.match(String(envelopeRequest.headers["x-sentry-auth"] ?? envelopeRequest.path), /sentry_key=publickey/, "the DSN's key authenticates the envelope");

  // The log keeps the full context too, whether or not Sentry is configured.
  const logged = server.output.map((l) => (l.startsWith("{") ? JSON.parse(l) : {})).find((l) => l.msg === "job failed" && l.jobId === jobId);
  assert.ok(logged, "the failure is logged");
  assert.equal(logged.requestId, requestId);
  assert.match(logged.err?.message ?? "", /This model does not accept that prompt/);
  assert.deepEqual(server.output.filter((l) => !l.startsWith("{")), [], "everything the process printed is a JSON log line (nothing from the SDK on the console)");
});

test(
  "an unhandled error in a request reaches Sentry with that request's id",
  { skip: process.env.DATABASE_URL ? false : "needs Postgres (DATABASE_URL): the failure is a database cut off mid-flight" },
  async () => {
    const pgStorage = await freshStorage();
    const proxy = await startTcpProxy(new URL(pgStorage.databaseUrl!).hostname, Number(new URL(pgStorage.databaseUrl!).port || 5432));
    const broken = await spawnServer(pgStorage, { SENTRY_DSN: sentry.dsn, DATABASE_URL: proxy.urlFor(pgStorage.databaseUrl!) });
    try {
      await proxy.cut();
      const requestId = "sentry-req-500";
      const res = await fetch(`${broken.http}/api/boards`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": requestId },
        body: JSON.stringify({ title: "never stored" }),
      });
      assert.equal(res.status, 500);
      assert.equal(res.headers.get("x-request-id"), requestId);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, "internal");
      const event = await sentry.waitForEvent((e) => e.tags?.request_id === requestId);
      assert.equal(event.level, "error");
      assert.ok(event.exception.values.length > 0, "the error itself, with its stack");
      assert.equal(event.extra?.msg, "api request failed");
    } finally {
      await proxy.restore();
      await broken.stop();
      await proxy.close();
      await pgStorage.cleanup();
    }
  },
);
