import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as Y from "yjs";
import * as awarenessProtocol from "y-protocols/awareness";
import * as encoding from "lib0/encoding";
import { BoundedReader } from "./bounded-reader.js";
import { MalformedFrameError } from "./errors.js";
import { validateAwarenessUpdate, validateStateVector, validateUpdate } from "./validate-update.js";

type Write = (e: encoding.Encoder) => void;

/** mulberry32: seeded, so any fuzz failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const assertMalformed = (fn: () => unknown, message?: string) => assert.throws(fn, MalformedFrameError, message);
const uints = (e: encoding.Encoder, ...nums: number[]) => nums.forEach((n) => encoding.writeVarUint(e, n));
const u8 = (e: encoding.Encoder, byte: number) => encoding.writeUint8(e, byte);
const str = (e: encoding.Encoder, s: string) => encoding.writeVarString(e, s);
const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);

function frame(write: Write): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

/** One client block holding a single item under root type "root", empty delete set. */
const rootItem = (info: number, content: Write, client = 5, clock = 0) =>
  frame((e) => { uints(e, 1, 1, client, clock); u8(e, info); uints(e, 1); str(e, "root"); content(e); uints(e, 0); });

function newDoc(clientID: number, opts?: ConstructorParameters<typeof Y.Doc>[0]): Y.Doc {
  const doc = new Y.Doc(opts);
  doc.clientID = clientID;
  return doc;
}

function docFrom(...updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  updates.forEach((u) => Y.applyUpdate(doc, u));
  return doc;
}

/** Returns true if valid, false on MalformedFrameError, rethrows anything else. */
function passes(buf: Uint8Array): boolean {
  try {
    validateUpdate(buf);
    return true;
  } catch (err) {
    if (err instanceof MalformedFrameError) return false;
    throw err;
  }
}

