import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { CloseCode } from "../collab/index.js";
import { openCollab } from "./collab-system.js";
import { openStores } from "../db/index.js";
import { createAssetStore } from "./assets/asset-store.js";
import { createPreviewWorkers } from "./assets/preview-workers.js";
import { createPreviews } from "./assets/previews.js";
import { runRoutes } from "./http/run-routes.js";
import { createJobSystem } from "./job-system.js";
import { createBoardService } from "./boards.js";
import { LinkCache } from "./auth/link-cache.js";
import { linkRevocations } from "./link-revocations.js";
import type { Config } from "./config.js";
import { createHttpApp } from "./http/app.js";
import type { Logger } from "./logger.js";
import { paths } from "./paths.js";
import { attachWebSockets } from "./ws/upgrade.js";
import { createMetrics } from "./observability/metrics.js";
import { Readiness } from "./observability/readiness.js";
import { noReporter, type ErrorReporter } from "./observability/error-reporter.js";
import { observedDocStore } from "./observability/persistence-metrics.js";
import { collabMetrics } from "./observability/collab-metrics.js";
import { observedProvider } from "./observability/provider-calls.js";
import { jobReporting } from "./observability/job-reporting.js";
import { wsCounters } from "./observability/ws-metrics.js";

export interface RunningServer {
  port: number;
  /** Graceful: not ready, stop accepting, hand running jobs back, close sockets with 1001, flush, close the database. */
  stop(): Promise<void>;
}

/**
 * Builds every long-lived part once (metrics, readiness, database, stores,
 * rooms, HTTP app, socket server), then listens. Stops in the reverse order:
 * readiness, listening socket, jobs, sockets and pending writes, database.
 */
export async function startServer(config: Config, logger: Logger, server: Server, reporter: ErrorReporter = noReporter): Promise<RunningServer> {
  const startedAt = performance.now();
  const metrics = createMetrics();
  const readiness = new Readiness();
  const database = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  readiness.add("database", () => database.ping());
  const collab = await openCollab(config, observedDocStore(database.docStore, metrics), logger, collabMetrics(metrics));
  const { bus, rooms } = collab;
  const links = new LinkCache({ max: 10_000, ttlMs: 60_000 });
  const revocations = await linkRevocations(
    bus,
    {
      onRevoked: (linkIds) => {
        links.forget(linkIds);
        rooms.closeLinks(linkIds, CloseCode.LinkRevoked, "this link was revoked");
      },
      onMissed: () => links.clear(),
    },
    logger,
  );
  const boards = createBoardService(database.boards, rooms, { links, announceRevoked: revocations.announce });
  const assets = createAssetStore(database.assets);
  // Its worker starts with the first preview that needs decoding.
  const previews = createPreviews({
    workers: createPreviewWorkers({ timeoutMs: config.previews.timeoutMs }),
    maxPixels: config.previews.maxPixels,
    onResult: (result) => metrics.previews.inc({ result }),
  });
  const providerLog = logger.child({ layer: "providers" });
  const jobs = await createJobSystem(config, {
    database,
    rooms,
    bus,
    assets,
    logger,
    hooks: { wrapProvider: (p) => observedProvider(p, providerLog, metrics), observer: jobReporting(metrics, reporter) },
  });
  const { runner, replicate } = jobs;
  if (jobs.pingRedis) readiness.add("redis", jobs.pingRedis);
  metrics.readFrom({ socketsOpen: () => rooms.connections.size, roomsLoaded: () => rooms.loadedRooms, queueDepth: jobs.queueDepth });
  const { remixBuild, publicDir } = paths();
  const build = (await import(pathToFileURL(remixBuild).href)) as ServerBuild;

  let ready = false;
  server.on(
    "request",
    createHttpApp({
      logger,
      boards,
      assets,
      previews,
      remixBuild: build,
      publicDir,
      maxBodyBytes: config.maxBodyBytes,
      maxAssetBytes: config.maxAssetBytes,
      secureCookies: config.publicUrl?.startsWith("https:") ?? false,
      isReady: () => ready,
      tldrawLicenseKey: config.app.tldrawLicenseKey,
      embedFrameAncestors: config.app.embedFrameAncestors,
      apiExtensions: [runRoutes({ boards, rooms, runner, limiters: jobs.limiters })],
      replicate,
      metrics,
      readiness,
      metricsToken: config.observability.metricsToken,
    }),
  );
  const sockets = attachWebSockets(server, { rooms, boards, logger, maxFrameBytes: config.ws.maxFrameBytes, heartbeatMs: config.ws.heartbeatMs, counters: wsCounters(metrics) });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  await jobs.start();
  ready = true;
  readiness.markStarted();
  const port = (server.address() as AddressInfo).port;
  // The "listening" line is what supervisors and tests wait for: keep it unless logging is off entirely.
  const announce = logger.level === "silent" ? logger : logger.child({}, { level: "info" });
  announce.info({ port, host: config.host, database: database.kind, mode: jobs.mode, node: bus.nodeId, jobWorkers: config.jobs.workers, startupMs: Math.round(performance.now() - startedAt) }, "listening");

  return {
    port,
    async stop() {
      const began = performance.now();
      // /readyz answers 503 first, so a load balancer that polls it stops
      // sending new work here during the drain delay, before anything closes.
      readiness.markShuttingDown();
      if (config.shutdown.drainDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdown.drainDelayMs));
      ready = false;
      sockets.close();
      server.close();
      server.closeIdleConnections();
      // Running jobs are aborted and queued again with their attempt given
      // back; their "queued" state is a document write, flushed just below.
      await jobs.stop();
      await previews.close();
      // Every socket gets 1001 "going away" (clients reconnect, to another
      // process behind the balancer); then every pending update is written.
      await collab.close();
      server.closeAllConnections();
      await reporter.flush(2000);
      await database.close();
      logger.info({ ms: Math.round(performance.now() - began) }, "shut down");
    },
  };
}
