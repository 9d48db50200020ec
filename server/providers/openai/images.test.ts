import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProviderError, type GenerationInput } from "../types.js";
import { createOpenAIProvider } from "./provider.js";
import { openAIError, startFakeOpenAI, type FakeOpenAI } from "../../../tests/fakes/openai.js";
import { sendJson } from "../../../tests/fakes/http-fake.js";
import { makePng } from "../../../tests/helpers/media.js";
import { recordingContext } from "../../../tests/helpers/run-context.js";

const input = (over: Partial<GenerationInput> = {}): GenerationInput => ({
  kind: "image",
  model: "gpt-image-1",
  prompt: "a red fox in snow",
  params: { size: "1024x1536" },
  seed: 1,
  ...over,
});

describe("openai images", () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());
  const provider = () => createOpenAIProvider({ baseUrl: fake.baseUrl, apiKey: "sk-test" });

  test("b64_json is decoded to bytes; the type comes from the bytes", async () => {
    const png = makePng(3, 2, 7);
    fake.handle("POST /v1/images/generations", (_req, res) => sendJson(res, 200, { created: 1, data: [{ b64_json: png.toString("base64") }] }));
    const context = recordingContext();
    const result = await provider().run(input(), context);
    assert.equal(result.outputs.length, 1);
    const [out] = result.outputs;
    assert.equal(out.type, "image");
    assert.equal(out.mime, "image/png");
    assert.deepEqual(Buffer.from(out.bytes!), png);
    assert.equal(out.width, 1024);
    assert.equal(out.height, 1536);
    assert.deepEqual(context.progress, [1]);
    // gpt-image-1 refuses response_format; the request carries no seed (the images API has none).
    assert.deepEqual(fake.requests.at(-1)!.json(), { model: "gpt-image-1", prompt: "a red fox in snow", size: "1024x1536", n: 1 });
  });

  test("a url answer is handed on for the runner to download; DALL·E is asked for base64", async () => {
    fake.handle("POST /v1/images/generations", (_req, res) =>
      sendJson(res, 200, { created: 1, data: [{ url: "https://files.example/img-abc.webp?sig=x", revised_prompt: "a fox" }], output_format: "webp" }),
    );
    const result = await provider().run(input({ model: "dall-e-3", params: { size: "1024x1024" } }), recordingContext());
    assert.deepEqual(result.outputs, [{ type: "image", mime: "image/webp", url: "https://files.example/img-abc.webp?sig=x", width: 1024, height: 1024 }]);
    assert.equal(fake.requests.at(-1)!.json().response_format, "b64_json");
  });

  test("an input image goes to /images/edits as multipart", async () => {
    const png = makePng(2, 2, 9);
    const result = await provider().run(input({ initImage: { bytes: png, mime: "image/png" } }), recordingContext());
    assert.equal(result.outputs[0].mime, "image/png");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/v1/images/edits");
    const form = await new Response(new Uint8Array(sent.body), { headers: { "content-type": String(sent.headers["content-type"]) } }).formData();
    assert.equal(form.get("prompt"), "a red fox in snow");
    assert.equal(form.get("model"), "gpt-image-1");
    const image = form.get("image") as File;
    assert.equal(image.type, "image/png");
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), png);
  });

  test("on api.openai.com gpt-image-1's cost follows from its token usage", async () => {
    fake.handle("POST /v1/images/generations", (_req, res) =>
      sendJson(res, 200, {
        created: 1,
        data: [{ b64_json: makePng().toString("base64") }],
        usage: { input_tokens: 50, output_tokens: 1056, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
      }),
    );
    const viaFake: typeof fetch = (url, init) => fetch(String(url).replace("https://api.openai.com/v1", fake.baseUrl), init);
    const openai = createOpenAIProvider({ baseUrl: "https://api.openai.com/v1", apiKey: "sk-test" }, { fetch: viaFake });
    const result = await openai.run(input(), recordingContext());
    assert.equal(result.costUsd, (50 * 5 + 1056 * 40) / 1e6);
  });

  test("a content-policy refusal is permanent and readable", async () => {
    fake.handle("POST /v1/images/generations", (_req, res) =>
      sendJson(res, 400, openAIError("Your request was rejected as a result of our safety system.", "image_generation_user_error", "content_policy_violation")),
    );
    const err = await provider().run(input(), recordingContext()).catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.transient, false);
    assert.match(err.message, /refused this prompt under its content policy: Your request was rejected as a result of our safety system\./);
  });

  test("a JSON answer cut short is transient; an answer without an image is permanent", async () => {
    fake.handle("POST /v1/images/generations", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"created":1,"data":[{"b64_json":"iVBOR');
    });
    const cut = await provider().run(input(), recordingContext()).catch((e) => e);
    assert.ok(cut instanceof ProviderError);
    assert.equal(cut.transient, true);

    fake.handle("POST /v1/images/generations", (_req, res) => sendJson(res, 200, { created: 1, data: [] }));
    const empty = await provider().run(input(), recordingContext()).catch((e) => e);
    assert.ok(empty instanceof ProviderError);
    assert.equal(empty.transient, false);
    assert.match(empty.message, /without an image/);
  });

  test("an abort while the image is being made rejects promptly", async () => {
    fake.handle("POST /v1/images/generations", () => {}); // never answers
    const context = recordingContext();
    const running = provider().run(input(), context);
    setTimeout(() => context.controller.abort(), 50);
    const started = performance.now();
    const err = await running.catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.ok(performance.now() - started < 1000);
  });
});
