import * as Y from "yjs";

/**
 * Waits on this process's copy of a board. The runner reads a node's inputs
 * and its upstream results from the board, not from the request or the jobs
 * table, so it first waits for what it knows is on its way: in distributed
 * mode a result or an edit may reach another process first and come here a
 * few milliseconds later, over Redis; and a person's last edit travels on
 * their socket while their Run request travels over HTTP.
 */

/** A client's place in a board: its Yjs client id and its clock after its last edit (`Y.getState`). */
export interface EditPosition {
  clientId: number;
  clock: number;
}

/** Resolves once the board holds every edit of `position.clientId` up to `position.clock`. */
export function untilEditsInDoc(doc: Y.Doc, position: EditPosition, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const arrived = () => Y.getState(doc.store, position.clientId) >= position.clock;
  return untilDoc(doc, arrived, signal, timeoutMs, () => `Your latest edits did not reach the server within ${timeoutMs / 1000} s; check your connection and run again.`);
}

/** Resolves once the board has a record `id` (a node created through another process a moment ago). */
export function untilRecordInDoc(doc: Y.Doc, id: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const records = doc.getMap("records");
  return untilDoc(doc, () => records.has(id), signal, timeoutMs, () => `No record "${id}" reached this server within ${timeoutMs} ms.`);
}

/**
 * Resolves once the board holds the result of upstream job `jobId` on node
 * `nodeId` (the node's run history lists it). In distributed mode the upstream
 * job may end in another process: its end is announced over Redis and its
 * result arrives with the board's updates, in either order.
 */
export function untilResultInDoc(doc: Y.Doc, nodeId: string, jobId: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const runs = doc.getMap<Y.Map<unknown>>("runs");
  const arrived = () => {
    const history = runs.get(nodeId)?.get("history");
    return history instanceof Y.Array && history.toArray().some((entry) => (entry as { jobId?: string }).jobId === jobId);
  };
  return untilDoc(doc, arrived, signal, timeoutMs, () => `The result of an upstream node (${jobId}) did not reach this server within ${timeoutMs} ms.`);
}

/** Resolves once the board has heard of job `jobId` on node `nodeId` (its queued entry, written by the process that queued it). */
export function untilRunInDoc(doc: Y.Doc, nodeId: string, jobId: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const runs = doc.getMap<Y.Map<unknown>>("runs");
  const arrived = () => runs.get(nodeId)?.get("latestJobId") === jobId || runs.get(nodeId)?.get("jobId") === jobId;
  return untilDoc(doc, arrived, signal, timeoutMs, () => `Job ${jobId} did not reach this server's copy of the board within ${timeoutMs} ms.`);
}

/** Resolves when `arrived()` holds, checked after each update; rejects after `timeoutMs`, or with the signal's reason. */
function untilDoc(doc: Y.Doc, arrived: () => boolean, signal: AbortSignal, timeoutMs: number, timeoutMessage: () => string): Promise<void> {
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
    const timer = setTimeout(() => done(new Error(timeoutMessage())), timeoutMs);
    doc.on("update", onUpdate);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
