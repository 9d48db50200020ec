import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import type { OpenAIConfig } from "./providers/openai/endpoint.js";
import type { ReplicateConfig } from "./providers/replicate/provider.js";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** `a, b,c` → ["a", "b", "c"]; each entry must match `entry`. One issue per variable, naming the bad entries. */
const list = (entry: RegExp, message: string) =>
  z.string().transform((value, ctx) => {
    const items = value.split(",").map((item) => item.trim()).filter(Boolean);
    const bad = items.filter((item) => !entry.test(item));
    if (items.length === 0) ctx.addIssue({ code: "custom", message: "must name at least one model" });
    else if (bad.length) ctx.addIssue({ code: "custom", message: `${message}; not: ${bad.join(", ")}` });
    return items;
  });

const httpUrl = () => z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

/**
 * Every setting the server reads from the environment, parsed once at start-up.
 * A bad value stops the process with one line per offending variable.
 */
const EnvSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/./, "must be a redis:// or rediss:// URL")
    .optional(),
  // Channel prefix: several deployments (or test runs) can share one Redis.
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,64}$/, "must be 1-64 letters, digits, or _ . -")
    .default("genboard"),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WS_MAX_FRAME_BYTES: int(1024).default(8 * 1024 * 1024),
  WS_MESSAGES_PER_SECOND: int(1).default(200),
  WS_MESSAGE_BURST: int(1).default(400),
  WS_MAX_BUFFERED_BYTES: int(1024).default(32 * 1024 * 1024),
  WS_HEARTBEAT_MS: int(1000).default(30_000),
  AWARENESS_MAX_STATE_BYTES: int(256).default(64 * 1024),
  AWARENESS_MAX_CLIENTS: int(1, 64).default(8),
  ROOM_MAX_SOCKETS: int(1).default(1000),
  ROOM_IDLE_UNLOAD_MS: int(0).default(30_000),
  PERSIST_FLUSH_MS: int(1, 1000).default(250),
  COMPACT_AFTER_ROWS: int(1).default(500),
  COMPACT_AFTER_BYTES: int(1024).default(4 * 1024 * 1024),
  API_MAX_BODY_BYTES: int(256).default(64 * 1024),
  // Capped because an asset is held in memory while it arrives and is read back
  // as base64 text, which Postgres limits to 1 GB.
  ASSET_MAX_BYTES: int(1024, 512 * 1024 * 1024).default(10 * 1024 * 1024),
  // Decoding holds the scanlines and the RGBA image at once, on the preview worker:
  // at 40 MP that peaked at ~0.5 GB (~1 GB at 16 bits per channel).
  PREVIEW_MAX_PIXELS: int(64 * 64, 1_000_000_000).default(40_000_000),
  PREVIEW_TIMEOUT_MS: int(50, 600_000).default(10_000),
  TLDRAW_LICENSE_KEY: z.string().optional(),
  JOBS_CONCURRENCY: int(1, 256).default(2),
  JOB_TIMEOUT_MS: int(1000).default(120_000),
  JOB_MAX_ATTEMPTS: int(1, 20).default(3),
  JOB_RETRY_BASE_MS: int(10).default(1000),
  RUNS_PER_BOARD_PER_MINUTE: int(1).default(120),
  RUNS_PER_CLIENT_PER_MINUTE: int(1).default(60),
  LOCAL_TOKEN_DELAY_MS: int(0, 10_000).default(15),
  // 0 runs the local generators on the main thread (for profiling and comparison).
  LOCAL_WORKERS: int(0, 64).optional(),
  EMBED_FRAME_ANCESTORS: z
    .string()
    .regex(/^[^;,\r\n]+$/, "must be a space-separated CSP source list, e.g. \"https://a.example https://b.example\" or *")
    .default("*"),
  OPENAI_BASE_URL: httpUrl().default("https://api.openai.com/v1"),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_TEXT_MODELS: list(/^[^\s,]+$/, "must be a comma-separated list of model names").optional(),
  OPENAI_IMAGE_MODELS: list(/^[^\s,]+$/, "must be a comma-separated list of model names").optional(),
  REPLICATE_API_TOKEN: z.string().optional(),
  REPLICATE_BASE_URL: httpUrl().default("https://api.replicate.com/v1"),
  REPLICATE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "must be the whsec_… signing secret from Replicate (GET /v1/webhooks/default/secret)")
    .optional(),
  // Same pattern as MODEL_ENTRY in server/providers/replicate/models.ts.
  REPLICATE_MODELS: list(
    /^(image|text|speech|video):[\w.-]+\/[\w.-]+(:[0-9a-f]{64})?$/,
    "entries must look like image:owner/name or image:owner/name:<64-hex version>",
  ).optional(),

  // Distributed mode (README: "Several processes"): with REDIS_URL and DATABASE_URL both set,
  // board updates and presence cross processes, and the job queue, rate limits and the
  // model-list cache live in Redis.
  JOB_WORKERS: z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
  JOB_LOCK_MS: int(1000, 600_000).default(10_000),
  JOB_SWEEP_MS: int(500, 3_600_000).default(60_000),
  // `npm run worker` serves /healthz, /readyz and /metrics on this port when set (it serves nothing else).
  WORKER_PORT: int(0, 65535).optional(),

  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (it is the only lock on /metrics)").optional(),
  // A DSN holds a key: never echoed in errors (see `shown`).
  SENTRY_DSN: httpUrl().optional(),
  SENTRY_ENVIRONMENT: z.string().max(64).optional(),
  SHUTDOWN_TIMEOUT_MS: int(1000, 600_000).default(25_000),
  SHUTDOWN_DRAIN_DELAY_MS: int(0, 60_000).default(0),
}).superRefine((env, ctx) => {
  if (env.REDIS_URL && !env.DATABASE_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["REDIS_URL"],
      message: "distributed mode needs DATABASE_URL too: the embedded PGlite database belongs to one process, so several processes must share a Postgres",
    });
  }
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The offending value, except for secrets: start-up errors end up in logs. */
const shown = (name: string, value: string | undefined) =>
  /KEY|TOKEN|SECRET|DSN/.test(name) && value !== undefined ? `a value of ${value.length} characters, not shown` : JSON.stringify(withoutPassword(value));

