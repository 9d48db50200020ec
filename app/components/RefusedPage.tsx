import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import type { Refused } from "../board/access.server";

const MESSAGES: Record<Refused["reason"], { title: string; body: string }> = {
  "unknown-board": { title: "No such board", body: "This board does not exist, or its address was mistyped." },
  "unknown-link": { title: "This link does not work", body: "The share link is not one we know. Check that it was copied whole." },
  "revoked-link": { title: "This link was turned off", body: "The board's owner revoked or replaced this share link. Ask them for a new one." },
  "no-access": {
    title: "You don't have access to this board",
    body: "Open it through a share link from its owner; the link gives this browser its access.",
  },
};

/** The route error boundary for board pages: a friendly page for refusals, a plain one for anything else. */
export function RefusedPage({ embedded = false }: { embedded?: boolean }) {
  const error = useRouteError();
  const reason = isRouteErrorResponse(error) ? (error.data as Refused | undefined)?.reason : undefined;
  const message = (reason && MESSAGES[reason]) || { title: "Something went wrong", body: "The board could not be opened. Try again in a moment." };
  return (
    <main className="gb-message" role="alert">
      <h1>{message.title}</h1>
      <p>{message.body}</p>
      {!embedded && <Link to="/">Back to Genboard</Link>}
    </main>
  );
}
