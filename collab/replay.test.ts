import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import * as Y from "yjs";
import { encodeAwareness, encodeSyncUpdate } from "./protocol/messages.js";
import { encodeAwarenessEntries } from "./protocol/awareness-entries.js";
import { RoomManager, type RoomManagerOptions } from "./room-manager.js";
import { MemoryDocStore } from "./testing/memory-doc-store.js";
import { MemoryTransport } from "./testing/memory-transport.js";
import { CloseCode } from "./close-codes.js";

/**
 * A server killed inside its batching window loses its last writes to `runs`
 * while the browsers that saw them keep them (in memory, in their offline
 * copy) and send them back on every reconnect. They are neither refused (the
 * browser would be locked out for good) nor kept: the entries go back to what
 * the restarted server holds, on every replica.
 */
const options: RoomManagerOptions = {
  connection: { messagesPerSecond: 1000, messageBurst: 1000, maxQueuedBytes: 1 << 20, maxAwarenessStateBytes: 4096, maxPresenceClients: 4, maxBufferedBytes: 1 << 24 },
  room: { maxSocketsPerRoom: 100, idleUnloadMs: 60_000, serverOwnedRoots: ["runs"] },
  persistence: { flushMs: 10, compactAfterRows: 1000, compactAfterBytes: 1 << 30 },
};
const silent = { error: () => {}, debug: () => {} };
const managers: RoomManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.shutdown();
});

/** The old server's writes: a run queued (stored before the kill), then running with text (lost), and the browser that saw both. */
function crashedServer() {
  const old = new Y.Doc();
  const run = new Y.Map<unknown>();
  old.getMap("runs").set("shape:n", run);
  run.set("status", "queued");
  run.set("history", new Y.Array());
  const stored = Y.encodeStateAsUpdate(old);
  const storedState = Y.encodeStateVector(old);
  run.set("status", "running");
  run.set("text", new Y.Text("once upon"));
  const browser = new Y.Doc();
  Y.applyUpdate(browser, Y.encodeStateAsUpdate(old));
  return { stored, lost: Y.encodeStateAsUpdate(old, storedState), browser };
}

async function restarted(stored: Uint8Array) {
  const store = new MemoryDocStore();
  await store.append([{ boardId: "b", data: stored }]);
  const rooms = new RoomManager(store, options, silent);
  managers.push(rooms);
  return rooms;
}

async function connect(rooms: RoomManager, browser: Y.Doc) {
  const transport = new MemoryTransport();
  const conn = rooms.accept(transport);
  // y-websocket announces its presence first: its own writes are its own
  conn.receive(encodeAwareness(encodeAwarenessEntries([{ clientId: browser.clientID, clock: 1, state: "{}" }])));
  await rooms.admit(conn, { boardId: "b", role: "edit", linkId: "link-edit" });
  return { transport, conn };
}

test("a browser sending back the server's lost writes stays connected, and every replica ends with the server's runs", async () => {
  const { stored, browser } = crashedServer();
  const rooms = await restarted(stored);
  browser.getMap("records").set("shape:offline", { id: "shape:offline" }); // an edit made while the server was down
  const { transport, conn } = await connect(rooms, browser);
  const { room, release } = await rooms.pin("b");
  conn.receive(encodeSyncUpdate(Y.encodeStateAsUpdate(browser, Y.encodeStateVector(room.doc))));

  assert.equal(transport.closedWith, null, "not refused");
  assert.deepEqual(room.doc.getMap("runs").toJSON(), { "shape:n": { status: "queued", history: [] } }, "the server still holds what it stored");
  assert.deepEqual(room.doc.getMap("records").toJSON(), { "shape:offline": { id: "shape:offline" } }, "the browser's own edit landed");
  transport.replayInto(browser);
  assert.deepEqual(browser.getMap("runs").toJSON(), room.doc.getMap("runs").toJSON(), "the browser converged on the server's runs");

  // The server writes on, and the browser follows it.
  const runs = room.doc.getMap<Y.Map<unknown>>("runs");
  room.doc.transact(() => runs.get("shape:n")!.set("status", "succeeded"));
  transport.replayInto(browser);
  assert.equal((browser.getMap("runs").toJSON() as Record<string, { status: string }>)["shape:n"].status, "succeeded");
  release();
});

test("a socket's own writes into runs are refused at once, and replays are allowed only a few times", async () => {
  const { stored, browser } = crashedServer();
  const rooms = await restarted(stored);
  const own = await connect(rooms, browser);
  const forged = new Y.Doc();
  Y.applyUpdate(forged, Y.encodeStateAsUpdate(browser));
  const before = Y.encodeStateVector(forged);
  forged.getMap("runs").set("shape:fake", "forged");
  const forgery = Y.encodeStateAsUpdate(forged, before);
  own.conn.receive(encodeSyncUpdate(forgery));
  assert.equal(own.conn.state, "open", "another author's write is a replay, not the sender's own");

  const sender = new Y.Doc();
  sender.clientID = forged.clientID;
  const { transport, conn } = await connect(rooms, sender);
  conn.receive(encodeSyncUpdate(forgery));
  assert.equal(transport.closedWith?.code, CloseCode.MalformedFrame, "its own write into runs");

  const { room, release } = await rooms.pin("b");
  assert.equal(room.doc.getMap("runs").get("shape:fake"), undefined, "the forged entry was removed again");
  for (let i = 0; i < 4; i++) {
    const again = new Y.Doc();
    Y.applyUpdate(again, Y.encodeStateAsUpdate(room.doc));
    const sv = Y.encodeStateVector(again);
    again.getMap("runs").set(`shape:fake-${i}`, "forged");
    own.conn.receive(encodeSyncUpdate(Y.encodeStateAsUpdate(again, sv)));
  }
  assert.equal(own.transport.closedWith?.code, CloseCode.MalformedFrame, "the fifth replay closes the socket");
  assert.deepEqual(Object.keys(room.doc.getMap("runs").toJSON()), ["shape:n"]);
  release();
});
