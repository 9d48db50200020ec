import { T, type RecordProps, type TLShape } from "tldraw";

/**
 * The generation node format of server/nodes/node-record.ts, for the browser.
 * Copied rather than imported: that module validates with zod (v4), which
 * would add tens of KB to the canvas chunk for four constants. node-format.test.ts
 * fails when the two drift apart.
 */
export const NODE_KINDS = ["prompt", "image", "text", "speech", "video"] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const DEFAULT_MODEL: Record<NodeKind, string> = {
  prompt: "",
  image: "local:pattern",
  text: "local:storyteller",
  speech: "local:espeak",
  video: "local:frames",
};

export const NODE_SIZE: Record<NodeKind, { w: number; h: number }> = {
  prompt: { w: 280, h: 160 },
  image: { w: 320, h: 360 },
  text: { w: 340, h: 300 },
  speech: { w: 320, h: 220 },
  video: { w: 320, h: 360 },
};

export type NodeShapeType = `gen-${NodeKind}`;
export const nodeShapeType = (kind: NodeKind): NodeShapeType => `gen-${kind}`;
export const nodeKindOf = (type: string): NodeKind | null => {
  const kind = type.startsWith("gen-") ? type.slice(4) : "";
  return (NODE_KINDS as readonly string[]).includes(kind) ? (kind as NodeKind) : null;
};

export interface GenNodeProps {
  w: number;
  h: number;
  prompt: string;
  model: string;
  params: Record<string, number | string>;
  seed: number;
}

declare module "tldraw" {
  export interface TLGlobalShapePropsMap {
    "gen-prompt": GenNodeProps;
    "gen-image": GenNodeProps;
    "gen-text": GenNodeProps;
    "gen-speech": GenNodeProps;
    "gen-video": GenNodeProps;
  }
}

export type GenNodeShape = TLShape<NodeShapeType>;

/** Validators matching node-record.ts's zod schema (same fields, same value types). */
export const genNodeProps: RecordProps<GenNodeShape> = {
  w: T.number,
  h: T.number,
  prompt: T.string,
  model: T.string,
  params: T.dict(T.string, T.or(T.number, T.string)),
  seed: T.integer,
};

export const randomSeed = () => Math.floor(Math.random() * 2 ** 31);

/** The props of a new node of `kind`, as createNodeRecord would make them. */
export function defaultNodeProps(kind: NodeKind): GenNodeProps {
  return { ...NODE_SIZE[kind], prompt: "", model: DEFAULT_MODEL[kind], params: {}, seed: randomSeed() };
}
