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

test("a lookup that was under way when its link was revoked is not cached", async () => {
  const cache = new LinkCache({ max: 10, ttlMs: 60_000 });
  let revoked = false;
  let lookups = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const load = async () => {
    lookups += 1;
    const answer = { ...link("link-a"), revoked };
    if (lookups === 1) await gate; // read before the revoke committed, answered after
    return answer;
  };
  const first = cache.resolve("a", load);
  revoked = true;
  cache.forget(["link-a"]);
  release();
  assert.equal((await first)!.revoked, false, "the racing lookup sees the old row");
  assert.equal((await cache.resolve("a", load))!.revoked, true, "but the next one reads again");
  assert.equal(lookups, 2);
});
