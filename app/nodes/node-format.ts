import { T, type RecordProps, type TLShape } from "tldraw";
import { DEFAULT_MODEL, NODE_KINDS, NODE_SIZE, type NodeKind, type NodeShapeType } from "../../server/nodes/node-kinds";

/** The generation node format of server/nodes/node-record.ts, for the canvas (kinds and defaults come from the shared node-kinds module). */
export { DEFAULT_MODEL, NODE_KINDS, NODE_SIZE, nodeShapeType, type NodeKind, type NodeShapeType } from "../../server/nodes/node-kinds";

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
