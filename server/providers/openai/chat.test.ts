import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { ProviderError, type GenerationInput } from "../types.js";
import { createOpenAIProvider } from "./provider.js";
import { chatChunk, dataEvent, openAIError, startFakeOpenAI, streamEvents, type FakeOpenAI } from "../../../tests/fakes/openai.js";
import { sendJson } from "../../../tests/fakes/http-fake.js";
import { recordingContext } from "../../../tests/helpers/run-context.js";

const input = (over: Partial<GenerationInput> = {}): GenerationInput => ({
  kind: "text",
  model: "llama3.2",
  prompt: "Say hello",
  params: { temperature: 0.2, maxTokens: 64 },
  seed: 42,
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
  ],
  ...over,
});

/** Rejects with the ProviderError `promise` fails with. */
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${err}`);
    return err;
  }
  assert.fail("expected the run to fail");
}

describe("openai chat completions", () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());

  const provider = () => createOpenAIProvider({ baseUrl: fake.baseUrl, apiKey: "sk-test" });

  test("streams CRLF events split across TCP chunks, skipping comments, joining multi-line data, up to [DONE]", async () => {
    const hello = chatChunk("llama3.2", "Hel");
    const multiLine = chatChunk("llama3.2", "lo, ").replace('"choices":', '\r\ndata: "choices":');
    fake.handle("POST /v1/chat/completions", (_req, res) =>
      streamEvents(res, [
        ": keep-alive\r\n\r\n",
        `data: ${hello.slice(0, 20)}`,
        `${hello.slice(20)}\r`,
        "\n\r\n",
        `data: ${multiLine}\r\n\r\n`,
        `: still here\r\ndata: ${chatChunk("llama3.2", "world")}\r\n\r\ndata: ${chatChunk("llama3.2", "", "stop")}\r\n\r\n`,
        `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 20, completion_tokens: 3, total_tokens: 23 } })}\r\n\r\n`,
        "data: [DONE]\r\n\r\n",
      ]),
    );
    const context = recordingContext();
    const result = await provider().run(input(), context);
    assert.deepEqual(context.texts, ["Hel", "lo, ", "world"]);
    assert.deepEqual(result.outputs, [{ type: "text", mime: "text/plain", text: "Hello, world" }]);
    // Not api.openai.com: its list prices do not apply, and this server reported no cost.
    assert.equal(result.costUsd, undefined);

    const sent = fake.requests.at(-1)!;
    assert.equal(sent.headers.authorization, "Bearer sk-test");
    assert.equal(sent.headers["content-type"], "application/json");
    assert.deepEqual(sent.json(), {
      model: "llama3.2",
      messages: [...input().messages!, { role: "user", content: "Say hello" }],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 64,
      seed: 42,
    });
  });

  test("on api.openai.com the cost follows from the reported usage", async () => {
    fake.handle("POST /v1/chat/completions", (req, res) =>
      streamEvents(res, [
        dataEvent(chatChunk("gpt-4o-mini", "ok", "stop")),
        dataEvent(JSON.stringify({ choices: [], usage: { prompt_tokens: 1_000_000, completion_tokens: 500_000 } })),
        dataEvent("[DONE]"),
      ]),
    );
    const viaFake: typeof fetch = (url, init) => fetch(String(url).replace("https://api.openai.com/v1", fake.baseUrl), init);
    const openai = createOpenAIProvider({ baseUrl: "https://api.openai.com/v1", apiKey: "sk-test" }, { fetch: viaFake });
    const result = await openai.run(input({ model: "gpt-4o-mini-2024-07-18" }), recordingContext());
    assert.equal(result.costUsd, 0.45); // 1M input at $0.15 plus 0.5M output at $0.60
  });

  test("a cost the server reports itself (OpenRouter's usage.cost) is used as is", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) =>
      streamEvents(res, [dataEvent(chatChunk("m", "ok", "stop", { usage: { prompt_tokens: 3, completion_tokens: 1, cost: 0.00042 } })), dataEvent("[DONE]")]),
    );
    assert.equal((await provider().run(input(), recordingContext())).costUsd, 0.00042);
  });

  test("a connection cut mid-stream is a transient failure, after the text that did arrive", async () => {
    fake.handle("POST /v1/chat/completions", async (_req, res) => {
      await streamEvents(res, [dataEvent(chatChunk("m", "partial"))], { end: false });
      res.socket?.destroy();
    });
    const context = recordingContext();
    const err = await failure(provider().run(input(), context));
    assert.equal(err.transient, true);
    assert.deepEqual(context.texts, ["partial"]);
  });

  test("a stream that ends cleanly but before [DONE] or a finish_reason is transient", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => streamEvents(res, [dataEvent(chatChunk("m", "half an ans"))]));
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, true);
    assert.match(err.message, /stopped streaming before the answer was complete/);
  });

  test("a stream with a finish_reason but no [DONE] counts as complete", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => streamEvents(res, [dataEvent(chatChunk("m", "all", "length"))]));
    const result = await provider().run(input(), recordingContext());
    assert.equal(result.outputs[0].text, "all");
  });

  test("a garbled chunk in the stream is transient", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => streamEvents(res, [dataEvent(chatChunk("m", "a")), "data: {not json\n\n", dataEvent("[DONE]")]));
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, true);
    assert.match(err.message, /garbled stream chunk/);
  });

  test("an error object inside the stream fails the run, transient or not by its code", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) =>
      streamEvents(res, [dataEvent(chatChunk("m", "a")), dataEvent(JSON.stringify({ error: { message: "Provider overloaded", code: 502 } }))]),
    );
    const overloaded = await failure(provider().run(input(), recordingContext()));
    assert.equal(overloaded.transient, true);
    assert.match(overloaded.message, /Provider overloaded/);

    fake.handle("POST /v1/chat/completions", (_req, res) =>
      streamEvents(res, [dataEvent(JSON.stringify({ error: { message: "context length exceeded", code: 400 } }))]),
    );
    assert.equal((await failure(provider().run(input(), recordingContext()))).transient, false);
  });

  test("finish_reason content_filter is a permanent failure", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => streamEvents(res, [dataEvent(chatChunk("m", "I", "content_filter")), dataEvent("[DONE]")]));
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, false);
    assert.match(err.message, /content filter/);
  });

  test("429 is transient and carries Retry-After in milliseconds", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) =>
      sendJson(res, 429, openAIError("Rate limit reached for gpt-4o-mini", "requests", "rate_limit_exceeded"), { "retry-after": "7" }),
    );
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, true);
    assert.equal(err.options.status, 429);
    assert.equal(err.options.retryAfterMs, 7000);
    assert.match(err.message, /Rate limit reached/);
  });

  test("500 is transient", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => sendJson(res, 500, openAIError("The server had an error", "server_error")));
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, true);
    assert.equal(err.options.status, 500);
  });

  test("400 with an error body is permanent and quotes the provider", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) =>
      sendJson(res, 400, openAIError("Invalid value for 'temperature': must be at most 2.", "invalid_request_error", "invalid_value")),
    );
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, false);
    assert.equal(err.options.status, 400);
    assert.match(err.message, /answered 400 Bad Request: Invalid value for 'temperature': must be at most 2\./);
  });

  test("an error body that is not JSON still gives a usable message", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<!DOCTYPE html><html><body>Not Found</body></html>");
    });
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, false);
    assert.match(err.message, /answered 404 Not Found$/);
  });

  test("a 200 that is neither an event stream nor JSON is permanent: the base URL is not an API", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>a web page</html>");
    });
    const err = await failure(provider().run(input(), recordingContext()));
    assert.equal(err.transient, false);
    assert.match(err.message, /answered with text\/html, not JSON/);
  });

  test("a server that ignores stream:true and answers with one completion still works", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) =>
      sendJson(res, 200, { id: "c", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "whole" }, finish_reason: "stop" }] }),
    );
    const context = recordingContext();
    const result = await provider().run(input(), context);
    assert.deepEqual(context.texts, ["whole"]);
    assert.equal(result.outputs[0].text, "whole");
  });

  test("a cancel mid-stream rejects at once, and not as transient", async () => {
    fake.handle("POST /v1/chat/completions", (_req, res) => streamEvents(res, [dataEvent(chatChunk("m", "first"))], { end: false }));
    const context = recordingContext();
    const running = provider().run(input(), context);
    while (context.texts.length === 0) await new Promise((r) => setTimeout(r, 5));
    const abortedAt = performance.now();
    context.controller.abort();
    const err = await failure(running);
    assert.ok(performance.now() - abortedAt < 500, "rejects promptly");
    assert.equal(err.transient, false);
    assert.match(err.message, /canceled/);
  });

  test("a timeout (before any answer) rejects promptly as transient", async () => {
    fake.handle("POST /v1/chat/completions", () => {}); // never answers
    const started = performance.now();
    const err = await failure(provider().run(input(), recordingContext(AbortSignal.timeout(100))));
    assert.ok(performance.now() - started < 1000, "rejects promptly");
    assert.equal(err.transient, true);
    assert.match(err.message, /took too long/);
  });

  test("a refused connection is transient", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const err = await failure(createOpenAIProvider({ baseUrl: `http://127.0.0.1:${port}/v1` }).run(input(), recordingContext()));
    assert.equal(err.transient, true);
    assert.match(err.message, /ECONNREFUSED/);
  });
});
