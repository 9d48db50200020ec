import type { RunContext } from "../types.js";
import type { ReplicateClient } from "./client.js";
import { UncertainCreateError } from "./create-outcome.js";
import type { Prediction } from "./prediction.js";

/**
 * What a job remembers between its attempts (RunContext.saveState, stored in
 * the job's row): the prediction it created, or that a create was sent at
 * `creatingSince` and its outcome is not known.
 */
export type SavedPrediction = { predictionId: string } | { creatingSince: string };

/**
 * Starts this job's prediction at most once, across retries and restarts.
 *
 * 1. A prediction id saved by an earlier attempt is resumed (GET), never
 *    created again.
 * 2. A create whose outcome an earlier attempt never learnt is looked for
 *    first (the list of predictions, by our job id in its webhook URL).
 * 3. Otherwise "creating since now" is saved before the create is sent, and
 *    the prediction id as soon as the create answers.
 * 4. A create that fails in a way that may have created it (create-outcome.ts)
 *    is looked for at once; when it is not (yet) listed, the error goes to the
 *    runner as it is, and the next attempt begins at step 2. A second
 *    prediction is only created after a lookup that comes one retry backoff
 *    later has not found the first.
 *
 * `onOrphan` is told when the job is aborted with a create in this doubt, so
 * that a prediction nobody will wait for can be found and canceled.
 */
export async function startPrediction(
  client: ReplicateClient,
  create: () => Promise<Prediction>,
  context: RunContext,
  onOrphan: (since: Date) => void,
): Promise<{ prediction: Prediction; resumed: boolean }> {
  const { jobId, signal } = context;
  const saved = savedPrediction(context.resumeState);
  if (saved && "predictionId" in saved) return { prediction: await client.getPrediction(saved.predictionId, signal), resumed: true };

  const save = (state: SavedPrediction) => context.saveState?.(state) ?? Promise.resolve();
  if (saved) {
    const found = await client.findPrediction(jobId, new Date(saved.creatingSince), signal);
    if (found) {
      await save({ predictionId: found.id });
      return { prediction: found, resumed: true };
    }
  }
  // The earliest create in doubt is kept: a later lookup must still find it.
  const since = saved ? new Date(saved.creatingSince) : new Date();
  await save({ creatingSince: since.toISOString() });
  let prediction: Prediction;
  try {
    prediction = await create();
  } catch (err) {
    if (!(err instanceof UncertainCreateError)) throw err;
    if (signal.aborted) {
      onOrphan(since);
      throw err;
    }
    // A lookup that fails leaves the doubt to the next attempt, which looks again first.
    const found = await client.findPrediction(jobId, since, signal).catch(() => null);
    if (!found) throw err;
    prediction = found;
  }
  await save({ predictionId: prediction.id });
  return { prediction, resumed: false };
}

function savedPrediction(state: unknown): SavedPrediction | null {
  if (state === null || typeof state !== "object") return null;
  const { predictionId, creatingSince } = state as Record<string, unknown>;
  if (typeof predictionId === "string" && predictionId) return { predictionId };
  if (typeof creatingSince === "string" && !Number.isNaN(Date.parse(creatingSince))) return { creatingSince };
  return null;
}
