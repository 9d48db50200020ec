import { createShapeId, useEditor, useValue } from "tldraw";
import { defaultNodeProps, NODE_KINDS, NODE_SIZE, nodeShapeType, type NodeKind } from "./node-format";

const LABEL: Record<NodeKind, string> = { prompt: "Prompt", image: "Image", text: "Text", speech: "Speech", video: "Video" };

/** "Add node" in the share zone: a node of the chosen kind in the middle of the viewport, selected. Editors only. */
export function AddNodeMenu() {
  const editor = useEditor();
  const readonly = useValue("readonly", () => editor.getIsReadonly(), [editor]);
  if (readonly) return null;

  const add = (kind: NodeKind) => {
    const { w, h } = NODE_SIZE[kind];
    const center = editor.getViewportPageBounds().center;
    // Nodes added one after another cascade instead of hiding each other exactly.
    const taken = new Set(editor.getCurrentPageShapes().map((s) => `${Math.round(s.x)},${Math.round(s.y)}`));
    let x = Math.round(center.x - w / 2);
    let y = Math.round(center.y - h / 2);
    while (taken.has(`${x},${y}`)) [x, y] = [x + 24, y + 24];
    const id = createShapeId();
    editor.createShape({ id, type: nodeShapeType(kind), x, y, props: defaultNodeProps(kind) });
    editor.select(id);
  };

  // A native <select>: its list opens above tldraw's panels, which a menu inside the share zone cannot.
  return (
    <select className="gb-add-node" data-testid="add-node" aria-label="Add node" value="" onChange={(e) => e.target.value && add(e.target.value as NodeKind)}>
      <option value="" disabled>
        Add node
      </option>
      {NODE_KINDS.map((kind) => (
        <option key={kind} value={kind}>
          {LABEL[kind]}
        </option>
      ))}
    </select>
  );
}
