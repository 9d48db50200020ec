import type { BoardsRepo, LinkKind, NewLink, Role } from "../db/index.js";
import { CloseCode, type Access, type RoomManager } from "../collab/index.js";
import { AppError } from "./http/errors.js";
import { LinkCache } from "./auth/link-cache.js";
import { BOARD_ID_PATTERN, hashToken, isWellFormedToken, newId, newToken } from "./auth/tokens.js";

export const LINK_KINDS = ["edit", "view", "embed"] as const satisfies readonly LinkKind[];
const ROLE_OF: Record<LinkKind, Role> = { edit: "edit", view: "view", embed: "view" };

/** Where each kind of link points in the app. */
export function linkPath(kind: LinkKind, token: string): string {
  return kind === "embed" ? `/embed/${token}` : `/s/${token}`;
}

export interface Refusal {
  closeCode: number;
  reason: string;
}

/**
 * Boards and their capability links: creation, the owner's rotate/revoke, and
 * turning a token into an access decision. Tokens are hashed before they
 * touch the database.
 */
export function createBoardService(repo: BoardsRepo, rooms: RoomManager, links = new LinkCache({ max: 10_000, ttlMs: 60_000 })) {
  function issue(kind: LinkKind): { link: NewLink; token: string } {
    const token = newToken();
    return { token, link: { id: newId(), kind, role: ROLE_OF[kind], tokenHash: hashToken(token) } };
  }

  async function requireBoard(boardId: string) {
    const board = BOARD_ID_PATTERN.test(boardId) ? await repo.get(boardId) : null;
    if (!board) throw new AppError("not_found", `No board with id "${boardId}".`);
    return board;
  }

  return {
    async create(title: string) {
      const id = newId();
      const ownerToken = newToken();
      const issued = LINK_KINDS.map(issue);
      await repo.create({ id, title, ownerTokenHash: hashToken(ownerToken) }, issued.map((i) => i.link));
      const links = Object.fromEntries(issued.map((i) => [i.link.kind, linkPath(i.link.kind, i.token)])) as Record<LinkKind, string>;
      return { id, title, links, ownerToken };
    },

    /** Throws unless `ownerToken` is the board's owner credential. */
    async requireOwner(boardId: string, ownerToken: string | undefined) {
      const board = await requireBoard(boardId);
      if (!ownerToken) throw new AppError("unauthorized", "This needs the board owner's credential (cookie or Bearer token).");
      if (hashToken(ownerToken) !== board.ownerTokenHash) throw new AppError("forbidden", "Only the board's owner can do this.");
      return board;
    },

    async describe(boardId: string) {
      const board = await requireBoard(boardId);
      const links = await repo.liveLinks(boardId);
      return { id: board.id, title: board.title, createdAt: board.createdAt, links };
    },

    /** Replaces the link of that kind; the old one stops working and its sockets are closed. */
    async rotate(boardId: string, kind: LinkKind) {
      const { link, token } = issue(kind);
      const revoked = await repo.rotate(boardId, link);
      links.forget(revoked);
      const disconnected = rooms.closeLinks(revoked, CloseCode.LinkRevoked, "this link was rotated");
      return { kind, role: link.role, link: linkPath(kind, token), disconnected };
    },

    async revoke(boardId: string, kind: LinkKind) {
      const revoked = await repo.revoke(boardId, kind);
      if (revoked.length === 0) throw new AppError("not_found", `The board has no live ${kind} link.`);
      links.forget(revoked);
      const disconnected = rooms.closeLinks(revoked, CloseCode.LinkRevoked, "this link was revoked");
      return { kind, revoked: revoked.length, disconnected };
    },

    /** Decides what a socket for `boardId` presenting `token` may do. */
    async authorizeSocket(boardId: string, token: string | null): Promise<Access | Refusal> {
      if (!BOARD_ID_PATTERN.test(boardId)) return { closeCode: CloseCode.NotFound, reason: "no such board" };
      if (!token) return { closeCode: CloseCode.Unauthorized, reason: "missing token" };
      if (!isWellFormedToken(token)) return { closeCode: CloseCode.Unauthorized, reason: "invalid token" };
      const hash = hashToken(token);
      const link = await links.resolve(hash, repo.findLinkByTokenHash);
      if (link && link.boardId === boardId) {
        if (link.revoked) return { closeCode: CloseCode.LinkRevoked, reason: "this link was revoked" };
        return { boardId, role: link.role, linkId: link.linkId };
      }
      const board = await repo.get(boardId);
      if (!board) return { closeCode: CloseCode.NotFound, reason: "no such board" };
      if (board.ownerTokenHash === hash) return { boardId, role: "edit", linkId: `owner:${boardId}` };
      if (link) return { closeCode: CloseCode.Forbidden, reason: "token is for another board" };
      return { closeCode: CloseCode.Unauthorized, reason: "invalid token" };
    },
  };
}

export type BoardService = ReturnType<typeof createBoardService>;
