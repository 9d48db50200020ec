/**
 * Where errors go besides the log. With SENTRY_DSN set, to Sentry, tagged with
 * the request id (and job, board, provider when known); without it, nowhere
 * else: the log line, with the error's stack and every binding of its logger,
 * is the record.
 *
 * @sentry/node is imported only when a DSN is configured: it pulls in
 * OpenTelemetry, which costs start-up time and memory a process without Sentry
 * should not pay.
 */
export interface ErrorContext {
  requestId?: string;
  jobId?: string;
  boardId?: string;
  provider?: string;
  /** Anything else worth seeing next to the error (never secrets). */
  extra?: Record<string, unknown>;
}

export interface ErrorReporter {
  readonly enabled: boolean;
  capture(error: unknown, context?: ErrorContext): void;
  /** Sends what is queued; bounded, for shutdown and crashes. */
  flush(timeoutMs: number): Promise<void>;
}

export const noReporter: ErrorReporter = { enabled: false, capture() {}, flush: async () => {} };

export interface SentryOptions {
  dsn: string | undefined;
  environment?: string;
  release?: string;
}

export async function createErrorReporter(options: SentryOptions): Promise<ErrorReporter> {
  if (!options.dsn) return noReporter;
  const Sentry = await import("@sentry/node");
  Sentry.init({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    // Errors only. The default integrations would also patch http and fetch for
    // tracing and install their own uncaught-exception handler, which exits the
    // process behind our shutdown's back; server/main.ts owns those events.
    defaultIntegrations: false,
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.dedupeIntegration(), Sentry.functionToStringIntegration(), Sentry.nodeContextIntegration(), Sentry.contextLinesIntegration()],
    tracesSampleRate: 0,
  });
  return {
    enabled: true,
    capture(error, context = {}) {
      Sentry.withScope((scope) => {
        if (context.requestId) scope.setTag("request_id", context.requestId);
        if (context.jobId) scope.setTag("job_id", context.jobId);
        if (context.boardId) scope.setTag("board_id", context.boardId);
        if (context.provider) scope.setTag("provider", context.provider);
        if (context.extra) scope.setExtras(context.extra);
        Sentry.captureException(error);
      });
    },
    async flush(timeoutMs) {
      await Sentry.flush(timeoutMs);
    },
  };
}
