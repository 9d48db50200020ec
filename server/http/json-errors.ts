import type { NextFunction, Request, Response } from "express";
import { AppError } from "./errors.js";

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
  return new AppError("internal", "Something went wrong on our side; the request id in X-Request-ID helps us find it.");
}
