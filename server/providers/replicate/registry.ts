import { LRUCache } from "lru-cache";
import { isTerminal, type Prediction } from "./prediction.js";

/**
 * Where a running `run()` waits for its prediction's webhooks, and where the
 * webhook route hands them in. Results arrive by webhook, not polling, so
 * this is the only link between the HTTP request Replicate makes and the job
 * that is waiting.
 *
 * Kept behind this interface because with several server processes the
 * webhook may reach another process than the one running the job: a Redis
 * implementation will publish in `deliver` and subscribe in `waitFor`.
 */
export interface PredictionRegistry {
  /**
   * Resolves with the prediction's terminal state (succeeded, failed,
   * canceled, aborted) when its webhook arrives; earlier webhooks (start,
   * output, logs) go to `onUpdate`. Rejects with `signal.reason` on abort.
   */
  waitFor(predictionId: string, onUpdate: (prediction: Prediction) => void, signal: AbortSignal): Promise<Prediction>;
  /** Hands a webhook's prediction to whoever waits for it; `true` when someone did. */
  deliver(prediction: Prediction): Promise<boolean>;
}

interface Waiter {
  resolve(prediction: Prediction): void;
  onUpdate(prediction: Prediction): void;
}

/**
 * The registry of one process. A prediction fast enough to finish before
 * `createPrediction`'s answer reached us (so before `waitFor`) would otherwise
 * be lost: terminal predictions nobody waits for are kept for a while, and a
 * later `waitFor` finds them.
 */
export function createInProcessRegistry(options: { unclaimedTtlMs?: number; maxUnclaimed?: number } = {}): PredictionRegistry {
  const waiters = new Map<string, Waiter>();
  const unclaimed = new LRUCache<string, Prediction>({ max: options.maxUnclaimed ?? 1000, ttl: options.unclaimedTtlMs ?? 10 * 60_000 });

  return {
    waitFor(predictionId, onUpdate, signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      const early = unclaimed.get(predictionId);
      if (early) {
        unclaimed.delete(predictionId);
        return Promise.resolve(early);
      }
      return new Promise<Prediction>((resolve, reject) => {
        const onAbort = () => {
          waiters.delete(predictionId);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiters.set(predictionId, {
          onUpdate,
          resolve(prediction) {
            signal.removeEventListener("abort", onAbort);
            waiters.delete(predictionId);
            resolve(prediction);
          },
        });
      });
    },

    async deliver(prediction) {
      const waiter = waiters.get(prediction.id);
      if (!waiter) {
        if (isTerminal(prediction)) unclaimed.set(prediction.id, prediction);
        return false;
      }
      if (isTerminal(prediction)) waiter.resolve(prediction);
      else waiter.onUpdate(prediction);
      return true;
    },
  };
}
