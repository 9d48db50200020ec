import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { boardSnapshots, boardUpdates } from "./schema.js";

export interface StoredDoc {
  snapshot: Uint8Array | null;
  /** Log entries after the snapshot, oldest first. */
  updates: Uint8Array[];
  /** Id of the newest log entry folded into `snapshot` or `updates` (0n when none). */
  lastUpdateId: bigint;
}

export interface AppendedUpdate {
  boardId: string;
  id: bigint;
}

/** The update log + snapshot store behind collab's rooms (see collab/doc-store.ts for the contract). */
export function createDocStore(db: Database) {
  return {
    async load(boardId: string): Promise<StoredDoc> {
      const [snap] = await db
        .select({ data: boardSnapshots.data, through: boardSnapshots.throughUpdateId })
        .from(boardSnapshots)
        .where(eq(boardSnapshots.boardId, boardId));
      const through = snap?.through ?? 0n;
      const rows = await db
        .select({ id: boardUpdates.id, data: boardUpdates.data })
        .from(boardUpdates)
        .where(and(eq(boardUpdates.boardId, boardId), gt(boardUpdates.id, through)))
        .orderBy(asc(boardUpdates.id));
      return {
        snapshot: snap ? toBytes(snap.data) : null,
        updates: rows.map((r) => toBytes(r.data)),
        lastUpdateId: rows.length ? rows[rows.length - 1].id : through,
      };
    },

    /** One multi-row insert for a whole batch, whatever the number of boards in it. */
    async append(entries: { boardId: string; data: Uint8Array }[]): Promise<AppendedUpdate[]> {
      if (entries.length === 0) return [];
      return db.insert(boardUpdates).values(entries).returning({ boardId: boardUpdates.boardId, id: boardUpdates.id });
    },

    /**
     * Replaces the snapshot and drops the log entries it covers, atomically.
     * The caller guarantees `data` contains every update with id <= throughId.
     */
    async compact(boardId: string, data: Uint8Array, throughId: bigint): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .insert(boardSnapshots)
          .values({ boardId, data, throughUpdateId: throughId })
          .onConflictDoUpdate({
            target: boardSnapshots.boardId,
            set: { data, throughUpdateId: throughId, updatedAt: sql`now()` },
            // never move a snapshot backwards if two compactions race
            setWhere: sql`${boardSnapshots.throughUpdateId} <= ${throughId}`,
          });
        await tx.delete(boardUpdates).where(and(eq(boardUpdates.boardId, boardId), lte(boardUpdates.id, throughId)));
      });
    },
  };
}

export type DocStoreImpl = ReturnType<typeof createDocStore>;

/** postgres.js hands back Buffers; Yjs wants plain Uint8Arrays (Buffer works, but keep one type). */
function toBytes(data: Uint8Array): Uint8Array {
  return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
