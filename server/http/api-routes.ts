import express, { type NextFunction, type Request, type Response } from "express";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import { z } from "zod";
import type { BoardService } from "../boards.js";
import { LINK_KINDS } from "../boards.js";
import { AppError } from "./errors.js";
import { handle, jsonErrorHandler } from "./json-errors.js";

const CreateBoardBody = z
  .object({ title: z.string().trim().min(1, "title must not be empty").max(200, "title is at most 200 characters").optional() })
  .strict();
const LinkKindParam = z.enum(LINK_KINDS, { message: `link kind must be one of ${LINK_KINDS.join(", ")}` });

export const ownerCookieName = (boardId: string) => `gb_owner_${boardId}`;

interface ApiDeps {
  boards: BoardService;
  maxBodyBytes: number;
  secureCookies: boolean;
}

/** The REST API under /api: boards and their share links. */
export function apiRoutes({ boards, maxBodyBytes, secureCookies }: ApiDeps) {
  const router = express.Router();
  router.use(requireJsonWhenBodyPresent);
  router.use(express.json({ limit: maxBodyBytes, strict: true }));

  router.post(
    "/boards",
    handle(async (req, res) => {
      const body = parseBody(CreateBoardBody, req.body ?? {});
      const created = await boards.create(body.title ?? "Untitled board");
      res.append(
        "Set-Cookie",
        serializeCookie(ownerCookieName(created.id), created.ownerToken, {
          httpOnly: true,
          sameSite: "lax",
          secure: secureCookies,
          path: "/",
          maxAge: 60 * 60 * 24 * 365,
        }),
      );
      res.status(201).json(created);
    }),
  );

  router.get(
    "/boards/:id",
    handle(async (req, res) => {
      await boards.requireOwner(req.params.id, ownerCredential(req));
      res.json(await boards.describe(req.params.id));
    }),
  );

  router.post(
    "/boards/:id/links/:kind/rotate",
    handle(async (req, res) => {
      const kind = parseBody(LinkKindParam, req.params.kind);
      await boards.requireOwner(req.params.id, ownerCredential(req));
      res.json(await boards.rotate(req.params.id, kind));
    }),
  );

  router.delete(
    "/boards/:id/links/:kind",
    handle(async (req, res) => {
      const kind = parseBody(LinkKindParam, req.params.kind);
      await boards.requireOwner(req.params.id, ownerCredential(req));
      res.json(await boards.revoke(req.params.id, kind));
    }),
  );

  router.use((req, _res, next) => next(new AppError("not_found", `No API route ${req.method} ${req.baseUrl}${req.path}.`)));
  router.use(jsonErrorHandler);
  return router;
}

/** The owner credential: the HttpOnly cookie set at creation, or `Authorization: Bearer <ownerToken>` for scripts. */
function ownerCredential(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "")?.[1];
  if (bearer) return bearer;
  return parseCookies(req.get("cookie") ?? "")[ownerCookieName(req.params.id)];
}

function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw new AppError("bad_request", details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; "), details);
}

function requireJsonWhenBodyPresent(req: Request, _res: Response, next: NextFunction) {
  const hasBody = req.get("transfer-encoding") !== undefined || Number(req.get("content-length") ?? 0) > 0;
  if (hasBody && !req.is("application/json")) return next(new AppError("unsupported_media_type", "Send the request body as application/json."));
  next();
}
