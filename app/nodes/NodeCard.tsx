import { useEditor, useValue } from "tldraw";
import { useNodeBoard } from "./board-context";
import { useModels } from "./models";
import type { GenNodeProps, GenNodeShape, NodeKind } from "./node-format";
import { NodeOutput } from "./node-output";
import { keepInCard, ModelPicker, ParamInputs, paramsForModel } from "./node-settings";
import { RunHistory } from "./run-history";
import { RunPanel } from "./run-panel";
import { useRun } from "./use-run";

const KIND_LABEL: Record<NodeKind, string> = { prompt: "Prompt", image: "Image", text: "Text", speech: "Speech", video: "Video" };

/**
 * The card every generation node draws. Edits go through editor.updateShape,
 * so they travel like any other shape change; viewers (and read-only embeds)
 * see the same card without the controls.
 */
export function NodeCard({ shape, kind }: { shape: GenNodeShape; kind: NodeKind }) {
  const editor = useEditor();
  const board = useNodeBoard();
  const readonly = useValue("readonly", () => editor.getIsReadonly(), [editor]);
  const canEdit = board.canEdit && !readonly;
  const update = (props: Partial<GenNodeProps>) => editor.updateShape({ id: shape.id, type: shape.type, props });

  return (
    <div className={`gb-node gb-node--${kind}`} data-testid="gen-node" data-kind={kind} data-node-id={shape.id}>
      <header className="gb-node__header">
        <span className="gb-node__kind">{KIND_LABEL[kind]}</span>
        {kind !== "prompt" && <ModelSettings shape={shape} kind={kind} canEdit={canEdit} update={update} />}
      </header>
      <textarea
        className="gb-node__prompt"
        data-testid="node-prompt"
        aria-label={`${KIND_LABEL[kind]} prompt`}
        placeholder={kind === "prompt" ? "Write a prompt…" : "Describe what to generate…"}
        value={shape.props.prompt}
        readOnly={!canEdit}
        onChange={(e) => update({ prompt: e.target.value })}
        {...keepInCard}
      />
      {kind !== "prompt" && <RunSection shape={shape} kind={kind} canEdit={canEdit} update={update} />}
    </div>
  );
}

interface SectionProps {
  shape: GenNodeShape;
  kind: NodeKind;
  canEdit: boolean;
  update(props: Partial<GenNodeProps>): void;
}

function ModelSettings({ shape, kind, canEdit, update }: SectionProps) {
  const { providers } = useModels();
  return (
    <ModelPicker kind={kind} model={shape.props.model} disabled={!canEdit} onChange={(model) => update({ model, params: paramsForModel(model, shape.props.params, providers) })} />
  );
}

function RunSection({ shape, canEdit, update }: SectionProps) {
  const run = useRun(shape.id);
  return (
    <>
      <ParamInputs model={shape.props.model} params={shape.props.params} disabled={!canEdit} onChange={(params) => update({ params })} />
      <RunPanel nodeId={shape.id} run={run} canEdit={canEdit} />
      <NodeOutput shape={shape} run={run} canEdit={canEdit} />
      <RunHistory nodeId={shape.id} run={run} canEdit={canEdit} />
    </>
  );
}
