import type { BoardsRepo, LinkKind, NewLink, Role } from "../db/index.js";
import { CloseCode, type Access, type RoomManager } from "../collab/index.js";
import { AppError } from "./http/errors.js";
import { LinkCache } from "./auth/link-cache.js";
import { BOARD_ID_PATTERN, deriveLinkToken, hashToken, isWellFormedToken, newId, newToken } from "./auth/tokens.js";

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
export function createBoardService(
  repo: BoardsRepo,
  rooms: RoomManager,
  {
    links = new LinkCache({ max: 10_000, ttlMs: 60_000 }),
    // Tells the other processes (server/link-revocations.ts); nobody to tell in embedded mode.
    announceRevoked = () => {},
  }: { links?: LinkCache; announceRevoked?: (linkIds: readonly string[]) => void } = {},
) {
  function issue(kind: LinkKind, ownerToken: string): { link: NewLink; token: string } {
    const id = newId();
    const token = deriveLinkToken(ownerToken, id);
    return { token, link: { id, kind, role: ROLE_OF[kind], tokenHash: hashToken(token) } };
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
      const issued = LINK_KINDS.map((kind) => issue(kind, ownerToken));
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

    /** The board with its live links; `ownerToken` (already checked) recovers each link's URL. */
    async describe(boardId: string, ownerToken: string) {
      const board = await requireBoard(boardId);
      const live = await repo.liveLinks(boardId);
      const links = live.map((l) => {
        const token = deriveLinkToken(ownerToken, l.id);
        return { ...l, link: hashToken(token) === l.tokenHash ? linkPath(l.kind, token) : null };
      });
      return { id: board.id, title: board.title, createdAt: board.createdAt, links };
    },

    /** Replaces the link of that kind; the old one stops working and its sockets are closed. */
    async rotate(boardId: string, kind: LinkKind, ownerToken: string) {
      const { link, token } = issue(kind, ownerToken);
      const revoked = await repo.rotate(boardId, link);
      links.forget(revoked);
      announceRevoked(revoked);
      const disconnected = rooms.closeLinks(revoked, CloseCode.LinkRevoked, "this link was rotated");
      return { kind, role: link.role, link: linkPath(kind, token), disconnected };
    },

    async revoke(boardId: string, kind: LinkKind) {
      const revoked = await repo.revoke(boardId, kind);
      if (revoked.length === 0) throw new AppError("not_found", `The board has no live ${kind} link.`);
      links.forget(revoked);
      announceRevoked(revoked);
      const disconnected = rooms.closeLinks(revoked, CloseCode.LinkRevoked, "this link was revoked");
      return { kind, revoked: revoked.length, disconnected };
    },

    /** What a share-link token opens, for the app's `/s/<token>` and `/embed/<token>` pages; null when unknown. */
    async resolveLink(token: string): Promise<{ boardId: string; title: string; role: Role; kind: LinkKind; revoked: boolean } | null> {
      if (!isWellFormedToken(token)) return null;
      const link = await links.resolve(hashToken(token), repo.findLinkByTokenHash);
      if (!link) return null;
      const board = await repo.get(link.boardId);
      if (!board) return null;
      return { boardId: link.boardId, title: board.title, role: link.role, kind: link.kind, revoked: link.revoked };
    },

    /** The board and whether `ownerToken` is its owner credential; null when there is no such board. */
    async findForOwner(boardId: string, ownerToken: string | undefined) {
      const board = BOARD_ID_PATTERN.test(boardId) ? await repo.get(boardId) : null;
      if (!board) return null;
      return { id: board.id, title: board.title, isOwner: !!ownerToken && hashToken(ownerToken) === board.ownerTokenHash };
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
