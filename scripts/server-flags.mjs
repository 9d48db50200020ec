// The Node flags the server runs with, in one place: `npm start`, the tests and
// the benchmarks all spawn it through this list.
//
// --max-semi-space-size=2: V8 otherwise grows its young generation to 16 MB
// per semi-space under connection churn and keeps it resident; a socket server
// holding thousands of idle connections is better served by frequent, small
// scavenges (they cost in proportion to live objects, not to the space).
// SERVER_NODE_FLAGS in the environment replaces the list (space-separated; empty for none).
export const SERVER_NODE_FLAGS =
  process.env.SERVER_NODE_FLAGS !== undefined ? process.env.SERVER_NODE_FLAGS.split(" ").filter(Boolean) : ["--max-semi-space-size=2"];

// MALLOC_ARENA_MAX=1: glibc gives each thread (ours: main + the PGlite worker)
// its own malloc arena and rarely returns their free pages. Under a storm of
// short connections that left ~25 MB resident for good; with one arena the
// server comes back to its starting RSS (bench/hostile-input.ts). Variables
// already set in the environment win.
export const SERVER_ENV = { MALLOC_ARENA_MAX: "1" };
