import type { Awareness } from "y-protocols/awareness";
import type { Connection } from "./connection.js";
import { encodeAwarenessEntries, readAwarenessEntries } from "./protocol/awareness-entries.js";
import { malformed } from "./protocol/bounded-reader.js";

/**
 * Which socket speaks for which presence (awareness client id) in a room.
 * A socket may publish states only for the ids it announced first: without
 * this, anyone holding a view link could send a higher clock for another
 * person's id and rename them, or keep them "present" after they left. An id
 * already present — owned by another socket here, or published by another
 * process — is not claimable; its entries are dropped (an honest client whose
 * old socket lingers gets its presence back when that socket goes). A socket
 * claims at most `maxClaims` ids in its life: a browser announces one.
 */
export class PresenceOwners {
  private readonly owners = new Map<number, Connection>();

  constructor(
    private readonly awareness: Awareness,
    private readonly maxClaims: number,
  ) {}

  /**
   * The part of `update` that `conn` may apply, or null when nothing is left.
   * Throws (the socket is closed) when it claims more ids than allowed.
   */
  admit(conn: Connection, update: Uint8Array): Uint8Array | null {
    const entries = readAwarenessEntries(update);
    const allowed = entries.filter((entry) => {
      const owner = this.owners.get(entry.clientId);
      if (owner === conn) return true;
      if (owner || this.awareness.states.has(entry.clientId) || entry.state === "null") return false;
      if (conn.presenceClaims >= this.maxClaims) throw malformed(`a socket may announce at most ${this.maxClaims} presence client ids`);
      conn.presenceClaims += 1;
      conn.presenceIds.add(entry.clientId);
      this.owners.set(entry.clientId, conn);
      return true;
    });
    if (allowed.length === entries.length) return update;
    return allowed.length > 0 ? encodeAwarenessEntries(allowed) : null;
  }

  /** Presences that ended (removed, timed out): nobody owns them any more. */
  released(clientIds: readonly number[]): void {
    for (const id of clientIds) {
      this.owners.get(id)?.presenceIds.delete(id);
      this.owners.delete(id);
    }
  }

  /** A socket left: the ids it owned, whose states must now be removed. */
  leave(conn: Connection): number[] {
    const ids = [...conn.presenceIds];
    this.released(ids);
    return ids;
  }
}
