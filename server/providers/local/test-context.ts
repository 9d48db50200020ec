/**
 * A RunContext for tests that records what a generator reports, and a way to
 * abort it mid-run and time how long it takes to stop.
 */
import assert from "node:assert/strict";
import type { RunContext } from "../types.js";

export interface RecordingContext extends RunContext {
  progress: number[];
  texts: string[];
  controller: AbortController;
}

export function recordingContext(): RecordingContext {
  const controller = new AbortController();
  const progress: number[] = [];
  const texts: string[] = [];
  return {
    jobId: "test-job",
    signal: controller.signal,
    controller,
    progress,
    texts,
    onProgress: (p) => progress.push(p),
    onText: (delta) => texts.push(delta),
  };
}

/**
 * Starts `run`, aborts once it has reported `afterProgressCalls` progress
 * updates (so the abort lands mid-run, not before it starts), and returns how
 * many milliseconds the run took to reject, having checked it rejected with
 * the abort's reason.
 */
export async function abortMidRun(run: (context: RecordingContext) => Promise<unknown>, afterProgressCalls = 3): Promise<number> {
  const context = recordingContext();
  const reason = new Error("test abort");
  let abortedAt = 0;
  const onProgress = context.onProgress;
  context.onProgress = (p) => {
    onProgress(p);
    if (context.progress.length === afterProgressCalls) {
      // After this turn: aborting from inside the generator's own call would be too easy.
      setTimeout(() => {
        abortedAt = performance.now();
        context.controller.abort(reason);
      }, 5);
    }
  };
  await assert.rejects(run(context), (err) => err === reason);
  assert.ok(abortedAt > 0, "the run ended before it was aborted: make it longer");
  assert.ok(context.progress.at(-1)! < 1, "the run reported completion although it was aborted");
  return performance.now() - abortedAt;
}
