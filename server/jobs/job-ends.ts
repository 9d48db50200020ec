import { EventEmitter } from "node:events";
import type { JobsRepo, JobStatus } from "../../db/index.js";

/**
 * Where a job waits for the jobs it depends on. Ends are heard from this
 * process's runner and, in distributed mode, announced over the queue by
 * other processes; the jobs table answers for jobs that ended before anyone
 * listened.
 */
export function createJobEnds(repo: Pick<JobsRepo, "get">) {
  const ended = new EventEmitter().setMaxListeners(0);

  function endOf(jobId: string, signal: AbortSignal) {
    let cancel = () => {};
    const promise = new Promise<JobStatus>((resolve, reject) => {
      const onEnd = (status: JobStatus) => {
        signal.removeEventListener("abort", onAbort);
        resolve(status);
      };
      const onAbort = () => {
        ended.off(jobId, onEnd);
        reject(signal.reason);
      };
      cancel = () => {
        ended.off(jobId, onEnd);
        signal.removeEventListener("abort", onAbort);
      };
      ended.once(jobId, onEnd);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    promise.catch(() => {}); // a canceled wait is never awaited
    return { promise, cancel };
  }

  return {
    /** A job ended (here, or in another process). */
    emit(jobId: string, status: JobStatus) {
      ended.emit(jobId, status);
    },

    /**
     * Resolves when every job has ended: with the id of one that did not succeed, or
     * the node and job ids of those that did (their results are then awaited on the board).
     * Rejects with the signal's reason when the waiting job is canceled or times out,
     * so it gives its slot back instead of holding it until the upstream job ends.
     */
    async waitFor(ids: string[], signal: AbortSignal): Promise<{ failed: string | null; succeeded: Array<[nodeId: string, jobId: string]> }> {
      const succeeded: Array<[string, string]> = [];
      for (const id of ids) {
        // Listening before reading the row: an end announced while the row is read is not missed.
        const end = endOf(id, signal);
        const row = await repo.get(id);
        signal.throwIfAborted();
        let status = row?.status;
        if (status === "queued" || status === "running") status = await end.promise;
        else end.cancel();
        if (status !== "succeeded" || !row) return { failed: id, succeeded };
        succeeded.push([row.nodeId, id]);
      }
      return { failed: null, succeeded };
    },
  };
}
