import type { JobObserver } from "../jobs/job-observer.js";
import type { ErrorReporter } from "./error-reporter.js";
import type { Metrics } from "./metrics.js";

/** A failed job, as the error reporter sees it: the provider's message, grouped by provider. */
export class JobFailed extends Error {
  constructor(provider: string, message: string) {
    super(`${provider} job failed: ${message}`);
    this.name = "JobFailed";
  }
}

/** Counts every job and reports failed ones, with the request id that started them. */
export function jobReporting(metrics: Metrics, reporter: ErrorReporter): JobObserver {
  return {
    submitted(job) {
      metrics.jobsSubmitted.inc({ provider: job.provider });
    },
    ended(job, result) {
      metrics.jobsEnded.inc({ provider: job.provider, status: result.status });
      metrics.jobDuration.observe({ provider: job.provider, status: result.status }, (Date.now() - new Date(job.createdAt).getTime()) / 1000);
      if (result.status === "failed") {
        reporter.capture(new JobFailed(job.provider, result.error ?? "no message"), {
          requestId: job.requestId ?? undefined,
          jobId: job.id,
          boardId: job.boardId,
          provider: job.provider,
          extra: { model: job.model, nodeId: job.nodeId, attempts: job.attempts },
        });
      }
    },
    handedBack() {
      metrics.jobsHandedBack.inc();
    },
  };
}
