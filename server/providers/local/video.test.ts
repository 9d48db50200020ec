import { test } from "node:test";
import assert from "node:assert/strict";
import { validateParams } from "../params.js";
import type { GenerationInput } from "../types.js";
import { abortMidRun, recordingContext } from "./test-context.js";
import { generateVideo, videoModel } from "./video.js";

function input(overrides: Partial<GenerationInput> = {}, params: Record<string, unknown> = {}): GenerationInput {
  return {
    kind: "video",
    model: "frames",
    prompt: "purple jellyfish",
    seed: 11,
    ...overrides,
    params: validateParams(videoModel, { width: 80, height: 64, frames: 10, ...params }),
  };
}

/** Walks a GIF's blocks: its screen size, frames (their compressed pixels, as text) and delays (hundredths of a second). */
function readGif(bytes: Uint8Array): { width: number; height: number; frames: string[]; delays: number[]; loops: boolean } {
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 6)), "GIF89a");
  const u16 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
  const skipSubBlocks = (at: number) => {
    while (bytes[at]! !== 0) at += bytes[at]! + 1;
    return at + 1;
  };
  const tableSize = (flags: number) => (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  const result = { width: u16(6), height: u16(8), frames: [] as string[], delays: [] as number[], loops: false };
  let at = 13 + tableSize(bytes[10]!);
  for (;;) {
    const block = bytes[at]!;
    if (block === 0x3b) return result;
    if (block === 0x21) {
      const label = bytes[at + 1]!;
      if (label === 0xf9) result.delays.push(u16(at + 4));
      if (label === 0xff && new TextDecoder().decode(bytes.subarray(at + 3, at + 14)) === "NETSCAPE2.0") result.loops = true;
      at = skipSubBlocks(at + 2);
    } else if (block === 0x2c) {
      assert.equal(u16(at + 5), result.width);
      assert.equal(u16(at + 7), result.height);
      const pixels = at + 10 + tableSize(bytes[at + 9]!) + 1;
      at = skipSubBlocks(pixels);
      result.frames.push(Buffer.from(bytes.subarray(pixels, at)).toString("latin1"));
    } else {
      assert.fail(`unexpected GIF block 0x${block.toString(16)} at ${at}`);
    }
  }
}

test("makes a looping GIF with the declared size, frame count and duration", async () => {
  const result = await generateVideo(input({}, { frames: 12, fps: 8 }), recordingContext());
  const output = result.outputs[0]!;
  assert.equal(output.type, "video");
  assert.equal(output.mime, "image/gif");
  assert.equal(output.width, 80);
  assert.equal(output.height, 64);
  const gif = readGif(output.bytes!);
  assert.deepEqual({ width: gif.width, height: gif.height, frames: gif.frames.length, loops: gif.loops }, { width: 80, height: 64, frames: 12, loops: true });
  // 8 fps is 12.5 hundredths, stored as 13: the reported duration is what a player shows.
  assert.deepEqual(new Set(gif.delays), new Set([13]));
  assert.equal(output.durationS, 1.56);
  assert.equal(result.costUsd, 0);
});

test("the same input gives the same bytes; another seed or prompt does not", async () => {
  const bytes = async (i: GenerationInput) => (await generateVideo(i, recordingContext())).outputs[0]!.bytes!;
  const first = await bytes(input());
  assert.deepEqual(await bytes(input()), first);
  assert.notDeepEqual(await bytes(input({ seed: 12 })), first);
  assert.notDeepEqual(await bytes(input({ prompt: "green jellyfish" })), first);
});

test("frames move: consecutive frames differ", async () => {
  // Each frame is compressed on its own, so frames with different pixels have different compressed data.
  const gif = readGif((await generateVideo(input({}, { frames: 8 }), recordingContext())).outputs[0]!.bytes!);
  assert.equal(new Set(gif.frames).size, 8);
});

test("progress is reported for every frame and ends at 1", async () => {
  const context = recordingContext();
  await generateVideo(input({}, { frames: 10 }), context);
  assert.equal(context.progress.length, 11);
  assert.deepEqual([...context.progress].sort((a, b) => a - b), context.progress);
  assert.equal(context.progress.at(-1), 1);
});

test("aborting mid-run rejects with the abort's reason, promptly", async () => {
  const ms = await abortMidRun((context) => generateVideo(input({}, { width: 512, height: 512, frames: 120 }), context));
  assert.ok(ms < 150, `took ${ms.toFixed(0)} ms to stop`);
});
