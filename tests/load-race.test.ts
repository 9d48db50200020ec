import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as Y from "yjs";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { connect, createBoard, eventually, tokenOf, whenSynced, type Client, type CreatedBoard } from "./helpers/clients.js";

const RECORDS = 10_000;
let storage: TestStorage;
let server: ServerProcess;
let board: CreatedBoard;
const clients: Client[] = [];

before(async () => {
  storage = await freshStorage();
  server = await spawnServer(storage, { ROOM_IDLE_UNLOAD_MS: "200", LOG_LEVEL: "debug" });
  board = await createBoard(server);
  const writer = connect(server, board.id, tokenOf(board.links.edit), { reconnect: false });
  await whenSynced(writer);
  // ~2.8 MB in a few hundred updates, like a big board built over time.
  for (let batch = 0; batch < RECORDS / 50; batch++) {
    writer.doc.transact(() => {
      for (let i = batch * 50; i < (batch + 1) * 50; i++) writer.records.set(`shape:${i}`, record(i));
    });
  }
  const probe = connect(server, board.id, tokenOf(board.links.edit), { reconnect: false });
  await whenSynced(probe);
  await eventually(() => probe.records.size === RECORDS, "the server has every record", 30_000);
  writer.destroy();
  probe.destroy();
});
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
  await storage?.cleanup();
});

function record(i: number) {
  return { id: `shape:${i}`, typeName: "shape", type: "geo", x: i % 300, y: Math.floor(i / 300), rotation: 0, parentId: "page:page", index: `a${i}`, props: { w: 100, h: 80, geo: "rectangle", color: "black", text: `shape number ${i} ${"·".repeat(60)}` } };
}

const unloads = () => server.output.filter((l) => l.includes('"msg":"room unloaded"') && l.includes(board.id)).length;

test("clients connecting while the board loads get the whole board in their first sync", async () => {
  // Unloading compacts first: writing a 3 MB snapshot into PGlite takes several seconds on a busy machine.
  await eventually(() => unloads() >= 1, "the idle room is unloaded", 60_000);
  const before = unloads();
  // Several clients at once, the first of which triggers the load; every one must
  // be told "synced" only with all records present.
  const seen = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const c = connect(server, board.id, tokenOf(board.links.view), { reconnect: false });
      clients.push(c);
      await whenSynced(c, 30_000);
      return c.records.size;
    }),
  );
  assert.deepEqual(seen, Array(5).fill(RECORDS));
  assert.equal(unloads(), before, "the room was loaded once and kept while clients are on it");
  const sample = clients[0].records.get("shape:4242");
  assert.deepEqual(sample, record(4242));
  assert.equal(Y.encodeStateAsUpdate(clients[0].doc).length > 1_000_000, true);
});
