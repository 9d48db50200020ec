import { errorFromFetchFailure, isTransientStatus } from "../http/errors.js";
import { readJson, send } from "../http/fetch.js";
import { readServerSentEvents } from "../http/sse.js";
import { ProviderError, type GenerationInput, type ProviderResult, type RunContext } from "../types.js";
import type { OpenAIEndpoint } from "./endpoint.js";
import { chatCost, type Usage } from "./pricing.js";

/**
 * A streamed chat completion: `POST {base}/chat/completions` with
 * `stream: true`, answered as Server-Sent Events whose `data` is a
 * `chat.completion.chunk` and whose last event is `data: [DONE]`.
 *
 * Failure rules, since the runner retries what is transient:
 * - the connection drops, or the stream ends before `[DONE]` and before any
 *   chunk carried a `finish_reason`: transient (the answer is incomplete);
 * - a chunk that is not JSON: transient. A 200 stream of garbage is a proxy or
 *   a connection going wrong far more often than a server that always sends
 *   garbage, and the runner bounds the retries either way;
 * - an `error` object inside the stream (OpenRouter, vLLM send these):
 *   transient or not by its code, like an HTTP status;
 * - `finish_reason: "content_filter"`: permanent, the answer was withheld.
 * Text already passed to `onText` stays passed; a retry starts a new answer.
 */
export async function streamChat(endpoint: OpenAIEndpoint, input: GenerationInput, context: RunContext): Promise<ProviderResult> {
  const { signal } = context;
  const res = await send(endpoint, `${endpoint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: endpoint.headers({ "content-type": "application/json", accept: "text/event-stream" }),
    body: JSON.stringify(chatRequest(input)),
    signal,
  });

  const type = res.headers.get("content-type") ?? "";
  // Some compatible servers ignore `stream: true` and answer with one completion.
  if (!/text\/event-stream/i.test(type)) return wholeCompletion(endpoint, input, context, res);

  let text = "";
  let finishReason: string | null = null;
  let usage: Usage | undefined;
  let done = false;
  try {
    for await (const event of readServerSentEvents(res.body!)) {
      if (event.data.trim() === "[DONE]") {
        done = true;
        break;
      }
      const chunk = parseChunk(event.data, endpoint);
      if (chunk.error) throw streamedError(chunk.error, endpoint);
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content;
      if (typeof delta === "string" && delta !== "") {
        text += delta;
        context.onText(delta);
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
  } catch (err) {
    throw errorFromFetchFailure(err, signal, endpoint, "streaming an answer from");
  }

  if (!done && !finishReason) {
    throw new ProviderError(`${endpoint.provider} stopped streaming before the answer was complete`, true);
  }
  if (finishReason === "content_filter") {
    throw new ProviderError(`${endpoint.provider}'s content filter withheld the rest of this answer`, false);
  }
  return { outputs: [{ type: "text", mime: "text/plain", text }], costUsd: chatCost(input.model, usage, endpoint.official) };
}

function chatRequest(input: GenerationInput) {
  const { temperature, maxTokens } = input.params;
  return {
    model: input.model,
    messages: [...(input.messages ?? []), { role: "user", content: input.prompt }],
    stream: true,
    // Asks for a last chunk with token counts, which is where the cost comes from.
    stream_options: { include_usage: true },
    ...(temperature !== undefined ? { temperature: Number(temperature) } : {}),
    ...(maxTokens !== undefined ? { max_tokens: Number(maxTokens) } : {}),
    seed: input.seed,
  };
}

interface ChatChunk {
  choices?: { delta?: { content?: unknown }; message?: { content?: unknown }; finish_reason?: string | null }[];
  usage?: Usage;
  error?: { message?: string; code?: unknown } | string;
}

function parseChunk(data: string, endpoint: OpenAIEndpoint): ChatChunk {
  try {
    const parsed = JSON.parse(data);
    if (parsed !== null && typeof parsed === "object") return parsed as ChatChunk;
  } catch {
    // fall through
  }
  throw new ProviderError(`${endpoint.provider} sent a garbled stream chunk (${JSON.stringify(data.slice(0, 80))})`, true);
}

function streamedError(error: NonNullable<ChatChunk["error"]>, endpoint: OpenAIEndpoint): ProviderError {
  const message = typeof error === "string" ? error : (error.message ?? "unknown error");
  const code = typeof error === "string" ? undefined : error.code;
  const status = typeof code === "number" ? code : Number.isInteger(Number(code)) ? Number(code) : undefined;
  // A mid-stream error with no status is the server failing, not the request being wrong.
  const transient = status === undefined || isTransientStatus(status);
  return new ProviderError(`${endpoint.provider} failed while answering: ${message}`, transient, { status });
}

async function wholeCompletion(endpoint: OpenAIEndpoint, input: GenerationInput, context: RunContext, res: Response): Promise<ProviderResult> {
  const body = (await readJson(res, endpoint, context.signal)) as ChatChunk;
  const choice = body?.choices?.[0];
  const text = choice?.message?.content;
  if (typeof text !== "string") throw new ProviderError(`${endpoint.provider} answered without a message`, false);
  if (text) context.onText(text);
  if (choice?.finish_reason === "content_filter") throw new ProviderError(`${endpoint.provider}'s content filter withheld this answer`, false);
  return { outputs: [{ type: "text", mime: "text/plain", text }], costUsd: chatCost(input.model, body.usage, endpoint.official) };
}
