import type { Awareness } from "y-protocols/awareness";
import type { Connection } from "./connection.js";
import { encodeAwarenessEntries, readAwarenessEntries } from "./protocol/awareness-entries.js";

/** Departed presences whose last clock is remembered (see `departed`). */
const MAX_DEPARTED = 10_000;

/**
 * Which socket speaks for which presence (awareness client id) in a room.
 *
 * A socket may publish states only for the ids it announced first: without
 * this, anyone holding a view link could send a higher clock for another
 * person's id and rename them, or keep them "present" after they left.
 *
 * The official y-websocket client sends back every presence change it hears
 * (its awareness handler ignores the origin), so most entries a socket sends
 * are relays of other people's presences: those of ids present here (owned
 * by another socket, or published by another process) and those of ids that
 * just left are dropped, quietly. Only an id nobody holds, with a clock newer
 * than the last one it left with, is a claim; a socket claims at most
 * `maxClaims` in its life (a browser announces one), further claims are
 * dropped too.
 */
export class PresenceOwners {
  private readonly owners = new Map<number, Connection>();
  /**
   * The clock each recently departed presence left with (y-protocols' own
   * record of it is dropped to keep memory flat): a relay of that presence's
   * last state, still on its way, is then recognised as stale, not as a claim.
   */
  private readonly departed = new Map<number, number>();

  constructor(
    private readonly awareness: Awareness,
    private readonly maxClaims: number,
  ) {}

  /**
   * How many entries an honest socket's frame may carry: every presence it
   * can have heard of from us, plus its own. A frame with more is refused
   * before it is read.
   */
  frameLimit(): number {
    return this.awareness.states.size + this.departed.size + this.maxClaims;
  }

  /** The part of `update` that `conn` may apply, or null when nothing is left. */
  admit(conn: Connection, update: Uint8Array): Uint8Array | null {
    const entries = readAwarenessEntries(update);
    const allowed = entries.filter((entry) => {
      const id = entry.clientId;
      const owner = this.owners.get(id);
      if (owner === conn) return true;
      if (owner || this.awareness.states.has(id) || entry.state === "null") return false;
      if ((this.departed.get(id) ?? -1) >= entry.clock || conn.presenceClaims >= this.maxClaims) return false;
      conn.presenceClaims += 1;
      conn.presenceIds.add(id);
      this.owners.set(id, conn);
      this.departed.delete(id);
      return true;
    });
    if (allowed.length === entries.length) return update;
    return allowed.length > 0 ? encodeAwarenessEntries(allowed) : null;
  }

  /** Presences that ended (removed, timed out), with the clock they left with: nobody owns them any more. */
  released(left: readonly { clientId: number; clock: number }[]): void {
    for (const { clientId, clock } of left) {
      this.owners.get(clientId)?.presenceIds.delete(clientId);
      this.owners.delete(clientId);
      this.departed.delete(clientId);
      this.departed.set(clientId, clock);
      if (this.departed.size > MAX_DEPARTED) this.departed.delete(this.departed.keys().next().value!);
    }
  }

  /** A socket left: the ids it owned, whose states must now be removed. */
  leave(conn: Connection): number[] {
    const ids = [...conn.presenceIds];
    for (const id of ids) this.owners.delete(id);
    conn.presenceIds.clear();
    return ids;
  }
}
