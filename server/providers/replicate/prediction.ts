/**
 * Replicate's prediction object, as its API returns it and as its webhooks
 * deliver it. Only the fields we read are typed; the rest pass through.
 */
export interface Prediction {
  id: string;
  status: PredictionStatus | (string & {});
  /** `owner/name` */
  model?: string;
  version?: string;
  input?: Record<string, unknown>;
  /** A URL, a list of URLs (or of text tokens, for language models), or an object of them. */
  output?: unknown;
  /** A string when the prediction failed. */
  error?: unknown;
  logs?: string | null;
  metrics?: { predict_time?: number; total_time?: number; input_token_count?: number; output_token_count?: number };
  urls?: { get?: string; cancel?: string; stream?: string; web?: string };
  /** The URL given at creation (ours carries `?job=<job id>`). */
  webhook?: string;
  created_at?: string;
}

export type PredictionStatus = "starting" | "processing" | "succeeded" | "failed" | "canceled" | "aborted";

const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "canceled", "aborted"]);

/** A terminal prediction will not change again; its webhook is the last one. */
export const isTerminal = (prediction: Pick<Prediction, "status">) => TERMINAL.has(prediction.status);
