import assert from "node:assert/strict";
import { test } from "node:test";
import { CallLanes, laneOf } from "./call-lanes.js";

const tick = () => new Promise((r) => setImmediate(r));

test("one call at a time; waiting interactive calls go before waiting background ones", async () => {
  const lanes = new CallLanes(4);
  const order: string[] = [];
  let running = 0;
  const call = (name: string) => async () => {
    running += 1;
    assert.equal(running, 1, "never two at once");
    order.push(name);
    await tick();
    running -= 1;
    return name;
  };
  const done = [
    lanes.run("background", call("b1")), // starts at once: nothing else waits
    lanes.run("background", call("b2")),
    lanes.run("background", call("b3")),
    lanes.run("interactive", call("i1")),
    lanes.run("interactive", call("i2")),
  ];
  assert.deepEqual(await Promise.all(done), ["b1", "b2", "b3", "i1", "i2"], "each caller gets its own result");
  assert.deepEqual(order, ["b1", "i1", "i2", "b2", "b3"]);
});

test("background calls are delayed, never starved: one goes after every `fairness` interactive calls", async () => {
  const lanes = new CallLanes(2);
  const order: string[] = [];
  const call = (name: string) => async () => void order.push(name);
  const done = [lanes.run("interactive", call("first"))];
  done.push(lanes.run("background", call("b1")), lanes.run("background", call("b2")));
  for (let i = 1; i <= 5; i++) done.push(lanes.run("interactive", call(`i${i}`)));
  await Promise.all(done);
  assert.deepEqual(order, ["first", "i1", "b1", "i2", "i3", "b2", "i4", "i5"]);
});

test("a failing call rejects its caller only; the next one runs", async () => {
  const lanes = new CallLanes();
  const failing = lanes.run("interactive", async () => {
    throw new Error("boom");
  });
  const next = lanes.run("background", async () => "ok");
  await assert.rejects(failing, /boom/);
  assert.equal(await next, "ok");
});

test("request-path calls are interactive; persistence and job bookkeeping are background", () => {
  assert.equal(laneOf("jobs", "insert"), "interactive");
  assert.equal(laneOf("boards", "findLinkByHash"), "interactive");
  assert.equal(laneOf("docStore", "load"), "interactive");
  assert.equal(laneOf("docStore", "append"), "background");
  assert.equal(laneOf("jobs", "finish"), "background");
});
