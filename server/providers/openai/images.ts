import { ASSET_MEDIA_TYPES, bytesMatchType } from "../../assets/media-types.js";
import { readJson, send } from "../http/fetch.js";
import { ProviderError, type GenerationInput, type ProviderOutput, type ProviderResult, type RunContext } from "../types.js";
import type { OpenAIEndpoint } from "./endpoint.js";
import { imageSizes } from "./models.js";
import { imageCost, type Usage } from "./pricing.js";

/**
 * One image: `POST {base}/images/generations`, or `POST {base}/images/edits`
 * (multipart, with the upstream image) when the node has an input image.
 * The answer is `{ data: [{ b64_json } | { url }], usage?, output_format? }`:
 * base64 is decoded here; a URL is handed to the runner, which downloads and
 * stores it before it expires (OpenAI's last an hour).
 */
export async function generateImage(endpoint: OpenAIEndpoint, input: GenerationInput, context: RunContext): Promise<ProviderResult> {
  const size = String(input.params.size ?? imageSizes(input.model)[0]);
  const res = await send(endpoint, `${endpoint.baseUrl}/images/${input.initImage ? "edits" : "generations"}`, {
    method: "POST",
    ...requestBody(input, size),
    signal: context.signal,
  });
  const body = (await readJson(res, endpoint, context.signal)) as ImagesResponse;
  const first = Array.isArray(body?.data) ? body.data[0] : undefined;
  const output = first && toOutput(first, body.output_format, size);
  if (!output) throw new ProviderError(`${endpoint.provider} answered without an image`, false, { status: res.status });
  context.onProgress(1);
  return { outputs: [output], costUsd: imageCost(input.model, size, body.usage, endpoint.official) };

  function requestBody(input: GenerationInput, size: string): { headers: Record<string, string>; body: string | FormData } {
    const fields = {
      model: input.model,
      prompt: input.prompt,
      size,
      n: 1,
      // DALL·E answers with a URL unless asked; gpt-image-1 always sends base64 and refuses the parameter.
      ...(input.model.startsWith("dall-e") ? { response_format: "b64_json" } : {}),
    };
    if (!input.initImage) return { headers: endpoint.headers({ "content-type": "application/json" }), body: JSON.stringify(fields) };
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
    const { bytes, mime } = input.initImage;
    // Copied: the input may view a SharedArrayBuffer, which Blob refuses.
    form.append("image", new Blob([new Uint8Array(bytes)], { type: mime }), `input.${mime.split("/")[1]?.split("+")[0] ?? "png"}`);
    // fetch sets the multipart Content-Type with its boundary.
    return { headers: endpoint.headers(), body: form };
  }
}

interface ImagesResponse {
  data?: { b64_json?: unknown; url?: unknown; revised_prompt?: unknown }[];
  output_format?: string;
  usage?: Usage;
}

const IMAGE_TYPES = ASSET_MEDIA_TYPES.filter((t) => t.startsWith("image/"));

function toOutput(item: NonNullable<ImagesResponse["data"]>[number], format: string | undefined, size: string): ProviderOutput | undefined {
  const [width, height] = /^(\d+)x(\d+)$/.exec(size)?.slice(1).map(Number) ?? [];
  const dimensions = width && height ? { width, height } : {};
  const declared = format ? `image/${format === "jpg" ? "jpeg" : format}` : undefined;
  if (typeof item.b64_json === "string" && item.b64_json !== "") {
    const bytes = new Uint8Array(Buffer.from(item.b64_json, "base64"));
    // The bytes say what they are better than any field; PNG is the API's default.
    const mime = IMAGE_TYPES.find((t) => bytesMatchType(t, bytes)) ?? declared ?? "image/png";
    return { type: "image", mime, bytes, ...dimensions };
  }
  if (typeof item.url === "string" && item.url !== "") {
    return { type: "image", mime: declared ?? "image/png", url: item.url, ...dimensions };
  }
  return undefined;
}
