import type { Provider } from "./types.js";

/**
 * The providers this process can run jobs on, by id, built once at start-up.
 * A provider without its key stays listed (its availability says why), so the
 * UI can show it as unavailable rather than hide it.
 */
export function providerRegistry(providers: Provider[]): ReadonlyMap<string, Provider> {
  return new Map(providers.map((p) => [p.id, p]));
}