function realUpdates(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const full = (name: string, doc: Y.Doc) => out.set(name, Y.encodeStateAsUpdate(doc));

  const mapDoc = newDoc(1);
  const incremental: Uint8Array[] = [];
  mapDoc.on("update", (u: Uint8Array) => incremental.push(u));
  const m = mapDoc.getMap("m");
  Object.entries({
    int: 7, neg: -123456, big: 2 ** 40, minSafe: -(2 ** 52), f32: 1.5, f64: 0.1, negZero: -0,
    str: "héllo 👋", empty: "", t: true, f: false, nil: null, undef: undefined, bigint: 5n,
    obj: { a: { b: [1, "x", null, { c: new Uint8Array([9]) }] } }, arr: [[], {}, [1.25]],
    bytes: new Uint8Array([0, 1, 255]), deep: nested(31),
  }).forEach(([k, v]) => m.set(k, v));
  m.set("int", 8);
  m.delete("str");
  full("map", mapDoc);

  const text = newDoc(2).getText("t");
  text.insert(0, "Hello wide 🌍 world");
  text.format(0, 5, { bold: true, link: { href: "https://x" } });
  text.insertEmbed(6, { image: "cat.png" }, { width: 3 });
  text.delete(2, 4);
  text.applyDelta([{ retain: 3 }, { insert: "!", attributes: { italic: true } }]);
  full("text", text.doc!);

  const arr = newDoc(3).getArray<unknown>("a");
  const inner = new Y.Map<unknown>();
  arr.insert(0, [1, "two", inner, new Y.Array(), new Y.Text("inner")]);
  inner.set("nested", Y.Array.from([1, 2, 3]));
  arr.delete(0, 1);
  full("array", arr.doc!);

  const frag = newDoc(4).getXmlFragment("x");
  const p = new Y.XmlElement("p");
  const xt = new Y.XmlText("para");
  const hook = new Y.XmlHook("hook") as unknown as Y.XmlElement; // Yjs' typings omit hooks, its code allows them
  frag.insert(0, [p, hook, new Y.XmlText("tail")]);
  p.setAttribute("class", "lead");
  p.insert(0, [xt]);
  xt.format(0, 2, { b: true });
  full("xml", frag.doc!);

  const subDoc = newDoc(5);
  subDoc.getMap("docs").set("plain", new Y.Doc({ guid: "plain" }));
  subDoc.getMap("docs").set("opts", new Y.Doc({ guid: "opts", gc: false, autoLoad: true, meta: { k: [1] } }));
  subDoc.getArray("list").insert(0, [new Y.Doc({ guid: "in-array" })]);
  full("subdocs", subDoc);

  // Deleting a type whose children were edited leaves GC structs behind.
  const gcArr = newDoc(6).getArray<Y.Map<string>>("a");
  const doomed = new Y.Map<string>();
  gcArr.insert(0, [doomed]);
  for (let i = 0; i < 20; i++) doomed.set(`k${i % 4}`, "v".repeat(i));
  gcArr.delete(0, 1);
  gcArr.doc!.getText("t").insert(0, "abcdef");
  gcArr.doc!.getText("t").delete(1, 3);
  full("gc", gcArr.doc!);
  const noGc = newDoc(7, { gc: false }).getText("t");
  noGc.insert(0, "keep deleted");
  noGc.delete(0, 5);
  full("no-gc", noGc.doc!);

  const peers = Array.from({ length: 40 }, (_, i) => newDoc(100 + i * 7919));
  peers.forEach((peer, i) => {
    peer.getText("shared").insert(0, `peer ${i} `);
    peer.getMap("cursors").set(String(i), { x: i, y: -i });
    if (i > 0) Y.applyUpdate(peer, Y.encodeStateAsUpdate(peers[i - 1]!));
    if (i % 3 === 0) peer.getText("shared").delete(0, 2);
  });
  full("many-clients", peers[peers.length - 1]!);

  incremental.forEach((u, i) => out.set(`incremental-${i}`, u));
  out.set("merged", Y.mergeUpdates(incremental));
  // A gap in one client's clocks makes mergeUpdates emit a Skip struct.
  out.set("merged-with-skip", Y.mergeUpdates([incremental[0]!, incremental[5]!, incremental[9]!]));
  out.set("diff", Y.diffUpdate(out.get("many-clients")!, Y.encodeStateVector(peers[10]!)));
  out.set("empty", Y.encodeStateAsUpdate(new Y.Doc()));
  return out;
}

const UPDATES = realUpdates();
const update = (name: string) => UPDATES.get(name)!;

describe("validateUpdate accepts what Yjs writes", () => {
  for (const [name, u] of UPDATES) it(name, () => validateUpdate(u));

  it("fixtures cover GC, Skip and every content kind", () => {
    const kinds = new Set<string>();
    for (const u of UPDATES.values()) {
      for (const s of Y.decodeUpdate(u).structs) kinds.add(s instanceof Y.Item ? s.content.constructor.name : s.constructor.name);
    }
    for (const kind of ["GC", "Skip", ...["Deleted", "Binary", "String", "Embed", "Format", "Type", "Any", "Doc"].map((k) => `Content${k}`)]) {
      assert.ok(kinds.has(kind), `no fixture has ${kind}`);
    }
  });
});

