import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";
import { runWriter } from "./run-writer.js";
import { untilEditsInDoc, untilResultInDoc } from "./doc-waits.js";

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

test("a person's edit that is still on its way: the wait ends when it arrives, not before", async () => {
  const server = new Y.Doc();
  const browser = new Y.Doc();
  const records = browser.getMap("records");
  records.set("shape:a", { prompt: "first" });
  Y.applyUpdate(server, Y.encodeStateAsUpdate(browser));
  const before = Y.encodeStateVector(server);
  records.set("shape:a", { prompt: "second" }); // typed just before pressing Run
  const position = { clientId: browser.clientID, clock: Y.getState(browser.store, browser.clientID) };

  const waiting = untilEditsInDoc(server, position, new AbortController().signal, 5000);
  let resolved = false;
  void waiting.then(() => (resolved = true));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(resolved, false, "not before the edit is here");
  Y.applyUpdate(server, Y.encodeStateAsUpdate(browser, before));
  await waiting;
  assert.deepEqual(server.getMap("records").get("shape:a"), { prompt: "second" });
});

test("an edit that never arrives: a readable error after the timeout; a position already held resolves at once", async () => {
  const server = new Y.Doc();
  await assert.rejects(untilEditsInDoc(server, { clientId: 42, clock: 3 }, new AbortController().signal, 50), /did not reach the server within 0.05 s/);
  await untilEditsInDoc(server, { clientId: 42, clock: 0 }, new AbortController().signal, 50);
});
