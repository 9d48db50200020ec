import type { Logger } from "../logger.js";
import type { Provider } from "../providers/types.js";
import type { Metrics } from "./metrics.js";

/**
 * A provider whose every call is logged and timed: one line when the call
 * starts and one when it ends, both carrying the job id and the id of the
 * request that started the run, so a slow or failing upstream call can be
 * traced back to the click that caused it.
 */
export function observedProvider(provider: Provider, logger: Logger, metrics: Metrics): Provider {
  const log = logger.child({ provider: provider.id });
  return {
    id: provider.id,
    label: provider.label,
    availability: () => provider.availability(),
    models: (signal) => provider.models(signal),
    async run(input, context) {
      const callLog = log.child({ jobId: context.jobId, requestId: context.requestId, model: input.model });
      const stop = metrics.providerCalls.startTimer({ provider: provider.id });
      const started = performance.now();
      callLog.info({ kind: input.kind }, "provider call started");
      try {
        const result = await provider.run(input, context);
        stop({ outcome: "ok" });
        callLog.info({ ms: elapsed(started), outputs: result.outputs.length, costUsd: result.costUsd }, "provider call finished");
        return result;
      } catch (err) {
        const outcome = context.signal.aborted ? "aborted" : "error";
        stop({ outcome });
        callLog.warn({ ms: elapsed(started), err, outcome }, "provider call failed");
        throw err;
      }
    },
  };
}

const elapsed = (since: number) => Math.round(performance.now() - since);
