import { ProviderError } from "../types.js";
import { errorFromFetchFailure, errorFromResponse, type ErrorContext } from "./errors.js";

export interface HttpTarget extends ErrorContext {
  /** Injected so tests (and a future proxy agent) can replace it; Node's global fetch otherwise. */
  fetch: typeof globalThis.fetch;
}

/**
 * One provider request with the run's signal. Resolves only with a 2xx
 * response; a network failure or any other status becomes a ProviderError.
 */
export async function send(target: HttpTarget, url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  let res: Response;
  try {
    res = await target.fetch(url, init);
  } catch (err) {
    throw errorFromFetchFailure(err, init.signal, target);
  }
  if (!res.ok) {
    throw await errorFromResponse(res, target);
  }
  return res;
}

/**
 * A 2xx body as JSON. A body that is not JSON at all (an HTML page: the base
 * URL points at a website, not an API) will not get better by retrying, so it
 * is permanent; a JSON body that breaks off is a dropped connection: transient.
 */
export async function readJson(res: Response, target: HttpTarget, signal: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw errorFromFetchFailure(err, signal, target, "reading the answer from");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const type = res.headers.get("content-type") ?? "no content type";
    if (!/json/i.test(type)) {
      throw new ProviderError(`${target.provider} answered with ${type.split(";")[0]}, not JSON: is its base URL an API endpoint?`, false, { status: res.status, cause: err });
    }
    throw new ProviderError(`${target.provider} sent a garbled or incomplete JSON answer`, true, { status: res.status, cause: err });
  }
}
