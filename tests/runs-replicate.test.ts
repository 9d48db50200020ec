import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { eventually } from "./helpers/clients.js";
import { makePng } from "./helpers/media.js";
import { boardApi, boardWithWatcher, runsSeenBy } from "./helpers/runs.js";
import { startFakeReplicate, type FakeReplicate } from "./fakes/replicate.js";

/** A port free a moment ago: PUBLIC_URL (where Replicate sends webhooks) must name the server's port before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * The Replicate provider inside the server, against the fake Replicate: a job
 * whose create answer is lost is retried by the runner, and the retry finds
 * the prediction through what the first attempt saved in the job's row.
 */
describe("Replicate runs through the scripting API", () => {
  let fake: FakeReplicate;
  let setup: Awaited<ReturnType<typeof boardWithWatcher>>;
  const { runOf } = runsSeenBy(() => setup.watcher);
  const { api, post } = boardApi(() => setup);

  before(async () => {
    fake = await startFakeReplicate();
    // Another process may take the port between the probe and the server's listen: try another.
    for (let tries = 1; !setup; tries++) {
      const port = await freePort();
      try {
        setup = await boardWithWatcher({
          PORT: String(port),
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          REPLICATE_API_TOKEN: fake.token,
          REPLICATE_BASE_URL: fake.baseUrl,
          REPLICATE_WEBHOOK_SECRET: fake.secret,
          JOB_RETRY_BASE_MS: "50",
        });
      } catch (err) {
        if (tries >= 3) throw err;
      }
    }
  });
  after(async () => {
    await setup?.close();
    await fake?.close();
  });

  test("a create whose answer is lost, and whose lookup fails too, still makes exactly one prediction", async () => {
    fake.loseNextCreateAnswer("drop");
    fake.failNextList(500);
    const created = fake.nextPrediction();
    const { nodeId } = await post("/nodes", { kind: "image", prompt: "a lighthouse", model: "replicate:black-forest-labs/flux-schnell" }, 201);
    const { jobId } = await post("/runs", { nodeId }, 202);
    const prediction = await created;

    // The second attempt looks the prediction up (the list, then the prediction itself) instead of creating.
    await fake.waitForRequest((r) => r.method === "GET" && r.path === `/v1/predictions/${prediction.id}`, 20_000);
    const png = makePng(4, 4, 9);
    await fake.update(prediction.id, { status: "succeeded", output: [`data:image/png;base64,${png.toString("base64")}`] }, "completed");

    const job = async () => (await (await api(`/runs/${jobId}`)).json()) as { status: string; attempts: number; outputs: unknown[] };
    await eventually(async () => (await job()).status === "succeeded", "the job succeeds", 20_000);
    const row = await job();
    assert.equal(row.attempts, 2, "the lost answer cost one attempt");
    assert.equal(row.outputs.length, 1);
    assert.equal(fake.predictions.size, 1, "exactly one prediction");
    assert.equal(fake.createRequests(), 1, "one create request");
    await eventually(() => runOf(nodeId)?.get("status") === "succeeded", "the watcher sees the result");
  });
});
