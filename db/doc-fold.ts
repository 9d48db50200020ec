import * as Y from "yjs";

/**
 * Yjs updates (a snapshot and log entries, in any order) folded into one
 * compact update: deleted content is garbage-collected, as a live document's
 * would be. Pending structs (whose dependencies are missing) are kept.
 */
export function foldUpdates(updates: Uint8Array[]): { data: Uint8Array; stateVector: Uint8Array } {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, updates.length === 1 ? updates[0] : Y.mergeUpdates(updates));
    return { data: Y.encodeStateAsUpdate(doc), stateVector: Y.encodeStateVector(doc) };
  } finally {
    doc.destroy();
  }
}
