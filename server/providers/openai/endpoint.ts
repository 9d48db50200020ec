import type { HttpTarget } from "../http/fetch.js";

/** The provider's settings, from server/config.ts. */
export interface OpenAIConfig {
  /** Without a trailing slash, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1` (Ollama). */
  baseUrl: string;
  apiKey?: string;
  /** Unset: OpenAI's defaults on api.openai.com, elsewhere whatever `GET /models` lists. */
  textModels?: readonly string[];
  /** Unset: OpenAI's defaults on api.openai.com, elsewhere none (few local servers make images). */
  imageModels?: readonly string[];
}

/** Where requests go and how they authenticate; shared by chat, images and the model list. */
export interface OpenAIEndpoint extends HttpTarget {
  baseUrl: string;
  /** api.openai.com itself, where OpenAI's model names and prices apply. */
  official: boolean;
  headers(extra?: Record<string, string>): Record<string, string>;
}

export const OFFICIAL_BASE_URL = "https://api.openai.com/v1";

export const isOfficialOpenAI = (baseUrl: string) => new URL(baseUrl).hostname === "api.openai.com";

export function openAIEndpoint(config: OpenAIConfig, fetch: typeof globalThis.fetch): OpenAIEndpoint {
  const baseUrl = config.baseUrl.replace(/\/+$/, "");
  const official = isOfficialOpenAI(baseUrl);
  const { host } = new URL(baseUrl);
  return {
    baseUrl,
    official,
    fetch,
    provider: official ? "OpenAI" : `The OpenAI-compatible server at ${host}`,
    authHint: "check OPENAI_API_KEY",
    headers: (extra = {}) => ({
      // Local servers (Ollama, LM Studio) need no key; sending none keeps them from logging a bogus one.
      ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      ...extra,
    }),
  };
}
