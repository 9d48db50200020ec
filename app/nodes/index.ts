import { GenImageShapeUtil } from "./GenImageShapeUtil";
import { GenPromptShapeUtil } from "./GenPromptShapeUtil";
import { GenSpeechShapeUtil } from "./GenSpeechShapeUtil";
import { GenTextShapeUtil } from "./GenTextShapeUtil";
import { GenVideoShapeUtil } from "./GenVideoShapeUtil";

/**
 * The generation node shapes. Register them in the store (createTLStore) and
 * pass them to <Tldraw shapeUtils>: the Yjs binding rejects records of types
 * the store's schema does not know.
 *
 *   createTLStore({ shapeUtils: [...defaultShapeUtils, ...nodeShapeUtils] })
 */
export const nodeShapeUtils = [GenPromptShapeUtil, GenImageShapeUtil, GenTextShapeUtil, GenSpeechShapeUtil, GenVideoShapeUtil];

export { NodeBoardContext, type NodeBoard } from "./board-context";
export { AddNodeMenu } from "./AddNodeMenu";
