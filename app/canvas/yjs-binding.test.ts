import { frame } from "./testing/node-env.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createShapeId,
  createTLStore,
  defaultBindingUtils,
  defaultShapeUtils,
  DocumentRecordType,
  GeoShapeUtil,
  PageRecordType,
  type TLRecord,
  type TLShape,
  type TLStore,
} from "tldraw";
import * as Y from "yjs";
import { bindStoreToDoc, boardMaps, type Rejection } from "./yjs-binding.js";

const REMOTE = "remote-peer";

function newStore(): TLStore {
  return createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils });
}

function geo(store: TLStore, name: string, x = 0, y = 0): TLShape {
  const props = new GeoShapeUtil({} as never).getDefaultProps();
  return store.schema.types.shape.create({ id: createShapeId(name), type: "geo", parentId: "page:page", index: "a1", x, y, props }) as TLShape;
}

/** A browser: a store bound to its own Y.Doc. */
function peer(canWrite = true) {
  const doc = new Y.Doc();
  const store = newStore();
  const rejected: Rejection[] = [];
  const unbind = bindStoreToDoc(store, doc, { canWrite, onReject: (r) => rejected.push(r) });
  return { doc, store, rejected, unbind };
}

/** Two docs joined like a server would join them; `hold()` queues updates until `flush()` (concurrent edits). */
function link(a: Y.Doc, b: Y.Doc) {
  let held: Array<() => void> | null = null;
  const relay = (to: Y.Doc) => (update: Uint8Array, origin: unknown) => {
    if (origin === REMOTE) return;
    const apply = () => Y.applyUpdate(to, update, REMOTE);
    if (held) held.push(apply);
    else apply();
  };
  a.on("update", relay(b));
  b.on("update", relay(a));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a), REMOTE);
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b), REMOTE);
  return {
    hold: () => (held = []),
    flush: () => {
      const queued = held ?? [];
      held = null;
      queued.forEach((apply) => apply());
    },
  };
}

function boardOf(store: TLStore) {
  return store
    .allRecords()
    .filter((r) => ["document", "page", "shape", "binding", "asset"].includes(r.typeName))
    .sort((x, y) => x.id.localeCompare(y.id));
}

function seedPage(store: TLStore) {
  store.put([DocumentRecordType.create({ id: "document:document" as never }), PageRecordType.create({ id: "page:page" as never, name: "Page 1", index: "a1" as never })]);
}

test("local changes reach the document and a second store", async () => {
  const alice = peer();
  const bob = peer();
  link(alice.doc, bob.doc);
  seedPage(alice.store);
  await frame();
  alice.store.put([geo(alice.store, "one", 10, 20)]);
  await frame();
  assert.equal(boardMaps(alice.doc).records.size, 3);
  assert.deepEqual(boardOf(bob.store), boardOf(alice.store));
  alice.store.remove([createShapeId("one")]);
  await frame();
  assert.equal(bob.store.get(createShapeId("one")), undefined);
});

test("concurrent edits from two docs converge", async () => {
  const alice = peer();
  const bob = peer();
  const net = link(alice.doc, bob.doc);
  seedPage(alice.store);
  await frame();
  alice.store.put([geo(alice.store, "shared")]);
  await frame();

  net.hold();
  alice.store.put([geo(alice.store, "from-alice", 100, 0)]);
  await frame();
  bob.store.put([geo(bob.store, "from-bob", 0, 100)]);
  await frame();
  const shared = alice.store.get(createShapeId("shared")) as TLShape;
  alice.store.put([{ ...shared, x: 500 }]);
  await frame();
  bob.store.put([{ ...(bob.store.get(createShapeId("shared")) as TLShape), y: 700 }]);
  await frame();
  bob.store.remove([createShapeId("from-bob")]);
  await frame();
  bob.store.put([geo(bob.store, "from-bob-2", 5, 5)]);
  await frame();
  net.flush();

  assert.deepEqual(boardOf(alice.store), boardOf(bob.store), "both stores hold the same board");
  const ids = boardOf(alice.store).map((r) => r.id);
  assert.ok(ids.includes(createShapeId("from-alice")) && ids.includes(createShapeId("from-bob-2")));
  assert.ok(!ids.includes(createShapeId("from-bob")));
  const docRecords = boardMaps(alice.doc).records.toJSON() as Record<string, TLRecord>;
  assert.deepEqual(Object.keys(docRecords).sort(), ids, "the document and the stores agree");
});

