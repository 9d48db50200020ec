/**
 * What a room needs from persistence. db/doc-store.ts implements it on
 * Postgres/PGlite; tests may use an in-memory one.
 */
export interface DocStore {
  /** Snapshot (if any) plus the log entries after it, oldest first. */
  load(boardId: string): Promise<StoredDoc>;
  /** Appends a batch in one write; returns each row's id. */
  append(entries: { boardId: string; data: Uint8Array }[]): Promise<{ boardId: string; id: bigint }[]>;
  /**
   * Folds the snapshot and every log entry of the board into a new snapshot
   * and drops those entries. Works from what is stored, not from any process's
   * copy of the document, so several processes may compact the same board:
   * no entry is dropped that the new snapshot does not contain.
   */
  compact(boardId: string): Promise<void>;
}

export interface StoredDoc {
  snapshot: Uint8Array | null;
  /** `Y.encodeStateVector` of the snapshot; null when there is no snapshot. */
  snapshotStateVector: Uint8Array | null;
  /** Log entries after the snapshot, oldest first. */
  updates: Uint8Array[];
  /** Id of the newest entry covered by snapshot + updates (0n when none). */
  lastUpdateId: bigint;
}
