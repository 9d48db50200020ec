import { after, test } from "node:test";
import assert from "node:assert/strict";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";

let storage: TestStorage;
let server: ServerProcess | undefined;
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
  await storage?.cleanup();
});

test("kill -9 one second after the last write loses nothing", async () => {
  storage = await freshStorage();
  // Default flush interval: the promise is "durable within 1 s" with the shipped settings.
  server = await spawnServer(storage);
  const board = await createBoard(server);
  const token = tokenOf(board.links.edit);
  const writer = connect(server, board.id, token, { reconnect: false });
  clients.push(writer);
  await whenSynced(writer);

  const expected: Record<string, unknown> = {};
  for (let i = 0; i < 300; i++) {
    const record = { id: `shape:${i}`, x: i, y: i * 2, props: { text: `note ${i}` } };
    expected[record.id] = record;
    writer.records.set(record.id, record);
    if (i % 50 === 0) await sleep(20); // many small transactions, as a person editing would send
  }
  writer.doc.transact(() => writer.records.delete("shape:0"));
  delete expected["shape:0"];
  writer.doc.getText("notes").insert(0, "last words");

  // The server must have received everything before the clock starts.
  const probe = connect(server, board.id, token, { reconnect: false });
  clients.push(probe);
  await whenSynced(probe);
  await eventually(() => probe.records.size === 299 && probe.doc.getText("notes").toString() === "last words", "the server relays every write");

  await sleep(1000);
  await server.kill9();
  for (const c of clients) c.destroy();

  server = await spawnServer(storage);
  const reader = connect(server, board.id, token);
  clients.push(reader);
  await whenSynced(reader);
  assert.deepEqual(reader.records.toJSON(), expected);
  assert.equal(reader.doc.getText("notes").toString(), "last words");
});
