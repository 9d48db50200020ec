import { monitorEventLoopDelay } from "node:perf_hooks";
import { metricValue, scrape } from "./metrics.js";

/** The issue's bar for hostile input: no request, frame or upload may block a process's event loop longer than this. */
export const MAX_LOOP_BLOCK_MS = 500;

export interface LoopGuard {
  /** The longest event-loop delay since the guard started (or since the last `check`), in ms. */
  worstMs(): Promise<number>;
  /** Fails when the loop was blocked longer than `maxMs` since the guard started (or the last check). */
  check(maxMs?: number): Promise<void>;
}

/**
 * Watches a spawned server's event loop through its own `/metrics`: prom-client
 * samples the loop with `monitorEventLoopDelay` and resets the maximum at every
 * scrape, so the first scrape starts the window and each `check` reads it.
 * A test that exercises hostile input wraps the attack in one of these.
 */
export async function serverLoopGuard(server: { http: string }): Promise<LoopGuard> {
  await scrape(server.http);
  const worstMs = async () => metricValue(await scrape(server.http), "nodejs_eventloop_lag_max_seconds") * 1000;
  return { worstMs, check: (maxMs = MAX_LOOP_BLOCK_MS) => assertWithin(worstMs, maxMs, "the server's") };
}

/** The same guard for work done in the test's own process (unit tests of decoders, validators…). */
export function localLoopGuard(): LoopGuard & { stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const worstMs = async () => {
    const ms = histogram.max / 1e6;
    histogram.reset();
    return ms;
  };
  return { worstMs, check: (maxMs = MAX_LOOP_BLOCK_MS) => assertWithin(worstMs, maxMs, "this process's"), stop: () => histogram.disable() };
}

async function assertWithin(worstMs: () => Promise<number>, maxMs: number, whose: string): Promise<void> {
  const worst = await worstMs();
  if (worst > maxMs) throw new Error(`${whose} event loop was blocked for ${Math.round(worst)} ms (at most ${maxMs} ms allowed)`);
}

/**
 * Polls `/healthz` every `everyMs` while hostile work goes on; `stop()` resolves
 * with the slowest answer and fails if any took longer than `maxMs` or was not 200.
 */
export function healthWatch(server: { http: string }, { everyMs = 100, maxMs = MAX_LOOP_BLOCK_MS } = {}) {
  let running = true;
  let slowest = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${server.http}/healthz`, { signal: AbortSignal.timeout(maxMs * 4) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`/healthz answered ${res.status}`);
      } catch (err) {
        failures.push(`/healthz failed: ${(err as Error).message}`);
      }
      const ms = performance.now() - started;
      slowest = Math.max(slowest, ms);
      if (ms > maxMs) failures.push(`/healthz took ${Math.round(ms)} ms`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop(): Promise<number> {
      running = false;
      await loop;
      if (failures.length > 0) throw new Error(`health checks failed during the attack: ${failures.slice(0, 5).join("; ")}${failures.length > 5 ? ` (+${failures.length - 5} more)` : ""}`);
      return slowest;
    },
  };
}

/**
 * Runs hostile work with the server watched: `/healthz` polled throughout and
 * its event loop guarded. Fails with the work's own failure first, then a slow
 * or failed health check, then a blocked loop; finally the process must answer.
 */
export async function whileWatched(server: { http: string }, work: () => Promise<void>): Promise<void> {
  const guard = await serverLoopGuard(server);
  const health = healthWatch(server);
  let failure: unknown;
  try {
    await work();
  } catch (err) {
    failure = err;
  }
  const unhealthy = await health.stop().then(
    () => null,
    (err: unknown) => err,
  );
  if (failure) throw failure;
  if (unhealthy) throw unhealthy;
  await guard.check();
  const res = await fetch(`${server.http}/healthz`);
  if (res.status !== 200) throw new Error(`the process does not answer /healthz (${res.status})`);
}
