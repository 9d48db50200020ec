import { PNG } from "pngjs";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { freshStorage, type TestStorage } from "./helpers/storage.js";
import { spawnServer, type ServerProcess } from "./helpers/server-process.js";
import { createBoard, tokenOf, type CreatedBoard } from "./helpers/clients.js";
import { makePng, makeSvg, sha256Hex } from "./helpers/media.js";

/** Small enough to test the limit with small files, big enough for every file below. */
const MAX_ASSET_BYTES = 16 * 1024;
const IMMUTABLE = "public, max-age=31536000, immutable";
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

describe("asset store", () => {
  let storage: TestStorage;
  let server: ServerProcess;
  let board: CreatedBoard;
  let seed = 100;
  /** A PNG no other test has uploaded. */
  const freshPng = () => makePng(4, 4, ++seed);

  before(async () => {
    storage = await freshStorage();
    server = await spawnServer(storage, { ASSET_MAX_BYTES: String(MAX_ASSET_BYTES) });
    board = await createBoard(server, "Assets");
  });
  after(async () => {
    await server?.stop();
    await storage?.cleanup();
  });

  const upload = async (boardId: string, body: Uint8Array<ArrayBuffer>, headers: Record<string, string>) => {
    const res = await fetch(`${server.http}/api/boards/${boardId}/assets`, { method: "POST", body, headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };
  const asEditor = (type = "image/png") => ({ "content-type": type, authorization: `Bearer ${tokenOf(board.links.edit)}` });

  test("an edit link uploads a PNG; it comes back byte-identical, cacheable for good", async () => {
    const png = freshPng();
    const id = sha256Hex(png);
    const created = await upload(board.id, png, asEditor());
    assert.equal(created.status, 201);
    assert.deepEqual(created.json, { id, url: `/assets/${id}`, mime: "image/png", size: png.length });
    assert.equal(created.headers.get("location"), `/assets/${id}`);

    const res = await fetch(`${server.http}/assets/${id}`, { headers: { "accept-encoding": "gzip, br" } });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), png);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.equal(res.headers.get("content-length"), String(png.length));
    assert.equal(res.headers.get("cache-control"), IMMUTABLE);
    assert.equal(res.headers.get("etag"), `"${id}"`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("content-encoding"), null, "a PNG is not compressed again");
    assert.equal(res.headers.get("content-security-policy"), null);
  });

  test("revalidation answers 304, HEAD answers headers only, a byte range answers 206", async () => {
    const png = freshPng();
    const { json } = await upload(board.id, png, asEditor());
    const url = `${server.http}${json.url}`;

    for (const tag of [`"${json.id}"`, `W/"${json.id}"`, `"other", "${json.id}"`]) {
      const res = await fetch(url, { headers: { "if-none-match": tag } });
      assert.equal(res.status, 304, `If-None-Match: ${tag}`);
      assert.equal(res.headers.get("etag"), `"${json.id}"`);
      assert.equal(res.headers.get("cache-control"), IMMUTABLE);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    }
    const otherTag = await fetch(url, { headers: { "if-none-match": '"something-else"' } });
    assert.equal(otherTag.status, 200);
    assert.deepEqual(Buffer.from(await otherTag.arrayBuffer()), png);

    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "image/png");
    assert.equal(head.headers.get("content-length"), String(png.length));
    assert.equal(head.headers.get("etag"), `"${json.id}"`);

    const range = await fetch(url, { headers: { range: "bytes=0-7" } });
    assert.equal(range.status, 206);
    assert.equal(range.headers.get("content-range"), `bytes 0-7/${png.length}`);
    assert.deepEqual(Buffer.from(await range.arrayBuffer()), png.subarray(0, 8));
    const tail = await fetch(url, { headers: { range: "bytes=-4" } });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), png.subarray(png.length - 4));
    const outside = await fetch(url, { headers: { range: `bytes=${png.length}-` } });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers.get("content-range"), `bytes */${png.length}`);
    assert.equal(((await outside.json()) as { error: { code: string } }).error.code, "range_not_satisfiable");
  });

  test("?w= serves a downscaled PNG preview, cacheable on its own ETag; small or non-PNG assets come whole", async () => {
    const png = makePng(100, 30, seed++); // small: this suite runs with a 16 KiB asset limit
    const uploaded = await upload(board.id, png, asEditor());
    assert.ok(uploaded.status === 201 || uploaded.status === 200, JSON.stringify(uploaded.json));
    const { url } = uploaded.json as { url: string };
    const preview = await fetch(`${server.http}${url}?w=50`);
    assert.equal(preview.status, 200);
    assert.equal(preview.headers.get("content-type"), "image/png");
    assert.equal(preview.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const etag = preview.headers.get("etag")!;
    assert.notEqual(etag, `"${url.split("/").pop()}"`, "a preview has its own ETag");
    const bytes = Buffer.from(await preview.arrayBuffer());
    const decoded = PNG.sync.read(bytes);
    assert.deepEqual([decoded.width, decoded.height], [64, 19], "rounded up to a preview width, aspect kept");
    assert.ok(bytes.byteLength < png.byteLength);
    assert.equal((await fetch(`${server.http}${url}?w=50`, { headers: { "if-none-match": etag } })).status, 304);

    const wider = await fetch(`${server.http}${url}?w=1000`);
    assert.deepEqual(Buffer.from(await wider.arrayBuffer()), png, "no preview wider than the image");
    const svg = makeSvg();
    const { url: svgUrl } = (await upload(board.id, svg, asEditor("image/svg+xml"))).json as { url: string };
    assert.deepEqual(Buffer.from(await (await fetch(`${server.http}${svgUrl}?w=64`)).arrayBuffer()), svg);
    assert.equal((await fetch(`${server.http}${url}?w=wide`)).headers.get("etag"), `"${url.split("/").pop()}"`, "a w that is not a width is ignored");
  });

  test("the same bytes uploaded again, to any board, keep their id and answer 200", async () => {
    const png = freshPng();
    const first = await upload(board.id, png, asEditor());
    const again = await upload(board.id, png, asEditor());
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, first.json);

    const other = await createBoard(server);
    const elsewhere = await upload(other.id, png, { "content-type": "image/png", authorization: `Bearer ${other.ownerToken}` });
    assert.equal(elsewhere.status, 200);
    assert.equal(elsewhere.json.id, first.json.id);
  });

  test("the owner may upload with the bearer owner token or the owner cookie", async () => {
    const res = await fetch(`${server.http}/api/boards`, { method: "POST" });
    const owned = (await res.json()) as CreatedBoard;
    const cookie = res.headers.get("set-cookie")!.split(";")[0];
    assert.equal((await upload(owned.id, freshPng(), { "content-type": "image/png", authorization: `Bearer ${owned.ownerToken}` })).status, 201);
    assert.equal((await upload(owned.id, freshPng(), { "content-type": "image/png", cookie })).status, 201);
  });

  test("who may not upload: no token 401, view and embed links 403, a revoked link 410, an unknown board 404", async () => {
    const png = freshPng();
    const noToken = await upload(board.id, png, { "content-type": "image/png" });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.json.error.code, "unauthorized");
    assert.equal((await upload(board.id, png, { ...asEditor(), authorization: "Bearer not-a-token" })).status, 401);

    for (const link of [board.links.view, board.links.embed]) {
      const refused = await upload(board.id, png, { ...asEditor(), authorization: `Bearer ${tokenOf(link)}` });
      assert.equal(refused.status, 403);
      assert.equal(refused.json.error.code, "forbidden");
      assert.match(refused.json.error.message, /view link/);
    }

    const other = await createBoard(server);
    const wrongBoard = await upload(board.id, png, { ...asEditor(), authorization: `Bearer ${tokenOf(other.links.edit)}` });
    assert.equal(wrongBoard.status, 403);

    const rotated = await fetch(`${server.http}/api/boards/${other.id}/links/edit/rotate`, {
      method: "POST",
      headers: { authorization: `Bearer ${other.ownerToken}` },
    });
    assert.equal(rotated.status, 200);
    const revoked = await upload(other.id, png, { ...asEditor(), authorization: `Bearer ${tokenOf(other.links.edit)}` });
    assert.equal(revoked.status, 410);

    const unknown = await upload("AAAAAAAAAAAAAAAA", png, asEditor());
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error.message, /No board/);
    assert.equal((await upload("not a board", png, asEditor())).status, 404);

    const stored = await fetch(`${server.http}/assets/${sha256Hex(png)}`);
    assert.equal(stored.status, 404, "nothing refused was stored");
  });

  test("the bytes must be what the Content-Type says: 415 for a type we do not take, 400 for a mismatch or no bytes", async () => {
    const png = freshPng();
    for (const type of ["text/html", "application/octet-stream", "image/x-icon"]) {
      const res = await upload(board.id, png, asEditor(type));
      assert.equal(res.status, 415, type);
      assert.equal(res.json.error.code, "unsupported_media_type");
      assert.match(res.json.error.message, /image\/png, image\/jpeg/);
    }
    const untyped = await fetch(`${server.http}/api/boards/${board.id}/assets`, {
      method: "POST",
      body: png,
      headers: { authorization: `Bearer ${tokenOf(board.links.edit)}`, "content-type": "" },
    });
    assert.equal(untyped.status, 415);

    const mismatch = await upload(board.id, png, asEditor("image/jpeg"));
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error.code, "bad_request");
    assert.match(mismatch.json.error.message, /not a image\/jpeg file/);
    const html = await upload(board.id, Buffer.from("<html><script>alert(1)</script></html>"), asEditor("image/png"));
    assert.equal(html.status, 400);
    const svgThatIsNot = await upload(board.id, Buffer.from("hello <svg"), asEditor("image/svg+xml"));
    assert.equal(svgThatIsNot.status, 400);

    const empty = await upload(board.id, new Uint8Array(0), asEditor());
    assert.equal(empty.status, 400);
    assert.match(empty.json.error.message, /empty/);

    const gzipped = await upload(board.id, png, { ...asEditor(), "content-encoding": "gzip" });
    assert.equal(gzipped.status, 415);

    // parameters and case in the Content-Type do not matter; the stored type is the bare one
    const withParams = await upload(board.id, png, asEditor("Image/PNG; foo=bar"));
    assert.equal(withParams.status, 201);
    assert.equal(withParams.json.mime, "image/png");
  });

  test("a file over ASSET_MAX_BYTES is refused with 413, whether its length is declared or streamed", async () => {
    const big = Buffer.concat([makePng(), Buffer.alloc(MAX_ASSET_BYTES)]);
    const declared = await upload(board.id, big, asEditor());
    assert.equal(declared.status, 413);
    assert.equal(declared.json.error.code, "payload_too_large");
    assert.match(declared.json.error.message, /16 KiB limit/);

    // Chunked, no Content-Length: the server answers at the limit, while the client is still sending.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.http}/api/boards/${board.id}/assets`, { method: "POST", headers: asEditor() }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      let sent = 0;
      const pump = () => {
        while (sent < 8 * 1024 * 1024 && !req.destroyed) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024, 1))) return void req.once("drain", pump);
        }
        req.end();
      };
      req.write(makePng());
      pump();
    });
    assert.equal(streamed.status, 413);
    assert.equal(JSON.parse(streamed.body).error.code, "payload_too_large");

    const justFits = Buffer.concat([makePng(), Buffer.alloc(MAX_ASSET_BYTES - makePng().length)]);
    assert.equal((await upload(board.id, justFits, asEditor())).status, 201);
  });

  test("an SVG is served with a policy that keeps it from running script, and compressed", async () => {
    const svg = makeSvg(4096);
    const { status, json } = await upload(board.id, svg, asEditor("image/svg+xml"));
    assert.equal(status, 201);
    assert.equal(json.mime, "image/svg+xml");
    const res = await fetch(`${server.http}${json.url}`, { headers: { "accept-encoding": "gzip, br" } });
    assert.equal(res.headers.get("content-type"), "image/svg+xml");
    assert.equal(res.headers.get("content-security-policy"), SVG_CSP);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.match(res.headers.get("content-encoding") ?? "", /^(gzip|br)$/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), svg, "fetch decodes it back to the stored bytes");
  });

  test("unknown and malformed asset ids are JSON 404s", async () => {
    for (const path of [`/assets/${"0".repeat(64)}`, "/assets/abc", `/assets/${"A".repeat(64)}`, "/assets/", "/assets/a/b"]) {
      const res = await fetch(`${server.http}${path}`);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "not_found");
      assert.equal(res.headers.get("cache-control"), null, `${path}: a miss is not cached for good`);
    }
    assert.equal((await fetch(`${server.http}/assets/${"0".repeat(64)}`, { method: "HEAD" })).status, 404);
  });

  test("HTML pages and JSON answers over 1 KB are compressed when the client accepts it", async () => {
    const page = await fetch(`${server.http}/`, { headers: { "accept-encoding": "gzip, br" } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-encoding") ?? "", /^(gzip|br)$/);
    assert.match(page.headers.get("vary") ?? "", /Accept-Encoding/i);
    assert.match(await page.text(), /<title>Genboard[^<]*<\/title>/);

    const gzipOnly = await fetch(`${server.http}/`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(gzipOnly.headers.get("content-encoding"), "gzip");
    const identity = await fetch(`${server.http}/`, { headers: { "accept-encoding": "identity" } });
    assert.equal(identity.headers.get("content-encoding"), null);

    // The API's answers are mostly a few hundred bytes, under the threshold; an
    // error that echoes a long path is a JSON answer well over it.
    const longPath = `/api/${"x".repeat(2000)}`;
    const bigJson = await fetch(`${server.http}${longPath}`, { headers: { "accept-encoding": "gzip, br" } });
    assert.equal(bigJson.status, 404);
    assert.match(bigJson.headers.get("content-type") ?? "", /^application\/json/);
    assert.match(bigJson.headers.get("content-encoding") ?? "", /^(gzip|br)$/);
    assert.match(((await bigJson.json()) as { error: { message: string } }).error.message, /x{2000}/);

    const smallJson = await fetch(`${server.http}/api/boards/${board.id}`, { headers: { "accept-encoding": "gzip, br", authorization: `Bearer ${board.ownerToken}` } });
    assert.equal(smallJson.status, 200);
    assert.equal(smallJson.headers.get("content-encoding"), null, "under 1 KB goes out as it is");
  });

  // Last: it replaces the server the other tests use.
  test("assets survive a restart", async () => {
    const png = freshPng();
    const { json } = await upload(board.id, png, asEditor());
    assert.equal(await server.stop(), 0);
    server = await spawnServer(storage, { ASSET_MAX_BYTES: String(MAX_ASSET_BYTES) });
    const res = await fetch(`${server.http}${json.url}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), png);
    const again = await upload(board.id, png, asEditor());
    assert.equal(again.status, 200, "still known after the restart");
  });
});
