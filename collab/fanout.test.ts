import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as Y from "yjs";
import { encodeSyncStep1, encodeSyncUpdate } from "./protocol/messages.js";
import { MemoryBusHub } from "./memory-bus.js";
import { RoomManager, type RoomManagerOptions } from "./room-manager.js";
import { MemoryDocStore } from "./testing/memory-doc-store.js";
import { MemoryTransport } from "./testing/memory-transport.js";
import type { DocStore } from "./doc-store.js";

/** Several RoomManagers on one MemoryBusHub and one store: several processes, minus the network. */
const options = (flushMs: number): RoomManagerOptions => ({
  connection: { messagesPerSecond: 1000, messageBurst: 1000, maxQueuedBytes: 1 << 20, maxAwarenessStateBytes: 4096, maxPresenceClients: 4, maxBufferedBytes: 1 << 24 },
  room: { maxSocketsPerRoom: 100, idleUnloadMs: 60_000, serverOwnedRoots: ["runs"] },
  persistence: { flushMs, compactAfterRows: 1000, compactAfterBytes: 1 << 30 },
});
const silent = { error: () => {}, debug: () => {} };
const managers: RoomManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.shutdown();
});
const EMPTY_SV = Y.encodeStateVector(new Y.Doc());

/** A process whose database stopped answering: it relays updates but never stores them, as one killed inside its batching window. */
function deadStore(store: MemoryDocStore): DocStore {
  return { load: (id) => store.load(id), append: () => new Promise(() => {}), compact: () => new Promise(() => {}) };
}

/** Text typed by one client, and a second client's text typed after it: the second depends on the first. */
function dependentEdits() {
  const first = new Y.Doc();
  first.getText("notes").insert(0, "hello");
  const second = new Y.Doc();
  Y.applyUpdate(second, Y.encodeStateAsUpdate(first));
  const before = Y.encodeStateVector(second);
  second.getText("notes").insert(5, " world");
  return { first: Y.encodeStateAsUpdate(first), second: Y.encodeStateAsUpdate(second, before) };
}

async function cluster(n: number, store: MemoryDocStore, flushMs = 10_000) {
  const hub = new MemoryBusHub();
  const nodes = Array.from({ length: n }, () => new RoomManager(store, options(flushMs), silent, hub.node()));
  await Promise.all(nodes.map((m) => m.start()));
  managers.push(...nodes);
  return nodes;
}

async function join(rooms: RoomManager, boardId: string) {
  const transport = new MemoryTransport();
  const conn = rooms.accept(transport);
  conn.receive(encodeSyncStep1(EMPTY_SV));
  await rooms.admit(conn, { boardId, role: "edit", linkId: "link-edit" });
  return { transport, conn, records: () => transport.replayInto().getMap("records").toJSON() };
}

const setting = (key: string, value: unknown) => {
  const doc = new Y.Doc();
  doc.getMap("records").set(key, value);
  return Y.encodeStateAsUpdate(doc);
};

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
};

describe("fan-out between room managers", () => {
  test("an update reaches the other process's sockets and is stored once, by the process that received it", async () => {
    const store = new MemoryDocStore();
    const [a, b] = await cluster(2, store);
    const onA = await join(a, "b1");
    const onB = await join(b, "b1");
    onA.conn.receive(encodeSyncUpdate(setting("shape:1", { x: 1 })));
    await until(() => onB.records()["shape:1"] !== undefined, "the update reached the other process");
    await a.updateLog.flush();
    await until(() => !b.updateLog.hasHeld(), "the peer heard that it is stored");
    await b.updateLog.flush();
    assert.equal(store.rows.length, 1, "one row, not one per process");
  });

  test("a job's write to the server-owned runs root on one process reaches sockets on another", async () => {
    const store = new MemoryDocStore();
    const [a, b] = await cluster(2, store);
    const onB = await join(b, "b1");
    const { room, release } = await a.pin("b1");
    room.doc.transact(() => room.doc.getMap("runs").set("node:1", "succeeded"), "job");
    const runsOnB = () => onB.transport.replayInto().getMap("runs").get("node:1");
    await until(() => runsOnB() === "succeeded", "the peer's runs update was applied, not refused");
    assert.equal(onB.transport.closedWith, null);
    release();
  });

  test("a process that loads the board late gets what its peers hold but have not stored yet", async () => {
    const store = new MemoryDocStore();
    const [a, b] = await cluster(2, store);
    const onA = await join(a, "b1");
    for (let i = 0; i < 20; i++) onA.conn.receive(encodeSyncUpdate(setting(`shape:${i}`, i)));
    assert.equal(store.rows.length, 0, "nothing stored yet (long flush interval)");
    const onB = await join(b, "b1");
    await until(() => Object.keys(onB.records()).length === 20, "the late joiner has all 20 shapes");
  });

  test("a late joiner sends back what only it has (e.g. stored by a process that is gone)", async () => {
    const store = new MemoryDocStore();
    const [a, b] = await cluster(2, store);
    const onA = await join(a, "b1");
    await store.append([{ boardId: "b1", data: setting("shape:stored-elsewhere", 1) }]);
    const onB = await join(b, "b1");
    await until(() => onA.records()["shape:stored-elsewhere"] === 1, "the process that loaded earlier learns it too");
    assert.equal(onB.records()["shape:stored-elsewhere"], 1);
  });

  describe("a process that dies inside its batching window", () => {
    test("its peer stores what it relayed, so what the peer's clients build on it stays loadable", async () => {
      const store = new MemoryDocStore();
      const hub = new MemoryBusHub();
      const flushMs = 20;
      const doomedBus = hub.node();
      const doomed = new RoomManager(deadStore(store), options(flushMs), silent, doomedBus);
      const survivor = new RoomManager(store, options(flushMs), silent, hub.node());
      managers.push(survivor);
      await Promise.all([doomed.start(), survivor.start()]);
      const onDoomed = await join(doomed, "b1");
      const onSurvivor = await join(survivor, "b1");
      const { first, second } = dependentEdits();
      onDoomed.conn.receive(encodeSyncUpdate(first));
      await until(() => onSurvivor.transport.replayInto().getText("notes").toString() === "hello", "the survivor has the first edit");
      await doomedBus.close(); // killed: it never stores "hello"
      onSurvivor.conn.receive(encodeSyncUpdate(second));
      await until(() => store.rows.length >= 1, "the survivor stored its client's edit");
      await new Promise((r) => setTimeout(r, 3 * flushMs));
      await survivor.updateLog.flush();

      const loaded = await cluster(1, store);
      const reader = await join(loaded[0], "b1");
      assert.equal(reader.transport.replayInto().getText("notes").toString(), "hello world");
      (await doomed.pin("b1")).room.destroy(); // what the kill would have ended: its presence timer
    });

    test("a board loaded with stored updates whose dependency is missing is reported, not silently emptied", async () => {
      const store = new MemoryDocStore();
      const { second } = dependentEdits();
      await store.append([{ boardId: "b1", data: second }]);
      const errors: { obj: object; msg: string }[] = [];
      const gaps: string[] = [];
      const rooms = new RoomManager(store, options(20), { error: (obj, msg) => errors.push({ obj, msg }), debug: () => {} }, undefined, { storedGap: (id) => gaps.push(id) });
      managers.push(rooms);
      await join(rooms, "b1");
      assert.deepEqual(gaps, ["b1"]);
      assert.match(errors[0]?.msg ?? "", /could not be integrated/);
      assert.ok(Object.keys((errors[0].obj as { missing: object }).missing).length === 1, "the log names the missing client");
    });
  });
});
