import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

test("no configuration at all gives the embedded defaults", () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.databaseUrl, undefined);
  assert.match(config.dataDir, /\/data$/);
  assert.equal(config.rooms.connection.maxAwarenessStateBytes, 65536);
  assert.equal(config.ws.maxFrameBytes, 8 * 1024 * 1024);
});

test("empty variables count as unset", () => {
  assert.equal(loadConfig({ DATABASE_URL: "", PORT: "" }).databaseUrl, undefined);
});

test("every bad variable is named, with the value it had", () => {
  try {
    loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", PUBLIC_URL: "not a url", PERSIST_FLUSH_MS: "5000" });
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const names = err.problems.map((p) => p.split(":")[0]).sort();
    assert.deepEqual(names, ["DATABASE_URL", "PERSIST_FLUSH_MS", "PORT", "PUBLIC_URL"]);
    assert.match(err.message, /PORT: .*\(got "eighty"\)/);
    assert.match(err.message, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  }
});
