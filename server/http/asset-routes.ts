import express, { type NextFunction, type Request, type Response } from "express";
import type { AssetInfo, StoredAsset } from "../../db/index.js";
import { ASSET_ID_PATTERN, type AssetStore } from "../assets/asset-store.js";
import { previewWidth, type PreviewResult, type Previews } from "../assets/previews.js";
import { ASSET_MEDIA_TYPES, acceptedMediaType, bytesMatchType, headerProblem } from "../assets/media-types.js";
import type { BoardService } from "../boards.js";
import { requireEditor } from "./board-auth.js";
import { AppError } from "./errors.js";
import { handle, jsonErrorHandler } from "./json-errors.js";
import { readRawBody } from "./raw-body.js";

const UPLOAD_PATH = "/api/boards/:id/assets";

/**
 * An uploaded SVG is a document that could run script on our origin if opened
 * directly: this policy forbids scripts, plugins and every fetch, and
 * `sandbox` gives it an opaque origin besides. Inline styles are how SVGs are drawn.
 */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

interface AssetRouteDeps {
  assets: AssetStore;
  boards: BoardService;
  maxAssetBytes: number;
  previews: Previews;
}

/** Why a preview was not made, worth a log line: each happens once per image (failures are remembered) or says the worker is in trouble. */
const LOGGED_RESULTS = new Set<PreviewResult>(["bad_header", "failed", "timeout", "unavailable"]);

/**
 * Upload (`POST /api/boards/:id/assets`, raw bytes) and download
 * (`GET|HEAD /assets/<sha256>`) of the content-addressed asset store. Mounted
 * ahead of the JSON API, whose body parser would refuse a raw body.
 */
export function assetRoutes({ assets, boards, maxAssetBytes, previews }: AssetRouteDeps) {
  const router = express.Router();

  router.post(
    UPLOAD_PATH,
    handle(async (req, res) => {
      const boardId = req.params.id;
      await requireEditor(boards, req, boardId, "uploading");
      const encoding = req.get("content-encoding");
      if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
        throw new AppError("unsupported_media_type", "Send the file as it is, without a Content-Encoding.");
      }
      const mime = acceptedMediaType(req.get("content-type"));
      if (!mime) throw new AppError("unsupported_media_type", `Content-Type must be one of ${ASSET_MEDIA_TYPES.join(", ")}.`);

      const { bytes, sha256 } = await readRawBody(req, maxAssetBytes);
      if (bytes.byteLength === 0) throw new AppError("bad_request", "The body is empty: send the file's bytes.");
      if (!bytesMatchType(mime, bytes)) throw new AppError("bad_request", `The body is not a ${mime} file (its first bytes say otherwise).`);
      const broken = headerProblem(mime, bytes);
      if (broken) throw new AppError("bad_request", `The body is not a valid ${mime} file: ${broken}.`);

      const saved = await assets.save({ sha256, mime, data: bytes, boardId });
      req.log.info({ boardId, asset: sha256, mime: saved.mime, size: saved.size, created: saved.created }, "asset stored");
      const url = `/assets/${sha256}`;
      res.location(url);
      res.status(saved.created ? 201 : 200).json({ id: sha256, url, mime: saved.mime, size: saved.size });
    }),
  );

  router.get(
    "/assets/:id",
    handle(async (req, res) => {
      const id = req.params.id;
      if (!ASSET_ID_PATTERN.test(id)) throw noSuchAsset(id);
      const width = previewWidth(req.query.w);
      if (width !== null) return void (await sendPreview(req, res, id, width));
      const etag = `"${id}"`;
      const notModified = matchesIfNoneMatch(req.get("if-none-match"), etag);
      // Revalidations and HEAD need the type and size, not the bytes.
      const wantsBytes = !notModified && req.method !== "HEAD";
      const asset = wantsBytes ? await assets.read(id) : null;
      const info = wantsBytes ? asset : await assets.stat(id);
      if (!info) throw noSuchAsset(id);
      // Decided before any header is set, so that a 416 goes out as a plain error.
      const range = asset ? requestedRange(req, asset.size, etag) : undefined;

      setAssetHeaders(res, info, etag);
      if (notModified) {
        res.status(304).end();
      } else if (!asset) {
        res.setHeader("Content-Length", info.size);
        res.end();
      } else {
        sendBytes(res, asset, range);
      }
    }),
  );

  /**
   * `?w=<px>`: a downscaled PNG (see previews.ts). Anything that gets no
   * preview is answered with the original: for good when that follows from
   * its bytes (not a PNG, not wider, too many pixels, undecodable), not to be
   * cached when the preview worker is only busy.
   */
  async function sendPreview(req: Request, res: Response, id: string, width: number): Promise<void> {
    const etag = `"${id}-w${width}"`;
    if (matchesIfNoneMatch(req.get("if-none-match"), etag)) {
      res.setHeader("ETag", etag);
      res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
      res.status(304).end();
      return;
    }
    const asset = await assets.read(id);
    if (!asset) throw noSuchAsset(id);
    const answer = await previews.get(asset, width);
    if (LOGGED_RESULTS.has(answer.result)) req.log.warn({ asset: id, width, result: answer.result, reason: answer.reason }, "no preview");
    if (!answer.preview) {
      setAssetHeaders(res, asset, `"${id}"`);
      if (!answer.cacheable) res.setHeader("Cache-Control", "no-store");
      return sendBytes(res, asset, undefined);
    }
    const { preview } = answer;
    setAssetHeaders(res, { ...asset, size: preview.byteLength }, etag);
    sendBytes(res, { ...asset, data: preview, size: preview.byteLength }, undefined);
  }

  router.all(["/assets", "/assets/*"], (req, _res, next) => next(new AppError("not_found", `No asset route ${req.method} ${req.path}.`)));
  router.use(UPLOAD_PATH, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!req.complete) drainRefusedBody(req, res);
    next(err);
  });
  router.use(["/assets", UPLOAD_PATH], jsonErrorHandler);
  return router;
}

