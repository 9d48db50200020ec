import { sql } from "drizzle-orm";
import { bigint, bigserial, customType, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Postgres `bytea`; PGlite returns Uint8Array, postgres.js a Buffer (also a Uint8Array). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

export const boards = pgTable("boards", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  /** sha256 of the owner credential; the credential itself is only ever in the owner's cookie. */
  ownerTokenHash: text("owner_token_hash").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Capability links. One live link per (board, kind); rotation revokes the old row and adds a new one. */
export const shareLinks = pgTable(
  "share_links",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["edit", "view", "embed"] }).notNull(),
    role: text("role", { enum: ["edit", "view"] }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("share_links_board_kind_idx").on(t.boardId, t.kind).where(sql`${t.revokedAt} is null`)],
);

/** Append-only Yjs update log: the tail after the board's snapshot. */
export const boardUpdates = pgTable(
  "board_updates",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    data: bytea("data").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("board_updates_board_id_idx").on(t.boardId, t.id)],
);

/** The compacted state of a board: every logged update with id <= throughUpdateId is inside `data`. */
export const boardSnapshots = pgTable("board_snapshots", {
  boardId: text("board_id")
    .primaryKey()
    .references(() => boards.id, { onDelete: "cascade" }),
  data: bytea("data").notNull(),
  /** Y.encodeStateVector of `data`, so a cold board can greet clients without integrating the snapshot. */
  stateVector: bytea("state_vector").notNull(),
  throughUpdateId: bigint("through_update_id", { mode: "bigint" }).notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Uploaded and generated media, addressed by the SHA-256 of their bytes, so the
 * same file is stored once whichever boards use it. `board_id` only records who
 * uploaded it first: a board being deleted sets it to null rather than
 * cascading, because other boards may show the same bytes.
 */
export const assets = pgTable(
  "assets",
  {
    /** Lowercase hex SHA-256 of `data`. */
    sha256: text("sha256").primaryKey(),
    mime: text("mime").notNull(),
    size: integer("size").notNull(),
    data: bytea("data").notNull(),
    boardId: text("board_id").references(() => boards.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("assets_board_id_idx").on(t.boardId)],
);

/**
 * Generation jobs: one row per run of a node. The row is the durable truth
 * (the queue only says what to do next): a restart re-queues what was queued,
 * and what was running once. `input_hash` lets an identical run reuse a
 * finished job's outputs.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    nodeId: text("node_id").notNull(),
    kind: text("kind").notNull(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    status: text("status", { enum: ["queued", "running", "succeeded", "failed", "canceled"] }).notNull(),
    /** What the provider was asked (prompt, params, seed, upstream job ids): never bytes. */
    input: jsonb("input").notNull(),
    inputHash: text("input_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Times this job was found running after a crash; it is re-queued once. */
    recoveries: integer("recoveries").notNull().default(0),
    outputs: jsonb("outputs"),
    error: text("error"),
    costUsd: doublePrecision("cost_usd"),
    requestId: text("request_id"),
    reusedFrom: text("reused_from"),
    /**
     * What the provider must remember across attempts of this job, e.g. the id
     * of the remote prediction it created: a retry or a restart resumes that
     * instead of starting (and paying for) another one.
     */
    providerState: jsonb("provider_state"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("jobs_board_created_idx").on(t.boardId, t.createdAt),
    index("jobs_status_created_idx").on(t.status, t.createdAt),
    index("jobs_reuse_idx").on(t.boardId, t.nodeId, t.inputHash),
  ],
);
