import { CloseCode } from "../../collab/index.js";
import type { Metrics } from "./metrics.js";

/** Counting hooks the WebSocket transport calls for every frame; cheap enough for the fan-out path. */
export interface WsCounters {
  received(data: Uint8Array): void;
  sent(data: Uint8Array): void;
  closed(code: number): void;
}

type Kind = "update" | "sync" | "awareness" | "other";
const KINDS: Kind[] = ["update", "sync", "awareness", "other"];

/**
 * y-websocket frames start with a varuint message type (0 sync, 1 awareness)
 * and, for sync, a varuint step (0 step 1, 1 step 2, 2 update); all are single
 * bytes. Steps 2 and updates carry document changes, step 1 only a state vector.
 */
function kindOf(data: Uint8Array): Kind {
  if (data[0] === 0) return data[1] === 1 || data[1] === 2 ? "update" : "sync";
  return data[0] === 1 ? "awareness" : "other";
}

export function wsCounters(metrics: Metrics): WsCounters {
  // Label children resolved once: a broadcast to 1,000 sockets is 1,000 calls here.
  const bind = (direction: "in" | "out") =>
    Object.fromEntries(KINDS.map((kind) => [kind, { messages: metrics.wsMessages.labels(direction, kind), bytes: metrics.wsBytes.labels(direction, kind) }])) as Record<
      Kind,
      { messages: { inc(n?: number): void }; bytes: { inc(n?: number): void } }
    >;
  const incoming = bind("in");
  const outgoing = bind("out");
  return {
    received(data) {
      const c = incoming[kindOf(data)];
      c.messages.inc();
      c.bytes.inc(data.length);
    },
    sent(data) {
      const c = outgoing[kindOf(data)];
      c.messages.inc();
      c.bytes.inc(data.length);
    },
    closed(code) {
      metrics.wsCloses.inc({ code: String(code) });
      if (code === CloseCode.RateLimited) metrics.rateLimited.inc({ limiter: "ws messages" });
    },
  };
}

export const noWsCounters: WsCounters = { received() {}, sent() {}, closed() {} };
