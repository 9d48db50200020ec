import { lazy, Suspense, useEffect, useState } from "react";
import type { CanvasProps } from "../canvas/canvas-props";
import { BoardSkeleton } from "./BoardSkeleton";

// tldraw, Yjs and the canvas arrive in their own chunk, on board pages only.
const BoardCanvas = lazy(() => import("../canvas/BoardCanvas.client"));

/**
 * The board and embed pages: a skeleton from the server, the canvas once the
 * browser has the code. `canvasPreload` lists the canvas chunks, fetched from
 * the HTML instead of after hydration.
 */
export function BoardPage({ canvasPreload, ...props }: CanvasProps & { canvasPreload: string[] }) {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const skeleton = <BoardSkeleton title={props.title} />;
  return (
    <div className="gb-board">
      {canvasPreload.map((href) => (
        <link key={href} rel="modulepreload" href={href} />
      ))}
      {hydrated ? (
        <Suspense fallback={skeleton}>
          <BoardCanvas {...props} />
        </Suspense>
      ) : (
        skeleton
      )}
    </div>
  );
}
