// Some of tldraw's embed definitions read `process.env.…` without a guard, and
// browsers have no `process`. An empty env keeps those reads harmless; tldraw's
// own Node detection also checks `process.release`, so it still sees a browser.
const g = globalThis as { process?: { env: Record<string, string | undefined> } };
g.process ??= { env: {} };
export {};
