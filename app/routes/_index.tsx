import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { credentialCookie, ownerCookieName } from "../../server/auth/cookies.js";
import { readRecentBoards, type RecentBoard } from "../lib/recent-boards";

export const meta: MetaFunction = () => [
  { title: "Genboard — a multiplayer canvas for AI generation" },
  { name: "description", content: "Draw, arrange and generate together on one live canvas." },
];

/** "New board": creates it, makes this browser its owner, opens it. */
export async function action({ context }: ActionFunctionArgs) {
  const board = await context.boards.create("Untitled board");
  return redirect(`/b/${board.id}`, { headers: { "Set-Cookie": credentialCookie(ownerCookieName(board.id), board.ownerToken, context.secureCookies) } });
}

export default function Index() {
  const creating = useNavigation().state !== "idle";
  return (
    <main className="gb-landing">
      <h1>Genboard</h1>
      <p>
        A multiplayer canvas for multi-modal AI generation. Sketch, arrange and wire up prompts with the people you share a
        board with — everyone sees every change live, and boards embed in any site.
      </p>
      <Form method="post">
        <button type="submit" className="gb-primary" disabled={creating}>
          {creating ? "Creating…" : "New board"}
        </button>
      </Form>
      <RecentBoards />
    </main>
  );
}

/** Boards this browser opened: read after hydration (they live in localStorage), in a box that does not resize the page. */
function RecentBoards() {
  const [boards, setBoards] = useState<RecentBoard[] | null>(null);
  useEffect(() => setBoards(readRecentBoards()), []);
  return (
    <section className="gb-recent" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent boards</h2>
      {boards?.length === 0 && <p className="gb-hint">Boards you open in this browser will be listed here.</p>}
      {boards && boards.length > 0 && (
        <ul>
          {boards.map((b) => (
            <li key={b.id}>
              <a href={`/b/${b.id}`}>{b.title}</a>
              <time dateTime={new Date(b.openedAt).toISOString()}>{new Date(b.openedAt).toLocaleDateString()}</time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
