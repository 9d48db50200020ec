import { test } from "node:test";
import assert from "node:assert/strict";
import { createInProcessRegistry } from "./registry.js";

test("updates go to the waiter; the terminal prediction resolves it once", async () => {
  const registry = createInProcessRegistry();
  const updates: string[] = [];
  const waiting = registry.waitFor("p1", (p) => updates.push(p.status), new AbortController().signal);
  assert.equal(await registry.deliver({ id: "p1", status: "processing" }), true);
  assert.equal(await registry.deliver({ id: "p1", status: "succeeded", output: "x" }), true);
  assert.deepEqual(await waiting, { id: "p1", status: "succeeded", output: "x" });
  assert.deepEqual(updates, ["processing"]);
  // Nobody waits any more; a late duplicate is kept as unclaimed, not delivered twice.
  assert.equal(await registry.deliver({ id: "p1", status: "succeeded", output: "x" }), false);
});

test("a terminal prediction that arrives before anyone waits is picked up by the next waitFor", async () => {
  const registry = createInProcessRegistry();
  assert.equal(await registry.deliver({ id: "early", status: "succeeded", output: "y" }), false);
  assert.equal(await registry.deliver({ id: "early-start", status: "starting" }), false);
  const result = await registry.waitFor("early", () => {}, new AbortController().signal);
  assert.equal(result.output, "y");
});

test("an abort rejects the waiter with the signal's reason and forgets it", async () => {
  const registry = createInProcessRegistry();
  const controller = new AbortController();
  const waiting = registry.waitFor("p2", () => {}, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  assert.equal(await registry.deliver({ id: "p2", status: "processing" }), false);
  await assert.rejects(registry.waitFor("p3", () => {}, AbortSignal.abort(new Error("already"))), /already/);
});
