import { test } from "node:test";
import assert from "node:assert/strict";
import { ProviderError } from "../types.js";
import { abortError, errorDetail, errorFromFetchFailure, errorFromResponse } from "./errors.js";

const ctx = { provider: "OpenAI", authHint: "check OPENAI_API_KEY" };
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

test("status decides transient: 408/425/429/5xx retry, other 4xx do not", async () => {
  for (const status of [408, 425, 429, 500, 502, 503, 504]) assert.equal((await errorFromResponse(json(status, {}), ctx)).transient, true, `${status}`);
  for (const status of [400, 401, 403, 404, 409, 413, 422]) assert.equal((await errorFromResponse(json(status, {}), ctx)).transient, false, `${status}`);
});

test("the provider's own words are in the message, with a hint for auth failures", async () => {
  const err = await errorFromResponse(json(401, { error: { message: "Incorrect API key provided: sk-***", type: "invalid_request_error" } }), ctx);
  assert.match(err.message, /^OpenAI answered 401: Incorrect API key provided: sk-\*\*\* \(check OPENAI_API_KEY\)$/);
  assert.equal(err.options.status, 401);
});

test("error bodies of several shapes", () => {
  assert.equal(errorDetail('{"error":"model \\"llama9\\" not found"}', "application/json").message, 'model "llama9" not found');
  assert.equal(errorDetail('{"title":"Invalid input","detail":"prompt is required","status":422}', "application/problem+json").message, "prompt is required");
  assert.equal(errorDetail('{"detail":[{"loc":["body","model"],"msg":"field required"}]}', "application/json").message, "field required");
  assert.equal(errorDetail("upstream connect error", "text/plain").message, "upstream connect error");
  assert.equal(errorDetail("<!DOCTYPE html><html>502</html>", "text/html").message, "");
  assert.equal(errorDetail("x".repeat(2000), "text/plain").message.length, 500);
});

test("content-policy refusals are permanent and say so", async () => {
  const err = await errorFromResponse(
    json(400, { error: { message: "Your request was rejected as a result of our safety system.", type: "image_generation_user_error", code: "moderation_blocked" } }),
    ctx,
  );
  assert.equal(err.transient, false);
  assert.match(err.message, /refused this prompt under its content policy: Your request was rejected/);
});

test("a 429 carries its Retry-After", async () => {
  const err = await errorFromResponse(json(429, { error: { message: "Rate limit reached" } }, { "retry-after": "3" }), ctx);
  assert.equal(err.transient, true);
  assert.equal(err.options.retryAfterMs, 3000);
});

test("aborts: a timeout is transient, a cancel is not; network failures are transient", () => {
  const timedOut = abortError(AbortSignal.abort(new DOMException("The operation timed out.", "TimeoutError")), ctx);
  assert.equal(timedOut.transient, true);
  const canceled = abortError(AbortSignal.abort(), ctx);
  assert.equal(canceled.transient, false);
  const refused = errorFromFetchFailure(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }), new AbortController().signal, ctx);
  assert.ok(refused instanceof ProviderError);
  assert.equal(refused.transient, true);
  assert.match(refused.message, /ECONNREFUSED/);
});
