import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, createBoard, eventually, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { metricValue, parseMetrics, scrape, type Sample } from "./helpers/metrics.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { boardApi, runsSeenBy } from "./helpers/runs.js";

const TOKEN = "metrics-token-for-tests-0123456789";
let storage: TestStorage;
let server: ServerProcess;
let board: Awaited<ReturnType<typeof createBoard>>;
const clients: Client[] = [];

before(async () => {
  storage = await freshStorage();
  server = await spawnServer(storage, { METRICS_TOKEN: TOKEN, LOCAL_TOKEN_DELAY_MS: "0", PERSIST_FLUSH_MS: "20", RUNS_PER_CLIENT_PER_MINUTE: "1" });
  board = await createBoard(server);
});
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
  await storage?.cleanup();
});

const read = () => scrape(server.http, TOKEN);

test("/metrics needs the bearer token when METRICS_TOKEN is set", async () => {
  const none = await fetch(`${server.http}/metrics`);
  assert.equal(none.status, 401);
  assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
  assert.doesNotMatch(await none.text(), /genboard_|process_/);
  const wrong = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
  assert.equal(wrong.status, 401);
  const shorter = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN.slice(0, 8)}` } });
  assert.equal(shorter.status, 401);
  const right = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(right.status, 200);
  const type = right.headers.get("content-type") ?? "";
  assert.match(type, /^text\/plain;/);
  assert.match(type, /version=0\.0\.4/);
});

test("it is Prometheus text with the process defaults and our families", async () => {
  const res = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  const samples = parseMetrics(text); // throws on any malformed line
  for (const family of [
    "process_resident_memory_bytes",
    "nodejs_active_handles_total",
    "genboard_sockets_open",
    "genboard_rooms_loaded",
    "genboard_job_queue_depth",
  ]) {
    assert.ok(samples.some((s) => s.name === family), `${family} is exposed`);
  }
  for (const family of ["genboard_http_request_duration_seconds", "genboard_persist_batch_seconds", "genboard_job_duration_seconds"]) {
    assert.match(text, new RegExp(`# TYPE ${family} histogram`));
  }
  for (const family of ["genboard_ws_messages_total", "genboard_jobs_total", "genboard_rate_limit_rejections_total"]) {
    assert.match(text, new RegExp(`# TYPE ${family} counter`));
  }
});

test("HTTP latency is labelled by route pattern, never by the raw URL", async () => {
  await fetch(`${server.http}/api/boards/${board.id}`, { headers: { authorization: `Bearer ${board.ownerToken}` } });
  await fetch(`${server.http}/api/boards/nope-${Date.now()}`);
  const samples = await read();
  const routes = new Set(samples.filter((s) => s.name === "genboard_http_request_duration_seconds_count").map((s) => s.labels.route));
  assert.ok(routes.has("/api/boards/:id"), `routes: ${[...routes].join(", ")}`);
  assert.ok(![...routes].some((r) => r.includes(board.id) || r.includes("nope-")), "no board id in a label");
  assert.ok(metricValue(samples, "genboard_http_request_duration_seconds_count", { route: "/api/boards/:id", status: "2xx" }) >= 1);
  assert.ok(metricValue(samples, "genboard_http_request_duration_seconds_count", { route: "/api/boards/:id", status: "4xx" }) >= 1);
});

test("sockets, rooms, document updates and persistence move when a user edits", async () => {
  const before: Sample[] = await read();
  const edit = tokenOf(board.links.edit);
  const client = connect(server, board.id, edit);
  clients.push(client);
  await whenSynced(client);
  for (let i = 0; i < 5; i++) client.records.set(`shape:m${i}`, { id: `shape:m${i}`, typeName: "shape", x: i });

  await eventually(async () => {
    const now = await read();
    const delta = (name: string, labels = {}) => metricValue(now, name, labels) - metricValue(before, name, labels);
    return (
      metricValue(now, "genboard_sockets_open") === 1 &&
      metricValue(now, "genboard_rooms_loaded") >= 1 &&
      delta("genboard_ws_messages_total", { direction: "in", kind: "update" }) >= 5 &&
      delta("genboard_ws_bytes_total", { direction: "in", kind: "update" }) > 50 &&
      delta("genboard_ws_messages_total", { direction: "out" }) >= 1 &&
      delta("genboard_persist_rows_total") >= 1 &&
      delta("genboard_persist_batch_seconds_count") >= 1
    );
  }, "socket, update and persistence counters move");

  client.destroy();
  await eventually(async () => metricValue(await read(), "genboard_sockets_open") === 0, "the socket gauge falls back");
});

test("a job is counted by provider and status, with its duration", async () => {
  const edit = tokenOf(board.links.edit);
  const watcher = connect(server, board.id, edit);
  clients.push(watcher);
  await whenSynced(watcher);
  const { post } = boardApi(() => ({ server, board, edit }));
  const { statusOf } = runsSeenBy(() => watcher);
  const before = await read();
  const { nodeId } = await post("/nodes", { kind: "image", prompt: "stripes", params: {} }, 201);
  await post("/runs", { nodeId }, 202);
  await eventually(() => statusOf(nodeId) === "succeeded", "the run succeeds");
  const after = await read();
  const labels = { provider: "local", status: "succeeded" };
  assert.equal(metricValue(after, "genboard_jobs_total", labels) - metricValue(before, "genboard_jobs_total", labels), 1);
  assert.equal(metricValue(after, "genboard_jobs_submitted_total", { provider: "local" }) - metricValue(before, "genboard_jobs_submitted_total", { provider: "local" }), 1);
  assert.equal(metricValue(after, "genboard_job_duration_seconds_count", labels) - metricValue(before, "genboard_job_duration_seconds_count", labels), 1);
  assert.ok(metricValue(after, "genboard_provider_call_seconds_count", { provider: "local", outcome: "ok" }) >= 1);
});

test("rate-limit rejections are counted", async () => {
  // RUNS_PER_CLIENT_PER_MINUTE is 1 and the client is the credential: the owner token has not run anything yet.
  const { post, api } = boardApi(() => ({ server, board, edit: board.ownerToken }));
  const before = await read();
  const { nodeId } = await post("/nodes", { kind: "image", prompt: "dots", params: {} }, 201);
  await post("/runs", { nodeId }, 202);
  const res = await api("/runs", { method: "POST", body: JSON.stringify({ nodeId, force: true }) });
  assert.equal(res.status, 429);
  const labels = { limiter: "http /api/boards/:id/runs" };
  assert.equal(metricValue(await read(), "genboard_rate_limit_rejections_total", labels) - metricValue(before, "genboard_rate_limit_rejections_total", labels), 1);
});
