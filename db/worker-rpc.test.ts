import { test } from "node:test";
import assert from "node:assert/strict";
import { transferablesOf } from "./worker-rpc.js";

test("whole-buffer views are moved, at the top or nested two levels down", () => {
  const a = new Uint8Array(100);
  const b = new Uint8Array(10);
  const c = new Uint8Array(5);
  assert.deepEqual(transferablesOf(a), [a.buffer]);
  assert.deepEqual(transferablesOf({ data: a, size: 100, at: new Date(), id: 1n }), [a.buffer]);
  assert.deepEqual(transferablesOf({ snapshot: a, updates: [b, c] }), [a.buffer, b.buffer, c.buffer]);
  assert.deepEqual(transferablesOf({ deep: { deeper: [a] } }), [], "not past two levels");
  assert.deepEqual(transferablesOf([a, a]), [a.buffer], "a buffer is listed once");
});

test("views on part of a buffer are copied, never moved", () => {
  const pooled = Buffer.from("small"); // a slice of Node's shared 8 KB pool
  assert.ok(pooled.buffer.byteLength > pooled.byteLength);
  const shared = new Uint8Array(new SharedArrayBuffer(8));
  const part = new Uint8Array(new ArrayBuffer(16), 4, 8);
  assert.deepEqual(transferablesOf({ pooled, shared, part }), []);
  assert.deepEqual(transferablesOf(null), []);
  assert.deepEqual(transferablesOf("text"), []);
});
