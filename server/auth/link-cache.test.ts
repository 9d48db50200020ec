import { test } from "node:test";
import assert from "node:assert/strict";
import type { ResolvedLink } from "../../db/index.js";
import { LinkCache } from "./link-cache.js";

const link = (linkId: string): ResolvedLink => ({ linkId, boardId: "b", kind: "view", role: "view", revoked: false });

test("links are looked up once, unknown tokens every time, and forgotten links are looked up again", async () => {
  const cache = new LinkCache({ max: 10, ttlMs: 60_000 });
  const lookups: string[] = [];
  const load = async (hash: string) => {
    lookups.push(hash);
    return hash === "unknown" ? null : link(`link-${hash}`);
  };
  assert.deepEqual(await cache.resolve("a", load), link("link-a"));
  assert.deepEqual(await cache.resolve("a", load), link("link-a"));
  assert.equal(await cache.resolve("unknown", load), null);
  assert.equal(await cache.resolve("unknown", load), null);
  await cache.resolve("b", load);
  cache.forget(["link-a"]);
  await cache.resolve("a", load);
  await cache.resolve("b", load);
  assert.deepEqual(lookups, ["a", "unknown", "unknown", "b", "a"]);
});
