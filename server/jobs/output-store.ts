import { createHash } from "node:crypto";
import type { AssetStore } from "../assets/asset-store.js";
import { acceptedMediaType, bytesMatchType } from "../assets/media-types.js";
import type { ProviderOutput } from "../providers/types.js";
import { ProviderError } from "../providers/types.js";
import type { RunOutput } from "./run-writer.js";

/**
 * Provider outputs into our content-addressed asset store: bytes are stored as
 * they are, URLs (which expire at the provider) are downloaded first. The
 * document only ever gets `/assets/<sha256>` URLs.
 */
export function outputStore(assets: AssetStore, maxBytes: number) {
  async function store(boardId: string, mime: string, data: Uint8Array): Promise<string> {
    const type = acceptedMediaType(mime);
    if (!type || !bytesMatchType(type, data)) throw new ProviderError(`The provider returned ${mime} bytes we cannot store.`, false);
    const sha256 = createHash("sha256").update(data).digest("hex");
    await assets.save({ sha256, mime: type, data, boardId });
    return `/assets/${sha256}`;
  }

  async function download(url: string, signal: AbortSignal): Promise<{ mime: string; data: Uint8Array }> {
    let response: Response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      throw new ProviderError(`Could not download the output (${(error as Error).message}).`, true, { cause: error });
    }
    if (!response.ok) throw new ProviderError(`Downloading the output failed with HTTP ${response.status}.`, response.status >= 500);
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > maxBytes) throw new ProviderError(`The output is larger than ${maxBytes} bytes.`, false);
    const data = new Uint8Array(await response.arrayBuffer());
    if (data.byteLength > maxBytes) throw new ProviderError(`The output is larger than ${maxBytes} bytes.`, false);
    return { mime: response.headers.get("content-type")?.split(";")[0].trim() ?? "application/octet-stream", data };
  }

  return {
    async save(boardId: string, outputs: ProviderOutput[], signal: AbortSignal): Promise<RunOutput[]> {
      const saved: RunOutput[] = [];
      for (const out of outputs) {
        const meta = { type: out.type, width: out.width, height: out.height, durationS: out.durationS };
        if (out.type === "text" && !out.bytes && !out.url) {
          // kept in the job's record: a reused or restored text run shows it again
          saved.push({ ...meta, mime: out.mime, text: out.text ?? "" });
        } else if (out.bytes) {
          saved.push({ ...meta, mime: out.mime, url: await store(boardId, out.mime, out.bytes) });
        } else if (out.url) {
          const fetched = await download(out.url, signal);
          const mime = acceptedMediaType(fetched.mime) ? fetched.mime : out.mime;
          saved.push({ ...meta, mime, url: await store(boardId, mime, fetched.data) });
        }
      }
      return saved.map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as RunOutput);
    },
  };
}
