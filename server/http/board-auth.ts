import type { Request } from "express";
import { CloseCode, type Access } from "../../collab/index.js";
import { boardCredentialCookie } from "../auth/cookies.js";
import type { BoardService, Refusal } from "../boards.js";
import { AppError } from "./errors.js";

/** The token of `Authorization: Bearer <token>` (the scheme is case-insensitive, as HTTP says), if that is the header. */
export function bearerToken(req: Request): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "")?.[1];
}

/** An edit link token or the owner's: `Authorization: Bearer <token>`, else this browser's cookie for the board. */
export function presentedToken(req: Request, boardId: string): string | null {
  return bearerToken(req) ?? boardCredentialCookie(req.get("cookie"), boardId) ?? null;
}

/**
 * The same decision a socket gets, so a link revoked for sockets is revoked for
 * every API call too. `action` names what was refused, for the error message.
 * Answers the access granted: its `linkId` (`owner:<boardId>` for the owner)
 * names the credential, whichever way it was presented.
 */
export async function requireEditor(boards: BoardService, req: Request, boardId: string, action: string): Promise<Access> {
  const access = await boards.authorizeSocket(boardId, presentedToken(req, boardId));
  if ("closeCode" in access) throw refusalError(boardId, access, action);
  if (access.role !== "edit") throw new AppError("forbidden", `This is a view link: ${action} needs an edit link or the board owner's credential.`);
  return access;
}

function refusalError(boardId: string, refusal: Refusal, action: string): AppError {
  switch (refusal.closeCode) {
    case CloseCode.NotFound:
      return new AppError("not_found", `No board with id "${boardId}".`);
    case CloseCode.Unauthorized:
      return new AppError("unauthorized", `${capitalize(action)} needs an edit link token or the board owner's credential as Authorization: Bearer <token> (${refusal.reason}).`);
    case CloseCode.Forbidden:
      return new AppError("forbidden", "This token belongs to another board.");
    case CloseCode.LinkRevoked:
      return new AppError("gone", "This link was revoked or rotated; ask the board's owner for the current edit link.");
    default:
      return new AppError("internal", `Could not authorize ${action}: ${refusal.reason}.`);
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
