/**
 * What a room needs from persistence. db/doc-store.ts implements it on
 * Postgres/PGlite; tests may use an in-memory one.
 */
export interface DocStore {
  /** Snapshot (if any) plus the log entries after it, oldest first. */
  load(boardId: string): Promise<{ snapshot: Uint8Array | null; updates: Uint8Array[]; lastUpdateId: bigint }>;
  /** Appends a batch in one write; returns each row's id. */
  append(entries: { boardId: string; data: Uint8Array }[]): Promise<{ boardId: string; id: bigint }[]>;
  /** Stores `data` as the snapshot and drops log entries with id <= throughId. */
  compact(boardId: string, data: Uint8Array, throughId: bigint): Promise<void>;
}
