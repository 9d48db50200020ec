import assert from "node:assert/strict";
import type * as Y from "yjs";
import { connect, createBoard, tokenOf, whenSynced, type Client } from "./clients.js";
import { spawnServer } from "./server-process.js";
import { freshStorage } from "./storage.js";

/**
 * Reading a board's `runs` map as a collaborator sees it. `watcher` is a getter
 * because test files connect their watcher in `before`.
 */
export function runsSeenBy(watcher: () => Client) {
  const runOf = (nodeId: string) => watcher().doc.getMap<Y.Map<unknown>>("runs").get(nodeId);
  const statusOf = (nodeId: string) => runOf(nodeId)?.get("status");
  /** Every status the watcher sees the node's run pass through, from now on. */
  const statusTrail = (nodeId: string) => {
    const seen: unknown[] = [];
    const note = () => {
      const s = statusOf(nodeId);
      if (s !== undefined && seen.at(-1) !== s) seen.push(s);
    };
    watcher().doc.on("update", note);
    return { seen, stop: () => watcher().doc.off("update", note) };
  };
  return { runOf, statusOf, statusTrail };
}

/** A spawned server on fresh storage with one board and a collaborator watching it; `close()` undoes it all. */
export async function boardWithWatcher(env: Record<string, string> = {}) {
  const storage = await freshStorage();
  const server = await spawnServer(storage, env);
  const board = await createBoard(server);
  const edit = tokenOf(board.links.edit);
  const watcher = connect(server, board.id, edit);
  await whenSynced(watcher);
  return {
    storage,
    server,
    board,
    edit,
    watcher,
    async close() {
      watcher.destroy();
      await server.stop();
      await storage.cleanup();
    },
  };
}

/**
 * The board API as an editor's script calls it. `post` checks the status and
 * answers the JSON body. Getters, because test files open their board in `before`.
 */
export function boardApi(target: () => { server: { http: string }; board: { id: string }; edit: string }) {
  const api = (path: string, init: RequestInit = {}) => {
    const { server, board, edit } = target();
    const headers = { "content-type": "application/json", authorization: `Bearer ${edit}`, ...(init.headers as Record<string, string> | undefined) };
    return fetch(`${server.http}/api/boards/${board.id}${path}`, { ...init, headers });
  };
  const post = async (path: string, body: unknown, status: number) => {
    const res = await api(path, { method: "POST", body: JSON.stringify(body) });
    assert.equal(res.status, status, await res.clone().text());
    return (await res.json()) as Record<string, string>;
  };
  return { api, post };
}
