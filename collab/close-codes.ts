/**
 * WebSocket close codes the room server uses. They follow y-websocket's
 * convention, which its official client acts on: 44xx mirror an HTTP 4xx, a
 * decision reconnecting cannot change (the client stops: "fix your link",
 * 4401/4403/4404/4410); 45xx and 1001 mean "try again later" (it reconnects).
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
  /** The socket sent messages faster than its rate limit: a burst passes, so the client reconnects and resyncs (the HTTP analogue, 429, would be 44xx and stop it). */
  RateLimited: 4529,
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
