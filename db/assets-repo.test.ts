import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { freshStorage, type TestStorage } from "../tests/helpers/storage.js";
import { openStores, type Stores } from "./stores.js";

const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

let storage: TestStorage;
let stores: Stores;
before(async () => {
  storage = await freshStorage();
  // Through openStores, so the PGlite leg goes through its worker thread as the server does.
  stores = await openStores({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
  for (const id of ["board-a", "board-b"]) await stores.boards.create({ id, title: "t", ownerTokenHash: id }, []);
});
after(async () => {
  await stores?.close();
  await storage?.cleanup();
});

test("put stores once: the second put of the same bytes changes nothing", async () => {
  const data = randomBytes(1000);
  const first = await stores.assets.put({ sha256: sha(data), mime: "image/png", data, boardId: "board-a" });
  assert.deepEqual(first, { created: true, mime: "image/png" });
  const second = await stores.assets.put({ sha256: sha(data), mime: "image/webp", data, boardId: "board-b" });
  assert.deepEqual(second, { created: false, mime: "image/png" }, "the first upload's type stays on record");
  assert.deepEqual(await stores.assets.stat(sha(data)), { sha256: sha(data), mime: "image/png", size: 1000 });
});

test("get returns the bytes exactly, small and large", async () => {
  for (const size of [1, 3000, 5 * 1024 * 1024 + 3]) {
    const data = randomBytes(size);
    await stores.assets.put({ sha256: sha(data), mime: "video/mp4", data, boardId: "board-a" });
    const got = await stores.assets.get(sha(data));
    assert.ok(got);
    assert.equal(got.size, size);
    assert.equal(got.mime, "video/mp4");
    assert.ok(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(data), `${size} bytes round trip`);
  }
});

test("unknown ids are null", async () => {
  assert.equal(await stores.assets.get("0".repeat(64)), null);
  assert.equal(await stores.assets.stat("0".repeat(64)), null);
});
