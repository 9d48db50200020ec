import { createHash, createHmac, randomBytes } from "node:crypto";

/** A capability token: 192 random bits, URL-safe. Only its hash is ever stored. */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * A share link's token, derived from the owner's token and the link's id. The
 * database keeps only hashes, yet the owner (and only the owner, whose token the
 * server never stores) can be shown the board's links again later.
 */
export function deriveLinkToken(ownerToken: string, linkId: string): string {
  return createHmac("sha256", ownerToken).update(`genboard-link:${linkId}`).digest().subarray(0, 24).toString("base64url");
}

/** Short random id for rows that are not secrets (boards, links). */
export function newId(): string {
  return randomBytes(12).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Tokens we issue are exactly 32 base64url characters; anything else is not worth a lookup. */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === "string" && /^[A-Za-z0-9_-]{32}$/.test(token);
}

export const BOARD_ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;
