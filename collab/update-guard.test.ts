import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { judgeClientUpdate } from "./update-guard.js";

/** The reason an update is refused, or null (applied, or replayed and restored). */
const refusalOf = (doc: Y.Doc, update: Uint8Array, roots: ReadonlySet<string>, senderIds: ReadonlySet<number> = new Set()) => {
  const verdict = judgeClientUpdate(doc, update, roots, senderIds);
  return verdict && "refuse" in verdict ? verdict.refuse : null;
};

const RUNS = new Set(["runs"]);

/** An update with no structs, only a delete set: `[client, clock, len]` ranges. */
function deletesOnly(ranges: [number, number, number][]): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0);
  encoding.writeVarUint(enc, ranges.length);
  for (const [client, clock, len] of ranges) {
    encoding.writeVarUint(enc, client);
    encoding.writeVarUint(enc, 1);
    encoding.writeVarUint(enc, clock);
    encoding.writeVarUint(enc, len);
  }
  return encoding.toUint8Array(enc);
}

function serverWithRun() {
  const server = new Y.Doc();
  const run = new Y.Map<unknown>();
  server.getMap("runs").set("shape:a", run);
  run.set("status", "succeeded");
  const person = new Y.Doc();
  person.getMap("records").set("shape:b", { id: "shape:b" });
  Y.applyUpdate(server, Y.encodeStateAsUpdate(person));
  return { server, person };
}

test("deleting what nobody has written yet is refused, whoever's clock it names", () => {
  const { server, person } = serverWithRun();
  const serverState = Y.getState(server.store, server.clientID);
  assert.match(refusalOf(server, deletesOnly([[server.clientID, serverState, 1000]]), RUNS) ?? "", /does not exist yet/);
  assert.match(refusalOf(server, deletesOnly([[person.clientID, Y.getState(person.store, person.clientID), 5]]), RUNS) ?? "", /does not exist yet/);
  assert.match(refusalOf(server, deletesOnly([[424242, 0, 1]]), RUNS) ?? "", /424242:0/);
});

test("deleting another person's existing item, or what the update itself inserts, is ordinary editing", () => {
  const { server, person } = serverWithRun();
  const editor = new Y.Doc();
  Y.applyUpdate(editor, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(editor);
  editor.transact(() => {
    editor.getMap("records").delete("shape:b"); // the person's item
    editor.getMap("records").set("shape:tmp", { id: "shape:tmp" });
    editor.getMap("records").delete("shape:tmp"); // inserted and deleted in one update, as an offline client sends it
  });
  assert.equal(refusalOf(server, Y.encodeStateAsUpdate(editor, before), RUNS), null);
  assert.equal(refusalOf(server, deletesOnly([[person.clientID, 0, 1]]), RUNS), null);
});

test("a write into runs by the sender itself is refused with its reason; one by another author is a replay of those entries", () => {
  const { server } = serverWithRun();
  const editor = new Y.Doc();
  Y.applyUpdate(editor, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(editor);
  editor.getMap("runs").set("shape:z", "forged");
  const update = Y.encodeStateAsUpdate(editor, before);
  assert.match(refusalOf(server, update, RUNS, new Set([editor.clientID])) ?? "", /only the server writes runs/);
  assert.deepEqual(judgeClientUpdate(server, update, RUNS, new Set([424242])), { replayed: [{ root: "runs", key: "shape:z" }] });
});
