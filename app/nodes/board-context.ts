import { createContext, useContext } from "react";
import type * as Y from "yjs";

/**
 * What node cards need of the open board, which tldraw's shape components
 * cannot get from their props: the Y.Doc (runs live in its `runs` map, written
 * only by the server), where to send run requests and how to authenticate them
 * (board pages by cookie, embeds by their token).
 */
export interface NodeBoard {
  doc: Y.Doc;
  boardId: string;
  token?: string;
  canEdit: boolean;
  /** This browser's Yjs client id and clock after its last edit (pending canvas edits are written first). */
  lastEdit(): { clientId: number; clock: number };
}

export const NodeBoardContext = createContext<NodeBoard | null>(null);

export function useNodeBoard(): NodeBoard {
  const board = useContext(NodeBoardContext);
  if (!board) throw new Error("useNodeBoard outside a board (NodeBoardContext is provided by BoardCanvas)");
  return board;
}
