import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createBoard, tokenOf, type CreatedBoard } from "./helpers/clients.js";
import { rawRequest, rawUpgrade } from "./helpers/raw-http.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";

/** Issue 9: no single request may crash the process or get a 5xx for what is the client's mistake. */
let storage: TestStorage;
let server: ServerProcess;
let board: CreatedBoard;
let edit: string;

before(async () => {
  storage = await freshStorage();
  server = await spawnServer(storage, { LOG_LEVEL: "warn" });
  board = await createBoard(server);
  edit = tokenOf(board.links.edit);
});
after(async () => {
  await server?.stop();
  await storage?.cleanup();
});

const alive = async () => {
  const res = await fetch(`${server.http}/healthz`);
  assert.equal(res.status, 200, "the process still answers /healthz");
};
const json = (token = edit) => ({ "content-type": "application/json", authorization: `Bearer ${token}` });

describe("malformed percent-encodings and control characters in URLs", () => {
  test("a WebSocket upgrade to a malformed path closes that socket (44xx) and the process lives on", async () => {
    const malformed = { closed: 4400, reason: "malformed URL" };
    for (const path of ["/ws/%", "/ws/%E0%A4%A", "/ws/%ff", "/ws/%C0%AF", "/ws/%ED%A0%80", "/ws/%00"]) {
      assert.deepEqual(await rawUpgrade(server.http, `${path}?token=${edit}`), malformed, path);
    }
    for (const query of ["token=%E0%A4%A", "token=a%00b", "token=%", `token=${edit}&x=%`]) {
      assert.deepEqual(await rawUpgrade(server.http, `/ws/${board.id}?${query}`), malformed, query);
    }
    // well-formed, but no board id can look like this
    assert.deepEqual(await rawUpgrade(server.http, `/ws/%2e%2e?token=${edit}`), { closed: 4404, reason: "no such board" });
    assert.deepEqual(await rawUpgrade(server.http, `/ws/${board.id}?token=${edit}`), { accepted: true });
    await alive();
  });

  test("an upgrade whose request target is no URL at all is refused without taking the process down", async () => {
    for (const target of ["//", "//[", "http://[::1", "*", `http://127.0.0.1/ws/${board.id}?token=${edit}`]) {
      const outcome = await rawUpgrade(server.http, target);
      assert.ok("refused" in outcome || "accepted" in outcome, `${target}: ${JSON.stringify(outcome)}`);
      if ("refused" in outcome) assert.ok(outcome.refused >= 400 && outcome.refused < 500, `${target}: ${outcome.refused}`);
      await alive();
    }
  });

  test("API, asset and page routes answer 400 for a malformed path, never 5xx", async () => {
    const id = board.id;
    const cases: [string, string, Record<string, string>?][] = [
      ["GET", "/api/boards/%", json(board.ownerToken)],
      ["GET", "/api/boards/%E0%A4%A", json(board.ownerToken)],
      ["GET", `/api/boards/${id}/runs/%`, json()],
      ["PUT", `/api/boards/${id}/nodes/%/current`, json()],
      ["POST", `/api/boards/${id}/links/%/rotate`, json(board.ownerToken)],
      ["DELETE", `/api/boards/${id}/runs/%00`, json()],
      ["GET", `/api/boards/${id}/runs/job_a%00b`, json()],
      ["GET", "/api/boards/%00", json(board.ownerToken)],
      ["GET", `/api/boards/${id}?x=%`, json(board.ownerToken)],
      ["GET", "/assets/%"],
      ["GET", "/assets/%E0%A4%A"],
      ["GET", `/assets/${"a".repeat(64)}?w=%`],
    ];
    for (const [method, path, headers] of cases) {
      const res = await rawRequest(server.http, { method, path, headers });
      assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
      assert.equal((res.json as { error: { code: string } }).error.code, "bad_request", `${method} ${path}`);
      assert.match(String(res.headers["content-type"]), /^application\/json/);
    }
    for (const path of ["/b/%", "/s/%", "/embed/%", "/b/%E0%A4%A", "/s/%00", "/embed/a%1fb", "/?q=%"]) {
      const res = await rawRequest(server.http, { path });
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.match(res.text, /malformed/i);
    }
    await alive();
  });
});
