import express from "express";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { join } from "node:path";
import type { Logger } from "../logger.js";
import type { AssetStore } from "../assets/asset-store.js";
import type { Previews } from "../assets/previews.js";
import type { BoardService } from "../boards.js";
import { apiRoutes } from "./api-routes.js";
import { assetRoutes } from "./asset-routes.js";
import { httpCompression } from "./compress.js";
import { requestContext } from "./request-context.js";
import { refuseMalformedUrls } from "./safe-url.js";
import type { GenboardLoadContext } from "./load-context.js";
import { findCanvasChunks } from "./canvas-preload.js";
import type { ReplicateProvider } from "../providers/replicate/index.js";
import { webhookRoutes } from "./webhook-routes.js";
import type { Metrics } from "../observability/metrics.js";
import type { Readiness } from "../observability/readiness.js";
import { httpMetrics } from "../observability/http-metrics.js";
import { lastErrorHandler, opsRoutes } from "../observability/ops-routes.js";

interface AppDeps {
  logger: Logger;
  boards: BoardService;
  assets: AssetStore;
  /** `?w=` previews of image assets (their worker is closed by whoever built them). */
  previews: Previews;
  remixBuild: ServerBuild;
  publicDir: string;
  maxBodyBytes: number;
  maxAssetBytes: number;
  secureCookies: boolean;
  isReady: () => boolean;
  tldrawLicenseKey: string | undefined;
  embedFrameAncestors: string;
  /** More API routers (runs, nodes), mounted under /api with its JSON parsing and error handling. */
  apiExtensions: express.Router[];
  /** Replicate's webhooks complete its runs; the route shares the provider's registry. */
  replicate: ReplicateProvider;
  metrics: Metrics;
  readiness: Readiness;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
}

/** The HTTP side of the process: health, assets, the REST API, static files and the Remix app, in that order. */
export function createHttpApp(deps: AppDeps) {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(requestContext(deps.logger));
  app.use(noSniff);
  app.use(httpMetrics(deps.metrics));
  // Before anything decodes the URL: routes and Remix only ever see paths and queries that decode.
  app.use(refuseMalformedUrls);
  app.use(httpCompression());

  app.get("/healthz", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    if (deps.isReady()) res.json({ ok: true });
    else res.status(503).json({ ok: false });
  });
  app.use(opsRoutes(deps));

  // Before the JSON API: an upload's body is the raw file, which the API's JSON gate refuses.
  app.use(assetRoutes(deps));
  // Before the JSON API: a webhook's signature covers its raw body.
  app.use(webhookRoutes({ replicate: deps.replicate, logger: deps.logger }));
  app.use("/api", apiRoutes(deps));

  // Remix fingerprints everything under /build, so it can be cached forever.
  app.use("/build", express.static(join(deps.publicDir, "build"), { immutable: true, maxAge: "1y", index: false }));
  // tldraw's fonts and icons sit under a versioned path (scripts/copy-tldraw-assets.mjs).
  app.use("/tldraw-assets", express.static(join(deps.publicDir, "tldraw-assets"), { immutable: true, maxAge: "1y", index: false }));
  // Unversioned files: an hour, except the service worker, which must be revalidated so a deploy reaches every browser.
  app.use(express.static(deps.publicDir, { maxAge: "1h", index: false, setHeaders: noCacheServiceWorker }));
  app.use(pageSecurityHeaders);
  // Built once; each request gets it with its own logger added.
  const loadContext: Pick<GenboardLoadContext, "boards" | "tldrawLicenseKey" | "embedFrameAncestors" | "secureCookies" | "canvasPreload"> = {
    canvasPreload: findCanvasChunks(deps.publicDir),
    boards: deps.boards,
    tldrawLicenseKey: deps.tldrawLicenseKey,
    embedFrameAncestors: deps.embedFrameAncestors,
    secureCookies: deps.secureCookies,
  };
  app.all("*", createRequestHandler({ build: deps.remixBuild, mode: process.env.NODE_ENV ?? "production", getLoadContext: (req): GenboardLoadContext => ({ ...loadContext, log: req.log }) }));
  app.use(lastErrorHandler);
  return app;
}

function noCacheServiceWorker(res: express.Response, path: string) {
  if (path.endsWith("sw.js")) res.setHeader("Cache-Control", "no-cache");
}

/**
 * On every response, errors included: a browser must never guess a type other
 * than the one we send (a JSON error echoing a path could be sniffed as HTML).
 */
function noSniff(_req: express.Request, res: express.Response, next: express.NextFunction) {
  res.setHeader("X-Content-Type-Options", "nosniff");
  next();
}

/**
 * Pages may not be framed by other sites (clickjacking) except embeds, whose
 * route sets the configured `frame-ancestors`; share tokens in page URLs must
 * not leak through the Referer header.
 */
function pageSecurityHeaders(req: express.Request, res: express.Response, next: express.NextFunction) {
  if (!req.path.startsWith("/embed/")) res.setHeader("Content-Security-Policy", "frame-ancestors 'self'");
  res.setHeader("Referrer-Policy", "same-origin");
  next();
}
