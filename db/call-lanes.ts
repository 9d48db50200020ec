/**
 * Runs calls one at a time in two lanes: `interactive` (someone is waiting on
 * an HTTP request or a socket) before `background` (persistence batches,
 * compaction, a running job's bookkeeping). The embedded database executes one
 * statement at a time anyway, so ordering costs no throughput, and a request
 * no longer waits behind every write the jobs it queued have made. After
 * `fairness` interactive calls in a row, one waiting background call goes
 * first, so persistence is delayed, never starved.
 */
export type Lane = "interactive" | "background";

export class CallLanes {
  private readonly lanes: Record<Lane, Array<() => Promise<void>>> = { interactive: [], background: [] };
  private busy = false;
  private interactiveInARow = 0;

  constructor(private readonly fairness = 4) {}

  run<T>(lane: Lane, call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.lanes[lane].push(() => call().then(resolve, reject));
      this.pump();
    });
  }

  private next(): (() => Promise<void>) | undefined {
    const { interactive, background } = this.lanes;
    if (interactive.length > 0 && (background.length === 0 || this.interactiveInARow < this.fairness)) {
      this.interactiveInARow += 1;
      return interactive.shift();
    }
    this.interactiveInARow = 0;
    return background.shift();
  }

  private pump(): void {
    if (this.busy) return;
    const call = this.next();
    if (!call) return;
    this.busy = true;
    void call().finally(() => {
      this.busy = false;
      this.pump();
    });
  }
}

/** Calls that only the server's own background work makes; everything else counts as interactive. */
const BACKGROUND: Record<string, ReadonlySet<string>> = {
  docStore: new Set(["append", "compact"]),
  jobs: new Set(["markRunning", "finish", "requeue", "countRecovery", "handBack", "saveProviderState", "recover", "queued"]),
};

export const laneOf = (target: string, method: string): Lane => (BACKGROUND[target]?.has(method) ? "background" : "interactive");
