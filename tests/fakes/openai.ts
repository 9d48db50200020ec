import type { ServerResponse } from "node:http";
import { delay, sendJson, startFakeServer, type FakeServer, type RecordedRequest } from "./http-fake.js";

/**
 * A fake OpenAI-compatible API speaking the real wire format: streamed chat
 * completions as Server-Sent Events (`chat.completion.chunk` objects, then
 * `data: [DONE]`), the images API, `GET /models`, and OpenAI's error bodies.
 * Each test installs the behaviour it needs with `fake.handle(route, fn)`;
 * by default chat echoes the prompt in three chunks and images answer with
 * a base64 PNG.
 */

export type Route = "POST /v1/chat/completions" | "POST /v1/images/generations" | "POST /v1/images/edits" | "GET /v1/models";
type RouteHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeOpenAI extends FakeServer {
  /** `http://127.0.0.1:<port>/v1`, what OPENAI_BASE_URL would be. */
  baseUrl: string;
  handle(route: Route, handler: RouteHandler): void;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const routes = new Map<string, RouteHandler>(Object.entries(defaultRoutes));
  const server = await startFakeServer((req, res) => {
    const route = routes.get(`${req.method} ${req.path.split("?")[0]}`);
    if (!route) return sendJson(res, 404, openAIError(`Unknown route ${req.method} ${req.path}`, "invalid_request_error"));
    return route(req, res);
  });
  return { ...server, baseUrl: `${server.origin}/v1`, handle: (route, handler) => routes.set(route, handler) };
}

const defaultRoutes: Record<Route, RouteHandler> = {
  "POST /v1/chat/completions": async (req, res) => {
    const body = req.json();
    const prompt: string = body.messages.at(-1).content;
    const third = Math.ceil(prompt.length / 3);
    const parts = [prompt.slice(0, third), prompt.slice(third, 2 * third), prompt.slice(2 * third)];
    await streamEvents(res, [...parts.map((p) => chatChunk(body.model, p)), chatChunk(body.model, "", "stop"), "[DONE]"].map(dataEvent));
  },
  "POST /v1/images/generations": (_req, res) => sendJson(res, 200, { created: 1, data: [{ b64_json: TINY_PNG_B64 }] }),
  "POST /v1/images/edits": (_req, res) => sendJson(res, 200, { created: 1, data: [{ b64_json: TINY_PNG_B64 }] }),
  "GET /v1/models": (_req, res) => sendJson(res, 200, { object: "list", data: [] }),
};

/** A 1×1 PNG. */
export const TINY_PNG_B64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

export function chatChunk(model: string, content: string, finishReason: string | null = null, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 1700000000,
    model,
    choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: finishReason }],
    ...extra,
  });
}

export const dataEvent = (data: string) => `data: ${data}\n\n`;

/** Starts an event stream and writes each piece as its own TCP write, a little apart, so they arrive as separate chunks. */
export async function streamEvents(res: ServerResponse, pieces: string[], { gapMs = 5, end = true } = {}) {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  for (const piece of pieces) {
    res.write(piece);
    await delay(gapMs);
  }
  if (end) res.end();
}

/** OpenAI's error body. */
export const openAIError = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });
