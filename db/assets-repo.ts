import { eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { base64, fromBase64Sized } from "./bytea.js";
import { assets } from "./schema.js";

export interface NewAsset {
  /** Lowercase hex SHA-256 of `data`; the caller computed it while receiving the bytes. */
  sha256: string;
  mime: string;
  data: Uint8Array;
  /** The board it was uploaded to (recorded only for the first upload of these bytes). */
  boardId: string;
}

export interface AssetInfo {
  sha256: string;
  mime: string;
  size: number;
}

export interface StoredAsset extends AssetInfo {
  data: Uint8Array;
}

/** Content-addressed media rows. The key is the hash of the bytes, so a row never changes once written. */
export function createAssetsRepo(db: Database) {
  return {
    /**
     * Stores the bytes unless a row with that hash exists already (two uploads
     * of the same file race harmlessly). Returns whether this call created the
     * row, and the media type on record, which is the first upload's.
     */
    async put(asset: NewAsset): Promise<{ created: boolean; mime: string }> {
      const inserted = await db
        .insert(assets)
        .values({ sha256: asset.sha256, mime: asset.mime, size: asset.data.byteLength, data: asset.data, boardId: asset.boardId })
        .onConflictDoNothing({ target: assets.sha256 })
        .returning({ mime: assets.mime });
      if (inserted.length > 0) return { created: true, mime: inserted[0].mime };
      const [existing] = await db.select({ mime: assets.mime }).from(assets).where(eq(assets.sha256, asset.sha256));
      return { created: false, mime: existing.mime };
    },

    /** The bytes and their type, or null. */
    async get(sha256: string): Promise<StoredAsset | null> {
      const [row] = await db
        .select({ sha256: assets.sha256, mime: assets.mime, size: assets.size, data: base64(assets.data) })
        .from(assets)
        .where(eq(assets.sha256, sha256));
      return row ? { ...row, data: fromBase64Sized(row.data, row.size) } : null;
    },

    /** Type and size without the bytes: enough for HEAD and for revalidation (304). */
    async stat(sha256: string): Promise<AssetInfo | null> {
      const [row] = await db.select({ sha256: assets.sha256, mime: assets.mime, size: assets.size }).from(assets).where(eq(assets.sha256, sha256));
      return row ?? null;
    },
  };
}

export type AssetsRepo = ReturnType<typeof createAssetsRepo>;
