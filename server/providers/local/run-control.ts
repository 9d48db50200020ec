/**
 * Pausing between units of work. The generators are CPU-bound; unless they
 * hand the event loop a turn between steps, an abort (a cancel message, the
 * runner's timeout timer) is never delivered and the signal never flips.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Waits `ms` (or one event-loop turn when 0), then throws the signal's reason
 * if the job was aborted, so the runner can tell a cancel from a timeout.
 */
export async function pause(signal: AbortSignal, ms = 0): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) {
    await nextTurn();
  } else {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
  signal.throwIfAborted();
}
