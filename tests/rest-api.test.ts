import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { createBoard, type CreatedBoard } from "./helpers/clients.js";

describe("REST API", () => {
  let storage: TestStorage;
  let server: ServerProcess;
  let board: CreatedBoard;
  before(async () => {
    storage = await freshStorage();
    server = await spawnServer(storage);
    board = await createBoard(server, "  Roadmap  ");
  });
  after(async () => {
    await server?.stop();
    await storage?.cleanup();
  });

  const call = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${server.http}${path}`, { method, body: init.body, headers: init.headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };
  const json = { "content-type": "application/json" };
  const owner = () => ({ authorization: `Bearer ${board.ownerToken}` });

  test("creating a board returns three capability links and an owner cookie", async () => {
    assert.equal(board.title, "Roadmap");
    assert.match(board.id, /^[A-Za-z0-9_-]{16}$/);
    assert.match(board.links.edit, /^\/s\/[A-Za-z0-9_-]{32}$/);
    assert.match(board.links.view, /^\/s\/[A-Za-z0-9_-]{32}$/);
    assert.match(board.links.embed, /^\/embed\/[A-Za-z0-9_-]{32}$/);
    assert.equal(new Set([board.links.edit, board.links.view, board.links.embed.replace("/embed/", "/s/")]).size, 3);
    const res = await fetch(`${server.http}/api/boards`, { method: "POST" });
    assert.equal(res.status, 201);
    const body = (await res.json()) as CreatedBoard;
    assert.equal(body.title, "Untitled board");
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, new RegExp(`^gb_owner_${body.id}=${body.ownerToken};`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
  });

  test("the owner cookie works like the bearer credential", async () => {
    const res = await fetch(`${server.http}/api/boards`, { method: "POST" });
    const created = (await res.json()) as CreatedBoard;
    const cookie = res.headers.get("set-cookie")!.split(";")[0];
    const described = await call("GET", `/api/boards/${created.id}`, { headers: { cookie } });
    assert.equal(described.status, 200);
    assert.deepEqual(described.json.links.map((l: { kind: string }) => l.kind).sort(), ["edit", "embed", "view"]);
    assert.equal(JSON.stringify(described.json).includes(created.ownerToken), false, "no secret is echoed back");
  });

  test("malformed bodies get 4xx with a reason", async () => {
    const badJson = await call("POST", "/api/boards", { body: "{title:", headers: json });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.json.error.code, "bad_json");

    const wrongType = await call("POST", "/api/boards", { body: JSON.stringify({ title: 42 }), headers: json });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.json.error.message, /^title: /);

    const empty = await call("POST", "/api/boards", { body: JSON.stringify({ title: "   " }), headers: json });
    assert.equal(empty.status, 400);
    assert.match(empty.json.error.message, /title must not be empty/);

    const extra = await call("POST", "/api/boards", { body: JSON.stringify({ title: "a", owner: "me" }), headers: json });
    assert.equal(extra.status, 400);
    assert.match(extra.json.error.message, /owner/);

    const notObject = await call("POST", "/api/boards", { body: "[1,2]", headers: json });
    assert.equal(notObject.status, 400);

    const tooLong = await call("POST", "/api/boards", { body: JSON.stringify({ title: "x".repeat(201) }), headers: json });
    assert.equal(tooLong.status, 400);

    const huge = await call("POST", "/api/boards", { body: JSON.stringify({ title: "x".repeat(100_000) }), headers: json });
    assert.equal(huge.status, 413);
    assert.equal(huge.json.error.code, "payload_too_large");

    const text = await call("POST", "/api/boards", { body: "title=x", headers: { "content-type": "text/plain" } });
    assert.equal(text.status, 415);
  });

  test("owner-only routes refuse others and unknown boards", async () => {
    assert.equal((await call("GET", `/api/boards/${board.id}`)).status, 401);
    const wrong = await call("GET", `/api/boards/${board.id}`, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.code, "forbidden");
    const shareTokenIsNotOwner = await call("DELETE", `/api/boards/${board.id}/links/view`, { headers: { authorization: `Bearer ${board.links.edit.slice(3)}` } });
    assert.equal(shareTokenIsNotOwner.status, 403);
    const unknown = await call("GET", "/api/boards/AAAAAAAAAAAAAAAA", { headers: owner() });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error.message, /No board/);
    const badKind = await call("POST", `/api/boards/${board.id}/links/admin/rotate`, { headers: owner() });
    assert.equal(badKind.status, 400);
    assert.match(badKind.json.error.message, /edit, view, embed/);
    const noRoute = await call("GET", "/api/nothing-here");
    assert.equal(noRoute.status, 404);
    assert.equal(noRoute.json.error.code, "not_found");
  });

  test("revoking twice: the second time there is nothing live to revoke", async () => {
    const b = await createBoard(server);
    const headers = { authorization: `Bearer ${b.ownerToken}` };
    assert.equal((await call("DELETE", `/api/boards/${b.id}/links/embed`, { headers })).status, 200);
    const again = await call("DELETE", `/api/boards/${b.id}/links/embed`, { headers });
    assert.equal(again.status, 404);
    const rotated = await call("POST", `/api/boards/${b.id}/links/embed/rotate`, { headers });
    assert.equal(rotated.status, 200);
    assert.match(rotated.json.link, /^\/embed\//);
  });

  test("every response carries a request id; an incoming one is honoured", async () => {
    const res = await fetch(`${server.http}/healthz`, { headers: { "x-request-id": "trace-123" } });
    assert.equal(res.headers.get("x-request-id"), "trace-123");
    const generated = await fetch(`${server.http}/healthz`);
    assert.match(generated.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  test("the landing page is served by Remix", async () => {
    const res = await fetch(`${server.http}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>Genboard[^<]*<\/title>/);
  });
});
