import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ProviderError, type GenerationInput } from "../types.js";
import { generateImage } from "./image.js";
import { loadEspeak } from "./speech.js";
import { createLocalProvider } from "./index.js";
import { abortMidRun, recordingContext } from "./test-context.js";
import { createLocalWorkerPool, type LocalWorkerPool } from "./worker-pool.js";

const image = (over: Partial<GenerationInput["params"]> = {}, prompt = "harbour lights"): GenerationInput => ({
  kind: "image",
  model: "pattern",
  prompt,
  params: { width: 64, height: 64, style: "waves", steps: 3, ...over },
  seed: 7,
});

let pool: LocalWorkerPool;
before(() => {
  pool = createLocalWorkerPool({ size: 1 });
});
after(() => pool.close());

test("a worker draws the same bytes as the main thread, reporting progress on the way", async () => {
  const context = recordingContext();
  const onWorker = await pool.run({ kind: "image", input: image() }, { signal: context.signal, onProgress: context.onProgress });
  const here = await generateImage(image(), recordingContext());
  assert.deepEqual(Buffer.from(onWorker.outputs[0]!.bytes!), Buffer.from(here.outputs[0]!.bytes!));
  assert.equal(onWorker.outputs[0]!.mime, "image/png");
  assert.equal(context.progress.at(-1), 1);
  assert.ok(context.progress.length >= 3, `progress per step, got ${context.progress}`);
});

test("the main thread's event loop keeps turning while a large image is drawn", async () => {
  // On the main thread the loop would get one turn per step (the generator's pause), each after a
  // whole step of drawing: about `steps` timer ticks in all. On a worker it ticks all along (about
  // took / 5 ms; on a loaded 2-core machine ~90 in ~470 ms), so twice `steps` separates the two.
  const steps = 30;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const started = performance.now();
  await pool.run({ kind: "image", input: image({ width: 512, height: 512, steps }) }, { signal: new AbortController().signal });
  const took = performance.now() - started;
  clearInterval(timer);
  assert.ok(took > 100, `the image took ${took.toFixed(0)} ms: too little work to show anything`);
  assert.ok(ticks > 2 * (steps + 1), `the main thread's timer ticked only ${ticks} times in ${took.toFixed(0)} ms`);
});

test("an abort rejects at once with its reason, and the worker is free again after one step", async () => {
  const stamps: number[] = [];
  const stopMs = await abortMidRun((context) =>
    pool.run(
      { kind: "image", input: image({ width: 1024, height: 1024, steps: 50 }) },
      { signal: context.signal, onProgress: (p) => (stamps.push(performance.now()), context.onProgress(p)) },
    ),
  );
  assert.ok(stopMs < 50, `rejected ${stopMs.toFixed(1)} ms after the abort`);
  // The worker stops at its next step, not after the other 40-odd: the next task waits about one.
  const step = Math.max(...stamps.slice(1).map((t, i) => t - stamps[i]!));
  const started = performance.now();
  await pool.run({ kind: "image", input: image() }, { signal: new AbortController().signal });
  const waited = performance.now() - started;
  assert.ok(waited < 10 * step, `the next task waited ${waited.toFixed(0)} ms; one step takes up to ${step.toFixed(0)} ms`);
});

test("a task aborted while it waits for a worker never starts", async () => {
  const busy = pool.run({ kind: "image", input: image({ width: 512, height: 512, steps: 10 }) }, { signal: new AbortController().signal });
  const controller = new AbortController();
  const progress: number[] = [];
  const waiting = pool.run({ kind: "image", input: image() }, { signal: controller.signal, onProgress: (p) => progress.push(p) });
  const reason = new Error("canceled while queued");
  controller.abort(reason);
  await assert.rejects(waiting, (err) => err === reason);
  await busy;
  assert.deepEqual(progress, []);
});

test("a generator's ProviderError keeps its class and transient flag across the thread", async () => {
  const err = await pool.run({ kind: "speech", input: { kind: "speech", model: "espeak", prompt: "   ", params: { voice: "en", speed: 170 }, seed: 1 } }, { signal: new AbortController().signal }).then(
    () => assert.fail("an empty text must be refused"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProviderError, `got ${err}`);
  assert.equal(err.transient, false);
  assert.match(err.message, /no text to speak/);
});

test("the provider on workers still streams text word by word", async () => {
  const provider = createLocalProvider({ tokenDelayMs: 0, workers: pool });
  const context = recordingContext();
  const result = await provider.run({ kind: "text", model: "storyteller", prompt: "the old lighthouse", params: { maxTokens: 40 }, seed: 3 }, context);
  assert.ok(context.texts.length > 10, `streamed in ${context.texts.length} pieces`);
  assert.equal(context.texts.join(""), result.outputs[0]!.text);
  const inProcess = await createLocalProvider({ tokenDelayMs: 0 }).run({ kind: "text", model: "storyteller", prompt: "the old lighthouse", params: { maxTokens: 40 }, seed: 3 }, recordingContext());
  assert.equal(result.outputs[0]!.text, inProcess.outputs[0]!.text);
});

const espeakMissing = await loadEspeak().then(
  () => false,
  () => "espeak-ng (optional) is not installed",
);

test("speech runs on a worker: eSpeak's WASM is loaded there", { skip: espeakMissing }, async () => {
  const input: GenerationInput = { kind: "speech", model: "espeak", prompt: "Hello from a worker.", params: { voice: "en", speed: 170 }, seed: 1 };
  const result = await pool.run({ kind: "speech", input }, { signal: new AbortController().signal });
  const wav = Buffer.from(result.outputs[0]!.bytes!);
  assert.equal(wav.subarray(0, 4).toString("latin1"), "RIFF");
  assert.ok(result.outputs[0]!.durationS! > 0.5, `duration ${result.outputs[0]!.durationS}`);
});

test("video runs on a worker and comes back as a GIF", async () => {
  const input: GenerationInput = { kind: "video", model: "frames", prompt: "tide", params: { frames: 8, fps: 8, width: 64, height: 64, style: "rings" }, seed: 2 };
  const result = await pool.run({ kind: "video", input }, { signal: new AbortController().signal });
  assert.equal(Buffer.from(result.outputs[0]!.bytes!).subarray(0, 6).toString("latin1"), "GIF89a");
  // GIF delays are whole hundredths: 8 fps is 13 cs a frame.
  assert.equal(result.outputs[0]!.durationS, 1.04);
});

test("close rejects waiting work as transient, and later runs are refused", async () => {
  const own = createLocalWorkerPool({ size: 1 });
  const running = own.run({ kind: "video", input: { kind: "video", model: "frames", prompt: "x", params: { frames: 120, fps: 12, width: 512, height: 512, style: "rings" }, seed: 1 } }, { signal: new AbortController().signal });
  const queued = own.run({ kind: "image", input: image() }, { signal: new AbortController().signal });
  const outcomes = [running, queued].map((outcome) => assert.rejects(outcome, (err) => err instanceof ProviderError && err.transient));
  await own.close();
  await Promise.all(outcomes);
  await assert.rejects(own.run({ kind: "image", input: image() }, { signal: new AbortController().signal }), ProviderError);
});
