import { z } from "zod";

/**
 * Generation nodes as they live in the board's `records` map: tldraw shapes of
 * type `gen-<kind>`. The canvas renders them (app/nodes), the scripting API
 * creates them and the job runner reads them — all through this one format.
 */
import { DEFAULT_MODEL, NODE_KINDS, NODE_SIZE, nodeShapeType, type NodeKind } from "./node-kinds.js";

export { DEFAULT_MODEL, NODE_KINDS, nodeShapeType, type NodeKind } from "./node-kinds.js";

const NodeProps = z.object({
  w: z.number(),
  h: z.number(),
  prompt: z.string(),
  model: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string()])),
  seed: z.number().int(),
});
export type NodeProps = z.infer<typeof NodeProps>;

const NodeShape = z.object({
  id: z.string().startsWith("shape:"),
  typeName: z.literal("shape"),
  type: z.enum(NODE_KINDS.map(nodeShapeType) as [string, ...string[]]),
  props: NodeProps,
});

export interface GenNode extends NodeProps {
  id: string;
  kind: NodeKind;
}

/** A node as the runner needs it, or null when the record is not a (valid) generation node. */
export function readNode(record: unknown): GenNode | null {
  const parsed = NodeShape.safeParse(record);
  if (!parsed.success) return null;
  return { id: parsed.data.id, kind: parsed.data.type.slice(4) as NodeKind, ...parsed.data.props };
}

export interface NewNode {
  id: string;
  kind: NodeKind;
  parentId: string;
  index: string;
  x: number;
  y: number;
  prompt?: string;
  model?: string;
  params?: Record<string, number | string>;
  seed?: number;
}

/** A complete, valid node record (every base shape field tldraw expects). */
export function createNodeRecord(node: NewNode) {
  return {
    id: node.id,
    typeName: "shape" as const,
    type: nodeShapeType(node.kind),
    parentId: node.parentId,
    index: node.index,
    x: node.x,
    y: node.y,
    rotation: 0,
    isLocked: false,
    opacity: 1,
    meta: {},
    props: {
      ...NODE_SIZE[node.kind],
      prompt: node.prompt ?? "",
      model: node.model ?? DEFAULT_MODEL[node.kind],
      params: node.params ?? {},
      seed: node.seed ?? Math.floor(Math.random() * 2 ** 31),
    },
  };
}
