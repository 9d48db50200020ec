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
   * Makes `candidate` (a process's copy of the document) the board's snapshot
   * and drops the log entries it replaces. Several processes may compact one
   * board, and a copy may lack what another process stored (a fan-out message
   * lost to a Redis outage): so the store first merges into the candidate
   * every entry, and the old snapshot when it is not the one the candidate
   * started from, that the candidate does not contain. No entry is dropped
   * that the new snapshot lacks. Resolves with the new snapshot's last entry
   * id, or null when there was nothing to fold.
   */
  compact(boardId: string, candidate: CompactionCandidate): Promise<{ throughId: bigint; merged: number } | null>;
}

export interface CompactionCandidate {
  /** `Y.encodeStateAsUpdate(doc)` */
  data: Uint8Array;
  stateVector: Uint8Array;
  /** `Y.encodeSnapshot(Y.snapshot(doc))`: which ids and deletions `data` holds. */
  contents: Uint8Array;
  /** `snapshotThroughId` of the stored snapshot the doc is known to contain. */
  knownSnapshotThroughId: bigint;
}

export interface StoredDoc {
  snapshot: Uint8Array | null;
  /** `Y.encodeStateVector` of the snapshot; null when there is no snapshot. */
  snapshotStateVector: Uint8Array | null;
  /** Log entries after the snapshot, oldest first. */
  updates: Uint8Array[];
  /** Id of the newest entry folded into the snapshot (0n when there is none). */
  snapshotThroughId: bigint;
  /** Id of the newest entry covered by snapshot + updates (0n when none). */
  lastUpdateId: bigint;
}
