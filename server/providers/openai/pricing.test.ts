import { test } from "node:test";
import assert from "node:assert/strict";
import { chatCost, imageCost, imageListPrice } from "./pricing.js";

test("chat cost: list prices on OpenAI, snapshots priced as their model, nothing for unknown models or other servers", () => {
  assert.equal(chatCost("gpt-4o", { prompt_tokens: 1000, completion_tokens: 1000 }, true), 0.0125);
  assert.equal(chatCost("gpt-4o-mini-2024-07-18", { prompt_tokens: 1000, completion_tokens: 0 }, true), 0.00015);
  assert.equal(chatCost("gpt-4o-mini", { prompt_tokens: 1000, completion_tokens: 0 }, false), undefined);
  assert.equal(chatCost("o9-preview", { prompt_tokens: 1, completion_tokens: 1 }, true), undefined);
  assert.equal(chatCost("gpt-4o", undefined, true), undefined);
  assert.equal(chatCost("anything", { cost: 0.01 }, false), 0.01);
});

test("image cost: per image for DALL·E, per token for gpt-image-1, not gpt-image-1-mini", () => {
  assert.equal(imageCost("dall-e-3", "1792x1024", undefined, true), 0.08);
  assert.equal(imageCost("dall-e-3", "1792x1024", undefined, false), undefined);
  assert.equal(imageCost("gpt-image-1", "1024x1024", { input_tokens: 100, output_tokens: 1000 }, true), (100 * 5 + 1000 * 40) / 1e6);
  assert.equal(imageCost("gpt-image-1-mini", "1024x1024", { input_tokens: 100, output_tokens: 1000 }, true), undefined);
  assert.equal(imageListPrice("gpt-image-1", "1024x1024"), 0.042);
});
