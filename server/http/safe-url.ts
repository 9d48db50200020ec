import type { NextFunction, Request, Response } from "express";
import { AppError } from "./errors.js";

/**
 * Decoding what a client put in a URL, in one place that cannot throw.
 *
 * `decodeURIComponent` throws a URIError on a malformed escape (`%`, `%E0%A4%A`,
 * an overlong or surrogate UTF-8 sequence); thrown in a WebSocket upgrade
 * handler, that took the whole process down, and thrown by Express's param
 * decoding it became a 500. So every path segment and query value is decoded
 * here once, before any router sees the request, and a URL that does not
 * decode is refused with 400 (4400 on a socket).
 *
 * Control characters and unpaired surrogates are refused too: no id, token or
 * parameter of ours contains one, and Postgres refuses NUL in text, so letting
 * one through only turns a client's mistake into a database error.
 */

// With the `u` flag a surrogate pair is one code point, so \p{Cs} matches only an unpaired half.
const REFUSED_CHARS = /[\u0000-\u001f\u007f]|\p{Cs}/u;
// `http://host:port` in front of the path: HTTP/1.1 allows the absolute form of a request target.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/;

/** One decoded URL component, or null when it is malformed or holds a control character or an unpaired surrogate. */
export function safeDecode(component: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(component);
  } catch {
    return null;
  }
  return REFUSED_CHARS.test(decoded) ? null : decoded;
}

/** A request target (`req.url`) split into its raw path and raw query string, neither decoded. */
export function splitTarget(url: string): { path: string; query: string } {
  const target = url.replace(ABSOLUTE_FORM, "");
  const q = target.indexOf("?");
  return q === -1 ? { path: target, query: "" } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** The query string's names and values, decoded as forms encode them (`+` is a space); null when any of them is malformed. */
export function decodeQuery(query: string): [name: string, value: string][] | null {
  const pairs: [string, string][] = [];
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = safeDecode((eq === -1 ? part : part.slice(0, eq)).replaceAll("+", " "));
    const value = safeDecode(eq === -1 ? "" : part.slice(eq + 1).replaceAll("+", " "));
    if (name === null || value === null) return null;
    pairs.push([name, value]);
  }
  return pairs;
}

/** Whether every path segment and every query name and value of a request target decodes. */
export function isWellFormedTarget(url: string): boolean {
  const { path, query } = splitTarget(url);
  return path.split("/").every((segment) => safeDecode(segment) !== null) && decodeQuery(query) !== null;
}

const MALFORMED = "The URL is malformed: a path segment or query value is not valid percent-encoded UTF-8, or holds a control character.";

/**
 * Mounted first: a request whose URL does not decode is answered 400 before
 * Express, the API or Remix decode anything (JSON under /api and /assets,
 * plain text for pages), so no route handler ever sees such input.
 */
export function refuseMalformedUrls(req: Request, res: Response, next: NextFunction) {
  if (isWellFormedTarget(req.url)) return next();
  const error = new AppError("bad_request", MALFORMED);
  if (/^\/(api|assets)(\/|$)/.test(splitTarget(req.url).path)) {
    res.status(error.status).json(error.toJSON());
  } else {
    res.status(error.status).type("text/plain").send(`400 Bad Request. ${MALFORMED}\n`);
  }
}
