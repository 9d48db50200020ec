/**
 * The media types the asset store accepts, and how to recognise each from its
 * first bytes. A file is stored only if its bytes are what its Content-Type
 * says: we serve it back under that type to every collaborator's browser, so a
 * "PNG" that is really HTML or a script must never get in.
 */
import { readPngHeader } from "./png-header.js";

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const JPEG = Uint8Array.of(0xff, 0xd8, 0xff);
const GIF87 = ascii("GIF87a");
const GIF89 = ascii("GIF89a");
const RIFF = ascii("RIFF");
const WEBP = ascii("WEBP");
const WAVE = ascii("WAVE");
const FTYP = ascii("ftyp");
const ID3 = ascii("ID3");
const OGG = ascii("OggS");
const EBML = Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3);
const UTF8_BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

/** The brands of an ISO-BMFF `ftyp` box (AVIF, MP4): major brand plus the compatible ones. */
function isoBrands(bytes: Uint8Array): string[] | null {
  if (!startsWith(bytes, FTYP, 4)) return null;
  const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  // Real files list a handful of brands; the cap keeps a forged giant box cheap.
  const end = Math.min(boxSize, bytes.length, 256);
  const brands: string[] = [];
  // major brand at 8, minor version at 12, compatible brands from 16 on
  for (let at = 8; at + 4 <= end; at += at === 8 ? 8 : 4) brands.push(String.fromCharCode(...bytes.subarray(at, at + 4)));
  return brands;
}

/** SVG is text: after an optional BOM and whitespace it opens with markup (`<?xml`, a comment, a doctype or `<svg`) and has an `<svg` element. */
function looksLikeSvg(bytes: Uint8Array): boolean {
  let at = startsWith(bytes, UTF8_BOM) ? 3 : 0;
  while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d)) at++;
  if (bytes[at] !== 0x3c /* < */) return false;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes("<svg");
}

/** MPEG audio: an ID3v2 tag, or straight into a frame (11 sync bits set). */
const isMpegAudio = (b: Uint8Array) => startsWith(b, ID3) || (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0);

const SIGNATURES = {
  "image/png": (b: Uint8Array) => startsWith(b, PNG),
  "image/jpeg": (b: Uint8Array) => startsWith(b, JPEG),
  "image/gif": (b: Uint8Array) => startsWith(b, GIF87) || startsWith(b, GIF89),
  "image/webp": (b: Uint8Array) => startsWith(b, RIFF) && startsWith(b, WEBP, 8),
  "image/avif": (b: Uint8Array) => isoBrands(b)?.some((brand) => brand === "avif" || brand === "avis") ?? false,
  "image/svg+xml": looksLikeSvg,
  "audio/mpeg": isMpegAudio,
  "audio/wav": (b: Uint8Array) => startsWith(b, RIFF) && startsWith(b, WAVE, 8),
  "audio/ogg": (b: Uint8Array) => startsWith(b, OGG),
  "video/mp4": (b: Uint8Array) => isoBrands(b) !== null,
  "video/webm": (b: Uint8Array) => startsWith(b, EBML),
} satisfies Record<string, (bytes: Uint8Array) => boolean>;

export type AssetMediaType = keyof typeof SIGNATURES;
export const ASSET_MEDIA_TYPES = Object.keys(SIGNATURES) as AssetMediaType[];

/** `image/PNG; charset=x` → `image/png` when it is one we accept, else null. */
export function acceptedMediaType(contentType: string | undefined): AssetMediaType | null {
  const essence = contentType?.split(";")[0].trim().toLowerCase() ?? "";
  return Object.hasOwn(SIGNATURES, essence) ? (essence as AssetMediaType) : null;
}

/** Whether `bytes` start the way a file of `type` must. */
export function bytesMatchType(type: AssetMediaType, bytes: Uint8Array): boolean {
  return SIGNATURES[type](bytes);
}

/**
 * What is wrong with a file's header, for the types whose header we read (PNG:
 * its IHDR), or null. Cheap (a few bytes); the rest of the file is not checked,
 * which is why previews trust nothing (previews.ts).
 */
export function headerProblem(type: AssetMediaType, bytes: Uint8Array): string | null {
  if (type !== "image/png") return null;
  const read = readPngHeader(bytes);
  return read.ok ? null : read.problem;
}
