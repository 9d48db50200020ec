import { createHash } from "node:crypto";
import type { Request } from "express";
import { AppError } from "./errors.js";

export interface RawBody {
  bytes: Uint8Array;
  /** Lowercase hex SHA-256 of `bytes`, computed as they arrived. */
  sha256: string;
}

/**
 * Reads a raw request body of at most `maxBytes`, hashing it on the way. A
 * declared Content-Length over the limit is refused before a byte is read; a
 * chunked body is refused as soon as it passes the limit, so no client can make
 * us hold more than `maxBytes` of it. After a refusal the rest of the body is
 * left unread: answer with `Connection: close`.
 */
export function readRawBody(req: Request, maxBytes: number): Promise<RawBody> {
  const declared = req.get("content-length");
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(tooLarge(maxBytes));

  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    let size = 0;

    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        reject(tooLarge(maxBytes));
        return;
      }
      hash.update(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      // One exactly-sized buffer of our own: Buffer.concat would put a small
      // body in Node's shared pool, and the asset cache would then keep the
      // whole 8 KB pool slab alive for it.
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      resolve({ bytes, sha256: hash.digest("hex") });
    };
    const onClose = () => {
      stop();
      reject(new AppError("bad_request", "The upload was interrupted before the whole body arrived."));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
  });
}

const tooLarge = (maxBytes: number) =>
  new AppError("payload_too_large", `The file is larger than the ${formatBytes(maxBytes)} limit for assets.`, { maxBytes });

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
