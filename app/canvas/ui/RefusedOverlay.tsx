import { useEffect } from "react";

const MESSAGES: Record<number, string> = {
  4410: "The owner turned off the link you opened this board with.",
  4403: "You no longer have access to this board.",
  4401: "This browser's access to the board is not valid any more.",
  4404: "This board no longer exists.",
};

/** Shown instead of the canvas when the server ends our access: nothing of the board stays on screen or on disk. */
export function RefusedOverlay({ code, embed, onGone }: { code: number; embed: boolean; onGone: () => void }) {
  useEffect(() => onGone(), []); // once: forget the offline copy
  return (
    <main className="gb-message" role="alert" data-testid="access-ended">
      <h1>You're off this board</h1>
      <p>{MESSAGES[code] ?? "The server closed the connection to this board."} Ask the board's owner for a new link.</p>
      {!embed && <a href="/">Back to Genboard</a>}
    </main>
  );
}
