import type { NextFunction, Request, Response } from "express";
import { AppError, errorCodeForStatus } from "./errors.js";

type AsyncHandler = (req: Request, res: Response) => Promise<void>;

/** An async route handler whose rejections reach the error handler instead of becoming unhandled. */
export const handle = (fn: AsyncHandler) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);

/** Maps every error to `{ error: { code, message } }` with the status of its code. */
export function jsonErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction) {
  const appError = toAppError(err);
  if (appError.status >= 500) req.log.error({ err }, "api request failed");
  res.status(appError.status).json(appError.toJSON());
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const type = (err as { type?: string })?.type;
  if (type === "entity.parse.failed") return new AppError("bad_json", `Request body is not valid JSON: ${(err as Error).message}`);
  if (type === "entity.too.large") return new AppError("payload_too_large", "Request body is too large.");
  if (type === "encoding.unsupported" || type === "charset.unsupported") return new AppError("unsupported_media_type", (err as Error).message);
  // Any other client error of body-parser (a body that does not inflate, an aborted upload) or of
  // Express (a parameter that does not decode) says so with a 4xx status: the client's mistake, not ours.
  const status = (err as { status?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const detail = (err as { expose?: unknown }).expose === true ? `: ${(err as Error).message}` : "";
    // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR…): the body is not what its Content-Encoding says.
    if (/^Z_/.test(String((err as { code?: unknown }).code))) return new AppError("bad_request", `The request body does not decode as its Content-Encoding says${detail}.`);
    return new AppError(errorCodeForStatus(status), `The request could not be read${detail}.`);
  }
  return new AppError("internal", "Something went wrong on our side; the request id in X-Request-ID helps us find it.");
}
