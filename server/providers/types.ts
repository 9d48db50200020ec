/**
 * The one interface every generation provider implements (local, openai,
 * replicate). The job runner owns retries, timeouts, cancellation and where
 * outputs are stored; a provider only turns one input into outputs.
 */

export type NodeKind = "prompt" | "image" | "text" | "speech" | "video";
/** Kinds that run on a provider (a prompt node only holds text). */
export type GeneratingKind = Exclude<NodeKind, "prompt">;

export interface ParamSpec {
  name: string;
  label: string;
  type: "number" | "integer" | "string" | "enum";
  default: number | string;
  min?: number;
  max?: number;
  options?: readonly string[];
}

export interface ModelInfo {
  /** Unique across providers: `<provider>:<model>`, e.g. `local:pattern`, `openai:gpt-4o-mini`. */
  id: string;
  provider: string;
  kind: GeneratingKind;
  label: string;
  params: readonly ParamSpec[];
  /** Estimated cost of one run in USD (0 for local). */
  costUsd?: number;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface GenerationInput {
  kind: GeneratingKind;
  /** The model id without the provider prefix. */
  model: string;
  prompt: string;
  /** Validated against the model's ParamSpecs; defaults filled in. */
  params: Record<string, number | string>;
  seed: number;
  /** Text nodes: the conversation upstream of this node, oldest first; `prompt` is the new user turn. */
  messages?: ChatMessage[];
  /** Image/video nodes: an upstream image as the starting point. */
  initImage?: { bytes: Uint8Array; mime: string };
}

export interface ProviderOutput {
  type: "image" | "audio" | "video" | "text";
  mime: string;
  /** Binary outputs; the runner stores them content-addressed and writes only the URL to the document. */
  bytes?: Uint8Array;
  /** A URL the runner must download (and store) because it will expire, e.g. Replicate's. */
  url?: string;
  text?: string;
  width?: number;
  height?: number;
  durationS?: number;
}

export interface ProviderResult {
  outputs: ProviderOutput[];
  costUsd?: number;
}

export interface RunContext {
  jobId: string;
  /** The id of the HTTP request that started the run, for the provider's log lines. */
  requestId?: string;
  /** Aborted on cancel and on timeout: pass it to every fetch. */
  signal: AbortSignal;
  /** 0..1 */
  onProgress(progress: number): void;
  /** Streamed text, appended in order. */
  onText(delta: string): void;
  /** What `saveState` stored on an earlier attempt of this job (a retry, or after a restart), if anything. */
  resumeState?: unknown;
  /**
   * Stores JSON with the job, durably, for its later attempts: a provider that
   * starts paid work elsewhere records its id here before waiting for it.
   */
  saveState?(state: unknown): Promise<void>;
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface Provider {
  id: string;
  label: string;
  /** E.g. `{ ok: false, reason: "OPENAI_API_KEY is not set" }`. */
  availability(): Availability;
  models(signal?: AbortSignal): Promise<ModelInfo[]>;
  run(input: GenerationInput, context: RunContext): Promise<ProviderResult>;
}

/**
 * A failed provider call. `transient` failures (429, 5xx, network, timeouts)
 * are retried by the runner with backoff; permanent ones (400, content policy,
 * bad model) are not. `retryAfterMs` carries a provider's Retry-After.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
  }
}
