export { createOpenAIProvider, type OpenAIProviderDeps } from "./provider.js";
export { OFFICIAL_BASE_URL, type OpenAIConfig } from "./endpoint.js";
export { DEFAULT_IMAGE_MODELS, DEFAULT_TEXT_MODELS } from "./models.js";
