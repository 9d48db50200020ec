import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "./client.js";
import { boards, shareLinks } from "./schema.js";

export type LinkKind = "edit" | "view" | "embed";
export type Role = "edit" | "view";

export interface NewLink {
  id: string;
  kind: LinkKind;
  role: Role;
  tokenHash: string;
}

export interface ResolvedLink {
  linkId: string;
  boardId: string;
  kind: LinkKind;
  role: Role;
  revoked: boolean;
}

/** Board and share-link rows. Tokens arrive here already hashed. */
export function createBoardsRepo(db: Database) {
  return {
    async create(board: { id: string; title: string; ownerTokenHash: string }, links: NewLink[]): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.insert(boards).values(board);
        if (links.length > 0) await tx.insert(shareLinks).values(links.map((l) => ({ ...l, boardId: board.id })));
      });
    },

    async get(boardId: string) {
      const [row] = await db.select().from(boards).where(eq(boards.id, boardId));
      return row ?? null;
    },

    async findLinkByTokenHash(tokenHash: string): Promise<ResolvedLink | null> {
      const [row] = await db.select().from(shareLinks).where(eq(shareLinks.tokenHash, tokenHash));
      if (!row) return null;
      return { linkId: row.id, boardId: row.boardId, kind: row.kind, role: row.role, revoked: row.revokedAt !== null };
    },

    async liveLinks(boardId: string) {
      return db
        .select({ id: shareLinks.id, kind: shareLinks.kind, role: shareLinks.role, createdAt: shareLinks.createdAt, tokenHash: shareLinks.tokenHash })
        .from(shareLinks)
        .where(and(eq(shareLinks.boardId, boardId), isNull(shareLinks.revokedAt)));
    },

    /** Revokes the live link of that kind; returns the ids revoked (empty if there was none). */
    async revoke(boardId: string, kind: LinkKind): Promise<string[]> {
      const rows = await db
        .update(shareLinks)
        .set({ revokedAt: new Date() })
        .where(and(eq(shareLinks.boardId, boardId), eq(shareLinks.kind, kind), isNull(shareLinks.revokedAt)))
        .returning({ id: shareLinks.id });
      return rows.map((r) => r.id);
    },

    /** Revokes the live link of that kind and adds its replacement, in one transaction. */
    async rotate(boardId: string, link: NewLink): Promise<string[]> {
      return db.transaction(async (tx) => {
        const revoked = await tx
          .update(shareLinks)
          .set({ revokedAt: new Date() })
          .where(and(eq(shareLinks.boardId, boardId), eq(shareLinks.kind, link.kind), isNull(shareLinks.revokedAt)))
          .returning({ id: shareLinks.id });
        await tx.insert(shareLinks).values({ ...link, boardId });
        return revoked.map((r) => r.id);
      });
    },
  };
}

export type BoardsRepo = ReturnType<typeof createBoardsRepo>;
