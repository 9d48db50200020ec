import { LRUCache } from "lru-cache";
import { PNG } from "pngjs";
import type { StoredAsset } from "../../db/index.js";

/** Preview widths are rounded up to one of these, so a cache entry serves many sizes. */
const WIDTHS = [64, 128, 256, 384, 512, 768, 1024, 1536, 2048];

/** The preview width to serve for `?w=`, or null when the parameter is absent or not a width. */
export function previewWidth(raw: unknown): number | null {
  if (typeof raw !== "string" || !/^\d{1,5}$/.test(raw)) return null;
  const asked = Number(raw);
  return WIDTHS.find((w) => w >= asked) ?? WIDTHS[WIDTHS.length - 1];
}

/**
 * Downscaled PNG previews, so the canvas shows a node's image at the size it
 * is drawn rather than at full resolution. Built on first request, kept in an
 * LRU (built once at start-up). Other image types are served whole: decoding
 * JPEG/WebP would need a native image library.
 */
export function createPreviews(maxCacheBytes = 32 * 1024 * 1024) {
  const cache = new LRUCache<string, Uint8Array>({ maxSize: maxCacheBytes, sizeCalculation: (b) => Math.max(1, b.byteLength) });
  return {
    /** The preview's bytes, or null when the asset should be served as it is (not PNG, or not wider than `width`). */
    get(asset: StoredAsset, width: number): Uint8Array | null {
      if (asset.mime !== "image/png") return null;
      const key = `${asset.sha256}:${width}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const source = PNG.sync.read(Buffer.from(asset.data.buffer, asset.data.byteOffset, asset.data.byteLength));
      if (source.width <= width) return null;
      const preview = new Uint8Array(PNG.sync.write(downscale(source, width)));
      cache.set(key, preview);
      return preview;
    },
  };
}

/** Box filter: each output pixel averages the source pixels it covers. */
function downscale(source: PNG, width: number): PNG {
  const height = Math.max(1, Math.round((source.height * width) / source.width));
  const out = new PNG({ width, height });
  const sx = source.width / width;
  const sy = source.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      const sum = [0, 0, 0, 0];
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * source.width + xx) * 4;
          for (let c = 0; c < 4; c++) sum[c] += source.data[i + c];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) out.data[o + c] = Math.round(sum[c] / n);
    }
  }
  return out;
}
