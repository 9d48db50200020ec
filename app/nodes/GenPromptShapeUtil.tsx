import { GenNodeShapeUtil } from "./gen-node-shape-util";

/** A `gen-prompt` node (see node-format.ts and the README's "Generation nodes and runs"). */
export class GenPromptShapeUtil extends GenNodeShapeUtil {
  static override type = "gen-prompt" as const;
  readonly kind = "prompt" as const;
}
