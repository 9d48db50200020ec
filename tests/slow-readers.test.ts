/**
 * Clients that connect and stop reading (a view link, then nothing): whatever
 * the board sends them piles up in the server's memory. Each is dropped once
 * WS_MAX_BUFFERED_BYTES is queued for it, and the memory and the connection
 * go with it at once, not after a closing handshake it would never answer.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { connect, createBoard, eventually, sleep, tokenOf, whenSynced, type Client } from "./helpers/clients.js";
import { metricValue, scrape } from "./helpers/metrics.js";
import { join } from "node:path";
import { readFileSync } from "node:fs";

let storage: TestStorage;
let server: ServerProcess;
const sockets: WebSocket[] = [];
let watcher: Client | undefined;
after(async () => {
  watcher?.destroy();
  for (const s of sockets) s.terminate();
  await server?.stop();
  await storage?.cleanup();
});

const LIMIT = 256 * 1024;
const open = (url: string, { stopReading = false } = {}) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    ws.on("error", () => {});
    ws.once("open", () => {
      if (stopReading) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
      resolve(ws);
    });
    ws.once("unexpected-response", () => reject(new Error("refused")));
  });

/** A sync update setting one 64 KB record: what a writer sends, as y-websocket frames it. */
function bigEdit(n: number): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap("records").set(`shape:${n}`, { id: `shape:${n}`, text: String(n % 10).repeat(64 * 1024) });
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 0);
  encoding.writeVarUint(frame, 2);
  encoding.writeVarUint8Array(frame, Y.encodeStateAsUpdate(doc));
  return encoding.toUint8Array(frame);
}

function smallEdit(n: number): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap("records").set(`shape:small-${n}`, { id: `shape:small-${n}`, x: n });
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 0);
  encoding.writeVarUint(frame, 2);
  encoding.writeVarUint8Array(frame, Y.encodeStateAsUpdate(doc));
  return encoding.toUint8Array(frame);
}

/** SIGUSR2 → a full collection in the server, which then prints its memory (bench/lib/gc-hook.cjs). */
const GC_HOOK = `--expose-gc --require ${join(import.meta.dirname, "..", "bench", "lib", "gc-hook.cjs")}`;
async function retained(): Promise<number> {
  const seen = server.output.length;
  process.kill(server.pid, "SIGUSR2");
  let line: string | undefined;
  await eventually(() => (line = server.output.slice(seen).find((l) => l.startsWith("gc-hook "))) !== undefined, "the server reports its memory after a collection");
  const usage = JSON.parse(line!.slice("gc-hook ".length)) as { heapUsed: number; external: number };
  return usage.heapUsed + usage.external;
}

/** Established TCP connections whose server end is `port` (this machine's /proc/net/tcp; state 01). */
function establishedTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .filter((line) => {
      const [, local, , state] = line.trim().split(/\s+/);
      return local?.endsWith(`:${hexPort}`) && state === "01";
    }).length;
}

const memory = async () => {
  const samples = await scrape(server.http);
  return {
    connections: establishedTo(server.port),
    slowClosed: metricValue(samples, "genboard_ws_closes_total", { code: "4508" }),
    open: metricValue(samples, "genboard_sockets_open"),
  };
};

test("ten clients that stop reading are each dropped at WS_MAX_BUFFERED_BYTES, and what they held is released at once", async () => {
  storage = await freshStorage();
  // No compaction during the test: its encodings would blur the memory figures.
  server = await spawnServer(storage, { NODE_OPTIONS: GC_HOOK, LOG_LEVEL: "warn", WS_MAX_BUFFERED_BYTES: String(LIMIT), COMPACT_AFTER_BYTES: String(1 << 30), COMPACT_AFTER_ROWS: "100000" });
  const board = await createBoard(server);
  const url = (kind: "view" | "edit") => `${server.ws}/${board.id}?token=${tokenOf(board.links[kind])}`;
  const writer = await open(url("edit"));
  // A collaborator who reads: the writes are processed once it has them all.
  const reading = connect(server, board.id, tokenOf(board.links.view));
  watcher = reading;
  await whenSynced(reading);
  // Two halves of 10 MiB: past the limit even after the kernel's socket buffers (a few MiB each way) are full.
  const frames = Array.from({ length: 320 }, (_, i) => bigEdit(i));
  let written = 0;
  const write = async (part: Uint8Array[]) => {
    for (const [i, frame] of part.entries()) {
      writer.send(frame);
      if (i % 20 === 19) await sleep(50);
    }
    for (let i = 0; i < 20; i++) writer.send(smallEdit(written + i)); // ordinary work after it
    written += part.length + 20;
    await eventually(() => reading.records.size === written, "the server has processed the writes", 60_000);
    await sleep(500);
  };
  await sleep(500);
  const start = await retained();

  // The same amount of content with nobody slow: what the board itself keeps.
  await write(frames.slice(0, 160));
  const control = await retained();
  const before = await memory(); // database connections opened for the writes included

  // They stop reading at once (had they read for a while, the kernel would have grown their buffers to hold megabytes).
  const readers = await Promise.all(Array.from({ length: 10 }, () => open(url("view"), { stopReading: true })));
  await write(frames.slice(160));
  let dropping = before;
  await eventually(async () => (dropping = await memory()).slowClosed === 10, "every one of the ten non-readers is dropped as a slow consumer", 90_000).catch((err) => {
    throw new Error(`${err.message}: ${dropping.slowClosed} dropped, ${dropping.open} sockets open`);
  });
  const dropped = await memory();
  assert.equal(dropped.open, 2, "only the writer and the collaborator are left");
  assert.equal(readers.length, 10);
  // Their connections go at once: no 30 s closing handshake behind megabytes they will never read.
  await eventually(() => establishedTo(server.port) <= before.connections, `the server holds no connection for them (${before.connections} before)`, 3000);
  const after = await retained();

  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  const board1 = control - start;
  const board2 = after - control;
  console.log(`JS heap + buffers kept after a full collection: ${mib(board1)} MiB for the first 10 MiB of writes (nobody slow), ${mib(board2)} MiB for the second (ten slow readers, dropped)`);
  // Unsent frames kept for them would be up to the whole second half (10 MiB) again.
  assert.ok(board2 <= board1 * 1.15 + 2 * 1048576, `with ten slow readers the server kept ${mib(board2)} MiB more, without them ${mib(board1)} MiB, for the same content`);
});
