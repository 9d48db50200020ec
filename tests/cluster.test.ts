/**
 * Distributed mode, as users see it: three server processes on one Postgres
 * and one Redis, official y-websocket clients spread over them. Runs in both
 * CI legs (Postgres and Redis from TEST_DATABASE_URL / REDIS_URL).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startCollabCluster as startCluster, type CollabCluster as Cluster } from "./helpers/collab-cluster.js";
import { closeOf, connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import type { ServerProcess } from "./helpers/server-process.js";

// Flushing only once a second widens the window in which the stream is ahead
// of the store, which is what a late joiner must bridge.
const FLUSH_MS = 1000;
let cluster: Cluster;
let p: ServerProcess[];
const clients: Client[] = [];
const open = (server: ServerProcess, boardId: string, token: string, opts?: { reconnect?: boolean }) => {
  const client = connect(server, boardId, token, opts);
  clients.push(client);
  return client;
};
const names = (c: Client) => [...c.provider.awareness.getStates().values()].map((s) => (s as { user?: { name: string } }).user?.name).filter(Boolean).sort();

before(async () => {
  cluster = await startCluster(3, { PERSIST_FLUSH_MS: String(FLUSH_MS), ROOM_IDLE_UNLOAD_MS: "200" });
  p = cluster.servers;
});
after(async () => {
  for (const c of clients) c.destroy();
  await cluster?.stop();
});

test("clients on three processes edit one board at once and converge", async () => {
  const board = await createBoard(p[0]);
  const token = tokenOf(board.links.edit);
  const cs = p.map((server) => open(server, board.id, token));
  await Promise.all(cs.map((c) => whenSynced(c)));
  await Promise.all(
    cs.map(async (c, i) => {
      for (let n = 0; n < 40; n++) {
        c.records.set(`shape:${i}-${n}`, { id: `shape:${i}-${n}`, x: n });
        c.doc.getText("notes").insert(0, `${i}`);
        if (n % 10 === 0) await sleep(10);
      }
    }),
  );
  await eventually(() => cs.every((c) => c.records.size === 120 && c.doc.getText("notes").length === 120), "every client has all 120 shapes and notes");
  const [a, b, c] = cs.map((client) => ({ records: client.records.toJSON(), notes: client.doc.getText("notes").toString() }));
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
});

test("presence crosses processes, and leaves with its client", async () => {
  const board = await createBoard(p[0]);
  const token = tokenOf(board.links.edit);
  const [ann, bob, cat] = p.map((server) => open(server, board.id, token));
  await Promise.all([ann, bob, cat].map((c) => whenSynced(c)));
  ann.provider.awareness.setLocalStateField("user", { name: "ann" });
  bob.provider.awareness.setLocalStateField("user", { name: "bob" });
  cat.provider.awareness.setLocalStateField("user", { name: "cat" });
  for (const c of [ann, bob, cat]) await eventually(() => names(c).join() === "ann,bob,cat", "everyone sees all three people");
  ann.destroy();
  await eventually(() => names(bob).join() === "bob,cat" && names(cat).join() === "bob,cat", "ann's presence is gone on the other processes");
});

test("a process that opens a busy board late misses nothing that was published but not yet stored", async () => {
  const board = await createBoard(p[0]);
  const token = tokenOf(board.links.edit);
  const writer = open(p[0], board.id, token);
  await whenSynced(writer);
  let n = 0;
  let writing = true;
  const pump = (async () => {
    while (writing) {
      writer.records.set(`shape:${n}`, { id: `shape:${n}`, n });
      n += 1;
      await sleep(6); // ~150 updates/s: busy, and under the per-socket message limit (WS_MESSAGES_PER_SECOND, 200)
    }
  })();
  try {
    for (let round = 0; round < 4; round++) {
      // p[1] and p[2] have unloaded the board (ROOM_IDLE_UNLOAD_MS=200), so this load races the writer.
      const joiner = open(p[1 + (round % 2)], board.id, token, { reconnect: false });
      await whenSynced(joiner);
      await sleep(150);
      const target = n;
      await eventually(() => joiner.records.size >= target, `the late joiner has all ${target} shapes (round ${round + 1})`, 5000);
      joiner.destroy();
      await sleep(400);
    }
  } finally {
    writing = false;
    await pump;
  }
  const late = open(p[2], board.id, token);
  await whenSynced(late);
  await eventually(() => late.records.size === n, "a last joiner has every shape");
  assert.deepEqual(late.records.toJSON(), writer.records.toJSON());
});

test("revoking a link disconnects its sockets on every process, and no process lets it back in", async () => {
  const board = await createBoard(p[0]);
  const viewToken = tokenOf(board.links.view);
  const viewers = p.map((server) => open(server, board.id, viewToken, { reconnect: false }));
  const editor = open(p[1], board.id, tokenOf(board.links.edit));
  await Promise.all([...viewers, editor].map((c) => whenSynced(c)));

  const res = await fetch(`${p[0].http}/api/boards/${board.id}/links/view`, { method: "DELETE", headers: { authorization: `Bearer ${board.ownerToken}` } });
  assert.equal(res.status, 200);
  for (const [i, v] of viewers.entries()) {
    await eventually(() => v.closes.some((c) => c.code === 4410), `the viewer on process ${i + 1} is disconnected with 4410`, 5000);
  }
  // Each process had the link in its 60 s cache when the viewers connected.
  for (const server of p) {
    assert.equal((await closeOf(`${server.ws}/${board.id}?token=${viewToken}`)).code, 4410, `process on ${server.port} refuses the revoked link`);
  }
  assert.equal(editor.closes.length, 0, "other links' sockets stay");
  assert.equal(editor.provider.wsconnected, true);
});

test("kill -9 of one process: its clients reconnect to another and nothing is lost", async () => {
  const board = await createBoard(p[1]);
  const token = tokenOf(board.links.edit);
  const doomed = open(p[0], board.id, token);
  const other = open(p[1], board.id, token);
  await Promise.all([whenSynced(doomed), whenSynced(other)]);
  for (let n = 0; n < 100; n++) {
    doomed.records.set(`shape:a${n}`, { n });
    other.records.set(`shape:b${n}`, { n });
    if (n % 25 === 0) await sleep(10);
  }
  await eventually(() => doomed.records.size === 200 && other.records.size === 200, "both clients have all 200 shapes");
  await sleep(FLUSH_MS + 1500); // durable one flush interval after the write, with room to spare

  // A load balancer would send the reconnect elsewhere; y-websocket reconnects to its serverUrl.
  doomed.provider.serverUrl = p[2].ws;
  await p[0].kill9();
  await eventually(() => doomed.provider.wsconnected && doomed.provider.synced, "the client is back, on another process", 15_000);
  doomed.records.set("shape:after", { n: -1 });
  other.records.set("shape:after-other", { n: -2 });
  await eventually(() => doomed.records.size === 202 && other.records.size === 202, "edits after the reconnect reach both");
  assert.deepEqual(doomed.records.toJSON(), other.records.toJSON());
  await eventually(async () => Object.keys(await cluster.storedRecords(board.id)).length === 202, "all 202 shapes are stored", 10_000);
  assert.deepEqual(await cluster.storedRecords(board.id), other.records.toJSON());
});
