/**
 * `local:storyteller`: prose from a grammar, not a language model. The whole
 * reply is composed up front (deterministically), then streamed a word at a
 * time with a short pause per word so streaming shows in the UI the way a
 * real model's would.
 */
import { StoryGrammar } from "./story-grammar.js";
import { pause } from "./run-control.js";
import { randomFor } from "./seeded-random.js";
import type { GenerationInput, ModelInfo, ProviderResult, RunContext } from "../types.js";

export const textModel: ModelInfo = {
  id: "local:storyteller",
  provider: "local",
  kind: "text",
  label: "Storyteller (grammar, no AI)",
  costUsd: 0,
  params: [
    { name: "temperature", label: "Temperature", type: "number", default: 0.8, min: 0, max: 2 },
    { name: "maxTokens", label: "Max tokens", type: "integer", default: 200, min: 16, max: 1024 },
  ],
};

// A blank line after this many sentences, so long replies read as paragraphs.
const SENTENCES_PER_PARAGRAPH = 4;

export async function generateText(input: GenerationInput, context: RunContext, tokenDelayMs: number): Promise<ProviderResult> {
  return streamReply(composeReply(input), context, tokenDelayMs);
}

/** Streams a composed reply a word at a time, as a model would; the result is the whole text. */
export async function streamReply(text: string, context: RunContext, tokenDelayMs: number): Promise<ProviderResult> {
  const tokens = splitTokens(text);
  context.onProgress(0);
  for (let i = 0; i < tokens.length; i++) {
    await pause(context.signal, i === 0 ? 0 : tokenDelayMs);
    context.onText(tokens[i]!);
    context.onProgress((i + 1) / tokens.length);
  }
  return { outputs: [{ type: "text", mime: "text/plain", text }], costUsd: 0 };
}

/** Whole sentences up to `maxTokens` words (a word counts as a token); a first sentence that is too long alone is cut. */
export function composeReply(input: GenerationInput): string {
  const maxTokens = Number(input.params.maxTokens);
  const grammar = new StoryGrammar(input.prompt, input.messages ?? [], randomFor(input.prompt, input.seed, "text"), Number(input.params.temperature));
  let text = grammar.start();
  let count = countTokens(text);
  if (count > maxTokens) return `${splitTokens(text).slice(0, maxTokens).join("").trimEnd()}…`;
  // Bounded although every sentence has words: a grammar edit that yields an empty one must not hang the job.
  for (let sentences = 0; sentences < maxTokens; sentences++) {
    const separator = sentences > 0 && sentences % SENTENCES_PER_PARAGRAPH === 0 ? "\n\n" : " ";
    const sentence = grammar.sentence();
    const size = countTokens(sentence);
    if (count + size > maxTokens) return text;
    text += separator + sentence;
    count += size;
  }
  return text;
}

/** Words with the whitespace before them, so the pieces concatenate back to the text exactly. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

const countTokens = (text: string) => splitTokens(text).length;
