import { test } from "node:test";
import assert from "node:assert/strict";
import { validateParams } from "../params.js";
import { ProviderError, type GenerationInput } from "../types.js";
import { generateSpeech, loadEspeak, MAX_SPEECH_CHARS, speechModel, wavDurationS } from "./speech.js";
import { recordingContext } from "./test-context.js";

// espeak-ng is an optional dependency (GPL): without it these tests cannot run, and say so.
const espeakMissing = await loadEspeak().then(
  () => false,
  () => "SKIPPING: the optional espeak-ng package is not installed (npm install espeak-ng)",
);

function input(overrides: Partial<GenerationInput> = {}, params: Record<string, unknown> = {}): GenerationInput {
  return {
    kind: "speech",
    model: "espeak",
    prompt: "Hello from the local provider.",
    seed: 1,
    ...overrides,
    params: validateParams(speechModel, params),
  };
}

const speak = async (i: GenerationInput) => (await generateSpeech(i, recordingContext(), loadEspeak)).outputs[0]!;

test("speaks the prompt as a WAV with its duration", { skip: espeakMissing }, async () => {
  const context = recordingContext();
  const result = await generateSpeech(input(), context, loadEspeak);
  const output = result.outputs[0]!;
  assert.equal(output.type, "audio");
  assert.equal(output.mime, "audio/wav");
  const bytes = output.bytes!;
  const ascii = (from: number, to: number) => new TextDecoder().decode(bytes.subarray(from, to));
  assert.equal(ascii(0, 4), "RIFF");
  assert.equal(ascii(8, 12), "WAVE");
  assert.equal(ascii(36, 40), "data");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint32(4, true), bytes.length - 8);
  assert.equal(view.getUint32(40, true), bytes.length - 44);
  assert.ok(output.durationS! > 1 && output.durationS! < 5, `${output.durationS} s for one short sentence`);
  assert.equal(output.durationS, wavDurationS(bytes));
  assert.equal(context.progress.at(-1), 1);
  assert.equal(result.costUsd, 0);
});

test("the same text gives the same bytes; speed and voice change them", { skip: espeakMissing }, async () => {
  const first = await speak(input());
  assert.deepEqual((await speak(input())).bytes, first.bytes);
  const fast = await speak(input({}, { speed: 400 }));
  const slow = await speak(input({}, { speed: 80 }));
  assert.ok(fast.durationS! < first.durationS! && first.durationS! < slow.durationS!);
  assert.notDeepEqual((await speak(input({}, { voice: "de" }))).bytes, first.bytes);
});

test("a text starting with a dash is spoken, not read as an option", { skip: espeakMissing }, async () => {
  assert.ok((await speak(input({ prompt: "--help me" }))).durationS! > 0.3);
});

test("an engine failure is a permanent error and leaves the process's exit code alone", { skip: espeakMissing }, async () => {
  const bad = { ...input(), params: { voice: "xx", speed: 170 } };
  await assert.rejects(generateSpeech(bad, recordingContext(), loadEspeak), (err) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.transient, false);
    assert.match(err.message, /voice does not exist/);
    return true;
  });
  assert.equal(process.exitCode, undefined);
});

test("without espeak-ng installed, a run fails permanently and says how to install it", async () => {
  const missing = async () => {
    throw Object.assign(new Error("Cannot find package 'espeak-ng'"), { code: "ERR_MODULE_NOT_FOUND" });
  };
  await assert.rejects(generateSpeech(input(), recordingContext(), missing), (err) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.transient, false);
    assert.match(err.message, /npm install espeak-ng/);
    return true;
  });
});

test("empty and over-long texts are refused before synthesis", async () => {
  const neverLoaded = async () => assert.fail("the engine should not be loaded");
  for (const prompt of ["   ", "a".repeat(MAX_SPEECH_CHARS + 1)]) {
    await assert.rejects(generateSpeech(input({ prompt }), recordingContext(), neverLoaded), (err) => err instanceof ProviderError && !err.transient);
  }
});

test("an aborted job stops before synthesis", async () => {
  const context = recordingContext();
  context.controller.abort(new Error("canceled"));
  await assert.rejects(generateSpeech(input(), context, loadEspeak), /canceled/);
});
