import "./process-shim";
import { useEffect, useMemo, useState } from "react";
import { DefaultPeopleMenu, Tldraw, useTldrawCurrentUser, useValue, type Editor, type TLComponents } from "tldraw";
import { BoardSkeleton } from "../components/BoardSkeleton";
import { assetUrls } from "./asset-urls";
import { AddNodeMenu, NodeBoardContext, nodeShapeUtils, type NodeBoard } from "../nodes";
import { openBoardSession, type BoardSession } from "./board-session";
import { registerOfflinePages } from "./offline-pages";
import type { CanvasProps } from "./canvas-props";
import { BoardTitle } from "./ui/BoardTitle";
import { ConnectionBadge } from "./ui/ConnectionBadge";
import { NamePrompt } from "./ui/NamePrompt";
import { RefusedOverlay } from "./ui/RefusedOverlay";
import { ShareButton } from "./ui/ShareButton";
import { SessionContext } from "./ui/session-context";
import { localUser, updateLocalUser } from "./user";

/** The live board: tldraw on the shared Y.Doc, with our chrome in tldraw's panels (none in embeds). */
export default function BoardCanvas(props: CanvasProps) {
  const session = useSession(props);
  const ready = useReady(session);
  const connection = useValue("connection", () => session?.connection.get(), [session]);
  const user = useTldrawCurrentUser({
    userPreferences: useValue("user", () => localUser.get(), []),
    setUserPreferences: (prefs) => updateLocalUser({ name: prefs.name ?? localUser.get().name, color: prefs.color ?? localUser.get().color, named: true }),
  });
  const components = useMemo(() => chrome(props), [props.boardId, props.role, props.isOwner, props.embed, props.ownLink]);
  const nodeBoard = useMemo<NodeBoard | null>(
    () => (session ? { doc: session.doc, boardId: props.boardId, token: props.token, canEdit: props.role === "edit", lastEdit: session.lastEdit } : null),
    [session, props.boardId, props.token, props.role],
  );

  useEffect(() => {
    if (!props.embed) registerOfflinePages();
  }, [props.embed]);

  if (connection?.kind === "refused") return <RefusedOverlay code={connection.code} embed={props.embed} onGone={() => session?.forgetOfflineCopy()} />;
  if (!session || !ready || !nodeBoard) return <BoardSkeleton title={props.title} status={connection?.kind === "reconnecting" ? "Reconnecting…" : undefined} />;

  const onMount = (editor: Editor) => {
    skipEagerFontLoading(editor);
    (window as unknown as { editor: Editor }).editor = editor; // for debugging in devtools, as tldraw's own examples do
    document.querySelector(".gb-board")?.setAttribute("data-canvas-ready", "true");
  };

  return (
    <SessionContext.Provider value={session}>
      <NodeBoardContext.Provider value={nodeBoard}>
        <Tldraw store={session.store} shapeUtils={nodeShapeUtils} user={user} assetUrls={assetUrls} licenseKey={props.licenseKey} components={components} onMount={onMount} />
        {!props.embed && <NamePrompt />}
      </NodeBoardContext.Provider>
    </SessionContext.Provider>
  );
}

function useSession(props: CanvasProps) {
  const [session, setSession] = useState<BoardSession | null>(null);
  useEffect(() => {
    const opened = openBoardSession({
      boardId: props.boardId,
      role: props.role,
      token: props.token,
      offlineCopy: !props.embed,
      onReject: ({ id, reason }) => console.warn(`Ignored an invalid record ${id}: ${reason}`),
    });
    setSession(opened);
    return () => opened.destroy();
  }, [props.boardId, props.role, props.token, props.embed]);
  return session;
}

function useReady(session: BoardSession | null) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    setReady(false);
    let current = true;
    session?.ready.then(() => current && setReady(true));
    return () => {
      current = false;
    };
  }, [session]);
  return ready;
}

function chrome(props: CanvasProps): TLComponents {
  if (props.embed) return { SharePanel: null, TopPanel: null };
  return {
    TopPanel: () => <BoardTitle boardId={props.boardId} fallback={props.title} />,
    SharePanel: () => (
      <div className="tlui-share-zone gb-share-zone" draggable={false}>
        <ConnectionBadge />
        <DefaultPeopleMenu />
        <AddNodeMenu />
        <ShareButton boardId={props.boardId} isOwner={props.isOwner} ownLink={props.ownLink} role={props.role} />
      </div>
    ),
  };
}

/**
 * tldraw asks for all sixteen of its fonts (~1.4 MB) as the editor mounts.
 * Every shape already asks for the faces it renders with, so dropping that
 * eager request loads only the fonts the board uses.
 */
function skipEagerFontLoading(editor: Editor) {
  const pending = (editor.fonts as unknown as { fontsToLoad?: Set<unknown> }).fontsToLoad;
  pending?.clear();
}
