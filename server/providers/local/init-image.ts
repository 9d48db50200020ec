/**
 * An upstream image as the starting point of a pattern: decoded when it is a
 * PNG (the only format pngjs reads), scaled to the output size, and ignored
 * otherwise, since a missing starting point should not fail the run.
 */
import { PNG } from "pngjs";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// A PNG's header states its size before anything is inflated: refuse ones whose pixels would take over 64 MiB.
const MAX_SOURCE_PIXELS = 4096 * 4096;

/** RGBA pixels of `bytes` resampled to width × height, or undefined if they are not a usable PNG. */
export function decodeInitImage(bytes: Uint8Array, width: number, height: number): Uint8Array | undefined {
  if (bytes.length < 33 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sourceWidth = view.getUint32(16);
  const sourceHeight = view.getUint32(20);
  if (sourceWidth === 0 || sourceHeight === 0 || sourceWidth * sourceHeight > MAX_SOURCE_PIXELS) return undefined;
  let source: PNG;
  try {
    source = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
  return resample(source.data, source.width, source.height, width, height);
}

/** Nearest-neighbour scaling: the pattern is blended over it, so smoother scaling would not show. */
function resample(data: Uint8Array, sw: number, sh: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / width));
      out.set(data.subarray((sy * sw + sx) * 4, (sy * sw + sx) * 4 + 4), (y * width + x) * 4);
    }
  }
  return out;
}
