/** Per-socket limits; every one comes from configuration (server/config.ts). */
export interface ConnectionLimits {
  /** Sustained messages per second a socket may send. */
  messagesPerSecond: number;
  /** Messages a socket may send in a burst above the sustained rate. */
  messageBurst: number;
  /** Bytes of frames buffered while the room loads; more closes the socket. */
  maxQueuedBytes: number;
  /** Largest awareness state (JSON bytes) one client may publish. */
  maxAwarenessStateBytes: number;
  /** Presence client ids one socket may claim in its life (a browser claims one); see PresenceOwners. */
  maxPresenceClients: number;
  /** A socket whose unsent output passes this is closed as a slow consumer. */
  maxBufferedBytes: number;
}

export interface RoomLimits {
  maxSocketsPerRoom: number;
  /** How long a room with no socket and no pin stays in memory. */
  idleUnloadMs: number;
  /** Top-level types only the server writes (e.g. `runs`); a client update touching one closes its socket. */
  serverOwnedRoots?: readonly string[];
}

export interface PersistenceOptions {
  /** Upper bound on how long an update waits before its batch is written. */
  flushMs: number;
  /** Compact a room's log into its snapshot after this many rows ... */
  compactAfterRows: number;
  /** ... or after this many bytes, whichever comes first. */
  compactAfterBytes: number;
}
