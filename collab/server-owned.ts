import * as Y from "yjs";

export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/**
 * Whether a client update would write to (insert into or delete from) any of
 * `roots`, the top-level types only the server writes (a board's `runs`).
 * Decided before the update is applied, from its structs and delete set and
 * the document it would land in. A reference the server cannot resolve counts
 * as a write: every honest client only refers to content the server relayed.
 */
export function writesToRoots(doc: Y.Doc, { structs, ds }: DecodedUpdate, roots: ReadonlySet<string>): boolean {
  if (roots.size === 0) return false;
  const incoming = new Map<number, Y.Item[]>();
  for (const s of structs) if (s instanceof Y.Item) (incoming.get(s.id.client) ?? incoming.set(s.id.client, []).get(s.id.client)!).push(s);

  const inUpdate = (id: Y.ID) => incoming.get(id.client)?.find((i) => i.id.clock <= id.clock && id.clock < i.id.clock + i.length);
  const inDoc = (id: Y.ID) => (id.clock < Y.getState(doc.store, id.client) ? (Y.getItem(doc.store, id) as Y.AbstractStruct) : null);

  const rootOfDocItem = (struct: Y.AbstractStruct): string | null => {
    if (!(struct instanceof Y.Item)) return null; // garbage-collected: nothing of it is left to write to
    let type = struct.parent as Y.AbstractType<unknown>;
    while (type._item) type = type._item.parent as Y.AbstractType<unknown>;
    return Y.findRootTypeKey(type);
  };

  const rootOfId = (id: Y.ID, depth: number): string | undefined => {
    const known = inDoc(id);
    if (known) return rootOfDocItem(known) ?? "";
    const fresh = inUpdate(id);
    return fresh ? rootOfIncoming(fresh, depth + 1) : undefined;
  };

  // An item names its parent only when it has no neighbour; otherwise it shares its neighbour's.
  const rootOfIncoming = (item: Y.Item, depth: number): string | undefined => {
    if (depth > 10_000) return undefined;
    if (typeof item.parent === "string") return item.parent;
    if (item.parent instanceof Y.ID) return rootOfId(item.parent, depth);
    if (item.origin) return rootOfId(item.origin, depth);
    if (item.rightOrigin) return rootOfId(item.rightOrigin, depth);
    return undefined;
  };

  for (const items of incoming.values()) {
    for (const item of items) {
      const root = rootOfIncoming(item, 0);
      if (root === undefined || roots.has(root)) return true;
    }
  }

  for (const [client, deletes] of ds.clients) {
    const stored = doc.store.clients.get(client);
    if (!stored) continue;
    for (const { clock, len } of deletes) {
      const end = Math.min(clock + len, Y.getState(doc.store, client));
      if (clock >= end) continue;
      for (let i = Y.findIndexSS(stored, clock); i < stored.length && stored[i].id.clock < end; i++) {
        // Clients resend their whole delete set with every sync: what is already deleted is no write.
        if (stored[i].deleted) continue;
        const root = rootOfDocItem(stored[i]);
        if (root !== null && roots.has(root)) return true;
      }
    }
  }
  return false;
}
