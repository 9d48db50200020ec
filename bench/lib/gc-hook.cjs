// Preloaded into both servers under test (NODE_OPTIONS="--expose-gc --require …";
// --require, unlike --import, also runs in worker threads, e.g. our PGlite worker).
// SIGUSR2 runs a full garbage collection on every thread, then the main thread
// prints one line to stdout: its process.memoryUsage() plus, per thread, the V8
// heap (total/used, MiB) before and after the collection. A benchmark can so
// tell memory that is retained from garbage V8 has simply not collected yet.
// Does nothing otherwise.
const { BroadcastChannel, isMainThread, threadId } = require("node:worker_threads");
const { getHeapStatistics } = require("node:v8");

const mib = (n) => Math.round((n / 1048576) * 10) / 10;
function collect() {
  const before = getHeapStatistics();
  globalThis.gc?.();
  const after = getHeapStatistics();
  return { threadId, totalBefore: mib(before.total_heap_size), usedBefore: mib(before.used_heap_size), totalAfter: mib(after.total_heap_size), usedAfter: mib(after.used_heap_size) };
}

const channel = new BroadcastChannel("bench-gc-hook");
channel.unref();
if (isMainThread) {
  let threads = [];
  channel.onmessage = ({ data }) => data.kind === "collected" && threads.push(data.heap);
  process.on("SIGUSR2", () => {
    threads = [];
    channel.postMessage({ kind: "gc" });
    const main = collect();
    // Give worker threads a moment to collect and answer, then report.
    setTimeout(() => process.stdout.write(`gc-hook ${JSON.stringify({ ...process.memoryUsage(), threads: [main, ...threads] })}\n`), 300);
  });
} else {
  channel.onmessage = ({ data }) => data.kind === "gc" && channel.postMessage({ kind: "collected", heap: collect() });
}
