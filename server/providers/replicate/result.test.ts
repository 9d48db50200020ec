import { test } from "node:test";
import assert from "node:assert/strict";
import { ProviderError } from "../types.js";
import { progressFromLogs, toResult } from "./result.js";
import type { Prediction } from "./prediction.js";

const done = (output: unknown, extra: Partial<Prediction> = {}): Prediction => ({ id: "p1", status: "succeeded", output, ...extra });

test("a list of image URLs becomes image outputs to download, priced per output", () => {
  const result = toResult(done(["https://replicate.delivery/a/out-0.webp", "https://replicate.delivery/a/out-1.png"]), { kind: "image", price: { perOutput: 0.003 } });
  assert.deepEqual(result, {
    outputs: [
      { type: "image", mime: "image/webp", url: "https://replicate.delivery/a/out-0.webp" },
      { type: "image", mime: "image/png", url: "https://replicate.delivery/a/out-1.png" },
    ],
    costUsd: 0.006,
  });
});

test("a single URL, and an object of URLs; the kind decides the output type, the extension the mime", () => {
  assert.deepEqual(toResult(done("https://replicate.delivery/b/output.mp4"), { kind: "video" }), {
    outputs: [{ type: "video", mime: "video/mp4", url: "https://replicate.delivery/b/output.mp4" }],
    costUsd: undefined,
  });
  const speech = toResult(done({ audio_out: "https://replicate.delivery/c/speech.mp3", duration: 3.2 }), { kind: "speech" });
  assert.deepEqual((speech as { outputs: unknown }).outputs, [{ type: "audio", mime: "audio/mpeg", url: "https://replicate.delivery/c/speech.mp3" }]);
  // No extension: the kind's usual type.
  const bare = toResult(done("https://replicate.delivery/d/file"), { kind: "speech" });
  assert.equal((bare as { outputs: { mime: string }[] }).outputs[0].mime, "audio/wav");
});

test("without a model the type is guessed from the extension", () => {
  const result = toResult(done(["https://x.example/a.wav"]));
  assert.equal((result as { outputs: { type: string }[] }).outputs[0].type, "audio");
});

test("a data URL output is decoded to bytes", () => {
  const result = toResult(done("data:image/png;base64,iVBORw0KGgo="), { kind: "image" });
  const [out] = (result as { outputs: { bytes?: Uint8Array; mime: string }[] }).outputs;
  assert.equal(out.mime, "image/png");
  assert.deepEqual([...out.bytes!.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});

test("a language model's token list is joined into text, priced per token", () => {
  const result = toResult(done(["Hel", "lo", "!"], { metrics: { input_token_count: 1000, output_token_count: 2000 } }), {
    kind: "text",
    price: { perMillionInputTokens: 0.05, perMillionOutputTokens: 0.25 },
  });
  assert.deepEqual(result, { outputs: [{ type: "text", mime: "text/plain", text: "Hello!" }], costUsd: 0.00055 });
});

test("failed predictions are permanent errors with Replicate's words, unless Replicate asks for a retry", () => {
  const nsfw = toResult({ id: "p", status: "failed", error: "NSFW content detected. Try running it again, or try a different prompt." });
  assert.ok(nsfw instanceof ProviderError);
  assert.equal(nsfw.transient, false);
  assert.match(nsfw.message, /^Replicate: NSFW content detected/);

  const interrupted = toResult({ id: "p", status: "failed", error: "Prediction interrupted; please retry (code: PA)" });
  assert.ok(interrupted instanceof ProviderError);
  assert.equal(interrupted.transient, true);

  const silent = toResult({ id: "p", status: "failed", error: null });
  assert.match((silent as ProviderError).message, /failed without saying why/);
});

test("canceled is permanent, aborted transient; success without output is an error", () => {
  assert.equal((toResult({ id: "p", status: "canceled" }) as ProviderError).transient, false);
  assert.equal((toResult({ id: "p", status: "aborted" }) as ProviderError).transient, true);
  assert.ok(toResult(done(null), { kind: "image" }) instanceof ProviderError);
  assert.ok(toResult(done([]), { kind: "image" }) instanceof ProviderError);
});

test("a prediction still running is not a result", () => {
  assert.throws(() => toResult({ id: "p", status: "processing" }), TypeError);
});

test("progress comes from the last progress bar in the logs", () => {
  assert.equal(progressFromLogs("Using seed: 1\n  0%|          | 0/4 [00:00<?, ?it/s]\n 75%|███████▌  | 3/4 [00:01<00:00,  2.1it/s]"), 0.75);
  assert.equal(progressFromLogs("Using seed: 1"), undefined);
  assert.equal(progressFromLogs(null), undefined);
});
