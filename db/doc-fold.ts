import * as Y from "yjs";

/** What collab/doc-store.ts's `compact` receives; repeated here because db does not import collab. */
export interface CompactionCandidate {
  data: Uint8Array;
  stateVector: Uint8Array;
  /** `Y.encodeSnapshot(Y.snapshot(doc))` of the doc `data` was encoded from. */
  contents: Uint8Array;
  knownSnapshotThroughId: bigint;
}

/**
 * The candidate snapshot plus whichever stored updates it does not contain
 * (ids or deletions; Yjs' own check). Usually none are missing and this costs
 * one pass over the stored updates' headers, far less than folding them into a
 * document again.
 */
export function completeSnapshot(candidate: CompactionCandidate, stored: Uint8Array[]): { data: Uint8Array; stateVector: Uint8Array; merged: number } {
  const contents = Y.decodeSnapshot(candidate.contents);
  const missing = stored.filter((update) => !Y.snapshotContainsUpdate(contents, update));
  if (missing.length === 0) return { data: candidate.data, stateVector: candidate.stateVector, merged: 0 };
  const data = Y.mergeUpdates([candidate.data, ...missing]);
  return { data, stateVector: Y.encodeStateVectorFromUpdate(data), merged: missing.length };
}
