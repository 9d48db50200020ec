import { LRUCache } from "lru-cache";
import type { AssetInfo, AssetsRepo, StoredAsset } from "../../db/index.js";
import type { AssetMediaType } from "./media-types.js";

/** Asset ids are the lowercase hex SHA-256 of the bytes. */
export const ASSET_ID_PATTERN = /^[0-9a-f]{64}$/;

export interface AssetCacheOptions {
  /** Bytes of asset data the process keeps in memory at most. */
  maxBytes: number;
  /** Larger assets are always read from the database. */
  maxEntryBytes: number;
}

/**
 * Images dropped on a board are fetched by every collaborator right after the
 * upload, and again by each new visitor: a small LRU answers those without a
 * database round trip (which, on PGlite, queues behind every board save).
 * Videos and big images are left out so they cannot push out the many small ones.
 */
const DEFAULT_CACHE: AssetCacheOptions = { maxBytes: 32 * 1024 * 1024, maxEntryBytes: 1024 * 1024 };

/**
 * The content-addressed asset store: the repo, an LRU of small hot assets,
 * and one database read per asset however many requests want it at once.
 */
export function createAssetStore(repo: AssetsRepo, cacheOptions: AssetCacheOptions = DEFAULT_CACHE) {
  const hot = new LRUCache<string, StoredAsset>({ maxSize: cacheOptions.maxBytes, sizeCalculation: (a) => Math.max(1, a.size) });
  const reading = new Map<string, Promise<StoredAsset | null>>();

  const remember = (asset: StoredAsset) => {
    if (asset.size <= cacheOptions.maxEntryBytes) hot.set(asset.sha256, asset);
  };

  return {
    /**
     * Stores bytes whose hash and type the caller has checked. `created` is
     * false when the same bytes were stored before; `mime` is then the type on
     * record (the first upload's).
     */
    async save(upload: { sha256: string; mime: AssetMediaType; data: Uint8Array; boardId: string }): Promise<AssetInfo & { created: boolean }> {
      const { created, mime } = await repo.put(upload);
      const info = { sha256: upload.sha256, mime, size: upload.data.byteLength };
      remember({ ...info, data: upload.data });
      return { ...info, created };
    },

    /** The asset with its bytes, or null when there is none with that id. */
    read(sha256: string): Promise<StoredAsset | null> {
      const cached = hot.get(sha256);
      if (cached) return Promise.resolve(cached);
      let pending = reading.get(sha256);
      if (!pending) {
        pending = repo.get(sha256).then((asset) => {
          if (asset) remember(asset);
          return asset;
        });
        pending.finally(() => reading.delete(sha256)).catch(() => {});
        reading.set(sha256, pending);
      }
      return pending;
    },

    /** Type and size only (HEAD, revalidation): never loads the bytes. */
    async stat(sha256: string): Promise<AssetInfo | null> {
      const cached = hot.peek(sha256);
      if (cached) return { sha256: cached.sha256, mime: cached.mime, size: cached.size };
      return repo.stat(sha256);
    },
  };
}

export type AssetStore = ReturnType<typeof createAssetStore>;
