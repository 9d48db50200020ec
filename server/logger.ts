import pino from "pino";
import type { ErrorReporter } from "./observability/error-reporter.js";
import { safeDecode, splitTarget } from "./http/safe-url.js";

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
    // Every `url` field of every line (access log, request errors, page errors) goes through this.
    serializers: { url: redactUrl },
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

/** The pages whose second path segment is a share token (`/s/<token>`, `/embed/<token>`); routes match them in any case. */
const TOKEN_PAGES = new Set(["s", "embed"]);

/**
 * A request URL as it may be logged: share tokens are capabilities (whoever
 * reads the log could open the board with them), so they are replaced and the
 * rest of the URL is kept. Segments and query names are compared decoded, since
 * `/%73/<token>` and `?%74oken=` reach the same routes.
 */
export function redactUrl(url: unknown): unknown {
  if (typeof url !== "string") return url;
  const { path, query } = splitTarget(url);
  const segments = path.split("/");
  if (segments.length > 2 && TOKEN_PAGES.has(safeDecode(segments[1])?.toLowerCase() ?? "")) segments[2] = "[redacted]";
  const pairs = query.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq === -1 ? pair : pair.slice(0, eq);
    return safeDecode(name.replaceAll("+", " "))?.toLowerCase() === "token" ? `${name}=[redacted]` : pair;
  });
  return segments.join("/") + (url.includes("?") ? `?${pairs.join("&")}` : "");
}

function report(reporter: ErrorReporter, logger: Logger, fields: Record<string, unknown>, msg: unknown) {
  const all = { ...logger.bindings(), ...fields };
  const text = (key: string) => (typeof all[key] === "string" ? (all[key] as string) : undefined);
  const { err, pid: _pid, ...extra } = all;
  reporter.capture(err, {
    requestId: text("reqId") ?? text("requestId"),
    jobId: text("jobId"),
    boardId: text("boardId"),
    provider: text("provider"),
    // The hook sees the fields before pino's serializers do.
    extra: { ...extra, ...("url" in extra && { url: redactUrl(extra.url) }), msg: typeof msg === "string" ? msg : undefined },
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
