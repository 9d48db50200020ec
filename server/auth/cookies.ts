import { parse, serialize } from "cookie";

/** The owner credential for one board, set when the board is created. */
export const ownerCookieName = (boardId: string) => `gb_owner_${boardId}`;
/** The share-link token this browser opened a board with (`/s/<token>`). */
export const linkCookieName = (boardId: string) => `gb_link_${boardId}`;

const YEAR_S = 60 * 60 * 24 * 365;

export function credentialCookie(name: string, value: string, secure: boolean): string {
  return serialize(name, value, { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: YEAR_S });
}

export function readCookie(header: string | null | undefined, name: string): string | undefined {
  return parse(header ?? "")[name];
}

/** The credential this browser holds for a board: its owner cookie, else the share-link token it opened the board with. */
export function boardCredentialCookie(header: string | null | undefined, boardId: string): string | undefined {
  const cookies = parse(header ?? "");
  return cookies[ownerCookieName(boardId)] ?? cookies[linkCookieName(boardId)];
}
