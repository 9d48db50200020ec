import * as Y from "yjs";

/** tldraw-like shape records, ~280 bytes of JSON each, as the `records` map holds them. */
export const RECORDS = "records";

export interface ShapeRecord {
  id: string;
  typeName: "shape";
  type: "geo";
  x: number;
  y: number;
  rotation: number;
  index: string;
  parentId: string;
  isLocked: boolean;
  opacity: number;
  props: Record<string, string | number>;
  meta: Record<string, string | number>;
}

export function shapeRecord(id: string, n: number, meta: Record<string, string | number> = {}): ShapeRecord {
  return {
    id,
    typeName: "shape",
    type: "geo",
    x: (n * 37) % 4000,
    y: (n * 91) % 3000,
    rotation: 0,
    index: `a${n.toString(36)}`,
    parentId: "page:page",
    isLocked: false,
    opacity: 1,
    props: { w: 120, h: 80, geo: "rectangle", color: "black", fill: "none", dash: "draw", size: "m", text: `shape ${n}` },
    meta,
  };
}

export interface Stamp {
  writer: number;
  phase: string;
  sentAt: number;
}

/** Reads the `meta` stamp (writer, phase, sentAt) of the record an update sets, if any. */
export function stampOf(update: Uint8Array): Stamp | null {
  for (const s of Y.decodeUpdate(update).structs) {
    if (s instanceof Y.Item && s.content instanceof Y.ContentAny) {
      const meta = (s.content.arr[0] as { meta?: Partial<Stamp> } | undefined)?.meta;
      if (meta?.sentAt !== undefined) return { writer: meta.writer ?? -1, phase: meta.phase ?? "", sentAt: meta.sentAt };
    }
  }
  return null;
}
