import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Replicate signs webhooks the Standard Webhooks (Svix) way:
 *
 *   webhook-id:        msg_…        (the same on every retry of one message)
 *   webhook-timestamp: 1714000000   (seconds since the epoch)
 *   webhook-signature: v1,<base64> [v1,<base64> …]   (several during key rotation)
 *
 * signature = base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), where
 * the key is the base64 after `whsec_` in the signing secret
 * (`GET /v1/webhooks/default/secret`). The body must be the raw bytes as they
 * arrived: re-serialised JSON would not match.
 */

export type WebhookVerification = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** How far a timestamp may be from our clock, either way, before a (possibly replayed) message is refused. */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;
/** Longer ids are not Replicate's; bounding them bounds the memory of the replay set. */
const MAX_ID_LENGTH = 256;

export function verifyWebhook(headers: HeaderBag, rawBody: Uint8Array | string, secret: string, now: number | Date = Date.now()): WebhookVerification {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature header" };
  if (id.length > MAX_ID_LENGTH) return { ok: false, reason: "webhook-id is too long" };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: "webhook-timestamp is not a number of seconds" };
  const sentAt = Number(timestamp) * 1000;
  if (Math.abs(Number(now) - sentAt) > WEBHOOK_TOLERANCE_MS) return { ok: false, reason: "webhook-timestamp is more than 5 minutes away from now" };

  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
  if (key.length === 0) return { ok: false, reason: "the webhook signing secret is empty" };
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody;
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();

  for (const entry of signatures.split(" ")) {
    const [version, signature] = entry.split(",", 2);
    if (version !== "v1" || !signature) continue;
    const given = Buffer.from(signature, "base64");
    // timingSafeEqual throws on a length mismatch; a wrong length is simply no match.
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp: Number(timestamp) };
  }
  return { ok: false, reason: "no v1 signature matches" };
}

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}
