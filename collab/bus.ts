/**
 * The pub/sub channel between server processes (DESIGN.md, "the two modes").
 * Embedded mode uses the in-process MemoryBus; distributed mode the Redis one.
 * Both pass collab/bus.contract.ts.
 *
 * Delivery is at most once, in publish order per publisher and topic, and
 * never back to the publisher. What a reconnect loses is not replayed: the bus
 * says so through `onResync`, and its users then exchange state (Yjs updates
 * are idempotent, so resending more than was lost is harmless).
 */
export interface Bus {
  /** This process on the bus; every message is delivered with its sender's id. */
  readonly nodeId: string;
  /** Resolves once messages on `topic` are delivered to `handler`. One handler per topic; a second call replaces it. */
  subscribe(topic: string, handler: BusHandler): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  /** Never throws and never waits: while disconnected the message is dropped (and a resync follows). */
  publish(topic: string, payload: Uint8Array): void;
  /** Called after messages may have been lost, once every subscription is live again. */
  onResync(listener: () => void): void;
  close(): Promise<void>;
}

export type BusHandler = (payload: Uint8Array, from: string) => void;
