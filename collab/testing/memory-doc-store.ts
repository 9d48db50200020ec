import * as Y from "yjs";
import type { CompactionCandidate, DocStore } from "../doc-store.js";

/** An in-memory DocStore for tests of the room layer; `failNext` and `gate` let a test script failures and slow loads. */
export class MemoryDocStore implements DocStore {
  private nextId = 1n;
  readonly rows: { id: bigint; boardId: string; data: Uint8Array }[] = [];
  readonly snapshots = new Map<string, { data: Uint8Array; sv: Uint8Array; through: bigint }>();
  appendCalls = 0;
  failNext = 0;
  /** When set, load() waits for it. */
  gate: Promise<void> | null = null;

  async load(boardId: string) {
    if (this.gate) await this.gate;
    const snap = this.snapshots.get(boardId);
    const through = snap?.through ?? 0n;
    const tail = this.rows.filter((r) => r.boardId === boardId && r.id > through);
    return {
      snapshot: snap?.data ?? null,
      snapshotStateVector: snap?.sv ?? null,
      updates: tail.map((r) => r.data),
      snapshotThroughId: through,
      lastUpdateId: tail.at(-1)?.id ?? through,
    };
  }

  async append(entries: { boardId: string; data: Uint8Array }[]) {
    this.appendCalls += 1;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("store unavailable");
    }
    return entries.map((e) => {
      const row = { id: this.nextId++, ...e };
      this.rows.push(row);
      return { boardId: row.boardId, id: row.id };
    });
  }

  /** The same completion as db/doc-fold.ts (which collab may not import). */
  async compact(boardId: string, candidate: CompactionCandidate) {
    const snap = this.snapshots.get(boardId);
    const tail = this.rows.filter((r) => r.boardId === boardId);
    if (tail.length === 0) return null;
    const contents = Y.decodeSnapshot(candidate.contents);
    const stored = [...(snap && snap.through !== candidate.knownSnapshotThroughId ? [snap.data] : []), ...tail.map((r) => r.data)];
    const missing = stored.filter((u) => !Y.snapshotContainsUpdate(contents, u));
    const data = missing.length ? Y.mergeUpdates([candidate.data, ...missing]) : candidate.data;
    const sv = missing.length ? Y.encodeStateVectorFromUpdate(data) : candidate.stateVector;
    const throughId = tail.at(-1)!.id;
    this.snapshots.set(boardId, { data, sv, through: throughId });
    for (let i = this.rows.length - 1; i >= 0; i--) if (this.rows[i].boardId === boardId) this.rows.splice(i, 1);
    return { throughId, merged: missing.length };
  }
}
