import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { errorFromFetchFailure } from "../http/errors.js";
import { ProviderError } from "../types.js";
import { certainlyNotCreated } from "./create-outcome.js";

const context = { provider: "Replicate" };
const fetchFailure = async (url: string) => {
  const signal = new AbortController().signal;
  return fetch(url, { method: "POST", body: "{}", signal }).then(
    () => assert.fail("expected the request to fail"),
    (err: unknown) => errorFromFetchFailure(err, signal, context),
  );
};

test("statuses: a refusal below 500 is certain, a 5xx may have created the prediction", () => {
  for (const status of [400, 401, 404, 409, 422, 429]) assert.equal(certainlyNotCreated(new ProviderError("x", false, { status })), true, String(status));
  for (const status of [500, 502, 503, 504]) assert.equal(certainlyNotCreated(new ProviderError("x", true, { status })), false, String(status));
});

test("a refused connection never sent the request; one reset after sending may have", async () => {
  // A port that was free a moment ago: nothing listens, so the connection is refused.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  assert.equal(certainlyNotCreated(await fetchFailure(`http://127.0.0.1:${port}/v1/predictions`)), true);

  // Reads the whole request, then drops the connection without answering.
  const rude = createServer((socket) => socket.once("data", () => socket.destroy()));
  await new Promise<void>((resolve) => rude.listen(0, "127.0.0.1", resolve));
  try {
    const err = await fetchFailure(`http://127.0.0.1:${(rude.address() as { port: number }).port}/v1/predictions`);
    assert.equal(err.transient, true);
    assert.equal(certainlyNotCreated(err), false);
  } finally {
    await new Promise<void>((resolve) => rude.close(() => resolve()));
  }
});

test("a timeout or cancel while the create was out is uncertain", () => {
  const controller = new AbortController();
  controller.abort(new DOMException("timed out", "TimeoutError"));
  const err = errorFromFetchFailure(new DOMException("aborted", "AbortError"), controller.signal, context);
  assert.equal(certainlyNotCreated(err), false);
});
