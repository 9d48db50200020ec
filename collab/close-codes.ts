/**
 * WebSocket close codes the room server uses. 44xx mirror the HTTP status a
 * REST call would get, so a client can tell "fix your link" (4401/4403/4404/4410)
 * from "try again later" (4429/4503/1001).
 */
export const CloseCode = {
  /** A frame broke the wire format or a limit (ws itself uses 1009 for oversized frames). */
  MalformedFrame: 4400,
  /** Missing or forged token. */
  Unauthorized: 4401,
  /** The token is valid, but for another board. */
  Forbidden: 4403,
  /** The board does not exist. */
  NotFound: 4404,
  /** The link was revoked (at connect time, or while the socket was open). */
  LinkRevoked: 4410,
  /** The socket sent messages faster than its rate limit. */
  RateLimited: 4429,
  /** The server could not load the board. */
  LoadFailed: 4500,
  /** The room already holds its maximum number of sockets. */
  RoomFull: 4503,
  /** The client reads too slowly: its send buffer passed the limit. */
  SlowConsumer: 4508,
  /** The server is shutting down; reconnect (possibly to another process). */
  GoingAway: 1001,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
