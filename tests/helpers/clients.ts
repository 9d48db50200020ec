import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";
import type { ServerProcess } from "./server-process.js";

export interface CreatedBoard {
  id: string;
  title: string;
  links: { edit: string; view: string; embed: string };
  ownerToken: string;
}

// y-websocket adds a process exit listener per provider; tests open dozens.
process.setMaxListeners(200);

export const tokenOf = (link: string) => link.split("/").pop()!;

export async function createBoard(server: Pick<ServerProcess, "http">, title = "Test board"): Promise<CreatedBoard> {
  const res = await fetch(`${server.http}/api/boards`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  });
  if (res.status !== 201) throw new Error(`create board: ${res.status} ${await res.text()}`);
  return res.json() as Promise<CreatedBoard>;
}

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  records: Y.Map<unknown>;
  /** Close events seen by the provider, newest last. */
  closes: { code: number; reason: string }[];
  destroy(): void;
}

/**
 * The official y-websocket client, unchanged. BroadcastChannel is off: in one
 * Node process it would sync providers directly, behind the server's back.
 */
export function connect(server: Pick<ServerProcess, "ws">, boardId: string, token: string, opts: { reconnect?: boolean } = {}): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(server.ws, boardId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 500,
  });
  const closes: Client["closes"] = [];
  provider.on("connection-close", (event: CloseEvent | null) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
    if (opts.reconnect === false) provider.shouldConnect = false;
  });
  return {
    doc,
    provider,
    records: doc.getMap("records"),
    closes,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export function whenSynced(client: Client, timeoutMs = 10_000): Promise<void> {
  if (client.provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("client did not sync")), timeoutMs);
    client.provider.once("sync", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Polls `check` until it holds; fails with `what` after the timeout. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a socket and resolves with the close code and reason the server sends. */
export function closeOf(url: string, timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`no close from ${url}`)), timeoutMs);
    ws.on("error", () => {});
    ws.on("close", (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}
