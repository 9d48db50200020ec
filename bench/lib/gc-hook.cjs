// Preloaded into both servers under test (NODE_OPTIONS="--expose-gc --require …";
// --require, unlike --import, also runs in worker threads, e.g. our PGlite worker).
// SIGUSR2 runs a full garbage collection on every thread, then the main thread
// prints one line of process.memoryUsage() to stdout, so a benchmark can tell
// memory that is retained from garbage V8 has simply not collected yet.
// Does nothing otherwise.
const { BroadcastChannel, isMainThread } = require("node:worker_threads");

const channel = new BroadcastChannel("bench-gc-hook");
channel.unref();
if (isMainThread) {
  process.on("SIGUSR2", () => {
    channel.postMessage("gc");
    globalThis.gc?.();
    // Give worker threads a moment to collect too, then report.
    setTimeout(() => process.stdout.write(`gc-hook ${JSON.stringify(process.memoryUsage())}\n`), 300);
  });
} else {
  channel.onmessage = () => globalThis.gc?.();
}
