/**
 * How a server under attack is doing, for the hostile-input benchmarks: its
 * worst event-loop delay and how fast its /healthz answers meanwhile.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { metricValue, parseMetrics } from "../../tests/helpers/metrics.js";
import { percentiles } from "./report.js";

/** The bar for hostile input (tests/helpers/loop-guard.ts). */
export const MAX_BLOCK_MS = 500;

/**
 * prom-client's nodejs_eventloop_lag_max_seconds, in ms: the longest event-loop
 * delay since the previous scrape (its maximum resets at every scrape), so one
 * call starts a window and the next reads it.
 */
export async function worstLoopDelayMs(base: string, timeoutMs = 600_000): Promise<number> {
  const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  return metricValue(parseMetrics(await res.text()), "nodejs_eventloop_lag_max_seconds") * 1000;
}

/** Polls /healthz every 100 ms until stopped; each poll may take up to `timeoutMs` (then it counts as failed). */
export function pollHealth(base: string, timeoutMs = 10_000) {
  let running = true;
  const ms: number[] = [];
  let failed = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        if (res.status !== 200) failed += 1;
      } catch {
        failed += 1;
      }
      ms.push(performance.now() - started);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ...percentiles(ms), failed, overLimit: ms.filter((m) => m > MAX_BLOCK_MS).length };
    },
  };
}

export type HealthStats = Awaited<ReturnType<ReturnType<typeof pollHealth>["stop"]>>;
