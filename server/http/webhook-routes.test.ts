import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Prediction } from "../providers/replicate/prediction.js";
import type { PredictionRegistry } from "../providers/replicate/registry.js";
import { signedHeaders } from "../../tests/fakes/replicate.js";
import { startWebhookApp } from "../../tests/helpers/webhook-app.js";

const secret = `whsec_${randomBytes(24).toString("base64")}`;
const succeeded = JSON.stringify({ id: "p1", status: "succeeded", output: ["https://replicate.delivery/a/out-0.webp"] });

describe("POST /api/webhooks/replicate", () => {
  const delivered: Prediction[] = [];
  let failDelivery = false;
  const registry: PredictionRegistry = {
    waitFor: () => Promise.reject(new Error("not used")),
    async deliver(prediction) {
      if (failDelivery) throw new Error("registry down");
      delivered.push(prediction);
      return true;
    },
  };
  let app: Awaited<ReturnType<typeof startWebhookApp>>;
  let unconfigured: Awaited<ReturnType<typeof startWebhookApp>>;

  before(async () => {
    app = await startWebhookApp({ webhookSecret: secret, registry }, { maxBodyBytes: 4096 });
    unconfigured = await startWebhookApp({ webhookSecret: undefined, registry });
  });
  after(async () => {
    await app.close();
    await unconfigured.close();
  });
  beforeEach(() => {
    delivered.length = 0;
    failDelivery = false;
  });

  const post = async (body: string, headers: Record<string, string>, url = app.url) => {
    const res = await fetch(url, { method: "POST", headers, body });
    return { status: res.status, json: await res.json() };
  };

  test("a correctly signed webhook is delivered and answered 200", async () => {
    const res = await post(succeeded, signedHeaders(secret, succeeded));
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ok: true });
    assert.deepEqual(delivered, [JSON.parse(succeeded)]);
  });

  test("a bad signature is 401 and delivers nothing", async () => {
    const headers = signedHeaders(`whsec_${randomBytes(24).toString("base64")}`, succeeded);
    const res = await post(succeeded, headers);
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, "unauthorized");
    assert.match(res.json.error.message, /no v1 signature matches/);
    assert.deepEqual(delivered, []);
  });

  test("a body changed after signing is 401", async () => {
    const headers = signedHeaders(secret, succeeded);
    const res = await post(succeeded.replace("succeeded", "failed"), headers);
    assert.equal(res.status, 401);
    assert.deepEqual(delivered, []);
  });

  test("missing signature headers are 401", async () => {
    const res = await post(succeeded, { "content-type": "application/json" });
    assert.equal(res.status, 401);
    assert.match(res.json.error.message, /missing webhook-id/);
  });

  test("a stale timestamp is 401 even with a valid signature", async () => {
    const res = await post(succeeded, signedHeaders(secret, succeeded, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }));
    assert.equal(res.status, 401);
    assert.match(res.json.error.message, /5 minutes/);
    assert.deepEqual(delivered, []);
  });

  test("a replayed webhook-id is answered 200 and not delivered again", async () => {
    const headers = signedHeaders(secret, succeeded, { id: "msg_replayed" });
    assert.equal((await post(succeeded, headers)).status, 200);
    const again = await post(succeeded, headers);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, { ok: true, duplicate: true });
    assert.equal(delivered.length, 1);
  });

  test("a delivery that fails is 500 and may be retried with the same id", async () => {
    const headers = signedHeaders(secret, succeeded, { id: "msg_retry" });
    failDelivery = true;
    assert.equal((await post(succeeded, headers)).status, 500);
    failDelivery = false;
    assert.equal((await post(succeeded, headers)).status, 200);
    assert.equal(delivered.length, 1);
  });

  test("a signed body that is not JSON, or not a prediction, is 400", async () => {
    const garbled = "{not json";
    const bad = await post(garbled, signedHeaders(secret, garbled));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "bad_json");
    const other = JSON.stringify({ hello: "world" });
    const notPrediction = await post(other, signedHeaders(secret, other));
    assert.equal(notPrediction.status, 400);
    assert.deepEqual(delivered, []);
  });

  test("a body over the limit is 413", async () => {
    const big = JSON.stringify({ id: "p1", status: "processing", logs: "x".repeat(8192) });
    const res = await post(big, signedHeaders(secret, big));
    assert.equal(res.status, 413);
    assert.deepEqual(delivered, []);
  });

  test("without a signing secret the route refuses every webhook", async () => {
    const res = await post(succeeded, signedHeaders(secret, succeeded), unconfigured.url);
    assert.equal(res.status, 404);
    assert.deepEqual(delivered, []);
  });
});
