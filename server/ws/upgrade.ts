import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { CloseCode, type Connection, type RoomManager } from "../../collab/index.js";
import type { BoardService } from "../boards.js";
import type { Logger } from "../logger.js";
import { boardCredentialCookie } from "../auth/cookies.js";
import { WsTransport } from "./ws-transport.js";
import type { WsCounters } from "../observability/ws-metrics.js";
import { decodeQuery, safeDecode, splitTarget } from "../http/safe-url.js";

const WS_PATH = /^\/ws\/([^/]+)$/;
/** The Connection behind a ws socket; stored on the socket so listeners can be shared functions, not closures per socket. */
const CONN = Symbol("connection");
type Socket = WebSocket & { [CONN]: Connection };

interface WsDeps {
  rooms: RoomManager;
  boards: BoardService;
  logger: Logger;
  maxFrameBytes: number;
  heartbeatMs: number;
  counters: WsCounters;
}

/**
 * Accepts WebSocket upgrades on /ws/<boardId>?token=… on the HTTP server's port.
 * The upgrade is always completed so that refusals arrive as close codes with a
 * reason (browsers hide HTTP status codes of failed upgrades).
 */
export function attachWebSockets(server: Server, deps: WsDeps) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxFrameBytes, perMessageDeflate: false, clientTracking: false });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    // An exception here is outside any request handler: it would be uncaught and end the
    // process. Nothing below should throw, but one odd upgrade must never cost every board.
    try {
      routeUpgrade(wss, req, socket, head, deps);
    } catch (err) {
      deps.logger.error({ err }, "websocket upgrade failed");
      socket.destroy();
    }
  });

  const heartbeat = setInterval(
    () =>
      deps.rooms.heartbeat(
        (conn) => (conn.transport as WsTransport).ws.ping(),
        (conn) => (conn.transport as WsTransport).ws.terminate(),
      ),
    deps.heartbeatMs,
  );
  heartbeat.unref();
  return { close: () => clearInterval(heartbeat) };
}

function routeUpgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, deps: WsDeps) {
  const { path, query } = splitTarget(req.url ?? "/");
  const match = WS_PATH.exec(path);
  if (!match) {
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  const boardId = safeDecode(match[1]);
  const params = decodeQuery(query);
  if (boardId === null || params === null) {
    wss.handleUpgrade(req, socket, head, (ws) => refuse(ws, CloseCode.MalformedFrame, "malformed URL", deps));
    return;
  }
  const token = params.find(([name]) => name === "token")?.[1] ?? (isSameOrigin(req) ? boardCredentialCookie(req.headers.cookie, boardId) : undefined) ?? null;
  wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws as Socket, boardId, token, deps));
}

/** Closes a socket refused before it became a connection (its URL did not decode). */
function refuse(ws: WebSocket, code: number, reason: string, { counters }: WsDeps) {
  ws.on("error", onError);
  new WsTransport(ws, counters).close(code, reason);
}

function onSocket(ws: Socket, boardId: string, token: string | null, { rooms, boards, logger, counters }: WsDeps) {
  // Listeners first, before any await: frames that arrive during auth and load are queued, not lost.
  ws[CONN] = rooms.accept(new WsTransport(ws, counters));
  ws.on("message", onMessage);
  ws.on("close", onClose);
  ws.on("pong", onPong);
  ws.on("error", onError);
  boards
    .authorizeSocket(boardId, token)
    .then((result) => {
      if ("closeCode" in result) ws[CONN].close(result.closeCode, result.reason);
      else return rooms.admit(ws[CONN], result);
    })
    .catch((err) => {
      logger.error({ err, boardId }, "socket authorization failed");
      ws[CONN].close(CloseCode.LoadFailed, "server error");
    });
}

const connOf = (ws: WebSocket) => (ws as Socket)[CONN];

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean) {
  const conn = connOf(this);
  (conn.transport as WsTransport).counters.received(data);
  conn.receive(data, isBinary);
}
function onClose(this: WebSocket) {
  connOf(this).closed();
}
function onPong(this: WebSocket) {
  connOf(this).alive = true;
}
function onError() {
  // ws follows every error (oversized frame, bad opcode, reset) with 'close', which does the cleanup.
}

/**
 * Cookies count as a credential only for pages of our own origin: any site can
 * open a WebSocket to us, and the browser would attach our cookies to it.
 */
function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
