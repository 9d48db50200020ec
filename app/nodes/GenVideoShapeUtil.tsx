import { GenNodeShapeUtil } from "./gen-node-shape-util";

/** A `gen-video` node (see node-format.ts and the README's "Generation nodes and runs"). */
export class GenVideoShapeUtil extends GenNodeShapeUtil {
  static override type = "gen-video" as const;
  readonly kind = "video" as const;
}
