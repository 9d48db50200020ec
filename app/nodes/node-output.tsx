import { AssetRecordType, toRichText, useEditor, type TLAssetId } from "tldraw";
import { DownloadFile, DownloadText } from "./node-download";
import { keepInCard } from "./node-settings";
import type { GenNodeShape } from "./node-format";
import type { RunOutput, RunView } from "./use-run";

/**
 * What the node made: the streamed text of a text run, or the current run's
 * files (URLs into the asset store). While a new run has no output yet, or
 * after it failed, the current output (see RunHistory) stays visible.
 */
export function NodeOutput({ shape, run, canEdit }: { shape: GenNodeShape; run: RunView | null; canEdit: boolean }) {
  if (!run) return null;
  if (run.text !== null) {
    return (
      <div className="gb-node__output">
        <div className="gb-node__text" data-testid="node-text" {...keepInCard}>
          {run.text}
        </div>
        {run.status === "succeeded" && run.text && (
          <div className="gb-node__output-actions">
            {canEdit && <PlaceButton shape={shape} text={run.text} />}
            <DownloadText text={run.text} prompt={shape.props.prompt} seed={run.seed} />
          </div>
        )}
      </div>
    );
  }
  const shown = run.outputs.length > 0 ? run : (run.history.find((h) => h.jobId === run.currentJobId) ?? null);
  const outputs = shown?.outputs ?? [];
  const files = outputs.filter((o) => o.url);
  if (files.length === 0) return null;
  return (
    <div className="gb-node__output">
      {files.map((output) => (
        <OutputFile key={output.url} output={output} alt={shape.props.prompt} />
      ))}
      <div className="gb-node__output-actions">
        {canEdit && files[0].type !== "audio" && <PlaceButton shape={shape} output={files[0]} />}
        {files.map((output) => (
          <DownloadFile key={output.url} output={output} prompt={shape.props.prompt} seed={shown!.seed} />
        ))}
      </div>
    </div>
  );
}

/** Cards are ~320 CSS px wide: twice that covers high-density screens. */
const PREVIEW_WIDTH = 640;

function OutputFile({ output, alt }: { output: RunOutput; alt: string }) {
  const src = output.url!;
  // The card shows a preview, not the full resolution (the server downscales PNGs for `?w=`).
  const shown = output.mime === "image/png" ? `${src}?w=${PREVIEW_WIDTH}` : src;
  // The local provider's "video" is a GIF: an image to the browser.
  if (output.type === "image" || output.mime === "image/gif") return <img className="gb-node__media" data-testid="node-image" src={shown} alt={alt} draggable={false} />;
  if (output.type === "audio") return <audio className="gb-node__media" data-testid="node-audio" src={src} controls {...keepInCard} />;
  if (output.mime.startsWith("video/")) return <video className="gb-node__media" data-testid="node-video" src={src} controls {...keepInCard} />;
  return (
    <a href={src} target="_blank" rel="noreferrer" {...keepInCard}>
      {output.mime}
    </a>
  );
}

/** Copies the output onto the canvas as an ordinary tldraw shape, to the right of the node. */
function PlaceButton({ shape, output, text }: { shape: GenNodeShape; output?: RunOutput; text?: string }) {
  const editor = useEditor();
  const place = () => {
    const x = shape.x + shape.props.w + 40;
    const y = shape.y;
    if (text !== undefined) {
      editor.createShape({ type: "text", x, y, props: { richText: toRichText(text), autoSize: false, w: shape.props.w } });
      return;
    }
    if (!output?.url) return;
    const w = output.width ?? 512;
    const h = output.height ?? 512;
    const assetId: TLAssetId = AssetRecordType.createId();
    const isVideo = output.mime.startsWith("video/");
    editor.createAssets([
      {
        id: assetId,
        typeName: "asset",
        type: isVideo ? "video" : "image",
        props: { name: `${shape.props.model} ${shape.props.seed}`, src: output.url, w, h, mimeType: output.mime, isAnimated: isVideo || output.mime === "image/gif" },
        meta: {},
      },
    ]);
    const scale = Math.min(1, 400 / Math.max(w, h));
    editor.createShape({ type: isVideo ? "video" : "image", x, y, props: { assetId, w: w * scale, h: h * scale } });
  };
  return (
    <button type="button" className="gb-node__place" data-testid="node-place" onClick={place} {...keepInCard}>
      Place on canvas
    </button>
  );
}
