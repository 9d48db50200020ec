import { test } from "node:test";
import assert from "node:assert/strict";
import { retryAfterMs } from "./retry-after.js";

const now = Date.parse("2026-01-01T00:00:00Z");
const h = (init: Record<string, string>) => new Headers(init);

test("Retry-After in seconds", () => {
  assert.equal(retryAfterMs(h({ "retry-after": "7" }), now), 7000);
  assert.equal(retryAfterMs(h({ "retry-after": "0.5" }), now), 500);
});

test("Retry-After as an HTTP date, never negative", () => {
  assert.equal(retryAfterMs(h({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), now), 30_000);
  assert.equal(retryAfterMs(h({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }), now), 0);
});

test("retry-after-ms wins; garbage and absence give undefined", () => {
  assert.equal(retryAfterMs(h({ "retry-after-ms": "1250", "retry-after": "2" }), now), 1250);
  assert.equal(retryAfterMs(h({ "retry-after": "soon" }), now), undefined);
  assert.equal(retryAfterMs(h({ "retry-after": "-3" }), now), undefined);
  assert.equal(retryAfterMs(h({}), now), undefined);
});
