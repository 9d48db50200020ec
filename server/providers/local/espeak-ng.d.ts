// espeak-ng (an Emscripten build of the eSpeak NG command line) ships no types; this is what speech.ts uses.
declare module "espeak-ng" {
  export interface ESpeakModuleOptions {
    /** The command line, without the program name. */
    arguments: string[];
    /** Runs before main(): the place to write input files. */
    preRun?: Array<(module: ESpeakModule) => void>;
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    /** Called when main() exits; must rethrow `toThrow`. Without it the module sets process.exitCode. */
    quit?: (status: number, toThrow: unknown) => never;
  }
  export interface ESpeakModule {
    FS: {
      writeFile(path: string, data: string | Uint8Array): void;
      readFile(path: string): Uint8Array;
    };
  }
  /** Instantiates the WebAssembly module and runs main() once with `arguments`. */
  export default function ESpeakNg(options: ESpeakModuleOptions): Promise<ESpeakModule>;
}
