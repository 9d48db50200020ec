import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, defaultLocalWorkers, loadConfig } from "./config.js";

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

test("provider settings: defaults, lists, and what makes each provider unavailable is left to the provider", () => {
  const { openai, replicate } = loadConfig({}).providers;
  assert.deepEqual(openai, { baseUrl: "https://api.openai.com/v1", apiKey: undefined, textModels: undefined, imageModels: undefined });
  assert.equal(replicate.baseUrl, "https://api.replicate.com/v1");
  assert.equal(replicate.apiToken, undefined);

  const configured = loadConfig({
    OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
    OPENAI_TEXT_MODELS: "llama3.2:3b, qwen2.5 ,",
    REPLICATE_API_TOKEN: "r8_x",
    REPLICATE_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    REPLICATE_MODELS: `image:black-forest-labs/flux-schnell,speech:someone/tts:${"0".repeat(64)}`,
    PUBLIC_URL: "https://genboard.example",
  }).providers;
  assert.deepEqual(configured.openai.textModels, ["llama3.2:3b", "qwen2.5"]);
  assert.equal(configured.replicate.publicUrl, "https://genboard.example");
  assert.deepEqual(configured.replicate.models, ["image:black-forest-labs/flux-schnell", `speech:someone/tts:${"0".repeat(64)}`]);
});

test("bad provider settings are named", () => {
  try {
    loadConfig({ OPENAI_BASE_URL: "localhost:11434", REPLICATE_WEBHOOK_SECRET: "hunter2", REPLICATE_MODELS: "flux-schnell", OPENAI_IMAGE_MODELS: " , " });
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const names = err.problems.map((p) => p.split(":")[0]).sort();
    assert.deepEqual(names, ["OPENAI_BASE_URL", "OPENAI_IMAGE_MODELS", "REPLICATE_MODELS", "REPLICATE_WEBHOOK_SECRET"]);
    assert.match(err.message, /REPLICATE_WEBHOOK_SECRET: must be the whsec_/);
    // A secret, even a wrong one, is never echoed into the logs.
    assert.doesNotMatch(err.message, /hunter2/);
    assert.match(err.message, /\(got a value of 7 characters, not shown\)/);
  }
});

test("distributed mode needs both REDIS_URL and DATABASE_URL; workers can be turned off only there", () => {
  const pg = "postgres://u@db/genboard";
  assert.equal(loadConfig({}).distributed, null);
  assert.equal(loadConfig({ DATABASE_URL: pg }).distributed, null);
  const config = loadConfig({ REDIS_URL: "redis://r:6379", DATABASE_URL: pg, JOB_WORKERS: "off", JOB_LOCK_MS: "5000" });
  assert.deepEqual(config.distributed, { redisUrl: "redis://r:6379", prefix: "genboard" });
  assert.deepEqual([config.jobs.workers, config.jobs.lockMs], [false, 5000]);
  assert.equal(loadConfig({}).jobs.workers, true);

  assert.throws(() => loadConfig({ JOB_WORKERS: "off" }), (err) => err instanceof ConfigError && /JOB_WORKERS: off needs REDIS_URL and DATABASE_URL/.test(err.message));
  try {
    loadConfig({ REDIS_URL: "http://r", DATABASE_URL: pg, REDIS_PREFIX: "a b", JOB_WORKERS: "maybe", JOB_LOCK_MS: "10" });
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems.map((p) => p.split(":")[0]).sort(), ["JOB_LOCK_MS", "JOB_WORKERS", "REDIS_PREFIX", "REDIS_URL"]);
  }
});

test("local generation workers: one core is left to the main thread, never more workers than jobs at once", () => {
  assert.equal(defaultLocalWorkers(2, 2), 1);
  assert.equal(defaultLocalWorkers(2, 1), 1);
  assert.equal(defaultLocalWorkers(2, 8), 2);
  assert.equal(defaultLocalWorkers(16, 8), 7);
  assert.equal(loadConfig({ LOCAL_WORKERS: "0" }).jobs.localWorkers, 0);
  assert.equal(loadConfig({ LOCAL_WORKERS: "3" }).jobs.localWorkers, 3);
  assert.throws(() => loadConfig({ LOCAL_WORKERS: "-1" }), /LOCAL_WORKERS: must be at least 0/);
});

test("distributed mode: REDIS_URL needs DATABASE_URL, and says why", () => {
  try {
    loadConfig({ REDIS_URL: "redis://:hunter2@127.0.0.1:6379" });
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 1);
    assert.match(err.message, /REDIS_URL: distributed mode needs DATABASE_URL too: the embedded PGlite database belongs to one process/);
    assert.doesNotMatch(err.message, /hunter2/, "a password in a URL is not echoed");
  }
  assert.throws(() => loadConfig({ REDIS_URL: "127.0.0.1:6379", DATABASE_URL: "postgres://db/x" }), /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
  assert.throws(() => loadConfig({ REDIS_URL: "redis://r", DATABASE_URL: "postgres://db/x", REDIS_PREFIX: "a b" }), /REDIS_PREFIX/);
});

test("previews: 40 megapixels and 10 s by default; both can be set, within bounds", () => {
  assert.deepEqual(loadConfig({}).previews, { maxPixels: 40_000_000, timeoutMs: 10_000 });
  assert.deepEqual(loadConfig({ PREVIEW_MAX_PIXELS: "16000000", PREVIEW_TIMEOUT_MS: "2500" }).previews, { maxPixels: 16_000_000, timeoutMs: 2500 });
  assert.throws(() => loadConfig({ PREVIEW_MAX_PIXELS: "100", PREVIEW_TIMEOUT_MS: "10" }), (err) => err instanceof ConfigError && /PREVIEW_MAX_PIXELS: must be at least 4096/.test(err.message) && /PREVIEW_TIMEOUT_MS: must be at least 50/.test(err.message));
});
