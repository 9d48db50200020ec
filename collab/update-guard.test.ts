import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { refusalOf as refusal } from "./update-guard.js";

const refusalOf = (doc: Y.Doc, update: Uint8Array, roots: ReadonlySet<string>, senderIds: ReadonlySet<number> = new Set()) => refusal(doc, update, roots, senderIds);

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

test("a write into runs is still refused with its reason", () => {
  const { server } = serverWithRun();
  const editor = new Y.Doc();
  Y.applyUpdate(editor, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(editor);
  editor.getMap("runs").set("shape:z", "forged");
  assert.match(refusalOf(server, Y.encodeStateAsUpdate(editor, before), RUNS) ?? "", /only the server writes runs/);
});

test("content under another client's id at clocks the board has not reached is refused; a sender's own edits may run ahead", () => {
  const { server, person } = serverWithRun();
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
  copy.clientID = person.clientID; // writes as the person, past what the board holds of them
  const skipped = Y.encodeStateVector(copy);
  copy.getMap("records").set("shape:skipped", { id: "shape:skipped" });
  const between = Y.encodeStateVector(copy);
  copy.getMap("records").set("shape:ahead", { id: "shape:ahead" });
  const ahead = Y.encodeStateAsUpdate(copy, between);
  void skipped;
  assert.match(refusalOf(server, ahead, RUNS) ?? "", /leaves a gap/);
  assert.equal(refusalOf(server, ahead, RUNS, new Set([person.clientID])), null);
});

test("a delete of an item held back behind a gap is refused, even when the same update inserts it", () => {
  const { server } = serverWithRun();
  const forger = new Y.Doc();
  Y.applyUpdate(forger, Y.encodeStateAsUpdate(server));
  forger.clientID = 777;
  forger.getMap("records").set("shape:first", 1); // never sent: the gap
  const sv = Y.encodeStateVector(forger);
  forger.transact(() => {
    forger.getMap("records").set("shape:later", 2);
    forger.getMap("records").delete("shape:later");
  });
  assert.match(refusalOf(server, Y.encodeStateAsUpdate(forger, sv), RUNS, new Set([777])) ?? "", /does not exist yet/);
});