describe("validateUpdate refuses what Yjs reads but never writes", () => {
  it("legacy ContentJSON", () => {
    // Yjs no longer writes ContentJSON but still reads it from old clients.
    const legacy = rootItem(2, (e) => { uints(e, 3); ['{"a":[1]}', "undefined", '"x"'].forEach((s) => str(e, s)); });
    assert.throws(() => validateUpdate(legacy), /legacy JSON content/);
  });

  it("an object key __proto__, which would replace the decoded value's prototype", () => {
    const doc = new Y.Doc();
    doc.getMap("m").set("k", JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'));
    assert.throws(() => validateUpdate(Y.encodeStateAsUpdate(doc)), /__proto__/);
    const fine = new Y.Doc();
    fine.getMap("m").set("k", { __protx__: 1, proto: 2 });
    validateUpdate(Y.encodeStateAsUpdate(fine));
  });
});

describe("validateUpdate rejects damaged updates", () => {
  const samples = ["map", "text", "xml", "subdocs", "gc", "merged-with-skip"].map(update);

  it("every strict prefix fails", () => {
    for (const u of samples) {
      for (let len = 0; len < u.length; len++) assertMalformed(() => validateUpdate(u.subarray(0, len)), `prefix ${len}`);
    }
  });

  it("appended bytes fail", () => {
    for (const u of samples) {
      for (const tail of [[0], [0, 0], [0xff], [1, 2, 3]]) assertMalformed(() => validateUpdate(new Uint8Array([...u, ...tail])));
    }
  });

  it("rejects frames Yjs would choke on, for the right reason", () => {
    const cases: [expected: string, frame: Uint8Array][] = [
      ["unknown content ref", rootItem(11, () => {})],
      ["unknown any tag", rootItem(8, (e) => { uints(e, 1); u8(e, 115); })],
      ["unknown type ref", rootItem(7, (e) => uints(e, 7))],
      ["empty item content", rootItem(4, (e) => str(e, ""))],
      ["empty item content", rootItem(1, (e) => uints(e, 0))],
      ["embed is not valid JSON", rootItem(5, (e) => str(e, "{nope"))],
      ["not valid UTF-8", rootItem(4, (e) => { uints(e, 2); u8(e, 0xc3); u8(e, 0x28); })],
      ["subdoc options must be an object", rootItem(9, (e) => { str(e, "g"); encoding.writeAny(e, null); })],
      ["unexpected key", rootItem(9, (e) => { str(e, "g"); encoding.writeAny(e, { gcFilter: 1 }); })],
      ["nested too deeply", rootItem(8, (e) => { uints(e, 1); encoding.writeAny(e, nested(33) as never); })],
      ["unexpected flags", new Uint8Array([1, 1, 5, 0, 0x80, 3, 0])],
      ["origin 5:0 is not before", frame((e) => { uints(e, 1, 1, 5, 0); u8(e, 0x84); uints(e, 5, 0); str(e, "ab"); uints(e, 0); })],
      ["parent 5:3 is not before", frame((e) => { uints(e, 1, 1, 5, 0); u8(e, 0x04); uints(e, 0, 5, 3); str(e, "ab"); uints(e, 0); })],
      ["empty delete range", new Uint8Array([0, 1, 5, 1, 0, 0])],
      ["client 5 after 5", new Uint8Array([0, 2, 5, 1, 0, 1, 5, 1, 4, 1])],
      ["client 6 after 5", new Uint8Array([0, 2, 5, 1, 0, 1, 6, 1, 0, 1])],
      ["range 5:2 starts before", new Uint8Array([0, 1, 5, 2, 0, 3, 2, 1])],
      ["range 5:0 starts before", new Uint8Array([0, 1, 5, 2, 4, 1, 0, 1])],
      ["clock exceeds", new Uint8Array([0, 1, 5, 1, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 2])],
      ["over-long varuint", new Uint8Array([0x80, 0x00, 0])],
    ];
    for (const [expected, u] of cases) {
      assert.throws(() => validateUpdate(u), { name: "MalformedFrameError", message: new RegExp(expected) });
    }
    validateUpdate(rootItem(8, (e) => { uints(e, 1); encoding.writeAny(e, nested(32) as never); }));
    const deep = rootItem(8, (e) => { uints(e, 1); encoding.writeAny(e, nested(4) as never); });
    validateUpdate(deep);
    assertMalformed(() => validateUpdate(deep, { maxAnyDepth: 3 }));
  });
});

describe("delete sets", () => {
  it("Yjs lists clients once each, in descending order, ranges in order and apart; adjacent ranges pass too", () => {
    const multi = [...UPDATES].filter(([, u]) => Y.decodeUpdate(u).ds.clients.size >= 3);
    assert.ok(multi.length > 0, "a fixture deletes items of three clients or more");
    for (const [, u] of multi) validateUpdate(u);
    validateUpdate(new Uint8Array([0, 2, 9, 2, 0, 2, 2, 1, 5, 1, 7, 3]));
  });

  it("20,000 ranges over the same 10,000 records (60 KB) are refused before Yjs walks them", () => {
    const doc = newDoc(42);
    doc.transact(() => { for (let i = 0; i < 10_000; i++) doc.getMap("records").set(`k${i}`, i); });
    const again = frame((e) => { uints(e, 0, 1, 42, 20_000); for (let i = 0; i < 20_000; i++) uints(e, 0, 10_000); });
    const twice = frame((e) => { uints(e, 0, 20_000); for (let i = 0; i < 20_000; i++) uints(e, 42, 1, 0, 10_000); });
    const started = performance.now();
    assert.throws(() => validateUpdate(again), /starts before the one before it ends/);
    assert.throws(() => validateUpdate(twice), /client 42 after 42/);
    assert.ok(performance.now() - started < 50, "refused while reading");
    validateUpdate(frame((e) => uints(e, 0, 1, 42, 1, 0, 10_000)));
  });
});

describe("forged counts", () => {
  const attack = new Uint8Array([1, 0xff, 0xff, 0xff, 0x1f, 0, 0]); // ~67M structs declared

  it("a 7-byte frame declaring ~67M structs fails without allocating", () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const start = performance.now();
    for (let i = 0; i < 1000; i++) assertMalformed(() => validateUpdate(attack));
    const elapsed = performance.now() - start;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(heapGrowth < 16 * 1024 * 1024, `heap grew ${heapGrowth} bytes`);

    const refStart = performance.now();
    const reference = new Array(30_000_000);
    const referenceMs = performance.now() - refStart;
    assert.equal(reference.length, 30_000_000);
    assert.ok(elapsed < referenceMs, `1000 validations took ${elapsed} ms, one big array ${referenceMs} ms`);
  });

  it("forged counts in every section fail", () => {
    const huge = [0xff, 0xff, 0xff, 0x1f];
    const anyItem = [1, 1, 5, 0, 8, 1, 1, 0x61]; // ContentAny under root type "a"
    const sections = [[], [0], [0, 1, 5], [1, ...huge], anyItem, [...anyItem, 1, 0x75], [...anyItem, 1, 0x76]];
    for (const bytes of sections.map((prefix) => [...prefix, ...huge, 0, 0])) {
      assert.throws(() => validateUpdate(new Uint8Array(bytes)), { name: "MalformedFrameError", message: /count \d+ exceeds/ });
    }
  });
});

