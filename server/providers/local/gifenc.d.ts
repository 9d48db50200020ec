// gifenc ships no types; this is the part of its API the video generator uses.
declare module "gifenc" {
  export type Palette = ReadonlyArray<readonly number[]>;
  export interface FrameOptions {
    palette?: Palette;
    /** Milliseconds; stored in hundredths of a second, rounded. */
    delay?: number;
    /** -1 plays once, 0 loops forever, n > 0 repeats n more times. */
    repeat?: number;
    /** Bits per pixel index (log2 of the palette size), 1..8. */
    colorDepth?: number;
  }
  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, options?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  // The package is CommonJS: under Node's ESM loader only its default export (module.exports) exists.
  const gifenc: { GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): Encoder };
  export default gifenc;
}
