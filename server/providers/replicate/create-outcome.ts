import { ProviderError } from "../types.js";

/**
 * Whether a failed "create prediction" may still have created one. Replicate
 * has no idempotency key, so a create that is simply sent again after its
 * answer was lost can start (and bill) a second prediction. So a failed create
 * is sorted into one of two kinds:
 *
 * - certainly not created: the request never left (connection refused, DNS),
 *   or Replicate refused it with a status below 500 (400, 401, 404, 422, 429:
 *   it looked at the request and said no). Sending it again is safe.
 * - perhaps created: a 5xx (an error after the prediction was stored, or a
 *   gateway that gave up waiting for the API), a connection reset or timeout
 *   after the request was sent, a 2xx whose body broke off. These become an
 *   UncertainCreateError, and the provider looks for the prediction before it
 *   will create another (provider.ts).
 */
export class UncertainCreateError extends ProviderError {
  constructor(readonly underlying: ProviderError) {
    super(`${underlying.message} (the prediction may have been created; looking for it before creating another)`, underlying.transient, {
      ...underlying.options,
      cause: underlying,
    });
    this.name = "UncertainCreateError";
  }
}

/** Network errors that mean no byte of the request reached anyone. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ERR_INVALID_URL"]);

export function certainlyNotCreated(err: ProviderError): boolean {
  const status = err.options.status;
  if (status !== undefined) return status < 500;
  return neverSent(err.cause, 4);
}

/** Looks through the cause chain (fetch's TypeError → the socket error; an AggregateError when every address was tried). */
function neverSent(err: unknown, depth: number): boolean {
  if (depth < 0 || err === null || typeof err !== "object") return false;
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && NOT_SENT.has(code)) return true;
  if (Array.isArray(errors) && errors.length > 0) return errors.every((e) => neverSent(e, depth - 1));
  return neverSent(cause, depth - 1);
}
