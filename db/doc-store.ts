import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { base64, fromBase64 } from "./bytea.js";
import { boardSnapshots, boardUpdates } from "./schema.js";

export interface StoredDoc {
  snapshot: Uint8Array | null;
  /** The snapshot's state vector (null with no snapshot). */
  snapshotStateVector: Uint8Array | null;
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
        .select({ data: base64(boardSnapshots.data), sv: base64(boardSnapshots.stateVector), through: boardSnapshots.throughUpdateId })
        .from(boardSnapshots)
        .where(eq(boardSnapshots.boardId, boardId));
      const through = snap?.through ?? 0n;
      const rows = await db
        .select({ id: boardUpdates.id, data: base64(boardUpdates.data) })
        .from(boardUpdates)
        .where(and(eq(boardUpdates.boardId, boardId), gt(boardUpdates.id, through)))
        .orderBy(asc(boardUpdates.id));
      return {
        snapshot: snap ? fromBase64(snap.data) : null,
        snapshotStateVector: snap ? fromBase64(snap.sv) : null,
        updates: rows.map((r) => fromBase64(r.data)),
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
    async compact(boardId: string, data: Uint8Array, stateVector: Uint8Array, throughId: bigint): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .insert(boardSnapshots)
          .values({ boardId, data, stateVector, throughUpdateId: throughId })
          .onConflictDoUpdate({
            target: boardSnapshots.boardId,
            set: { data, stateVector, throughUpdateId: throughId, updatedAt: sql`now()` },
            // never move a snapshot backwards if two compactions race
            setWhere: sql`${boardSnapshots.throughUpdateId} <= ${throughId}`,
          });
        await tx.delete(boardUpdates).where(and(eq(boardUpdates.boardId, boardId), lte(boardUpdates.id, throughId)));
      });
    },
  };
}

export type DocStoreImpl = ReturnType<typeof createDocStore>;
