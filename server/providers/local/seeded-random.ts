/**
 * The only source of randomness in the local provider: a PRNG seeded from the
 * prompt and the node's seed, so the same input always gives the same bytes
 * (Math.random would make outputs unreproducible and tests meaningless).
 */

/** A 32-bit FNV-1a hash of a string's UTF-16 code units, finished with a murmur3 mix so near-identical strings spread apart. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform floats in [0, 1) from mulberry32: tiny, fast, and good enough for pictures and word choice. */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The generator for one job. The seed goes in as text so that any number
 * (negative, fractional, past 2^32) still changes the stream; `salt` keeps
 * unrelated uses of the same prompt and seed (image vs video) apart.
 */
export function randomFor(prompt: string, seed: number, salt = ""): Random {
  return mulberry32(hashString(`${salt}\u0000${seed}\u0000${prompt}`));
}

/** An integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
