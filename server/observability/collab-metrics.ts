import type { CollabEvents } from "../../collab/index.js";
import type { Metrics } from "./metrics.js";

/** The collaboration layer's events as counters: collab/ knows nothing of Prometheus. */
export function collabMetrics(metrics: Metrics): CollabEvents {
  return {
    storedGap: () => metrics.storedGaps.inc(),
    peerUpdatesStored: (count) => metrics.persistPeerUpdates.inc(count),
  };
}
