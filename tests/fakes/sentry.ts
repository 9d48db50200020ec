import { gunzipSync } from "node:zlib";
import { sendJson, startFakeServer, type FakeServer, type RecordedRequest } from "./http-fake.js";

/**
 * A fake Sentry ingest: accepts `POST /api/<project>/envelope/` in Sentry's
 * envelope wire format (newline-separated JSON: an envelope header, then per
 * item an item header and its payload; gzip when the SDK compresses) and
 * answers like sentry.io. `dsn` is what SENTRY_DSN would be.
 */
export interface FakeSentry extends FakeServer {
  dsn: string;
  /** Every item of every envelope received so far, payloads parsed. */
  items(): EnvelopeItem[];
  /** Resolves with the first event (an item of type "event") that `match` accepts. */
  waitForEvent(match: (event: any) => boolean, timeoutMs?: number): Promise<any>;
}

export interface EnvelopeItem {
  header: { type: string; length?: number };
  payload: any;
}

export async function startFakeSentry(project = "42"): Promise<FakeSentry> {
  const server = await startFakeServer((req, res) => {
    if (req.method !== "POST" || !req.path.startsWith(`/api/${project}/envelope/`)) return sendJson(res, 404, { detail: "not found" });
    parseEnvelope(req); // a malformed envelope makes the handler throw: the SDK sees a 599
    sendJson(res, 200, { id: "0".repeat(32) });
  });
  const items = () => server.requests.filter((r) => r.path.startsWith(`/api/${project}/envelope/`)).flatMap(parseEnvelope);
  return {
    ...server,
    dsn: `http://publickey@${server.origin.replace("http://", "")}/${project}`,
    items,
    async waitForEvent(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = items().find((i) => i.header.type === "event" && match(i.payload));
        if (found) return found.payload;
        if (Date.now() > deadline) throw new Error(`no matching Sentry event within ${timeoutMs} ms; got ${JSON.stringify(items().map((i) => i.header.type))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

function parseEnvelope(req: RecordedRequest): EnvelopeItem[] {
  const raw = req.headers["content-encoding"] === "gzip" ? gunzipSync(req.body) : req.body;
  let rest = raw;
  const line = () => {
    const end = rest.indexOf(0x0a);
    const text = (end < 0 ? rest : rest.subarray(0, end)).toString("utf8");
    rest = end < 0 ? Buffer.alloc(0) : rest.subarray(end + 1);
    return text;
  };
  const envelopeHeader = JSON.parse(line());
  if (typeof envelopeHeader !== "object" || envelopeHeader === null) throw new Error("envelope header is not an object");
  const items: EnvelopeItem[] = [];
  while (rest.length > 0) {
    const headerLine = line();
    if (headerLine === "") continue;
    const header = JSON.parse(headerLine);
    let payload: Buffer;
    if (typeof header.length === "number") {
      payload = rest.subarray(0, header.length);
      rest = rest.subarray(header.length);
      if (rest[0] === 0x0a) rest = rest.subarray(1);
    } else {
      payload = Buffer.from(line(), "utf8");
    }
    items.push({ header, payload: JSON.parse(payload.toString("utf8")) });
  }
  return items;
}
