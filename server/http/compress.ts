import compression from "compression";
import type { Request, Response } from "express";

/**
 * gzip/brotli for what compresses: HTML, JSON, JS, CSS, SVG (the `compression`
 * package's list of compressible types). Bodies under 1 KB go out as they are,
 * since they fit in one packet either way. WebSocket upgrades never pass
 * through here: Node hands them to the 'upgrade' listener, not to express.
 */
export function httpCompression() {
  return compression({ filter: shouldCompress });
}

/** Raster images, audio and video are compressed already; SVG is text. */
const PRECOMPRESSED = /^(?:image\/(?!svg\+xml)|audio\/|video\/)/i;

function shouldCompress(req: Request, res: Response): boolean {
  // A byte range names bytes of the stored file; compressing it would change what they are.
  if (res.getHeader("Content-Range") !== undefined) return false;
  if (PRECOMPRESSED.test(String(res.getHeader("Content-Type") ?? ""))) return false;
  return compression.filter(req, res);
}
