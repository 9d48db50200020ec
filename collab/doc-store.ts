/**
 * What a room needs from persistence. db/doc-store.ts implements it on
 * Postgres/PGlite; tests may use an in-memory one.
 */
export interface DocStore {
  /** Snapshot (if any) plus the log entries after it, oldest first. */
  load(boardId: string): Promise<StoredDoc>;
  /** Appends a batch in one write; returns each row's id. */
  append(entries: { boardId: string; data: Uint8Array }[]): Promise<{ boardId: string; id: bigint }[]>;
  /** Stores `data` (and its state vector) as the snapshot and drops log entries with id <= throughId. */
  compact(boardId: string, data: Uint8Array, stateVector: Uint8Array, throughId: bigint): Promise<void>;
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
