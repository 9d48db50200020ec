import { createHmac, randomBytes } from "node:crypto";
import { sendJson, startFakeServer, type FakeServer } from "./http-fake.js";

/**
 * A fake Replicate API speaking its real wire format: predictions created by
 * model name (`POST /v1/models/{owner}/{name}/predictions`) or by version
 * (`POST /v1/predictions`), answered 201 with the prediction; `GET
 * /v1/predictions/{id}`; `GET /v1/predictions?created_after=…` (newest first,
 * paginated with `next`; its entries leave out `webhook`, which the list's
 * documentation does not promise); `POST /v1/predictions/{id}/cancel`;
 * problem+json errors; and webhooks signed the
 * Standard Webhooks way (written here independently of our verifier, so the
 * two check each other), POSTed to the `webhook` URL each prediction named,
 * for the events its `webhook_events_filter` asked for.
 */

export interface FakePrediction {
  id: string;
  model: string;
  version: string | null;
  input: Record<string, unknown>;
  status: string;
  output: unknown;
  error: string | null;
  logs: string;
  metrics: Record<string, number>;
  webhook: string;
  webhook_events_filter: string[];
  urls: Record<string, string>;
  created_at: string;
}

export interface FakeReplicate extends FakeServer {
  baseUrl: string;
  token: string;
  /** `whsec_…` */
  secret: string;
  predictions: Map<string, FakePrediction>;
  /** The next create answers with this instead (status, body, headers). */
  failNextCreate(status: number, body: unknown, headers?: Record<string, string>): void;
  /**
   * The next create is carried out (the prediction exists and will send its
   * webhooks), but its answer is lost: "drop" closes the connection without a
   * response, "cut" sends the headers and half the body, a number answers that
   * status (a 5xx from a gateway that gave up on an API which went on).
   */
  loseNextCreateAnswer(how: "drop" | "cut" | number): void;
  /** The next list request answers this status. */
  failNextList(status: number): void;
  /** POSTs that asked for a prediction to be created, answered or not. */
  createRequests(): number;
  /** Waits until a prediction exists and returns it. */
  nextPrediction(): Promise<FakePrediction>;
  /** Changes a prediction and sends the webhook for `event` (if its filter asks for it); answers the webhook's HTTP status. */
  update(id: string, patch: Partial<FakePrediction>, event: "start" | "output" | "logs" | "completed"): Promise<number | undefined>;
}

