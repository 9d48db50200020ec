import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { base64, fromBase64 } from "./bytea.js";
import { completeSnapshot, type CompactionCandidate } from "./doc-fold.js";
import { boardSnapshots, boardUpdates } from "./schema.js";

export interface StoredDoc {
  snapshot: Uint8Array | null;
  /** The snapshot's state vector (null with no snapshot). */
  snapshotStateVector: Uint8Array | null;
  /** Log entries after the snapshot, oldest first. */
  updates: Uint8Array[];
  /** Id of the newest log entry folded into `snapshot` (0n when none). */
  snapshotThroughId: bigint;
  /** Id of the newest log entry folded into `snapshot` or `updates` (0n when none). */
  lastUpdateId: bigint;
}

export interface AppendedUpdate {
  boardId: string;
  id: bigint;
}

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type { CompactionCandidate };

/** First key of the board advisory locks, so they cannot collide with another feature's. */
const LOCK_SPACE = 0x6762; // "gb"

/**
 * Several processes may write and compact one board (distributed mode). Loads
 * and appends hold the board's advisory lock shared until they commit;
 * compaction holds it exclusively. So a compaction sees every row that will
 * ever get an id below its newest one (a row's id is drawn while its append
 * holds the lock, and commits before the lock is let go), and a load never sees
 * an old snapshot next to a log that a compaction already trimmed.
 */
const lockShared = (tx: Tx, boardIds: string[]) =>
  tx.execute(sql`select pg_advisory_xact_lock_shared(${LOCK_SPACE}, hashtext(b)) from jsonb_array_elements_text(${JSON.stringify([...new Set(boardIds)].sort())}::jsonb) b`);
const lockExclusive = (tx: Tx, boardId: string) => tx.execute(sql`select pg_advisory_xact_lock(${LOCK_SPACE}, hashtext(${boardId}))`);

/** The update log + snapshot store behind collab's rooms (see collab/doc-store.ts for the contract). */
export function createDocStore(db: Database) {
  return {
    load: (boardId: string): Promise<StoredDoc> =>
      db.transaction(async (tx) => {
        await lockShared(tx, [boardId]);
        return read(tx, boardId);
      }),

    /** One multi-row insert for a whole batch, whatever the number of boards in it. */
    async append(entries: { boardId: string; data: Uint8Array }[]): Promise<AppendedUpdate[]> {
      if (entries.length === 0) return [];
      return db.transaction(async (tx) => {
        await lockShared(tx, entries.map((e) => e.boardId));
        return tx.insert(boardUpdates).values(entries).returning({ boardId: boardUpdates.boardId, id: boardUpdates.id });
      });
    },

    /** See collab/doc-store.ts: the candidate, completed with what it lacks, replaces snapshot and log atomically. */
    compact: (boardId: string, candidate: CompactionCandidate): Promise<{ throughId: bigint; merged: number } | null> =>
      db.transaction(async (tx) => {
        await lockExclusive(tx, boardId);
        const stored = await read(tx, boardId, candidate.knownSnapshotThroughId);
        if (stored.updates.length === 0) return null;
        const { data, stateVector, merged } = completeSnapshot(candidate, stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates);
        const throughId = stored.lastUpdateId;
        await tx
          .insert(boardSnapshots)
          .values({ boardId, data, stateVector, throughUpdateId: throughId })
          .onConflictDoUpdate({ target: boardSnapshots.boardId, set: { data, stateVector, throughUpdateId: throughId, updatedAt: sql`now()` } });
        await tx.delete(boardUpdates).where(and(eq(boardUpdates.boardId, boardId), lte(boardUpdates.id, throughId)));
        return { throughId, merged };
      }),
  };
}

/** With `skipSnapshotThrough`, a snapshot through that id is not read (`snapshot` comes back null): the caller has it. */
async function read(db: Tx, boardId: string, skipSnapshotThrough?: bigint): Promise<StoredDoc> {
  const [meta] = await db.select({ through: boardSnapshots.throughUpdateId }).from(boardSnapshots).where(eq(boardSnapshots.boardId, boardId));
  const wanted = meta && meta.through !== skipSnapshotThrough;
  const [snap] = !wanted ? [] : await db
    .select({ data: base64(boardSnapshots.data), sv: base64(boardSnapshots.stateVector), through: boardSnapshots.throughUpdateId })
    .from(boardSnapshots)
    .where(eq(boardSnapshots.boardId, boardId));
  const through = meta?.through ?? 0n;
  const rows = await db
    .select({ id: boardUpdates.id, data: base64(boardUpdates.data) })
    .from(boardUpdates)
    .where(and(eq(boardUpdates.boardId, boardId), gt(boardUpdates.id, through)))
    .orderBy(asc(boardUpdates.id));
  return {
    snapshot: snap ? fromBase64(snap.data) : null,
    snapshotStateVector: snap ? fromBase64(snap.sv) : null,
    updates: rows.map((r) => fromBase64(r.data)),
    snapshotThroughId: through,
    lastUpdateId: rows.length ? rows[rows.length - 1].id : through,
  };
}

export type DocStoreImpl = ReturnType<typeof createDocStore>;
