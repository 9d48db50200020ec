import { randomBytes } from "node:crypto";
import type { Bus, BusHandler } from "./bus.js";

/**
 * The bus of embedded mode: every node lives in this process. A single server
 * has one node and so no peers; tests attach several nodes to one hub to play
 * several processes. Delivery is asynchronous, as over a network.
 */
export class MemoryBusHub {
  private readonly nodes = new Set<MemoryBus>();

  node(): MemoryBus {
    const node = new MemoryBus(this, randomBytes(8).toString("hex"));
    this.nodes.add(node);
    return node;
  }

  /** @internal */
  get size(): number {
    return this.nodes.size;
  }

  /** @internal */
  deliver(from: MemoryBus, topic: string, payload: Uint8Array): void {
    for (const node of this.nodes) if (node !== from) node.receive(topic, payload, from.nodeId);
  }

  /** @internal */
  detach(node: MemoryBus): void {
    this.nodes.delete(node);
  }
}

export class MemoryBus implements Bus {
  private readonly handlers = new Map<string, BusHandler>();

  constructor(
    private readonly hub: MemoryBusHub,
    readonly nodeId: string,
  ) {}

  async subscribe(topic: string, handler: BusHandler): Promise<void> {
    this.handlers.set(topic, handler);
  }

  async unsubscribe(topic: string): Promise<void> {
    this.handlers.delete(topic);
  }

  publish(topic: string, payload: Uint8Array): void {
    // Embedded mode: a lone node, nobody to tell, nothing to copy.
    if (this.hub.size < 2) return;
    // Copied: the publisher may reuse its buffer, as it may with a socket.
    const copy = payload.slice();
    queueMicrotask(() => this.hub.deliver(this, topic, copy));
  }

  /** An in-process bus never loses messages. */
  onResync(): void {}

  async close(): Promise<void> {
    this.handlers.clear();
    this.hub.detach(this);
  }

  /** @internal */
  receive(topic: string, payload: Uint8Array, from: string): void {
    this.handlers.get(topic)?.(payload, from);
  }
}
