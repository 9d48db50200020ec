import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { MemoryBusHub } from "../../../collab/index.js";
import { relayedRegistry } from "./bus-registry.js";
import { createInProcessRegistry } from "./registry.js";
import type { Prediction } from "./prediction.js";

const logger = pino({ level: "silent" });

/** Two processes on one bus: the job waits on `runner`, the webhook arrives at `web`. */
async function twoProcesses() {
  const hub = new MemoryBusHub();
  const runnerBus = hub.node();
  const webBus = hub.node();
  return {
    runnerBus,
    runner: await relayedRegistry(createInProcessRegistry(), runnerBus, logger),
    web: await relayedRegistry(createInProcessRegistry(), webBus, logger),
  };
}

const prediction = (status: string, extra: Partial<Prediction> = {}): Prediction => ({ id: "p1", status, ...extra });

test("a webhook that reaches another process is relayed to the job waiting for it: progress, then the result", async () => {
  const { runner, web } = await twoProcesses();
  const updates: string[] = [];
  const waiting = runner.waitFor("p1", (p) => updates.push(p.status), new AbortController().signal);
  assert.equal(await web.deliver(prediction("processing")), false, "nobody waits on the web process");
  assert.equal(await web.deliver(prediction("succeeded", { output: ["https://replicate.delivery/x.png"] })), false);
  const done = await waiting;
  assert.deepEqual([done.status, done.output], ["succeeded", ["https://replicate.delivery/x.png"]]);
  assert.deepEqual(updates, ["processing"]);
});

test("a result relayed before its job waits is kept for it", async () => {
  const { runner, web } = await twoProcesses();
  await web.deliver(prediction("succeeded"));
  await new Promise((r) => setImmediate(r));
  assert.equal((await runner.waitFor("p1", () => {}, new AbortController().signal)).status, "succeeded");
});

test("a webhook for a job waiting in the same process is not relayed", async () => {
  const { runner, runnerBus } = await twoProcesses();
  const published: string[] = [];
  const publish = runnerBus.publish.bind(runnerBus);
  runnerBus.publish = (topic, payload) => (published.push(topic), publish(topic, payload));
  const waiting = runner.waitFor("p1", () => {}, new AbortController().signal);
  assert.equal(await runner.deliver(prediction("succeeded")), true);
  await waiting;
  assert.deepEqual(published, []);
});

test("a malformed relayed message is dropped; the next good one still arrives", async () => {
  const hub = new MemoryBusHub();
  const runner = await relayedRegistry(createInProcessRegistry(), hub.node(), logger);
  const other = hub.node();
  const waiting = runner.waitFor("p1", () => {}, new AbortController().signal);
  other.publish("replicate-webhooks", new Uint8Array(Buffer.from("{not json")));
  other.publish("replicate-webhooks", new Uint8Array(Buffer.from(JSON.stringify({ id: "p1" }))));
  other.publish("replicate-webhooks", new Uint8Array(Buffer.from(JSON.stringify(prediction("succeeded")))));
  assert.equal((await waiting).status, "succeeded");
});
