import { GenNodeShapeUtil } from "./gen-node-shape-util";

/** A `gen-image` node (see node-format.ts and the README's "Generation nodes and runs"). */
export class GenImageShapeUtil extends GenNodeShapeUtil {
  static override type = "gen-image" as const;
  readonly kind = "image" as const;
}
