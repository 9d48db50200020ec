import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { CloseCode, MemoryBusHub, RoomManager, createRedisBus } from "../collab/index.js";
import { openStores } from "../db/index.js";
import { createAssetStore } from "./assets/asset-store.js";
import { FairQueue } from "./jobs/fair-queue.js";
import { createJobRunner } from "./jobs/runner.js";
import { runRoutes } from "./http/run-routes.js";
import { providerRegistry } from "./providers/registry.js";
import { createLocalProvider } from "./providers/local/index.js";
import { createOpenAIProvider } from "./providers/openai/index.js";
import { createReplicateProvider } from "./providers/replicate/index.js";
import { createBoardService } from "./boards.js";
import { LinkCache } from "./auth/link-cache.js";
import { linkRevocations } from "./link-revocations.js";
import type { Config } from "./config.js";
import { createHttpApp } from "./http/app.js";
import type { Logger } from "./logger.js";
import { paths } from "./paths.js";
import { attachWebSockets } from "./ws/upgrade.js";

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Builds every long-lived part once (database, stores, rooms, HTTP app, socket
 * server), then listens. Stops in the reverse order: sockets, pending writes,
 * database.
 */
export async function startServer(config: Config, logger: Logger, server: Server): Promise<RunningServer> {
  const startedAt = performance.now();
  const database = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  // Distributed mode: processes reach each other through Redis; embedded: a bus with no peers.
  const bus = config.redis
    ? await createRedisBus({ url: config.redis.url, prefix: config.redis.prefix, log: logger.child({ layer: "bus" }) })
    : new MemoryBusHub().node();
  const rooms = new RoomManager(database.docStore, config.rooms, logger.child({ layer: "collab" }), bus);
  await rooms.start();
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
  const replicate = createReplicateProvider(config.providers.replicate, { logger: logger.child({ provider: "replicate" }) });
  const providers = providerRegistry([
    createLocalProvider({ tokenDelayMs: config.jobs.localTokenDelayMs }),
    createOpenAIProvider(config.providers.openai),
    replicate,
  ]);
  const runner = createJobRunner({
    repo: database.jobs,
    rooms,
    assets,
    queue: new FairQueue(config.jobs.concurrency),
    providers,
    logger: logger.child({ layer: "jobs" }),
    timeoutMs: config.jobs.timeoutMs,
    maxAttempts: config.jobs.maxAttempts,
    retryBaseMs: config.jobs.retryBaseMs,
    maxOutputBytes: config.maxAssetBytes,
  });
  const { remixBuild, publicDir } = paths();
  const build = (await import(pathToFileURL(remixBuild).href)) as ServerBuild;

  let ready = false;
  server.on(
    "request",
    createHttpApp({
      logger,
      boards,
      assets,
      remixBuild: build,
      publicDir,
      maxBodyBytes: config.maxBodyBytes,
      maxAssetBytes: config.maxAssetBytes,
      secureCookies: config.publicUrl?.startsWith("https:") ?? false,
      isReady: () => ready,
      tldrawLicenseKey: config.app.tldrawLicenseKey,
      embedFrameAncestors: config.app.embedFrameAncestors,
      apiExtensions: [runRoutes({ boards, rooms, runner, limits: config.jobs.limits })],
      replicate,
    }),
  );
  const sockets = attachWebSockets(server, { rooms, boards, logger, maxFrameBytes: config.ws.maxFrameBytes, heartbeatMs: config.ws.heartbeatMs });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  await runner.start();
  ready = true;
  const port = (server.address() as AddressInfo).port;
  // The "listening" line is what supervisors and tests wait for: keep it unless logging is off entirely.
  const announce = logger.level === "silent" ? logger : logger.child({}, { level: "info" });
  announce.info({ port, host: config.host, database: database.kind, mode: config.redis ? "distributed" : "embedded", node: bus.nodeId, startupMs: Math.round(performance.now() - startedAt) }, "listening");

  return {
    port,
    async stop() {
      ready = false;
      sockets.close();
      server.close();
      await runner.stop();
      await rooms.shutdown();
      await bus.close();
      server.closeAllConnections();
      await database.close();
    },
  };
}
