import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import tldrawCss from "tldraw/tldraw.css";
import { linkCookieName, readCookie } from "../../server/auth/cookies.js";
import { boardAccess } from "../board/access.server";
import { BoardPage } from "../components/BoardPage";
import { RefusedPage } from "../components/RefusedPage";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: tldrawCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.title} · Genboard` : "Genboard" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const access = await boardAccess(request, context, params.boardId ?? "");
  const linkToken = access.isOwner ? undefined : readCookie(request.headers.get("cookie"), linkCookieName(access.boardId));
  return data(
    {
      ...access,
      embed: false,
      ownLink: linkToken ? `/s/${linkToken}` : undefined,
      licenseKey: context.tldrawLicenseKey,
      canvasPreload: context.canvasPreload,
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export const headers: HeadersFunction = ({ loaderHeaders, errorHeaders }) => errorHeaders ?? loaderHeaders;

export default function Board() {
  return <BoardPage {...useLoaderData<typeof loader>()} />;
}

export const ErrorBoundary = () => <RefusedPage />;
