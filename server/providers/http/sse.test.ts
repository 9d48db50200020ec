import { test } from "node:test";
import assert from "node:assert/strict";
import { readServerSentEvents, type ServerSentEvent } from "./sse.js";

const streamOf = (chunks: (string | Uint8Array)[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === "string" ? new TextEncoder().encode(c) : c);
      controller.close();
    },
  });

async function collect(chunks: (string | Uint8Array)[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const e of readServerSentEvents(streamOf(chunks))) events.push(e);
  return events;
}

const data = (events: ServerSentEvent[]) => events.map((e) => e.data);

test("LF, CRLF and lone-CR line endings all end lines", async () => {
  assert.deepEqual(data(await collect(["data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n"])), ["a", "b", "c", "d"]);
});

test("a stream fed one byte at a time gives the same events, including a CRLF split across chunks", async () => {
  const text = "data: {\"x\":1}\r\n\r\n: keep-alive\r\ndata: é€😀\r\n\r\n";
  const bytes = new TextEncoder().encode(text);
  const oneByOne = [...bytes].map((b) => Uint8Array.of(b));
  const events = await collect(oneByOne);
  assert.deepEqual(data(events), ['{"x":1}', "é€😀"]);
});

test("comment lines are skipped, several data lines join with newlines, one leading space is stripped", async () => {
  const events = await collect([": hello\n", "data:no-space\n", "data:  two spaces\n", "data\n", "\n"]);
  assert.deepEqual(data(events), ["no-space\n two spaces\n"]);
});

test("event and id fields are reported; a blank line with no data dispatches nothing", async () => {
  const events = await collect(["event: ping\n\n", "id: 7\nevent: delta\ndata: x\n\n", "data: y\n\n"]);
  assert.deepEqual(events, [
    { event: "delta", data: "x", id: "7" },
    { event: "message", data: "y", id: "7" },
  ]);
});

test("a last event without its blank line is kept when its line ended; a half line is dropped", async () => {
  assert.deepEqual(data(await collect(["data: a\n\ndata: [DONE]\n"])), ["a", "[DONE]"]);
  assert.deepEqual(data(await collect(["data: a\n\ndata: {\"cut"])), ["a"]);
});

test("a leading byte-order mark is ignored", async () => {
  assert.deepEqual(data(await collect([Uint8Array.of(0xef, 0xbb, 0xbf), "data: a\n\n"])), ["a"]);
});

test("an error of the underlying stream reaches the consumer", async () => {
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls++ === 0) controller.enqueue(new TextEncoder().encode("data: a\n\n"));
      else controller.error(new TypeError("terminated"));
    },
  });
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const e of readServerSentEvents(body)) seen.push(e.data);
  }, /terminated/);
  assert.deepEqual(seen, ["a"]);
});
