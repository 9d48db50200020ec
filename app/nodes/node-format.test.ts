import "../canvas/testing/node-env.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTLStore, defaultBindingUtils, defaultShapeUtils, type TLRecord } from "tldraw";
import * as server from "../../server/nodes/node-record.js";
import { DEFAULT_MODEL, defaultNodeProps, NODE_KINDS, nodeKindOf } from "./node-format.js";
import { nodeShapeUtils } from "./index.js";

const store = () => createTLStore({ shapeUtils: [...defaultShapeUtils, ...nodeShapeUtils], bindingUtils: defaultBindingUtils });
const serverRecord = (kind: server.NodeKind, extra: Partial<server.NewNode> = {}) =>
  server.createNodeRecord({ id: `shape:${kind}1`, kind, parentId: "page:page", index: "a1", x: 10, y: 20, ...extra });

test("the canvas's default node props are those of the records the server creates", () => {
  assert.deepEqual([...NODE_KINDS], [...server.NODE_KINDS]);
  assert.deepEqual(DEFAULT_MODEL, server.DEFAULT_MODEL);
  for (const kind of NODE_KINDS) {
    const { seed: _a, ...ours } = defaultNodeProps(kind);
    const { seed: _b, ...theirs } = serverRecord(kind).props;
    assert.deepEqual(ours, theirs, kind);
    assert.equal(nodeKindOf(server.nodeShapeType(kind)), kind);
  }
});

test("the canvas schema accepts every node record the server creates, and what the runner reads it accepts too", () => {
  const s = store();
  for (const kind of NODE_KINDS) {
    const record = serverRecord(kind, { prompt: "a fox", params: { width: 256, style: "dots" }, seed: 7 });
    const valid = s.schema.validateRecord(s, record as unknown as TLRecord, "createRecord", null);
    assert.equal(server.readNode(valid)?.kind, kind);
  }
});

test("the canvas schema rejects node records the runner would reject", () => {
  const s = store();
  const bad = [
    { ...serverRecord("image"), props: { ...serverRecord("image").props, params: { width: true } } },
    { ...serverRecord("image"), props: { ...serverRecord("image").props, seed: 1.5 } },
    { ...serverRecord("text"), props: { ...serverRecord("text").props, prompt: 3 } },
  ];
  for (const record of bad) {
    assert.equal(server.readNode(record), null);
    assert.throws(() => s.schema.validateRecord(s, record as unknown as TLRecord, "createRecord", null));
  }
});
