/**
 * Redis restarting under a live cluster: the processes must notice, resubscribe
 * and resync by themselves (no process restart), and edits made on either side
 * of the outage must reach everyone. Uses a Redis of its own, never the
 * machine's (others use that one).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { startCollabCluster as startCluster, type CollabCluster as Cluster } from "./helpers/collab-cluster.js";
import { privateRedis, type PrivateRedis } from "./helpers/redis-server.js";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";

let redis: PrivateRedis | undefined;
let cluster: Cluster | undefined;
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  await cluster?.stop();
  await redis?.stop();
});

const names = (c: Client) => [...c.provider.awareness.getStates().values()].map((s) => (s as { user?: { name: string } }).user?.name).filter(Boolean).sort().join();

test("Redis restarts mid-session: the processes recover by themselves and nothing is lost", async () => {
  redis = await privateRedis();
  cluster = await startCluster(3, { REDIS_URL: redis.url });
  const p = cluster.servers;
  const board = await createBoard(p[0]);
  const token = tokenOf(board.links.edit);
  const cs = p.map((server) => connect(server, board.id, token));
  clients.push(...cs);
  await Promise.all(cs.map((c) => whenSynced(c)));
  cs[0].records.set("shape:before", { at: "before" });
  await eventually(() => cs.every((c) => c.records.has("shape:before")), "the first edit crosses processes");

  await redis.kill();
  // Edits during the outage: each reaches its own process (and is stored), not the others.
  cs.forEach((c, i) => c.records.set(`shape:during-${i}`, { at: "during", i }));
  await sleep(500);
  assert.equal(cs[1].records.has("shape:during-0"), false, "with Redis down nothing crosses (the test would prove nothing otherwise)");

  await redis.start();
  await eventually(() => cs.every((c) => c.records.size === 4), "every edit made during the outage reaches every client", 20_000);
  for (const c of cs.slice(1)) assert.deepEqual(c.records.toJSON(), cs[0].records.toJSON());

  // And the live path works again: edits and presence.
  cs[2].records.set("shape:after", { at: "after" });
  cs[1].provider.awareness.setLocalStateField("user", { name: "bob" });
  await eventually(() => cs[0].records.has("shape:after") && cs[1].records.has("shape:after"), "an edit after the outage crosses processes");
  await eventually(() => names(cs[0]) === "bob" && names(cs[2]) === "bob", "presence crosses processes again");
  for (const server of p) assert.doesNotThrow(() => process.kill(server.pid, 0), "the same processes are still serving");
  assert.ok(p.every((server) => server.output.some((line) => line.includes("redis is back"))), "each process logged its recovery");
});
