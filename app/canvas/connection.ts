import { WebsocketProvider } from "y-websocket";
import type * as Y from "yjs";

export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "connected" }
  | { kind: "reconnecting"; inMs: number }
  | { kind: "offline" }
  | { kind: "refused"; code: number; reason: string };

/** Close codes after which trying again cannot help (see collab/close-codes.ts). */
const FINAL_CODES = new Set([4401, 4403, 4404, 4410]);
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 15_000;

/**
 * The board's socket: the official y-websocket provider, with our own retry
 * policy. Reconnects back off exponentially with full jitter, so a server
 * restart is not met by every browser at the same instant; the browser going
 * offline pauses retries until it is back; a refusal (revoked link, no access)
 * ends the session.
 */
export function connectBoard(options: { boardId: string; token?: string; doc: Y.Doc; onState: (state: ConnectionState) => void }) {
  const { boardId, token, doc, onState } = options;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const provider = new WebsocketProvider(`${scheme}://${location.host}/ws`, boardId, doc, {
    params: token ? { token } : {},
    disableBc: true, // the server is the only path between tabs: it enforces roles and revocation
    connect: false,
    shouldReconnect: () => false, // every close is handed to `closed` below, where the retry is scheduled
  });
  let attempts = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let state: ConnectionState = { kind: "connecting" };
  const set = (next: ConnectionState) => {
    state = next;
    onState(next);
  };

  provider.on("status", ({ status }) => {
    if (status === "connected") set({ kind: "connected" });
  });
  provider.on("sync", (synced: boolean) => {
    if (synced) attempts = 0;
  });
  provider.on("closed", ({ code, reason }) => {
    if (FINAL_CODES.has(code)) return set({ kind: "refused", code, reason });
    scheduleRetry();
  });

  function scheduleRetry() {
    clearTimeout(retry);
    if (!navigator.onLine) return set({ kind: "offline" });
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempts++);
    const inMs = Math.round(Math.random() * ceiling);
    set({ kind: "reconnecting", inMs });
    retry = setTimeout(() => provider.connect(), inMs);
  }

  const goneOffline = () => {
    clearTimeout(retry);
    provider.disconnect();
    set({ kind: "offline" });
  };
  const backOnline = () => {
    if (state.kind === "refused") return;
    attempts = 0;
    clearTimeout(retry);
    set({ kind: "connecting" });
    provider.connect();
  };
  addEventListener("offline", goneOffline);
  addEventListener("online", backOnline);
  if (navigator.onLine) provider.connect();
  else set({ kind: "offline" });

  return {
    provider,
    destroy() {
      clearTimeout(retry);
      removeEventListener("offline", goneOffline);
      removeEventListener("online", backOnline);
      provider.destroy();
    },
  };
}
