/**
 * What a holder of a link can do to a board and its server over the socket
 * (issue 9): flood presence, speak for someone else's presence, delete items
 * nobody has written yet, or keep a socket whose link is revoked while it
 * connects. Each is refused without harm to anyone else.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client, type CreatedBoard } from "./helpers/clients.js";
import { healthWatch, serverLoopGuard } from "./helpers/loop-guard.js";

let storage: TestStorage;
let server: ServerProcess;
let board: CreatedBoard;
const clients: Client[] = [];
const sockets: WebSocket[] = [];

before(async () => {
  storage = await freshStorage();
  server = await spawnServer(storage, { LOG_LEVEL: "warn" });
  board = await createBoard(server);
});
after(async () => {
  for (const c of clients) c.destroy();
  for (const s of sockets) s.terminate();
  await server?.stop();
  await storage?.cleanup();
});

const open = (token: string, boardId = board.id) => {
  const client = connect(server, boardId, token);
  clients.push(client);
  return client;
};

/** A bare socket that speaks the wire protocol by hand; `closed` resolves with the server's close code. */
function rawSocket(token: string, boardId = board.id) {
  const ws = new WebSocket(`${server.ws}/${boardId}?token=${token}`);
  sockets.push(ws);
  ws.on("error", () => {});
  const opened = new Promise<void>((resolve) => ws.once("open", () => resolve()));
  const closing = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  // A socket the server should have closed but did not fails the test instead of hanging it.
  const closed = Promise.race([closing, sleep(10_000).then(() => "still open after 10 s")]);
  return { ws, opened, closed, send: async (frame: Uint8Array) => (await opened, ws.send(frame)) };
}

/** y-protocols awareness message: [1, varUint8Array(count (clientID clock stateJSON)*)]. */
function awarenessFrame(entries: Iterable<[clientId: number, clock: number, state: unknown]>): Uint8Array {
  const update = encoding.createEncoder();
  const list = [...entries];
  encoding.writeVarUint(update, list.length);
  for (const [id, clock, state] of list) {
    encoding.writeVarUint(update, id);
    encoding.writeVarUint(update, clock);
    encoding.writeVarString(update, JSON.stringify(state));
  }
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 1);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}

/** A sync update (messageSync, syncUpdate) carrying `update`. */
function syncUpdateFrame(update: Uint8Array): Uint8Array {
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 0);
  encoding.writeVarUint(frame, 2);
  encoding.writeVarUint8Array(frame, update);
  return encoding.toUint8Array(frame);
}

const nameOf = (client: Client, clientId: number) => (client.provider.awareness.getStates().get(clientId) as { user?: { name?: string } } | undefined)?.user?.name;

test("one presence frame announcing 300,000 client ids from an embed link is refused before it is read; the server never stalls", async () => {
  function* ids() {
    for (let i = 1; i <= 300_000; i++) yield [i, 1, { user: { name: "x" } }] as [number, number, unknown];
  }
  // Built before the watch starts: building it blocks this process, not the server.
  const frame = awarenessFrame(ids());
  assert.ok(frame.length > 2_000_000, `the frame is ${frame.length} bytes`);
  const attacker = rawSocket(tokenOf(board.links.embed));
  await attacker.opened;
  const guard = await serverLoopGuard(server);
  const health = healthWatch(server);
  await attacker.send(frame);
  assert.equal(await attacker.closed, 4400);
  await health.stop();
  await guard.check();
});

test("a socket may claim a handful of presences; more are not shown, and they leave with it", async () => {
  const attacker = rawSocket(tokenOf(board.links.view));
  for (let i = 0; i < 8; i++) await attacker.send(awarenessFrame([[900_000 + i, 1, { user: { name: `ghost ${i}` } }]]));
  const observer = open(tokenOf(board.links.view));
  await whenSynced(observer);
  await eventually(() => nameOf(observer, 900_007) === "ghost 7", "the eighth presence is shown");
  await attacker.send(awarenessFrame([[900_008, 1, { user: { name: "ghost 8" } }]]));
  await attacker.send(awarenessFrame([[900_001, 2, { user: { name: "ghost 1, renamed" } }]]));
  await eventually(() => nameOf(observer, 900_001) === "ghost 1, renamed", "its own presences still change");
  assert.equal(nameOf(observer, 900_008), undefined, "the ninth is not shown");
  attacker.ws.close();
  await eventually(() => [...Array(9).keys()].every((i) => nameOf(observer, 900_000 + i) === undefined), "its presences leave with it");
});

