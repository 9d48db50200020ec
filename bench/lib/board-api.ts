/**
 * The scripting API and a watching collaborator, for the job benchmarks:
 * boards, nodes and runs over HTTP (keep-alive fetch), and the official
 * y-websocket client (no BroadcastChannel) watching a board's `runs` map.
 */
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";

process.setMaxListeners(500); // y-websocket adds an exit listener per provider

export interface ApiBoard {
  id: string;
  token: string;
}

export async function createApiBoard(base: string, title: string): Promise<ApiBoard> {
  const res = await fetch(`${base}/api/boards`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title }) });
  if (res.status !== 201) throw new Error(`POST /api/boards: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: string; links: { edit: string } };
  return { id: body.id, token: body.links.edit.split("/").pop()! };
}

async function post(base: string, board: ApiBoard, path: string, body: unknown, expect: number, authorization = `Bearer ${board.token}`): Promise<Record<string, string>> {
  const res = await fetch(`${base}/api/boards/${board.id}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify(body),
  });
  if (res.status !== expect) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

/** A local image node: small and one step, so a job's own work is a few ms. */
export const SMALL_IMAGE = { kind: "image", prompt: "benchmark", params: { width: 64, height: 64, steps: 1 } } as const;

export const createNode = async (base: string, board: ApiBoard, body: Record<string, unknown> = SMALL_IMAGE) => (await post(base, board, "/nodes", body, 201)).nodeId!;

/** POST …/runs with force:true (every call is a new job); `authorization` picks the per-client rate-limit key. */
export const startRun = async (base: string, board: ApiBoard, nodeId: string, authorization?: string) =>
  (await post(base, board, "/runs", { nodeId, force: true }, 202, authorization)).jobId!;

export interface Watcher {
  doc: Y.Doc;
  runs: Y.Map<Y.Map<unknown>>;
  synced: Promise<void>;
  destroy(): void;
}

export function watch(port: number, board: ApiBoard): Watcher {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/ws`, board.id, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: board.token },
    disableBc: true,
  });
  const synced = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`watcher of ${board.id} did not sync`)), 15_000);
    provider.once("sync", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return {
    doc,
    runs: doc.getMap("runs"),
    synced,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
