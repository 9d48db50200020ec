import assert from "node:assert/strict";
import { test } from "node:test";
import { Readiness } from "./readiness.js";

test("not ready until start-up is done, then as ready as its checks", async () => {
  const readiness = new Readiness(200).add("database", async () => {});
  assert.deepEqual((await readiness.report()).failed, ["startup"]);
  readiness.markStarted();
  const report = await readiness.report();
  assert.equal(report.ready, true);
  assert.deepEqual(Object.keys(report.checks).sort(), ["database", "startup"]);
});

test("a failing or hanging check is named, with its error", async () => {
  let signalled: AbortSignal | null = null;
  const readiness = new Readiness(100)
    .add("database", async () => {})
    .add("redis", async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
    })
    .add("slow", (signal) => {
      signalled = signal;
      return new Promise(() => {});
    });
  readiness.markStarted();
  const report = await readiness.report();
  assert.equal(report.ready, false);
  assert.deepEqual(report.failed.sort(), ["redis", "slow"]);
  assert.deepEqual(report.checks.redis, { ok: false, ms: report.checks.redis.ms, error: "connect ECONNREFUSED 127.0.0.1:6379" });
  assert.match((report.checks.slow as { error: string }).error, /no answer within 100 ms/);
  assert.equal(signalled!.aborted, true, "the hanging check is told to give up");
});

test("shutting down turns it off whatever the checks say", async () => {
  const readiness = new Readiness().add("database", async () => {});
  readiness.markStarted();
  readiness.markShuttingDown();
  const report = await readiness.report();
  assert.equal(report.ready, false);
  assert.equal(report.shuttingDown, true);
  assert.deepEqual(report.failed, []);
});

test("a check name is registered once", () => {
  const readiness = new Readiness().add("redis", async () => {});
  assert.throws(() => readiness.add("redis", async () => {}), /registered twice/);
});
