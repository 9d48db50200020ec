import { GenNodeShapeUtil } from "./gen-node-shape-util";

/** A `gen-text` node (see node-format.ts and the README's "Generation nodes and runs"). */
export class GenTextShapeUtil extends GenNodeShapeUtil {
  static override type = "gen-text" as const;
  readonly kind = "text" as const;
}
