import * as Y from "yjs";
import type { JobStatus } from "../../db/index.js";

/** Transaction origin of the server's own writes to `runs`. */
export const RUNS_ORIGIN = Symbol("genboard-runs");

export interface RunOutput {
  type: "image" | "audio" | "video" | "text";
  url?: string;
  mime: string;
  width?: number;
  height?: number;
  durationS?: number;
}

export interface RunStart {
  jobId: string;
  kind: string;
  provider: string;
  model: string;
  seed: number;
}

export interface RunEnd {
  status: Exclude<JobStatus, "queued" | "running">;
  outputs?: RunOutput[];
  error?: string | null;
  costUsd?: number | null;
}

/**
 * The server's side of `runs` (node id → Y.Map), the only writer there. Each
 * call is one transaction; writes about a job that is no longer the node's
 * current one only touch its history entry, so a late result can never
 * overwrite a newer run, and writing the same result twice (a retried job)
 * leaves one output.
 */
export function runWriter(doc: Y.Doc) {
  const runs = doc.getMap<Y.Map<unknown>>("runs");
  const current = (nodeId: string, jobId: string) => {
    const run = runs.get(nodeId);
    return run && run.get("jobId") === jobId ? run : null;
  };

  return {
    queued(nodeId: string, start: RunStart) {
      doc.transact(() => {
        let run = runs.get(nodeId);
        if (!(run instanceof Y.Map)) {
          run = new Y.Map();
          runs.set(nodeId, run);
        }
        run.set("jobId", start.jobId);
        run.set("status", "queued");
        run.set("progress", 0);
        run.set("provider", start.provider);
        run.set("model", start.model);
        run.set("seed", start.seed);
        run.set("startedAt", null);
        run.set("finishedAt", null);
        run.set("error", null);
        run.set("costUsd", null);
        run.set("outputs", []);
        if (start.kind === "text") run.set("text", new Y.Text());
        else run.delete("text");
        if (!(run.get("history") instanceof Y.Array)) run.set("history", new Y.Array());
      }, RUNS_ORIGIN);
    },

    /** A (re)started attempt: streamed text from an earlier attempt is discarded. */
    running(nodeId: string, jobId: string) {
      doc.transact(() => {
        const run = current(nodeId, jobId);
        if (!run) return;
        run.set("status", "running");
        run.set("progress", 0);
        run.set("startedAt", Date.now());
        const text = run.get("text");
        if (text instanceof Y.Text && text.length > 0) text.delete(0, text.length);
      }, RUNS_ORIGIN);
    },

    progress(nodeId: string, jobId: string, progress: number) {
      doc.transact(() => current(nodeId, jobId)?.set("progress", Math.max(0, Math.min(1, progress))), RUNS_ORIGIN);
    },

    appendText(nodeId: string, jobId: string, delta: string) {
      doc.transact(() => {
        const text = current(nodeId, jobId)?.get("text");
        if (text instanceof Y.Text) text.insert(text.length, delta);
      }, RUNS_ORIGIN);
    },

    finished(nodeId: string, jobId: string, end: RunEnd & { model: string; seed: number }) {
      doc.transact(() => {
        const run = runs.get(nodeId);
        const live = current(nodeId, jobId);
        if (live) {
          live.set("status", end.status);
          live.set("progress", end.status === "succeeded" ? 1 : (live.get("progress") as number) ?? 0);
          live.set("finishedAt", Date.now());
          live.set("error", end.error ?? null);
          live.set("costUsd", end.costUsd ?? null);
          live.set("outputs", end.outputs ?? []);
          live.set("currentJobId", end.status === "succeeded" ? jobId : (live.get("currentJobId") ?? null));
        }
        const history = run?.get("history");
        if (end.status !== "succeeded" || !(history instanceof Y.Array)) return;
        if (history.toArray().some((h) => (h as { jobId?: string }).jobId === jobId)) return;
        history.push([{ jobId, model: end.model, seed: end.seed, costUsd: end.costUsd ?? 0, outputs: end.outputs ?? [], finishedAt: Date.now() }]);
      }, RUNS_ORIGIN);
    },
  };
}
