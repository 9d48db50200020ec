import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Live numbers read when Prometheus scrapes, instead of being kept in step by hand. */
export interface MetricSources {
  socketsOpen(): number;
  roomsLoaded(): number;
  /** Shared queues answer from Redis: a promise. */
  queueDepth(): number | Promise<number>;
}

/**
 * Every Prometheus metric the process exposes, on a registry of its own (not
 * prom-client's global one, so two servers in one test process never collide).
 * Built once at start-up; gauges whose truth lives elsewhere (sockets, rooms,
 * queue depth) read it at scrape time through `sources`.
 *
 * Label values are always from small closed sets (route patterns, provider ids,
 * job statuses, close codes): never raw URLs, board ids or user input.
 */
export function createMetrics() {
  const registry = new Registry();
  // Includes process_resident_memory_bytes, nodejs_active_handles and
  // nodejs_active_resources{type="Timeout"}: what the soak benchmark watches.
  collectDefaultMetrics({ register: registry });
  let sources: MetricSources | null = null;
  const registers = [registry];

  const metrics = {
    registry,
    /** Wires the scrape-time gauges to the parts that own those numbers. Once, after they are built. */
    readFrom(s: MetricSources) {
      sources = s;
    },
    httpDuration: new Histogram({
      name: "genboard_http_request_duration_seconds",
      help: "HTTP request latency by route pattern, method and status class",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rateLimited: new Counter({
      name: "genboard_rate_limit_rejections_total",
      help: "Requests and sockets refused by a rate limit",
      labelNames: ["limiter"] as const,
      registers,
    }),
    wsMessages: new Counter({
      name: "genboard_ws_messages_total",
      help: "WebSocket messages by direction (in: from clients, out: to clients) and kind (update: a document update, sync: sync handshake, awareness, other)",
      labelNames: ["direction", "kind"] as const,
      registers,
    }),
    wsBytes: new Counter({
      name: "genboard_ws_bytes_total",
      help: "WebSocket payload bytes by direction and kind",
      labelNames: ["direction", "kind"] as const,
      registers,
    }),
    wsCloses: new Counter({
      name: "genboard_ws_closes_total",
      help: "Sockets closed by the server, by close code",
      labelNames: ["code"] as const,
      registers,
    }),
    persistBatch: new Histogram({
      name: "genboard_persist_batch_seconds",
      help: "Time to write one batch of document updates (all boards' pending updates in one insert)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    persistRows: new Counter({ name: "genboard_persist_rows_total", help: "Update-log rows written (one per board per batch)", registers }),
    persistBytes: new Counter({ name: "genboard_persist_bytes_total", help: "Update-log bytes written", registers }),
    persistFailures: new Counter({ name: "genboard_persist_failures_total", help: "Update-log batches that failed (they are retried)", registers }),
    persistPeerUpdates: new Counter({
      name: "genboard_persist_peer_updates_total",
      help: "Updates relayed by another process that this process stored, because that process had not confirmed storing them (distributed mode)",
      registers,
    }),
    storedGaps: new Counter({
      name: "genboard_doc_stored_gaps_total",
      help: "Board loads whose stored updates could not all be integrated: an update they depend on is missing from the store",
      registers,
    }),
    jobsSubmitted: new Counter({ name: "genboard_jobs_submitted_total", help: "Jobs queued, by provider", labelNames: ["provider"] as const, registers }),
    jobsEnded: new Counter({
      name: "genboard_jobs_total",
      help: "Jobs that ended, by provider and status (succeeded, failed, canceled)",
      labelNames: ["provider", "status"] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: "genboard_job_duration_seconds",
      help: "From a job's creation to its end (queueing, retries and the provider call), by provider and status",
      labelNames: ["provider", "status"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    jobsHandedBack: new Counter({ name: "genboard_jobs_handed_back_total", help: "Running jobs put back on the queue by a shutdown", registers }),
    previews: new Counter({
      name: "genboard_previews_total",
      help: "?w= preview requests of assets, by result (made, cached, whole, too_large, bad_header, failed, timeout, known_bad, busy, unavailable; see server/assets/previews.ts)",
      labelNames: ["result"] as const,
      registers,
    }),
    providerCalls: new Histogram({
      name: "genboard_provider_call_seconds",
      help: "One provider call (one attempt), by provider and outcome (ok, error, aborted)",
      labelNames: ["provider", "outcome"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
  };

  new Gauge({ name: "genboard_sockets_open", help: "WebSocket connections, open or authenticating", registers, collect() { this.set(sources?.socketsOpen() ?? 0); } });
  new Gauge({ name: "genboard_rooms_loaded", help: "Boards held in memory", registers, collect() { this.set(sources?.roomsLoaded() ?? 0); } });
  new Gauge({
    name: "genboard_job_queue_depth",
    help: "Jobs waiting in the queue, retry backoff included (across every process when the queue is shared)",
    registers,
    async collect() {
      // a queue that cannot answer (Redis away) leaves the last value rather than failing the scrape
      const depth = await Promise.resolve(sources?.queueDepth() ?? 0).catch(() => null);
      if (depth !== null) this.set(depth);
    },
  });

  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
