import { GenNodeShapeUtil } from "./gen-node-shape-util";

/** A `gen-speech` node (see node-format.ts and the README's "Generation nodes and runs"). */
export class GenSpeechShapeUtil extends GenNodeShapeUtil {
  static override type = "gen-speech" as const;
  readonly kind = "speech" as const;
}
