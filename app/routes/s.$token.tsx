import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { credentialCookie, linkCookieName } from "../../server/auth/cookies.js";
import { linkAccess } from "../board/access.server";
import { RefusedPage } from "../components/RefusedPage";

/** A share link: remember its role for this browser (cookie), then open the board. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const token = params.token ?? "";
  const link = await linkAccess(context, token);
  return redirect(`/b/${link.boardId}`, {
    headers: { "Set-Cookie": credentialCookie(linkCookieName(link.boardId), token, context.secureCookies), "Cache-Control": "no-store" },
  });
}

export const ErrorBoundary = () => <RefusedPage />;
