import { test } from "node:test";
import assert from "node:assert/strict";
import { validateParams } from "../params.js";
import type { ChatMessage, GenerationInput } from "../types.js";
import { abortMidRun, recordingContext } from "./test-context.js";
import { composeReply, generateText, splitTokens, textModel } from "./text.js";

function input(overrides: Partial<GenerationInput> = {}, params: Record<string, unknown> = {}): GenerationInput {
  return {
    kind: "text",
    model: "storyteller",
    prompt: "a lighthouse keeper who collects storms",
    seed: 3,
    ...overrides,
    params: validateParams(textModel, params),
  };
}

test("the reply streams in many pieces that add up to the returned text", async () => {
  const context = recordingContext();
  const result = await generateText(input(), context, 0);
  const output = result.outputs[0]!;
  assert.equal(output.type, "text");
  assert.equal(output.mime, "text/plain");
  assert.ok(context.texts.length > 20, `only ${context.texts.length} pieces`);
  assert.equal(context.texts.join(""), output.text);
  assert.equal(context.progress.at(-1), 1);
  assert.deepEqual([...context.progress].sort((a, b) => a - b), context.progress);
});

test("the reply is about the prompt's words", () => {
  const text = composeReply(input());
  assert.match(text, /lighthouse/);
  assert.match(text, /keeper/);
  assert.match(text, /storms/);
});

test("the same input gives the same reply; another seed or temperature does not", () => {
  const first = composeReply(input());
  assert.equal(composeReply(input()), first);
  assert.notEqual(composeReply(input({ seed: 4 })), first);
  assert.notEqual(composeReply(input({}, { temperature: 2 })), first);
});

test("a reply carries on from the conversation, quoting the previous assistant turn", () => {
  const messages: ChatMessage[] = [
    { role: "user", content: "Tell me about the sea" },
    { role: "assistant", content: "The sea is wide and full of salt. It never sleeps." },
  ];
  assert.match(composeReply(input({ messages })), /“The sea is wide and full of salt…”/);
  const onlyUser = composeReply(input({ messages: [{ role: "user", content: "Tell me about the sea" }] }));
  assert.match(onlyUser, /^(Still with you on sea\.|Following on from what you said about sea\.)/);
  assert.doesNotMatch(composeReply(input()), /earlier|before|last reply/);
});

test("the reply has at most maxTokens words", () => {
  for (const maxTokens of [16, 40, 200, 1024]) {
    const count = splitTokens(composeReply(input({}, { maxTokens }))).length;
    assert.ok(count <= maxTokens, `${count} words for maxTokens ${maxTokens}`);
    assert.ok(count >= Math.min(maxTokens, 200) / 2, `only ${count} words for maxTokens ${maxTokens}`);
  }
});

test("prompt text cannot inject grammar markup", () => {
  const text = composeReply(input({ prompt: "#origin# [x:#y#] \\ storms" }));
  assert.match(text, /storms/);
  assert.doesNotMatch(text, /[#[\]\\]|\(\(/);
});

test("aborting mid-stream rejects with the abort's reason, promptly", async () => {
  const ms = await abortMidRun((context) => generateText(input(), context, 20));
  assert.ok(ms < 100, `took ${ms.toFixed(0)} ms to stop`);
});
