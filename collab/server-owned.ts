import * as Y from "yjs";

export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/** An entry of a server-owned root: the root's name and the top-level key under it (a run's node id). */
export interface OwnedEntry {
  root: string;
  key: string;
}

/** One write a client update would make into a server-owned root; `author` is the item's client id (deletions name none). */
export interface OwnedWrite extends OwnedEntry {
  author: number | null;
}

/**
 * The writes (inserts and deletes) a client update would make into `roots`,
 * the top-level types only the server writes (a board's `runs`), each with
 * the entry it touches. Decided before the update is applied, from its
 * structs and delete set and the document it would land in. Null when a
 * reference cannot be resolved: every honest client only refers to content
 * the server relayed, so that counts as a write of unknown place.
 */
export function ownedWrites(doc: Y.Doc, { structs, ds }: DecodedUpdate, roots: ReadonlySet<string>): OwnedWrite[] | null {
  if (roots.size === 0) return [];
  // Per client, in clock order (as an update lists them), so an id is found by bisection.
  const incoming = new Map<number, Y.Item[]>();
  for (const s of structs) if (s instanceof Y.Item) (incoming.get(s.id.client) ?? incoming.set(s.id.client, []).get(s.id.client)!).push(s);

  const inUpdate = (id: Y.ID): Y.Item | undefined => {
    const items = incoming.get(id.client);
    if (!items) return undefined;
    let lo = 0;
    let hi = items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const item = items[mid];
      if (id.clock < item.id.clock) hi = mid - 1;
      else if (id.clock >= item.id.clock + item.length) lo = mid + 1;
      else return item;
    }
    return undefined;
  };
  const inDoc = (id: Y.ID) => (id.clock < Y.getState(doc.store, id.client) ? (Y.getItem(doc.store, id) as Y.AbstractStruct) : null);

  /** null: garbage-collected, nothing of it is left to write to. */
  const entryOfDocItem = (struct: Y.AbstractStruct): OwnedEntry | null => {
    if (!(struct instanceof Y.Item)) return null;
    let item = struct;
    while ((item.parent as Y.AbstractType<unknown>)._item) item = (item.parent as Y.AbstractType<unknown>)._item!;
    return { root: Y.findRootTypeKey(item.parent as Y.AbstractType<unknown>), key: item.parentSub ?? "" };
  };

  // An incoming item names its parent (and key) only when it has no neighbour; otherwise it shares its
  // neighbour's. Chains of neighbours run through the whole update (a list built item by item), so each
  // item's entry is found once, walking iteratively, and remembered: linear in the update's size.
  const known = new Map<Y.Item, OwnedEntry | null | undefined>();
  const entryOfIncoming = (start: Y.Item): OwnedEntry | null | undefined => {
    const chain = new Set<Y.Item>();
    let item: Y.Item | undefined = start;
    let entry: OwnedEntry | null | undefined;
    while (item) {
      if (known.has(item)) {
        entry = known.get(item);
        break;
      }
      chain.add(item);
      if (typeof item.parent === "string") {
        entry = { root: item.parent, key: item.parentSub ?? "" };
        break;
      }
      const next: Y.ID | null = item.parent instanceof Y.ID ? item.parent : (item.origin ?? item.rightOrigin);
      if (!next) break; // nothing to resolve it by
      const docItem = inDoc(next);
      if (docItem) {
        entry = entryOfDocItem(docItem);
        break;
      }
      item = inUpdate(next);
      if (item && chain.has(item)) break; // a cycle: unresolvable
    }
    for (const visited of chain) known.set(visited, entry);
    return entry;
  };

  const writes: OwnedWrite[] = [];
  for (const items of incoming.values()) {
    for (const item of items) {
      const entry = entryOfIncoming(item);
      if (entry === undefined) return null;
      if (entry && roots.has(entry.root)) writes.push({ ...entry, author: item.id.client });
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
        const entry = entryOfDocItem(stored[i]);
        if (entry && roots.has(entry.root)) writes.push({ ...entry, author: null });
      }
    }
  }
  return writes;
}

/** Whether a client update would write to any of `roots` (see `ownedWrites`). */
export function writesToRoots(doc: Y.Doc, decoded: DecodedUpdate, roots: ReadonlySet<string>): boolean {
  const writes = ownedWrites(doc, decoded, roots);
  return writes === null || writes.length > 0;
}
