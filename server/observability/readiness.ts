/**
 * What /readyz asks before it says a process may take traffic. Each part that
 * a process depends on registers one named check (the database here; the
 * Redis client registers its own when REDIS_URL is set); a shutdown flips the
 * answer to "no" before anything else stops, so a load balancer moves traffic
 * away first.
 *
 *   readiness.add("redis", async () => { await redis.ping(); });
 */
export interface ReadinessCheck {
  /** Resolves when the dependency is usable; rejects (or outlives the timeout) when not. */
  (signal: AbortSignal): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  /** Set while the process is shutting down. */
  shuttingDown?: true;
  checks: Record<string, { ok: true; ms: number } | { ok: false; ms: number; error: string }>;
  /** Names of the checks that failed, for humans and alerts. */
  failed: string[];
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private started = false;
  private stopping = false;

  constructor(private readonly timeoutMs = 2000) {}

  add(name: string, check: ReadinessCheck): this {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is registered twice`);
    this.checks.set(name, check);
    return this;
  }

  /** Start-up is done (migrations ran, the queue is recovered): checks decide from now on. */
  markStarted(): void {
    this.started = true;
  }

  /** The process is going away: from now on the answer is "no", whatever the checks say. */
  markShuttingDown(): void {
    this.stopping = true;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Runs every check at once, each bounded by the timeout. */
  async report(): Promise<ReadinessReport> {
    const checks: ReadinessReport["checks"] = {};
    const failed: string[] = [];
    // Migrations run before start-up completes (db/client.ts), so "started" is "migrated".
    checks.startup = this.started ? { ok: true, ms: 0 } : { ok: false, ms: 0, error: "still starting (migrations, job recovery)" };
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const started = performance.now();
        const controller = new AbortController();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`no answer within ${this.timeoutMs} ms`));
          }, this.timeoutMs);
        });
        try {
          await Promise.race([check(controller.signal), timeout]);
          checks[name] = { ok: true, ms: elapsed(started) };
        } catch (err) {
          checks[name] = { ok: false, ms: elapsed(started), error: err instanceof Error ? err.message : String(err) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    for (const [name, result] of Object.entries(checks)) if (!result.ok) failed.push(name);
    const report: ReadinessReport = { ready: failed.length === 0 && !this.stopping, checks, failed };
    if (this.stopping) report.shuttingDown = true;
    return report;
  }
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;
