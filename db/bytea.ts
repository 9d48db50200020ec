import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/**
 * Binary columns are read as base64 text: PGlite's bytea parser takes ~250 ms
 * for a 3 MB value where encode()+Buffer.from take ~20 ms (and postgres.js
 * gains too). This is the difference between a cold board opening in 30 ms or 300.
 * Writes need nothing of the kind: both drivers send a Uint8Array parameter as is.
 */
export function base64(column: PgColumn): SQL<string> {
  return sql<string>`encode(${column}, 'base64')`;
}

/** Decodes what `base64()` selected (Postgres breaks its base64 into lines; Buffer skips the newlines). */
export function fromBase64(text: string): Uint8Array {
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Like fromBase64 when the length is known, into an ArrayBuffer of exactly that
 * size that nothing else shares: the PGlite worker can then hand the buffer to
 * the main thread instead of copying it (see transferablesOf in worker-rpc.ts).
 * Buffer.from would allocate by the text's length, newlines included.
 */
export function fromBase64Sized(text: string, byteLength: number): Uint8Array {
  const bytes = new Uint8Array(byteLength);
  const written = Buffer.from(bytes.buffer).write(text, "base64");
  if (written !== byteLength) throw new Error(`stored value has ${written} bytes where ${byteLength} were recorded`);
  return bytes;
}
