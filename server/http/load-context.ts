import type { BoardService } from "../boards.js";

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
}

declare module "@remix-run/server-runtime" {
  interface AppLoadContext extends GenboardLoadContext {}
}
