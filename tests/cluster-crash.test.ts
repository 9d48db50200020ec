/**
 * Distributed mode through crashes, as a rolling deploy or a dead machine
 * plays them: two processes on one Postgres and one Redis; an editor writes
 * every 20 ms through A while a colleague looks on through B; A is killed; the editor reconnects through B and
 * writes on; A comes back; later both stop (kill -9, or SIGTERM) and a new
 * process loads the board. Nothing the editor wrote, and no run's result, may
 * be missing — in particular not what was stored after A's death, which
 * builds on the updates A had relayed but not yet stored. Runs in both CI legs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as Y from "yjs";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "./helpers/redis.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { freshPostgresStorage, type TestStorage } from "./helpers/storage.js";
import { metricValue, scrape } from "./helpers/metrics.js";

const cleanups: (() => Promise<unknown>)[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function cluster() {
  const storage: TestStorage = await freshPostgresStorage();
  const prefix = uniquePrefix("crash");
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix };
  const started: ServerProcess[] = [];
  cleanups.push(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await storage.cleanup();
    await deleteKeys(prefix);
  });
  return {
    start: async () => {
      const server = await spawnServer(storage, env);
      started.push(server);
      return server;
    },
  };
}

const open = (server: ServerProcess, boardId: string, token: string) => {
  const client = connect(server, boardId, token);
  clients.push(client);
  return client;
};

/** Writes one record every 20 ms until stopped: a person dragging things around. */
function steadyEditor(client: Client) {
  let n = 0;
  let writing = true;
  const done = (async () => {
    while (writing) {
      client.records.set(`shape:${n}`, { id: `shape:${n}`, x: n, y: n % 17 });
      n += 1;
      await sleep(20);
    }
  })();
  return {
    get written() {
      return n;
    },
    async stop() {
      writing = false;
      await done;
    },
  };
}

for (const finalStop of ["kill -9", "SIGTERM"] as const) {
  test(`a process killed mid-batch, its editor moving to a peer, then both stopped (${finalStop}): a restart has every record and the run`, async () => {
    const { start } = await cluster();
    let a = await start();
    const b = await start();
    const board = await createBoard(a);
    const edit = tokenOf(board.links.edit);
    const api = (path: string, body: unknown) =>
      fetch(`${a.http}/api/boards/${board.id}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${edit}` }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<{ nodeId: string; jobId: string }>,
      );

    const editor = open(a, board.id, edit);
    const colleague = open(b, board.id, edit); // B has the board loaded: it sees the editor's updates through Redis
    await Promise.all([whenSynced(editor), whenSynced(colleague)]);
    const { nodeId } = await api("/nodes", { kind: "image", prompt: "a lighthouse at dusk", seed: 7 });
    await api("/runs", { nodeId });
    const runOf = (c: Client) => c.doc.getMap<Y.Map<unknown>>("runs").get(nodeId)?.toJSON();
    await eventually(() => runOf(editor)?.status === "succeeded", "the run finished", 30_000);

    const typing = steadyEditor(editor);
    await sleep(1000);
    // A dies with up to PERSIST_FLUSH_MS of the editor's updates relayed to B but not stored.
    editor.provider.serverUrl = b.ws;
    await a.kill9();
    await eventually(() => editor.provider.wsconnected && editor.provider.synced, "the editor is back, through B", 15_000);
    await sleep(1000);
    a = await start();
    const onA = open(a, board.id, edit); // A loads the board again and syncs with B
    await whenSynced(onA);
    await sleep(1000);
    await typing.stop();
    const expected = editor.records.toJSON();
    const typed = Array.from({ length: typing.written }, (_, n) => `shape:${n}`);
    assert.ok(typed.every((id) => id in expected));
    await eventually(() => onA.records.size === editor.records.size, "the restarted A shows every record");

    // Past the promise: stored a flush interval after it was relayed (A confirms, or B writes what A never did).
    await sleep(1500);
    for (const c of [editor, onA, colleague]) c.destroy();
    if (finalStop === "kill -9") await Promise.all([a.kill9(), b.kill9()]);
    else await Promise.all([a.stop(), b.stop()]);

    const fresh = await start();
    const reader = open(fresh, board.id, edit);
    await whenSynced(reader);
    const stored = reader.records.toJSON();
    const missing = Object.keys(expected).filter((id) => !(id in stored));
    assert.deepEqual(missing, [], `${missing.length} of ${Object.keys(expected).length} records are missing after the restart`);
    assert.equal(runOf(reader)?.status, "succeeded", "the finished run is still on the board");
    assert.equal(metricValue(await scrape(fresh.http), "genboard_doc_stored_gaps_total"), 0, "the load integrated every stored update");
  });
}
