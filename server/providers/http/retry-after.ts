/**
 * How long a provider asked us to wait before trying again, in milliseconds.
 *
 * `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * OpenAI also sends `retry-after-ms`, which is more precise and wins when
 * present. Anything unparseable gives `undefined`, so the runner falls back to
 * its own backoff instead of waiting on a guess.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms")?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));

  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // Date.parse alone would accept "5" or "tomorrow"-ish strings; an HTTP date always names a weekday or month.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
