import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { connect, createBoard, eventually, tokenOf, whenSynced, type Client, type CreatedBoard } from "./helpers/clients.js";
import { rawRequest, rawUpgrade } from "./helpers/raw-http.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";

/** Issue 9: no single request may crash the process or get a 5xx for what is the client's mistake. */
let storage: TestStorage;
let server: ServerProcess;
let board: CreatedBoard;
let edit: string;
const clients: Client[] = [];

before(async () => {
  storage = await freshStorage();
  server = await spawnServer(storage, { LOG_LEVEL: "warn" });
  board = await createBoard(server);
  edit = tokenOf(board.links.edit);
});
after(async () => {
  for (const c of clients) c.destroy();
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

describe("text that Postgres cannot store is refused at the API edge", () => {
  const post = (path: string, body: string, headers: Record<string, string> = json()) => rawRequest(server.http, { method: "POST", path, body, headers });
  const NUL = JSON.stringify("a\u0000b");
  const LONE = '"a\\ud800b"';

  test("a NUL or a lone surrogate in a board title is a 400", async () => {
    for (const title of [NUL, LONE]) {
      const res = await post("/api/boards", `{"title":${title}}`, { "content-type": "application/json" });
      assert.equal(res.status, 400, res.text);
      assert.equal((res.json as { error: { code: string } }).error.code, "bad_request");
      assert.match((res.json as { error: { message: string } }).error.message, /^title: /);
    }
    await alive();
  });

  test("a NUL or a lone surrogate in a node's prompt, model or params is a 400 when the node is created", async () => {
    for (const bad of [NUL, LONE]) {
      for (const body of [`{"kind":"text","prompt":${bad}}`, `{"kind":"text","model":${bad}}`, `{"kind":"text","params":{"k":${bad}}}`, `{"kind":"text","params":{${bad}:1}}`]) {
        const res = await post(`/api/boards/${board.id}/nodes`, body);
        assert.equal(res.status, 400, `${body}: ${res.text}`);
        assert.equal((res.json as { error: { code: string } }).error.code, "bad_request");
      }
    }
  });

  test("a node a collaborator wrote with a NUL in its prompt cannot be run: 400, not 500", async () => {
    const created = await post(`/api/boards/${board.id}/nodes`, JSON.stringify({ kind: "text", prompt: "fine" }));
    assert.equal(created.status, 201, created.text);
    const { nodeId } = created.json as { nodeId: string };
    const writer = connect(server, board.id, edit);
    clients.push(writer);
    await whenSynced(writer);
    await eventually(() => writer.records.has(nodeId), "the node reaches the collaborator");
    const record = writer.records.get(nodeId) as { props: Record<string, unknown> };
    const changed = { ...record, props: { ...record.props, prompt: "tab\u0000nul" } };
    writer.records.set(nodeId, changed);

    await eventually(async () => {
      const res = await post(`/api/boards/${board.id}/runs`, JSON.stringify({ nodeId, force: true }));
      assert.ok(res.status < 500, `POST /runs answered ${res.status}: ${res.text}`);
      return res.status === 400 && /prompt/.test(res.text);
    }, "the run is refused with 400 once the edit has arrived");
    await alive();
  });

  test("Content-Encoding: deflate with a body that is not deflate data is a 400", async () => {
    for (const body of [Buffer.from("this is not deflate"), deflateSync(Buffer.from('{"title":')).subarray(0, 6)]) {
      const res = await rawRequest(server.http, { method: "POST", path: "/api/boards", body, headers: { "content-type": "application/json", "content-encoding": "deflate" } });
      assert.equal(res.status, 400, res.text);
      assert.match((res.json as { error: { code: string } }).error.code, /^bad_(request|json)$/);
    }
    const br = await rawRequest(server.http, { method: "POST", path: "/api/boards", body: "x", headers: { "content-type": "application/json", "content-encoding": "compress" } });
    assert.equal(br.status, 415, br.text);
    await alive();
  });
});