/** Structurally valid updates with tiny IDs, so references collide in interesting ways. */
function randomUpdate(next: () => number): Uint8Array {
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T,>(options: readonly T[]): T => options[int(options.length)]!;
  const id = (e: encoding.Encoder) => uints(e, 1 + int(3), int(6));
  const content: Record<number, Write> = {
    1: (e) => uints(e, 1 + int(3)),
    2: (e) => { uints(e, 1); str(e, pick(["1", '"x"', "undefined"])); },
    3: (e) => encoding.writeVarUint8Array(e, new Uint8Array(int(3))),
    4: (e) => str(e, pick(["x", "yz", "😀", "a😀b"])),
    5: (e) => str(e, '{"i":1}'),
    6: (e) => { str(e, pick(["b", "i"])); str(e, pick(["true", "null"])); },
    7: (e) => { const t = int(7); uints(e, t); if (t === 3 || t === 5) str(e, "p"); },
    8: (e) => { uints(e, 1); encoding.writeAny(e, pick([1, "s", null, [1], { a: 1 }])); },
    9: (e) => { str(e, pick(["g1", "g2"])); encoding.writeAny(e, pick([{}, { gc: false }, { meta: 1 }])); },
  };
  const item = (e: encoding.Encoder, ref: number) => {
    const flags = pick([0, 0, 0x80, 0x40, 0xc0, 0x20]);
    u8(e, ref | flags);
    if (flags & 0x80) id(e);
    if (flags & 0x40) id(e);
    if (!(flags & 0xc0)) {
      if (next() < 0.6) { uints(e, 1); str(e, pick(["a", "b"])); } else { uints(e, 0); id(e); }
      if (flags & 0x20) str(e, pick(["k", "l"]));
    }
    content[ref]!(e);
  };
  return frame((e) => {
    const clients = int(4);
    uints(e, clients);
    for (let c = 0; c < clients; c++) {
      const structs = 1 + int(4);
      uints(e, structs, 1 + int(3), int(4));
      for (let s = 0; s < structs; s++) {
        const ref = int(11);
        if (ref === 0 || ref === 10) uints(e, ref, 1 + int(3));
        else item(e, ref);
      }
    }
    // Delete sets as Yjs writes them: clients once each, descending; ranges in order and apart.
    const dsClients = [3, 2, 1].filter(() => next() < 0.4);
    uints(e, dsClients.length);
    for (const client of dsClients) {
      const ranges = int(3);
      uints(e, client, ranges);
      for (let r = 0, clock = int(4); r < ranges; r++) {
        const len = 1 + int(3);
        uints(e, clock, len);
        clock += len + int(3);
      }
    }
  });
}

