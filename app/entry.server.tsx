/**
 * Remix's default Node entry, except for where errors go: through the
 * request's logger (JSON, with its request id, and on to Sentry when it is
 * configured) instead of `console.error`. Bots and SPA mode get the whole
 * document at once; browsers get it streamed from the shell.
 */
import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer, isRouteErrorResponse } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";

const ABORT_DELAY = 5_000;

export const handleError: HandleErrorFunction = (error, { request, context }) => {
  if (request.signal.aborted) return; // the client went away: nothing failed
  // A URL no route matches (404) or a method a route does not take (405) is the client's; the access log line records it.
  if (isRouteErrorResponse(error) && error.status < 500) return;
  const err = isRouteErrorResponse(error) && (error as { error?: unknown }).error ? (error as { error?: unknown }).error : error;
  context.log.error({ err, method: request.method, url: new URL(request.url).pathname }, "page request failed");
};

export default function handleRequest(request: Request, responseStatusCode: number, responseHeaders: Headers, remixContext: EntryContext, loadContext: AppLoadContext) {
  const whole = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const respond = () => {
      shellRendered = true;
      const body = new PassThrough();
      responseHeaders.set("Content-Type", "text/html");
      resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />, {
      ...(whole ? { onAllReady: respond } : { onShellReady: respond }),
      onShellError: reject,
      onError(error: unknown) {
        responseStatusCode = 500;
        // Errors before the shell reject and are logged by handleError; these happened while streaming.
        if (shellRendered) loadContext.log.error({ err: error, url: new URL(request.url).pathname }, "page streaming failed");
      },
    });
    setTimeout(abort, ABORT_DELAY);
  });
}
