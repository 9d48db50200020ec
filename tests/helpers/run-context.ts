import type { RunContext } from "../../server/providers/types.js";

/** A RunContext that records what a provider reports, for provider tests. */
export interface RecordingContext extends RunContext {
  texts: string[];
  progress: number[];
  controller: AbortController;
}

export function recordingContext(signal?: AbortSignal): RecordingContext {
  const controller = new AbortController();
  const texts: string[] = [];
  const progress: number[] = [];
  return {
    jobId: "job-test",
    signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal,
    controller,
    texts,
    progress,
    onText: (delta) => texts.push(delta),
    onProgress: (p) => progress.push(p),
  };
}
