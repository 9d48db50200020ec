import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Bus } from "./bus.js";

/**
 * The behaviour every Bus must have. `connect(n)` returns n nodes that can
 * reach each other (n processes, as far as the bus can tell).
 */
export function busContract(name: string, connect: (n: number) => Promise<Bus[]>) {
  const collect = () => {
    const got: { text: string; from: string }[] = [];
    return { got, handler: (payload: Uint8Array, from: string) => got.push({ text: Buffer.from(payload).toString(), from }) };
  };
  const bytes = (text: string) => new Uint8Array(Buffer.from(text));
  const settle = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const closeAll = (nodes: Bus[]) => Promise.all(nodes.map((n) => n.close()));

  describe(`Bus contract: ${name}`, () => {
    test("a message reaches every other subscriber of its topic, in order, with its sender, and never its publisher", async () => {
      const nodes = await connect(3);
      const [a, b, c] = nodes;
      const [ga, gb, gc] = [collect(), collect(), collect()];
      await a.subscribe("t", ga.handler);
      await b.subscribe("t", gb.handler);
      await c.subscribe("t", gc.handler);
      for (let i = 0; i < 50; i++) a.publish("t", bytes(`m${i}`));
      await settle(() => gb.got.length === 50 && gc.got.length === 50, "50 messages at b and c");
      const expected = Array.from({ length: 50 }, (_, i) => ({ text: `m${i}`, from: a.nodeId }));
      assert.deepEqual(gb.got, expected);
      assert.deepEqual(gc.got, expected);
      assert.equal(ga.got.length, 0, "the publisher does not hear itself");
      assert.notEqual(a.nodeId, b.nodeId);
      await closeAll(nodes);
    });

    test("topics are separate, and an unsubscribed node hears nothing more", async () => {
      const nodes = await connect(2);
      const [a, b] = nodes;
      const [one, two] = [collect(), collect()];
      await b.subscribe("one", one.handler);
      await b.subscribe("two", two.handler);
      a.publish("one", bytes("to one"));
      await settle(() => one.got.length === 1, "message on one");
      await b.unsubscribe("one");
      a.publish("one", bytes("after unsubscribe"));
      a.publish("two", bytes("to two"));
      await settle(() => two.got.length === 1, "message on two");
      assert.deepEqual(one.got.map((g) => g.text), ["to one"]);
      assert.deepEqual(two.got.map((g) => g.text), ["to two"]);
      await closeAll(nodes);
    });

    test("binary payloads arrive byte for byte, and the publisher may reuse its buffer", async () => {
      const nodes = await connect(2);
      const [a, b] = nodes;
      const got: Uint8Array[] = [];
      await b.subscribe("bin", (p) => got.push(p.slice()));
      const buffer = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
      const expected = buffer.slice();
      a.publish("bin", buffer);
      buffer.fill(0);
      a.publish("bin", new Uint8Array(0));
      await settle(() => got.length === 2, "two binary messages");
      assert.deepEqual(got[0], expected);
      assert.equal(got[1].length, 0);
      await closeAll(nodes);
    });
  });
}
