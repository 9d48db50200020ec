export { createReplicateProvider, WEBHOOK_PATH, type ReplicateConfig, type ReplicateProvider, type ReplicateProviderDeps } from "./provider.js";
export { createReplicateClient, WEBHOOK_EVENTS, type ReplicateClient, type CreatePredictionOptions } from "./client.js";
export { createInProcessRegistry, type PredictionRegistry } from "./registry.js";
export { verifyWebhook, WEBHOOK_TOLERANCE_MS, type WebhookVerification } from "./signature.js";
export { toResult, progressFromLogs } from "./result.js";
export { isTerminal, type Prediction, type PredictionStatus } from "./prediction.js";
export { DEFAULT_REPLICATE_MODELS, MODEL_ENTRY, type ReplicateModel } from "./models.js";
