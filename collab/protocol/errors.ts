/**
 * Thrown when a client frame breaks the y-websocket wire format or our limits.
 * The room closes the sender's socket with `CloseCode.MalformedFrame`; nothing
 * of the frame has been applied when this is thrown.
 */
export class MalformedFrameError extends Error {
  readonly code = "malformed_frame" as const;
  constructor(message: string) {
    super(message);
    this.name = "MalformedFrameError";
  }
}
