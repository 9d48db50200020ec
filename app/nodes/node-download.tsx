import { keepInCard } from "./node-settings";
import type { RunOutput } from "./use-run";

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "audio/wav": "wav",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "video/mp4": "mp4",
  "video/webm": "webm",
  "text/plain": "txt",
};

/** "a red fox, in snow" + seed 7 + image/png → "a-red-fox-in-snow-7.png": names that say what the file is. */
export function downloadName(prompt: string, seed: number, mime: string): string {
  const words = prompt.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  const ext = EXTENSIONS[mime] ?? mime.split("/")[1]?.replace(/[^a-z0-9]/g, "") ?? "bin";
  return `${words || "genboard"}-${seed}.${ext}`;
}

/** Saves a stored output under a readable name (asset URLs are same-origin, so `download` applies). */
export function DownloadFile({ output, prompt, seed }: { output: RunOutput; prompt: string; seed: number }) {
  return (
    <a className="gb-node__download" data-testid="node-download" href={output.url} download={downloadName(prompt, seed, output.mime)} {...keepInCard}>
      Download
    </a>
  );
}

/** Saves streamed text as a .txt file; text lives in the document, not the asset store. */
export function DownloadText({ text, prompt, seed }: { text: string; prompt: string; seed: number }) {
  const save = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const link = Object.assign(document.createElement("a"), { href: url, download: downloadName(prompt, seed, "text/plain") });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <button type="button" className="gb-node__download" data-testid="node-download" onClick={save} {...keepInCard}>
      Download
    </button>
  );
}
