import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { boardApi, boardWithWatcher } from "./helpers/runs.js";

/** Small, so the test is quick; the limit works the same at the default 60. */
const PER_CLIENT = 16;

let ctx: Awaited<ReturnType<typeof boardWithWatcher>>;
before(async () => {
  ctx = await boardWithWatcher({ RUNS_PER_CLIENT_PER_MINUTE: String(PER_CLIENT), LOCAL_TOKEN_DELAY_MS: "0" });
});
after(() => ctx?.close());

const { api, post } = boardApi(() => ctx);

/** One edit token, eight ways to write its Authorization header; all of them are the same credential. */
const spellings = (token: string) => [
  `Bearer ${token}`,
  `bearer ${token}`,
  `BEARER ${token}`,
  `BeArEr ${token}`,
  `Bearer  ${token}`,
  `Bearer\t${token}`,
  `bearer \t ${token}`,
  `bEARER   ${token}`,
];

test("the per-client run limit counts the credential, however its Authorization header is spelled, and not requests refused with 400", async () => {
  const { nodeId } = await post("/nodes", { kind: "image", prompt: "dots", params: { width: 64, height: 64 } }, 201);
  const { nodeId: promptNode } = await post("/nodes", { kind: "prompt", prompt: "only text" }, 201);
  const headers = spellings(ctx.edit);
  const run = (authorization: string, body: unknown) => api("/runs", { method: "POST", body: JSON.stringify(body), headers: { authorization } });

  // Refused for what they ask: none of these may use up the budget.
  for (const authorization of headers) {
    assert.equal((await run(authorization, { nodeId: promptNode })).status, 400, "a prompt node cannot be run");
    assert.equal((await run(authorization, { nodeId, force: "yes" })).status, 400, "a malformed body");
  }

  for (let i = 0; i < PER_CLIENT; i++) {
    const res = await run(headers[i % headers.length], { nodeId, force: true });
    assert.equal(res.status, 202, `run ${i + 1} of ${PER_CLIENT} (${JSON.stringify(headers[i % headers.length].slice(0, 8))}): ${await res.text()}`);
  }
  for (const authorization of headers) {
    const res = await run(authorization, { nodeId, force: true });
    assert.equal(res.status, 429, `past the limit with ${JSON.stringify(authorization.slice(0, 8))}`);
    assert.ok(Number(res.headers.get("retry-after")) >= 1);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /Too many runs started by you/);
  }
});
