import * as Y from "yjs";

/**
 * Resolves once this process's copy of the board holds the result of upstream
 * job `jobId` on node `nodeId` (the node's run history lists it); the runner
 * reads upstream text and images from the board, not from the jobs table.
 * In distributed mode the upstream job may end in another process: its end is
 * announced over Redis and its result arrives with the board's updates, in
 * either order. In one process the result is there before the end is announced.
 * Rejects after `timeoutMs` with a message a person can act on, or with the
 * signal's reason when the waiting job is canceled.
 */
export function untilResultInDoc(doc: Y.Doc, nodeId: string, jobId: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const runs = doc.getMap<Y.Map<unknown>>("runs");
  const arrived = () => {
    const history = runs.get(nodeId)?.get("history");
    return history instanceof Y.Array && history.toArray().some((entry) => (entry as { jobId?: string }).jobId === jobId);
  };
  if (arrived()) return Promise.resolve();
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      clearTimeout(timer);
      doc.off("update", onUpdate);
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onUpdate = () => {
      if (arrived()) done();
    };
    const onAbort = () => done(signal.reason);
    const timer = setTimeout(() => done(new Error(`The result of an upstream node (${jobId}) did not reach this server within ${timeoutMs} ms.`)), timeoutMs);
    doc.on("update", onUpdate);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
