import type { GeneratingKind, GenerationInput, ModelInfo, ParamSpec } from "../types.js";

export const PROVIDER_ID = "replicate";

/**
 * What we know about a Replicate model: which input fields take the prompt,
 * seed and input image, which other inputs a person may set (ParamSpec names
 * are Replicate's input names, passed through as they are), and its price.
 */
export interface ReplicateModel {
  /** `owner/name` (an official model, run by name) or `owner/name:<version>` (pinned). */
  ref: string;
  kind: GeneratingKind;
  label: string;
  params: readonly ParamSpec[];
  promptField: string;
  seedField?: string;
  /** Where an upstream image goes, as a data URL. */
  imageField?: string;
  /** Where system messages go, for language models. */
  systemField?: string;
  price?: { perOutput?: number; perMillionInputTokens?: number; perMillionOutputTokens?: number };
}

const ASPECT_RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3"] as const;
const OUTPUT_FORMATS = ["webp", "png", "jpg"] as const;

/** Offered when REPLICATE_MODELS is unset. Prices are Replicate's list prices (USD). */
export const DEFAULT_REPLICATE_MODELS: readonly ReplicateModel[] = [
  {
    ref: "black-forest-labs/flux-schnell",
    kind: "image",
    label: "FLUX.1 [schnell]",
    promptField: "prompt",
    seedField: "seed",
    params: [
      { name: "aspect_ratio", label: "Aspect ratio", type: "enum", default: "1:1", options: ASPECT_RATIOS },
      { name: "num_inference_steps", label: "Steps", type: "integer", default: 4, min: 1, max: 4 },
      { name: "output_format", label: "Format", type: "enum", default: "webp", options: OUTPUT_FORMATS },
    ],
    price: { perOutput: 0.003 },
  },
  {
    ref: "black-forest-labs/flux-dev",
    kind: "image",
    label: "FLUX.1 [dev]",
    promptField: "prompt",
    seedField: "seed",
    imageField: "image",
    params: [
      { name: "aspect_ratio", label: "Aspect ratio", type: "enum", default: "1:1", options: ASPECT_RATIOS },
      { name: "num_inference_steps", label: "Steps", type: "integer", default: 28, min: 1, max: 50 },
      { name: "guidance", label: "Guidance", type: "number", default: 3, min: 0, max: 10 },
      { name: "output_format", label: "Format", type: "enum", default: "webp", options: OUTPUT_FORMATS },
    ],
    price: { perOutput: 0.025 },
  },
  {
    ref: "meta/meta-llama-3-8b-instruct",
    kind: "text",
    label: "Llama 3 8B Instruct",
    promptField: "prompt",
    systemField: "system_prompt",
    params: [
      { name: "temperature", label: "Temperature", type: "number", default: 0.6, min: 0, max: 2 },
      { name: "max_tokens", label: "Max tokens", type: "integer", default: 512, min: 1, max: 8192 },
    ],
    price: { perMillionInputTokens: 0.05, perMillionOutputTokens: 0.25 },
  },
  {
    ref: "minimax/speech-02-turbo",
    kind: "speech",
    label: "MiniMax Speech-02 Turbo",
    promptField: "text",
    params: [
      {
        name: "voice_id",
        label: "Voice",
        type: "enum",
        default: "Wise_Woman",
        options: ["Wise_Woman", "Friendly_Person", "Deep_Voice_Man", "Calm_Woman", "Casual_Guy", "Lively_Girl"],
      },
      { name: "speed", label: "Speed", type: "number", default: 1, min: 0.5, max: 2 },
    ],
  },
  {
    ref: "minimax/video-01",
    kind: "video",
    label: "MiniMax Video-01",
    promptField: "prompt",
    imageField: "first_frame_image",
    params: [],
    price: { perOutput: 0.5 },
  },
];

/** A REPLICATE_MODELS entry: `kind:owner/name` or `kind:owner/name:version`. */
export const MODEL_ENTRY = /^(image|text|speech|video):([\w.-]+\/[\w.-]+)(:[0-9a-f]{64})?$/;

/**
 * The models REPLICATE_MODELS names, in its order. A known model keeps its
 * params and price (also when pinned to a version); an unknown one gets its
 * prompt as `prompt` and no params, since we cannot know its other inputs.
 */
export function modelsFromEntries(entries: readonly string[]): ReplicateModel[] {
  return entries.map((entry) => {
    const match = MODEL_ENTRY.exec(entry);
    if (!match) throw new Error(`not a REPLICATE_MODELS entry: ${entry}`);
    const [, kind, name, version = ""] = match;
    const known = DEFAULT_REPLICATE_MODELS.find((m) => m.ref === name && m.kind === kind);
    const ref = `${name}${version}`;
    return known ? { ...known, ref } : { ref, kind: kind as GeneratingKind, label: name, params: [], promptField: "prompt" };
  });
}

export function modelInfo(model: ReplicateModel): ModelInfo {
  const perRun = model.price?.perOutput;
  return {
    id: `${PROVIDER_ID}:${model.ref}`,
    provider: PROVIDER_ID,
    kind: model.kind,
    label: model.label,
    params: model.params,
    ...(perRun !== undefined ? { costUsd: perRun } : {}),
  };
}

/** The prediction's `input` object for one run. */
export function predictionInput(model: ReplicateModel, input: GenerationInput): Record<string, unknown> {
  const known = new Set(model.params.map((p) => p.name));
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(input.params).filter(([name]) => known.has(name)));
  body[model.promptField] = model.kind === "text" ? conversation(input) : input.prompt;
  if (model.seedField) body[model.seedField] = input.seed;
  if (model.imageField && input.initImage) {
    // Replicate takes a data URL for file inputs; fine for the images a board holds (see README on large inputs).
    body[model.imageField] = `data:${input.initImage.mime};base64,${Buffer.from(input.initImage.bytes).toString("base64")}`;
  }
  const system = input.messages?.filter((m) => m.role === "system").map((m) => m.content);
  if (model.systemField && system?.length) body[model.systemField] = system.join("\n\n");
  return body;
}

/** Language models on Replicate take one prompt: earlier turns are written out before the new one. */
function conversation(input: GenerationInput): string {
  const turns = (input.messages ?? []).filter((m) => m.role !== "system");
  if (turns.length === 0) return input.prompt;
  const lines = turns.map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${m.content}`);
  return [...lines, `User: ${input.prompt}`, "Assistant:"].join("\n\n");
}
