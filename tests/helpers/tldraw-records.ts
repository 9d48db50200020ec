/**
 * Complete, valid tldraw records for seeding a board's `records` map from Node
 * (tldraw record id → plain JSON record), as the canvas app stores them.
 *
 * Built with @tldraw/tlschema (the schema package inside `tldraw`, same version)
 * and checked against its validators, so a record the app's store would reject
 * fails here, in the seeding code, not as a blank canvas in a browser test.
 * We import the schema package rather than `tldraw`: `tldraw` pulls in React and
 * leaves handles open that keep a Node process alive.
 *
 *   const records = boardRecords(shapeGrid(2000));
 *   // → document:document, page:page, 2,000 geo shapes on page:page
 */
import {
  createTLSchema,
  createShapeId,
  DocumentRecordType,
  PageRecordType,
  TLDOCUMENT_ID,
  toRichText,
  type TLDocument,
  type TLGeoShape,
  type TLPage,
  type TLPageId,
  type TLRecord,
} from "@tldraw/tlschema";
import { getIndices, type IndexKey } from "@tldraw/utils";

/** The one page a new board has: tldraw's default page id. */
export const PAGE_ID = "page:page" as TLPageId;

const schema = createTLSchema();

export function documentRecord(): TLDocument {
  return DocumentRecordType.create({ id: TLDOCUMENT_ID });
}

export function pageRecord(name = "Page 1"): TLPage {
  return PageRecordType.create({ id: PAGE_ID, name, index: "a1" as IndexKey });
}

export interface GeoShapeInit {
  id: string;
  index: IndexKey;
  x: number;
  y: number;
  w?: number;
  h?: number;
  geo?: TLGeoShape["props"]["geo"];
  color?: TLGeoShape["props"]["color"];
  fill?: TLGeoShape["props"]["fill"];
  text?: string;
  meta?: TLGeoShape["meta"];
}

/** A geo shape on PAGE_ID with every prop at GeoShapeUtil's default unless given. */
export function geoShape(init: GeoShapeInit): TLGeoShape {
  return {
    id: createShapeId(init.id),
    typeName: "shape",
    type: "geo",
    parentId: PAGE_ID,
    index: init.index,
    x: init.x,
    y: init.y,
    rotation: 0,
    isLocked: false,
    opacity: 1,
    meta: init.meta ?? {},
    props: {
      w: init.w ?? 100,
      h: init.h ?? 100,
      geo: init.geo ?? "rectangle",
      dash: "draw",
      growY: 0,
      url: "",
      scale: 1,
      flipX: false,
      flipY: false,
      color: init.color ?? "black",
      labelColor: "black",
      fill: init.fill ?? "none",
      size: "m",
      font: "draw",
      align: "middle",
      verticalAlign: "middle",
      richText: toRichText(init.text ?? ""),
    },
  };
}

export interface GridOptions {
  /** Shapes per row (default 50). */
  columns?: number;
  /** Distance between shape origins, in page units (default 24 × 16). */
  cell?: { w: number; h: number };
  /** Shape size (default 20 × 12). */
  size?: { w: number; h: number };
  /** Top-left of the grid (default 40, 40). */
  origin?: { x: number; y: number };
}

/**
 * `n` small rectangles in a grid. The defaults put 2,000 of them (50 × 40) in
 * 1,240 × 680 page units from (40, 40): all inside a 1280 × 720 viewport at
 * zoom 1, so the browser renders every one rather than culling most.
 */
export function shapeGrid(n: number, opts: GridOptions = {}): TLGeoShape[] {
  const columns = opts.columns ?? 50;
  const cell = opts.cell ?? { w: 24, h: 16 };
  const size = opts.size ?? { w: 20, h: 12 };
  const origin = opts.origin ?? { x: 40, y: 40 };
  const indices = getIndices(n);
  return Array.from({ length: n }, (_, i) =>
    geoShape({
      id: `grid-${i}`,
      index: indices[i + 1]!,
      x: origin.x + (i % columns) * cell.w,
      y: origin.y + Math.floor(i / columns) * cell.h,
      w: size.w,
      h: size.h,
      color: (["black", "blue", "green", "red"] as const)[i % 4],
      fill: "solid",
    }),
  );
}

/** The document and page records a board needs, followed by `shapes`; every record validated. */
export function boardRecords(shapes: TLRecord[] = []): TLRecord[] {
  const records = [documentRecord(), pageRecord(), ...shapes];
  validateRecords(records);
  return records;
}

/** Throws with the record's id when tldraw's schema rejects it. */
export function validateRecords(records: TLRecord[]): void {
  for (const record of records) {
    const type = schema.types[record.typeName];
    if (!type) throw new Error(`${record.id}: unknown typeName ${record.typeName}`);
    try {
      type.validate(record);
    } catch (err) {
      throw new Error(`${record.id} is not a valid tldraw record: ${(err as Error).message}`);
    }
  }
}
