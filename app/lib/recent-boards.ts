/** Boards this browser has opened, newest first, kept in localStorage for the landing page. */
export interface RecentBoard {
  id: string;
  title: string;
  openedAt: number;
}

const KEY = "genboard:recent-boards";
const MAX = 12;

export function readRecentBoards(): RecentBoard[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (b): b is RecentBoard => typeof b?.id === "string" && typeof b?.title === "string" && typeof b?.openedAt === "number",
    );
  } catch {
    return []; // storage blocked (third-party iframe, private mode) or corrupt: nothing to show
  }
}

export function rememberBoard(board: { id: string; title: string }): void {
  try {
    const rest = readRecentBoards().filter((b) => b.id !== board.id);
    localStorage.setItem(KEY, JSON.stringify([{ ...board, openedAt: Date.now() }, ...rest].slice(0, MAX)));
  } catch {
    /* storage blocked: recents are a convenience */
  }
}
