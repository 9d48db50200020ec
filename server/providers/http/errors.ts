import { ProviderError } from "../types.js";
import { retryAfterMs } from "./retry-after.js";

/**
 * Turning a provider's HTTP failure into a ProviderError, the same way for
 * every adapter: the runner retries only what is `transient`, so this mapping
 * decides whether a user waits for a retry or reads an error at once.
 *
 * - 408, 425, 429 and 5xx are transient (429 carries its Retry-After);
 * - every other status is permanent: a bad request, a bad key or an unknown
 *   model fails the same way on every attempt;
 * - content-policy refusals are permanent and say so in words.
 */

/** Longest provider text we put into a message a person will read on the canvas. */
const MAX_DETAIL_CHARS = 500;
/** Error bodies are small; an HTML error page from a proxy can be large, and we only need its start. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

const TRANSIENT_STATUSES = new Set([408, 425, 429]);
export const isTransientStatus = (status: number) => TRANSIENT_STATUSES.has(status) || status >= 500;

export interface ErrorContext {
  /** Who answered, as a person would name it: "OpenAI", "Replicate", "http://127.0.0.1:11434/v1". */
  provider: string;
  /** Added to a 401/403 message: which setting to check. */
  authHint?: string;
}

/** The error for a non-2xx response; reads (a bounded part of) its body. */
export async function errorFromResponse(res: Response, context: ErrorContext): Promise<ProviderError> {
  const body = await readBounded(res).catch(() => "");
  const detail = errorDetail(body, res.headers.get("content-type"));
  const status = res.status;
  const transient = isTransientStatus(status);
  const options = { status, retryAfterMs: status === 429 || status === 503 ? retryAfterMs(res.headers) : undefined };

  if (!transient && isContentPolicy(detail)) {
    return new ProviderError(`${context.provider} refused this prompt under its content policy: ${detail.message}`, false, options);
  }
  let message = `${context.provider} answered ${status}${res.statusText ? ` ${res.statusText}` : ""}`;
  if (detail.message) message += `: ${detail.message}`;
  if ((status === 401 || status === 403) && context.authHint) message += ` (${context.authHint})`;
  return new ProviderError(message, transient, options);
}

interface ErrorDetail {
  message: string;
  code?: string;
}

/**
 * The human part of an error body. Providers disagree on its shape:
 * OpenAI `{error:{message,code,type}}`, Ollama `{error:"…"}`, Replicate and
 * FastAPI servers (vLLM) `{detail:"…"}` or problem+json `{title,detail}`.
 * A body that is not JSON is quoted only when it is plain text: an HTML error
 * page would make a useless message.
 */
export function errorDetail(body: string, contentType: string | null): ErrorDetail {
  const trimmed = body.trim();
  if (!trimmed) return { message: "" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    if (/html/i.test(contentType ?? "") || /^<(!doctype|html)/i.test(trimmed)) return { message: "" };
    return { message: clip(trimmed) };
  }
  const record = asRecord(parsed);
  const error = record?.error;
  const inner = asRecord(error);
  const code = [inner?.code, inner?.type, record?.code].find((c): c is string => typeof c === "string");
  const candidates = [inner?.message, error, record?.detail, record?.message, record?.title];
  const text = candidates.find((c): c is string => typeof c === "string" && c.trim() !== "");
  if (text) return { message: clip(text), code };
  // FastAPI validation errors: {detail:[{loc,msg,type}]}.
  if (Array.isArray(record?.detail)) {
    const msgs = record.detail.map((d) => asRecord(d)?.msg).filter((m): m is string => typeof m === "string");
    if (msgs.length) return { message: clip(msgs.join("; ")), code };
  }
  return { message: clip(trimmed), code };
}

const CONTENT_POLICY = /content[_ ]policy|moderation|safety system|nsfw/i;
const isContentPolicy = (detail: ErrorDetail) => CONTENT_POLICY.test(detail.code ?? "") || CONTENT_POLICY.test(detail.message);

/**
 * The error for a fetch that threw instead of answering. An aborted signal is
 * the runner's own decision: a timeout is transient (the next attempt may be
 * faster), a cancel is not. Everything else that throws from fetch is the
 * network (refused, reset, DNS, undici's header/body timeouts): transient.
 */
export function errorFromFetchFailure(err: unknown, signal: AbortSignal, context: ErrorContext, during = "calling"): ProviderError {
  if (err instanceof ProviderError) return err;
  if (signal.aborted) return abortError(signal, context);
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new ProviderError(`Lost the connection while ${during} ${context.provider} (${reason})`, true, { cause: err });
}

export function abortError(signal: AbortSignal, context: ErrorContext): ProviderError {
  const timedOut = (signal.reason as { name?: string } | undefined)?.name === "TimeoutError";
  return timedOut
    ? new ProviderError(`${context.provider} took too long and the call was stopped`, true, { cause: signal.reason })
    : new ProviderError(`The call to ${context.provider} was canceled`, false, { cause: signal.reason });
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
      if (bytes >= MAX_ERROR_BODY_BYTES) break;
    }
  } finally {
    // Releases the connection without reading the rest of a huge error page.
    reader.cancel().catch(() => {});
  }
  return text + decoder.decode();
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

const clip = (text: string) => {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_DETAIL_CHARS ? `${oneLine.slice(0, MAX_DETAIL_CHARS - 1)}…` : oneLine;
};
