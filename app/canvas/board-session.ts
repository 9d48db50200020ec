import { atom, computed, createTLStore, defaultBindingUtils, defaultShapeUtils, type TLStore } from "tldraw";
import { IndexeddbPersistence } from "y-indexeddb";
import { nodeShapeUtils } from "../nodes";
import * as Y from "yjs";
import { uploadingAssetStore } from "./asset-store";
import { connectBoard, type ConnectionState } from "./connection";
import { forgetOfflinePage } from "./offline-pages";
import { bindPresence } from "./presence";
import { bindStoreToDoc, boardMaps, type Rejection } from "./yjs-binding";

export interface BoardSessionOptions {
  boardId: string;
  role: "edit" | "view";
  /** Embeds pass their link token; board pages authenticate with this browser's cookie. */
  token?: string;
  /** Keep a copy in IndexedDB, so edits made offline survive a reload and merge on reconnect. */
  offlineCopy: boolean;
  onReject?: (rejection: Rejection) => void;
}

export type BoardSession = ReturnType<typeof openBoardSession>;

/** tldraw's shapes and the generation nodes; the store and <Tldraw shapeUtils> must get the same list. */
export const canvasShapeUtils = [...defaultShapeUtils, ...nodeShapeUtils];

/** How long a board with a local copy waits for the server before showing that copy. */
const LOCAL_FIRST_WAIT_MS = 1500;

/**
 * Everything one open board needs in the browser: the Y.Doc, its socket, the
 * offline copy, the tldraw store bound to the doc, and presence. `ready`
 * resolves once the board can be shown: synced with the server, or — when the
 * server is out of reach — loaded from this browser's offline copy.
 */
export function openBoardSession(options: BoardSessionOptions) {
  const doc = new Y.Doc();
  const connection = atom<ConnectionState>("connection", { kind: "connecting" });
  const store: TLStore = createTLStore({
    shapeUtils: canvasShapeUtils,
    bindingUtils: defaultBindingUtils,
    assets: uploadingAssetStore(options.boardId, options.token),
    collaboration: {
      mode: atom("mode", options.role === "edit" ? "readwrite" : "readonly"),
      status: computed("status", () => (connection.get().kind === "connected" ? "online" : "offline")),
    },
  });
  const offlineCopy = options.offlineCopy ? new IndexeddbPersistence(`genboard:${options.boardId}`, doc) : null;
  const socket = connectBoard({ boardId: options.boardId, token: options.token, doc, onState: (s) => connection.set(s) });

  const disposers: Array<() => void> = [];
  let destroyed = false;
  const ready = new Promise<void>((resolve) => {
    socket.provider.once("sync", () => resolve());
    offlineCopy?.whenSynced.then(() => {
      const hasCopy = boardMaps(doc).records.size > 0;
      if (!navigator.onLine) resolve();
      else if (hasCopy) setTimeout(resolve, LOCAL_FIRST_WAIT_MS);
    });
  }).then(() => {
    if (destroyed) return;
    disposers.push(bindStoreToDoc(store, doc, { canWrite: options.role === "edit", onReject: options.onReject }));
    disposers.push(bindPresence(store, socket.provider.awareness));
  });

  return {
    doc,
    store,
    connection,
    ready,
    awareness: socket.provider.awareness,
    /**
     * This browser's place in the board after its last edit, for a run to wait
     * for (its request may reach the server before the edit does). tldraw hands
     * changes to its listeners once per frame; `listen` flushes them first, so
     * an edit typed just before Run is in the doc when the position is read.
     */
    lastEdit() {
      store.listen(() => {})();
      return { clientId: doc.clientID, clock: Y.getState(doc.store, doc.clientID) };
    },
    /** Forget this browser's copy (the link was revoked: nothing of the board should stay behind). */
    async forgetOfflineCopy() {
      await Promise.all([offlineCopy?.clearData(), forgetOfflinePage(options.boardId)]);
    },
    destroy() {
      destroyed = true;
      disposers.forEach((dispose) => dispose());
      socket.destroy();
      void offlineCopy?.destroy();
      doc.destroy();
    },
  };
}
