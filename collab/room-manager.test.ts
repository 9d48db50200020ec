import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as Y from "yjs";
import { encodeSyncStep1, encodeSyncUpdate } from "./protocol/messages.js";
import { RoomManager, type RoomManagerOptions } from "./room-manager.js";
import { MemoryDocStore } from "./testing/memory-doc-store.js";
import { MemoryTransport } from "./testing/memory-transport.js";
import { CloseCode } from "./close-codes.js";

const options = (over: Partial<RoomManagerOptions["persistence"]> & { idleUnloadMs?: number; maxSocketsPerRoom?: number } = {}): RoomManagerOptions => ({
  connection: { messagesPerSecond: 1000, messageBurst: 1000, maxQueuedBytes: 1 << 20, maxAwarenessStateBytes: 4096, maxPresenceClients: 4, maxBufferedBytes: 1 << 24 },
  room: { maxSocketsPerRoom: over.maxSocketsPerRoom ?? 100, idleUnloadMs: over.idleUnloadMs ?? 60_000 },
  persistence: { flushMs: over.flushMs ?? 10, compactAfterRows: over.compactAfterRows ?? 1000, compactAfterBytes: over.compactAfterBytes ?? 1 << 30 },
});
const silent = { error: () => {}, debug: () => {} };
const managers: RoomManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.shutdown();
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const EMPTY_SV = Y.encodeStateVector(new Y.Doc());

function updateSetting(key: string, value: unknown): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap("records").set(key, value);
  return Y.encodeStateAsUpdate(doc);
}

function join(rooms: RoomManager, boardId: string, role: "edit" | "view" = "edit") {
  if (!managers.includes(rooms)) managers.push(rooms);
  const transport = new MemoryTransport();
  const conn = rooms.accept(transport);
  const admitted = rooms.admit(conn, { boardId, role, linkId: `link-${role}` });
  return { transport, conn, admitted };
}

