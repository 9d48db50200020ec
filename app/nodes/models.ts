import { useEffect, useState } from "react";

/** GET /api/models lists these (type-only import: nothing of the server reaches the bundle). */
import type { ModelInfo, ParamSpec } from "../../server/providers/types";
export type { ModelInfo, ParamSpec };

export interface ProviderInfo {
  id: string;
  label: string;
  available: boolean;
  reason?: string;
  models: ModelInfo[];
}

// One request per page: every node card shares it. A failed request is forgotten, so the next card asks again.
let catalog: Promise<ProviderInfo[]> | null = null;

function loadModels(): Promise<ProviderInfo[]> {
  catalog ??= fetch("/api/models", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`Listing models failed (HTTP ${r.status}).`))))
    .then((body: { providers: ProviderInfo[] }) => body.providers)
    .catch((error) => {
      catalog = null;
      throw error;
    });
  return catalog;
}

/** The providers and their models (null while loading); `error` when the list could not be read. */
export function useModels(): { providers: ProviderInfo[] | null; error: string | null } {
  const [state, setState] = useState<{ providers: ProviderInfo[] | null; error: string | null }>({ providers: null, error: null });
  useEffect(() => {
    let current = true;
    loadModels().then(
      (providers) => current && setState({ providers, error: null }),
      (error: Error) => current && setState({ providers: null, error: error.message }),
    );
    return () => {
      current = false;
    };
  }, []);
  return state;
}

export function findModel(providers: ProviderInfo[] | null, id: string): ModelInfo | undefined {
  return providers?.flatMap((p) => p.models).find((m) => m.id === id);
}
