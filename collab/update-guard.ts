import * as Y from "yjs";
import { ownedWrites, type DecodedUpdate, type OwnedEntry } from "./server-owned.js";

/**
 * What to do with an edit socket's update, decided before anything of it is
 * applied, from one decode of the update and the room's document:
 *
 *   null          apply it
 *   { refuse }    close the socket with the reason
 *   { replayed }  it writes into server-owned entries, but not as its sender:
 *                 what a client sends back after the server lost its own last
 *                 writes (a kill inside the batching window; the browser still
 *                 holds them, in memory or its offline copy). Refusing would
 *                 lock that client out for good, since it sends them on every
 *                 reconnect; applying them alone would let anyone forge them.
 *                 The room applies them and at once restores those entries as
 *                 the server had them (see Room.receive).
 *
 * `senderIds` are the Yjs client ids the socket announced as its own: a write
 * by one of them is the sender's own, never a replay.
 */
export type UpdateVerdict = { refuse: string } | { replayed: OwnedEntry[] } | null;

export function judgeClientUpdate(doc: Y.Doc, update: Uint8Array, serverOwned: ReadonlySet<string>, senderIds: ReadonlySet<number>): UpdateVerdict {
  const decoded = Y.decodeUpdate(update);
  const ahead = deleteAhead(doc, decoded);
  if (ahead) return { refuse: `deletes ${ahead}, which does not exist yet` };
  const writes = ownedWrites(doc, decoded, serverOwned);
  if (writes !== null && writes.length === 0) return null;
  if (writes === null || writes.some((w) => w.author !== null && senderIds.has(w.author))) return { refuse: `only the server writes ${[...serverOwned].join(", ")}` };
  const entries = new Map(writes.map((w) => [`${w.root}\u0000${w.key}`, { root: w.root, key: w.key }]));
  return { replayed: [...entries.values()] };
}

/**
 * A delete of an item nobody has written yet: Yjs keeps it pending and
 * applies it to whatever later takes that id — another person's next edit,
 * or the server's next write to a run, which no check sees then. An update
 * may delete what the room's document holds or what the update itself
 * inserts, nothing beyond. Returns the first such id as `client:clock`.
 */
function deleteAhead(doc: Y.Doc, { structs, ds }: DecodedUpdate): string | null {
  if (ds.clients.size === 0) return null;
  const inserted = new Map<number, number>();
  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const end = s.id.clock + s.length;
    if (end > (inserted.get(s.id.client) ?? 0)) inserted.set(s.id.client, end);
  }
  for (const [client, deletes] of ds.clients) {
    const known = Math.max(Y.getState(doc.store, client), inserted.get(client) ?? 0);
    for (const { clock, len } of deletes) if (clock + len > known) return `${client}:${Math.max(clock, known)}`;
  }
  return null;
}

/** A copy of a value of the document that can be set anew: shared types become new ones with the same content. */
export function copyOfShared(value: unknown): unknown {
  if (value instanceof Y.Map) return new Y.Map([...value.entries()].map(([k, v]) => [k, copyOfShared(v)] as [string, unknown]));
  if (value instanceof Y.Array) return Y.Array.from(value.toArray().map(copyOfShared) as never[]);
  if (value instanceof Y.Text) return new Y.Text(value.toString());
  return value;
}
