import type { BoardService } from "../boards.js";
import type { Logger } from "../logger.js";

/** What the Remix loaders and actions get from the server process: its services, built once at start-up. */
export interface GenboardLoadContext {
  [key: string]: unknown;
  boards: BoardService;
  /** Passed to the browser through loaders: the classic compiler does not replace `process.env` in client code. */
  tldrawLicenseKey: string | undefined;
  /** The CSP `frame-ancestors` source list for embeds. */
  embedFrameAncestors: string;
  secureCookies: boolean;
  /** URLs of the canvas chunk and its imports, preloaded by board pages so the fetch starts before hydration. */
  canvasPreload: string[];
  /** This request's logger (it carries the request id): server-side page errors are logged through it. */
  log: Logger;
}

declare module "@remix-run/server-runtime" {
  interface AppLoadContext extends GenboardLoadContext {}
}
