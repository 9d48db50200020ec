import * as Y from "yjs";
import { writesToRoots, type DecodedUpdate } from "./server-owned.js";

/**
 * Why an edit socket's update must not be applied, or null when it may be.
 * Decided before anything of it is applied, from one decode of the update and
 * the room's document. `senderIds` are the Yjs client ids the socket claimed
 * as its own presence: its own edits may run ahead of the board while it
 * reconnects.
 */
export function refusalOf(doc: Y.Doc, update: Uint8Array, serverOwned: ReadonlySet<string>, senderIds: ReadonlySet<number>): string | null {
  const decoded = Y.decodeUpdate(update);
  const gap = gapIn(doc, decoded, senderIds);
  if (gap) return `leaves a gap: ${gap}`;
  const ahead = deleteAhead(doc, decoded);
  if (ahead) return `deletes ${ahead}, which does not exist yet`;
  if (writesToRoots(doc, decoded, serverOwned)) return `only the server writes ${[...serverOwned].join(", ")}`;
  return null;
}

/**
 * Where an update leaves a gap in the clocks of a client other than its
 * sender. Yjs would hold what follows the gap pending, unchecked, and
 * integrate it when another update fills the gap — content under another
 * client's id (the server's, say) at clocks it has not written yet, where its
 * real next writes would land. An honest client sends only what follows the
 * board's state for others (its sync answers the board's state vector); its
 * own edits may run ahead of the board while it reconnects.
 */
function gapIn(doc: Y.Doc, { structs }: DecodedUpdate, senderIds: ReadonlySet<number>): string | null {
  const next = new Map<number, number>();
  for (const s of structs) {
    if (senderIds.has(s.id.client)) continue;
    if (s instanceof Y.Skip) return `it skips ${s.id.client}:${s.id.clock}`;
    const expected = next.get(s.id.client) ?? Y.getState(doc.store, s.id.client);
    if (s.id.clock > expected) return `${s.id.client} starts at ${s.id.clock}, the board holds it up to ${expected}`;
    next.set(s.id.client, Math.max(expected, s.id.clock + s.length));
  }
  return null;
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
  // What the update inserts counts only where it continues the board: a delete of an item
  // held pending behind a gap would itself be held, and hit whatever takes that id.
  const inserted = new Map<number, number>();
  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const reach = inserted.get(s.id.client) ?? Y.getState(doc.store, s.id.client);
    if (s.id.clock <= reach) inserted.set(s.id.client, Math.max(reach, s.id.clock + s.length));
  }
  for (const [client, deletes] of ds.clients) {
    const known = Math.max(Y.getState(doc.store, client), inserted.get(client) ?? 0);
    for (const { clock, len } of deletes) if (clock + len > known) return `${client}:${Math.max(clock, known)}`;
  }
  return null;
}
