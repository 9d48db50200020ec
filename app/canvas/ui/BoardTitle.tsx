import { useEffect, useState } from "react";
import { rememberBoard } from "../../lib/recent-boards";
import { useEditor, useValue } from "tldraw";

/** The board's name, from the shared document (so a rename shows everywhere at once); editors can change it. */
export function BoardTitle({ boardId, fallback }: { boardId: string; fallback: string }) {
  const editor = useEditor();
  const name = useValue("board name", () => editor.getDocumentSettings().name, [editor]) || fallback;
  useEffect(() => {
    document.title = `${name} · Genboard`;
    rememberBoard({ id: boardId, title: name });
  }, [boardId, name]);
  const readonly = useValue("readonly", () => editor.getIsReadonly(), [editor]);
  const [draft, setDraft] = useState<string | null>(null);

  if (readonly) return <div className="gb-title" data-testid="board-title">{name}</div>;
  const commit = () => {
    const next = draft?.trim();
    if (next && next !== name) editor.updateDocumentSettings({ name: next.slice(0, 200) });
    setDraft(null);
  };
  return (
    <input
      className="gb-title gb-title--editable"
      data-testid="board-title"
      aria-label="Board title"
      value={draft ?? name}
      maxLength={200}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        if (e.key === "Escape") {
          setDraft(null);
          (e.target as HTMLInputElement).blur();
        }
        e.stopPropagation(); // keep tldraw's shortcuts out of the title
      }}
    />
  );
}