export async function startFakeReplicate(): Promise<FakeReplicate> {
  const token = "r8_test_token";
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const predictions = new Map<string, FakePrediction>();
  const created: ((p: FakePrediction) => void)[] = [];
  let failure: { status: number; body: unknown; headers?: Record<string, string> } | undefined;
  let loseAnswer: "drop" | "cut" | number | undefined;
  let listFailure: number | undefined;
  let counter = 0;
  const isCreate = (method: string, path: string) => method === "POST" && (/^\/v1\/models\/[^/]+\/[^/]+\/predictions$/.test(path) || path === "/v1/predictions");

  const server = await startFakeServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      return sendJson(res, 401, { title: "Unauthenticated", detail: "You did not pass a valid authentication token", status: 401 }, { "content-type": "application/problem+json" });
    }
    const byName = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(req.path);
    if (req.method === "POST" && (byName || req.path === "/v1/predictions")) {
      if (failure) {
        const { status, body, headers } = failure;
        failure = undefined;
        return sendJson(res, status, body, { "content-type": "application/problem+json", ...headers });
      }
      const body = req.json();
      const id = `pred${++counter}${randomBytes(4).toString("hex")}`;
      const prediction: FakePrediction = {
        id,
        model: byName ? `${byName[1]}/${byName[2]}` : "someone/pinned",
        version: byName ? null : body.version,
        input: body.input,
        status: "starting",
        output: null,
        error: null,
        logs: "",
        metrics: {},
        webhook: body.webhook,
        webhook_events_filter: body.webhook_events_filter ?? ["start", "output", "logs", "completed"],
        urls: { get: `${fakeBase()}/predictions/${id}`, cancel: `${fakeBase()}/predictions/${id}/cancel` },
        created_at: new Date().toISOString(),
      };
      predictions.set(id, prediction);
      const lose = loseAnswer;
      loseAnswer = undefined;
      if (lose === "drop") res.socket?.destroy();
      else if (lose === "cut") {
        const body = JSON.stringify(prediction);
        res.writeHead(201, { "content-type": "application/json", "content-length": String(body.length) });
        res.write(body.slice(0, body.length >> 1), () => res.socket?.destroy());
      } else if (typeof lose === "number") sendJson(res, lose, { title: "Bad Gateway", detail: "upstream timed out", status: lose }, { "content-type": "application/problem+json" });
      else sendJson(res, 201, prediction);
      for (const resolve of created.splice(0)) resolve(prediction);
      return;
    }
    const list = /^\/v1\/predictions(\?.*)?$/.exec(req.path);
    if (req.method === "GET" && list) {
      if (listFailure) {
        const status = listFailure;
        listFailure = undefined;
        return sendJson(res, status, { title: "Internal Server Error", detail: "try again", status }, { "content-type": "application/problem+json" });
      }
      const query = new URL(req.path, server.origin).searchParams;
      const after = Date.parse(query.get("created_after") ?? "1970-01-01T00:00:00Z");
      const matching = [...predictions.values()].filter((p) => Date.parse(p.created_at) >= after).reverse();
      // Two per page, so that following `next` is exercised.
      const offset = Number(query.get("cursor") ?? 0);
      const page = matching.slice(offset, offset + 2).map(({ webhook: _webhook, ...rest }) => rest);
      const next = offset + 2 < matching.length ? `${fakeBase()}/predictions?created_after=${encodeURIComponent(query.get("created_after") ?? "")}&cursor=${offset + 2}` : null;
      return sendJson(res, 200, { previous: null, next, results: page });
    }
    const get = /^\/v1\/predictions\/([^/?]+)$/.exec(req.path);
    if (req.method === "GET" && get) {
      const prediction = predictions.get(get[1]);
      if (!prediction) return sendJson(res, 404, { title: "Not found", detail: "Prediction not found", status: 404 }, { "content-type": "application/problem+json" });
      return sendJson(res, 200, prediction);
    }
    const cancel = /^\/v1\/predictions\/([^/]+)\/cancel$/.exec(req.path);
    if (req.method === "POST" && cancel) {
      const prediction = predictions.get(cancel[1]);
      if (!prediction) return sendJson(res, 404, { title: "Not found", detail: "Prediction not found", status: 404 });
      prediction.status = "canceled";
      sendJson(res, 200, prediction);
      void sendWebhook(prediction, "completed");
      return;
    }
    sendJson(res, 404, { detail: "Not found." });
  });
  const fakeBase = () => `${server.origin}/v1`;

  async function sendWebhook(prediction: FakePrediction, event: string): Promise<number | undefined> {
    if (!prediction.webhook_events_filter.includes(event)) return undefined;
    const body = JSON.stringify(prediction);
    const res = await fetch(prediction.webhook, { method: "POST", headers: signedHeaders(secret, body), body });
    await res.body?.cancel();
    return res.status;
  }

  return {
    ...server,
    baseUrl: fakeBase(),
    token,
    secret,
    predictions,
    failNextCreate: (status, body, headers) => void (failure = { status, body, headers }),
    loseNextCreateAnswer: (how) => void (loseAnswer = how),
    failNextList: (status) => void (listFailure = status),
    createRequests: () => server.requests.filter((r) => isCreate(r.method, r.path)).length,
    nextPrediction: () => new Promise((resolve) => created.push(resolve)),
    async update(id, patch, event) {
      const prediction = predictions.get(id)!;
      Object.assign(prediction, patch);
      return sendWebhook(prediction, event);
    },
  };
}

/** Standard Webhooks headers for `body`: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signedHeaders(
  secret: string,
  body: string,
  { id = `msg_${randomBytes(12).toString("hex")}`, timestamp = Math.floor(Date.now() / 1000) }: { id?: string; timestamp?: number } = {},
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${signature}` };
}
