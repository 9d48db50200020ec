import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as Y from "yjs";
import type { DocStore } from "./doc-store.js";

/**
 * The behaviour every DocStore must have. Run by the in-memory store's test and
 * by the database store's test (PGlite, or Postgres when DATABASE_URL is set).
 * `newBoard` must return the id of a board the store may write for.
 */
export function docStoreContract(name: string, setup: () => Promise<{ store: DocStore; newBoard: () => Promise<string>; close: () => Promise<void> }>) {
  describe(`DocStore contract: ${name}`, () => {
    const update = (key: string, value: unknown) => {
      const doc = new Y.Doc();
      doc.getMap("records").set(key, value);
      return Y.encodeStateAsUpdate(doc);
    };

    test("an unknown board loads empty", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      assert.deepEqual(await store.load(board), { snapshot: null, snapshotStateVector: null, updates: [], lastUpdateId: 0n });
      await close();
    });

    test("appends come back in order, per board, with increasing ids", async () => {
      const { store, newBoard, close } = await setup();
      const [a, b] = [await newBoard(), await newBoard()];
      const rows = await store.append([
        { boardId: a, data: update("x", 1) },
        { boardId: b, data: update("y", 2) },
        { boardId: a, data: update("z", 3) },
      ]);
      assert.deepEqual(rows.map((r) => r.boardId), [a, b, a]);
      assert.ok(rows[0].id < rows[2].id);
      const loaded = await store.load(a);
      assert.equal(loaded.updates.length, 2);
      assert.equal(loaded.lastUpdateId, rows[2].id);
      const doc = new Y.Doc();
      for (const u of loaded.updates) Y.applyUpdate(doc, u);
      assert.deepEqual(doc.getMap("records").toJSON(), { x: 1, z: 3 });
      assert.ok(loaded.updates[0] instanceof Uint8Array);
      await close();
    });

    test("compaction replaces covered rows with the snapshot and keeps the tail", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      const [first, second] = await store.append([{ boardId: board, data: update("a", 1) }, { boardId: board, data: update("b", 2) }]);
      const snap = update("a", 1);
      const sv = Y.encodeStateVectorFromUpdate(snap);
      await store.compact(board, snap, sv, first.id);
      const [third] = await store.append([{ boardId: board, data: update("c", 3) }]);
      const loaded = await store.load(board);
      assert.deepEqual([...loaded.snapshot!], [...snap]);
      assert.deepEqual([...loaded.snapshotStateVector!], [...sv]);
      assert.equal(loaded.updates.length, 2, "rows after the snapshot stay");
      assert.equal(loaded.lastUpdateId, third.id);
      assert.ok(second.id > first.id);
      await close();
    });

    test("a stale compaction never moves the snapshot backwards", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      const rows = await store.append([1, 2, 3].map((n) => ({ boardId: board, data: update(`k${n}`, n) })));
      const newer = update("newer", true);
      await store.compact(board, newer, Y.encodeStateVectorFromUpdate(newer), rows[2].id);
      const older = update("older", true);
      await store.compact(board, older, Y.encodeStateVectorFromUpdate(older), rows[0].id);
      const loaded = await store.load(board);
      assert.deepEqual([...loaded.snapshot!], [...newer]);
      assert.equal(loaded.updates.length, 0);
      await close();
    });
  });
}
