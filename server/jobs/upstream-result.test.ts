import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";
import { runWriter } from "./run-writer.js";
import { untilResultInDoc } from "./upstream-result.js";

const start = { jobId: "job_up", kind: "text", provider: "local", model: "local:storyteller", seed: 1 };
const succeed = (doc: Y.Doc) => runWriter(doc).finished("shape:up", "job_up", { status: "succeeded", outputs: [], model: start.model, seed: 1 });

test("an upstream result already on the board: resolves at once", async () => {
  const doc = new Y.Doc();
  runWriter(doc).queued("shape:up", start);
  succeed(doc);
  await untilResultInDoc(doc, "shape:up", "job_up", new AbortController().signal, 50);
});

test("a result that arrives with a later update (from another process): resolves when it does", async () => {
  const here = new Y.Doc();
  const there = new Y.Doc();
  runWriter(there).queued("shape:up", start);
  Y.applyUpdate(here, Y.encodeStateAsUpdate(there));
  const waiting = untilResultInDoc(here, "shape:up", "job_up", new AbortController().signal, 5000);
  let resolved = false;
  void waiting.then(() => (resolved = true));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(resolved, false, "not before the result is here");
  succeed(there);
  Y.applyUpdate(here, Y.encodeStateAsUpdate(there));
  await waiting;
});

test("a result that never arrives: a readable error after the timeout; a cancel ends the wait at once", async () => {
  const doc = new Y.Doc();
  runWriter(doc).queued("shape:up", start);
  await assert.rejects(untilResultInDoc(doc, "shape:up", "job_up", new AbortController().signal, 50), /did not reach this server within 50 ms/);
  const controller = new AbortController();
  const waiting = untilResultInDoc(doc, "shape:up", "job_up", controller.signal, 5000);
  controller.abort(new Error("canceled"));
  await assert.rejects(waiting, /canceled/);
});
