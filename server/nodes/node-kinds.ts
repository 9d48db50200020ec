/**
 * The generation node kinds and their defaults, shared by the server (records,
 * runner) and the canvas. No dependencies, so the browser can import it.
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