test("a store bound to a document that already has a board loads it whole", async () => {
  const alice = peer();
  seedPage(alice.store);
  await frame();
  for (let i = 0; i < 50; i++) alice.store.put([geo(alice.store, `s${i}`, i * 10, 0)]);
  await frame();
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(alice.doc));
  const late = newStore();
  bindStoreToDoc(late, doc, { canWrite: true });
  assert.deepEqual(boardOf(late), boardOf(alice.store));
});

test("malformed records are rejected one by one; the valid ones still arrive", async () => {
  const bob = peer();
  const { records } = boardMaps(bob.doc);
  const valid = geo(bob.store, "fine");
  bob.doc.transact(() => {
    records.set("page:page", PageRecordType.create({ id: "page:page" as never, name: "Page 1", index: "a1" as never }));
    records.set("shape:not-object", "hello");
    records.set("shape:array", [1, 2]);
    records.set("shape:wrong-id", { ...valid, id: "shape:other" });
    records.set("camera:page:page", { id: "camera:page:page", typeName: "camera", x: 0, y: 0, z: 1, meta: {} });
    records.set("shape:bad-props", { ...valid, id: "shape:bad-props", props: { ...valid.props, w: "wide" } });
    records.set("shape:unknown-kind", { ...valid, id: "shape:unknown-kind", type: "teleporter" });
    records.set("page:prefix", { ...valid, id: "page:prefix" });
    records.set(valid.id, valid);
  }, REMOTE);
  assert.deepEqual(
    bob.rejected.map((r) => r.id).sort(),
    ["camera:page:page", "page:prefix", "shape:array", "shape:bad-props", "shape:not-object", "shape:unknown-kind", "shape:wrong-id"],
  );
  assert.ok(bob.store.get(valid.id), "the valid shape arrived");
  assert.ok(bob.store.get("page:page" as never), "the page arrived");

  // an invalid update to a good record leaves the good version in place
  records.set(valid.id, { ...valid, x: "left" }, );
  assert.equal((bob.store.get(valid.id) as TLShape).x, 0);
});

test("records written with an older schema are migrated on the way in", async () => {
  const bob = peer();
  const current = geo(bob.store, "old");
  const ours = bob.store.schema.serialize();
  const older = { ...ours, sequences: { ...ours.sequences, "com.tldraw.shape.geo": ours.sequences["com.tldraw.shape.geo"] - 1 } };
  const down = bob.store.schema.migratePersistedRecord(current, older, "down");
  assert.equal(down.type, "success");
  const oldRecord = (down as { value: TLShape }).value;
  assert.equal("flipX" in oldRecord.props, false, "the old format really is older");

  const { records, meta } = boardMaps(bob.doc);
  bob.doc.transact(() => {
    meta.set("schema", older);
    records.set(current.id, oldRecord);
  }, REMOTE);
  assert.deepEqual(bob.rejected, []);
  const loaded = bob.store.get(current.id) as TLShape;
  assert.equal((loaded.props as { flipX: boolean }).flipX, false);
});

test("a viewer's store mirrors the board but never writes to the document", async () => {
  const alice = peer();
  const viewer = peer(false);
  link(alice.doc, viewer.doc);
  seedPage(alice.store);
  await frame();
  alice.store.put([geo(alice.store, "seen")]);
  await frame();
  assert.ok(viewer.store.get(createShapeId("seen")));
  const before = Y.encodeStateVector(viewer.doc);
  viewer.store.put([geo(viewer.store, "local-only")]);
  await frame();
  assert.deepEqual(Y.encodeStateVector(viewer.doc), before);
  assert.equal(alice.store.get(createShapeId("local-only")), undefined);
});

test("session records (camera, instance, pointer) never enter the document", async () => {
  const alice = peer();
  seedPage(alice.store);
  await frame();
  alice.store.put([{ id: "camera:page:page", typeName: "camera", x: 5, y: 5, z: 1, meta: {} } as never]);
  await frame();
  const keys = [...boardMaps(alice.doc).records.keys()];
  assert.ok(keys.every((k) => !k.startsWith("camera:") && !k.startsWith("instance") && !k.startsWith("pointer:")));
});

test("unbinding stops both directions", async () => {
  const alice = peer();
  const bob = peer();
  link(alice.doc, bob.doc);
  seedPage(alice.store);
  await frame();
  bob.unbind();
  alice.store.put([geo(alice.store, "after")]);
  await frame();
  assert.equal(bob.store.get(createShapeId("after")), undefined);
});
