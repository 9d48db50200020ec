import { LRUCache } from "lru-cache";
import type { ResolvedLink } from "../../db/index.js";

/**
 * Share links by token hash, so a reconnect storm (a deploy, a flaky network)
 * does not become one database query per socket. Entries of a revoked or
 * rotated link are dropped by `forget` at once: in this process by the
 * revoke itself, in the others by the revocation they hear over the bus
 * (server/link-revocations.ts). `ttlMs` bounds what a lost message can cost.
 */
export class LinkCache {
  private readonly byHash: LRUCache<string, ResolvedLink>;
  /**
   * Bumped by every forget: a lookup that started before a revocation may
   * return the link as it was, and must then not be cached.
   */
  private generation = 0;

  constructor(options: { max: number; ttlMs: number }) {
    this.byHash = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  async resolve(tokenHash: string, load: (hash: string) => Promise<ResolvedLink | null>): Promise<ResolvedLink | null> {
    const hit = this.byHash.get(tokenHash);
    if (hit) return hit;
    const generation = this.generation;
    const link = await load(tokenHash);
    // Only links are cached: an unknown token must not occupy the cache, so forged tokens cannot evict real ones.
    if (link && generation === this.generation) this.byHash.set(tokenHash, link);
    return link;
  }

  forget(linkIds: readonly string[]): void {
    this.generation += 1;
    for (const [hash, link] of this.byHash.entries()) if (linkIds.includes(link.linkId)) this.byHash.delete(hash);
  }

  /** Drops everything, e.g. after revocations may have been missed. */
  clear(): void {
    this.generation += 1;
    this.byHash.clear();
  }
}
