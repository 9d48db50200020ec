import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProviderError, type GenerationInput } from "../types.js";
import { createReplicateProvider, type ReplicateConfig, type ReplicateProvider } from "./provider.js";
import { startFakeReplicate, type FakeReplicate } from "../../../tests/fakes/replicate.js";
import { startWebhookApp } from "../../../tests/helpers/webhook-app.js";
import { recordingContext, type RecordingContext } from "../../../tests/helpers/run-context.js";
import { makePng } from "../../../tests/helpers/media.js";

const flux = (over: Partial<GenerationInput> = {}): GenerationInput => ({
  kind: "image",
  model: "black-forest-labs/flux-schnell",
  prompt: "a lighthouse at dusk",
  params: { aspect_ratio: "16:9", num_inference_steps: 4, output_format: "webp", unrelated: "dropped" },
  seed: 1234,
  ...over,
});

let jobs = 0;
/** A context with its own job id (lookups find predictions by it) whose saved state is kept, as the jobs table keeps it. */
function durableContext(resumeState?: unknown): RecordingContext & { saved: unknown[] } {
  const saved: unknown[] = [];
  return {
    ...recordingContext(),
    jobId: `job-durable-${++jobs}`,
    resumeState,
    saved,
    async saveState(state: unknown) {
      saved.push(state);
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => assert.fail("expected the run to fail"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${err}`);
  return err;
}

describe("replicate provider", () => {
  let fake: FakeReplicate;
  let app: Awaited<ReturnType<typeof startWebhookApp>>;
  let replicate: ReplicateProvider;
  let config: ReplicateConfig;

  before(async () => {
    fake = await startFakeReplicate();
    // The provider and the route share the registry, as they will in the server.
    let provider: ReplicateProvider | undefined;
    app = await startWebhookApp({
      get webhookSecret() {
        return provider!.webhookSecret;
      },
      get registry() {
        return provider!.registry;
      },
    });
    config = { apiToken: fake.token, baseUrl: fake.baseUrl, webhookSecret: fake.secret, publicUrl: app.origin };
    replicate = provider = createReplicateProvider(config);
  });
  after(async () => {
    await app.close();
    await fake.close();
  });

  test("unavailable without a token, a public URL or the signing secret, and says which", async () => {
    const base = { baseUrl: "https://api.replicate.com/v1", publicUrl: "https://genboard.example", webhookSecret: "whsec_abc=" };
    assert.deepEqual(createReplicateProvider(base).availability(), { ok: false, reason: "REPLICATE_API_TOKEN is not set" });
    assert.deepEqual(createReplicateProvider({ ...base, apiToken: "r8", publicUrl: undefined }).availability(), {
      ok: false,
      reason: "PUBLIC_URL is needed for Replicate webhooks",
    });
    assert.match((createReplicateProvider({ ...base, apiToken: "r8", webhookSecret: undefined }).availability() as { reason: string }).reason, /REPLICATE_WEBHOOK_SECRET/);
    assert.deepEqual(createReplicateProvider({ ...base, apiToken: "r8" }).availability(), { ok: true });
    const err = await failure(createReplicateProvider(base).run(flux(), recordingContext()));
    assert.equal(err.transient, false);
  });

  test("the default models, and REPLICATE_MODELS entries (known ones keep their params)", async () => {
    const defaults = await replicate.models();
    assert.ok(defaults.some((m) => m.id === "replicate:black-forest-labs/flux-schnell" && m.kind === "image" && m.costUsd === 0.003));
    assert.deepEqual(new Set(defaults.map((m) => m.kind)), new Set(["image", "text", "speech", "video"]));
    const version = "a".repeat(64);
    const custom = await createReplicateProvider({ ...config, models: [`image:black-forest-labs/flux-schnell:${version}`, "speech:someone/tts"] }).models();
    assert.deepEqual(custom.map((m) => [m.id, m.kind, m.params.length]), [
      [`replicate:black-forest-labs/flux-schnell:${version}`, "image", 3],
      ["replicate:someone/tts", "speech", 0],
    ]);
  });

  test("a run creates the prediction with its webhook, and the signed completed webhook finishes it", async () => {
    const context = recordingContext();
    const created = fake.nextPrediction();
    const running = replicate.run(flux(), context);
    const prediction = await created;

    const request = fake.requests.find((r) => r.path === "/v1/models/black-forest-labs/flux-schnell/predictions")!;
    assert.equal(request.headers.authorization, `Bearer ${fake.token}`);
    assert.deepEqual(request.json(), {
      input: { prompt: "a lighthouse at dusk", seed: 1234, aspect_ratio: "16:9", num_inference_steps: 4, output_format: "webp" },
      webhook: `${app.origin}/api/webhooks/replicate?job=job-test`,
      webhook_events_filter: ["start", "output", "completed"],
    });

    assert.equal(await fake.update(prediction.id, { status: "processing", logs: " 50%|█████     | 2/4 [00:00<00:00]" }, "start"), 200);
    const url = `https://replicate.delivery/xezq/${prediction.id}/out-0.webp`;
    assert.equal(await fake.update(prediction.id, { status: "succeeded", output: [url], metrics: { predict_time: 0.8 } }, "completed"), 200);

    const result = await running;
    assert.deepEqual(result, { outputs: [{ type: "image", mime: "image/webp", url }], costUsd: 0.003 });
    assert.deepEqual(context.progress, [0.5, 1]);
  });

  test("a pinned version is created through /predictions with the version in the body", async () => {
    const version = "b".repeat(64);
    const pinned = createReplicateProvider({ ...config, models: [`image:someone/custom-sd:${version}`] });
    // The route delivers to `replicate`'s registry, so this run is completed directly through its own.
    const created = fake.nextPrediction();
    const running = pinned.run(flux({ model: `someone/custom-sd:${version}`, params: {} }), recordingContext());
    const prediction = await created;
    const body = fake.requests.find((r) => r.path === "/v1/predictions")!.json();
    assert.equal(body.version, version);
    assert.deepEqual(body.input, { prompt: "a lighthouse at dusk" });
    await pinned.registry.deliver({ id: prediction.id, status: "succeeded", output: "https://replicate.delivery/y/out.png" });
    assert.equal((await running).outputs[0].mime, "image/png");
  });

  test("a language model streams its text through output webhooks", async () => {
    const context = recordingContext();
    const created = fake.nextPrediction();
    const running = replicate.run(
      {
        kind: "text",
        model: "meta/meta-llama-3-8b-instruct",
        prompt: "And now?",
        params: { temperature: 0.5, max_tokens: 100 },
        seed: 1,
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello." },
        ],
      },
      context,
    );
    const prediction = await created;
    assert.deepEqual(prediction.input, {
      temperature: 0.5,
      max_tokens: 100,
      prompt: "User: Hi\n\nAssistant: Hello.\n\nUser: And now?\n\nAssistant:",
      system_prompt: "Be brief.",
    });
    await fake.update(prediction.id, { status: "processing", output: ["Now", " we"] }, "output");
    await fake.update(prediction.id, { output: ["Now", " we", " wait"] }, "output");
    await fake.update(prediction.id, { status: "succeeded", output: ["Now", " we", " wait", "."], metrics: { input_token_count: 20, output_token_count: 4 } }, "completed");
    const result = await running;
    assert.deepEqual(context.texts, ["Now we", " wait", "."]);
    assert.equal(result.outputs[0].text, "Now we wait.");
    assert.equal(result.costUsd, (20 * 0.05 + 4 * 0.25) / 1e6);
  });

  test("an input image goes to the model's image field as a data URL", async () => {
    const png = makePng(2, 2, 3);
    const created = fake.nextPrediction();
    const running = replicate.run(flux({ model: "black-forest-labs/flux-dev", params: {}, initImage: { bytes: png, mime: "image/png" } }), recordingContext());
    const prediction = await created;
    assert.equal(prediction.input.image, `data:image/png;base64,${png.toString("base64")}`);
    await fake.update(prediction.id, { status: "succeeded", output: ["https://replicate.delivery/z/out-0.webp"] }, "completed");
    assert.equal((await running).costUsd, 0.025);
  });

  test("a failed prediction rejects the run with Replicate's error", async () => {
    const created = fake.nextPrediction();
    // Its rejection is handled from the start: it happens while the webhook is still being answered.
    const outcome = failure(replicate.run(flux(), recordingContext()));
    const prediction = await created;
    await fake.update(prediction.id, { status: "failed", error: "NSFW content detected. Try a different prompt." }, "completed");
    const err = await outcome;
    assert.equal(err.transient, false);
    assert.match(err.message, /NSFW content detected/);
  });

  test("an abort rejects at once and cancels the prediction on Replicate", async () => {
    const context = recordingContext();
    const created = fake.nextPrediction();
    const running = replicate.run(flux(), context);
    const prediction = await created;
    await new Promise((r) => setTimeout(r, 20)); // let run() start waiting
    const abortedAt = performance.now();
    context.controller.abort();
    const err = await failure(running);
    assert.ok(performance.now() - abortedAt < 200, "rejects promptly");
    assert.match(err.message, /canceled/);
    const cancel = await fake.waitForRequest((r) => r.path === `/v1/predictions/${prediction.id}/cancel`);
    assert.equal(cancel.method, "POST");
    assert.equal(cancel.headers.authorization, `Bearer ${fake.token}`);
  });

  test("create errors map like any provider call: 422 permanent with the detail, 429 transient with Retry-After, 401 names the setting", async () => {
    fake.failNextCreate(422, { title: "Input validation failed", detail: "- input.aspect_ratio: aspect_ratio must be one of the following", status: 422 });
    const invalid = await failure(replicate.run(flux(), recordingContext()));
    assert.equal(invalid.transient, false);
    assert.match(invalid.message, /Replicate answered 422 .*aspect_ratio must be one of/);

    fake.failNextCreate(429, { title: "Too Many Requests", detail: "Request was throttled. Expected available in 2 seconds.", status: 429 }, { "retry-after": "2" });
    const throttled = await failure(replicate.run(flux(), recordingContext()));
    assert.equal(throttled.transient, true);
    assert.equal(throttled.options.retryAfterMs, 2000);

    const wrongToken = await failure(createReplicateProvider({ ...config, apiToken: "r8_wrong" }).run(flux(), recordingContext()));
    assert.equal(wrongToken.transient, false);
    assert.match(wrongToken.message, /valid authentication token \(check REPLICATE_API_TOKEN\)/);
  });

  for (const how of ["drop", "cut", 502] as const) {
    test(`a create whose answer is lost after Replicate made the prediction (${how}) is found, not made again`, async () => {
      const before = { predictions: fake.predictions.size, creates: fake.createRequests() };
      const context = durableContext();
      fake.loseNextCreateAnswer(how);
      const created = fake.nextPrediction();
      const running = replicate.run(flux(), context);
      const prediction = await created;
      const url = `https://replicate.delivery/xezq/${prediction.id}/out-0.webp`;
      await fake.update(prediction.id, { status: "succeeded", output: [url] }, "completed");
      assert.deepEqual((await running).outputs, [{ type: "image", mime: "image/webp", url }]);
      assert.equal(fake.predictions.size - before.predictions, 1, "exactly one prediction");
      assert.equal(fake.createRequests() - before.creates, 1, "one create request");
      assert.ok("creatingSince" in (context.saved[0] as object), "the doubt is saved before the create is sent");
      assert.deepEqual(context.saved.at(-1), { predictionId: prediction.id });
    });
  }

  test("a prediction id saved as soon as the create answers, before the result", async () => {
    const context = durableContext();
    const created = fake.nextPrediction();
    const running = replicate.run(flux(), context);
    const prediction = await created;
    const deadline = Date.now() + 5000;
    while (!context.saved.some((s) => (s as { predictionId?: string }).predictionId === prediction.id)) {
      assert.ok(Date.now() < deadline, "the prediction id was not saved while the prediction ran");
      await new Promise((r) => setTimeout(r, 5));
    }
    await fake.update(prediction.id, { status: "succeeded", output: ["https://replicate.delivery/a/out.webp"] }, "completed");
    await running;
  });

  test("a saved prediction id is resumed after a restart: no second create, finished by GET or by its webhook", async () => {
    const first = durableContext();
    const created = fake.nextPrediction();
    const running = replicate.run(flux(), first);
    const prediction = await created;
    await fake.update(prediction.id, { status: "succeeded", output: ["https://replicate.delivery/b/out.webp"] }, "completed");
    await running;

    const creates = fake.createRequests();
    // Already finished: the GET answers it.
    const again = await replicate.run(flux(), durableContext({ predictionId: prediction.id }));
    assert.equal(again.outputs[0].url, "https://replicate.delivery/b/out.webp");
    // Still running: it waits for the webhook.
    const stillRunning = { ...prediction, id: `${prediction.id}x`, status: "processing", output: null };
    fake.predictions.set(stillRunning.id, stillRunning);
    const resumed = replicate.run(flux(), durableContext({ predictionId: stillRunning.id }));
    await fake.waitForRequest((r) => r.method === "GET" && r.path === `/v1/predictions/${stillRunning.id}`);
    await new Promise((r) => setTimeout(r, 20));
    await fake.update(stillRunning.id, { status: "succeeded", output: ["https://replicate.delivery/c/out.webp"] }, "completed");
    assert.equal((await resumed).outputs[0].url, "https://replicate.delivery/c/out.webp");
    assert.equal(fake.createRequests(), creates, "no create after a restart");
  });

  test("a lost answer whose lookup also fails: the next attempt finds the prediction instead of creating another", async () => {
    const before = { predictions: fake.predictions.size, creates: fake.createRequests() };
    const context = durableContext();
    fake.loseNextCreateAnswer("drop");
    fake.failNextList(500);
    const err = await failure(replicate.run(flux(), context));
    assert.equal(err.transient, true);
    const state = context.saved.at(-1) as { creatingSince: string };
    assert.ok(state.creatingSince, "the doubt stays saved for the next attempt");

    const retry = durableContext(state);
    retry.jobId = context.jobId;
    const prediction = [...fake.predictions.values()].at(-1)!;
    const running = replicate.run(flux(), retry);
    running.catch(() => {});
    // Whether the retry's GET or the webhook brings it, the result is this prediction's.
    await fake.update(prediction.id, { status: "succeeded", output: ["https://replicate.delivery/d/out.webp"] }, "completed");
    // A retry that created a second prediction would wait for it for ever: bounded, then stopped.
    const result = await Promise.race([running, new Promise<null>((r) => setTimeout(r, 5000, null))]);
    retry.controller.abort();
    assert.equal(fake.predictions.size - before.predictions, 1, "exactly one prediction");
    assert.equal(fake.createRequests() - before.creates, 1, "the retry did not create");
    assert.equal(result?.outputs[0].url, "https://replicate.delivery/d/out.webp");
    assert.deepEqual(retry.saved.at(-1), { predictionId: prediction.id });
  });

  test("a 5xx that created nothing: the retry looks first, finds nothing, and only then creates", async () => {
    const before = { predictions: fake.predictions.size, creates: fake.createRequests() };
    const context = durableContext();
    fake.failNextCreate(503, { title: "Service Unavailable", detail: "try later", status: 503 });
    const err = await failure(replicate.run(flux(), context));
    assert.equal(err.transient, true);
    const state = context.saved.at(-1) as { creatingSince: string };

    const retry = durableContext(state);
    retry.jobId = context.jobId;
    const created = fake.nextPrediction();
    const listsBefore = fake.requests.filter((r) => r.method === "GET" && r.path.startsWith("/v1/predictions?")).length;
    const running = replicate.run(flux(), retry);
    const prediction = await created;
    const listsAfter = fake.requests.filter((r) => r.method === "GET" && r.path.startsWith("/v1/predictions?")).length;
    assert.ok(listsAfter > listsBefore, "looked for the prediction before creating");
    await fake.update(prediction.id, { status: "succeeded", output: ["https://replicate.delivery/e/out.webp"] }, "completed");
    await running;
    assert.equal(fake.predictions.size - before.predictions, 1);
    assert.equal(fake.createRequests() - before.creates, 2);
    assert.deepEqual(retry.saved, [{ creatingSince: state.creatingSince }, { predictionId: prediction.id }], "the first doubt's time is kept");
  });

  test("a refused create (422, 429) is certain: no lookup, and the error is the API's", async () => {
    const lists = () => fake.requests.filter((r) => r.method === "GET" && r.path.startsWith("/v1/predictions?")).length;
    const before = lists();
    fake.failNextCreate(429, { title: "Too Many Requests", detail: "throttled", status: 429 }, { "retry-after": "1" });
    const err = await failure(replicate.run(flux(), durableContext()));
    assert.equal(err.name, "ProviderError");
    assert.equal(err.options.retryAfterMs, 1000);
    assert.equal(lists(), before);
  });

  test("a model that is not configured for the node's kind is refused before any request", async () => {
    const before = fake.requests.length;
    const err = await failure(replicate.run(flux({ model: "someone/unknown" }), recordingContext()));
    assert.equal(err.transient, false);
    assert.equal(fake.requests.length, before);
  });
});
