/**
 * `local:espeak`: text to speech with eSpeak NG compiled to WebAssembly. The
 * package is GPL-3.0 and 18 MB, so it is an optional dependency, imported
 * only when a speech job runs; without it the model is still listed and a
 * run fails with a permanent error saying how to install it.
 */
import type { default as ESpeakNg } from "espeak-ng";
import { ProviderError, type GenerationInput, type ModelInfo, type ProviderResult, type RunContext } from "../types.js";

export const speechModel: ModelInfo = {
  id: "local:espeak",
  provider: "local",
  kind: "speech",
  label: "eSpeak NG (robotic, offline)",
  costUsd: 0,
  params: [
    { name: "voice", label: "Voice", type: "enum", default: "en", options: ["en", "en-us", "en-gb", "de", "fr", "es", "it", "nl", "pt-br"] },
    { name: "speed", label: "Speed (words per minute)", type: "integer", default: 170, min: 80, max: 400 },
  ],
};

/** How the engine is loaded; tests replace it to act out a missing package. */
export type SpeechEngineLoader = () => Promise<{ default: typeof ESpeakNg }>;

export const loadEspeak: SpeechEngineLoader = () => import("espeak-ng");

// ~3,000 characters make about 3.5 minutes of speech at the default speed: a 9 MB WAV, near the
// asset store's default 10 MB limit. Synthesis runs in one uninterruptible WebAssembly call, so
// the bound also bounds how long a cancel can wait (well under a second).
export const MAX_SPEECH_CHARS = 3000;

export const MISSING_ESPEAK =
  "Local speech needs the optional espeak-ng package (GPL-3.0, 18 MB), which is not installed: run `npm install espeak-ng` and restart the server.";

export async function generateSpeech(input: GenerationInput, context: RunContext, load: SpeechEngineLoader): Promise<ProviderResult> {
  context.signal.throwIfAborted();
  const text = input.prompt.trim();
  if (text === "") throw new ProviderError("There is no text to speak: the prompt is empty.", false);
  if (text.length > MAX_SPEECH_CHARS) {
    throw new ProviderError(`The text is too long to speak locally: ${text.length} characters (at most ${MAX_SPEECH_CHARS}).`, false);
  }
  context.onProgress(0);
  const espeak = await loadEngine(load);
  context.signal.throwIfAborted();

  const errors: string[] = [];
  let exitStatus = 0;
  let wav: Uint8Array | undefined;
  try {
    const run = await espeak({
      // The text goes in a file rather than on the command line, where one starting with "-" would be read as an option.
      arguments: ["-v", String(input.params.voice), "-s", String(input.params.speed), "-w", "/out.wav", "-f", "/in.txt"],
      preRun: [(module) => module.FS.writeFile("/in.txt", text)],
      print: () => {},
      printErr: (line) => errors.push(line),
      // Emscripten's default sets process.exitCode to main()'s status: a failed synthesis would make the server exit 1 later.
      quit: (status, toThrow) => {
        exitStatus = status;
        throw toThrow;
      },
    });
    if (exitStatus === 0) wav = run.FS.readFile("/out.wav");
  } catch (err) {
    throw new ProviderError(`eSpeak NG failed: ${errors[0] ?? String(err)}`, false, { cause: err });
  }
  if (!wav) throw new ProviderError(`eSpeak NG failed (exit status ${exitStatus}): ${errors[0] ?? "no output"}`, false);
  context.signal.throwIfAborted();
  context.onProgress(1);
  return { outputs: [{ type: "audio", mime: "audio/wav", bytes: wav, durationS: wavDurationS(wav) }], costUsd: 0 };
}

async function loadEngine(load: SpeechEngineLoader): Promise<typeof ESpeakNg> {
  try {
    return (await load()).default;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") throw new ProviderError(MISSING_ESPEAK, false, { cause: err });
    throw new ProviderError(`The espeak-ng package could not be loaded: ${String(err)}`, false, { cause: err });
  }
}

/** Seconds of audio in a canonical PCM WAV: data bytes over byte rate (eSpeak writes a 44-byte header). */
export function wavDurationS(wav: Uint8Array): number {
  if (wav.length < 44) return 0;
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const byteRate = view.getUint32(28, true);
  const dataBytes = view.getUint32(40, true);
  return byteRate > 0 ? Math.round((dataBytes / byteRate) * 1000) / 1000 : 0;
}
