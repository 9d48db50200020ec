import { createContext, useContext } from "react";
import type { BoardSession } from "../board-session";

/** The open board session, for chrome that tldraw renders inside its own panels. */
export const SessionContext = createContext<BoardSession | null>(null);

export function useBoardSession(): BoardSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useBoardSession outside a board");
  return session;
}