describe("RoomManager", () => {
  test("frames that arrive while the board loads are answered only after it loaded, with the stored board", async () => {
    const store = new MemoryDocStore();
    await store.append([{ boardId: "b", data: updateSetting("shape:1", { id: "shape:1" }) }]);
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const rooms = new RoomManager(store, options(), silent);
    const { transport, conn, admitted } = join(rooms, "b");
    conn.receive(encodeSyncStep1(EMPTY_SV));
    await tick(5);
    assert.equal(transport.sent.length, 0, "nothing is sent before the load finished");
    release();
    await admitted;
    assert.deepEqual(transport.kinds(), ["sync-0", "sync-1"]);
    assert.deepEqual(transport.replayInto().getMap("records").toJSON(), { "shape:1": { id: "shape:1" } });
  });

  test("a cold board is answered from its snapshot bytes, then integrated without losing queued edits", async () => {
    const store = new MemoryDocStore();
    const big = new Y.Doc();
    for (let i = 0; i < 100; i++) big.getMap("records").set(`shape:${i}`, { id: `shape:${i}` });
    const data = Y.encodeStateAsUpdate(big);
    await store.append([{ boardId: "b", data }]);
    await store.compact("b", { data, stateVector: Y.encodeStateVector(big), contents: Y.encodeSnapshot(Y.snapshot(big)), knownSnapshotThroughId: 0n });
    const rooms = new RoomManager(store, options(), silent);
    const { transport, conn, admitted } = join(rooms, "b");
    conn.receive(encodeSyncStep1(EMPTY_SV));
    conn.receive(encodeSyncUpdate(updateSetting("shape:new", { id: "shape:new" })));
    await admitted;
    assert.deepEqual(transport.kinds(), ["sync-0", "sync-1"], "our state vector, then the whole board");
    assert.equal(transport.replayInto().getMap("records").size, 100);
    const late = join(rooms, "b");
    late.conn.receive(encodeSyncStep1(EMPTY_SV));
    await late.admitted;
    const seen = late.transport.replayInto().getMap("records");
    assert.equal(seen.size, 101);
    assert.deepEqual(seen.get("shape:new"), { id: "shape:new" });
  });

  test("many updates across rooms are written in one batch, one row per room", async () => {
    const store = new MemoryDocStore();
    const rooms = new RoomManager(store, options({ flushMs: 30 }), silent);
    const a = join(rooms, "a");
    const b = join(rooms, "b");
    await Promise.all([a.admitted, b.admitted]);
    for (let i = 0; i < 50; i++) {
      a.conn.receive(encodeSyncUpdate(updateSetting(`a${i}`, i)));
      b.conn.receive(encodeSyncUpdate(updateSetting(`b${i}`, i)));
    }
    await rooms.updateLog.flush();
    assert.equal(store.appendCalls, 1);
    assert.deepEqual(store.rows.map((r) => r.boardId).sort(), ["a", "b"]);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, (await store.load("a")).updates[0]);
    assert.equal(reloaded.getMap("records").size, 50);
  });

  test("a viewer's updates are dropped; its malformed frames close only its socket", async () => {
    const store = new MemoryDocStore();
    const rooms = new RoomManager(store, options(), silent);
    const editor = join(rooms, "b");
    const viewer = join(rooms, "b", "view");
    await Promise.all([editor.admitted, viewer.admitted]);
    viewer.conn.receive(encodeSyncUpdate(updateSetting("evil", 1)));
    await rooms.updateLog.flush();
    assert.equal(store.rows.length, 0);
    assert.equal(editor.transport.kinds().includes("sync-2"), false, "nothing was relayed");
    viewer.conn.receive(Uint8Array.of(0, 2, 7, 1, 0x80, 0x80, 0x80, 0x0f, 0, 0));
    assert.equal(viewer.transport.closedWith?.code, CloseCode.MalformedFrame);
    assert.equal(editor.transport.closedWith, null);
    editor.conn.receive(encodeSyncUpdate(updateSetting("fine", 1)));
    await rooms.updateLog.flush();
    assert.equal(store.rows.length, 1);
  });

  test("compaction folds the log into a snapshot that reloads to the same document", async () => {
    const store = new MemoryDocStore();
    const rooms = new RoomManager(store, options({ flushMs: 1, compactAfterRows: 5 }), silent);
    const { conn, admitted } = join(rooms, "b");
    await admitted;
    for (let i = 0; i < 12; i++) {
      conn.receive(encodeSyncUpdate(updateSetting(`k${i}`, i)));
      await rooms.updateLog.flush();
    }
    assert.ok(store.snapshots.has("b"));
    assert.ok(store.rows.length < 5, `log was compacted (${store.rows.length} rows left)`);
    const stored = await store.load("b");
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
    assert.equal(doc.getMap("records").size, 12);
  });

  test("an idle room is saved and unloaded; a failed save keeps it in memory until it succeeds", async () => {
    const store = new MemoryDocStore();
    const rooms = new RoomManager(store, options({ flushMs: 1, idleUnloadMs: 20 }), silent);
    const { conn, admitted } = join(rooms, "b");
    await admitted;
    store.failNext = 1_000_000;
    conn.receive(encodeSyncUpdate(updateSetting("precious", 1)));
    conn.close(1000, "bye");
    await tick(200);
    assert.equal(rooms.loadedRooms, 1, "unsaved data keeps the room loaded");
    assert.ok(store.appendCalls >= 3, "and the write is retried");
    store.failNext = 0;
    for (let i = 0; i < 100 && rooms.loadedRooms > 0; i++) await tick(100);
    assert.equal(rooms.loadedRooms, 0);
    const stored = await store.load("b");
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.snapshot!);
    assert.equal(doc.getMap("records").get("precious"), 1);
  });

  test("a full room refuses the next socket", async () => {
    const rooms = new RoomManager(new MemoryDocStore(), options({ maxSocketsPerRoom: 2 }), silent);
    const joined = [join(rooms, "b"), join(rooms, "b"), join(rooms, "b")];
    await Promise.all(joined.map((j) => j.admitted));
    assert.deepEqual(joined.map((j) => j.transport.closedWith?.code ?? null), [null, null, CloseCode.RoomFull]);
  });

  test("closeLinks disconnects exactly the sockets of the revoked links", async () => {
    const rooms = new RoomManager(new MemoryDocStore(), options(), silent);
    const editor = join(rooms, "b");
    const viewer = join(rooms, "b", "view");
    await Promise.all([editor.admitted, viewer.admitted]);
    assert.equal(rooms.closeLinks(["link-view"], CloseCode.LinkRevoked, "revoked"), 1);
    assert.equal(viewer.transport.closedWith?.code, CloseCode.LinkRevoked);
    assert.equal(editor.transport.closedWith, null);
  });
});
