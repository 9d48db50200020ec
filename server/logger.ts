import pino from "pino";
import type { ErrorReporter } from "./observability/error-reporter.js";

export type Logger = pino.Logger;

/**
 * JSON lines on stdout; one logger per process, children carry request, job or
 * board ids. Every line logged at `error` or above with an `err` also goes to
 * the error reporter (Sentry when configured), tagged from the same bindings:
 * so an error is reported wherever it is logged, with its request id, and no
 * call site has to remember to do both.
 */
export function createLogger(level: string, reporter?: ErrorReporter): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(reporter?.enabled && {
      hooks: {
        logMethod(args, method, levelValue) {
          if (levelValue >= ERROR && isObject(args[0]) && args[0].err !== undefined) report(reporter, this, args[0], args[1]);
          return method.apply(this, args);
        },
      },
    }),
  });
}

const ERROR = 50;

function report(reporter: ErrorReporter, logger: Logger, fields: Record<string, unknown>, msg: unknown) {
  const all = { ...logger.bindings(), ...fields };
  const text = (key: string) => (typeof all[key] === "string" ? (all[key] as string) : undefined);
  const { err, pid: _pid, ...extra } = all;
  reporter.capture(err, {
    requestId: text("reqId") ?? text("requestId"),
    jobId: text("jobId"),
    boardId: text("boardId"),
    provider: text("provider"),
    extra: { ...extra, msg: typeof msg === "string" ? msg : undefined },
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
