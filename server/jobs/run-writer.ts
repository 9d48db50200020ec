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
  /** A text run's whole text. In the live run it is the `text` Y.Text instead (see `finished`). */
  text?: string;
}

export interface RunHistoryEntry {
  jobId: string;
  model: string;
  seed: number;
  costUsd: number;
  outputs: RunOutput[];
  finishedAt: number;
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
    doc,

    /**
     * The newest job of the node the board has been told about, with its status
     * when it is also the one shown (not when an older output was chosen since,
     * which needs it ended). Boards from before `latestJobId` answer the shown one.
     */
    latestKnown(nodeId: string): { jobId: string; status?: unknown } | null {
      const run = runs.get(nodeId);
      if (!(run instanceof Y.Map)) return null;
      const shown = run.get("jobId");
      const latest = run.get("latestJobId") ?? shown;
      if (typeof latest !== "string") return null;
      return latest === shown ? { jobId: latest, status: run.get("status") } : { jobId: latest };
    },

    queued(nodeId: string, start: RunStart) {
      doc.transact(() => {
        let run = runs.get(nodeId);
        if (!(run instanceof Y.Map)) {
          run = new Y.Map();
          runs.set(nodeId, run);
        }
        run.set("jobId", start.jobId);
        // The newest job the board has heard of: choosing an older output changes `jobId`, never this.
        run.set("latestJobId", start.jobId);
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
      const outputs = end.outputs ?? [];
      doc.transact(() => {
        const run = runs.get(nodeId);
        const live = current(nodeId, jobId);
        if (live) {
          live.set("status", end.status);
          live.set("progress", end.status === "succeeded" ? 1 : (live.get("progress") as number) ?? 0);
          live.set("finishedAt", Date.now());
          live.set("error", end.error ?? null);
          live.set("costUsd", end.costUsd ?? null);
          live.set("outputs", outputs.map(withoutText));
          if (end.status === "succeeded") {
            showText(live, outputs);
            live.set("currentJobId", jobId);
          }
        }
        const history = run?.get("history");
        if (end.status !== "succeeded" || !(history instanceof Y.Array)) return;
        if (history.toArray().some((h) => (h as { jobId?: string }).jobId === jobId)) return;
        const entry: RunHistoryEntry = { jobId, model: end.model, seed: end.seed, costUsd: end.costUsd ?? 0, outputs, finishedAt: Date.now() };
        history.push([entry]);
      }, RUNS_ORIGIN);
    },

    /**
     * Makes an earlier succeeded run the node's current one again: its outputs
     * (and text) are what collaborators see and what downstream nodes read.
     * Refused while a run is active, whose result would replace it anyway.
     */
    select(nodeId: string, jobId: string): "selected" | "busy" | "unknown" {
      const run = runs.get(nodeId);
      if (!(run instanceof Y.Map)) return "unknown";
      const status = run.get("status");
      if (status === "queued" || status === "running") return "busy";
      const history = run.get("history");
      const entry = history instanceof Y.Array ? (history.toArray() as RunHistoryEntry[]).find((h) => h.jobId === jobId) : undefined;
      if (!entry) return "unknown";
      doc.transact(() => {
        run.set("jobId", entry.jobId);
        run.set("status", "succeeded");
        run.set("progress", 1);
        run.set("error", null);
        run.set("provider", entry.model.split(":")[0]);
        run.set("model", entry.model);
        run.set("seed", entry.seed);
        run.set("costUsd", entry.costUsd);
        run.set("finishedAt", entry.finishedAt);
        run.set("outputs", entry.outputs.map(withoutText));
        if (entry.outputs.some((o) => o.type === "text")) showText(run, entry.outputs);
        else run.delete("text");
        run.set("currentJobId", entry.jobId);
      }, RUNS_ORIGIN);
      return "selected";
    },
  };
}

/** The live run keeps text in its Y.Text, not twice. */
function withoutText(output: RunOutput): RunOutput {
  if (output.text === undefined) return output;
  const { text: _text, ...rest } = output;
  return rest;
}

/** Puts a finished text output into the run's Y.Text (a reused or restored run streamed nothing). */
function showText(run: Y.Map<unknown>, outputs: RunOutput[]): void {
  const text = outputs.find((o) => o.type === "text")?.text;
  if (text === undefined) return;
  const shown = run.get("text");
  if (!(shown instanceof Y.Text)) return void run.set("text", new Y.Text(text));
  if (shown.toString() === text) return;
  shown.delete(0, shown.length);
  shown.insert(0, text);
}
