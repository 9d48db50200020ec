import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProviderError } from "../types.js";
import { createOpenAIProvider } from "./provider.js";
import { startFakeOpenAI, type FakeOpenAI } from "../../../tests/fakes/openai.js";
import { sendJson } from "../../../tests/fakes/http-fake.js";
import { recordingContext } from "../../../tests/helpers/run-context.js";

describe("openai availability and models", () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());

  test("api.openai.com without a key is unavailable, and says why", async () => {
    const openai = createOpenAIProvider({ baseUrl: "https://api.openai.com/v1" });
    assert.deepEqual(openai.availability(), { ok: false, reason: "OPENAI_API_KEY is not set" });
    const err = await openai.run({ kind: "text", model: "gpt-4o-mini", prompt: "x", params: {}, seed: 1 }, recordingContext()).catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.transient, false);
  });

  test("a local server needs no key, and gets no Authorization header", async () => {
    const local = createOpenAIProvider({ baseUrl: fake.baseUrl, textModels: ["llama3.2"] });
    assert.deepEqual(local.availability(), { ok: true });
    await local.run({ kind: "text", model: "llama3.2", prompt: "hi", params: {}, seed: 1 }, recordingContext());
    assert.equal(fake.requests.at(-1)!.headers.authorization, undefined);
  });

  test("on api.openai.com the defaults are offered, with params and image prices", async () => {
    const models = await createOpenAIProvider({ baseUrl: "https://api.openai.com/v1/", apiKey: "sk" }).models();
    assert.deepEqual(
      models.map((m) => [m.id, m.kind]),
      [
        ["openai:gpt-4o-mini", "text"],
        ["openai:gpt-4.1-mini", "text"],
        ["openai:gpt-image-1", "image"],
        ["openai:dall-e-3", "image"],
      ],
    );
    assert.deepEqual(models[0].params.map((p) => p.name), ["temperature", "maxTokens"]);
    const size = models[3].params.find((p) => p.name === "size")!;
    assert.deepEqual(size.options, ["1024x1024", "1792x1024", "1024x1792"]);
    assert.equal(models[3].costUsd, 0.04);
  });

  test("configured lists are used as they are, without asking the server", async () => {
    const before = fake.requests.length;
    const models = await createOpenAIProvider({ baseUrl: fake.baseUrl, textModels: ["qwen2.5"], imageModels: ["sdxl"] }).models();
    assert.deepEqual(models.map((m) => m.id), ["openai:qwen2.5", "openai:sdxl"]);
    assert.equal(models[1].costUsd, undefined);
    assert.equal(fake.requests.length, before);
  });

  test("elsewhere, without a configured list, the server's GET /models is offered as text models", async () => {
    fake.handle("GET /v1/models", (_req, res) =>
      sendJson(res, 200, { object: "list", data: [{ id: "qwen2.5:7b", object: "model", owned_by: "library" }, { id: "llama3.2:latest", object: "model" }] }),
    );
    const models = await createOpenAIProvider({ baseUrl: fake.baseUrl }).models();
    assert.deepEqual(models.map((m) => [m.id, m.kind]), [["openai:llama3.2:latest", "text"], ["openai:qwen2.5:7b", "text"]]);
  });

  test("a failing model listing is an error the runner's cache can retry", async () => {
    fake.handle("GET /v1/models", (_req, res) => sendJson(res, 503, { error: "loading" }));
    const err = await createOpenAIProvider({ baseUrl: fake.baseUrl }).models().catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.transient, true);
  });
});