test("a viewer on a board with more people present than a socket may claim relays their presence back and stays", async () => {
  const crowd = Array.from({ length: 12 }, () => open(tokenOf(board.links.view)));
  await Promise.all(crowd.map((c) => whenSynced(c)));
  crowd.forEach((c, i) => c.provider.awareness.setLocalStateField("user", { name: `person ${i}` }));
  const late = open(tokenOf(board.links.view));
  await whenSynced(late);
  await eventually(() => crowd.every((c) => nameOf(late, c.doc.clientID) !== undefined), "the late viewer sees all twelve");
  crowd[0].destroy(); // one leaves: everyone relays the removal, and stale states may cross it
  await sleep(500);
  for (const c of [late, ...crowd.slice(1)]) assert.deepEqual(c.closes, [], "nobody is cut off");
  assert.equal(nameOf(late, crowd[0].doc.clientID), undefined, "the one who left is gone, not brought back by a relay");
});

test("a socket cannot speak for someone else's presence, whatever clock it sends", async () => {
  const alice = open(tokenOf(board.links.edit));
  const bob = open(tokenOf(board.links.view));
  await Promise.all([whenSynced(alice), whenSynced(bob)]);
  alice.provider.awareness.setLocalStateField("user", { name: "alice" });
  const aliceId = alice.doc.clientID;
  await eventually(() => nameOf(bob, aliceId) === "alice", "bob sees alice");

  const mallory = rawSocket(tokenOf(board.links.view));
  const malloryId = 777_777;
  await mallory.send(awarenessFrame([[malloryId, 1, { user: { name: "mallory" } }]]));
  await mallory.send(awarenessFrame([[aliceId, 1_000_000, { user: { name: "mallory" } }]]));
  await mallory.send(awarenessFrame([[aliceId, 1_000_001, null]]));
  await eventually(() => nameOf(bob, malloryId) === "mallory", "mallory's own presence is shown");
  await sleep(300);
  assert.equal(nameOf(bob, aliceId), "alice", "alice is still alice, and still present");
  alice.provider.awareness.setLocalStateField("user", { name: "alice 2" });
  await eventually(() => nameOf(bob, aliceId) === "alice 2", "alice's own next change still gets through");
});

test("an edit socket cannot delete what the server has not written yet (its future runs)", async () => {
  const edit = tokenOf(board.links.edit);
  const watcher = open(edit);
  await whenSynced(watcher);
  const api = (path: string, body: unknown) =>
    fetch(`${server.http}/api/boards/${board.id}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${edit}` }, body: JSON.stringify(body) }).then(
      (r) => r.json() as Promise<Record<string, string>>,
    );
  const { nodeId } = await api("/nodes", { kind: "image", prompt: "a red kite", seed: 3 });
  await api("/runs", { nodeId });
  const runs = watcher.doc.getMap<Y.Map<unknown>>("runs");
  await eventually(() => runs.get(nodeId)?.get("status") === "succeeded", "the first run succeeded", 30_000);

  // The server's Yjs client id is visible to every collaborator: it wrote the run.
  const serverClient = (runs as unknown as { _map: Map<string, { id: Y.ID }> })._map.get(nodeId)!.id.client;
  const deletes = encoding.createEncoder();
  encoding.writeVarUint(deletes, 0); // no structs
  encoding.writeVarUint(deletes, 1); // one client in the delete set
  encoding.writeVarUint(deletes, serverClient);
  encoding.writeVarUint(deletes, 1);
  encoding.writeVarUint(deletes, Y.getState(watcher.doc.store, serverClient));
  encoding.writeVarUint(deletes, 10_000);
  const attacker = rawSocket(edit);
  await attacker.send(syncUpdateFrame(encoding.toUint8Array(deletes)));
  assert.equal(await attacker.closed, 4400);

  await api("/runs", { nodeId, force: true });
  watcher.records.set("shape:someone-edits", { id: "shape:someone-edits" });
  await eventually(() => runs.get(nodeId)?.get("status") === "succeeded" && (runs.get(nodeId)?.get("outputs") as unknown[])?.length === 1, "the second run's result is on the board", 30_000);
  await sleep(300);
  const run = runs.get(nodeId)!.toJSON();
  assert.equal(run.status, "succeeded");
  assert.equal(run.outputs.length, 1);
  assert.ok(typeof run.currentJobId === "string");
});

test("revoking a link while its sockets are still connecting closes every one of them", async () => {
  const rounds = 40;
  const outcomes = await Promise.all(
    Array.from({ length: rounds }, async (_, i) => {
      const fresh = await createBoard(server); // not in memory: the socket waits for its load
      const socket = rawSocket(tokenOf(fresh.links.edit), fresh.id);
      await sleep(i % 4);
      const res = await fetch(`${server.http}/api/boards/${fresh.id}/links/edit`, { method: "DELETE", headers: { authorization: `Bearer ${fresh.ownerToken}` } });
      assert.equal(res.status, 200);
      return socket.closed;
    }),
  );
  const open = outcomes.filter((o) => o !== 4410);
  assert.deepEqual(open, [], `${open.length} of ${rounds} sockets were not closed with 4410: ${open.join(", ")}`);
});
