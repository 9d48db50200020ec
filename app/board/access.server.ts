import { data } from "@remix-run/node";
import type { AppLoadContext } from "@remix-run/node";
import { linkCookieName, ownerCookieName, readCookie } from "../../server/auth/cookies.js";

export type Role = "edit" | "view";

/** Why a page cannot show a board; the error pages render it. */
export interface Refused {
  reason: "unknown-board" | "unknown-link" | "revoked-link" | "no-access";
}

const refuse = (reason: Refused["reason"], status: number, headers?: HeadersInit) => data<Refused>({ reason }, { status, headers });

/** The board and this browser's role on it: owner cookie first, then the share link it opened. Throws a 403/404 response otherwise. */
export async function boardAccess(request: Request, context: AppLoadContext, boardId: string) {
  const cookies = request.headers.get("cookie");
  const board = await context.boards.findForOwner(boardId, readCookie(cookies, ownerCookieName(boardId)));
  if (!board) throw refuse("unknown-board", 404);
  if (board.isOwner) return { boardId, title: board.title, role: "edit" as Role, isOwner: true };
  const access = await context.boards.authorizeSocket(boardId, readCookie(cookies, linkCookieName(boardId)) ?? null);
  if ("closeCode" in access) throw refuse("no-access", 403);
  return { boardId, title: board.title, role: access.role as Role, isOwner: false };
}

/** What a share-link token opens. Throws 404 for an unknown link and 410 for a revoked one. */
export async function linkAccess(context: AppLoadContext, token: string, headers?: HeadersInit) {
  const link = await context.boards.resolveLink(token);
  if (!link) throw refuse("unknown-link", 404, headers);
  if (link.revoked) throw refuse("revoked-link", 410, headers);
  return link;
}
