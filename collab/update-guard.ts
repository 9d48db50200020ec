import * as Y from "yjs";
import { writesToRoots, type DecodedUpdate } from "./server-owned.js";

/**
 * Why an edit socket's update must not be applied, or null when it may be.
 * Decided before anything is applied, from one decode of the update and the
 * room's document.
 */
export function refusalOf(doc: Y.Doc, update: Uint8Array, serverOwned: ReadonlySet<string>): string | null {
  const decoded = Y.decodeUpdate(update);
  const ahead = deleteAhead(doc, decoded);
  if (ahead) return `deletes ${ahead}, which does not exist yet`;
  if (writesToRoots(doc, decoded, serverOwned)) return `only the server writes ${[...serverOwned].join(", ")}`;
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
