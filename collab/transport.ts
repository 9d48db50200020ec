/**
 * The three things a room needs from a socket. A `ws` WebSocket satisfies it
 * as it is (no adapter object per socket), and tests can pass in-memory pairs.
 */
export interface Transport {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  /**
   * Drops the socket at once, without a closing handshake: for a peer that
   * does not read, whose close frame would wait behind everything queued for
   * it, and with it the memory that holds that queue.
   */
  abort(code: number): void;
  /** Bytes accepted by send() but not yet handed to the network. */
  readonly bufferedAmount: number;
}
