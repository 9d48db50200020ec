import { request } from "node:http";
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * One HTTP request with the path sent exactly as given (fetch would normalise
 * it), through node:http so headers such as Content-Encoding go out untouched.
 */
export function rawRequest(
  base: string,
  { method = "GET", path, headers = {}, body }: { method?: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array },
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * How the server answered an upgrade: refused with an HTTP status, accepted
 * (its first frame is data: the sync handshake), closed with a code, or the
 * connection ended with no answer at all.
 */
export type UpgradeOutcome = { refused: number } | { accepted: true } | { closed: number; reason: string } | { ended: true };

/**
 * A WebSocket upgrade written byte for byte on a TCP socket, so the request
 * target goes out exactly as given (latin1), including targets no client
 * library would send (`//`, `http://[`, a lone `%`). Reads the answer up to the
 * first frame the server sends.
 */
export function rawUpgrade(base: string, target: string, timeoutMs = 5_000): Promise<UpgradeOutcome> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: UpgradeOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish(new Error(`no answer to the upgrade of ${JSON.stringify(target.slice(0, 80))} within ${timeoutMs} ms`)), timeoutMs);
    socket.on("connect", () =>
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "latin1",
      ),
    );
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf("\r\n\r\n");
      if (headEnd === -1) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received.subarray(0, headEnd).toString("latin1"))?.[1] ?? 0);
      if (status !== 101) return finish({ refused: status });
      const frame = readFrame(received.subarray(headEnd + 4));
      if (!frame) return;
      if (frame.opcode !== 0x8) return finish({ accepted: true });
      finish({ closed: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005, reason: frame.payload.subarray(2).toString("utf8") });
    });
    socket.on("error", () => finish({ ended: true }));
    socket.on("close", () => finish({ ended: true }));
  });
}

/** The first whole (unmasked, server-sent) frame in `bytes`, or null while it is incomplete. */
function readFrame(bytes: Buffer): { opcode: number; payload: Buffer } | null {
  if (bytes.length < 2) return null;
  let length = bytes[1] & 0x7f;
  let at = 2;
  if (length === 126) {
    if (bytes.length < 4) return null;
    length = bytes.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return null;
    length = Number(bytes.readBigUInt64BE(2));
    at = 10;
  }
  if (bytes.length < at + length) return null;
  return { opcode: bytes[0] & 0x0f, payload: bytes.subarray(at, at + length) };
}
