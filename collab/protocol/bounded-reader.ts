/**
 * A strict cursor over an untrusted frame. Unlike lib0's decoder it never reads
 * past the end (lib0 returns `undefined` there and keeps going), rejects integers
 * that are not exact in a double, and rejects non-canonical varints lib0 never
 * writes, so there is exactly one accepted encoding of every value.
 */
import { Buffer, isUtf8 } from "node:buffer";
import { MalformedFrameError } from "./errors.js";

const CONTINUE = 0x80;
const LOW7 = 0x7f;
const LOW6 = 0x3f;
const SIGN = 0x40;
/** 8 × 7 bits already exceed 53; a ninth byte can only be padding or overflow. */
const MAX_VARINT_BYTES = 8;

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class BoundedReader {
  private pos = 0;
  /** Same bytes as `buf`; Buffer#toString decodes small strings far faster than TextDecoder. */
  private readonly text: Buffer;

  constructor(private readonly buf: Uint8Array) {
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  get position(): number {
    return this.pos;
  }

  readUint8(): number {
    if (this.pos >= this.buf.length) throw endOfFrame();
    return this.buf[this.pos++]!;
  }

  /** lib0 varuint: 7 bits per byte, little-endian groups, high bit = more. */
  readVarUint(): number {
    let num = 0;
    let mult = 1;
    for (let n = 1; ; n++) {
      const byte = this.readUint8();
      num += (byte & LOW7) * mult;
      if (byte < CONTINUE) {
        // A zero final group after a continuation is padding lib0 never writes.
        if (n > 1 && byte === 0) throw malformed("over-long varuint");
        return checkSafe(num);
      }
      if (n >= MAX_VARINT_BYTES) throw malformed("varuint too long");
      mult *= 128;
    }
  }

  /** lib0 varint: first byte carries continue, sign and 6 bits; then as varuint. */
  readVarInt(): number {
    const first = this.readUint8();
    const sign = (first & SIGN) !== 0 ? -1 : 1;
    let num = first & LOW6;
    if ((first & CONTINUE) === 0) return sign * num;
    let mult = 64;
    for (let n = 2; ; n++) {
      const byte = this.readUint8();
      num += (byte & LOW7) * mult;
      if (byte < CONTINUE) {
        if (byte === 0) throw malformed("over-long varint");
        return sign * checkSafe(num);
      }
      if (n >= MAX_VARINT_BYTES) throw malformed("varint too long");
      mult *= 128;
    }
  }

  skipBytes(len: number): void {
    if (len > this.remaining) throw endOfFrame();
    this.pos += len;
  }

  /** A view into the frame, not a copy: callers must not keep it. */
  readBytes(len: number): Uint8Array {
    const start = this.pos;
    this.skipBytes(len);
    return this.buf.subarray(start, start + len);
  }

  readVarUint8Array(): Uint8Array {
    return this.readBytes(this.readVarUint());
  }

  /** Skips a length-prefixed byte string and returns its length. */
  skipVarUint8Array(): number {
    const len = this.readVarUint();
    this.skipBytes(len);
    return len;
  }

  /**
   * A length-prefixed UTF-8 string as a view, checked the way Yjs' fatal
   * TextDecoder will check it, but without building a JS string.
   */
  readVarStringBytes(): Uint8Array {
    const bytes = this.readVarUint8Array();
    if (!isUtf8(bytes)) throw malformed("string is not valid UTF-8");
    return bytes;
  }

  /** The `len` bytes just read, as a view (for checks after a skip). */
  readBytesBehind(len: number): Uint8Array {
    return this.buf.subarray(this.pos - len, this.pos);
  }

  /** Skips a string and returns its byte length. */
  skipVarString(): number {
    const len = this.readVarUint();
    const start = this.pos;
    this.skipBytes(len);
    // Most keys and values are ASCII; checking that inline avoids a view per string.
    for (let i = start; i < this.pos; i++) {
      if (this.buf[i]! >= 0x80) {
        if (!isUtf8(this.buf.subarray(start, this.pos))) throw malformed("string is not valid UTF-8");
        break;
      }
    }
    return len;
  }

  /** Only valid UTF-8 reaches toString, so it decodes exactly like Yjs' fatal TextDecoder. */
  readVarString(): string {
    const len = this.skipVarString();
    return this.text.toString("utf8", this.pos - len, this.pos);
  }

  skipFloat32(): void {
    this.skipBytes(4);
  }

  skipFloat64(): void {
    this.skipBytes(8);
  }

  skipBigInt64(): void {
    this.skipBytes(8);
  }

  /**
   * Reads a declared element count and refuses it unless the frame could hold
   * that many elements, so no loop or allocation is driven by a forged count.
   */
  readCount(minBytesPerElement: number, what: string): number {
    const count = this.readVarUint();
    if (count * minBytesPerElement > this.remaining) {
      throw malformed(`${what} count ${count} exceeds the ${this.remaining} bytes left`);
    }
    return count;
  }

  expectEnd(what: string): void {
    if (this.remaining !== 0) throw malformed(`${this.remaining} trailing bytes after ${what}`);
  }
}

function checkSafe(num: number): number {
  if (num > Number.MAX_SAFE_INTEGER) throw malformed("integer exceeds MAX_SAFE_INTEGER");
  return num;
}

function endOfFrame(): MalformedFrameError {
  return new MalformedFrameError("unexpected end of frame");
}

export function malformed(message: string): MalformedFrameError {
  return new MalformedFrameError(message);
}

/** UTF-16 code units of valid UTF-8, i.e. the JS `.length` Yjs will see. */
export function utf16Length(utf8: Uint8Array): number {
  let units = 0;
  for (let i = 0; i < utf8.length; i++) {
    const byte = utf8[i]!;
    if ((byte & 0xc0) !== 0x80) units += byte >= 0xf0 ? 2 : 1;
  }
  return units;
}

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
