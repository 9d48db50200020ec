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
  const replay = (stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }) => {
    const doc = new Y.Doc();
    for (const u of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) Y.applyUpdate(doc, u);
    return doc.getMap("records").toJSON();
  };

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

    test("compaction folds snapshot and log into one snapshot; later rows follow it", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      await store.append([{ boardId: board, data: update("a", 1) }, { boardId: board, data: update("b", 2) }]);
      await store.compact(board);
      const folded = await store.load(board);
      assert.equal(folded.updates.length, 0, "every row is in the snapshot");
      assert.deepEqual([...folded.snapshotStateVector!], [...Y.encodeStateVectorFromUpdate(folded.snapshot!)]);
      const [third] = await store.append([{ boardId: board, data: update("c", 3) }]);
      await store.append([{ boardId: board, data: update("d", 4) }]);
      await store.compact(board);
      await store.append([{ boardId: board, data: update("e", 5) }]);
      const loaded = await store.load(board);
      assert.equal(loaded.updates.length, 1, "rows after the snapshot stay");
      assert.ok(loaded.lastUpdateId > third.id);
      assert.deepEqual(replay(loaded), { a: 1, b: 2, c: 3, d: 4, e: 5 });
      await close();
    });

    test("compactions racing appends and loads, as several processes would, lose nothing", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      const expected: Record<string, number> = {};
      const writers = [0, 1, 2].map(async (w) => {
        for (let i = 0; i < 15; i++) {
          expected[`w${w}-${i}`] = i;
          await store.append([{ boardId: board, data: update(`w${w}-${i}`, i) }]);
        }
      });
      const compactions = (async () => {
        for (let i = 0; i < 10; i++) await Promise.all([store.compact(board), store.compact(board)]);
      })();
      const loads = (async () => {
        for (let i = 0; i < 10; i++) {
          const seen = replay(await store.load(board));
          for (const [k, v] of Object.entries(seen)) assert.equal(expected[k], v);
        }
      })();
      await Promise.all([...writers, compactions, loads]);
      assert.deepEqual(replay(await store.load(board)), expected);
      await close();
    });
  });
}
