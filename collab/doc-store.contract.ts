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
  /** Sets (or, with undefined, deletes) a key in `doc`; returns just that change. */
  const edit = (doc: Y.Doc, key: string, value: unknown) => {
    let update: Uint8Array | null = null;
    const keep = (u: Uint8Array) => (update = u);
    doc.once("update", keep);
    if (value === undefined) doc.getMap("records").delete(key);
    else doc.getMap("records").set(key, value);
    return update!;
  };
  const candidate = (doc: Y.Doc, knownSnapshotThroughId = 0n) => ({
    data: Y.encodeStateAsUpdate(doc),
    stateVector: Y.encodeStateVector(doc),
    contents: Y.encodeSnapshot(Y.snapshot(doc)),
    knownSnapshotThroughId,
  });
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
      assert.deepEqual(await store.load(board), { snapshot: null, snapshotStateVector: null, updates: [], snapshotThroughId: 0n, lastUpdateId: 0n });
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

    test("compaction stores the candidate and drops the rows it replaces; later rows follow it", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      const doc = new Y.Doc();
      const rows = await store.append([edit(doc, "a", 1), edit(doc, "b", 2)].map((data) => ({ boardId: board, data })));
      const done = await store.compact(board, candidate(doc));
      assert.deepEqual(done, { throughId: rows[1].id, merged: 0 });
      const folded = await store.load(board);
      assert.deepEqual([...folded.snapshot!], [...Y.encodeStateAsUpdate(doc)]);
      assert.equal(folded.updates.length, 0);
      assert.equal(folded.snapshotThroughId, rows[1].id);
      await store.append([{ boardId: board, data: edit(doc, "c", 3) }]);
      const loaded = await store.load(board);
      assert.equal(loaded.updates.length, 1, "rows after the snapshot stay");
      assert.deepEqual(replay(loaded), { a: 1, b: 2, c: 3 });
      assert.equal(await store.compact(board, candidate(doc, loaded.snapshotThroughId)).then((d) => d?.merged), 0);
      assert.equal(await store.compact(board, candidate(doc, loaded.snapshotThroughId)), null, "nothing left to fold");
      await close();
    });

    test("a candidate that lacks stored rows (insertions or deletions) is completed with them", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      const mine = new Y.Doc();
      const theirs = new Y.Doc();
      await store.append([{ boardId: board, data: edit(mine, "shared", 1) }]);
      Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
      await store.append([{ boardId: board, data: edit(theirs, "only-theirs", 2) }]);
      await store.append([{ boardId: board, data: edit(theirs, "shared", undefined) }]); // a deletion only
      const done = await store.compact(board, candidate(mine));
      assert.equal(done?.merged, 2, "the two rows the candidate lacked were merged in");
      const loaded = await store.load(board);
      assert.equal(loaded.updates.length, 0);
      assert.deepEqual(replay(loaded), { "only-theirs": 2 });
      await close();
    });

    test("a snapshot another process wrote is kept when the candidate did not start from it", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      const a = new Y.Doc();
      const b = new Y.Doc();
      await store.append([{ boardId: board, data: edit(a, "from-a", 1) }]);
      await store.compact(board, candidate(a)); // process A's snapshot
      await store.append([{ boardId: board, data: edit(b, "from-b", 2) }]);
      const done = await store.compact(board, candidate(b)); // process B never saw A's edit
      assert.equal(done?.merged, 1, "A's snapshot was merged in");
      assert.deepEqual(replay(await store.load(board)), { "from-a": 1, "from-b": 2 });
      await close();
    });

    test("processes appending, compacting with partial copies, and loading at once lose nothing", async () => {
      const { store, newBoard, close } = await setup();
      const board = await newBoard();
      const expected: Record<string, number> = {};
      const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
      const known = [0n, 0n, 0n];
      const processes = docs.map(async (doc, w) => {
        for (let i = 0; i < 12; i++) {
          expected[`w${w}-${i}`] = i;
          await store.append([{ boardId: board, data: edit(doc, `w${w}-${i}`, i) }]);
          if (i % 3 !== 2) continue;
          // As UpdateLog does: the doc contains the new snapshot only when nothing had to be merged in.
          const done = await store.compact(board, candidate(doc, known[w]));
          if (done?.merged === 0) known[w] = done.throughId;
        }
      });
      const loads = (async () => {
        for (let i = 0; i < 8; i++) {
          for (const [k, v] of Object.entries(replay(await store.load(board)))) assert.equal(expected[k], v);
        }
      })();
      await Promise.all([...processes, loads]);
      assert.deepEqual(replay(await store.load(board)), expected);
      await close();
    });
  });
}