/** How long a refused upload may go on sending before its connection is cut. */
const REFUSED_BODY_DRAIN_MS = 5000;

/**
 * The client of a refused upload is usually still sending. Closing the
 * connection at once would reset it, and most clients (browsers included) then
 * report a network error instead of our answer. So the rest of the body is read
 * and dropped, never held, and the connection is cut if it has not ended a few
 * seconds after the answer went out.
 */
function drainRefusedBody(req: Request, res: Response) {
  req.resume();
  res.once("finish", () => {
    if (req.complete) return;
    const cut = setTimeout(() => req.socket.destroy(), REFUSED_BODY_DRAIN_MS).unref();
    req.once("end", () => clearTimeout(cut));
  });
}

const noSuchAsset = (id: string) => new AppError("not_found", `No asset with id "${id}".`);

/** `If-None-Match: "a", W/"b"` or `*`; compared weakly, as RFC 9110 asks for GET. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/** The bytes behind a URL never change, so every cache may keep them for good. */
function setAssetHeaders(res: Response, asset: AssetInfo, etag: string) {
  res.setHeader("Content-Type", asset.mime);
  res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
  res.setHeader("ETag", etag);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Accept-Ranges", "bytes");
  if (asset.mime === "image/svg+xml") res.setHeader("Content-Security-Policy", SVG_CSP);
}

interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one byte range asked for, if any: browsers seek in audio and video with
 * Range requests, and Safari plays no video from a server without them. Several
 * ranges in one request are answered with the whole asset, as HTTP allows.
 */
function requestedRange(req: Request, size: number, etag: string): ByteRange | undefined {
  const ifRange = req.get("if-range");
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) {
    req.res!.setHeader("Content-Range", `bytes */${size}`);
    throw new AppError("range_not_satisfiable", `The asset has ${size} bytes; the requested range lies outside them.`);
  }
  return Array.isArray(ranges) && ranges.type === "bytes" && ranges.length === 1 ? ranges[0] : undefined;
}

function sendBytes(res: Response, asset: StoredAsset, range: ByteRange | undefined) {
  const data = Buffer.from(asset.data.buffer, asset.data.byteOffset, asset.data.byteLength);
  if (!range) {
    res.setHeader("Content-Length", asset.size);
    res.end(data);
    return;
  }
  res.status(206);
  res.setHeader("Content-Range", `bytes ${range.start}-${range.end}/${asset.size}`);
  res.setHeader("Content-Length", range.end - range.start + 1);
  res.end(data.subarray(range.start, range.end + 1));
}
