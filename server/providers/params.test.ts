import { test } from "node:test";
import assert from "node:assert/strict";
import { ParamsError, validateParams } from "./params.js";
import type { ModelInfo } from "./types.js";

const model: ModelInfo = {
  id: "test:model",
  provider: "test",
  kind: "image",
  label: "Test",
  params: [
    { name: "width", label: "Width", type: "integer", default: 512, min: 64, max: 1024 },
    { name: "temperature", label: "Temperature", type: "number", default: 0.8, min: 0, max: 2 },
    { name: "style", label: "Style", type: "enum", default: "waves", options: ["waves", "cells"] },
    { name: "negative", label: "Negative prompt", type: "string", default: "" },
  ],
};

function problemsOf(raw: unknown): string[] {
  try {
    validateParams(model, raw);
  } catch (err) {
    assert.ok(err instanceof ParamsError);
    assert.equal(err.modelId, "test:model");
    return err.problems;
  }
  assert.fail("should throw");
}

test("missing parameters get their defaults", () => {
  const defaults = { width: 512, temperature: 0.8, style: "waves", negative: "" };
  assert.deepEqual(validateParams(model, {}), defaults);
  assert.deepEqual(validateParams(model, undefined), defaults);
  assert.deepEqual(validateParams(model, { width: null, style: undefined }), defaults);
});

test("given values are kept", () => {
  assert.deepEqual(validateParams(model, { width: 100, temperature: 1.5, style: "cells", negative: "blurry" }), {
    width: 100,
    temperature: 1.5,
    style: "cells",
    negative: "blurry",
  });
});

test("numbers out of range are clamped, integers rounded, numeric strings read", () => {
  assert.equal(validateParams(model, { width: 5000 }).width, 1024);
  assert.equal(validateParams(model, { width: 1 }).width, 64);
  assert.equal(validateParams(model, { temperature: -3 }).temperature, 0);
  assert.equal(validateParams(model, { width: 300.6 }).width, 301);
  assert.equal(validateParams(model, { temperature: 0.25 }).temperature, 0.25);
  assert.equal(validateParams(model, { width: " 256 " }).width, 256);
});

test("values of the wrong type are rejected", () => {
  assert.deepEqual(problemsOf({ width: "big" }), ['width: must be a number (got "big")']);
  assert.deepEqual(problemsOf({ width: "" }), ['width: must be a number (got "")']);
  assert.deepEqual(problemsOf({ temperature: Number.NaN }), ["temperature: must be a number (got NaN)"]);
  assert.deepEqual(problemsOf({ temperature: Infinity }), ["temperature: must be a number (got Infinity)"]);
  assert.deepEqual(problemsOf({ width: true }), ["width: must be a number (got true)"]);
  assert.deepEqual(problemsOf({ negative: 3 }), ["negative: must be text (got 3)"]);
  assert.deepEqual(problemsOf({ width: [1] }), ["width: must be a number (got a list)"]);
});

test("an option the model does not offer is rejected, naming the options", () => {
  assert.deepEqual(problemsOf({ style: "zigzag" }), ['style: must be one of waves, cells (got "zigzag")']);
  assert.deepEqual(problemsOf({ style: 2 }), ["style: must be one of waves, cells (got 2)"]);
});

test("unknown parameter names are rejected, naming the known ones", () => {
  assert.deepEqual(problemsOf({ widht: 100 }), ["widht: unknown parameter (known: width, temperature, style, negative)"]);
});

test("parameters that are not an object are rejected", () => {
  assert.deepEqual(problemsOf([1, 2]), ["parameters must be an object (got a list)"]);
  assert.deepEqual(problemsOf("width=5"), ['parameters must be an object (got "width=5")']);
});

test("every problem is listed in one error", () => {
  assert.throws(
    () => validateParams(model, { width: "x", style: "zigzag", extra: 1 }),
    (err: unknown) =>
      err instanceof ParamsError &&
      err.problems.length === 3 &&
      /^Invalid parameters for test:model: extra: unknown parameter .*; width: must be a number .*; style: must be one of/.test(err.message),
  );
});
