import type { MetaFunction } from "@remix-run/node";

export const meta: MetaFunction = () => [
  { title: "Genboard" },
  { name: "description", content: "A multiplayer canvas for multi-modal AI generation." },
];

export default function Index() {
  return (
    <main style={{ maxWidth: 640, margin: "10vh auto", padding: "0 1.5rem", lineHeight: 1.5 }}>
      <h1>Genboard</h1>
      <p>
        A multiplayer canvas for multi-modal AI generation. Boards sync live over our own Yjs server; the canvas
        arrives in a later release.
      </p>
      <p>
        Create a board with <code>POST /api/boards</code> and connect any y-websocket client to{" "}
        <code>/ws/&lt;boardId&gt;?token=&lt;token&gt;</code>.
      </p>
    </main>
  );
}
