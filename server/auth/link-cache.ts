import { LRUCache } from "lru-cache";
import type { ResolvedLink } from "../../db/index.js";

/**
 * Share links by token hash, so a reconnect storm (a deploy, a flaky network)
 * does not become one database query per socket. Entries of a revoked or
 * rotated link are dropped by `forget` in this process at once; other
 * processes see the change within `ttlMs` (until they also get told directly).
 */
export class LinkCache {
  private readonly byHash: LRUCache<string, ResolvedLink>;

  constructor(options: { max: number; ttlMs: number }) {
    this.byHash = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  async resolve(tokenHash: string, load: (hash: string) => Promise<ResolvedLink | null>): Promise<ResolvedLink | null> {
    const hit = this.byHash.get(tokenHash);
    if (hit) return hit;
    const link = await load(tokenHash);
    // Only links are cached: an unknown token must not occupy the cache, so forged tokens cannot evict real ones.
    if (link) this.byHash.set(tokenHash, link);
    return link;
  }

  forget(linkIds: readonly string[]): void {
    for (const [hash, link] of this.byHash.entries()) if (linkIds.includes(link.linkId)) this.byHash.delete(hash);
  }
}
