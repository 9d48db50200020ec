import { LRUCache } from "lru-cache";
import type { StoredAsset } from "../../db/index.js";
import { readPngHeader } from "./png-header.js";
import { PreviewError, type PreviewWorkers } from "./preview-workers.js";

/** Preview widths are rounded up to one of these, so a cache entry serves many sizes. */
const WIDTHS = [64, 128, 256, 384, 512, 768, 1024, 1536, 2048];

/** The preview width to serve for `?w=`, or null when the parameter is absent or not a width. */
export function previewWidth(raw: unknown): number | null {
  if (typeof raw !== "string" || !/^\d{1,5}$/.test(raw)) return null;
  const asked = Number(raw);
  return WIDTHS.find((w) => w >= asked) ?? WIDTHS[WIDTHS.length - 1];
}

/**
 * What happened to one preview request (the `result` label of
 * genboard_previews_total): `made` (decoded now), `cached`, `whole` (nothing to
 * shrink: not a PNG, or not wider), `too_large` (over the pixel limit, seen in
 * the header), `bad_header`, `failed` (the decode failed now), `timeout`,
 * `known_bad` (failed before), `busy` (too many waiting), `unavailable` (the
 * worker could not start).
 */
export type PreviewResult = "made" | "cached" | "whole" | "too_large" | "bad_header" | "failed" | "timeout" | "known_bad" | "busy" | "unavailable";

/**
 * A preview's bytes, or the original to send instead. `cacheable` says whether
 * the original may stand for this preview for good (true of everything decided
 * by the image's bytes; not of a busy moment).
 */
export type PreviewAnswer = { result: PreviewResult; reason?: string } & ({ preview: Uint8Array } | { preview: null; cacheable: boolean });

const SHARED_RESULT: Partial<Record<PreviewResult, PreviewResult>> = { made: "cached", failed: "known_bad", timeout: "known_bad" };

export interface PreviewOptions {
  workers: PreviewWorkers;
  /** Images with more pixels than this get no preview (PREVIEW_MAX_PIXELS). */
  maxPixels: number;
  maxCacheBytes?: number;
  /** Images remembered as undecodable, so that one is never decoded twice. */
  maxFailures?: number;
  onResult?: (result: PreviewResult) => void;
}

/**
 * Downscaled PNG previews, so the canvas shows a node's image at the size it
 * is drawn rather than at full resolution. Built on the preview worker on
 * first request, kept in an LRU. Other image types are served whole: decoding
 * JPEG/WebP would need a native image library.
 *
 * Anyone may ask for a preview of any asset, and assets come from uploads and
 * from providers alike, so nothing about the bytes is trusted: the header is
 * read first and images over `maxPixels` are never decoded; decoding happens
 * off the main thread with a timeout; an image that failed is remembered.
 */
export function createPreviews({ workers, maxPixels, maxCacheBytes = 32 * 1024 * 1024, maxFailures = 1000, onResult }: PreviewOptions) {
  const cache = new LRUCache<string, Uint8Array>({ maxSize: maxCacheBytes, sizeCalculation: (b) => Math.max(1, b.byteLength) });
  const failures = new LRUCache<string, string>({ max: maxFailures });
  /** One render per image and width, however many requests want it at once. */
  const rendering = new Map<string, Promise<PreviewAnswer>>();

  const answer = (a: PreviewAnswer): PreviewAnswer => (onResult?.(a.result), a);
  const original = (result: PreviewResult, reason?: string, cacheable = true): PreviewAnswer => answer({ result, reason, preview: null, cacheable });

  async function render(asset: StoredAsset, width: number, key: string): Promise<PreviewAnswer> {
    try {
      const preview = await workers.render(asset.data, width);
      cache.set(key, preview);
      return answer({ result: "made", preview });
    } catch (err) {
      if (!(err instanceof PreviewError)) throw err;
      if (err.code === "busy" || err.code === "unavailable") return original(err.code, err.message, false);
      failures.set(asset.sha256, err.message);
      return original(err.code === "timeout" ? "timeout" : "failed", err.message);
    }
  }

  return {
    /** A preview of `asset` `width` pixels wide, or why the original is to be sent instead. Never throws for a bad image. */
    async get(asset: StoredAsset, width: number): Promise<PreviewAnswer> {
      if (asset.mime !== "image/png") return original("whole");
      const key = `${asset.sha256}:${width}`;
      const hit = cache.get(key);
      if (hit) return answer({ result: "cached", preview: hit });
      const failed = failures.get(asset.sha256);
      if (failed !== undefined) return original("known_bad", failed);

      const read = readPngHeader(asset.data);
      if (!read.ok) {
        failures.set(asset.sha256, read.problem);
        return original("bad_header", read.problem);
      }
      const { width: w, height: h } = read.header;
      if (w <= width) return original("whole");
      if (w * h > maxPixels) return original("too_large", `${w}×${h} is over the limit of ${maxPixels} pixels`);

      const pending = rendering.get(key);
      // A request that shares another's render is counted as what it would have found a moment later.
      if (pending) return pending.then((a) => answer({ ...a, result: SHARED_RESULT[a.result] ?? a.result }));
      const rendered = render(asset, width, key).finally(() => rendering.delete(key));
      rendering.set(key, rendered);
      return rendered;
    },

    close: () => workers.close(),
  };
}

export type Previews = ReturnType<typeof createPreviews>;
