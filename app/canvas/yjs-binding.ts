import type { SerializedSchema, TLRecord, TLStore } from "tldraw";
import * as Y from "yjs";

/** Transaction origin of this browser's own writes, so the observer can skip them. */
export const LOCAL_ORIGIN = Symbol("genboard-local");

/**
 * Record types that belong to the board. Everything else tldraw keeps
 * (camera, selection, instance state, pointer, presence) stays in this browser.
 */
const SHARED_TYPES = new Set(["document", "page", "shape", "binding", "asset"]);

export interface Rejection {
  id: string;
  reason: string;
}

export interface BindingOptions {
  /** Viewers mirror the board but never write to it. */
  canWrite: boolean;
  onReject?: (rejection: Rejection) => void;
}

export function boardMaps(doc: Y.Doc) {
  return { records: doc.getMap<unknown>("records"), meta: doc.getMap<unknown>("meta") };
}

/**
 * Mirrors the board's document records between a tldraw store and the Y.Doc's
 * `records` map, both ways. Local user changes become one Yjs transaction per
 * store change; remote changes enter through `mergeRemoteChanges`, so they stay
 * out of the local undo stack. Incoming records are migrated from the schema
 * the writer declared and validated one by one: an invalid record is reported
 * and skipped, never allowed to break the canvas.
 */
export function bindStoreToDoc(store: TLStore, doc: Y.Doc, options: BindingOptions): () => void {
  const { records, meta } = boardMaps(doc);
  const ourSchema = store.schema.serialize();

  function accept(key: string, raw: unknown): TLRecord | Rejection {
    const shape = checkShape(key, raw);
    if (typeof shape === "string") return { id: key, reason: shape };
    const existing = (store.get(key as TLRecord["id"]) as TLRecord | undefined) ?? null;
    const phase = existing ? "updateRecord" : "createRecord";
    try {
      return store.schema.validateRecord(store, shape, phase, existing);
    } catch (invalid) {
      const theirs = meta.get("schema") as SerializedSchema | undefined;
      if (theirs) {
        const migrated = store.schema.migratePersistedRecord(shape, theirs, "up");
        if (migrated.type === "success") {
          try {
            return store.schema.validateRecord(store, migrated.value, phase, existing);
          } catch {
            /* fall through to the original reason */
          }
        }
      }
      return { id: key, reason: invalid instanceof Error ? invalid.message : String(invalid) };
    }
  }

  function applyRemote(keys: Iterable<string>) {
    const toPut: TLRecord[] = [];
    const toRemove: TLRecord["id"][] = [];
    for (const key of keys) {
      if (!records.has(key)) {
        if (store.has(key as TLRecord["id"])) toRemove.push(key as TLRecord["id"]);
        continue;
      }
      const result = accept(key, records.get(key));
      if ("reason" in result) options.onReject?.(result);
      else toPut.push(result);
    }
    if (toPut.length === 0 && toRemove.length === 0) return;
    store.mergeRemoteChanges(() => {
      if (toRemove.length > 0) store.remove(toRemove);
      if (toPut.length > 0) store.put(toPut);
    });
  }

  // The schema in the document says which format its records are in; compared only when it changes.
  let schemaSeen: unknown = undefined;
  function declareSchema() {
    const current = meta.get("schema");
    if (current === schemaSeen) return;
    if (!sameSchema(current as SerializedSchema | undefined, ourSchema)) meta.set("schema", ourSchema);
    schemaSeen = meta.get("schema");
  }

  function writeLocal(put: TLRecord[], removed: string[]) {
    doc.transact(() => {
      declareSchema();
      for (const record of put) records.set(record.id, record);
      for (const id of removed) records.delete(id);
    }, LOCAL_ORIGIN);
  }

  // What is already in the document wins over whatever the fresh store holds.
  applyRemote(records.keys());
  const stale = store.allRecords().filter((r) => SHARED_TYPES.has(r.typeName) && !records.has(r.id));
  if (stale.length > 0) store.mergeRemoteChanges(() => store.remove(stale.map((r) => r.id)));

  const onDocChange = (event: Y.YMapEvent<unknown>) => {
    if (event.transaction.origin === LOCAL_ORIGIN) return;
    applyRemote(event.keysChanged);
  };
  records.observe(onDocChange);

  const stopListening = store.listen(
    ({ changes }) => {
      if (!options.canWrite) return;
      const put = [...Object.values(changes.added), ...Object.values(changes.updated).map(([, to]) => to)].filter((r) =>
        SHARED_TYPES.has(r.typeName),
      );
      const removed = Object.values(changes.removed)
        .filter((r) => SHARED_TYPES.has(r.typeName))
        .map((r) => r.id);
      if (put.length > 0 || removed.length > 0) writeLocal(put, removed);
    },
    { source: "user", scope: "document" },
  );

  return () => {
    stopListening();
    records.unobserve(onDocChange);
  };
}

/** The structural checks tldraw's validators assume; returns the reason when the value is not a record at all. */
function checkShape(key: string, raw: unknown): TLRecord | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "not an object";
  const record = raw as { id?: unknown; typeName?: unknown };
  if (record.id !== key) return `its id ${JSON.stringify(record.id)} does not match its key`;
  if (typeof record.typeName !== "string" || !SHARED_TYPES.has(record.typeName)) return `typeName ${JSON.stringify(record.typeName)} is not a board record`;
  if (!key.startsWith(`${record.typeName}:`)) return `id does not start with "${record.typeName}:"`;
  return raw as TLRecord;
}

function sameSchema(a: SerializedSchema | undefined, b: SerializedSchema): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
