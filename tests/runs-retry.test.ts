import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as Y from "yjs";
import { connect, createBoard, eventually, tokenOf, whenSynced, type Client, type CreatedBoard } from "./helpers/clients.js";
import { boardApi, runsSeenBy } from "./helpers/runs.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { sendJson } from "./fakes/http-fake.js";
import { chatChunk, dataEvent, openAIError, startFakeOpenAI, streamEvents, type FakeOpenAI } from "./fakes/openai.js";
import type { RecordedRequest } from "./fakes/http-fake.js";
import type { ServerResponse } from "node:http";

/**
 * Retries as a script and a collaborator see them: the server's OpenAI
 * provider points at a fake OpenAI-compatible server that fails a node's
 * first chat request in one way or another and answers the second.
 */
describe("retried jobs through the scripting API", () => {
  let storage: TestStorage;
  let server: ServerProcess;
  let fake: FakeOpenAI;
  let board: CreatedBoard;
  let edit: string;
  let watcher: Client;

  /** Chat behaviour per prompt: the handler gets the 1-based attempt number for that prompt. */
  const { runOf } = runsSeenBy(() => watcher);
  const scripts = new Map<string, (attempt: number, req: RecordedRequest, res: ServerResponse) => void | Promise<void>>();
  const attempts = new Map<string, number[]>();

  const { api, post } = boardApi(() => ({ server, board, edit }));
  const job = async (jobId: string) => (await (await api(`/runs/${jobId}`)).json()) as { status: string; attempts: number; error: string | null; outputs: Array<{ type: string }> };

  /** Creates an `openai:fake-model` text node whose chat requests `script` answers, and runs it. */
  async function runScripted(prompt: string, script: (attempt: number, req: RecordedRequest, res: ServerResponse) => void | Promise<void>) {
    scripts.set(prompt, script);
    const { nodeId } = await post("/nodes", { kind: "text", prompt, model: "openai:fake-model", params: { maxTokens: 50 } }, 201);
    const { jobId } = await post("/runs", { nodeId }, 202);
    await eventually(async () => ["succeeded", "failed", "canceled"].includes((await job(jobId)).status), "the job ends", 20_000);
    await eventually(() => ["succeeded", "failed"].includes(runOf(nodeId)?.get("status") as string), "the watcher sees the end");
    return { nodeId, jobId };
  }

  const stream = (res: ServerResponse, parts: string[]) =>
    streamEvents(res, [...parts.map((p) => chatChunk("fake-model", p)), chatChunk("fake-model", "", "stop"), "[DONE]"].map(dataEvent));

  before(async () => {
    fake = await startFakeOpenAI();
    fake.handle("POST /v1/chat/completions", (req, res) => {
      const prompt: string = req.json().messages.at(-1).content;
      const times = attempts.get(prompt) ?? [];
      times.push(Date.now());
      attempts.set(prompt, times);
      const script = scripts.get(prompt);
      if (!script) return sendJson(res, 404, openAIError(`no script for ${prompt}`, "invalid_request_error"));
      return script(times.length, req, res);
    });
    storage = await freshStorage();
    server = await spawnServer(storage, {
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_TEXT_MODELS: "fake-model",
      OPENAI_API_KEY: "x",
      JOB_RETRY_BASE_MS: "50",
    });
    board = await createBoard(server);
    edit = tokenOf(board.links.edit);
    watcher = connect(server, board.id, edit);
    await whenSynced(watcher);
  });
  after(async () => {
    watcher?.destroy();
    await server?.stop();
    await fake?.close();
    await storage?.cleanup();
  });

  /** What a retried job must look like at the end: one success, the second attempt's text only, one output, one history entry. */
  async function assertOneCleanResult(nodeId: string, jobId: string, expectedText: string) {
    const row = await job(jobId);
    assert.deepEqual([row.status, row.attempts], ["succeeded", 2], JSON.stringify(row));
    assert.equal(row.outputs.length, 1);
    const run = runOf(nodeId)!;
    assert.equal(run.get("status"), "succeeded");
    assert.equal((run.get("text") as Y.Text).toString(), expectedText, "exactly the second attempt's text");
    assert.equal((run.get("outputs") as unknown[]).length, 1);
    assert.deepEqual((run.get("history") as Y.Array<{ jobId: string }>).toArray().map((h) => h.jobId), [jobId], "one history entry");
  }

  test("a retried job writes one output: first request answers 500", async () => {
    const prompt = "retry after a 500";
    const { nodeId, jobId } = await runScripted(prompt, (attempt, _req, res) =>
      attempt === 1 ? sendJson(res, 500, openAIError("The server had an error while processing your request.", "server_error")) : stream(res, ["The second ", "attempt's ", "answer."]),
    );
    assert.equal(attempts.get(prompt)!.length, 2);
    await assertOneCleanResult(nodeId, jobId, "The second attempt's answer.");
  });

  test("a retried job writes one output: the first stream is cut after some chunks", async () => {
    const prompt = "retry after a cut stream";
    let sawLeftover = false; // the first attempt's text did reach collaborators before it was discarded
    const look = () => {
      for (const run of watcher.doc.getMap<Y.Map<unknown>>("runs").values()) if (String(run.get("text") ?? "").includes("LEFTOVER")) sawLeftover = true;
    };
    watcher.doc.on("update", look);
    const { nodeId, jobId } = await runScripted(prompt, async (attempt, _req, res) => {
      if (attempt > 1) return stream(res, ["Fresh ", "and ", "whole."]);
      await streamEvents(res, [dataEvent(chatChunk("fake-model", "LEFTOVER one ")), dataEvent(chatChunk("fake-model", "LEFTOVER two "))], { end: false });
      res.socket?.destroy(); // the connection drops mid-answer
    });
    watcher.doc.off("update", look);
    assert.equal(attempts.get(prompt)!.length, 2);
    assert.ok(sawLeftover, "the cut attempt streamed some text first");
    await assertOneCleanResult(nodeId, jobId, "Fresh and whole.");
  });

  test("a 429's Retry-After is honoured: the retry comes no earlier", async () => {
    const prompt = "rate limited once";
    const { nodeId, jobId } = await runScripted(prompt, (attempt, _req, res) =>
      attempt === 1 ? sendJson(res, 429, openAIError("Rate limit reached for requests", "requests", "rate_limit_exceeded"), { "retry-after": "1" }) : stream(res, ["After ", "the wait."]),
    );
    const [first, second] = attempts.get(prompt)!;
    assert.ok(second! - first! >= 1000, `retried ${second! - first!} ms after the 429 that asked for 1000 ms`);
    await assertOneCleanResult(nodeId, jobId, "After the wait.");
  });

  test("a 400 fails at once, with the provider's message on the canvas", async () => {
    const prompt = "a bad request";
    const message = "Invalid value for 'max_tokens': must be at least 1.";
    const { nodeId, jobId } = await runScripted(prompt, (_attempt, _req, res) => sendJson(res, 400, openAIError(message, "invalid_request_error")));
    const row = await job(jobId);
    assert.deepEqual([row.status, row.attempts], ["failed", 1]);
    assert.equal(attempts.get(prompt)!.length, 1, "no retry");
    const run = runOf(nodeId)!;
    assert.equal(run.get("status"), "failed");
    assert.ok(String(run.get("error")).includes(message), `runs[nodeId].error: ${run.get("error")}`);
    assert.ok(String(row.error).includes(message), `job error: ${row.error}`);
    assert.equal((run.get("history") as Y.Array<unknown>).length, 0);
  });
});
