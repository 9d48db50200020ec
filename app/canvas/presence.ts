import { createPresenceStateDerivation, InstancePresenceRecordType, react, UserRecordType, computed, type TLInstancePresence, type TLStore } from "tldraw";
import type { Awareness } from "y-protocols/awareness";
import { localUser } from "./user";

/**
 * Live presence over y-protocols awareness: our cursor, selection, viewport,
 * name and colour go out (at most once per frame); other people's come in as
 * tldraw `instance_presence` records, which is what draws their cursors and
 * fills the people menu. Nothing here is stored.
 */
export function bindPresence(store: TLStore, awareness: Awareness): () => void {
  const ownId = InstancePresenceRecordType.createId(String(awareness.clientID));
  const user = computed("presence user", () => {
    const u = localUser.get();
    return UserRecordType.create({ id: UserRecordType.createId(u.id), name: u.name, color: u.color });
  });
  const presence = createPresenceStateDerivation(user, { instanceId: ownId })(store);

  let frame = 0;
  const stopSending = react("send presence", () => {
    const state = presence.get();
    const u = user.get();
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      awareness.setLocalStateField("user", { name: u.name, color: u.color });
      awareness.setLocalStateField("presence", state);
    });
  });

  const presenceIdOf = (clientId: number) => InstancePresenceRecordType.createId(String(clientId));
  const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    const states = awareness.getStates();
    const toPut: TLInstancePresence[] = [];
    const toRemove = removed.map(presenceIdOf).filter((id) => store.has(id));
    for (const clientId of [...added, ...updated]) {
      if (clientId === awareness.clientID) continue;
      const incoming = readPresence(store, states.get(clientId)?.presence, presenceIdOf(clientId));
      if (incoming) toPut.push(incoming);
      else if (store.has(presenceIdOf(clientId))) toRemove.push(presenceIdOf(clientId));
    }
    if (toPut.length === 0 && toRemove.length === 0) return;
    store.mergeRemoteChanges(() => {
      if (toRemove.length > 0) store.remove(toRemove);
      if (toPut.length > 0) store.put(toPut);
    });
  };
  awareness.on("change", onChange);
  onChange({ added: [...awareness.getStates().keys()], updated: [], removed: [] });

  return () => {
    cancelAnimationFrame(frame);
    stopSending();
    awareness.off("change", onChange);
    awareness.setLocalStateField("presence", null);
    const others = store.query.records("instance_presence").get().map((r) => r.id);
    if (others.length > 0) store.mergeRemoteChanges(() => store.remove(others));
  };
}

/** A peer's presence as a valid record under the id their client owns; null when absent or malformed. */
function readPresence(store: TLStore, raw: unknown, id: TLInstancePresence["id"]): TLInstancePresence | null {
  if (typeof raw !== "object" || raw === null) return null;
  try {
    return store.schema.types.instance_presence.validate({ ...raw, id, typeName: "instance_presence" }) as TLInstancePresence;
  } catch {
    return null;
  }
}
