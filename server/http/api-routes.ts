import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { BoardService } from "../boards.js";
import { LINK_KINDS } from "../boards.js";
import { credentialCookie, ownerCookieName, readCookie } from "../auth/cookies.js";
import { AppError } from "./errors.js";
import { bearerToken } from "./board-auth.js";
import { handle, jsonErrorHandler } from "./json-errors.js";
import { isStorableText, UNSTORABLE_TEXT } from "../storable-text.js";

const CreateBoardBody = z
  .object({ title: z.string().trim().min(1, "title must not be empty").max(200, "title is at most 200 characters").refine(isStorableText, `title ${UNSTORABLE_TEXT}`).optional() })
  .strict();
const LinkKindParam = z.enum(LINK_KINDS, { message: `link kind must be one of ${LINK_KINDS.join(", ")}` });

interface ApiDeps {
  boards: BoardService;
  apiExtensions: express.Router[];
  maxBodyBytes: number;
  secureCookies: boolean;
}

/** The REST API under /api: boards and their share links. */
export function apiRoutes({ boards, maxBodyBytes, secureCookies, apiExtensions }: ApiDeps) {
  const router = express.Router();
  router.use(requireJsonWhenBodyPresent);
  router.use(express.json({ limit: maxBodyBytes, strict: true }));

  router.post(
    "/boards",
    handle(async (req, res) => {
      const body = parseBody(CreateBoardBody, req.body ?? {});
      const created = await boards.create(body.title ?? "Untitled board");
      res.append("Set-Cookie", credentialCookie(ownerCookieName(created.id), created.ownerToken, secureCookies));
      res.status(201).json(created);
    }),
  );

  router.get(
    "/boards/:id",
    handle(async (req, res) => {
      const owner = ownerCredential(req);
      await boards.requireOwner(req.params.id, owner);
      const { links, ...board } = await boards.describe(req.params.id, owner!);
      res.json({ ...board, links: links.map(({ tokenHash: _hash, ...l }) => l) });
    }),
  );

  router.post(
    "/boards/:id/links/:kind/rotate",
    handle(async (req, res) => {
      const kind = parseBody(LinkKindParam, req.params.kind);
      const owner = ownerCredential(req);
      await boards.requireOwner(req.params.id, owner);
      res.json(await boards.rotate(req.params.id, kind, owner!));
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

  for (const extension of apiExtensions) router.use(extension);
  router.use((req, _res, next) => next(new AppError("not_found", `No API route ${req.method} ${req.baseUrl}${req.path}.`)));
  router.use(jsonErrorHandler);
  return router;
}

/** The owner credential: the HttpOnly cookie set at creation, or `Authorization: Bearer <ownerToken>` for scripts. */
function ownerCredential(req: Request): string | undefined {
  return bearerToken(req) ?? readCookie(req.get("cookie"), ownerCookieName(req.params.id));
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
