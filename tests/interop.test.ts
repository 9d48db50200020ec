import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { closeOf, connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client, type CreatedBoard } from "./helpers/clients.js";

describe("official y-websocket clients through a spawned server", () => {
  let storage: TestStorage;
  let server: ServerProcess;
  let board: CreatedBoard;
  const clients: Client[] = [];
  const open = (token: string, opts?: { reconnect?: boolean; board?: CreatedBoard }) => {
    const c = connect(server, (opts?.board ?? board).id, token, opts);
    clients.push(c);
    return c;
  };

  before(async () => {
    storage = await freshStorage();
    server = await spawnServer(storage, { PERSIST_FLUSH_MS: "100" });
    board = await createBoard(server);
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
    await storage?.cleanup();
  });

  test("two editors converge and a late joiner gets everything", async () => {
    const a = open(tokenOf(board.links.edit));
    const b = open(tokenOf(board.links.edit));
    await Promise.all([whenSynced(a), whenSynced(b)]);
    a.records.set("shape:a", { id: "shape:a", x: 1 });
    b.records.set("shape:b", { id: "shape:b", x: 2 });
    a.doc.getMap("records").set("shape:c", { id: "shape:c", text: "é ✓" });
    await eventually(() => a.records.size === 3 && b.records.size === 3, "both editors see three records");
    b.records.delete("shape:a");
    await eventually(() => !a.records.has("shape:a"), "the delete reaches the other editor");

    const late = open(tokenOf(board.links.edit));
    await whenSynced(late);
    assert.deepEqual(late.records.toJSON(), { "shape:b": { id: "shape:b", x: 2 }, "shape:c": { id: "shape:c", text: "é ✓" } });
  });

  test("a viewer receives everything but its writes reach nobody and are never stored", async () => {
    const editor = open(tokenOf(board.links.edit));
    const viewer = open(tokenOf(board.links.view));
    const embed = open(tokenOf(board.links.embed));
    await Promise.all([whenSynced(editor), whenSynced(viewer), whenSynced(embed)]);
    viewer.records.set("shape:evil", { id: "shape:evil" });
    embed.records.set("shape:evil2", { id: "shape:evil2" });
    editor.records.set("shape:after", { id: "shape:after" });
    await eventually(() => viewer.records.has("shape:after") && embed.records.has("shape:after"), "viewers receive the editor's write");
    await sleep(300); // > PERSIST_FLUSH_MS: anything accepted would now be stored
    assert.equal(editor.records.has("shape:evil"), false);
    assert.equal(viewer.closes.length, 0, "a viewer's write is ignored, not punished");

    const fresh = open(tokenOf(board.links.edit));
    await whenSynced(fresh);
    assert.equal(fresh.records.has("shape:after"), true);
    assert.equal(fresh.records.has("shape:evil"), false);
    assert.equal(fresh.records.has("shape:evil2"), false);
  });

  test("presence from a viewer reaches editors", async () => {
    const editor = open(tokenOf(board.links.edit));
    const viewer = open(tokenOf(board.links.view));
    await Promise.all([whenSynced(editor), whenSynced(viewer)]);
    viewer.provider.awareness.setLocalStateField("user", { name: "Vera" });
    await eventually(
      () => [...editor.provider.awareness.getStates().values()].some((s) => (s as { user?: { name: string } }).user?.name === "Vera"),
      "the editor sees the viewer's presence",
    );
    viewer.destroy();
    await eventually(
      () => ![...editor.provider.awareness.getStates().values()].some((s) => (s as { user?: { name: string } }).user?.name === "Vera"),
      "the viewer's presence disappears when it leaves",
    );
  });

  test("missing, forged and foreign tokens and unknown boards are refused with 44xx codes", async () => {
    const other = await createBoard(server, "Other");
    assert.deepEqual(await closeOf(`${server.ws}/${board.id}`), { code: 4401, reason: "missing token" });
    assert.deepEqual(await closeOf(`${server.ws}/${board.id}?token=${"x".repeat(32)}`), { code: 4401, reason: "invalid token" });
    assert.deepEqual(await closeOf(`${server.ws}/${board.id}?token=short`), { code: 4401, reason: "invalid token" });
    assert.deepEqual(await closeOf(`${server.ws}/${board.id}?token=${tokenOf(other.links.edit)}`), { code: 4403, reason: "token is for another board" });
    assert.deepEqual(await closeOf(`${server.ws}/AAAAAAAAAAAAAAAA?token=${tokenOf(board.links.edit)}`), { code: 4404, reason: "no such board" });
  });

  test("revoking a link closes its live sockets and refuses it afterwards; other links keep working", async () => {
    board = await createBoard(server, "Revocation");
    const viewer = open(tokenOf(board.links.view), { reconnect: false });
    const viewer2 = open(tokenOf(board.links.view), { reconnect: false });
    const editor = open(tokenOf(board.links.edit));
    await Promise.all([whenSynced(viewer), whenSynced(viewer2), whenSynced(editor)]);
    const res = await fetch(`${server.http}/api/boards/${board.id}/links/view`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${board.ownerToken}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { kind: "view", revoked: 1, disconnected: 2 });
    await eventually(() => [viewer, viewer2].every((v) => v.closes.some((c) => c.code === 4410)), "both viewers are disconnected with 4410");
    assert.equal(editor.closes.length, 0, "the editor stays");
    assert.deepEqual(await closeOf(`${server.ws}/${board.id}?token=${tokenOf(board.links.view)}`), { code: 4410, reason: "this link was revoked" });

    editor.records.set("shape:still", { id: "shape:still" });
    const again = open(tokenOf(board.links.edit));
    await whenSynced(again);
    await eventually(() => again.records.has("shape:still"), "the edit link still works");
  });

  test("rotating a link replaces it: the old token stops working, the new one works", async () => {
    const res = await fetch(`${server.http}/api/boards/${board.id}/links/edit/rotate`, {
      method: "POST",
      headers: { authorization: `Bearer ${board.ownerToken}` },
    });
    assert.equal(res.status, 200);
    const rotated = (await res.json()) as { link: string; role: string };
    assert.equal(rotated.role, "edit");
    assert.match(rotated.link, /^\/s\/[A-Za-z0-9_-]{32}$/);
    assert.equal((await closeOf(`${server.ws}/${board.id}?token=${tokenOf(board.links.edit)}`)).code, 4410);
    const c = open(tokenOf(rotated.link));
    await whenSynced(c);
    assert.equal(c.records.has("shape:still"), true);
  });
});
