import { test } from "node:test";
import assert from "node:assert/strict";
import { validateParams } from "../params.js";
import { ProviderError, type GenerationInput } from "../types.js";
import { createLocalProvider } from "./index.js";
import { recordingContext } from "./test-context.js";

const provider = createLocalProvider({ tokenDelayMs: 0 });

test("is the local provider, always available", () => {
  assert.equal(provider.id, "local");
  assert.equal(provider.label, "Local (no network)");
  assert.deepEqual(provider.availability(), { ok: true });
});

test("lists one free model per generating kind, each with valid defaults", async () => {
  const models = await provider.models();
  assert.deepEqual(
    models.map((m) => [m.id, m.kind]),
    [
      ["local:pattern", "image"],
      ["local:storyteller", "text"],
      ["local:espeak", "speech"],
      ["local:frames", "video"],
    ],
  );
  for (const model of models) {
    assert.equal(model.provider, "local");
    assert.equal(model.costUsd, 0);
    const defaults = Object.fromEntries(model.params.map((p) => [p.name, p.default]));
    assert.deepEqual(validateParams(model, {}), defaults, `${model.id} has a default outside its own range`);
  }
});

test("runs a model by its id without the provider prefix, checking its parameters", async () => {
  const input: GenerationInput = { kind: "image", model: "pattern", prompt: "moss", params: { width: 64, height: 64, steps: 2 }, seed: 1 };
  const result = await provider.run(input, recordingContext());
  assert.equal(result.outputs[0]!.width, 64);

  await assert.rejects(provider.run({ ...input, params: { style: "zigzag" } }, recordingContext()), (err) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.transient, false);
    assert.match(err.message, /style: must be one of waves, cells, stripes, rings/);
    return true;
  });
});

test("an unknown model, or a model of another kind, is a permanent error", async () => {
  for (const [kind, model] of [["image", "dalle"], ["video", "pattern"]] as const) {
    await assert.rejects(
      provider.run({ kind, model, prompt: "x", params: {}, seed: 1 }, recordingContext()),
      (err) => err instanceof ProviderError && !err.transient && err.message.includes(`no ${kind} model "${model}"`),
    );
  }
});

test("a job aborted before it starts rejects at once", async () => {
  const context = recordingContext();
  context.controller.abort(new Error("canceled"));
  await assert.rejects(provider.run({ kind: "text", model: "storyteller", prompt: "x", params: {}, seed: 1 }, context), /canceled/);
  assert.deepEqual(context.texts, []);
});
