import { test } from "node:test";
import assert from "node:assert/strict";
import { PNG } from "pngjs";
import { validateParams } from "../params.js";
import type { GenerationInput } from "../types.js";
import { generateImage, imageModel } from "./image.js";
import { abortMidRun, recordingContext } from "./test-context.js";

function input(overrides: Partial<GenerationInput> = {}, params: Record<string, unknown> = {}): GenerationInput {
  return {
    kind: "image",
    model: "pattern",
    prompt: "a blue harbour at sunset",
    seed: 7,
    ...overrides,
    params: validateParams(imageModel, { width: 96, height: 64, steps: 6, ...params }),
  };
}

async function imageBytes(i: GenerationInput): Promise<Uint8Array> {
  const result = await generateImage(i, recordingContext());
  return result.outputs[0]!.bytes!;
}

test("draws a PNG of the declared size", async () => {
  const result = await generateImage(input(), recordingContext());
  assert.equal(result.costUsd, 0);
  assert.equal(result.outputs.length, 1);
  const output = result.outputs[0]!;
  assert.equal(output.type, "image");
  assert.equal(output.mime, "image/png");
  assert.equal(output.width, 96);
  assert.equal(output.height, 64);
  const png = PNG.sync.read(Buffer.from(output.bytes!));
  assert.equal(png.width, 96);
  assert.equal(png.height, 64);
});

test("every style draws something with more than one colour", async () => {
  for (const style of ["waves", "cells", "stripes", "rings"]) {
    const png = PNG.sync.read(Buffer.from(await imageBytes(input({}, { style }))));
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) colours.add(png.data.readUInt32BE(i));
    assert.ok(colours.size > 16, `${style} has only ${colours.size} colours`);
  }
});

test("the same input gives the same bytes; another seed, prompt or style does not", async () => {
  const first = await imageBytes(input());
  assert.deepEqual(await imageBytes(input()), first);
  assert.notDeepEqual(await imageBytes(input({ seed: 8 })), first);
  assert.notDeepEqual(await imageBytes(input({ prompt: "a red barn" })), first);
  assert.notDeepEqual(await imageBytes(input({}, { style: "rings" })), first);
});

test("progress is reported once per step, never goes back, and ends at 1", async () => {
  const context = recordingContext();
  await generateImage(input({}, { steps: 6 }), context);
  assert.ok(context.progress.length >= 7, `only ${context.progress.length} progress reports`);
  assert.deepEqual([...context.progress].sort((a, b) => a - b), context.progress);
  assert.equal(context.progress.at(-1), 1);
});

test("a PNG init image is blended in; anything else is ignored", async () => {
  const plain = await imageBytes(input());
  const white = new PNG({ width: 10, height: 10 });
  white.data.fill(255);
  const initImage = { bytes: new Uint8Array(PNG.sync.write(white)), mime: "image/png" };
  const blended = await imageBytes(input({ initImage }));
  assert.notDeepEqual(blended, plain);
  // Over white, every pixel gets lighter (or stays white).
  const before = PNG.sync.read(Buffer.from(plain)).data;
  const after = PNG.sync.read(Buffer.from(blended)).data;
  for (let i = 0; i < before.length; i++) assert.ok(after[i]! >= before[i]!);

  const notPng = { bytes: new TextEncoder().encode("GIF89a not really"), mime: "image/gif" };
  assert.deepEqual(await imageBytes(input({ initImage: notPng })), plain);
  const brokenPng = { bytes: initImage.bytes.slice(0, 40), mime: "image/png" };
  assert.deepEqual(await imageBytes(input({ initImage: brokenPng })), plain);
});

test("aborting mid-run rejects with the abort's reason, promptly", async () => {
  const ms = await abortMidRun((context) => generateImage(input({}, { width: 1024, height: 1024, steps: 50, style: "waves" }), context));
  assert.ok(ms < 150, `took ${ms.toFixed(0)} ms to stop`);
});
