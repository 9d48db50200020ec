// Preloaded into both servers under test (NODE_OPTIONS="--expose-gc --import …"):
// SIGUSR2 runs a full garbage collection and prints one line of
// process.memoryUsage() to stdout, so a benchmark can tell memory that is
// retained from garbage V8 has simply not collected yet. Does nothing otherwise.
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  process.stdout.write(`gc-hook ${JSON.stringify(process.memoryUsage())}\n`);
});