describe("random input", () => {
  it("10,000 random buffers only ever raise MalformedFrameError", { timeout: 20_000 }, () => {
    const next = rng(0xc0ffee);
    for (let i = 0; i < 10_000; i++) {
      const buf = Uint8Array.from({ length: Math.floor(next() * 201) }, () => Math.floor(next() * 256));
      if (passes(buf)) docFrom(buf);
    }
  });

  /** Feeds `count` candidates to the validator; those that pass must apply cleanly. */
  function fuzz(count: number, candidate: (i: number) => Uint8Array, apply: (buf: Uint8Array, i: number) => void): number {
    let passed = 0;
    for (let i = 0; i < count; i++) {
      const buf = candidate(i);
      if (!passes(buf)) continue;
      passed++;
      apply(buf, i);
    }
    return passed;
  }

  it("generated updates that pass are applied by Yjs without throwing", { timeout: 60_000 }, () => {
    const next = rng(11);
    const passed = fuzz(4000, () => randomUpdate(next), (buf) => docFrom(Y.encodeStateAsUpdate(docFrom(buf))));
    assert.ok(passed > 1500, `only ${passed} generated updates passed`);
  });

  it("mutated real updates that pass are applied by Yjs without throwing", { timeout: 60_000 }, () => {
    const next = rng(7);
    const seeds = ["text", "array", "xml", "subdocs", "many-clients", "incremental-3"].map(update);
    const mutate = (i: number) => {
      const buf = seeds[i % seeds.length]!.slice();
      for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) buf[Math.floor(next() * buf.length)] = Math.floor(next() * 256);
      return buf;
    };
    const passed = fuzz(6000, mutate, (buf, i) => {
      docFrom(buf);
      Y.encodeStateAsUpdate(docFrom(seeds[i % seeds.length]!, buf));
    });
    assert.ok(passed > 100, `only ${passed} mutations passed`);
  });

  it("known stateful gap: an item overlapping a GC range the doc already holds", () => {
    // Each frame is valid alone; together Item.integrate takes a GC as its left
    // neighbour and throws. Only the doc's state can reveal the overlap.
    const gc = frame((e) => uints(e, 1, 1, 3, 0, 0, 3, 0));
    const overlap = rootItem(4, (e) => str(e, "ab"), 3, 2);
    validateUpdate(gc);
    validateUpdate(overlap);
    assert.throws(() => Y.applyUpdate(docFrom(gc), overlap), TypeError);
  });
});

