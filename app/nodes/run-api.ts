import type { NodeBoard } from "./board-context";

/**
 * The browser's side of the runs API (server/http/run-routes.ts). Board pages
 * authenticate with their cookie, embeds with `Authorization: Bearer <token>`.
 * Errors carry the server's message, for the card to show as it is.
 */
async function call<T>(board: NodeBoard, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/boards/${encodeURIComponent(board.boardId)}${path}`, {
    method,
    credentials: "same-origin",
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...(board.token ? { Authorization: `Bearer ${board.token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!response.ok) throw new Error(answer?.error?.message ?? `The server answered HTTP ${response.status}.`);
  return answer as T;
}

/**
 * Starts a run of `nodeId`; `force` runs again even when the inputs match the
 * last run. `after` makes the server wait for this browser's last edit, so a
 * prompt typed just before Run is the prompt that runs.
 */
export const startRun = (board: NodeBoard, nodeId: string, force = false) =>
  call<{ jobId: string }>(board, "POST", "/runs", { nodeId, ...(force ? { force } : {}), after: board.lastEdit() });

export const cancelRun = (board: NodeBoard, jobId: string) => call<unknown>(board, "DELETE", `/runs/${encodeURIComponent(jobId)}`);

/** Makes an earlier succeeded run of the node its current output again. */
export const selectOutput = (board: NodeBoard, nodeId: string, jobId: string) =>
  call<unknown>(board, "PUT", `/nodes/${encodeURIComponent(nodeId)}/current`, { jobId });
