import { useEffect, useState } from "react";
import * as Y from "yjs";
import { useNodeBoard } from "./board-context";

/** runs[nodeId] as server/jobs/run-writer.ts writes it. */
export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "canceled";

import type { RunHistoryEntry, RunOutput } from "../../server/jobs/run-writer";
export type { RunHistoryEntry, RunOutput };

export interface RunView {
  jobId: string;
  status: RunStatus;
  progress: number;
  error: string | null;
  provider: string;
  model: string;
  seed: number;
  costUsd: number | null;
  outputs: RunOutput[];
  /** What a text model streamed so far (null for other kinds). */
  text: string | null;
  currentJobId: string | null;
  history: RunHistoryEntry[];
}

export const isActive = (status: RunStatus | undefined) => status === "queued" || status === "running";

/**
 * The node's run, re-rendering on every change the server makes to it
 * (status, progress, each streamed piece of text). The run's map may not exist
 * yet, or be replaced, so `runs` itself is watched for this node's key.
 */
export function useRun(nodeId: string): RunView | null {
  const { doc } = useNodeBoard();
  const [, setVersion] = useState(0);
  useEffect(() => {
    const runs = doc.getMap<unknown>("runs");
    const bump = () => setVersion((v) => v + 1);
    let run: Y.Map<unknown> | null = null;
    const attach = () => {
      const next = runs.get(nodeId);
      const map = next instanceof Y.Map ? (next as Y.Map<unknown>) : null;
      if (map === run) return;
      run?.unobserveDeep(bump);
      run = map;
      run?.observeDeep(bump);
      bump();
    };
    const onRuns = (event: Y.YMapEvent<unknown>) => {
      if (event.keysChanged.has(nodeId)) attach();
    };
    runs.observe(onRuns);
    attach();
    return () => {
      runs.unobserve(onRuns);
      run?.unobserveDeep(bump);
    };
  }, [doc, nodeId]);
  return readRun(doc.getMap<unknown>("runs").get(nodeId));
}

function readRun(value: unknown): RunView | null {
  if (!(value instanceof Y.Map)) return null;
  const run = value as Y.Map<unknown>;
  const text = run.get("text");
  const history = run.get("history");
  return {
    jobId: String(run.get("jobId") ?? ""),
    status: (run.get("status") as RunStatus) ?? "queued",
    progress: Number(run.get("progress") ?? 0),
    error: (run.get("error") as string | null) ?? null,
    provider: String(run.get("provider") ?? ""),
    model: String(run.get("model") ?? ""),
    seed: Number(run.get("seed") ?? 0),
    costUsd: (run.get("costUsd") as number | null) ?? null,
    outputs: Array.isArray(run.get("outputs")) ? (run.get("outputs") as RunOutput[]) : [],
    text: text instanceof Y.Text ? text.toString() : null,
    currentJobId: (run.get("currentJobId") as string | null) ?? null,
    history: history instanceof Y.Array ? (history.toArray() as RunHistoryEntry[]) : [],
  };
}
