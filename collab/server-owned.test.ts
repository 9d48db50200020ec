import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";
import { writesToRoots as writesTo } from "./server-owned.js";

const RUNS = new Set(["runs"]);
const writesToRoots = (doc: Y.Doc, update: Uint8Array, roots: ReadonlySet<string>) => writesTo(doc, Y.decodeUpdate(update), roots);

/** A server doc with a run in it, and a client that has synced with it. */
function setup() {
  const server = new Y.Doc();
  const run = new Y.Map<unknown>();
  server.getMap("runs").set("shape:a", run);
  run.set("status", "running");
  run.set("text", new Y.Text("hello"));
  run.set("status", "succeeded"); // an overwrite: the server's own delete
  server.getMap("records").set("shape:a", { id: "shape:a" });
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const updates: Uint8Array[] = [];
  client.on("update", (u: Uint8Array) => updates.push(u));
  return { server, client, updates, last: () => Y.mergeUpdates(updates) };
}

test("ordinary edits, including a full resync with old deletions, are not writes to runs", () => {
  const { server, client, last } = setup();
  client.getMap("records").set("shape:b", { id: "shape:b" });
  client.getMap("records").delete("shape:a");
  client.getMap("meta").set("schema", { v: 1 });
  assert.equal(writesToRoots(server, last(), RUNS), false);
  // sync step 2 carries the client's whole delete set, the server's overwrite in runs included
  assert.equal(writesToRoots(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)), RUNS), false);
});

test("setting, nesting, editing text and deleting inside runs are all writes", () => {
  const cases: Array<(d: Y.Doc) => void> = [
    (d) => d.getMap("runs").set("shape:z", "forged"),
    (d) => (d.getMap("runs").get("shape:a") as Y.Map<unknown>).set("status", "failed"),
    (d) => ((d.getMap("runs").get("shape:a") as Y.Map<unknown>).get("text") as Y.Text).insert(5, " world"),
    (d) => ((d.getMap("runs").get("shape:a") as Y.Map<unknown>).get("text") as Y.Text).delete(0, 2),
    (d) => d.getMap("runs").delete("shape:a"),
    (d) => {
      const nested = new Y.Map<unknown>();
      d.getMap("runs").set("shape:new", nested);
      nested.set("deep", new Y.Array());
    },
  ];
  for (const [i, write] of cases.entries()) {
    const { server, client, last } = setup();
    write(client);
    assert.equal(writesToRoots(server, last(), RUNS), true, `case ${i}`);
  }
});

test("a write into runs hidden behind a neighbour in the same update is found", () => {
  const { server, client, last } = setup();
  const text = (client.getMap("runs").get("shape:a") as Y.Map<unknown>).get("text") as Y.Text;
  client.transact(() => {
    client.getMap("records").set("shape:c", { id: "shape:c" });
    text.insert(text.length, "!");
    text.insert(text.length, "?");
  });
  assert.equal(writesToRoots(server, last(), RUNS), true);
});

test("a reference the server does not know counts as a write", () => {
  const { server } = setup();
  const stranger = new Y.Doc();
  const text = stranger.getText("notes");
  text.insert(0, "abc");
  const first = Y.encodeStateAsUpdate(stranger);
  const before = Y.encodeStateVector(stranger);
  text.insert(3, "def"); // its origin is in `first`, which the server never got
  assert.equal(writesToRoots(server, Y.encodeStateAsUpdate(stranger, before), RUNS), true);
  assert.equal(writesToRoots(server, first, RUNS), false);
});
