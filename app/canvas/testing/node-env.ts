/**
 * What tldraw's store expects of a browser, for unit tests in Node. Import it
 * before tldraw: tldraw opens a BroadcastChannel at load, which would keep the
 * test process alive, and hands changes to listeners once per animation frame.
 */
const NodeChannel = globalThis.BroadcastChannel;
globalThis.BroadcastChannel = class extends NodeChannel {
  constructor(name: string) {
    super(name);
    (this as unknown as { unref(): void }).unref();
  }
} as typeof BroadcastChannel;

globalThis.requestAnimationFrame ??= ((cb: FrameRequestCallback) => setTimeout(() => cb(performance.now()), 0)) as never;

/** Long enough for tldraw's ~60 fps listener throttle. */
export const frame = () => new Promise((resolve) => setTimeout(resolve, 40));