/** A URL's password never reaches the logs either. */
function withoutPassword(value: string | undefined): string | undefined {
  if (!value) return value;
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = "***";
    return url.toString();
  } catch {
    return value;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  // Empty variables count as unset, so `FOO= npm start` means "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message} (got ${shown(String(i.path[0]), env[String(i.path[0])])})`));
  }
  const e = parsed.data;
  const distributed = e.REDIS_URL && e.DATABASE_URL ? { redisUrl: e.REDIS_URL, prefix: e.REDIS_PREFIX } : null;
  if (e.JOB_WORKERS === "off" && !distributed) {
    throw new ConfigError(["JOB_WORKERS: off needs REDIS_URL and DATABASE_URL: in embedded mode no other process would run the jobs"]);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.API_MAX_BODY_BYTES,
    maxAssetBytes: e.ASSET_MAX_BYTES,
    previews: { maxPixels: e.PREVIEW_MAX_PIXELS, timeoutMs: e.PREVIEW_TIMEOUT_MS },
    jobs: {
      concurrency: e.JOBS_CONCURRENCY,
      timeoutMs: e.JOB_TIMEOUT_MS,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      retryBaseMs: e.JOB_RETRY_BASE_MS,
      localTokenDelayMs: e.LOCAL_TOKEN_DELAY_MS,
      localWorkers: e.LOCAL_WORKERS ?? defaultLocalWorkers(e.JOBS_CONCURRENCY),
      limits: { perBoardPerMinute: e.RUNS_PER_BOARD_PER_MINUTE, perClientPerMinute: e.RUNS_PER_CLIENT_PER_MINUTE },
      workers: e.JOB_WORKERS === "on",
      lockMs: e.JOB_LOCK_MS,
      sweepMs: e.JOB_SWEEP_MS,
    },
    workerPort: e.WORKER_PORT,
    /** Set in distributed mode: the Redis every process shares. */
    distributed,
    app: { tldrawLicenseKey: e.TLDRAW_LICENSE_KEY, embedFrameAncestors: e.EMBED_FRAME_ANCESTORS },
    providers: {
      openai: {
        baseUrl: e.OPENAI_BASE_URL,
        apiKey: e.OPENAI_API_KEY,
        textModels: e.OPENAI_TEXT_MODELS,
        imageModels: e.OPENAI_IMAGE_MODELS,
      } satisfies OpenAIConfig,
      replicate: {
        apiToken: e.REPLICATE_API_TOKEN,
        baseUrl: e.REPLICATE_BASE_URL,
        webhookSecret: e.REPLICATE_WEBHOOK_SECRET,
        publicUrl: e.PUBLIC_URL,
        models: e.REPLICATE_MODELS,
      } satisfies ReplicateConfig,
    },
    observability: { metricsToken: e.METRICS_TOKEN, sentry: { dsn: e.SENTRY_DSN, environment: e.SENTRY_ENVIRONMENT } },
    shutdown: { timeoutMs: e.SHUTDOWN_TIMEOUT_MS, drainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS },
    ws: { maxFrameBytes: e.WS_MAX_FRAME_BYTES, heartbeatMs: e.WS_HEARTBEAT_MS },
    rooms: {
      connection: {
        messagesPerSecond: e.WS_MESSAGES_PER_SECOND,
        messageBurst: Math.max(e.WS_MESSAGE_BURST, e.WS_MESSAGES_PER_SECOND),
        maxQueuedBytes: 2 * e.WS_MAX_FRAME_BYTES,
        maxAwarenessStateBytes: e.AWARENESS_MAX_STATE_BYTES,
        maxPresenceClients: e.AWARENESS_MAX_CLIENTS,
        maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      },
      // `runs` is written only by the job runner (README: generation nodes and runs).
      room: { maxSocketsPerRoom: e.ROOM_MAX_SOCKETS, idleUnloadMs: e.ROOM_IDLE_UNLOAD_MS, serverOwnedRoots: ["runs"] },
      persistence: { flushMs: e.PERSIST_FLUSH_MS, compactAfterRows: e.COMPACT_AFTER_ROWS, compactAfterBytes: e.COMPACT_AFTER_BYTES },
    },
  };
}

/**
 * Worker threads for the local provider: one core is left to the main thread
 * (HTTP, sockets) and the database, and more workers than jobs that can run at
 * once would only sit idle. On 2 cores that is one worker.
 */
export function defaultLocalWorkers(jobsConcurrency: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(jobsConcurrency, cores - 1));
}
