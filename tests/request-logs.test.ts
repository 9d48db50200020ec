import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeOf, connect, createBoard, eventually, tokenOf, whenSynced, type CreatedBoard } from "./helpers/clients.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";

/** What the server logs about requests at LOG_LEVEL=debug, and the headers every answer carries. */
let storage: TestStorage;
let server: ServerProcess;
let board: CreatedBoard;

before(async () => {
  storage = await freshStorage();
  // As `npm start` runs it: under any other NODE_ENV, react-router prints development warnings to the console, URL and all.
  server = await spawnServer(storage, { LOG_LEVEL: "debug", NODE_ENV: "production" });
  board = await createBoard(server);
});
after(async () => {
  await server?.stop();
  await storage?.cleanup();
});

const get = (path: string, init: RequestInit = {}) => fetch(`${server.http}${path}`, { redirect: "manual", ...init });
const linesSince = (from: number) => server.output.slice(from).map((line) => JSON.parse(line) as Record<string, unknown> & { level: number; msg: string });
const accessLines = (from: number, fragment: string) => linesSince(from).filter((l) => l.msg === "request" && String(l.url).includes(fragment));

test("no share-link or owner token reaches the log, in page paths, query strings or socket URLs", async () => {
  const from = server.output.length;
  const [edit, view, embed] = [tokenOf(board.links.edit), tokenOf(board.links.view), tokenOf(board.links.embed)];
  const secrets = [edit, view, embed, board.ownerToken];

  assert.equal((await get(board.links.edit)).status, 302);
  assert.equal((await get(board.links.view)).status, 302);
  assert.equal((await get(board.links.embed)).status, 200);
  assert.equal((await get(`/s/${"x".repeat(32)}`)).status, 404);
  // Routes match in any case and decoded, so the log must recognise these too.
  assert.equal((await get(`/EMBED/${embed}`)).status, 200);
  assert.equal((await get(`/%73/${view}`)).status, 302);
  // A socket URL asked for without an upgrade is an ordinary request to a page that does not exist.
  assert.equal((await get(`/ws/${board.id}?token=${edit}`)).status, 404);
  assert.equal((await get(`/ws/${board.id}?%74oken=${edit}`)).status, 404);
  assert.equal((await get(`/b/${board.id}?token=${board.ownerToken}&x=1`)).status, 403);
  assert.equal((await get(`/api/boards/${board.id}?token=${board.ownerToken}`)).status, 401);
  assert.equal((await get(`/assets/${"a".repeat(64)}?token=${view}`)).status, 404);
  const client = connect(server, board.id, edit);
  await whenSynced(client);
  client.destroy();
  assert.equal((await closeOf(`${server.ws}/${board.id}?token=${"y".repeat(32)}`)).code, 4401);

  await eventually(() => accessLines(from, "/assets/").length === 1, "the last access log line");
  const leaked = server.output.slice(from).filter((line) => secrets.some((s) => line.includes(s)));
  assert.deepEqual(leaked, [], "log lines holding a token");
  // Still one line per request, with the rest of the URL intact.
  const [share] = accessLines(from, "/s/");
  assert.match(String(share.url), /^\/s\/[^/]+$/);
  const [page] = accessLines(from, "/b/");
  assert.match(String(page.url), new RegExp(`^/b/${board.id}\\?token=[^&]+&x=1$`));
});

test("a request for an unknown URL is logged like any other request: one debug line, no error, no stack", async () => {
  const from = server.output.length;
  for (const path of ["/no-such-page", "/deeply/nested/nothing", "/api/nothing-here", `/assets/${"b".repeat(64)}`, "/b/AAAAAAAAAAAAAAAA", "/favicon-nope.ico"]) {
    const res = await get(path);
    assert.ok([403, 404].includes(res.status), `${path}: ${res.status}`);
    await res.arrayBuffer();
  }
  await eventually(() => accessLines(from, "/favicon-nope.ico").length === 1, "the last access log line");
  const lines = linesSince(from);
  const loud = lines.filter((l) => l.level >= 40 || "err" in l || "stack" in l || JSON.stringify(l).includes("    at "));
  assert.deepEqual(loud, [], "warnings, errors or stacks logged for a 404");
  for (const l of lines.filter((l) => l.msg === "request")) assert.equal(l.level, 20, `${l.url} logged at debug`);
});

test("every response says X-Content-Type-Options: nosniff, API and asset errors included; pages keep their headers", async () => {
  for (const path of ["/api/nothing-here", `/api/boards/${board.id}`, `/assets/${"c".repeat(64)}`, "/assets/not-an-id", "/assets/%", "/b/%", "/healthz", "/readyz", "/no-such-page", "/"]) {
    const res = await get(path);
    await res.arrayBuffer();
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", `${path} (${res.status})`);
  }
  const page = await get("/");
  assert.equal(page.headers.get("content-security-policy"), "frame-ancestors 'self'");
  assert.equal(page.headers.get("referrer-policy"), "same-origin");
  const embed = await get(board.links.embed);
  assert.match(embed.headers.get("content-security-policy") ?? "", /^frame-ancestors \*/);
});
