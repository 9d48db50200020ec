/**
 * A Server-Sent Events decoder (the `text/event-stream` format of the HTML
 * standard, §9.2.6) over a fetch body. Written out rather than taken from a
 * package because it is small and because streaming providers are sloppy in
 * exactly the places a decoder must be forgiving:
 *
 * - lines end in LF, CRLF or a lone CR, and a CRLF may be split between two
 *   network chunks (so a CR at the end of a chunk waits for the next one);
 * - a multi-byte UTF-8 character may be split between chunks too;
 * - `:` lines are comments (keep-alives) and are skipped;
 * - several `data:` lines make one event, joined with "\n";
 * - an event is dispatched at a blank line. At the end of the stream the
 *   standard drops an undispatched event; we dispatch it when its last line
 *   was complete, because some servers end with `data: [DONE]\n` and no blank
 *   line, and a half-received line is never dispatched.
 */

export interface ServerSentEvent {
  /** `message` unless the event named itself. */
  event: string;
  data: string;
  id?: string;
}

/** A single line longer than this is not an event stream we can use; refusing it bounds memory. */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;

export class EventStreamError extends Error {
  override name = "EventStreamError";
}

/**
 * Yields each event of `body` in order. Errors of the underlying stream (a
 * dropped connection, an abort) propagate unchanged. Breaking out of the loop
 * cancels the body, which releases the connection.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8"); // also drops a leading BOM, as the standard asks
  const event = new EventBuilder();
  let pending = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      for (;;) {
        const lf = pending.indexOf("\n", start);
        const cr = pending.indexOf("\r", start);
        const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
        if (end === -1) break;
        // A CR as the last character may be the first half of a CRLF: wait for the next chunk.
        if (end === cr && end === pending.length - 1 && !done) break;
        const line = pending.slice(start, end);
        start = end + (pending[end] === "\r" && pending[end + 1] === "\n" ? 2 : 1);
        const dispatched = event.line(line);
        if (dispatched) yield dispatched;
      }
      pending = pending.slice(start);
      if (pending.length > MAX_PENDING_CHARS) throw new EventStreamError(`an event stream line exceeded ${MAX_PENDING_CHARS} characters`);
      if (done) {
        // `pending` is a line that never ended: it may be cut short, so it is dropped.
        const last = event.end();
        if (last) yield last;
        return;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

class EventBuilder {
  private type = "";
  private data: string[] = [];
  private id: string | undefined;

  /** Feeds one line; returns the event a blank line completes. */
  line(line: string): ServerSentEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.type = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    // `retry` and unknown fields do not matter to a one-shot request.
    return undefined;
  }

  end(): ServerSentEvent | undefined {
    return this.dispatch();
  }

  private dispatch(): ServerSentEvent | undefined {
    const event = this.data.length ? { event: this.type || "message", data: this.data.join("\n"), ...(this.id !== undefined ? { id: this.id } : {}) } : undefined;
    this.type = "";
    this.data = [];
    return event;
  }
}
