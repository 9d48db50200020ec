import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { verifyWebhook } from "./signature.js";
import { signedHeaders } from "../../../tests/fakes/replicate.js";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const body = '{"id":"p1","status":"succeeded","output":["https://replicate.delivery/x/out-0.webp"]}';
const now = 1_714_000_000_000;
const ts = now / 1000;

test("a correctly signed message verifies, from Node headers or a Headers object", () => {
  const headers = signedHeaders(secret, body, { id: "msg_1", timestamp: ts });
  assert.deepEqual(verifyWebhook(headers, body, secret, now), { ok: true, id: "msg_1", timestamp: ts });
  assert.equal(verifyWebhook(new Headers(headers), Buffer.from(body), secret, new Date(now)).ok, true);
});

test("the Standard Webhooks reference vector verifies", () => {
  // From the standard-webhooks spec's test suite.
  const headers = {
    "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "webhook-timestamp": "1614265330",
    "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  };
  assert.equal(verifyWebhook(headers, '{"test": 2432232314}', "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1614265330_000).ok, true);
});

test("any one matching v1 entry among several is enough; other versions are ignored", () => {
  const good = signedHeaders(secret, body, { id: "msg_2", timestamp: ts })["webhook-signature"];
  const headers = { "webhook-id": "msg_2", "webhook-timestamp": String(ts), "webhook-signature": `v1a,xyz v1,${Buffer.alloc(32).toString("base64")} ${good}` };
  assert.equal(verifyWebhook(headers, body, secret, now).ok, true);
});

test("a secret without its whsec_ prefix works the same", () => {
  const headers = signedHeaders(secret, body, { id: "msg_3", timestamp: ts });
  assert.equal(verifyWebhook(headers, body, secret.slice("whsec_".length), now).ok, true);
});

test("a changed body, another secret, a short signature or a changed id fail", () => {
  const headers = signedHeaders(secret, body, { id: "msg_4", timestamp: ts });
  assert.deepEqual(verifyWebhook(headers, body.replace("p1", "p2"), secret, now), { ok: false, reason: "no v1 signature matches" });
  assert.equal(verifyWebhook(headers, body, "whsec_" + Buffer.from("another key").toString("base64"), now).ok, false);
  assert.equal(verifyWebhook({ ...headers, "webhook-signature": "v1,AAAA" }, body, secret, now).ok, false);
  assert.equal(verifyWebhook({ ...headers, "webhook-id": "msg_5" }, body, secret, now).ok, false);
  // The signature covers the timestamp too: moving it (within tolerance) breaks it.
  assert.equal(verifyWebhook({ ...headers, "webhook-timestamp": String(ts + 1) }, body, secret, now).ok, false);
});

test("timestamps more than 5 minutes off either way are refused, even when correctly signed", () => {
  const at = (offsetS: number) => signedHeaders(secret, body, { id: "msg_6", timestamp: ts + offsetS });
  assert.equal(verifyWebhook(at(-299), body, secret, now).ok, true);
  assert.equal(verifyWebhook(at(299), body, secret, now).ok, true);
  assert.match((verifyWebhook(at(-301), body, secret, now) as { reason: string }).reason, /5 minutes/);
  assert.match((verifyWebhook(at(301), body, secret, now) as { reason: string }).reason, /5 minutes/);
});

test("missing headers and a non-numeric timestamp are refused with a reason", () => {
  assert.deepEqual(verifyWebhook({}, body, secret, now), { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature header" });
  const headers = signedHeaders(secret, body, { id: "msg_7", timestamp: ts });
  assert.equal(verifyWebhook({ ...headers, "webhook-timestamp": "soon" }, body, secret, now).ok, false);
  const hmac = createHmac("sha256", "x").digest("base64");
  assert.equal(verifyWebhook({ ...headers, "webhook-signature": hmac }, body, secret, now).ok, false);
});
