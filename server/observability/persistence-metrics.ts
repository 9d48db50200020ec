import type { DocStore } from "../../collab/index.js";
import type { Metrics } from "./metrics.js";

/**
 * The document store with its batch writes timed. The update log calls
 * `append` once per flush with every dirty board, so the histogram is exactly
 * the persistence batch latency, observed from outside collab/.
 */
export function observedDocStore(store: DocStore, metrics: Metrics): DocStore {
  return {
    load: (boardId) => store.load(boardId),
    compact: (boardId, candidate) => store.compact(boardId, candidate),
    async append(entries) {
      const stop = metrics.persistBatch.startTimer();
      try {
        const rows = await store.append(entries);
        metrics.persistRows.inc(rows.length);
        metrics.persistBytes.inc(entries.reduce((n, e) => n + e.data.length, 0));
        return rows;
      } catch (err) {
        metrics.persistFailures.inc();
        throw err;
      } finally {
        stop();
      }
    },
  };
}
