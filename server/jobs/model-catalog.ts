import type { TtlCache } from "../cache/ttl-cache.js";
import { AppError } from "../http/errors.js";
import type { Logger } from "../logger.js";
import { ParamsError, validateParams } from "../providers/params.js";
import type { ModelInfo, Provider } from "../providers/types.js";

const MODEL_LIST_TTL_MS = 60_000;

/**
 * The models the providers offer, as the runner and `GET /api/models` see them.
 * Model lists may cost a request (remote providers), so each is cached for a
 * minute (in Redis, in distributed mode). Errors are ones a caller can act on.
 */
export function createModelCatalog({ providers, cache, logger }: { providers: ReadonlyMap<string, Provider>; cache: TtlCache; logger: Logger }) {
  const listOf = (provider: Provider): Promise<ModelInfo[]> => cache.getOrLoad(`models:${provider.id}`, MODEL_LIST_TTL_MS, () => provider.models());

  return {
    /** The provider of `model` ("<provider>:<id>"), if it exists and can run now. */
    providerOf(model: string): Provider {
      const provider = providers.get(model.split(":")[0]);
      if (!provider) throw new AppError("bad_request", `Unknown model "${model}".`);
      const availability = provider.availability();
      if (!availability.ok) throw new AppError("bad_request", `The ${provider.label} provider is unavailable: ${availability.reason}`);
      return provider;
    },

    async modelInfo(provider: Provider, model: string): Promise<ModelInfo> {
      const info = (await listOf(provider)).find((m) => m.id === model);
      if (!info) throw new AppError("bad_request", `The ${provider.label} provider has no model "${model}".`);
      return info;
    },

    /** The node's params for its model: names the model does not take are dropped (left over from another model), the rest validated. */
    paramsFor(info: ModelInfo, raw: Record<string, number | string>) {
      const known = new Set(info.params.map((p) => p.name));
      try {
        return validateParams(info, Object.fromEntries(Object.entries(raw).filter(([name]) => known.has(name))));
      } catch (error) {
        if (error instanceof ParamsError) throw new AppError("bad_request", error.message);
        throw error;
      }
    },

    /** Every provider's models by node kind, with the reason a provider cannot run. */
    async list() {
      const entries = await Promise.all(
        [...providers.values()].map(async (provider) => {
          const availability = provider.availability();
          let models: ModelInfo[] = [];
          try {
            // an unavailable provider is not asked (listing may be a request to a server we cannot use)
            if (availability.ok) models = await listOf(provider);
          } catch (error) {
            logger.warn({ err: error, provider: provider.id }, "listing models failed");
          }
          return { id: provider.id, label: provider.label, available: availability.ok, reason: availability.ok ? undefined : availability.reason, models };
        }),
      );
      return { providers: entries };
    },
  };
}
