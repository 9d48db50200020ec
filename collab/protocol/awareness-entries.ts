/**
 * The entries of a y-protocols awareness update, read and written as they are
 * on the wire (lib0 varints, like awareness.js):
 *
 *   update = count (clientID clock stateJSON)*
 *
 * Only for frames `validateAwarenessUpdate` accepted: nothing here checks.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** The state as JSON text; "null" removes the client. */
  state: string;
}

export function readAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const dec = decoding.createDecoder(update);
  const count = decoding.readVarUint(dec);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) entries.push({ clientId: decoding.readVarUint(dec), clock: decoding.readVarUint(dec), state: decoding.readVarString(dec) });
  return entries;
}

export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(enc, clientId);
    encoding.writeVarUint(enc, clock);
    encoding.writeVarString(enc, state);
  }
  return encoding.toUint8Array(enc);
}