describe("validateStateVector", () => {
  const sv = Y.encodeStateVector(docFrom(update("many-clients")));

  it("accepts real state vectors", () => {
    for (const v of [sv, Y.encodeStateVector(new Y.Doc()), Y.encodeStateVectorFromUpdate(update("merged"))]) validateStateVector(v);
  });

  it("rejects truncation, trailing bytes and forged counts", () => {
    for (let len = 0; len < sv.length; len++) assertMalformed(() => validateStateVector(sv.subarray(0, len)));
    assertMalformed(() => validateStateVector(new Uint8Array([...sv, 0])));
    assertMalformed(() => validateStateVector(new Uint8Array([0xff, 0xff, 0xff, 0x1f, 1, 1])));
  });
});

describe("validateAwarenessUpdate", () => {
  const awareness = new awarenessProtocol.Awareness(newDoc(42));
  awareness.setLocalState({ user: { name: "Ada ✨", color: "#f00" }, cursor: { x: 1.5, y: [1, 2] } });
  const peer = new awarenessProtocol.Awareness(newDoc(43));
  peer.setLocalState({ user: "Bob" });
  awarenessProtocol.applyAwarenessUpdate(awareness, awarenessProtocol.encodeAwarenessUpdate(peer, [43]), "test");
  awarenessProtocol.removeAwarenessStates(awareness, [43], "test"); // encodes as a null state
  const real = awarenessProtocol.encodeAwarenessUpdate(awareness, [42, 43]);
  awareness.destroy();
  peer.destroy();
  const limit = { maxStateBytes: 1024 };
  const oneState = (s: string) => frame((e) => { uints(e, 1, 1, 1); str(e, s); });

  it("accepts real updates, including a removed (null) state", () => {
    assert.equal(validateAwarenessUpdate(real, limit), 2);
    assert.equal(validateAwarenessUpdate(new Uint8Array([0]), limit), 0);
    assert.equal(validateAwarenessUpdate(oneState("null"), { maxStateBytes: 4 }), 1);
  });

  it("rejects truncation, trailing bytes, oversized and non-JSON states", () => {
    for (let len = 0; len < real.length; len++) assertMalformed(() => validateAwarenessUpdate(real.subarray(0, len), limit));
    assertMalformed(() => validateAwarenessUpdate(new Uint8Array([...real, 0]), limit));
    assertMalformed(() => validateAwarenessUpdate(real, { maxStateBytes: 20 }));
    for (const bad of [oneState("{oops"), oneState(""), new Uint8Array([1, 1, 1, 1, 0xff]), new Uint8Array([0xff, 0xff, 0xff, 0x1f])]) {
      assertMalformed(() => validateAwarenessUpdate(bad, limit));
    }
  });
});

describe("BoundedReader", () => {
  const reader = (bytes: number[] | Uint8Array) => new BoundedReader(Uint8Array.from(bytes));

  it("reads lib0 varuints and varints exactly", () => {
    for (const v of [0, 1, 63, 64, 127, 128, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      assert.equal(reader(frame((e) => encoding.writeVarUint(e, v))).readVarUint(), v);
      for (const s of [v, -v]) assert.equal(reader(frame((e) => encoding.writeVarInt(e, s))).readVarInt(), s);
    }
  });

  it("rejects over-long, oversized and truncated numbers and never reads past the end", () => {
    for (const bytes of [[0x80, 0x00], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0x80], []]) {
      assertMalformed(() => reader(bytes).readVarUint());
    }
    for (const bytes of [[0x80, 0x00], [0xc0], []]) assertMalformed(() => reader(bytes).readVarInt());
    assertMalformed(() => reader([3, 1, 2]).readVarUint8Array());
    assertMalformed(() => reader(new Uint8Array(7)).skipFloat64());
    assert.equal(reader([2, 0x68, 0x69]).readVarString(), "hi");
  });
});
