/**
 * A PNG's header (its IHDR chunk, always the first 33 bytes), read without
 * decoding anything: enough to know how big the image is before anyone
 * commits memory or CPU to it. A 140 KB file can declare 12000×12000 pixels.
 * CRCs are left to the decoder, which checks every chunk's.
 */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Signature (8) + length (4) + "IHDR" (4) + fields (13) + CRC (4). */
const HEADER_BYTES = 33;
/** The PNG spec caps a dimension at 2^31 − 1. */
const MAX_DIMENSION = 0x7fffffff;

/** The bit depths each colour type allows (PNG spec, table 11.1). */
const BIT_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16], // greyscale
  2: [8, 16], // truecolour
  3: [1, 2, 4, 8], // indexed
  4: [8, 16], // greyscale with alpha
  6: [8, 16], // truecolour with alpha
};

/** The header, or what is wrong with it (in words a person uploading the file can act on). */
export function readPngHeader(bytes: Uint8Array): { ok: true; header: PngHeader } | { ok: false; problem: string } {
  const bad = (problem: string) => ({ ok: false, problem }) as const;
  if (bytes.length < HEADER_BYTES || SIGNATURE.some((b, i) => bytes[i] !== b)) return bad("it does not open with a PNG signature and header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return bad("its first chunk is not a 13-byte IHDR");
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [bitDepth, colourType, compression, filter, interlace] = bytes.subarray(24, 29);
  if (width === 0 || height === 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) return bad(`its size ${width}×${height} is not a valid PNG size`);
  if (!BIT_DEPTHS[colourType]?.includes(bitDepth)) return bad(`bit depth ${bitDepth} with colour type ${colourType} is not a valid combination`);
  if (compression !== 0 || filter !== 0 || interlace > 1) return bad("its compression, filter or interlace method is not one PNG defines");
  return { ok: true, header: { width, height, bitDepth, colourType, interlaced: interlace === 1 } };
}
