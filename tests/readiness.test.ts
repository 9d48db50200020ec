import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eventually } from "./helpers/clients.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

let storage: TestStorage | undefined;
let server: ServerProcess | undefined;
let proxy: TcpProxy | undefined;
after(async () => {
  await server?.stop();
  await proxy?.close();
  await storage?.cleanup();
});

const readyz = async (http: string) => {
  const res = await fetch(`${http}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; failed: string[]; checks: Record<string, { ok: boolean; error?: string }> } };
};

test("/readyz is 200 with every check named once the process has started", async () => {
  storage = await freshStorage();
  server = await spawnServer(storage);
  const { status, body } = await readyz(server.http);
  assert.equal(status, 200);
  assert.equal(body.ready, true);
  assert.deepEqual(Object.keys(body.checks).sort(), ["database", "startup"]);
  assert.deepEqual(body.failed, []);
  assert.equal((await fetch(`${server.http}/healthz`)).status, 200);
  await server.stop();
  server = undefined;
});

test(
  "/readyz is 503 naming the database while Postgres is unreachable, and recovers",
  { skip: process.env.DATABASE_URL ? false : "needs Postgres (DATABASE_URL): the embedded database cannot be taken away from a running process" },
  async () => {
    storage ??= await freshStorage();
    const target = new URL(storage.databaseUrl!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    server = await spawnServer(storage, { DATABASE_URL: proxy.urlFor(storage.databaseUrl!) });
    assert.equal((await readyz(server.http)).status, 200);

    await proxy.cut();
    const down = await readyz(server.http);
    assert.equal(down.status, 503);
    assert.deepEqual(down.body.failed, ["database"]);
    assert.equal(down.body.checks.database.ok, false);
    assert.ok(down.body.checks.database.error, "the database check says why");
    assert.equal((await fetch(`${server.http}/healthz`)).status, 200, "the process itself is still up");

    await proxy.restore();
    await eventually(async () => (await readyz(server!.http)).status === 200, "ready again once Postgres is back", 15_000);
  },
);
